// Package lake writes the auditlake lake: the Parquet data files of its
// Iceberg tables (each day of a run one sorted set of files, through a
// sort spool on local disk), the commit requests that a committer (package warehouse) turns
// into Iceberg commits, the quarantine, the ingestion ledger, the lake-wide
// duplicate index and compaction. Below the lake root:
//
//	auditlake/<table>/data/<column>_day=YYYY-MM-DD/<hash>[-<i>-<n>].parquet   data files
//	auditlake/<table>/metadata/                    Iceberg metadata (written by the committer)
//	_commits/<request id>.json                     commit requests not yet committed
//	_manifest/<object id>.json                     the ledger: one entry per ingested object
//	_quarantine/<object id>.ndjson                 records that could not be normalized
//	_index/<table>/dt=YYYY-MM-DD/<object id>.ids   ids written, for lake-wide dedupe
//
// The writer (writer.go) and its sort spool (spool.go), the duplicate
// check (index.go), the ledger and commit requests (manifest.go,
// commit.go) and compaction (compact.go) each have their file. The row types are package row's, generated from
// schemas/; package lake does not link the Iceberg library, so the ingest
// Lambda stays small.
package lake

import "github.com/auditlake/auditlake/pipeline/row"

// Event is one row of the events table (package row).
type Event = row.Event

// log_source and outcome values (package row).
const (
	SourceCloudTrail  = row.SourceCloudTrail
	SourceS3AccessLog = row.SourceS3AccessLog
	OutcomeSuccess    = row.OutcomeSuccess
	OutcomeDenied     = row.OutcomeDenied
	OutcomeError      = row.OutcomeError
)

// Events is the events table: partitioned by day(event_time),
// deduplicated on event_id, sorted by studio_profile, source_identity,
// event_time, event_id.
var Events = &Table[Event]{
	Name:           EventsDir,
	ID:             (*Event).Key,
	Day:            (*Event).Day,
	PartitionField: "event_time_day",
	Less:           Less,
	Size:           eventSize,
	appendRow:      appendEvent,
	readRow:        readEvent,
	sortKey:        sortKeyEvent,
}

// Less orders events within a file (schemas/events.yaml sort).
func Less(a, b *Event) bool { return a.Less(b) }

// dayOf formats t's UTC date as YYYY-MM-DD.
var dayOf = row.DayOf

// eventSize estimates the memory an event holds, for flush budgeting. The
// JSON columns are usually parts of the record text (Raw): they are
// counted only when they are not.
func eventSize(e *Event) int {
	return 512 + len(e.EventID) + len(e.PrincipalARN) + len(e.RoleARN) + len(e.UserAgent) +
		outside(e.RequestParameters, e.Raw) + outside(e.ResponseElements, e.Raw) + outside(e.AdditionalEventData, e.Raw) +
		len(e.Raw) + len(e.S3Key) + len(e.QueryText) + len(e.ErrorMessage) + len(e.RequestURI) + len(e.Referer)
}

// outside is the length of s unless s is a part of raw (same memory).
func outside(s, raw string) int {
	if _, ok := partOf(s, raw); ok {
		return 0
	}
	return len(s)
}

// nilIfEmpty is the wire form of an optional string: NULL when empty.
func nilIfEmpty(s *string) *string {
	if *s == "" {
		return nil
	}
	return s
}

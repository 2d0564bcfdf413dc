package lake

import "github.com/auditlake/auditlake/pipeline/row"

// AthenaQuery is one row of the athena_queries table (package row).
type AthenaQuery = row.AthenaQuery

// Final query states: only these are stored (package row).
const (
	QuerySucceeded = row.QuerySucceeded
	QueryFailed    = row.QueryFailed
	QueryCancelled = row.QueryCancelled
)

// IsFinalQueryState reports whether an Athena query state is final.
func IsFinalQueryState(s string) bool { return row.IsFinalQueryState(s) }

// TableNames are the tables ingest writes and a commit request may add
// files to, in commit order.
var TableNames = []string{AthenaQueries.Name, Events.Name}

// AthenaQueries is the athena_queries table: partitioned by
// day(submitted_at), deduplicated on query_id, sorted by submitted_at,
// query_id.
var AthenaQueries = &Table[AthenaQuery]{
	Name:           "athena_queries",
	ID:             (*AthenaQuery).Key,
	Day:            (*AthenaQuery).Day,
	PartitionField: "submitted_at_day",
	Less:           func(a, b *AthenaQuery) bool { return a.Less(b) },
	Size:           func(q *AthenaQuery) int { return 512 + len(q.QueryText) + len(q.Raw) + len(q.ErrorMessage) },
	appendRow:      appendAthenaQuery,
	readRow:        readAthenaQuery,
	sortKey:        sortKeyAthenaQuery,
}

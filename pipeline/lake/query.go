package lake

import "time"

// AthenaQuery is one row of the athena_queries table
// (schemas/athena_queries.yaml). String fields are NULL when empty.
type AthenaQuery struct {
	QueryID           string     `parquet:"query_id"`
	QueryText         string     `parquet:"query_text,optional"`
	DatabaseName      string     `parquet:"database_name,optional"`
	Catalog           string     `parquet:"catalog,optional"`
	Workgroup         string     `parquet:"workgroup,optional"`
	State             string     `parquet:"state"`
	StateChangeReason string     `parquet:"state_change_reason,optional"`
	StatementType     string     `parquet:"statement_type,optional"`
	SubstatementType  string     `parquet:"substatement_type,optional"`
	SubmittedAt       time.Time  `parquet:"submitted_at,timestamp(microsecond)"`
	CompletedAt       *time.Time `parquet:"completed_at,optional,timestamp(microsecond)"`
	DataScannedBytes  *int64     `parquet:"data_scanned_bytes,optional"`
	TotalExecutionMs  *int64     `parquet:"total_execution_ms,optional"`
	EngineVersion     string     `parquet:"engine_version,optional"`
	OutputLocation    string     `parquet:"output_location,optional"`
	ErrorMessage      string     `parquet:"error_message,optional"`
	ErrorCategory     *int64     `parquet:"error_category,optional"`
	ErrorType         *int64     `parquet:"error_type,optional"`
	FetchedVia        string     `parquet:"fetched_via"`
	Raw               string     `parquet:"raw,optional"`
	SourceObject      string     `parquet:"source_object,optional"`
	SourceOffset      int64      `parquet:"source_offset"`
}

// Final query states: only these are stored.
const (
	QuerySucceeded = "SUCCEEDED"
	QueryFailed    = "FAILED"
	QueryCancelled = "CANCELLED"
)

// IsFinalQueryState reports whether an Athena query state is final.
func IsFinalQueryState(s string) bool {
	return s == QuerySucceeded || s == QueryFailed || s == QueryCancelled
}

// AthenaQueries is the athena_queries table: partitioned by
// day(submitted_at), deduplicated on query_id, sorted by submitted_at,
// query_id.
var AthenaQueries = &Table[AthenaQuery]{
	Name:           "athena_queries",
	ID:             func(q *AthenaQuery) string { return q.QueryID },
	Day:            func(q *AthenaQuery) string { return dayOf(q.SubmittedAt) },
	PartitionField: "submitted_at_day",
	Less: func(a, b *AthenaQuery) bool {
		if !a.SubmittedAt.Equal(b.SubmittedAt) {
			return a.SubmittedAt.Before(b.SubmittedAt)
		}
		return a.QueryID < b.QueryID
	},
	Size: func(q *AthenaQuery) int { return 512 + len(q.QueryText) + len(q.Raw) + len(q.ErrorMessage) },
}

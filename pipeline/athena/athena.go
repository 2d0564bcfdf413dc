// Package athena fills the athena_queries table (schemas/athena_queries.yaml)
// with Athena query executions in a final state (SUCCEEDED, FAILED,
// CANCELLED), from three sources:
//
//   - Fetch: the Athena API's query history (ListWorkGroups,
//     ListQueryExecutions, BatchGetQueryExecution), which Athena keeps for
//     45 days only; fetched_via 'api'.
//   - ReadFile: the AWS CLI's JSON output of `aws athena
//     batch-get-query-execution` and `aws athena get-query-execution`;
//     fetched_via 'file'.
//   - HandleStateChange: an EventBridge "Athena Query State Change" event,
//     followed by GetQueryExecution; fetched_via 'eventbridge'.
//
// The API response does not say who ran a query: the report joins that from
// CloudTrail StartQueryExecution events by query_id.
//
// Throttling (ThrottlingException, TooManyRequestsException) is retried by
// this package's own loop with capped exponential backoff and jitter, so
// that retries are counted in FetchStats and the delays are configurable.
// Each call is made with an option that stops the SDK's retryer from also
// retrying throttling errors (it still retries 5xx and connection errors).
package athena

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"
	"github.com/go-json-experiment/json"

	"github.com/auditlake/auditlake/pipeline/lake"
)

// How a row was obtained (the fetched_via column).
const (
	ViaAPI         = "api"
	ViaFile        = "file"
	ViaEventBridge = "eventbridge"
)

// HistoryDays is how long Athena keeps query history.
const HistoryDays = 45

// NewClient returns an Athena client for cfg. Throttling is retried by
// Fetch and HandleStateChange, not by extra SDK configuration.
func NewClient(cfg aws.Config) *athena.Client {
	return athena.NewFromConfig(cfg)
}

// FromAPI converts one query execution into a row with fetched_via = via and
// source_object = source (source_offset 0). It reports false when the
// execution is not in a final state, or lacks the QueryExecutionId or
// Status.SubmissionDateTime the table requires. Raw is the execution as
// JSON with the SDK's (and the CLI's) PascalCase names, nil and zero fields
// omitted, timestamps in RFC 3339.
func FromAPI(q types.QueryExecution, via, source string) (lake.AthenaQuery, bool) {
	row, reason := convert(&q)
	if reason != "" || !lake.IsFinalQueryState(row.State) {
		return lake.AthenaQuery{}, false
	}
	row.FetchedVia = via
	row.SourceObject = source
	if b, err := json.Marshal(q, json.OmitZeroStructFields(true)); err == nil {
		row.Raw = string(b)
	}
	return row, true
}

// knownStates are the QueryExecutionState values.
var knownStates = map[string]bool{"QUEUED": true, "RUNNING": true,
	lake.QuerySucceeded: true, lake.QueryFailed: true, lake.QueryCancelled: true}

// convert maps q onto a row (without FetchedVia, Raw, SourceObject). A
// non-empty reason says why q is not a usable execution. A valid execution
// in a non-final state comes back with its State and an empty reason.
func convert(q *types.QueryExecution) (lake.AthenaQuery, string) {
	var row lake.AthenaQuery
	row.QueryID = aws.ToString(q.QueryExecutionId)
	if row.QueryID == "" {
		return row, "not an Athena query execution: no QueryExecutionId"
	}
	st := q.Status
	if st == nil || st.State == "" {
		return row, "query execution " + row.QueryID + " has no Status.State"
	}
	row.State = string(st.State)
	if !knownStates[row.State] {
		return row, "query execution " + row.QueryID + " has an unknown state " + row.State
	}
	if !lake.IsFinalQueryState(row.State) {
		return row, ""
	}
	if st.SubmissionDateTime == nil || st.SubmissionDateTime.IsZero() {
		return row, "query execution " + row.QueryID + " has no Status.SubmissionDateTime"
	}
	row.SubmittedAt = st.SubmissionDateTime.UTC()
	if t := st.CompletionDateTime; t != nil && !t.IsZero() {
		c := t.UTC()
		row.CompletedAt = &c
	}
	row.StateChangeReason = aws.ToString(st.StateChangeReason)
	if e := st.AthenaError; e != nil {
		row.ErrorMessage = aws.ToString(e.ErrorMessage)
		row.ErrorCategory = int64Of32(e.ErrorCategory)
		row.ErrorType = int64Of32(e.ErrorType)
	}
	row.QueryText = aws.ToString(q.Query)
	row.StatementType = string(q.StatementType)
	row.SubstatementType = aws.ToString(q.SubstatementType)
	row.Workgroup = aws.ToString(q.WorkGroup)
	if c := q.QueryExecutionContext; c != nil {
		row.DatabaseName = aws.ToString(c.Database)
		row.Catalog = aws.ToString(c.Catalog)
	}
	if s := q.Statistics; s != nil {
		row.DataScannedBytes = int64Of(s.DataScannedInBytes)
		row.TotalExecutionMs = int64Of(s.TotalExecutionTimeInMillis)
	}
	if e := q.EngineVersion; e != nil {
		row.EngineVersion = aws.ToString(e.EffectiveEngineVersion)
	}
	if r := q.ResultConfiguration; r != nil {
		row.OutputLocation = aws.ToString(r.OutputLocation)
	}
	return row, ""
}

func int64Of(p *int64) *int64 {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func int64Of32(p *int32) *int64 {
	if p == nil {
		return nil
	}
	v := int64(*p)
	return &v
}

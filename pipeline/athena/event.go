package athena

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"

	"github.com/auditlake/auditlake/pipeline/lake"
)

// StateChangeDetailType and StateChangeSource identify an EventBridge
// "Athena Query State Change" event.
const (
	StateChangeDetailType = "Athena Query State Change"
	StateChangeSource     = "aws.athena"
)

// ErrNotStateChange is returned for an event that is not a well-formed
// Athena Query State Change event; the message says what is wrong.
var ErrNotStateChange = errors.New("not an Athena Query State Change event")

// stateChange is the part of the EventBridge event that is read.
type stateChange struct {
	ID         string `json:"id"`
	DetailType string `json:"detail-type"`
	Source     string `json:"source"`
	Detail     *struct {
		CurrentState     string `json:"currentState"`
		PreviousState    string `json:"previousState"`
		QueryExecutionID string `json:"queryExecutionId"`
		WorkgroupName    string `json:"workgroupName"`
	} `json:"detail"`
}

// HandleStateChange handles one EventBridge "Athena Query State Change"
// event:
//
//	{"detail-type":"Athena Query State Change","source":"aws.athena","id":"…",
//	 "detail":{"currentState":"SUCCEEDED","queryExecutionId":"…","workgroupName":"…",…}}
//
// For a final currentState it calls GetQueryExecution (retrying throttling
// with the default backoff) and returns the row, fetched_via 'eventbridge',
// source_object "eventbridge:<event id>". For QUEUED or RUNNING it returns
// nil, nil. A malformed event yields an error wrapping ErrNotStateChange; an
// execution that GetQueryExecution does not report in a final state yet
// yields an error, so that the event is delivered again.
func HandleStateChange(ctx context.Context, api API, event []byte) (*lake.AthenaQuery, error) {
	var ev stateChange
	if err := json.Unmarshal(event, &ev); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotStateChange, err)
	}
	switch {
	case ev.DetailType != StateChangeDetailType:
		return nil, fmt.Errorf("%w: detail-type is %q", ErrNotStateChange, ev.DetailType)
	case ev.Source != StateChangeSource:
		return nil, fmt.Errorf("%w: source is %q", ErrNotStateChange, ev.Source)
	case ev.Detail == nil:
		return nil, fmt.Errorf("%w: no detail", ErrNotStateChange)
	case ev.Detail.QueryExecutionID == "":
		return nil, fmt.Errorf("%w: no detail.queryExecutionId", ErrNotStateChange)
	case !knownStates[ev.Detail.CurrentState]:
		return nil, fmt.Errorf("%w: detail.currentState is %q", ErrNotStateChange, ev.Detail.CurrentState)
	}
	if !lake.IsFinalQueryState(ev.Detail.CurrentState) {
		return nil, nil
	}
	id := ev.Detail.QueryExecutionID
	r := newRetrier(0, 0, 0, nil, nil)
	out, err := call(ctx, r, func(ctx context.Context, o func(*athena.Options)) (*athena.GetQueryExecutionOutput, error) {
		return api.GetQueryExecution(ctx, &athena.GetQueryExecutionInput{QueryExecutionId: aws.String(id)}, o)
	})
	if err != nil {
		return nil, fmt.Errorf("athena GetQueryExecution %s: %w", id, err)
	}
	if out.QueryExecution == nil {
		return nil, fmt.Errorf("athena GetQueryExecution %s: no QueryExecution in the response", id)
	}
	source := "eventbridge"
	if ev.ID != "" {
		source += ":" + ev.ID
	}
	row, ok := FromAPI(*out.QueryExecution, ViaEventBridge, source)
	if !ok {
		state := ""
		if s := out.QueryExecution.Status; s != nil {
			state = string(s.State)
		}
		return nil, fmt.Errorf("athena GetQueryExecution %s: state %q is not final or the execution is incomplete, although the event says %s", id, state, ev.Detail.CurrentState)
	}
	if row.QueryID != id {
		return nil, fmt.Errorf("athena GetQueryExecution %s: returned execution %s", id, row.QueryID)
	}
	return &row, nil
}

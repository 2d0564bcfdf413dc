package queue

import (
	"context"
	"fmt"

	"github.com/aws/aws-lambda-go/events"

	"github.com/auditlake/auditlake/pipeline"
)

// Result is what one batch did.
type Result struct {
	Response events.SQSEventResponse // the messages SQS must deliver again
	Summary  *pipeline.Summary
	Objects  int               // objects the messages announced
	Errors   map[string]string // message id → why it failed
}

// Ingest ingests the objects a batch of SQS messages announces, each as a
// unit of its own (pipeline.IngestEach), and answers with the messages
// that failed: a message whose body is not a notification, or one of
// whose objects could not be ingested. Every other message is done: its
// objects' rows are in commit requests (or were ingested before: a
// redelivered message adds nothing). The returned error is for the whole
// batch (the lake could not be opened, or the run's profile map not
// saved); the Lambda then fails the invocation and SQS delivers every
// message again.
func Ingest(ctx context.Context, opt pipeline.Options, batch events.SQSEvent) (*Result, error) {
	res := &Result{Errors: map[string]string{}, Response: events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}}
	var locs []string
	var owner []int // locs[i] came from batch.Records[owner[i]]
	failed := make([]string, len(batch.Records))
	for i, m := range batch.Records {
		objs, err := Parse(m.Body)
		if err != nil {
			failed[i] = err.Error()
			continue
		}
		for _, o := range objs {
			locs = append(locs, o.Location())
			owner = append(owner, i)
		}
	}
	res.Objects = len(locs)
	if len(locs) > 0 {
		opt.Inputs = locs
		sum, errs, err := pipeline.IngestEach(ctx, opt, locs)
		res.Summary = sum
		if err != nil && sum == nil {
			return res, fmt.Errorf("ingest: %w", err)
		}
		for j, e := range errs {
			if e != nil && failed[owner[j]] == "" {
				failed[owner[j]] = e.Error()
			}
		}
		if err != nil {
			return res, fmt.Errorf("ingest: %w", err)
		}
	}
	for i, why := range failed {
		if why == "" {
			continue
		}
		id := batch.Records[i].MessageId
		res.Errors[id] = why
		res.Response.BatchItemFailures = append(res.Response.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: id})
	}
	return res, nil
}

// Command ingest is the ingest Lambda function (provided.al2023, built as
// "bootstrap"): SQS delivers batches of S3 object notifications (direct,
// through SNS, or EventBridge "Object Created" events); each object is
// streamed through the same pipeline as the ingest CLI into Parquet data
// files and a commit request of its own, which the commit function makes
// visible. It answers SQS with the messages that failed, so only those are
// delivered again.
//
// Environment:
//
//	AUDITLAKE_LAKE        the lake, s3://bucket/prefix (required)
//	AUDITLAKE_NOT_BEFORE  optional bounds on plausible event times (RFC 3339,
//	AUDITLAKE_NOT_AFTER   a date, or a duration such as 7d)
//
// It links neither the Iceberg library nor DuckDB, and stays CGO-free.
package main

import (
	"context"
	"log/slog"
	"os"
	"runtime/debug"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/auditlake/auditlake/pipeline"
	"github.com/auditlake/auditlake/pipeline/queue"
)

// memoryLimit is the Go soft memory limit: the pipeline streams a 1 GB
// object in about 250 MB (BENCHMARKS.md), so a 512 MB function keeps room
// for the runtime.
const memoryLimit = 192 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	lambda.Start(func(ctx context.Context, batch events.SQSEvent) (events.SQSEventResponse, error) {
		opt, err := pipeline.EnvOptions(os.Getenv)
		if err != nil {
			return events.SQSEventResponse{}, err
		}
		opt.Logger, opt.MemoryLimit = log, memoryLimit
		res, err := queue.Ingest(ctx, opt, batch)
		for id, why := range res.Errors {
			log.Error("message failed", "message_id", id, "error", why)
		}
		if s := res.Summary; s != nil {
			log.Info("batch", "messages", len(batch.Records), "objects", res.Objects, "failed", len(res.Errors),
				"records_read", s.Read, "events_written", s.Written, "quarantined", s.Quarantined,
				"objects_skipped", s.ObjectsSkipped, "commit_requests", s.Requests)
		}
		if err != nil {
			log.Error("batch failed", "error", err.Error())
			return events.SQSEventResponse{}, err
		}
		return res.Response, nil
	})
}

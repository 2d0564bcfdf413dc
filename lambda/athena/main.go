// Command athena is the Lambda function (provided.al2023, "bootstrap")
// behind the EventBridge rule on "Athena Query State Change": on a final
// state it fetches the execution (GetQueryExecution) and writes it to the
// athena_queries table as a data file and a commit request, which the
// commit function makes visible. Other states are counted and skipped. An
// event it cannot use fails the invocation, so that Lambda's retries and
// then the function's dead-letter queue keep it.
//
// Environment: AUDITLAKE_LAKE, the lake (s3://bucket/prefix, required).
package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"runtime/debug"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/auditlake/auditlake/pipeline"
	"github.com/auditlake/auditlake/pipeline/athena"
)

const memoryLimit = 96 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	lambda.Start(func(ctx context.Context, event json.RawMessage) (*pipeline.Summary, error) {
		opt, err := pipeline.EnvOptions(os.Getenv)
		if err != nil {
			return nil, err
		}
		opt.Logger = log
		cfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, err
		}
		sum, err := pipeline.IngestAthenaEvent(ctx, opt, athena.NewClient(cfg), event)
		if err != nil {
			log.Error("event failed", "error", err.Error())
			return nil, err
		}
		log.Info("event", "written", sum.Written, "skipped", sum.Skipped, "commit_requests", sum.Requests)
		return sum, nil
	})
}

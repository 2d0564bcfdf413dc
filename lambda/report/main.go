// Command report is the scheduled report Lambda function (provided.al2023,
// "bootstrap"; it links DuckDB, so it is built with cgo). Each invocation
// (an EventBridge schedule) builds the derived tables for what changed,
// alerts on findings not sent before (SNS and a webhook; the state is on
// S3), and writes the previous day's compliance report as HTML and JSON.
//
// Environment:
//
//	AUDITLAKE_LAKE           the lake, s3://bucket/prefix (required)
//	AUDITLAKE_GLUE_DATABASE  the lake's tables are in this Glue database
//	AUDITLAKE_POLICY         policy YAML, s3://bucket/key (default: built-in)
//	AUDITLAKE_CATALOG        s3:// prefix of `aws glue get-tables` JSON files
//	AUDITLAKE_GRANTS         s3:// prefix of Lake Formation JSON files: `aws lakeformation list-permissions`,
//	                         list-data-cells-filter and the LF-Tag listings (as report --grants)
//	AUDITLAKE_ALERT_STATE    alert state, s3://bucket/key (default: _alerts/state.json in the lake)
//	AUDITLAKE_SNS_TOPIC      SNS topic ARN for new findings
//	AUDITLAKE_WEBHOOK        Slack-compatible webhook URL for new findings
//	AUDITLAKE_REPORTS        where compliance/YYYY-MM-DD.{html,json} go (default: _reports/ in the lake)
//	AUDITLAKE_BUILD_MEMORY   DuckDB's memory limit during a build (default: 60% of the function's memory)
//
// The input may name the compliance day: {"compliance_day":"2026-07-01"}.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/auditlake/auditlake/pipeline"
	"github.com/auditlake/auditlake/pipeline/report"
)

// Request is the invocation's input (a schedule's constant input, or none).
type Request struct {
	ComplianceDay string `json:"compliance_day"`
}

func main() {
	// The function's only writable folder is /tmp: the lake cache and
	// DuckDB's spill files go there.
	if os.Getenv("AUDITLAKE_CACHE") == "" {
		os.Setenv("AUDITLAKE_CACHE", filepath.Join(os.TempDir(), "auditlake-cache"))
	}
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	lambda.Start(func(ctx context.Context, raw json.RawMessage) (*report.ScheduledResult, error) {
		var req Request
		if len(raw) > 0 && string(raw) != "null" {
			if err := json.Unmarshal(raw, &req); err != nil {
				return nil, fmt.Errorf("input: %w", err)
			}
		}
		opt, err := options(req)
		if err != nil {
			return nil, err
		}
		res, err := report.RunScheduled(ctx, opt)
		if err != nil {
			log.Error("scheduled report failed", "error", err.Error())
			return nil, err
		}
		log.Info("done", "build", res.Build, "days_rebuilt", res.Rebuilt, "findings", res.Findings, "new", res.New, "reports", res.Reports)
		return res, nil
	})
}

func options(req Request) (report.ScheduledOptions, error) {
	lake := strings.TrimRight(os.Getenv(pipeline.EnvLake), "/")
	if lake == "" {
		return report.ScheduledOptions{}, fmt.Errorf("%s is not set: give the lake as s3://bucket/prefix", pipeline.EnvLake)
	}
	opt := report.ScheduledOptions{
		Options:       report.Options{Lake: lake, GlueDatabase: os.Getenv("AUDITLAKE_GLUE_DATABASE"), BuildMemoryLimit: os.Getenv("AUDITLAKE_BUILD_MEMORY")},
		Policy:        os.Getenv("AUDITLAKE_POLICY"),
		CatalogFrom:   os.Getenv("AUDITLAKE_CATALOG"),
		GrantsFrom:    os.Getenv("AUDITLAKE_GRANTS"),
		ReportsTo:     envOr("AUDITLAKE_REPORTS", lake+"/_reports"),
		ComplianceDay: req.ComplianceDay,
		Alert: report.AlertOptions{State: envOr("AUDITLAKE_ALERT_STATE", lake+"/_alerts/state.json"),
			SNSTopic: os.Getenv("AUDITLAKE_SNS_TOPIC"), Webhook: os.Getenv("AUDITLAKE_WEBHOOK")},
	}
	if opt.BuildMemoryLimit == "" {
		if mb, err := strconv.Atoi(os.Getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")); err == nil && mb > 0 {
			opt.BuildMemoryLimit = fmt.Sprintf("%dMB", mb*6/10)
		}
	}
	return opt, nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// Command commit is the lake's single committer as a Lambda function
// (provided.al2023, "bootstrap", reserved concurrency 1). Every invocation
// turns the pending commit requests that the ingest and athena functions
// wrote into Iceberg commits (one per table), retrying conflicts, and
// records their objects in the ledger. Invoked with {"action":"maintain"}
// (the daily schedule) it also compacts the closed days (those before
// today, back AUDITLAKE_COMPACT_DAYS) and expires snapshots older than the
// retention.
//
// Environment:
//
//	AUDITLAKE_LAKE            the lake, s3://bucket/prefix (required)
//	AUDITLAKE_GLUE_DATABASE   keep the tables in this Glue database (default: the
//	                          filesystem catalog inside the lake)
//	AUDITLAKE_RETENTION       snapshots kept for --as-of (default 7d)
//	AUDITLAKE_COMPACT_DAYS    how many days back compaction looks (default 7)
//	AUDITLAKE_COMPACT_FILES   a commit also compacts any of those days, open or closed, that
//	                          holds this many data files (default 64)
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/auditlake/auditlake/pipeline"
	"github.com/auditlake/auditlake/pipeline/warehouse"
)

// memoryLimit is the soft memory limit: compaction holds a run of rows
// (825 MB peak measured for a 10 M-event day, BENCHMARKS.md); the template
// gives the function 2 GB.
const memoryLimit = 1 << 30

// Request is the invocation's input: an EventBridge schedule's constant
// input, or nothing.
type Request struct {
	Action string `json:"action"` // "commit" (default) or "maintain"
}

// Response says what the invocation did.
type Response struct {
	Action   string                    `json:"action"`
	Requests int                       `json:"requests_committed"`
	Files    int                       `json:"data_files_added"`
	Dropped  int                       `json:"requests_dropped"`
	Maintain *warehouse.MaintainResult `json:"maintain,omitempty"`
	// Compacted are the days a commit compacted because they held at
	// least AUDITLAKE_COMPACT_FILES data files.
	Compacted []warehouse.DayResult `json:"compacted,omitempty"`
	Elapsed   string                `json:"elapsed"`
}

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	lambda.Start(func(ctx context.Context, raw json.RawMessage) (*Response, error) {
		start := time.Now()
		var req Request
		if len(raw) > 0 && string(raw) != "null" {
			if err := json.Unmarshal(raw, &req); err != nil {
				return nil, fmt.Errorf("input: %w", err)
			}
		}
		res, err := handle(ctx, req)
		if err != nil {
			log.Error("commit failed", "action", req.Action, "error", err.Error())
			return nil, err
		}
		res.Elapsed = time.Since(start).Round(time.Millisecond).String()
		log.Info("done", "action", res.Action, "requests", res.Requests, "files", res.Files, "dropped", res.Dropped, "elapsed", res.Elapsed)
		return res, nil
	})
}

func handle(ctx context.Context, req Request) (*Response, error) {
	loc := os.Getenv(pipeline.EnvLake)
	if loc == "" {
		return nil, fmt.Errorf("%s is not set: give the lake as s3://bucket/prefix", pipeline.EnvLake)
	}
	var opts []warehouse.Option
	if db := os.Getenv("AUDITLAKE_GLUE_DATABASE"); db != "" {
		opts = append(opts, warehouse.WithGlue(db, nil))
	}
	w, err := warehouse.Open(ctx, loc, opts...)
	if err != nil {
		return nil, err
	}
	res := &Response{Action: req.Action}
	switch req.Action {
	case "", "commit":
		res.Action = "commit"
		st, err := w.CommitPending(ctx)
		if err != nil {
			return nil, err
		}
		res.Requests, res.Files, res.Dropped = st.Requests, st.Files, st.Dropped
		// The ingest function writes files per object: a day that gathers
		// many is compacted now rather than at night, so that readers
		// never face thousands of small files.
		crowded, err := strconv.Atoi(envOr("AUDITLAKE_COMPACT_FILES", "64"))
		if err != nil || crowded < 2 {
			return nil, fmt.Errorf("AUDITLAKE_COMPACT_FILES: want a number of files ≥ 2")
		}
		back, err := compactDays()
		if err != nil {
			return nil, err
		}
		for _, name := range warehouse.Tables {
			days, err := w.Compact(ctx, name, warehouse.CompactOptions{MinFiles: crowded, Since: time.Now().UTC().AddDate(0, 0, -back)})
			res.Compacted = append(res.Compacted, days...)
			if err != nil {
				return nil, err
			}
		}
	case "maintain":
		retention, err := pipeline.ParseDuration(envOr("AUDITLAKE_RETENTION", "7d"))
		if err != nil {
			return nil, fmt.Errorf("AUDITLAKE_RETENTION: %w", err)
		}
		days, err := compactDays()
		if err != nil {
			return nil, err
		}
		today := time.Now().UTC().Truncate(24 * time.Hour)
		m, err := w.Maintain(ctx, warehouse.CompactOptions{Since: today.AddDate(0, 0, -days), Before: today}, retention)
		res.Maintain = m
		if m != nil && m.Commit != nil {
			res.Requests, res.Files, res.Dropped = m.Commit.Requests, m.Commit.Files, m.Commit.Dropped
		}
		if err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unknown action %q: want commit or maintain", req.Action)
	}
	return res, nil
}

// compactDays is how many days back compaction looks.
func compactDays() (int, error) {
	days, err := strconv.Atoi(envOr("AUDITLAKE_COMPACT_DAYS", "7"))
	if err != nil || days < 1 {
		return 0, fmt.Errorf("AUDITLAKE_COMPACT_DAYS: want a number of days ≥ 1")
	}
	return days, nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

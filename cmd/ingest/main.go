// Command ingest reads CloudTrail logs from local files, folders or S3 and
// writes them into an auditlake lake (a local folder or s3://bucket/prefix).
//
//	ingest PATH|s3://bucket/prefix ... [--lake DIR|s3://bucket/prefix] [--since T] [--until T] [--profiles F] [--json]
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"time"

	"github.com/auditlake/auditlake/pipeline"
)

const usage = "usage: ingest PATH|s3://bucket/prefix ... [--lake DIR|s3://bucket/prefix] [--since T] [--until T] [--profiles FILE] [--json] [-v]"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ingest", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	lakeLoc := fs.String("lake", "lake", "lake location: a folder or s3://bucket/prefix")
	since := fs.String("since", "", "skip events before this time (RFC 3339, YYYY-MM-DD, or a duration such as 24h or 7d)")
	until := fs.String("until", "", "skip events at or after this time")
	profiles := fs.String("profiles", "", "JSON file mapping execution roles to Studio profiles")
	asJSON := fs.Bool("json", false, "print the summary as one JSON object")
	verbose := fs.Bool("v", false, "log each object")

	// Flags may come before, between or after the inputs.
	var inputs []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprintln(stdout, usage)
				return 0
			}
			fmt.Fprintf(stderr, "ingest: %v\n%s\n", err, usage)
			return 2
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		inputs = append(inputs, args[0])
		args = args[1:]
	}
	if len(inputs) == 0 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	now := time.Now()
	opt := pipeline.Options{Inputs: inputs, Lake: *lakeLoc, ProfilesFile: *profiles}
	var err error
	if opt.Since, err = pipeline.ParseTime(*since, now); err != nil {
		fmt.Fprintf(stderr, "ingest: --since: %v\n", err)
		return 2
	}
	if opt.Until, err = pipeline.ParseTime(*until, now); err != nil {
		fmt.Fprintf(stderr, "ingest: --until: %v\n", err)
		return 2
	}
	if *verbose {
		opt.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	}
	sum, err := pipeline.Ingest(ctx, opt)
	if sum != nil {
		if *asJSON {
			json.NewEncoder(stdout).Encode(sum)
		} else {
			sum.WriteText(stdout, *lakeLoc)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "ingest: %v\n", err)
		return 1
	}
	return 0
}

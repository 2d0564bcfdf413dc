package report

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/auditlake/auditlake/pipeline"
)

const usage = "usage: report [--lake DIR] [--catalog F]... [--grants F]... [--format table|csv|json|md] who [--table DB.T] [--column C] [--profile P] [--since T] [--until T] [--attempts]"

// list is a repeatable, comma-separated flag.
type list []string

func (l *list) String() string { return strings.Join(*l, ",") }
func (l *list) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// Main runs the report command line and returns the exit code: 0 on
// success, 2 for a usage error, 1 when the command failed.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var opt Options
	fs.StringVar(&opt.Lake, "lake", "lake", "lake folder")
	fs.Var((*list)(&opt.Catalog), "catalog", "aws glue get-tables JSON file or folder (repeatable)")
	fs.Var((*list)(&opt.Grants), "grants", "aws lakeformation list-permissions JSON file or folder (repeatable)")
	format := fs.String("format", "table", "output format: table, csv, json (one object per line) or md")
	if err := fs.Parse(args); err != nil {
		return usageError(stdout, stderr, err)
	}
	if !validFormat(*format) {
		fmt.Fprintf(stderr, "report: unknown --format %q; %s\n", *format, usage)
		return 2
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	switch rest[0] {
	case "who":
		return who(ctx, opt, *format, rest[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "report: unknown command %q; %s\n", rest[0], usage)
	return 2
}

func usageError(stdout, stderr io.Writer, err error) int {
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "report: %v; %s\n", err, usage)
	return 2
}

func validFormat(f string) bool {
	for _, x := range Formats {
		if f == x {
			return true
		}
	}
	return false
}

func who(ctx context.Context, opt Options, format string, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("who", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var f WhoFilter
	fs.StringVar(&f.Table, "table", "", "table as DB.TABLE (or TABLE)")
	fs.StringVar(&f.Column, "column", "", "column name")
	fs.StringVar(&f.Profile, "profile", "", "SageMaker Studio user profile")
	since := fs.String("since", "", "from this time (RFC 3339, YYYY-MM-DD or a duration such as 30d)")
	until := fs.String("until", "", "before this time")
	fs.BoolVar(&f.Attempts, "attempts", false, "also list denied and failed attempts")
	if err := fs.Parse(args); err != nil {
		return usageError(stdout, stderr, err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "report who: unexpected argument %q; %s\n", fs.Arg(0), usage)
		return 2
	}
	var err error
	now := time.Now()
	if f.Since, err = pipeline.ParseTime(*since, now); err != nil {
		fmt.Fprintf(stderr, "report who: --since: %v\n", err)
		return 2
	}
	if f.Until, err = pipeline.ParseTime(*until, now); err != nil {
		fmt.Fprintf(stderr, "report who: --until: %v\n", err)
		return 2
	}
	r, err := Open(ctx, opt)
	if err != nil {
		fmt.Fprintf(stderr, "report: %v\n", err)
		return 1
	}
	defer r.Close()
	rows, err := r.Who(ctx, f)
	if err != nil {
		fmt.Fprintf(stderr, "report who: %v\n", err)
		return 1
	}
	if err := Write(stdout, format, rows); err != nil {
		fmt.Fprintf(stderr, "report: %v\n", err)
		return 1
	}
	return 0
}

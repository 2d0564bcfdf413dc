package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/auditlake/auditlake/pipeline"
	"github.com/auditlake/auditlake/pipeline/browser"
	"github.com/auditlake/auditlake/pipeline/flags"
	"github.com/auditlake/auditlake/pipeline/policy"
	"github.com/auditlake/auditlake/pipeline/report"
	"github.com/auditlake/auditlake/pipeline/terminal"
	"github.com/auditlake/auditlake/pipeline/warehouse"
)

const usage = "usage: report [--lake DIR|s3://B/P] [--glue-database DB] [--as-of SNAPSHOT|TIME] [--no-build] [--timeout 5m] [--catalog F]... [--grants F]... [--policy F] [--format table|csv|json|md] [--wide] " +
	"(build [--full] | demo [--scenario DIR] [--keep] | violations | who [--table DB.T] [--column C] [--profile P] [--since T] [--until T] [--attempts] | profile NAME [--since T] [--until T] | trace QUERY_ID|EVENT_ID|REQUEST_ID | sql \"SELECT …\" | alert --state FILE|s3://B/KEY [--webhook URL] [--sns TOPIC_ARN] | compliance --since T --until T --out FILE.md|.json|.html|.pdf)"

// Main runs the report command line and returns the exit code: 0 on
// success, 2 for a usage error, 1 when the command failed.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var opt report.Options
	fs.StringVar(&opt.Lake, "lake", "lake", "lake folder or s3://bucket/prefix")
	fs.Var((*flags.List)(&opt.Catalog), "catalog", "aws glue get-tables JSON file or folder (repeatable)")
	fs.Var((*flags.List)(&opt.Grants), "grants", "Lake Formation state: aws lakeformation list-permissions, list-data-cells-filter, search-tables-by-lf-tags, search-databases-by-lf-tags or get-resource-lf-tags JSON, file or folder (repeatable)")
	format := fs.String("format", "table", "output format: table, csv, json (one object per line) or md")
	policyFile := fs.String("policy", "", "policy YAML file (default: built-in defaults)")
	asOf := fs.String("as-of", "", "read the lake as of a table snapshot id or a time (RFC 3339 or YYYY-MM-DD)")
	fs.StringVar(&opt.GlueDatabase, "glue-database", "", "the lake's Iceberg tables are in this AWS Glue Data Catalog database")
	timeout := fs.Duration("timeout", 5*time.Minute, "stop a sql query after this long")
	fs.BoolVar(&opt.NoBuild, "no-build", false, "answer from the derived tables as last built, however stale (say how stale)")
	wide := fs.Bool("wide", false, "on a terminal too, print every column and every value in full")
	if err := fs.Parse(args); err != nil {
		return usageError(stdout, stderr, err)
	}
	var err error
	if opt.AsOf, err = warehouse.ParseAsOf(*asOf); err != nil {
		fmt.Fprintf(stderr, "report: %v; %s\n", err, usage)
		return 2
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
	// A terminal gets tables fitted to its width (unless --wide) and, on
	// stderr, a progress bar while a build runs (not with --format json);
	// pipes and files get every value in full and no progress.
	disp := report.Display{Width: terminal.Width(stdout), Color: terminal.Color(stdout)}
	if *wide {
		disp.Width = 0
	}
	if *format != "json" {
		if bar := terminal.NewBar(stderr, "report build", "steps"); bar != nil {
			opt.Progress = bar
			defer bar.Close()
		}
	}
	switch rest[0] {
	case "build":
		return build(ctx, opt, rest[1:], stdout, stderr)
	case "demo":
		dfs := flag.NewFlagSet("demo", flag.ContinueOnError)
		dfs.SetOutput(io.Discard)
		scenario := dfs.String("scenario", DemoScenario, "the bundled scenario folder")
		keep := dfs.Bool("keep", false, "keep the demo lake and print its path")
		if err := dfs.Parse(rest[1:]); err != nil {
			return usageError(stdout, stderr, err)
		}
		if dfs.NArg() > 0 {
			fmt.Fprintf(stderr, "report demo: unexpected argument %q; %s\n", dfs.Arg(0), usage)
			return 2
		}
		if err := Demo(ctx, *scenario, *format, disp, *keep, stdout); err != nil {
			fmt.Fprintf(stderr, "report demo: %v\n", err)
			return 1
		}
		return 0
	case "alert":
		return alert(ctx, opt, *policyFile, rest[1:], stdout, stderr)
	case "compliance":
		return complianceCmd(ctx, opt, *policyFile, rest[1:], stdout, stderr)
	case "violations":
		if len(rest) != 1 {
			fmt.Fprintf(stderr, "report violations: unexpected argument %q; %s\n", rest[1], usage)
			return 2
		}
		r, code := openWithPolicy(ctx, opt, *policyFile, stderr)
		if r == nil {
			return code
		}
		defer r.Close()
		disp.Layout = report.FindingsLayout
		return stream(ctx, r, *format, disp, stdout, stderr, report.FindingsQuery)
	case "who":
		disp.Layout = report.WhoLayout
		return who(ctx, opt, *format, disp, rest[1:], stdout, stderr)
	case "profile":
		disp.Layout = report.ProfileLayout
		return profile(ctx, opt, *format, disp, rest[1:], stdout, stderr)
	case "trace", "sql":
		if len(rest) != 2 || strings.TrimSpace(rest[1]) == "" {
			fmt.Fprintf(stderr, "report %s: want exactly one argument; %s\n", rest[0], usage)
			return 2
		}
		if rest[0] == "trace" {
			disp.Layout = report.TraceLayout
			return run(ctx, opt, *format, disp, stdout, stderr, func(r *report.Report) (*report.Rows, error) { return r.Trace(ctx, rest[1]) })
		}
		r, err := openReport(ctx, opt, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "report: %v\n", err)
			return 1
		}
		defer r.Close()
		if err := r.PrepareSQL(ctx, rest[1]); err != nil {
			fmt.Fprintf(stderr, "report: %v\n", err)
			return 1
		}
		// --timeout is the query's: checking it and locking the database
		// down (a few statements) are not counted, so that a loaded machine
		// does not fail them first.
		qctx, cancel := context.WithTimeout(ctx, *timeout)
		defer cancel()
		err = r.Stream(qctx, stdout, *format, disp, rest[1])
		if err != nil && qctx.Err() == context.DeadlineExceeded {
			err = fmt.Errorf("the query ran longer than --timeout %s and was stopped", *timeout)
		}
		if err != nil {
			fmt.Fprintf(stderr, "report: %v\n", err)
			return 1
		}
		return 0
	}
	fmt.Fprintf(stderr, "report: unknown command %q; %s\n", rest[0], usage)
	return 2
}

// build is `report build [--full]`: bring the derived tables up to date
// (every day with --full) and say what was rebuilt.
func build(ctx context.Context, opt report.Options, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("build", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.BoolVar(&opt.Full, "full", false, "rebuild every day")
	if err := fs.Parse(args); err != nil {
		return usageError(stdout, stderr, err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "report build: unexpected argument %q; %s\n", fs.Arg(0), usage)
		return 2
	}
	if opt.NoBuild || opt.AsOf != (warehouse.AsOf{}) {
		fmt.Fprintln(stderr, "report build: builds the lake's current state: no --no-build or --as-of")
		return 2
	}
	start := time.Now()
	r, err := openReport(ctx, opt, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "report build: %v\n", err)
		return 1
	}
	defer r.Close()
	days := 0
	for _, n := range r.Chain.Rebuilt {
		days = max(days, n)
	}
	id := ""
	if r.Chain.State != nil {
		id = r.Chain.State.ID
	}
	for _, s := range r.Chain.Ran {
		fmt.Fprintf(stdout, "%-14s %4d days %10d rows %8s\n", s.Name, s.Days, s.Rows, s.Took.Round(time.Millisecond))
	}
	fmt.Fprintf(stdout, "build %s: %d days rebuilt in %s\n", id, days, time.Since(start).Round(time.Millisecond))
	return 0
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
	for _, x := range report.Formats {
		if f == x {
			return true
		}
	}
	return false
}

func who(ctx context.Context, opt report.Options, format string, disp report.Display, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("who", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var f report.WhoFilter
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
	var ok bool
	if f.Since, f.Until, ok = window("who", *since, *until, stderr); !ok {
		return 2
	}
	opt.Since, opt.Until = f.Since, f.Until
	r, err := openReport(ctx, opt, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "report: %v\n", err)
		return 1
	}
	defer r.Close()
	q, qargs := report.WhoQuery(f)
	return stream(ctx, r, format, disp, stdout, stderr, q, qargs...)
}

func profile(ctx context.Context, opt report.Options, format string, disp report.Display, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("profile", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	since := fs.String("since", "", "from this time")
	until := fs.String("until", "", "before this time")
	var name string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return usageError(stdout, stderr, err)
	}
	if name == "" && fs.NArg() == 1 {
		name = fs.Arg(0)
	} else if fs.NArg() > 0 || name == "" {
		fmt.Fprintf(stderr, "report profile: want one profile name; %s\n", usage)
		return 2
	}
	s, u, ok := window("profile", *since, *until, stderr)
	if !ok {
		return 2
	}
	opt.Since, opt.Until = s, u
	q, qargs, err := report.ProfileQuery(name, s, u)
	if err != nil {
		fmt.Fprintf(stderr, "report: %v\n", err)
		return 1
	}
	r, err := openReport(ctx, opt, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "report: %v\n", err)
		return 1
	}
	defer r.Close()
	return stream(ctx, r, format, disp, stdout, stderr, q, qargs...)
}

// run opens the report, runs one question and prints the answer.
func run(ctx context.Context, opt report.Options, format string, disp report.Display, stdout, stderr io.Writer, ask func(*report.Report) (*report.Rows, error)) int {
	r, err := openReport(ctx, opt, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "report: %v\n", err)
		return 1
	}
	defer r.Close()
	return answer(stdout, stderr, format, disp, func() (*report.Rows, error) { return ask(r) })
}

// openReport opens the report and says on stderr which snapshots it reads
// (every answer can be reproduced with --as-of) and whether ingested rows
// wait for a commit.
func openReport(ctx context.Context, opt report.Options, stderr io.Writer) (*report.Report, error) {
	r, err := report.Open(ctx, opt)
	if bar, ok := opt.Progress.(*terminal.Bar); ok {
		bar.Close() // the build is over: the answer follows
	}
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(stderr, "report: lake snapshot %s\n", r.DB.SnapshotLine())
	switch c := r.Chain; {
	case c.State == nil && c.StaleDays() > 0:
		fmt.Fprintf(stderr, "report: the derived tables were never built (--no-build): answers from them are empty; run `report build`\n")
	case c.StaleDays() > 0:
		fmt.Fprintf(stderr, "report: derived tables of build %s (%s) are stale: %d days changed since; run `report build`\n",
			c.State.ID, c.State.Created.Format(time.RFC3339), c.StaleDays())
	case c.State != nil:
		fmt.Fprintf(stderr, "report: derived tables of build %s\n", c.State.ID)
	}
	if r.DB.Pending > 0 {
		fmt.Fprintf(stderr, "report: %d commit requests are pending (rows ingested but not visible yet): run `ingest commit --lake %s`\n", r.DB.Pending, opt.Lake)
	}
	return r, nil
}

// openWithPolicy loads the policy (--policy, or the defaults), opens the
// report and applies the policy. On failure it prints one line and returns
// a nil report and the exit code.
func openWithPolicy(ctx context.Context, opt report.Options, policyFile string, stderr io.Writer) (*report.Report, int) {
	p, err := loadPolicy(policyFile)
	if err != nil {
		fmt.Fprintf(stderr, "report: %v\n", err)
		return nil, 1
	}
	r, err := openReport(ctx, opt, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "report: %v\n", err)
		return nil, 1
	}
	if err := r.LoadPolicy(ctx, p); err != nil {
		r.Close()
		fmt.Fprintf(stderr, "report: %v\n", err)
		return nil, 1
	}
	return r, 0
}

// stream prints the rows of one SELECT as they come.
func stream(ctx context.Context, r *report.Report, format string, disp report.Display, stdout, stderr io.Writer, q string, args ...any) int {
	if err := r.Stream(ctx, stdout, format, disp, q, args...); err != nil {
		fmt.Fprintf(stderr, "report: %v\n", err)
		return 1
	}
	return 0
}

// answer asks one question and prints the rows.
func answer(stdout, stderr io.Writer, format string, disp report.Display, ask func() (*report.Rows, error)) int {
	rows, err := ask()
	if err != nil {
		fmt.Fprintf(stderr, "report: %v\n", err)
		return 1
	}
	if err := disp.Write(stdout, format, rows); err != nil {
		fmt.Fprintf(stderr, "report: %v\n", err)
		return 1
	}
	return 0
}

// loadPolicy reads --policy, or the built-in defaults.
func loadPolicy(path string) (*policy.Policy, error) {
	if path == "" {
		return policy.Default(), nil
	}
	return policy.Load(path)
}

func alert(ctx context.Context, opt report.Options, policyFile string, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("alert", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var a report.AlertOptions
	fs.StringVar(&a.State, "state", "", "state file (local path or s3://bucket/key): findings already sent")
	fs.StringVar(&a.Webhook, "webhook", "", "Slack-compatible webhook URL")
	fs.StringVar(&a.SNSTopic, "sns", "", "SNS topic ARN")
	if err := fs.Parse(args); err != nil {
		return usageError(stdout, stderr, err)
	}
	if fs.NArg() > 0 || a.State == "" {
		fmt.Fprintf(stderr, "report alert: --state is required and takes no arguments; %s\n", usage)
		return 2
	}
	a.Stdout = stdout
	r, code := openWithPolicy(ctx, opt, policyFile, stderr)
	if r == nil {
		return code
	}
	defer r.Close()
	res, err := r.Alert(ctx, a)
	if err != nil {
		fmt.Fprintf(stderr, "report alert: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "report alert: %d findings, %d new\n", res.Findings, res.New)
	return 0
}

// complianceCmd is `report compliance --since T --until T --out FILE [--policy F]`.
func complianceCmd(ctx context.Context, opt report.Options, policyFile string, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("compliance", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	since := fs.String("since", "", "from this time (RFC 3339, YYYY-MM-DD or a duration such as 30d)")
	until := fs.String("until", "", "before this time")
	out := fs.String("out", "", "report file; its extension picks the format: .md, .json, .html or .pdf (the HTML printed by headless Chromium)")
	pf := fs.String("policy", policyFile, "policy YAML file (default: built-in defaults)")
	if err := fs.Parse(args); err != nil {
		return usageError(stdout, stderr, err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "report compliance: unexpected argument %q; %s\n", fs.Arg(0), usage)
		return 2
	}
	if *since == "" || *until == "" || *out == "" {
		fmt.Fprintf(stderr, "report compliance: --since, --until and --out are required; %s\n", usage)
		return 2
	}
	format := strings.TrimPrefix(strings.ToLower(filepath.Ext(*out)), ".")
	pdf := format == "pdf"
	if pdf {
		format = "html" // printed to PDF by Chromium
		if _, err := browser.Path(); err != nil {
			fmt.Fprintf(stderr, "report compliance: --out %s: %v; or write --out report.html and print it from a browser\n", *out, err)
			return 1
		}
	}
	if !slices.Contains(report.ComplianceFormats, format) {
		fmt.Fprintf(stderr, "report compliance: --out %q: the extension must be .md, .json, .html or .pdf\n", *out)
		return 2
	}
	s, u, ok := window("compliance", *since, *until, stderr)
	if !ok {
		return 2
	}
	if !u.After(s) {
		fmt.Fprintln(stderr, "report compliance: --until must be after --since")
		return 2
	}
	opt.Until = u
	r, code := openWithPolicy(ctx, opt, *pf, stderr)
	if r == nil {
		return code
	}
	defer r.Close()
	var buf bytes.Buffer
	if err := r.Compliance(ctx, s, u, &buf, format); err != nil {
		fmt.Fprintf(stderr, "report compliance: %v\n", err)
		return 1
	}
	doc := buf.Bytes()
	if pdf {
		footer := fmt.Sprintf("auditlake compliance report, %s to %s (UTC)", s.UTC().Format(time.RFC3339), u.UTC().Format(time.RFC3339))
		var err error
		if doc, err = browser.PrintPDF(ctx, doc, footer); err != nil {
			fmt.Fprintf(stderr, "report compliance: print the PDF: %v\n", err)
			return 1
		}
	}
	if err := os.WriteFile(*out, doc, 0o644); err != nil {
		fmt.Fprintf(stderr, "report compliance: %v\n", err)
		return 1
	}
	return 0
}

// window parses a command's --since and --until, printing one line and
// returning false on a bad value.
func window(cmd, since, until string, stderr io.Writer) (s, u time.Time, ok bool) {
	now := time.Now()
	var err error
	if s, err = pipeline.ParseTime(since, now); err != nil {
		fmt.Fprintf(stderr, "report %s: --since: %v\n", cmd, err)
		return s, u, false
	}
	if u, err = pipeline.ParseTime(until, now); err != nil {
		fmt.Fprintf(stderr, "report %s: --until: %v\n", cmd, err)
		return s, u, false
	}
	return s, u, true
}

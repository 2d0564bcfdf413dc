// Command ingest writes AWS audit logs into an auditlake lake (a local
// folder or s3://bucket/prefix):
//
//	ingest PATH|s3://bucket/prefix ... [--lake L] [--since T] [--until T] [--profiles F] [--json] [-v]
//	ingest lookup --region R [--region R2] --since T [--until T] [--lake L] [--json]
//	ingest athena --workgroup W ... --since T [--region R] [--lake L] [--json]
//	ingest athena --file out.json ... [--lake L] [--json]
//	ingest commit  [--lake L] [--json]                 commit pending requests (another writer's, a crashed run's)
//	ingest compact [--day D ... | --since T] [--force] [--retention 7d] [--lake L] [--json]
//	ingest migrate [--lake L] [--json]                 convert a layout v2 lake once
//
// Files and prefixes may mix CloudTrail logs, S3 server access logs and
// the AWS CLI's Athena query-execution JSON; each object is recognised by
// its key and content.
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
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	ctapi "github.com/aws/aws-sdk-go-v2/service/cloudtrail"

	"github.com/auditlake/auditlake/pipeline"
	"github.com/auditlake/auditlake/pipeline/athena"
	"github.com/auditlake/auditlake/pipeline/flags"
	"github.com/auditlake/auditlake/pipeline/lake"
	"github.com/auditlake/auditlake/pipeline/terminal"
	"github.com/auditlake/auditlake/pipeline/warehouse"
)

const (
	usage        = "usage: ingest PATH|s3://bucket/prefix ... [--lake DIR|s3://bucket/prefix] [--since T] [--until T] [--profiles FILE] [--json] [-v] (also: ingest lookup …, ingest athena …; -h for each)"
	usageLookup  = "usage: ingest lookup --region R [--region R2 …] --since T [--until T] [--lake DIR|s3://bucket/prefix] [--profiles FILE] [--json] [-v]"
	usageAthena  = "usage: ingest athena (--workgroup W [--workgroup W2 …] --since T [--region R] | --file F [--file F2 …]) [--lake DIR|s3://bucket/prefix] [--json] [-v]"
	usageCommit  = "usage: ingest commit [--lake DIR|s3://bucket/prefix] [--json]"
	usageCompact = "usage: ingest compact [--day YYYY-MM-DD …| --since T] [--force] [--target-mb 256] [--retention 7d] [--lake DIR|s3://bucket/prefix] [--json]"
	usageMigrate = "usage: ingest migrate [--lake DIR|s3://bucket/prefix] [--json]"
)

// memoryLimit is the Go heap's soft limit unless GOMEMLIMIT says otherwise:
// ingest streams, and a limit makes the collector keep the peak near the
// writer's budget instead of doubling it (ARCHITECTURE.md §9: a 1 GB object
// in at most 256 MB). The peak RSS follows the limit: for the 1 GB object
// 207 MB at 160 MiB, 223 MB at 176 MiB, 258 MB at 192 MiB, for 2% more CPU
// from 192 to 176; 241-244 MB at 176 MiB once records were normalized on
// several goroutines (BENCHMARKS.md, 2026-12-07). Runs over many objects raise it by what
// the dedupe index holds (Options.MemoryLimit).
const memoryLimit = 176 << 20

// compactMemoryLimit is the soft memory limit of ingest compact.
const compactMemoryLimit = 768 << 20

// managedLimit is memoryLimit when this process manages the Go soft memory
// limit (GOMEMLIMIT unset): the run raises it as its dedupe index grows.
var managedLimit int64

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
		managedLimit = memoryLimit
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	// AUDITLAKE_CPUPROFILE=FILE writes a CPU profile of the run (for BENCHMARKS.md).
	if p := os.Getenv("AUDITLAKE_CPUPROFILE"); p != "" {
		if f, err := os.Create(p); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
				pprof.StopCPUProfile()
				f.Close()
				os.Exit(code)
			}
		}
	}
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// command holds the flags every form shares.
type command struct {
	fs           *flag.FlagSet
	lake, since  *string
	until, profs *string
	asJSON, verb *bool
	glue         *string
	notBefore    *string
	notAfter     *string
	usage        string
	// bar shows the run's progress on a terminal (nil: stderr is not
	// one, or --json); unit names what it counts.
	bar  *terminal.Bar
	unit string
}

func newCommand(name, usage string) *command {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return &command{fs: fs, usage: usage, unit: "objects",
		lake:      fs.String("lake", "lake", "lake location: a folder or s3://bucket/prefix"),
		since:     fs.String("since", "", "skip events before this time (RFC 3339, YYYY-MM-DD, or a duration such as 24h or 7d)"),
		until:     fs.String("until", "", "skip events at or after this time"),
		profs:     fs.String("profiles", "", "JSON file mapping execution roles to Studio profiles"),
		asJSON:    fs.Bool("json", false, "print the summary as one JSON object"),
		verb:      fs.Bool("v", false, "log each object"),
		glue:      fs.String("glue-database", "", "keep the Iceberg tables in this AWS Glue Data Catalog database (with an s3:// lake)"),
		notBefore: fs.String("not-before", "", "quarantine events dated before this (default 2006-01-01)"),
		notAfter:  fs.String("not-after", "", "quarantine events dated after this (default a day after now)"),
	}
}

// parse reads flags that may come before, between or after positional
// arguments, and the shared options. It returns an exit code > 0 to stop.
func (c *command) parse(args []string, stdout, stderr io.Writer) (pos []string, opt pipeline.Options, code int) {
	for {
		if err := c.fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprintln(stdout, c.usage)
				return nil, opt, -1
			}
			fmt.Fprintf(stderr, "ingest: %v; %s\n", err, c.usage)
			return nil, opt, 2
		}
		args = c.fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	now := time.Now()
	opt = pipeline.Options{Lake: *c.lake, ProfilesFile: *c.profs, MemoryLimit: managedLimit}
	for _, tf := range []struct {
		name string
		val  *string
		dst  *time.Time
	}{{"since", c.since, &opt.Since}, {"until", c.until, &opt.Until}, {"not-before", c.notBefore, &opt.NotBefore}, {"not-after", c.notAfter, &opt.NotAfter}} {
		t, err := pipeline.ParseTime(*tf.val, now)
		if err != nil {
			fmt.Fprintf(stderr, "ingest: --%s: %v\n", tf.name, err)
			return nil, opt, 2
		}
		*tf.dst = t
	}
	if *c.verb {
		opt.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	}
	// Progress on a terminal only, and never with --json (or -v, whose
	// lines would interleave with the bar).
	if !*c.asJSON && !*c.verb {
		if c.bar = terminal.NewBar(stderr, c.fs.Name(), c.unit); c.bar != nil {
			opt.Progress = c.bar
		}
	}
	// The CLI commits its own run (the ingest Lambda leaves its requests
	// to lambda/commit).
	var wopts []warehouse.Option
	if *c.glue != "" {
		wopts = append(wopts, warehouse.WithGlue(*c.glue, nil))
	}
	w, err := warehouse.Open(context.Background(), *c.lake, wopts...)
	if err != nil {
		fmt.Fprintf(stderr, "ingest: --lake: %v\n", err)
		return nil, opt, 2
	}
	opt.Committer = w
	return pos, opt, 0
}

// report prints the summary and turns the result into an exit code.
func (c *command) report(sum *pipeline.Summary, err error, stdout, stderr io.Writer) int {
	c.bar.Close()
	if sum != nil {
		if *c.asJSON {
			json.NewEncoder(stdout).Encode(sum)
		} else {
			sum.WriteText(stdout, *c.lake)
		}
		if err == nil && sum.ObjectsIngested == 0 && sum.Digests == 0 && sum.ObjectsSkipped[pipeline.SkipAlreadyIngested] == 0 {
			fmt.Fprintf(stderr, "ingest: warning: nothing was ingested (%d objects listed)\n", sum.Objects)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "ingest: %v\n", err)
		return 1
	}
	return 0
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "lookup":
			return runLookup(ctx, args[1:], stdout, stderr)
		case "athena":
			return runAthena(ctx, args[1:], stdout, stderr)
		case "commit":
			return runCommit(ctx, args[1:], stdout, stderr)
		case "compact":
			return runCompact(ctx, args[1:], stdout, stderr)
		case "migrate":
			return runMigrate(ctx, args[1:], stdout, stderr)
		}
	}
	c := newCommand("ingest", usage)
	inputs, opt, code := c.parse(args, stdout, stderr)
	if code != 0 {
		return max(code, 0)
	}
	if len(inputs) == 0 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	opt.Inputs = inputs
	sum, err := pipeline.Ingest(ctx, opt)
	return c.report(sum, err, stdout, stderr)
}

func runLookup(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := newCommand("ingest lookup", usageLookup)
	var regions flags.List
	c.fs.Var(&regions, "region", "AWS Region to read (repeatable)")
	rate := c.fs.Float64("max-rate", 2, "LookupEvents requests per second (CloudTrail allows 2 per account and Region)")
	pos, opt, code := c.parse(args, stdout, stderr)
	if code != 0 {
		return max(code, 0)
	}
	if len(pos) > 0 || len(regions) == 0 || opt.Since.IsZero() || *rate <= 0 {
		fmt.Fprintln(stderr, usageLookup)
		return 2
	}
	total := &pipeline.Summary{ObjectsSkipped: map[string]int{}, Skipped: map[string]int64{}}
	for _, r := range regions {
		cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(r))
		if err != nil {
			return c.report(nil, err, stdout, stderr)
		}
		sum, err := pipeline.IngestLookup(ctx, pipeline.LookupOptions{Options: opt, Region: r, API: ctapi.NewFromConfig(cfg), MaxRate: *rate})
		total.Merge(sum)
		if err != nil {
			return c.report(total, err, stdout, stderr)
		}
	}
	return c.report(total, nil, stdout, stderr)
}

func runAthena(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := newCommand("ingest athena", usageAthena)
	var workgroups, files flags.List
	c.fs.Var(&workgroups, "workgroup", "Athena workgroup to read (repeatable; none means all)")
	c.fs.Var(&files, "file", "AWS CLI JSON output of batch-get-query-execution / get-query-execution (repeatable)")
	region := c.fs.String("region", "", "AWS Region (default: from the AWS configuration)")
	pos, opt, code := c.parse(args, stdout, stderr)
	if code != 0 {
		return max(code, 0)
	}
	if len(pos) > 0 || len(files) > 0 && len(workgroups) > 0 || len(files) == 0 && opt.Since.IsZero() {
		fmt.Fprintln(stderr, usageAthena)
		return 2
	}
	if len(files) > 0 {
		opt.Inputs = files
		sum, err := pipeline.Ingest(ctx, opt)
		return c.report(sum, err, stdout, stderr)
	}
	var load []func(*config.LoadOptions) error
	if *region != "" {
		load = append(load, config.WithRegion(*region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return c.report(nil, err, stdout, stderr)
	}
	sum, err := pipeline.IngestAthena(ctx, pipeline.AthenaOptions{Options: opt, Region: cfg.Region, WorkGroups: workgroups, API: athena.NewClient(cfg)})
	return c.report(sum, err, stdout, stderr)
}

// maintenance parses the flags of a maintenance command (no inputs).
func maintenance(name, usage string, args []string, stdout, stderr io.Writer, extra func(*command)) (*command, pipeline.Options, int) {
	c := newCommand(name, usage)
	if extra != nil {
		extra(c)
	}
	pos, opt, code := c.parse(args, stdout, stderr)
	if code != 0 {
		return nil, opt, max(code, 0)
	}
	if len(pos) > 0 {
		fmt.Fprintln(stderr, usage)
		return nil, opt, 2
	}
	return c, opt, -1
}

// emit prints v as JSON or as text.
func (c *command) emit(stdout io.Writer, v any, text string) {
	if *c.asJSON {
		json.NewEncoder(stdout).Encode(v)
		return
	}
	fmt.Fprint(stdout, text)
}

func runCommit(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, opt, code := maintenance("ingest commit", usageCommit, args, stdout, stderr, nil)
	if code >= 0 {
		return code
	}
	w := opt.Committer.(*warehouse.Warehouse)
	st, err := w.CommitPending(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "ingest commit: %v\n", err)
		return 1
	}
	c.emit(stdout, st, fmt.Sprintf("committed %d requests (%d data files) to %s\n", st.Requests, st.Files, *c.lake))
	return 0
}

func runCompact(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var days flags.List
	var targetMB *int64
	var retention *string
	var force *bool
	c, opt, code := maintenance("ingest compact", usageCompact, args, stdout, stderr, func(c *command) {
		fs := c.fs
		c.unit = "files"
		force = fs.Bool("force", false, "rewrite days that are one sorted set of files already (one ingest run's or compaction's)")
		fs.Var(&days, "day", "day to compact, YYYY-MM-DD (repeatable; default: every day, or those from --since)")
		targetMB = fs.Int64("target-mb", lake.CompactTarget>>20, "size of each compacted file in MB")
		retention = fs.String("retention", "7d", "keep replaced snapshots (and --as-of) this long")
	})
	if code >= 0 {
		return code
	}
	w := opt.Committer.(*warehouse.Warehouse)
	for _, d := range days {
		if _, err := time.Parse("2006-01-02", d); err != nil {
			fmt.Fprintf(stderr, "ingest compact: --day %q: want YYYY-MM-DD; %s\n", d, usageCompact)
			return 2
		}
	}
	keep, err := pipeline.ParseDuration(*retention)
	if err != nil || *targetMB <= 0 {
		fmt.Fprintf(stderr, "ingest compact: --retention %q or --target-mb %d invalid; %s\n", *retention, *targetMB, usageCompact)
		return 2
	}
	// Compaction holds a run of rows and decodes every value again: under
	// ingest's own limit (192 MiB when measured) the collector ran without pause (46.8 s
	// against 18.9 s for 465,000 rows, BENCHMARKS.md).
	if managedLimit > 0 {
		debug.SetMemoryLimit(compactMemoryLimit)
	}
	res, err := w.Maintain(ctx, warehouse.CompactOptions{Days: days, Since: opt.Since, Target: *targetMB << 20, Force: *force, Progress: opt.Progress}, keep)
	c.bar.Close()
	if err != nil {
		fmt.Fprintf(stderr, "ingest compact: %v\n", err)
		return 1
	}
	var text strings.Builder
	for _, r := range res.Days {
		if r.Skipped != "" {
			fmt.Fprintf(&text, "%s %s: %d files, left alone (%s)\n", r.Table, r.Day, r.Before, r.Skipped)
			continue
		}
		fmt.Fprintf(&text, "%s %s: %d files → %d, %d rows, %d duplicates dropped, snapshot %d\n",
			r.Table, r.Day, r.Before, r.After, r.Stats.RowsOut, r.Stats.Duplicates, r.Snapshot)
	}
	fmt.Fprintf(&text, "expired snapshots older than %s: %v\n", *retention, res.Expired)
	c.emit(stdout, map[string]any{"days": res.Days, "expired": res.Expired}, text.String())
	return 0
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, opt, code := maintenance("ingest migrate", usageMigrate, args, stdout, stderr, nil)
	if code >= 0 {
		return code
	}
	w := opt.Committer.(*warehouse.Warehouse)
	st, err := pipeline.Migrate(ctx, *c.lake, w)
	if err != nil {
		fmt.Fprintf(stderr, "ingest migrate: %v\n", err)
		return 1
	}
	c.emit(stdout, st, fmt.Sprintf("migrated %d v2 files: %d rows committed, %d quarantined; %d files moved to %s/\n",
		st.Files, st.Rows, st.Quarantined, st.Moved, pipeline.LegacyDir))
	return 0
}

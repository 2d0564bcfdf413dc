package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/auditlake/auditlake/pipeline"
	"github.com/auditlake/auditlake/pipeline/report"
	"github.com/auditlake/auditlake/pipeline/testsupport/awstest"
	"github.com/auditlake/auditlake/pipeline/testsupport/browsertest"
	"github.com/auditlake/auditlake/pipeline/testsupport/ptytest"
	"github.com/auditlake/auditlake/pipeline/testsupport/s3test"
	scn "github.com/auditlake/auditlake/pipeline/testsupport/scenario"
	"github.com/auditlake/auditlake/pipeline/warehouse"
)

const scenario = scn.Dir

const q1 = "6f0c2d1e-3a4b-4c5d-8e9f-0a1b2c3d4e01" // data-scientist-full: named columns

func scenarioLake(t *testing.T) string { return scn.Lake(t) }

func mustWarehouse(loc string) *warehouse.Warehouse { return scn.Warehouse(loc) }

func TestMain(m *testing.M) {
	code := m.Run()
	scn.Cleanup()
	os.Exit(code)
}

func TestMainWhoJSONAndErrors(t *testing.T) {
	var out, errb bytes.Buffer
	args := []string{"--lake", scenarioLake(t), "--catalog", scenario + "/catalog", "--grants", scenario + "/grants",
		"--format", "json", "who", "--table", "amazon_reviews_db.amazon_reviews_parquet", "--column", "customer_id"}
	if code := Main(context.Background(), args, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var row map[string]any
	if len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &row) != nil || row["studio_profile"] != "data-scientist-full" || row["query_id"] != q1 {
		t.Errorf("json output %q", out.String())
	}
	for _, bad := range [][]string{
		{},
		{"--format", "xml", "who"},
		{"who", "--bogus"},
		{"frobnicate"},
		{"who", "--since", "last tuesday"},
	} {
		out.Reset()
		errb.Reset()
		if code := Main(context.Background(), bad, &out, &errb); code != 2 || strings.Count(strings.TrimSpace(errb.String()), "\n") != 0 {
			t.Errorf("Main(%q) = %d, stderr %q; want 2 and one line", bad, code, errb.String())
		}
	}
	errb.Reset()
	if code := Main(context.Background(), []string{"--lake", "/no/such/lake", "who"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "/no/such/lake") {
		t.Errorf("missing lake: exit %d, %q", code, errb.String())
	}
}

// TestS3Lake: report over a lake that ingest wrote to a real S3 server; the
// needed partitions are cached locally, and a second run copies nothing.
func TestS3Lake(t *testing.T) {
	srv := s3test.Start(t)
	srv.Env(t)
	srv.CreateBucket(t, "audit-lake")
	t.Setenv("AUDITLAKE_CACHE", t.TempDir())
	ctx := context.Background()
	lakeURL := "s3://audit-lake/prod"
	if _, err := pipeline.Ingest(ctx, pipeline.Options{Inputs: []string{scenario + "/logs"}, Lake: lakeURL, Committer: mustWarehouse(lakeURL)}); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	args := []string{"--lake", lakeURL, "--catalog", scenario + "/catalog", "--grants", scenario + "/grants", "--format", "csv",
		"who", "--column", "customer_id"}
	if code := Main(ctx, args, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if lines := strings.Split(strings.TrimSpace(out.String()), "\n"); len(lines) != 2 || !strings.Contains(lines[1], "data-scientist-full") {
		t.Errorf("who over the S3 lake:\n%s", out.String())
	}
	// That answer built the derived tables into the S3 lake: the next
	// command builds nothing, and reads them from the cache.
	errb.Reset()
	build := []string{"--lake", lakeURL, "--catalog", scenario + "/catalog", "--grants", scenario + "/grants", "build"}
	if code := Main(ctx, build, &out, &errb); code != 0 || !strings.Contains(out.String(), ": 0 days rebuilt") {
		t.Errorf("build after the first answer: exit %d, %q, %s; want nothing rebuilt", code, out.String(), errb.String())
	}
	listed, err := srv.Client(t).ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("audit-lake"), Prefix: aws.String("prod/_build/")})
	if err != nil || len(listed.Contents) != 2 { // the state and its catalog_tables
		t.Errorf("the S3 lake holds %d build files (%v), want 2", len(listed.Contents), err)
	}
	out.Reset()
	out.Reset()
	violations := []string{"--lake", lakeURL, "--catalog", scenario + "/catalog", "--grants", scenario + "/grants",
		"--policy", scenario + "/policy.yaml", "--format", "json", "violations"}
	if code := Main(ctx, violations, &out, &errb); code != 0 || strings.Count(out.String(), "\n") != 21 {
		t.Errorf("violations over the S3 lake: exit %d, %d findings (want 21): %s", code, strings.Count(out.String(), "\n"), errb.String())
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("sagemaker:\n  require_vpc: maybe\n"), 0o644)
	errb.Reset()
	if code := Main(ctx, []string{"--lake", lakeURL, "--policy", bad, "violations"}, &out, &errb); code == 0 ||
		strings.Count(strings.TrimSpace(errb.String()), "\n") != 0 || !strings.Contains(errb.String(), "bad.yaml:2") {
		t.Errorf("bad policy: exit %d, %q; want one line naming bad.yaml:2", code, errb.String())
	}
	dir, _ := report.CacheDir(lakeURL)
	_, st, err := report.Sync(ctx, lakeURL, dir, warehouse.AsOf{}, time.Time{}, time.Time{})
	if err != nil || st.Copied != 0 || st.Kept == 0 || st.Kept != st.Listed {
		t.Errorf("second sync = %+v, %v; want every file kept", st, err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "_manifest", "*.json")); len(m) != 10 {
		t.Errorf("cache holds %d manifests, want the lake's 10", len(m))
	}
	// --until before the scenario's day leaves nothing to copy.
	_, st, err = report.Sync(ctx, lakeURL, t.TempDir(), warehouse.AsOf{}, time.Time{}, time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC))
	if err != nil || st.Listed != 12 { // only the manifests, the build state and its catalog_tables
		t.Errorf("sync until June 30 = %+v, %v", st, err)
	}
}

func TestMainAlertSendsOnce(t *testing.T) {
	state := t.TempDir() + "/alert-state.json"
	args := []string{"--lake", scenarioLake(t), "--catalog", scenario + "/catalog", "--grants", scenario + "/grants",
		"--policy", scenario + "/policy.yaml", "alert", "--state", state}
	var out, errb bytes.Buffer
	if code := Main(context.Background(), args, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	first := strings.Count(out.String(), "\n")
	out.Reset()
	if code := Main(context.Background(), args, &out, &errb); code != 0 || out.Len() != 0 {
		t.Errorf("second run: exit %d, sent %q", code, out.String())
	}
	if first == 0 || !strings.Contains(errb.String(), "0 new") {
		t.Errorf("first run sent %d findings; stderr %q", first, errb.String())
	}
	errb.Reset()
	if code := Main(context.Background(), []string{"alert"}, &out, &errb); code != 2 {
		t.Errorf("alert without --state: exit %d", code)
	}
}

func TestMainCompliance(t *testing.T) {
	out := filepath.Join(t.TempDir(), "report.html")
	base := []string{"--lake", scenarioLake(t), "--catalog", scenario + "/catalog", "--grants", scenario + "/grants", "--policy", scenario + "/policy.yaml"}
	var o, e bytes.Buffer
	if code := Main(context.Background(), append(base, "compliance", "--since", "2026-07-01", "--until", "2026-07-02", "--out", out), &o, &e); code != 0 {
		t.Fatalf("exit %d: %s", code, e.String())
	}
	b, err := os.ReadFile(out)
	if err != nil || !bytes.Contains(b, []byte("<html")) || !bytes.Contains(b, []byte("data-scientist-full")) {
		t.Errorf("compliance html (%d bytes, %v)", len(b), err)
	}
	for _, bad := range [][]string{
		{"compliance", "--since", "2026-07-01", "--until", "2026-07-02"},
		{"compliance", "--since", "2026-07-02", "--until", "2026-07-01", "--out", out},
		{"compliance", "--since", "2026-07-01", "--until", "2026-07-02", "--out", "r.docx"},
	} {
		e.Reset()
		if code := Main(context.Background(), append(base, bad...), &o, &e); code != 2 {
			t.Errorf("%q: exit %d, %q", bad, code, e.String())
		}
	}
}

// compliance --out report.pdf prints the HTML report through headless
// Chromium: the scenario's report is 5 A4 pages (page 1: the summary, the
// charts and the access matrix; then the columns read, the findings by
// rule, the denied attempts, attribution and ingestion), counted by
// pdfcpu. Without Chromium the command says how to install it.
func TestMainCompliancePDF(t *testing.T) {
	base := []string{"--lake", scenarioLake(t), "--catalog", scenario + "/catalog", "--grants", scenario + "/grants", "--policy", scenario + "/policy.yaml",
		"compliance", "--since", "2026-07-01", "--until", "2026-07-02", "--out"}
	out := filepath.Join(t.TempDir(), "report.pdf")
	t.Run("without Chromium", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		t.Setenv("AUDITLAKE_CHROMIUM", "")
		var o, e bytes.Buffer
		code := Main(context.Background(), append(base, out), &o, &e)
		if _, err := os.Stat(out); code != 1 || !strings.Contains(e.String(), "apt-get install -y chromium") || err == nil {
			t.Errorf("exit %d, stderr %q, file written: %v", code, e.String(), err == nil)
		}
	})
	browsertest.Need(t)
	var o, e bytes.Buffer
	if code := Main(context.Background(), append(base, out), &o, &e); code != 0 {
		t.Fatalf("exit %d: %s", code, e.String())
	}
	b, err := os.ReadFile(out)
	if err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("not a PDF (%d bytes, %v)", len(b), err)
	}
	if n := browsertest.Pages(t, out); n != 5 {
		t.Errorf("%d pages, want 5", n)
	}
}

// --as-of reads the lake as an earlier snapshot left it; every answer
// states its snapshot; a v2 lake is refused with the way out.
func TestAsOfAndSnapshotLine(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	w := mustWarehouse(dir)
	if _, err := pipeline.Ingest(ctx, pipeline.Options{Inputs: []string{scenario + "/logs/trail-bucket"}, Lake: dir, Committer: w}); err != nil {
		t.Fatal(err)
	}
	first, err := w.Snapshot(ctx, "events", warehouse.AsOf{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond) // snapshot times are in milliseconds
	if _, err := pipeline.Ingest(ctx, pipeline.Options{Inputs: []string{scenario + "/logs"}, Lake: dir, Committer: w}); err != nil {
		t.Fatal(err)
	}
	count := func(args ...string) (string, string) {
		t.Helper()
		var out, errb bytes.Buffer
		args = append(append([]string{"--lake", dir, "--format", "csv"}, args...), "sql", "SELECT count(*) AS n FROM events")
		if code := Main(ctx, args, &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errb.String())
		}
		return strings.TrimSpace(strings.TrimPrefix(out.String(), "n\n")), errb.String()
	}
	if n, errs := count(); n != "63" || !strings.Contains(errs, "lake snapshot ") || !strings.Contains(errs, "events ") {
		t.Errorf("current: %s events, stderr %q", n, errs)
	}
	if n, errs := count("--as-of", fmt.Sprint(first.ID)); n != "49" || !strings.Contains(errs, fmt.Sprintf("events %d ", first.ID)) {
		t.Errorf("as of %d: %s events, stderr %q; want the first run's 49", first.ID, n, errs)
	}
	if n, _ := count("--as-of", first.Time.Add(time.Millisecond).Format(time.RFC3339Nano)); n != "49" {
		t.Errorf("as of %s: %s events, want 49", first.Time, n)
	}
	var out, errb bytes.Buffer
	if code := Main(ctx, []string{"--lake", dir, "--as-of", "yesterday-ish", "sql", "SELECT 1"}, &out, &errb); code != 2 {
		t.Errorf("bad --as-of: exit %d", code)
	}
	v2 := t.TempDir()
	os.MkdirAll(filepath.Join(v2, "events", "dt=2026-07-01", "profile=x"), 0o755)
	os.WriteFile(filepath.Join(v2, "events", "dt=2026-07-01", "profile=x", "a.parquet"), []byte("PAR1"), 0o644)
	errb.Reset()
	if code := Main(ctx, []string{"--lake", v2, "sql", "SELECT 1"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "ingest migrate") {
		t.Errorf("v2 lake: exit %d, %q; want a refusal naming ingest migrate", code, errb.String())
	}
}

func TestSQLTimeoutFlag(t *testing.T) {
	var out, errb bytes.Buffer
	args := []string{"--lake", scenarioLake(t), "--timeout", "300ms", "sql", "SELECT count(*) FROM range(100000000000) a, range(10) b"}
	if code := Main(context.Background(), args, &out, &errb); code != 1 || !strings.Contains(errb.String(), "longer than --timeout 300ms") {
		t.Errorf("exit %d, stderr %q; want the query stopped at its timeout", code, errb.String())
	}
}

// With --glue-database the derived tables are Glue tables too, beside the
// ingested ones: Athena reads column_access without auditlake.
func TestBuildIntoTheGlueCatalog(t *testing.T) {
	ctx := context.Background()
	s3srv := s3test.Start(t)
	s3srv.Env(t)
	s3srv.CreateBucket(t, "lake")
	glue, gsrv, cfg := awstest.StartGlue(t, s3srv.AccessKey, s3srv.SecretKey)
	t.Setenv("AWS_ENDPOINT_URL_GLUE", gsrv.URL)
	t.Setenv("AUDITLAKE_CACHE", t.TempDir())
	loc := "s3://lake/audit"
	w, err := warehouse.Open(ctx, loc, warehouse.WithGlue("audit_db", &cfg))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pipeline.Ingest(ctx, pipeline.Options{Inputs: []string{scenario + "/logs"}, Lake: loc, Committer: w}); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	args := []string{"--lake", loc, "--glue-database", "audit_db", "--catalog", scenario + "/catalog", "--grants", scenario + "/grants"}
	if code := Main(ctx, append(args, "build"), &out, &errb); code != 0 {
		t.Fatalf("build: exit %d: %s", code, errb.String())
	}
	for _, name := range []string{"column_access", "lf_calls", "s3_reads", "query_columns"} {
		if ml := glue.MetadataLocation("audit_db", name); !strings.HasPrefix(ml, loc+"/auditlake/"+name+"/metadata/") {
			t.Errorf("Glue table audit_db.%s points at %q, want metadata below the lake", name, ml)
		}
	}
	out.Reset()
	if code := Main(ctx, append(args, "--format", "csv", "who", "--column", "customer_id"), &out, &errb); code != 0 ||
		!strings.Contains(out.String(), "data-scientist-full") || !strings.Contains(errb.String(), "derived tables of build") {
		t.Errorf("who from the Glue tables: exit %d, %q, %s", code, out.String(), errb.String())
	}
}

// --no-build answers from the derived tables as last built and says on
// stderr how stale they are; without it the command brings them up to date.
func TestNoBuildSaysHowStale(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	w := mustWarehouse(dir)
	if _, err := pipeline.Ingest(ctx, pipeline.Options{Inputs: []string{scenario + "/logs/trail-bucket"}, Lake: dir, Committer: w}); err != nil {
		t.Fatal(err)
	}
	ask := func(args ...string) (string, string) {
		t.Helper()
		var out, errb bytes.Buffer
		args = append([]string{"--lake", dir, "--catalog", scenario + "/catalog", "--grants", scenario + "/grants", "--format", "csv"}, args...)
		if code := Main(ctx, append(args, "sql", "SELECT count(*) AS n FROM column_access"), &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errb.String())
		}
		return strings.TrimSpace(strings.TrimPrefix(out.String(), "n\n")), errb.String()
	}
	if n, errs := ask("--no-build"); n != "0" || !strings.Contains(errs, "never built") {
		t.Errorf("--no-build before any build: %s rows, stderr %q", n, errs)
	}
	first, _ := ask() // builds
	if _, err := pipeline.Ingest(ctx, pipeline.Options{Inputs: []string{scenario + "/logs"}, Lake: dir, Committer: w}); err != nil {
		t.Fatal(err)
	}
	if n, errs := ask("--no-build"); n != first || !strings.Contains(errs, "are stale: 1 days changed since") {
		t.Errorf("--no-build after new logs: %s rows (built: %s), stderr %q", n, first, errs)
	}
	if n, errs := ask(); n == first || strings.Contains(errs, "stale") {
		t.Errorf("after a build: %s rows (before: %s), stderr %q", n, first, errs)
	}
}

// A build draws its progress (steps done of the total) on stderr when it
// is a terminal, and clears it before the answer; into a pipe or with
// --format json nothing but the usual lines. stdout lists the steps run.
func TestBuildProgressOnATerminalOnly(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := pipeline.Ingest(ctx, pipeline.Options{Inputs: []string{scenario + "/logs"}, Lake: dir, Committer: mustWarehouse(dir)}); err != nil {
		t.Fatal(err)
	}
	base := []string{"--lake", dir, "--catalog", scenario + "/catalog", "--grants", scenario + "/grants"}
	tty := ptytest.Open(t, 120, 40)
	var out bytes.Buffer
	if code := Main(ctx, append(base, "build"), &out, tty.TTY); code != 0 {
		t.Fatalf("exit %d", code)
	}
	screen := tty.Output()
	for _, want := range []string{"report build 0/8 steps", "\x1b[2K", "report: lake snapshot"} {
		if !strings.Contains(screen, want) {
			t.Errorf("terminal lacks %q:\n%q", want, screen)
		}
	}
	if !strings.Contains(out.String(), "column_access     1 days") || !strings.Contains(out.String(), ": 1 days rebuilt in") {
		t.Errorf("build stdout: %q", out.String())
	}
	for _, args := range [][]string{{"build", "--full"}, {"--format", "json", "sql", "SELECT 1 AS one"}} {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		code := Main(ctx, append(base, args...), &out, w)
		w.Close()
		piped, _ := io.ReadAll(r)
		r.Close()
		if code != 0 || bytes.ContainsAny(piped, "\r\x1b") || bytes.Contains(piped, []byte("steps")) {
			t.Errorf("%q into a pipe: exit %d, stderr %q", args, code, piped)
		}
	}
	tty = ptytest.Open(t, 120, 40)
	if code := Main(ctx, append(base, "--format", "json", "build", "--full"), &out, tty.TTY); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if screen := tty.Output(); strings.Contains(screen, "steps") {
		t.Errorf("--format json drew progress: %q", screen)
	}
}

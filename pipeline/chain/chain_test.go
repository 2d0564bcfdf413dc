package chain_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/auditlake/auditlake/pipeline"
	"github.com/auditlake/auditlake/pipeline/chain"
	"github.com/auditlake/auditlake/pipeline/internal/trailgen"
	"github.com/auditlake/auditlake/pipeline/lakedb"
	"github.com/auditlake/auditlake/pipeline/warehouse"
	"github.com/auditlake/auditlake/schemas"
)

// A killed build runs in a child process: the test binary itself, told by
// this variable to build the lake it names and nothing else.
const childLake = "AUDITLAKE_TEST_BUILD_LAKE"

func TestMain(m *testing.M) {
	if lake := os.Getenv(childLake); lake != "" {
		if _, _, err := build(context.Background(), lake, chain.Options{}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// build opens the lake and its chain (committing, unless opt says
// otherwise), returns the chain and every derived table's rows, rendered.
func build(ctx context.Context, lake string, opt chain.Options) (*chain.Chain, map[string][]string, error) {
	db, err := lakedb.Open(ctx, lake)
	if err != nil {
		return nil, nil, err
	}
	defer db.Close()
	c, err := chain.Open(ctx, db, opt)
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(c.TempDir)
	out := map[string][]string{}
	for _, name := range append(schemas.Derived(), "catalog_tables") {
		rows, err := db.QueryContext(ctx, "SELECT CAST(t AS VARCHAR) FROM (SELECT * FROM "+name+") t ORDER BY 1")
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				return nil, nil, err
			}
			out[name] = append(out[name], s)
		}
		rows.Close()
	}
	return c, out, nil
}

func mustBuild(t *testing.T, lake string, opt chain.Options) (*chain.Chain, map[string][]string) {
	t.Helper()
	c, rows, err := build(context.Background(), lake, opt)
	if err != nil {
		t.Fatal(err)
	}
	return c, rows
}

// ingest writes n trail files of linked records (Athena queries, their
// Lake Formation calls, the S3 reads made with the credentials) over days
// days from start into a folder and ingests it. As real trail objects do,
// each file covers its own stretch of the days (a link between records
// spans at most that stretch, in either order: clocks differ).
func ingest(t *testing.T, lake string, start time.Time, days, n int, seed int64) {
	t.Helper()
	trailgen.Cast(12, 10, days)
	trailgen.MaxRecords = 400
	trailgen.Span = time.Duration(days) * 24 * time.Hour / time.Duration(n)
	if trailgen.Span > 24*time.Hour {
		t.Fatalf("%d files over %d days: a file would span more than a day", n, days)
	}
	defer func() { trailgen.Span, trailgen.Start = 0, day("2026-07-01") }()
	dir := t.TempDir()
	for i := 0; i < n; i++ {
		trailgen.Start = start.Add(time.Duration(i) * trailgen.Span)
		if _, _, err := trailgen.WriteGzip(filepath.Join(dir, fmt.Sprintf("trail-%d-%d.json.gz", seed, i)), seed+int64(i), 4<<20); err != nil {
			t.Fatal(err)
		}
	}
	ingestDir(t, lake, dir)
}

func day(s string) time.Time {
	t, _ := time.Parse("2006-01-02", s)
	return t
}

// equal fails when two renderings of the derived tables differ.
func equal(t *testing.T, what string, got, want map[string][]string) {
	t.Helper()
	for _, name := range append(schemas.Derived(), "catalog_tables") {
		g, w := got[name], want[name]
		if strings.Join(g, "\n") == strings.Join(w, "\n") {
			continue
		}
		t.Errorf("%s: %s has %d rows, a full build %d", what, name, len(g), len(w))
		for i := 0; i < len(g) || i < len(w); i++ {
			var a, b string
			if i < len(g) {
				a = g[i]
			}
			if i < len(w) {
				b = w[i]
			}
			if a != b {
				t.Errorf("%s: first difference at row %d:\n got  %s\n full %s", name, i, a, b)
				break
			}
		}
	}
}

func TestIncrementalBuildsEqualAFullBuild(t *testing.T) {
	lake := t.TempDir()
	ingest(t, lake, day("2026-07-01"), 2, 3, 1)
	c, first := mustBuild(t, lake, chain.Options{})
	if c.State == nil || c.Rebuilt["lf_calls"] != 2 || c.Rebuilt["column_access"] != 2 {
		t.Fatalf("first build: state %v, rebuilt %v; want both days of every table", c.State, c.Rebuilt)
	}
	for _, name := range []string{"athena_starts", "lf_calls", "s3_reads", "query_columns", "column_access"} {
		if len(first[name]) == 0 {
			t.Errorf("%s is empty after the first build", name)
		}
	}

	// Nothing changed: nothing is built, the same state is read.
	c2, again := mustBuild(t, lake, chain.Options{})
	if len(c2.Rebuilt) != 0 || c2.State.ID != c.State.ID {
		t.Errorf("second build rebuilt %v (state %s, was %s); want nothing", c2.Rebuilt, c2.State.ID, c.State.ID)
	}
	equal(t, "unchanged lake", again, first)

	// A new day: only it, and the days whose window reaches it, are rebuilt.
	ingest(t, lake, day("2026-07-03"), 1, 1, 100)
	c3, inc := mustBuild(t, lake, chain.Options{})
	// A query of 07-02 may ask for credentials on 07-03 (and clocks differ),
	// a read or a query of 07-01 may use a request of 07-02 rebuilt for it.
	want := map[string]int{"athena_starts": 1, "emr_sessions": 1, "lf_calls": 2, "query_columns": 3,
		"s3_reads": 3, "column_access": 3}
	for name, n := range want {
		if c3.Rebuilt[name] != n {
			t.Errorf("after a new day, %s rebuilt %d days, want %d (%v)", name, c3.Rebuilt[name], n, c3.Rebuilt)
		}
	}
	if c3.LineageMethods["reused"] == 0 {
		t.Errorf("the rebuilt days extracted every query again: %v", c3.LineageMethods)
	}
	_, full := mustBuild(t, lake, chain.Options{Mode: chain.InMemory, Full: true})
	equal(t, "after a new day", inc, full)

	// A late object for the first day (an access log hours late, a trail
	// file delivered late): that day and its neighbours are rebuilt.
	ingest(t, lake, day("2026-07-01"), 1, 1, 200)
	c4, late := mustBuild(t, lake, chain.Options{})
	if c4.Rebuilt["athena_starts"] != 1 || c4.Rebuilt["lf_calls"] != 2 || c4.Rebuilt["s3_reads"] != 3 {
		t.Errorf("after a late object: rebuilt %v; want athena_starts 1 day, lf_calls 2, s3_reads 3", c4.Rebuilt)
	}
	_, full = mustBuild(t, lake, chain.Options{Mode: chain.InMemory, Full: true})
	equal(t, "after a late object", late, full)

	// --no-build reads the last build and says how stale it is.
	ingest(t, lake, day("2026-07-04"), 1, 1, 300)
	c5, stale := mustBuild(t, lake, chain.Options{Mode: chain.NoBuild})
	if c5.StaleDays() == 0 || c5.State.ID != c4.State.ID || len(c5.Rebuilt) != 0 {
		t.Errorf("no-build: stale %v, state %s (want %s), rebuilt %v", c5.Stale, c5.State.ID, c4.State.ID, c5.Rebuilt)
	}
	equal(t, "no-build", stale, late)
}

func TestKilledBuildLeavesThePreviousAnswersAndARerunFinishesIt(t *testing.T) {
	lake := t.TempDir()
	ingest(t, lake, day("2026-07-01"), 2, 3, 1)
	c1, before := mustBuild(t, lake, chain.Options{})
	ingest(t, lake, day("2026-07-02"), 2, 3, 50)

	// Killed after its first table's commit: the lake has a new snapshot
	// of one derived table, and no new state.
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	// Its spill folder goes to a test folder: the kill leaves it behind.
	cmd.Env = append(os.Environ(), childLake+"="+lake, "AUDITLAKE_FAILPOINT=build-after-table", "TMPDIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("the build was not killed: %v\n%s", err, out)
	}
	c2, during := mustBuild(t, lake, chain.Options{Mode: chain.NoBuild})
	if c2.State.ID != c1.State.ID {
		t.Fatalf("after the kill the state is %s, want the previous %s", c2.State.ID, c1.State.ID)
	}
	equal(t, "after a killed build", during, before)

	c3, after := mustBuild(t, lake, chain.Options{})
	if c3.State.ID == c1.State.ID {
		t.Fatal("the re-run wrote no state")
	}
	_, full := mustBuild(t, lake, chain.Options{Mode: chain.InMemory, Full: true})
	equal(t, "re-run after a killed build", after, full)
}

func TestStepsAreOrderedByWhatTheyNeed(t *testing.T) {
	steps, err := chain.Steps()
	if err != nil {
		t.Fatal(err)
	}
	done := map[string]bool{}
	for _, n := range schemas.Tables() {
		done[n] = true
	}
	var names []string
	for _, s := range steps {
		for _, n := range s.Query.Needs {
			if !done[n.Table] {
				t.Errorf("%s runs before its input %s", s.Name, n.Table)
			}
		}
		done[s.Name] = true
		names = append(names, s.Name)
	}
	for _, d := range schemas.Derived() {
		if !done[d] {
			t.Errorf("no step produces %s", d)
		}
	}
	if chain.Hash(steps) != chain.Hash(steps) || len(chain.Hash(steps)) != 32 {
		t.Errorf("Hash = %q", chain.Hash(steps))
	}
	t.Logf("order: %s", strings.Join(names, " → "))
}

// trailFile writes one CloudTrail log file holding a golden record of
// package cloudtrail with some of its text replaced, and ingests it.
func trailFile(t *testing.T, lake, golden string, replace ...string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../cloudtrail/testdata/golden", golden))
	if err != nil {
		t.Fatal(err)
	}
	rec := strings.NewReplacer(replace...).Replace(string(b))
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "111122223333_CloudTrail_us-east-1_20260702T0000Z_x.json"), []byte(`{"Records":[`+rec+`]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	ingestDir(t, lake, dir)
}

// A query started a few seconds before midnight, whose start arrives after
// its credential request of the next day was built: the request's day is
// rebuilt and attributed to the query's starter.
func TestALateStartReattributesTheNextDay(t *testing.T) {
	lake := t.TempDir()
	const q = "77777777-3a4b-4c5d-8e9f-0a1b2c3d4e99"
	trailFile(t, lake, "lf-get-data-access-athena.json",
		"2026-07-01T09:10:04Z", "2026-07-02T00:00:30Z", "6f0c2d1e-3a4b-4c5d-8e9f-0a1b2c3d4e01", q)
	ask := func() string {
		c, rows := mustBuild(t, lake, chain.Options{})
		t.Logf("rebuilt %v", c.Rebuilt)
		if len(rows["lf_calls"]) != 1 {
			t.Fatalf("lf_calls = %v, want one row", rows["lf_calls"])
		}
		return rows["lf_calls"][0]
	}
	if got := ask(); !strings.Contains(got, "'caused_by_profile': data-scientist-full, 'attributed_via': caller") {
		t.Fatalf("before the start: %s", got)
	}
	trailFile(t, lake, "athena-start-query-text.json",
		"2026-07-01T09:12:41Z", "2026-07-01T23:59:50Z", "6f0c2d1e-3a4b-4c5d-8e9f-0a1b2c3d4e02", q)
	if got := ask(); !strings.Contains(got, "'caused_by_profile': data-scientist-limited, 'attributed_via': athena_query") {
		t.Errorf("after the start: %s", got)
	}
}

// A Lake Formation grant changes what every later day's queries were
// allowed to read: the days from the grant's on are rebuilt, however far
// past the day windows they lie; earlier days are not.
func TestAGrantRebuildsEveryLaterDay(t *testing.T) {
	lake := t.TempDir()
	ingest(t, lake, day("2026-07-01"), 10, 12, 1)
	mustBuild(t, lake, chain.Options{})
	trailFile(t, lake, "lf-grant-permissions-columns.json", "2026-07-01T11:00:05Z", "2026-07-05T11:00:05Z")
	c, rows := mustBuild(t, lake, chain.Options{})
	// The grant's day is 07-05: its events changed (athena_starts: that day;
	// lf_calls: 07-04 to 07-06 by its window), and the grants in force from
	// 07-05 to 07-10 (query_columns, s3_reads: 07-03 to 07-07 by their
	// windows, 07-05 to 07-10 by the grant; not 07-01 and 07-02).
	want := map[string]int{"athena_starts": 1, "lf_calls": 3, "query_columns": 8, "s3_reads": 8}
	for name, n := range want {
		if c.Rebuilt[name] != n {
			t.Errorf("%s rebuilt %d days, want %d (%v)", name, c.Rebuilt[name], n, c.Rebuilt)
		}
	}
	_, full := mustBuild(t, lake, chain.Options{Mode: chain.InMemory, Full: true})
	equal(t, "after a grant", rows, full)
}

// ingestDir ingests a folder into the lake, as the ingest CLI does.
func ingestDir(t *testing.T, lake, dir string) {
	t.Helper()
	w, err := warehouse.Open(context.Background(), lake)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pipeline.Ingest(context.Background(), pipeline.Options{Inputs: []string{dir}, Lake: lake, Committer: w}); err != nil {
		t.Fatal(err)
	}
}

// Compaction rewrites a day's files without changing what a reader sees:
// the next build rebuilds nothing, and the answers stay those of a full
// build.
func TestCompactionRebuildsNothing(t *testing.T) {
	ctx := context.Background()
	lake := t.TempDir()
	ingest(t, lake, day("2026-07-01"), 2, 3, 1)
	ingest(t, lake, day("2026-07-01"), 2, 3, 40) // a second run: two files a day
	c1, before := mustBuild(t, lake, chain.Options{})
	w, err := warehouse.Open(ctx, lake)
	if err != nil {
		t.Fatal(err)
	}
	res, err := w.Compact(ctx, "events", warehouse.CompactOptions{})
	if err != nil {
		t.Fatal(err)
	}
	compacted := 0
	for _, r := range res {
		if r.Skipped == "" && r.Before > r.After {
			compacted++
		}
	}
	if compacted == 0 {
		t.Fatalf("compaction rewrote no day: %+v", res)
	}
	c2, after := mustBuild(t, lake, chain.Options{})
	if len(c2.Rebuilt) != 0 || c2.State.ID != c1.State.ID {
		t.Errorf("after compacting %d days the build rebuilt %v", compacted, c2.Rebuilt)
	}
	equal(t, "after compaction", after, before)
	_, full := mustBuild(t, lake, chain.Options{Mode: chain.InMemory, Full: true})
	equal(t, "after compaction, against a full build", after, full)
}

// Issue 13 item 1: an Athena query that scans a table without reading any
// of its columns leaves a table-level row (column_name NULL, certainty
// no_column) in query_columns and column_access, so that an investigator
// asking who touched the table finds it. The queries are Athena starts of
// the limited profile, whose grant lets it read amazon_reviews_parquet (all
// but customer_id and review_id) and nothing of tpc.
func TestAQueryThatReadsNoColumnLeavesATableRow(t *testing.T) {
	lake := t.TempDir()
	queries := map[string]string{ // query id → SQL
		"13000000-0000-4000-8000-000000000001": "SELECT count(*) FROM amazon_reviews_db.amazon_reviews_parquet",
		"13000000-0000-4000-8000-000000000002": "SELECT product_id FROM amazon_reviews_db.amazon_reviews_parquet WHERE EXISTS (SELECT * FROM tpc.dl_tpc_item)",
	}
	n := 0
	for id, sql := range queries {
		n++
		trailFile(t, lake, "athena-start-query-text.json",
			"SELECT * FROM amazon_reviews_db.amazon_reviews_parquet LIMIT 10", sql,
			"6f0c2d1e-3a4b-4c5d-8e9f-0a1b2c3d4e02", id,
			"ae2f30fa-ea39-1a8b-9eec-c3c6d08c7c16", fmt.Sprintf("13000000-0000-4000-8000-00000000e00%d", n),
			"b001c2f1-d525-d6a9-474d-6a5c13a4729b", fmt.Sprintf("13000000-0000-4000-8000-00000000a00%d", n))
	}
	scn := "../../testdata/scenario"
	_, rows := mustBuild(t, lake, chain.Options{Catalog: []string{scn + "/catalog"}, Grants: []string{scn + "/grants"}})
	// query id → "database.table.column certainty allowed" (query_columns)
	// and "… certainty outcome" (column_access), written by hand.
	want := map[string][]string{
		// count(*) reads no column; the grant allows the table.
		"13000000-0000-4000-8000-000000000001": {
			"qc amazon_reviews_db.amazon_reviews_parquet.NULL no_column true",
			"ca amazon_reviews_db.amazon_reviews_parquet.NULL no_column success"},
		// product_id is read and allowed; EXISTS (SELECT * …) reads no column
		// of dl_tpc_item, which the grant does not cover at all.
		"13000000-0000-4000-8000-000000000002": {
			"qc amazon_reviews_db.amazon_reviews_parquet.product_id exact true",
			"qc tpc.dl_tpc_item.NULL no_column false",
			"ca amazon_reviews_db.amazon_reviews_parquet.product_id exact success",
			"ca tpc.dl_tpc_item.NULL no_column denied"},
	}
	got := map[string][]string{}
	field := func(row, name string) string {
		_, rest, ok := strings.Cut(row, "'"+name+"': ")
		if !ok {
			t.Fatalf("no %s in %s", name, row)
		}
		if i := strings.Index(rest, ", '"); i >= 0 {
			rest = rest[:i]
		}
		return strings.TrimSuffix(rest, "}")
	}
	for _, table := range []string{"query_columns", "column_access"} {
		for _, row := range rows[table] {
			id := field(row, "query_id")
			if _, ok := queries[id]; !ok {
				continue
			}
			tag, last := "ca ", "outcome"
			if table == "query_columns" {
				tag, last = "qc ", "allowed"
			}
			got[id] = append(got[id], tag+field(row, "database_name")+"."+field(row, "table_name")+"."+
				field(row, "column_name")+" "+field(row, "certainty")+" "+field(row, last))
		}
	}
	for id, w := range want {
		if strings.Join(got[id], "\n") != strings.Join(w, "\n") {
			t.Errorf("query %s:\n%s\nwant\n%s", id, strings.Join(got[id], "\n"), strings.Join(w, "\n"))
		}
	}
}

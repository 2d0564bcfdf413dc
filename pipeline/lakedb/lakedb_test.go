package lakedb

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/auditlake/auditlake/pipeline"
	"github.com/auditlake/auditlake/pipeline/lake"
	"github.com/auditlake/auditlake/pipeline/warehouse"
	"github.com/auditlake/auditlake/schemas"
)

func scenarioLake(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	w, err := warehouse.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := pipeline.Ingest(context.Background(), pipeline.Options{Inputs: []string{"../../testdata/scenario/logs"}, Lake: dir, Committer: w})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Written == 0 {
		t.Fatal("scenario wrote no events")
	}
	return dir
}

// TestDuckDBReadsTheLake: the lake that ingest writes is read by DuckDB with
// exactly the columns and types of schemas/events.yaml.
func TestDuckDBReadsTheLake(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, scenarioLake(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, name := range schemas.Tables() {
		checkColumns(t, db, name)
	}

	var n, ids, nullTimes int
	if err := db.QueryRowContext(ctx, `SELECT count(*), count(DISTINCT event_id), count(*) FILTER (WHERE event_time IS NULL) FROM events`).Scan(&n, &ids, &nullTimes); err != nil {
		t.Fatal(err)
	}
	if n != 63 || ids != 63 || nullTimes != 0 {
		t.Errorf("events: %d rows, %d distinct ids, %d null times; want 63, 63, 0", n, ids, nullTimes)
	}
	var failed string
	if err := db.QueryRowContext(ctx, `SELECT query_id FROM athena_queries WHERE state = 'FAILED'`).Scan(&failed); err != nil {
		t.Fatal(err)
	}
	if failed != "6f0c2d1e-3a4b-4c5d-8e9f-0a1b2c3d4e03" {
		t.Errorf("failed query = %s", failed)
	}
	// Empty strings are NULL, and the hive folder matches the column.
	var empties int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM events WHERE studio_profile = '' OR source_identity = '' OR error_code = ''`).Scan(&empties); err != nil {
		t.Fatal(err)
	}
	if empties != 0 {
		t.Errorf("%d rows store empty strings instead of NULL", empties)
	}
	rows, err := db.QueryContext(ctx, `SELECT coalesce(studio_profile, '_none'), count(*) FROM events GROUP BY 1 ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var p string
		var c int
		rows.Scan(&p, &c)
		got = append(got, p)
	}
	if strings.Join(got, ",") != "_none,analyst-us,data-scientist-full,data-scientist-limited,david,tina" {
		t.Errorf("profiles = %v", got)
	}
	// A JSON column is queryable with DuckDB's JSON functions.
	var instance string
	if err := db.QueryRowContext(ctx, `SELECT json_extract_string(request_parameters, '$.resourceConfig.instanceType') FROM events WHERE event_name = 'CreateTrainingJob'`).Scan(&instance); err != nil {
		t.Fatal(err)
	}
	if instance != "ml.p4d.24xlarge" {
		t.Errorf("instance type from request_parameters = %q", instance)
	}
	var tz string
	if err := db.QueryRowContext(ctx, `SELECT strftime(min(event_time), '%Y-%m-%dT%H:%M:%S') FROM events`).Scan(&tz); err != nil {
		t.Fatal(err)
	}
	if tz != "2026-07-01T08:01:12" {
		t.Errorf("earliest event_time in UTC = %s, want 2026-07-01T08:01:12", tz)
	}
}

func TestEmptyLakeHasTheSameColumns(t *testing.T) {
	db, err := Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, name := range schemas.Tables() {
		checkColumns(t, db, name)
	}
}

func checkColumns(t *testing.T, db *DB, name string) {
	t.Helper()
	tbl := schemas.MustLoad(name)
	rows, err := db.Query(`SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position`, name)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	i := 0
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			t.Fatal(err)
		}
		if i >= len(tbl.Columns) {
			t.Errorf("extra column %s", name)
			continue
		}
		c := tbl.Columns[i]
		if name != c.Name || typ != DuckType(c.Type) {
			t.Errorf("column %d = %s %s, want %s %s", i, name, typ, c.Name, DuckType(c.Type))
		}
		i++
	}
	if i != len(tbl.Columns) {
		t.Errorf("view has %d columns, schema %d", i, len(tbl.Columns))
	}
}

// Where two runs committed the same events, the view keeps, for each id,
// the row compaction keeps: so an answer does not change when the day is
// compacted.
func TestDeduplicatedViewKeepsWhatCompactionKeeps(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	trail, _ := filepath.Abs("../../testdata/scenario/logs/trail-bucket")
	copyDir := t.TempDir() // the same objects under another name (sorting before the first): other source_object values
	if err := os.CopyFS(copyDir, os.DirFS(trail)); err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{trail, copyDir} { // both before either commits
		if _, err := pipeline.Ingest(ctx, pipeline.Options{Inputs: []string{in}, Lake: dir}); err != nil {
			t.Fatal(err)
		}
	}
	w, err := warehouse.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	// Commit the first run, then the second: the second's file comes later
	// in commit order, though its source_object sorts first.
	reqs, err := filepath.Glob(filepath.Join(dir, lake.CommitsDir, "*.json"))
	if err != nil || len(reqs) != 2 {
		t.Fatalf("pending requests %v, %v", reqs, err)
	}
	sort.Strings(reqs) // request ids start with their time
	aside := filepath.Join(t.TempDir(), "second.json")
	if err := os.Rename(reqs[1], aside); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(aside, reqs[1]); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	sources := func() map[string]string {
		t.Helper()
		db, err := Open(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		rows, err := db.QueryContext(ctx, `SELECT event_id, source_object FROM events`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]string{}
		for rows.Next() {
			var id, src string
			rows.Scan(&id, &src)
			if _, dup := out[id]; dup {
				t.Errorf("event %s twice in the view", id)
			}
			out[id] = src
		}
		return out
	}
	before := sources()
	if len(before) != 49 {
		t.Fatalf("view holds %d events, want 49", len(before))
	}
	for id, src := range before {
		if !strings.HasPrefix(src, trail) {
			t.Errorf("event %s: the view kept the later run's row (%s)", id, src)
			break
		}
	}
	if _, err := w.Compact(ctx, "events", warehouse.CompactOptions{}); err != nil {
		t.Fatal(err)
	}
	after := sources()
	for id, src := range before {
		if after[id] != src {
			t.Errorf("event %s: the view kept %s, compaction %s", id, src, after[id])
		}
	}
}

// A lake whose data files were written before a column was appended to
// schemas/ (source_region, events version 4) reads that column as NULL,
// even when no file of the view has it.
func TestFilesWithoutAnAppendedColumnReadAsNull(t *testing.T) {
	ctx := context.Background()
	dir := scenarioLake(t)
	files, err := filepath.Glob(filepath.Join(dir, lake.DataDir("events"), "*", "*.parquet"))
	if err != nil || len(files) == 0 {
		t.Fatalf("data files %v, %v", files, err)
	}
	db, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	// Rewrite every events file as the previous writer wrote it: without
	// the last column.
	for _, f := range files {
		old := f + ".old"
		q := "COPY (SELECT * EXCLUDE (source_region) FROM read_parquet(" + QuoteLiteral(f) + ")) TO " + QuoteLiteral(old) + " (FORMAT parquet)"
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(old, f); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	db, err = Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n, regions int
	if err := db.QueryRowContext(ctx, `SELECT count(*), count(source_region) FROM events`).Scan(&n, &regions); err != nil {
		t.Fatalf("events without source_region in any file: %v", err)
	}
	if n != 63 || regions != 0 {
		t.Errorf("%d rows, %d with a source_region; want 63 and 0", n, regions)
	}
	checkColumns(t, db, "events")
}

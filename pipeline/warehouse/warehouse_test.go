package warehouse_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/auditlake/auditlake/pipeline"
	"github.com/auditlake/auditlake/pipeline/lake"
	"github.com/auditlake/auditlake/pipeline/warehouse"
	"github.com/auditlake/auditlake/schemas"
)

const scenario = "../../testdata/scenario/logs"

func open(t *testing.T, dir string) *warehouse.Warehouse {
	t.Helper()
	w, err := warehouse.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func rows(t *testing.T, w *warehouse.Warehouse, snap *warehouse.Snapshot) []lake.Event {
	t.Helper()
	var out []lake.Event
	for _, f := range snap.Files {
		b, err := os.ReadFile(filepath.Join(w.Location(), f.Key))
		if err != nil {
			t.Fatal(err)
		}
		rs, err := lake.ReadEvents(b)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rs...)
	}
	return out
}

func TestIngestCommitsOneSnapshotPerTable(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	w := open(t, dir)
	sum, err := pipeline.Ingest(ctx, pipeline.Options{Inputs: []string{scenario}, Lake: dir, Committer: w})
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Committed || sum.Requests != 1 || sum.DataFiles != 2 {
		t.Errorf("summary = %+v, want one request of 2 data files, committed", sum)
	}
	for _, name := range warehouse.Tables {
		tbl, err := w.Table(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(tbl.Metadata().Snapshots()); n != 1 {
			t.Errorf("%s: %d snapshots, want 1", name, n)
		}
		// The table is what schemas/ says: format v2, day partition, sort order, name mapping.
		def, _ := warehouse.Definition(schemas.MustLoad(name))
		spec := tbl.Spec()
		if tbl.Metadata().Version() != 2 || !tbl.Schema().Equals(def.Schema) || spec.NumFields() != 1 ||
			tbl.SortOrder().Len() != len(schemas.MustLoad(name).Sort) || tbl.NameMapping() == nil {
			t.Errorf("%s: table metadata does not match schemas/%s.yaml", name, name)
		}
	}
	snap, err := w.Snapshot(ctx, lake.Events.Name, warehouse.AsOf{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Files) != 1 || snap.Files[0].Rows != 63 || snap.Files[0].Day != "2026-07-01" || len(snap.Unchecked) != 0 {
		t.Errorf("events snapshot = %+v", snap)
	}
	if got := len(rows(t, w, snap)); got != 63 {
		t.Errorf("the snapshot's files hold %d rows, want 63", got)
	}
}

// Two runs that ingest the same objects before either commits (as two
// Lambdas may): the repeat is dropped at commit. A run that overlaps
// without repeating whole requests commits overlapping rows: the day is
// marked unchecked (the views deduplicate it), and compaction leaves one sorted file without
// duplicates, as one snapshot; the snapshot before it stays readable with
// --as-of until it expires.
func TestConcurrentRunsThenCompaction(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	w := open(t, dir)
	for i := 0; i < 2; i++ {
		if _, err := pipeline.Ingest(ctx, pipeline.Options{Inputs: []string{scenario}, Lake: dir}); err != nil {
			t.Fatal(err)
		}
	}
	if reqs, _ := lake.PendingRequests(ctx, w.Store()); len(reqs) != 2 {
		t.Fatalf("%d pending requests, want 2", len(reqs))
	}
	st, err := w.CommitPending(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The second run repeats the first one's objects: its request is
	// dropped, and the day holds each event once.
	if st.Requests != 1 || st.Dropped != 1 {
		t.Errorf("commit = %+v, want one request committed and the repeat dropped", st)
	}
	before, err := w.Snapshot(ctx, lake.Events.Name, warehouse.AsOf{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(before.Files) != 1 || len(before.Unchecked) != 0 {
		t.Errorf("after the commit: files %+v, unchecked days %v; want one file, no day to deduplicate", before.Files, before.Unchecked)
	}
	if reqs, _ := lake.PendingRequests(ctx, w.Store()); len(reqs) != 0 {
		t.Errorf("%d requests left pending", len(reqs))
	}
	// Make the overlap real: a third run with another budget writes the same rows in other bytes.
	os.RemoveAll(filepath.Join(dir, lake.ManifestDir))
	os.RemoveAll(filepath.Join(dir, lake.IndexDir)) // and the commit markers: the run sees nothing committed
	if _, err := pipeline.Ingest(ctx, pipeline.Options{Inputs: []string{scenario + "/trail-bucket"}, Lake: dir, Committer: w}); err != nil {
		t.Fatal(err)
	}
	dup, err := w.Snapshot(ctx, lake.Events.Name, warehouse.AsOf{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(dup.Files) != 2 || len(rows(t, w, dup)) != 63+49 {
		t.Fatalf("after the overlapping run: %d files, %d rows; want 2 files, 112 rows", len(dup.Files), len(rows(t, w, dup)))
	}
	res, err := w.Compact(ctx, lake.Events.Name, warehouse.CompactOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Before != 2 || res[0].After != 1 || res[0].Stats.Duplicates != 49 || res[0].Stats.RowsOut != 63 {
		t.Fatalf("compaction = %+v", res)
	}
	after, err := w.Snapshot(ctx, lake.Events.Name, warehouse.AsOf{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := rows(t, w, after)
	seen := map[string]bool{}
	for i, e := range got {
		if seen[e.EventID] {
			t.Errorf("event %s twice after compaction", e.EventID)
		}
		seen[e.EventID] = true
		if i > 0 && lake.Less(&e, &got[i-1]) {
			t.Errorf("row %d out of order after compaction", i)
		}
	}
	if len(after.Files) != 1 || len(got) != 63 || len(after.Unchecked) != 0 {
		t.Errorf("after compaction: %d files, %d rows, unchecked %v; want 1, 63, none", len(after.Files), len(got), after.Unchecked)
	}
	// The replaced files are still readable as of the earlier snapshot.
	old, err := w.Snapshot(ctx, lake.Events.Name, warehouse.AsOf{ID: dup.ID}, nil)
	if err != nil || len(old.Files) != 2 {
		t.Fatalf("as of %d: %+v, %v", dup.ID, old, err)
	}
	for _, f := range old.Files {
		if _, err := os.Stat(filepath.Join(dir, f.Key)); err != nil {
			t.Errorf("replaced file gone before expiry: %v", err)
		}
	}
	// A second compaction has nothing to do.
	if res, err := w.Compact(ctx, lake.Events.Name, warehouse.CompactOptions{}); err != nil || res[0].Skipped == "" {
		t.Errorf("second compaction = %+v, %v", res, err)
	}
	// Expiry with no retention drops the old snapshots and the replaced files.
	n, err := w.Expire(ctx, time.Nanosecond)
	if err != nil || n[lake.Events.Name] == 0 {
		t.Fatalf("expire = %v, %v", n, err)
	}
	for _, f := range old.Files {
		if f.URI == after.Files[0].URI {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, f.Key)); err == nil {
			t.Errorf("replaced file %s kept after expiry", f.Key)
		}
	}
	if got := rows(t, w, after); len(got) != 63 {
		t.Errorf("after expiry the current snapshot reads %d rows", len(got))
	}
}

// A long run that commits several times (every CommitEvery bytes) does not
// mark its days as possibly duplicated: its own earlier commits are in its
// duplicate check.
func TestOneRunsSeveralCommitsAreNotOverlap(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	w := open(t, dir)
	sum, err := pipeline.Ingest(ctx, pipeline.Options{Inputs: []string{scenario}, Lake: dir, Committer: w, CommitEvery: 1})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Requests < 3 {
		t.Fatalf("%d commit requests, want one per object", sum.Requests)
	}
	snap, err := w.Snapshot(ctx, lake.Events.Name, warehouse.AsOf{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Unchecked) != 0 {
		t.Errorf("unchecked days %v after one run's own commits", snap.Unchecked)
	}
	if len(snap.Files) < 3 || len(rows(t, w, snap)) != 63 {
		t.Errorf("%d files, %d rows; want several files and the 63 events", len(snap.Files), len(rows(t, w, snap)))
	}
}

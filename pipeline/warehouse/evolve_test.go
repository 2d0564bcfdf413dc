package warehouse

import (
	"context"
	"testing"

	"github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/table"

	"github.com/auditlake/auditlake/pipeline/lake"
	"github.com/auditlake/auditlake/schemas"
)

// A table created before schemas/ appended a column (events version 3 had
// no source_region) gains the column, with the next field id, when the
// first data file that has it is committed.
func TestCommitAddsAppendedColumns(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	w, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	cur := schemas.MustLoad("events")
	old := *cur
	old.Columns = cur.Columns[:len(cur.Columns)-1]
	def, err := Definition(&old)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.cat.CreateNamespace(ctx, table.Identifier{w.ns}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := w.cat.CreateTable(ctx, w.ident("events"), def.Schema, catalog.WithPartitionSpec(&def.Spec),
		catalog.WithSortOrder(def.Order), catalog.WithProperties(def.Properties), catalog.WithLocation(w.URI(lake.TableDir("events")))); err != nil {
		t.Fatal(err)
	}
	// One event through the writer (which has every column) and the committer.
	buf := lake.NewBuffer(w.st, lake.Events)
	wr := lake.NewWriter(buf, nil, "obj", "obj")
	ev := lake.Event{EventID: "e1", LogSource: lake.SourceS3AccessLog, Outcome: lake.OutcomeSuccess, SourceRegion: "us-east-1", Region: "us-west-1"}
	ev.EventTime = ev.EventTime.AddDate(2026, 6, 0)
	if _, err := wr.Add(ctx, &ev); err != nil {
		t.Fatal(err)
	}
	if err := buf.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	files, _ := buf.Take()
	if err := lake.WriteRequest(ctx, w.st, &lake.CommitRequest{ID: "r1", Run: "run1", Files: files}); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	tbl, err := w.Table(ctx, "events")
	if err != nil {
		t.Fatal(err)
	}
	f, ok := tbl.Schema().FindFieldByName("source_region")
	if !ok || f.ID != len(cur.Columns) || f.Required {
		t.Fatalf("source_region after the commit: %+v, %v; want optional field id %d", f, ok, len(cur.Columns))
	}
	snap, err := w.Snapshot(ctx, "events", AsOf{}, nil)
	if err != nil || len(snap.Files) != 1 || snap.Files[0].Rows != 1 {
		t.Fatalf("snapshot %+v, %v; want the one file", snap, err)
	}
}

package pipeline

import (
	"bytes"
	"context"
	"testing"

	"github.com/auditlake/auditlake/pipeline/lake"
	"github.com/auditlake/auditlake/pipeline/warehouse"
)

// committing returns opt with the lake's committer set, as the CLI runs.
func committing(t testing.TB, opt Options) Options {
	t.Helper()
	if opt.Committer == nil {
		w, err := warehouse.Open(context.Background(), opt.Lake)
		if err != nil {
			t.Fatal(err)
		}
		opt.Committer = w
	}
	return opt
}

// committedRows reads the rows of table's current snapshot in the lake at
// loc (a folder or s3://…), and the snapshot's data files.
func committedRows[R any](t testing.TB, loc string, table string) ([]R, []warehouse.File) {
	t.Helper()
	ctx := context.Background()
	w, err := warehouse.Open(ctx, loc)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := w.Snapshot(ctx, table, warehouse.AsOf{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var rows []R
	for _, f := range snap.Files {
		rc, _, err := w.Store().Open(ctx, f.Key)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		_, err = buf.ReadFrom(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		rs, err := lake.Read[R](buf.Bytes())
		if err != nil {
			t.Fatalf("%s: %v", f.Key, err)
		}
		rows = append(rows, rs...)
	}
	return rows, snap.Files
}

package warehouse_test

import (
	"context"
	"testing"

	"github.com/auditlake/auditlake/pipeline"
	"github.com/auditlake/auditlake/pipeline/lake"
	"github.com/auditlake/auditlake/pipeline/warehouse"
)

const scenario = "../../testdata/scenario/logs"

func TestIngestCommitsOneSnapshotPerTable(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	w, err := warehouse.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := pipeline.Ingest(ctx, pipeline.Options{Inputs: []string{scenario}, Lake: dir, Committer: w})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", sum)
	snap, err := w.Snapshot(ctx, lake.Events.Name, warehouse.AsOf{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", snap)
}

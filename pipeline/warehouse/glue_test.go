package warehouse_test

import (
	"context"
	"strings"
	"testing"

	"github.com/auditlake/auditlake/pipeline"
	"github.com/auditlake/auditlake/pipeline/lake"
	"github.com/auditlake/auditlake/pipeline/testsupport/awstest"
	"github.com/auditlake/auditlake/pipeline/testsupport/s3test"
	"github.com/auditlake/auditlake/pipeline/warehouse"
)

// With --glue-database the tables live in the AWS Glue Data Catalog (here a
// local endpoint answering Glue's JSON 1.1 API) over an S3 lake (a real S3
// server): Athena would find them there. A commit that loses Glue's
// optimistic-concurrency race (UpdateTable with a stale VersionId) is
// retried on the new state, and every request lands once.
func TestGlueCatalog(t *testing.T) {
	ctx := context.Background()
	s3srv := s3test.Start(t)
	s3srv.Env(t)
	s3srv.CreateBucket(t, "lake")
	glue, _, cfg := awstest.StartGlue(t, s3srv.AccessKey, s3srv.SecretKey)
	loc := "s3://lake/audit"
	w, err := warehouse.Open(ctx, loc, warehouse.WithGlue("audit_db", &cfg))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pipeline.Ingest(ctx, pipeline.Options{Inputs: []string{scenario + "/trail-bucket"}, Lake: loc, Committer: w}); err != nil {
		t.Fatal(err)
	}
	ml := glue.MetadataLocation("audit_db", "events")
	if !strings.HasPrefix(ml, loc+"/auditlake/events/metadata/") {
		t.Fatalf("Glue table audit_db.events points at %q, want metadata below the lake", ml)
	}
	// Two more runs whose commits first lose the race twice.
	glue.FailNextUpdates(2)
	if _, err := pipeline.Ingest(ctx, pipeline.Options{Inputs: []string{scenario + "/access-log-bucket"}, Lake: loc, Committer: w}); err != nil {
		t.Fatalf("commit after lost races: %v", err)
	}
	if _, conflicts := glue.Counts(); conflicts < 2 {
		t.Errorf("%d conflicts answered, want the 2 forced ones", conflicts)
	}
	snap, err := w.Snapshot(ctx, lake.Events.Name, warehouse.AsOf{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := int64(0)
	for _, f := range snap.Files {
		n += f.Rows
		if !strings.HasPrefix(f.URI, loc+"/auditlake/events/data/") {
			t.Errorf("data file %s outside the lake's table folder", f.URI)
		}
	}
	if n != 49+14 || len(snap.Files) != 2 {
		t.Errorf("events: %d rows in %d files, want 63 in 2 (one per run)", n, len(snap.Files))
	}
	if reqs, _ := lake.PendingRequests(ctx, w.Store()); len(reqs) != 0 {
		t.Errorf("%d requests pending", len(reqs))
	}
	if ml2 := glue.MetadataLocation("audit_db", "events"); ml2 == ml {
		t.Error("the Glue table still points at the first commit's metadata")
	}
}

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/auditlake/auditlake/pipeline"
	"github.com/auditlake/auditlake/pipeline/policy"
	"github.com/auditlake/auditlake/pipeline/report"
	"github.com/auditlake/auditlake/pipeline/warehouse"
)

// DemoScenario is where the bundled scenario lives, relative to the
// repository root.
const DemoScenario = "testdata/scenario"

// Demo runs the whole product on the bundled scenario: it ingests the
// scenario's logs into a temporary lake through the real ingest path,
// opens the report with the scenario's catalog, grants and policy, and
// prints who read the sensitive columns and the policy findings. The lake
// is removed afterwards unless keep is set.
func Demo(ctx context.Context, scenario, format string, keep bool, w io.Writer) error {
	if _, err := os.Stat(filepath.Join(scenario, "logs")); err != nil {
		return fmt.Errorf("bundled scenario not found at %s (run from the repository root, or give --scenario DIR)", scenario)
	}
	lakeDir, err := os.MkdirTemp("", "auditlake-demo-")
	if err != nil {
		return err
	}
	if !keep {
		defer os.RemoveAll(lakeDir)
	}
	fmt.Fprintf(w, "== ingest %s → %s\n", filepath.Join(scenario, "logs"), lakeDir)
	wh, err := warehouse.Open(ctx, lakeDir)
	if err != nil {
		return err
	}
	sum, err := pipeline.Ingest(ctx, pipeline.Options{Inputs: []string{filepath.Join(scenario, "logs")}, Lake: lakeDir, Committer: wh})
	if err != nil {
		return err
	}
	sum.WriteText(w, lakeDir)

	p, err := policy.Load(filepath.Join(scenario, "policy.yaml"))
	if err != nil {
		return err
	}
	r, err := report.Open(ctx, report.Options{Lake: lakeDir,
		Catalog: []string{filepath.Join(scenario, "catalog")}, Grants: []string{filepath.Join(scenario, "grants")}})
	if err != nil {
		return err
	}
	defer r.Close()
	fmt.Fprintf(w, "lake snapshot: %s\n", r.DB.SnapshotLine())
	if err := r.LoadPolicy(ctx, p); err != nil {
		return err
	}

	fmt.Fprintln(w, "\n== who read sensitive columns (policy: sensitive)")
	rows, err := r.Query(ctx, `
		SELECT c.event_time, c.studio_profile, c.engine, c.database_name || '.' || c.table_name AS "table",
		       c.column_name, c.certainty, c.outcome, c.query_id
		FROM column_access c
		JOIN policy_sensitive s ON lower(s.database_name) = lower(c.database_name)
		 AND lower(s.table_name) = lower(c.table_name) AND lower(s.column_name) = lower(c.column_name)
		ORDER BY c.event_time, c.column_name`)
	if err != nil {
		return err
	}
	if err := report.Write(w, format, rows); err != nil {
		return err
	}

	fmt.Fprintln(w, "\n== policy findings")
	rows, err = r.Findings(ctx)
	if err != nil {
		return err
	}
	if err := report.Write(w, format, rows); err != nil {
		return err
	}
	if keep {
		fmt.Fprintf(w, "\nThe lake is kept at %s: try\n  go run ./cmd/report --lake %s --catalog %s --grants %s who --column customer_id --attempts\n",
			lakeDir, lakeDir, filepath.Join(scenario, "catalog"), filepath.Join(scenario, "grants"))
	}
	return nil
}

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/auditlake/auditlake/pipeline"
	"github.com/auditlake/auditlake/pipeline/policy"
	"github.com/auditlake/auditlake/pipeline/report"
	"github.com/auditlake/auditlake/pipeline/terminal"
	"github.com/auditlake/auditlake/pipeline/warehouse"
)

// DemoScenario is where the bundled scenario lives, relative to the
// repository root.
const DemoScenario = "testdata/scenario"

// demoSensitiveLayout is the demo's table of sensitive reads on a terminal.
var demoSensitiveLayout = report.Layout{Brief: []string{"event_time", "studio_profile", "engine", "table", "column_name", "outcome"}}

// Demo runs the whole product on the bundled scenario: it ingests the
// scenario's logs into a temporary lake through the real ingest path,
// opens the report with the scenario's catalog, grants and policy, prints
// who read the sensitive columns and the policy findings (laid out for
// disp), and ends with a summary in plain words. The lake is removed
// afterwards unless keep is set.
func Demo(ctx context.Context, scenario, format string, disp report.Display, keep bool, w io.Writer) error {
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
	head := func(s string) { fmt.Fprintln(w, terminal.Paint(s, terminal.Bold, disp.Color)) }
	head("== ingest " + filepath.Join(scenario, "logs") + " → " + lakeDir)
	wh, err := warehouse.Open(ctx, lakeDir)
	if err != nil {
		return err
	}
	sum, err := pipeline.Ingest(ctx, pipeline.Options{Inputs: []string{filepath.Join(scenario, "logs")}, Lake: lakeDir, Committer: wh})
	if err != nil {
		return err
	}
	sum.WriteText(w, lakeDir)

	policyFile := filepath.Join(scenario, "policy.yaml")
	p, err := policy.Load(policyFile)
	if err != nil {
		return err
	}
	r, err := report.Open(ctx, report.Options{Lake: lakeDir,
		Catalog: []string{filepath.Join(scenario, "catalog")}, Grants: []string{filepath.Join(scenario, "grants")}})
	if err != nil {
		return err
	}
	defer r.Close()
	fmt.Fprintln(w, wrap("lake snapshot: "+r.DB.SnapshotLine(), disp.Width))
	if err := r.LoadPolicy(ctx, p); err != nil {
		return err
	}

	fmt.Fprintln(w)
	head("== who read sensitive columns (policy: sensitive)")
	rows, err := r.Query(ctx, `
		SELECT c.event_time, c.studio_profile, c.engine, c.database_name || '.' || c.table_name AS "table",
		       c.column_name, c.certainty, c.outcome, c.query_id
		FROM column_access c
		JOIN policy_sensitive s ON s.database_name = c.database_name
		 AND s.table_name = c.table_name AND s.column_name = c.column_name
		ORDER BY c.event_time, c.column_name`)
	if err != nil {
		return err
	}
	d := disp
	d.Layout = demoSensitiveLayout
	if err := d.Write(w, format, rows); err != nil {
		return err
	}

	fmt.Fprintln(w)
	head("== policy findings")
	rows, err = r.Findings(ctx)
	if err != nil {
		return err
	}
	d.Layout = report.FindingsLayout
	if err := d.Write(w, format, rows); err != nil {
		return err
	}

	fmt.Fprintln(w)
	head("== in short")
	lines, err := demoSummary(ctx, r, policyFile)
	if err != nil {
		return err
	}
	for _, l := range lines {
		fmt.Fprintln(w, wrap("- "+l, disp.Width))
	}
	if keep {
		fmt.Fprintf(w, "\nThe lake is kept at %s: try\n  go run ./cmd/report --lake %s --catalog %s --grants %s who --column customer_id --attempts\n",
			lakeDir, lakeDir, filepath.Join(scenario, "catalog"), filepath.Join(scenario, "grants"))
	}
	return nil
}

// demoSummary says in plain words who read which sensitive data, how many
// findings of each severity the policy raised, and what could not be
// attributed to a Studio profile.
func demoSummary(ctx context.Context, r *report.Report, policyFile string) ([]string, error) {
	var out []string
	reads, err := r.Query(ctx, `
		SELECT coalesce(c.studio_profile, c.principal_arn, 'someone unknown') AS who, c.outcome,
		       string_agg(DISTINCT c.column_name || ' of ' || c.database_name || '.' || c.table_name, ', ' ORDER BY c.column_name || ' of ' || c.database_name || '.' || c.table_name) AS what,
		       count(DISTINCT coalesce(c.query_id, c.event_id)) AS times,
		       string_agg(DISTINCT c.query_id, ', ' ORDER BY c.query_id) AS queries
		FROM column_access c
		JOIN policy_sensitive s ON s.database_name = c.database_name
		 AND s.table_name = c.table_name AND s.column_name = c.column_name
		GROUP BY ALL ORDER BY who, outcome DESC`)
	if err != nil {
		return nil, err
	}
	if len(reads.Values) == 0 {
		out = append(out, "Nobody read a column the policy calls sensitive.")
	}
	for _, v := range reads.Values {
		who, outcome, what := terminal.Escape(str(v[0])), str(v[1]), terminal.Escape(str(v[2]))
		n, _ := v[3].(int64)
		s := fmt.Sprintf("%s read %s %s", who, what, times(n))
		if outcome != "success" {
			s = fmt.Sprintf("%s tried to read %s %s and was %s", who, what, times(n), outcome)
		}
		if q := str(v[4]); q != "" {
			s += " (query " + terminal.Escape(q) + ")"
		}
		out = append(out, s+".")
	}

	sev, err := r.Query(ctx, `SELECT severity, count(*), string_agg(DISTINCT rule, ', ' ORDER BY rule) FROM findings
		GROUP BY severity ORDER BY CASE severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 WHEN 'low' THEN 2 ELSE 3 END`)
	if err != nil {
		return nil, err
	}
	var total int64
	var parts, high []string
	for _, v := range sev.Values {
		n, _ := v[1].(int64)
		total += n
		parts = append(parts, fmt.Sprintf("%d %s", n, terminal.Escape(str(v[0]))))
		if str(v[0]) == "high" {
			high = append(high, terminal.Escape(str(v[2])))
		}
	}
	s := fmt.Sprintf("The policy (%s) raised %d findings", policyFile, total)
	if total > 0 {
		s += ": " + strings.Join(parts, ", ")
	}
	if len(high) > 0 {
		s += "; high: " + strings.Join(high, ", ")
	}
	out = append(out, s+".")

	un, err := r.Query(ctx, `
		WITH a AS (
		  SELECT event_id, studio_profile, principal_arn, database_name || '.' || table_name AS what FROM column_access
		  UNION ALL
		  SELECT event_id, studio_profile, principal_arn, 's3://' || s3_bucket FROM s3_reads
		), who AS (
		  SELECT coalesce(principal_arn, 'an unknown principal') AS principal, count(DISTINCT event_id) AS n,
		         string_agg(DISTINCT what, ', ' ORDER BY what) AS what
		  FROM a WHERE studio_profile IS NULL GROUP BY ALL
		)
		SELECT (SELECT count(DISTINCT event_id) FROM a), n, principal, what FROM who ORDER BY n DESC, principal`)
	if err != nil {
		return nil, err
	}
	var none int64
	var by []string
	for _, v := range un.Values {
		n, _ := v[1].(int64)
		none += n
		by = append(by, fmt.Sprintf("%d by %s (%s)", n, terminal.Escape(str(v[2])), terminal.Escape(str(v[3]))))
	}
	if none == 0 {
		out = append(out, "Every data access was traced to a Studio profile.")
	} else {
		all, _ := un.Values[0][0].(int64)
		out = append(out, fmt.Sprintf("%d of %d data accesses could not be attributed to a Studio profile: %s.", none, all, strings.Join(by, "; ")))
	}
	return out, nil
}

func str(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func times(n int64) string {
	switch n {
	case 1:
		return "once"
	case 2:
		return "twice"
	}
	return fmt.Sprintf("%d times", n)
}

// wrap breaks text into lines of at most width columns (100 when width is
// 0) at spaces, indenting continuation lines by two; a word wider than a
// line stays whole.
func wrap(text string, width int) string {
	if width <= 0 || width > 100 {
		width = 100
	}
	var b strings.Builder
	col := 0
	for i, word := range strings.Fields(text) {
		w := terminal.StringWidth(word)
		switch {
		case i == 0:
		case col+1+w > width:
			b.WriteString("\n  ")
			col = 2
		default:
			b.WriteByte(' ')
			col++
		}
		b.WriteString(word)
		col += w
	}
	return b.String()
}

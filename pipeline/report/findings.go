package report

import (
	"context"
	"fmt"
	"strings"

	"github.com/auditlake/auditlake/pipeline/policy"
	"github.com/auditlake/auditlake/queries"
)

// FindingColumns are the columns of the findings view (ARCHITECTURE.md §4).
const FindingColumns = "rule, severity, event_time, studio_profile, principal_arn, resource, detail, event_ids"

// Rules lists the built-in detections: the queries/detections/<rule>.sql files.
func Rules() []string {
	var out []string
	for _, n := range queries.Names("detections") {
		out = append(out, strings.TrimPrefix(n, "detections/"))
	}
	return out
}

// LoadPolicy loads p into the policy tables and (re)creates the findings
// view: the UNION ALL of every queries/detections/*.sql, so a new
// detection is one new file. The detections may use the lake's macros
// (lakedb.Macros: occurrence(), via_service()).
func (r *Report) LoadPolicy(ctx context.Context, p *policy.Policy) error {
	if err := r.needManifests(ctx); err != nil {
		return err
	}
	if err := p.Load(ctx, r.DB.DB); err != nil {
		return err
	}
	var parts []string
	for _, name := range queries.Names("detections") {
		q, err := queries.Load(name)
		if err != nil {
			return err
		}
		body := strings.TrimSuffix(strings.TrimSpace(q.SQL), ";")
		// Check each rule on its own, so an error names its file.
		if _, err := r.DB.ExecContext(ctx, "CREATE OR REPLACE TEMP VIEW _check_rule AS "+body); err != nil {
			return fmt.Errorf("queries/%s.sql: %w", name, err)
		}
		parts = append(parts, fmt.Sprintf(`SELECT rule::VARCHAR AS rule, severity::VARCHAR AS severity,
	event_time::TIMESTAMPTZ AS event_time, studio_profile::VARCHAR AS studio_profile,
	principal_arn::VARCHAR AS principal_arn, resource::VARCHAR AS resource, detail::VARCHAR AS detail,
	event_ids::VARCHAR[] AS event_ids
FROM (
%s
) -- %s
`, body, name))
	}
	r.DB.ExecContext(ctx, "DROP VIEW IF EXISTS _check_rule")
	view := "CREATE OR REPLACE VIEW findings AS\n" + strings.Join(parts, "UNION ALL\n")
	if len(parts) == 0 {
		view = `CREATE OR REPLACE VIEW findings AS SELECT NULL::VARCHAR AS rule, NULL::VARCHAR AS severity,
			NULL::TIMESTAMPTZ AS event_time, NULL::VARCHAR AS studio_profile, NULL::VARCHAR AS principal_arn,
			NULL::VARCHAR AS resource, NULL::VARCHAR AS detail, NULL::VARCHAR[] AS event_ids WHERE false`
	}
	if _, err := r.DB.ExecContext(ctx, view); err != nil {
		return fmt.Errorf("findings view: %w", err)
	}
	return nil
}

// FindingsQuery lists every finding, ordered by event_time and rule.
const FindingsQuery = `SELECT ` + FindingColumns + ` FROM findings
	ORDER BY event_time, rule, resource, coalesce(studio_profile, ''), array_to_string(event_ids, ',')`

// Findings returns every finding (FindingsQuery). Call LoadPolicy first.
func (r *Report) Findings(ctx context.Context) (*Rows, error) {
	return r.Query(ctx, FindingsQuery)
}

package report

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"
)

// ComplianceFormats lists the formats of the compliance report.
var ComplianceFormats = []string{"md", "json", "html"}

// complianceSection is one table of the compliance report.
type complianceSection struct {
	ID, Title, Note string
	Columns         []string
	Rows            [][]any
}

type complianceDoc struct {
	Since, Until string
	Snapshot     string // the table snapshots the report was computed on
	Sections     []*complianceSection
}

// Compliance writes the compliance report of [since, until) (a zero bound
// is open) to w as md, json or html: the access matrix (profiles × tables
// × columns read successfully), findings by rule and severity and each
// finding, denied attempts, the share of data access no Studio profile is
// attributed to, and ingestion completeness per source and hour with the
// CloudTrail digest coverage. Call LoadPolicy first (the findings view);
// Compliance (re)loads the manifest tables itself. The output depends only
// on the lake, the policy and the window: no generation time, every table
// in a total order. Every value from the logs is escaped for the format.
func (r *Report) Compliance(ctx context.Context, since, until time.Time, w io.Writer, format string) error {
	switch format {
	case "md", "json", "html":
	default:
		return fmt.Errorf("unknown compliance format %q: want one of %s", format, strings.Join(ComplianceFormats, ", "))
	}
	if !until.IsZero() && !since.IsZero() && !until.After(since) {
		return fmt.Errorf("compliance: --until %s is not after --since %s", until.UTC().Format(time.RFC3339), since.UTC().Format(time.RFC3339))
	}
	var n int
	if err := r.DB.QueryRowContext(ctx, `SELECT count(*) FROM duckdb_views() WHERE view_name = 'findings'`).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("compliance: no findings view: load a policy first")
	}
	if err := r.LoadManifests(ctx); err != nil {
		return err
	}
	doc, err := r.complianceDoc(ctx, since, until)
	if err != nil {
		return err
	}
	switch format {
	case "md":
		return doc.markdown(w)
	case "json":
		return doc.json(w)
	}
	return complianceHTML.Execute(w, doc.htmlView())
}

func (r *Report) complianceDoc(ctx context.Context, since, until time.Time) (*complianceDoc, error) {
	doc := &complianceDoc{Snapshot: r.DB.SnapshotLine()}
	lo, hi := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	if !since.IsZero() {
		lo = since.UTC()
		doc.Since = lo.Format(time.RFC3339)
	}
	if !until.IsZero() {
		hi = until.UTC()
		doc.Until = hi.Format(time.RFC3339)
	}
	add := func(id, title, note, q string) error {
		rows, err := r.Query(ctx, q, lo, hi)
		if err != nil {
			return fmt.Errorf("compliance %s: %w", id, err)
		}
		doc.Sections = append(doc.Sections, &complianceSection{ID: id, Title: title, Note: note, Columns: rows.Columns, Rows: rows.Values})
		return nil
	}
	for _, s := range complianceQueries {
		if err := add(s.id, s.title, s.note, s.sql); err != nil {
			return nil, err
		}
	}
	return doc, nil
}

// The sections; $1 and $2 are the window's bounds.
var complianceQueries = []struct{ id, title, note, sql string }{
	{"access_matrix", "Access matrix", "Successful reads per Studio profile, table and column (column * : only the table is known).", `
		SELECT coalesce(studio_profile, '(unattributed)') AS studio_profile,
		       database_name || '.' || table_name AS "table", coalesce(column_name, '*') AS "column",
		       string_agg(DISTINCT engine, ', ' ORDER BY engine) AS engines, count(*) AS accesses,
		       min(event_time) AS first_access, max(event_time) AS last_access
		FROM column_access
		WHERE outcome = 'success' AND event_time >= $1 AND event_time < $2
		GROUP BY ALL
		ORDER BY studio_profile, "table", "column"`},
	{"findings_by_rule", "Findings by rule and severity", "", `
		SELECT rule, severity, count(*) AS findings
		FROM findings WHERE event_time >= $1 AND event_time < $2
		GROUP BY rule, severity
		ORDER BY CASE severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 WHEN 'low' THEN 2 ELSE 3 END, rule`},
	{"findings", "Findings", "", `
		SELECT event_time, rule, severity, studio_profile, principal_arn, resource, detail
		FROM findings WHERE event_time >= $1 AND event_time < $2
		ORDER BY event_time, rule, resource, coalesce(studio_profile, ''), coalesce(principal_arn, ''), detail,
		         array_to_string(event_ids, ',')`},
	{"denied_column_access", "Denied column access", "Query columns the engine or the Lake Formation grant refused.", `
		SELECT event_time, studio_profile, principal_arn, engine,
		       database_name || '.' || table_name AS "table", coalesce(column_name, '*') AS "column", query_id
		FROM column_access
		WHERE outcome = 'denied' AND event_time >= $1 AND event_time < $2
		ORDER BY ALL`},
	{"denied_events", "Denied calls", "Every logged call refused with an access-denied outcome.", `
		SELECT event_time, log_source, studio_profile, principal_arn, event_source, event_name,
		       coalesce('s3://' || s3_bucket || '/' || coalesce(s3_key, ''), database_name || '.' || table_name) AS resource,
		       error_code, event_id
		FROM events
		WHERE outcome = 'denied' AND NOT network_view AND event_time >= $1 AND event_time < $2
		ORDER BY ALL`},
	{"unattributed_share", "Data access not attributed to a Studio profile", "Rows (any outcome) with no Studio profile over all rows; share in percent.", `
		SELECT 'column_access' AS source, count(*) AS accesses, count(*) FILTER (WHERE studio_profile IS NULL) AS unattributed,
		       round(100.0 * count(*) FILTER (WHERE studio_profile IS NULL) / nullif(count(*), 0), 1) AS share_percent
		FROM column_access WHERE event_time >= $1 AND event_time < $2
		UNION ALL
		SELECT 's3_reads', count(*), count(*) FILTER (WHERE studio_profile IS NULL),
		       round(100.0 * count(*) FILTER (WHERE studio_profile IS NULL) / nullif(count(*), 0), 1)
		FROM s3_reads WHERE event_time >= $1 AND event_time < $2
		ORDER BY source`},
	{"ingestion_by_source", "Ingestion by source", "Objects with events in the window; gap hours: hours between the source's first and last hour with no event.", `
		WITH h AS (
		  SELECT * FROM ingest_hours WHERE hour >= date_trunc('hour', $1::TIMESTAMPTZ) AND hour < $2
		),
		o AS (
		  SELECT * FROM ingest_objects WHERE object IN (SELECT object FROM h)
		),
		hours AS (
		  SELECT format, count(DISTINCT hour) AS hours,
		         CAST(date_diff('hour', min(hour), max(hour)) + 1 - count(DISTINCT hour) AS BIGINT) AS gap_hours
		  FROM h GROUP BY format
		)
		SELECT o.format AS source, count(*) AS objects, sum(o.records_read)::BIGINT AS records_read,
		       sum(o.events_written)::BIGINT AS events_written, sum(o.quarantined)::BIGINT AS quarantined,
		       any_value(hours.hours) AS hours, any_value(hours.gap_hours) AS gap_hours
		FROM o JOIN hours USING (format)
		GROUP BY o.format
		ORDER BY source`},
	{"ingestion_by_hour", "Ingestion by source and hour", "A gap is an hour with no event between the source's first and last hour; a gap longer than 24 hours shows its first 24.", `
		WITH h AS (
		  SELECT * FROM ingest_hours WHERE hour >= date_trunc('hour', $1::TIMESTAMPTZ) AND hour < $2
		),
		d AS (
		  SELECT format, hour, count(DISTINCT object) AS objects, sum(events) AS events FROM h GROUP BY format, hour
		),
		runs AS (
		  SELECT format, hour, lead(hour) OVER (PARTITION BY format ORDER BY hour) AS next FROM d
		),
		gaps AS (
		  SELECT format, unnest(generate_series(hour + INTERVAL 1 HOUR, least(next - INTERVAL 1 HOUR, hour + INTERVAL 24 HOUR), INTERVAL 1 HOUR)) AS hour
		  FROM runs WHERE next > hour + INTERVAL 1 HOUR
		)
		SELECT format AS source, hour, objects, events::BIGINT AS events, false AS gap FROM d
		UNION ALL
		SELECT format, hour, 0, 0::BIGINT, true FROM gaps
		ORDER BY source, hour`},
	{"digest_coverage", "CloudTrail digest coverage", "Log files each CloudTrail digest lists, and how many of them were ingested.", `
		WITH ingested AS (SELECT DISTINCT regexp_extract(object, '[^/]+$') AS file_name FROM ingest_objects)
		SELECT d.start AS digest_start, d."end" AS digest_end, count(*) AS listed,
		       count(i.file_name) AS ingested, count(*) - count(i.file_name) AS missing
		FROM digest_files d LEFT JOIN ingested i ON i.file_name = regexp_extract(d.log_file, '[^/]+$')
		WHERE d.start < $2 AND d."end" > $1
		GROUP BY d.digest_object, d.start, d."end"
		ORDER BY digest_start, digest_end, listed, ingested`},
	{"digest_missing", "CloudTrail log files listed but not ingested", "", `
		WITH ingested AS (SELECT DISTINCT regexp_extract(object, '[^/]+$') AS file_name FROM ingest_objects)
		SELECT d.start AS digest_start, d.log_file
		FROM digest_files d
		WHERE regexp_extract(d.log_file, '[^/]+$') NOT IN (SELECT file_name FROM ingested)
		  AND d.start < $2 AND d."end" > $1
		ORDER BY ALL`},
}

func (d *complianceDoc) window() string {
	s, u := d.Since, d.Until
	if s == "" {
		s = "the beginning"
	}
	if u == "" {
		u = "the end"
	}
	return "from " + s + " until " + u + " (until excluded)"
}

func (d *complianceDoc) markdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Compliance report\n\nWindow: %s.\n\nLake snapshot: %s (reproduce with --as-of).\n", d.window(), markdown(d.Snapshot))
	for _, s := range d.Sections {
		fmt.Fprintf(&b, "\n## %s\n\n", s.Title)
		if s.Note != "" {
			fmt.Fprintf(&b, "%s\n\n", markdown(s.Note))
		}
		if len(s.Rows) == 0 {
			b.WriteString("None.\n")
			continue
		}
		fmt.Fprintf(&b, "| %s |\n|%s\n", strings.Join(s.Columns, " | "), strings.Repeat("---|", len(s.Columns)))
		for _, row := range s.Rows {
			cells := make([]string, len(row))
			for i, v := range row {
				cells[i] = markdown(text(v))
			}
			fmt.Fprintf(&b, "| %s |\n", strings.Join(cells, " | "))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (d *complianceDoc) json(w io.Writer) error {
	type section struct {
		ID      string          `json:"id"`
		Title   string          `json:"title"`
		Note    string          `json:"note,omitempty"`
		Columns []string        `json:"columns"`
		Rows    []orderedObject `json:"rows"`
	}
	out := struct {
		Since    string    `json:"since,omitempty"`
		Until    string    `json:"until,omitempty"`
		Snapshot string    `json:"snapshot"`
		Sections []section `json:"sections"`
	}{Since: d.Since, Until: d.Until, Snapshot: d.Snapshot, Sections: []section{}}
	for _, s := range d.Sections {
		sec := section{ID: s.ID, Title: s.Title, Note: s.Note, Columns: s.Columns, Rows: []orderedObject{}}
		for _, row := range s.Rows {
			obj := make(map[string]any, len(row))
			for i, v := range row {
				obj[s.Columns[i]] = jsonValue(v)
			}
			sec.Rows = append(sec.Rows, orderedObject{s.Columns, obj})
		}
		out.Sections = append(out.Sections, sec)
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

type htmlSection struct {
	ID, Title, Note string
	Columns         []string
	Rows            [][]string
}

func (d *complianceDoc) htmlView() any {
	var secs []htmlSection
	for _, s := range d.Sections {
		h := htmlSection{ID: s.ID, Title: s.Title, Note: s.Note, Columns: s.Columns}
		for _, row := range s.Rows {
			cells := make([]string, len(row))
			for i, v := range row {
				cells[i] = htmlText(text(v))
			}
			h.Rows = append(h.Rows, cells)
		}
		secs = append(secs, h)
	}
	return struct {
		Window   string
		Snapshot string
		Sections []htmlSection
	}{d.window(), d.Snapshot, secs}
}

// complianceHTML is self-contained: inline CSS, no script, no external
// resource (the Content-Security-Policy forbids them too); html/template
// escapes every value.
var complianceHTML = template.Must(template.New("compliance").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Compliance report</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: left; vertical-align: top; white-space: pre-wrap; word-break: break-all; }
th { background: #f0f0f0; }
.note { color: #555; } .none { color: #777; font-style: italic; }
</style>
</head>
<body>
<h1>Compliance report</h1>
<p>Window: {{.Window}}.</p>
<p>Lake snapshot: {{.Snapshot}} (reproduce with --as-of).</p>
{{range .Sections}}<h2 id="{{.ID}}">{{.Title}}</h2>
{{if .Note}}<p class="note">{{.Note}}</p>
{{end}}{{if .Rows}}<table>
<tr>{{range .Columns}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table>
{{else}}<p class="none">None.</p>
{{end}}{{end}}</body>
</html>
`))

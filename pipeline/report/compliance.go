package report

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/auditlake/auditlake/queries"
)

// ComplianceFormats lists the formats of the compliance report.
var ComplianceFormats = []string{"md", "json", "html"}

// complianceSection is one table of the compliance report.
type complianceSection struct {
	ID, Title, Note string
	// Record: the section is one row, shown as a list of name: value (the
	// summary).
	Record  bool
	Columns []string
	Rows    [][]any
}

type complianceDoc struct {
	Since, Until string
	Snapshot     string // the table snapshots the report was computed on
	Sections     []*complianceSection
}

// Compliance writes the compliance report of [since, until) (a zero bound
// is open) to w as md, json or html: a summary (accesses, profiles,
// sensitive reads, findings by severity, denied attempts, the share of
// data access no Studio profile is attributed to, ingestion completeness),
// the access matrix (profiles × tables, and the columns read), findings
// by rule, severity and day and each finding, denied attempts per profile
// and each one, and ingestion per source and hour with the CloudTrail
// digest coverage: the sections of queries/compliance/, the same numbers
// in every format (the HTML adds charts drawn from them). Call LoadPolicy first (the findings view);
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
	return doc.html(w)
}

func (r *Report) complianceDoc(ctx context.Context, since, until time.Time) (*complianceDoc, error) {
	doc := &complianceDoc{Snapshot: r.SnapshotLine()}
	lo, hi := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	if !since.IsZero() {
		lo = since.UTC()
		doc.Since = lo.Format(time.RFC3339)
	}
	if !until.IsZero() {
		hi = until.UTC()
		doc.Until = hi.Format(time.RFC3339)
	}
	add := func(id string, q queries.Query) error {
		rows, err := r.Query(ctx, q.Body(), lo, hi)
		if err != nil {
			return fmt.Errorf("compliance %s: %w", id, err)
		}
		doc.Sections = append(doc.Sections, &complianceSection{ID: id, Title: q.Header["title"], Note: q.Header["note"],
			Record: q.Header["layout"] == "record", Columns: rows.Columns, Rows: rows.Values})
		return nil
	}
	// The sections, in order: queries/compliance/NN_<id>.sql.
	for _, name := range queries.Names("compliance") {
		q, err := queries.Load(name)
		if err != nil {
			return nil, err
		}
		_, id, _ := strings.Cut(strings.TrimPrefix(name, "compliance/"), "_")
		if err := add(id, q); err != nil {
			return nil, err
		}
	}
	return doc, nil
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
		if s.Record {
			for i, c := range s.Columns {
				fmt.Fprintf(&b, "- %s: %s\n", markdown(c), markdown(text(s.Rows[0][i])))
			}
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

package report

import (
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/auditlake/auditlake/pipeline/terminal"
)

// The HTML compliance report is read by an auditor first: a summary, four
// charts, the access matrix as a matrix, findings grouped by rule, then
// the sections as tables. It is one self-contained file (inline CSS, no
// script, nothing loaded: the Content-Security-Policy forbids it too), it
// prints (and so becomes a PDF) with every value whole, and html/template
// escapes every value, in the SVG too.

// htmlCell is one value as the page shows it.
type htmlCell struct {
	Text string
	// Full is the whole value when Text is shortened: on hover (title)
	// and in print.
	Full  string
	Class string
}

// htmlTable is one section shown as a table.
type htmlTable struct {
	ID, Title, Note string
	Columns         []string
	Rows            [][]htmlCell
	Folded          bool // inside a <details> on screen (opened in print)
}

// measure is a number of the summary, marked so that tests compare it
// with the same number in the JSON.
type measure struct {
	Name, Value, Class string
}

// card is one box of the summary.
type card struct {
	Label string
	Value measure
	Unit  string
	// Parts is the line under the value: text and measures in turn.
	Parts []any
	Class string // "ok", "warn"
}

type matrixItem struct {
	Column, Accesses, Engines string
	Sensitive                 bool
	RowFilter                 string // the row filter that limited the column's reads ("" none)
}

type matrixCell struct {
	Accesses, Columns string
	Sensitive         string // sensitive columns read ("" or "0": none)
	Level             int    // 0 (none) … 5 (most accesses)
	Items             []matrixItem
	Title             string
}

type matrixRow struct {
	Profile htmlCell
	Cells   []matrixCell
}

type matrix struct {
	Note   string
	Tables []matrixTable
	Rows   []matrixRow
}

// matrixTable is a column of the matrix: a table, under its database.
type matrixTable struct{ DB, Name, Full string }

type ruleGroup struct {
	Rule, Severity string
	Count          int
	Columns        []string
	Rows           [][]htmlCell
}

// part is a chapter of the page: its tables.
type part struct {
	ID, Title string
	Tables    []htmlTable
}

type htmlView struct {
	Window, Snapshot string
	SummaryNote      string
	Cards            []card
	Charts           []*chart
	Matrix           *matrix
	FindingsNote     string
	Rules            []ruleGroup
	Parts            []part
}

func (d *complianceDoc) section(id string) *complianceSection {
	for _, s := range d.Sections {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// html writes the page.
func (d *complianceDoc) html(w io.Writer) error {
	return complianceHTML.Execute(w, d.htmlView())
}

func (d *complianceDoc) htmlView() *htmlView {
	v := &htmlView{Window: d.window(), Snapshot: d.Snapshot}
	shown := map[string]bool{}
	if s := d.section("summary"); s != nil && len(s.Rows) == 1 {
		v.SummaryNote, v.Cards = s.Note, summaryCards(s)
		shown[s.ID] = true
	}
	since, _ := time.Parse(time.RFC3339, d.Since)
	until, _ := time.Parse(time.RFC3339, d.Until)
	for _, c := range []*chart{
		findingsPerDay(d.section("findings_by_day"), since, until),
		accessHeatMap(d.section("access_by_table")),
		ingestionOverTime(d.section("ingestion_by_hour")),
		deniedPerProfile(d.section("denied_by_profile")),
	} {
		if c != nil {
			v.Charts = append(v.Charts, c)
		}
	}
	if s := d.section("access_by_table"); s != nil {
		v.Matrix = accessMatrix(s, d.section("access_matrix"))
		shown[s.ID] = true
	}
	if s := d.section("findings"); s != nil {
		v.FindingsNote, v.Rules = s.Note, findingGroups(s)
		shown[s.ID] = true
	}
	// The other sections, as tables, in chapters.
	chapters := []struct {
		id, title string
		ids       []string
	}{
		{"access", "Access matrix", []string{"access_matrix"}},
		{"findings", "Findings", []string{"findings_by_rule", "findings_by_day"}},
		{"denied", "Denied attempts", []string{"denied_by_profile", "denied_column_access", "denied_events"}},
		{"attribution", "Attribution", []string{"unattributed_share"}},
		{"ingestion", "Ingestion completeness", []string{"ingestion_by_source", "ingestion_by_hour", "digest_coverage", "digest_missing"}},
	}
	folded := map[string]bool{"access_matrix": true, "findings_by_rule": true, "findings_by_day": true, "ingestion_by_hour": true}
	for _, ch := range chapters {
		p := part{ID: ch.id, Title: ch.title}
		for _, id := range ch.ids {
			if s := d.section(id); s != nil {
				p.Tables = append(p.Tables, htmlTableOf(s, folded[id]))
				shown[id] = true
			}
		}
		if len(p.Tables) > 0 || p.ID == "findings" {
			v.Parts = append(v.Parts, p)
		}
	}
	other := part{ID: "other", Title: "Other sections"}
	for _, s := range d.Sections {
		if !shown[s.ID] {
			other.Tables = append(other.Tables, htmlTableOf(s, false))
		}
	}
	if len(other.Tables) > 0 {
		v.Parts = append(v.Parts, other)
	}
	return v
}

// summaryCards lays the summary's numbers out as cards.
func summaryCards(s *complianceSection) []card {
	val := map[string]string{}
	n := map[string]float64{}
	for i, c := range s.Columns {
		val[c] = text(s.Rows[0][i])
		n[c] = num(s.Rows[0][i])
	}
	m := func(name string) measure {
		v := val[name]
		if v == "" {
			v = "–"
		}
		return measure{Name: name, Value: v}
	}
	sev := func(name, class string) measure {
		x := m(name)
		x.Class = "sev " + class
		return x
	}
	ingest := "ok"
	if n["gap_hours"] > 0 || n["quarantined"] > 0 || n["digest_ingested"] < n["digest_listed"] {
		ingest = "warn"
	}
	findings := "ok"
	if n["findings"] > 0 {
		findings = "warn"
	}
	return []card{
		{Label: "Successful data accesses", Value: m("accesses"), Parts: []any{"Studio profiles: ", m("profiles"), " · tables: ", m("tables")}},
		{Label: "Sensitive reads", Value: m("sensitive_reads"), Parts: []any{"readers (profiles or callers): ", m("sensitive_readers")}},
		{Label: "Findings", Value: m("findings"), Class: findings, Parts: []any{sev("findings_high", "high"), " high · ", sev("findings_medium", "medium"), " medium · ", sev("findings_low", "low"), " low"}},
		{Label: "Denied attempts", Value: m("denied_calls"), Unit: "calls", Parts: []any{"query columns refused: ", m("denied_columns")}},
		{Label: "Not attributed to a profile", Value: m("unattributed_percent"), Unit: "%", Parts: []any{m("unattributed"), " of ", m("data_accesses"), " data accesses"}},
		{Label: "Ingestion", Value: m("objects"), Unit: "objects", Class: ingest, Parts: []any{"sources: ", m("sources"), " · hours without events: ", m("gap_hours"),
			" · records quarantined: ", m("quarantined"), " · log files the digests list, ingested: ", m("digest_ingested"), " of ", m("digest_listed")}},
	}
}

// accessMatrix turns the per-table rows into profiles × tables, each cell
// expandable to the columns read.
func accessMatrix(s, cols *complianceSection) *matrix {
	m := &matrix{Note: s.Note}
	g := newAccessGrid(s)
	items := map[[2]string][]matrixItem{}
	if cols != nil {
		// studio_profile, table, column, sensitive, row_filter, engines, accesses, …
		at := map[string]int{}
		for i, c := range cols.Columns {
			at[c] = i
		}
		for _, r := range cols.Rows {
			k := [2]string{text(r[0]), text(r[1])}
			sens, _ := r[at["sensitive"]].(bool)
			items[k] = append(items[k], matrixItem{Column: htmlText(text(r[2])), Sensitive: sens, Engines: htmlText(text(r[at["engines"]])),
				Accesses: text(r[at["accesses"]]), RowFilter: htmlText(text(r[at["row_filter"]]))})
		}
	}
	for _, t := range g.tables {
		db, name := splitTable(t)
		m.Tables = append(m.Tables, matrixTable{DB: htmlText(db), Name: htmlText(name), Full: htmlText(t)})
	}
	for _, p := range g.profiles {
		row := matrixRow{Profile: shortCell(p, 32)}
		for _, t := range g.tables {
			r, ok := g.cells[[2]string{p, t}]
			if !ok {
				row.Cells = append(row.Cells, matrixCell{})
				continue
			}
			n := num(r[2])
			level := 1 + int(4*n/g.peak)
			row.Cells = append(row.Cells, matrixCell{Accesses: text(r[2]), Columns: text(r[3]), Sensitive: text(r[4]), Level: min(level, 5),
				Items: items[[2]string{p, t}], Title: htmlText(fmt.Sprintf("%s read %s (%s)", p, t, text(r[5])))})
		}
		m.Rows = append(m.Rows, row)
	}
	return m
}

// findingGroups groups the findings by rule, the most severe rules first.
func findingGroups(s *complianceSection) []ruleGroup {
	idx := map[string]int{}
	for i, c := range s.Columns {
		idx[c] = i
	}
	get := func(r []any, c string) any {
		if i, ok := idx[c]; ok {
			return r[i]
		}
		return nil
	}
	var groups []*ruleGroup
	byRule := map[string]*ruleGroup{}
	for _, r := range s.Rows {
		rule := text(get(r, "rule"))
		g := byRule[rule]
		if g == nil {
			g = &ruleGroup{Rule: htmlText(rule), Severity: text(get(r, "severity")),
				Columns: []string{"time (UTC)", "severity", "who", "resource", "detail"}}
			byRule[rule] = g
			groups = append(groups, g)
		}
		sev := text(get(r, "severity"))
		if severityRank(sev) < severityRank(g.Severity) {
			g.Severity = sev
		}
		g.Count++
		g.Rows = append(g.Rows, []htmlCell{
			cellOf("event_time", get(r, "event_time")),
			cellOf("severity", get(r, "severity")),
			whoCell(get(r, "studio_profile"), get(r, "principal_arn")),
			cellOf("resource", get(r, "resource")),
			{Text: htmlText(text(get(r, "detail"))), Class: "text"},
		})
	}
	slices.SortStableFunc(groups, func(a, b *ruleGroup) int {
		if d := severityRank(a.Severity) - severityRank(b.Severity); d != 0 {
			return d
		}
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Rule, b.Rule)
	})
	out := make([]ruleGroup, len(groups))
	for i, g := range groups {
		out[i] = *g
	}
	return out
}

// whoCell is the Studio profile, else the principal's ARN shortened (the
// whole ARN on hover and in print).
func whoCell(profile, principal any) htmlCell {
	if p := text(profile); p != "" {
		return htmlCell{Text: htmlText(p), Class: "nowrap"}
	}
	arn := htmlText(text(principal))
	c := htmlCell{Text: terminal.Compact(arn), Class: "nowrap"}
	if c.Text != arn {
		c.Full = arn
	}
	return c
}

// shortLimit is the widest a value without spaces (an ARN, an S3 path)
// is shown in a table cell, idLimit an id's; the whole value is on hover
// and in print.
const (
	shortLimit = 40
	idLimit    = 14
)

func shortCell(s string, width int) htmlCell {
	s = htmlText(s)
	c := htmlCell{Text: terminal.Shorten(s, width), Class: "nowrap"}
	if c.Text != s {
		c.Full = s
	}
	return c
}

// cellOf formats one value of a column.
func cellOf(col string, v any) htmlCell {
	switch x := v.(type) {
	case nil:
		return htmlCell{}
	case time.Time:
		// A space, not a T: in print a narrow column may wrap it there.
		return htmlCell{Text: x.UTC().Format("2006-01-02 15:04:05Z"), Class: "nowrap"}
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return htmlCell{Text: text(v), Class: "num"}
	case bool:
		if col == "sensitive" && x {
			return htmlCell{Text: "sensitive", Class: "badge sensitive"}
		}
		return htmlCell{Text: text(v)}
	}
	s := text(v)
	switch {
	case col == "severity":
		return htmlCell{Text: htmlText(s), Class: "sev " + severityClass(s)}
	case strings.ContainsAny(s, " \n\t"):
		return htmlCell{Text: htmlText(s), Class: "text"}
	case strings.HasSuffix(col, "_id"):
		return shortCell(s, idLimit)
	}
	return shortCell(s, shortLimit)
}

func severityClass(s string) string {
	switch s {
	case "high", "medium", "low":
		return s
	}
	return "other"
}

// htmlTableOf shows a section as a table; the Studio profile and the
// principal's ARN are one column, "who" (as on a terminal).
func htmlTableOf(s *complianceSection, folded bool) htmlTable {
	t := htmlTable{ID: s.ID, Title: s.Title, Note: s.Note, Folded: folded}
	profile, principal := slices.Index(s.Columns, "studio_profile"), slices.Index(s.Columns, "principal_arn")
	merge := profile >= 0 && principal >= 0
	for i, c := range s.Columns {
		switch {
		case merge && i == profile:
			t.Columns = append(t.Columns, "who")
		case merge && i == principal:
		default:
			t.Columns = append(t.Columns, c)
		}
	}
	for _, r := range s.Rows {
		var cells []htmlCell
		for i, v := range r {
			switch {
			case merge && i == profile:
				cells = append(cells, whoCell(r[profile], r[principal]))
			case merge && i == principal:
			default:
				cells = append(cells, cellOf(s.Columns[i], v))
			}
		}
		t.Rows = append(t.Rows, cells)
	}
	return t
}

var complianceHTML = template.Must(template.New("compliance").Funcs(template.FuncMap{
	"isMeasure": func(x any) bool { _, ok := x.(measure); return ok },
}).Parse(complianceTemplate))

const complianceTemplate = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Compliance report</title>
<style>
:root { --ink: #1c2430; --muted: #5a6472; --line: #d9dee5; --soft: #f4f6f9;
  --high: #b71c1c; --medium: #e65100; --low: #a07800; --heat: #1565c0; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "Liberation Sans", "DejaVu Sans", sans-serif; color: var(--ink);
  margin: 0 auto; padding: 24px 32px 48px; max-width: 1200px; }
header h1 { font-size: 24px; margin: 0 0 4px; }
.meta { color: var(--muted); margin: 0; }
h2 { font-size: 18px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); break-after: avoid; }
h3 { font-size: 15px; margin: 20px 0 6px; break-after: avoid; }
.note { color: var(--muted); margin: 4px 0 10px; max-width: 90ch; }
.none { color: var(--muted); font-style: italic; }
.cards { display: grid; grid-template-columns: repeat(3, 1fr); gap: 12px; margin: 16px 0; }
.card { border: 1px solid var(--line); border-left: 5px solid var(--heat); border-radius: 6px; padding: 10px 14px; background: #fff; break-inside: avoid; }
.card.warn { border-left-color: var(--medium); } .card.ok { border-left-color: #2e7d32; }
.card dt { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card dd { margin: 2px 0 0; font-size: 28px; font-weight: 650; }
.card .unit { font-size: 14px; font-weight: 400; color: var(--muted); margin-left: 4px; }
.card p { margin: 2px 0 0; color: var(--muted); font-size: 13px; }
.charts { display: grid; grid-template-columns: repeat(2, 1fr); gap: 14px; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; break-inside: avoid; }
figcaption { font-weight: 600; margin-bottom: 6px; }
svg.chart { width: 100%; height: auto; display: block; font-size: 11px; }
svg.chart line { stroke: #9aa3ae; stroke-width: 1; }
svg.chart .axis { fill: #4a5361; }
svg.chart .cell { fill: var(--ink); font-weight: 600; } svg.chart .cell.light { fill: #fff; }
.legend { margin: 6px 0 0; padding: 0; list-style: none; display: flex; flex-wrap: wrap; gap: 12px; color: var(--muted); font-size: 12px; }
.legend .swatch { vertical-align: -1px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 14px; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top;
  overflow-wrap: normal; word-break: normal; hyphens: none; }
th { background: var(--soft); font-weight: 600; white-space: nowrap; }
tr { break-inside: avoid; }
.scroll { overflow-x: auto; }
td.nowrap, td .nowrap { white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.text { min-width: 24ch; }
.sev { font-weight: 650; text-transform: uppercase; font-size: 11px; letter-spacing: .03em; white-space: nowrap; }
.sev.high { color: var(--high); } .sev.medium { color: var(--medium); } .sev.low { color: var(--low); }
.badge { display: inline-block; border-radius: 3px; padding: 0 5px; font-size: 11px; font-weight: 600; }
.sensitive { background: #fde7e7; color: var(--high); }
table.matrix { width: auto; min-width: 60%; }
table.matrix td.m { text-align: center; min-width: 12ch; }
table.matrix th.t { text-align: center; white-space: normal; }
table.matrix .db { display: block; font-weight: 400; color: var(--muted); font-size: 11px; }
.h1 { background: #e3eefb; } .h2 { background: #bcd6f5; } .h3 { background: #8fbaee; } .h4 { background: #5c98e0; color: #fff; } .h5 { background: #1565c0; color: #fff; }
table.matrix details summary { cursor: pointer; font-weight: 650; }
table.matrix details ul { text-align: left; margin: 4px 0; padding-left: 18px; font-weight: 400; color: var(--ink); background: #fff; border-radius: 4px; }
.group { border: 1px solid var(--line); border-radius: 6px; padding: 4px 12px 2px; margin: 10px 0; break-inside: avoid; }
.group h3 { margin: 8px 0 4px; }
.group table { margin: 4px 0 8px; }
.full { display: none; }
details.fold > summary { cursor: pointer; color: var(--heat); margin: 10px 0; }
@page { size: A4; margin: 14mm 12mm 16mm; }
@media print {
  body { padding: 0; max-width: none; font-size: 10px; }
  table { font-size: 10px; }
  * { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  .cards { grid-template-columns: repeat(3, 1fr); }
  .short { display: none; } .full { display: inline; overflow-wrap: anywhere; }
  .scroll { overflow: visible; }
  details.fold::details-content { content-visibility: visible; }
  details.fold > summary { color: var(--ink); font-weight: 600; }
  td.nowrap, td .nowrap { white-space: normal; }
  .full { overflow-wrap: anywhere; }
}
</style>
</head>
<body>
<header>
<h1>Compliance report</h1>
<p class="meta">Window: {{.Window}}.</p>
<p class="meta">Lake snapshot: {{.Snapshot}} (reproduce with --as-of).</p>
</header>
<section id="summary">
<h2>Summary</h2>
{{if .Cards}}<dl class="cards">
{{range .Cards}}<div class="card {{.Class}}"><dt>{{.Label}}</dt><dd><span data-measure="{{.Value.Name}}">{{.Value.Value}}</span>{{if .Unit}}<span class="unit">{{.Unit}}</span>{{end}}</dd>
<p>{{range .Parts}}{{if isMeasure .}}<span data-measure="{{.Name}}"{{if .Class}} class="{{.Class}}"{{end}}>{{.Value}}</span>{{else}}{{.}}{{end}}{{end}}</p></div>
{{end}}</dl>
{{if .SummaryNote}}<p class="note">{{.SummaryNote}}</p>{{end}}
{{end}}{{if .Charts}}<div class="charts">
{{range .Charts}}{{template "chart" .}}{{end}}</div>
{{end}}</section>
{{with .Matrix}}<section id="matrix">
<h2>Access matrix</h2>
<p class="note">{{.Note}} Open a cell for its columns.</p>
{{if .Rows}}<table class="matrix">
<tr><th>Studio profile</th>{{range .Tables}}<th class="t" title="{{.Full}}"><span class="db">{{.DB}}</span>{{.Name}}</th>{{end}}</tr>
{{range .Rows}}<tr><th{{if .Profile.Full}} title="{{.Profile.Full}}"{{end}}>{{template "cell" .Profile}}</th>{{range .Cells}}<td class="m{{if .Level}} h{{.Level}}{{end}}">{{if .Accesses}}<details><summary title="{{.Title}}">{{.Accesses}}{{if and .Sensitive (ne .Sensitive "0")}} <span class="badge sensitive">{{.Sensitive}} sensitive</span>{{end}}</summary>
<ul>{{range .Items}}<li>{{.Column}}: {{.Accesses}} ({{.Engines}}){{if .Sensitive}} <span class="badge sensitive">sensitive</span>{{end}}{{if .RowFilter}} <span class="rows">rows: {{.RowFilter}}</span>{{end}}</li>{{end}}</ul></details>{{end}}</td>{{end}}</tr>
{{end}}</table>
{{else}}<p class="none">No data was read in the window.</p>
{{end}}</section>
{{end}}{{range .Parts}}{{if eq .ID "findings"}}<section id="findings">
<h2>Findings</h2>
{{if $.FindingsNote}}<p class="note">{{$.FindingsNote}}</p>{{end}}
{{if $.Rules}}{{range $.Rules}}<div class="group"><h3><span class="sev {{.Severity}}">{{.Severity}}</span> {{.Rule}} <span class="note">· {{.Count}} finding{{if ne .Count 1}}s{{end}}</span></h3>
<div class="scroll"><table><tr>{{range .Columns}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td{{if .Class}} class="{{.Class}}"{{end}}>{{template "cell" .}}</td>{{end}}</tr>
{{end}}</table></div></div>
{{end}}{{else}}<p class="none">No findings in the window.</p>
{{end}}{{range .Tables}}{{template "table" .}}{{end}}</section>
{{else}}<section id="{{.ID}}">
{{if ne .ID "access"}}<h2>{{.Title}}</h2>
{{end}}{{range .Tables}}{{template "table" .}}{{end}}</section>
{{end}}{{end}}</body>
</html>
{{define "cell"}}{{if .Full}}<span class="short" title="{{.Full}}">{{.Text}}</span><span class="full">{{.Full}}</span>{{else}}{{.Text}}{{end}}{{end}}
{{define "table"}}{{if .Folded}}<details class="fold" id="{{.ID}}"><summary>{{.Title}}</summary>
{{else}}<h3 id="{{.ID}}">{{.Title}}</h3>
{{end}}{{if .Note}}<p class="note">{{.Note}}</p>
{{end}}{{if .Rows}}<div class="scroll"><table>
<tr>{{range .Columns}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td{{if .Class}} class="{{.Class}}"{{end}}>{{template "cell" .}}</td>{{end}}</tr>
{{end}}</table></div>
{{else}}<p class="none">None.</p>
{{end}}{{if .Folded}}</details>
{{end}}{{end}}
{{define "chart"}}<figure id="{{.ID}}"><figcaption>{{.Title}}</figcaption>
<svg class="chart" viewBox="0 0 {{.W}} {{.H}}" role="img" aria-label="{{.Title}}">
{{range .Lines}}<line x1="{{.X1}}" y1="{{.Y1}}" x2="{{.X2}}" y2="{{.Y2}}"/>{{end}}
{{range .Marks}}<rect class="mark" x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}" fill="{{.Fill}}"{{if .Opacity}} fill-opacity="{{.Opacity}}"{{end}}><title>{{.Title}}</title></rect>
{{end}}{{range .Texts}}<text x="{{.X}}" y="{{.Y}}" text-anchor="{{.Anchor}}" class="{{.Class}}"{{if .Rotate}} transform="rotate({{.Rotate}} {{.X}} {{.Y}})"{{end}}>{{if .Full}}<title>{{.Full}}</title>{{end}}{{.Text}}</text>
{{end}}</svg>
{{if .Legend}}<ul class="legend">{{range .Legend}}<li>{{if .Fill}}<svg class="swatch" viewBox="0 0 10 10" width="10" height="10"><rect width="10" height="10" rx="2" fill="{{.Fill}}"/></svg> {{end}}{{.Text}}</li>{{end}}</ul>{{end}}
</figure>
{{end}}`

package report

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/auditlake/auditlake/pipeline/terminal"
)

// The compliance report's charts are inline SVG drawn from the numbers of
// its sections: no script, no external resource, every label escaped by
// html/template like the rest of the page. A chart is a small scene (bars
// are rectangles of class "mark", each with a <title> giving its numbers),
// laid out here and written by the "chart" template.

// chart is one SVG drawing.
type chart struct {
	ID, Title string
	W, H      float64
	Marks     []mark
	Texts     []label
	Lines     []rule
	Legend    []legendItem
}

// mark is a rectangle that stands for a number.
type mark struct {
	X, Y, W, H float64
	Fill       string
	Opacity    float64 // 0: opaque
	Title      string  // what it stands for, shown on hover
}

// label is a text; Full, when set, is the whole value of a shortened one.
type label struct {
	X, Y       float64
	Anchor     string // start, middle, end
	Class      string
	Rotate     float64
	Text, Full string
}

// rule is a line (an axis).
type rule struct{ X1, Y1, X2, Y2 float64 }

// legendItem names a colour.
type legendItem struct{ Fill, Text string }

// Colours.
const (
	colorHigh     = "#b71c1c"
	colorMedium   = "#e65100"
	colorLow      = "#f9a825"
	colorOther    = "#607d8b"
	colorHeat     = "#1565c0"
	colorEvents   = "#2e7d32"
	colorGap      = "#c62828"
	colorDenied   = "#ad1457"
	colorRefused  = "#f06292"
	chartWidth    = 560.0
	chartFontSize = 11.0
)

func severityColor(s string) string {
	switch s {
	case "high":
		return colorHigh
	case "medium":
		return colorMedium
	case "low":
		return colorLow
	}
	return colorOther
}

// r1 rounds to a tenth (shorter SVG, same drawing).
func r1(x float64) float64 { return math.Round(x*10) / 10 }

// rect adds a mark; its title may hold log values (escaped here for
// control characters, by html/template for markup).
func (c *chart) rect(x, y, w, h float64, fill string, opacity float64, title string) {
	c.Marks = append(c.Marks, mark{r1(x), r1(y), r1(w), r1(h), fill, math.Round(opacity*100) / 100, htmlText(title)})
}

// text adds a label of at most width characters (the whole value in its
// title when shortened).
func (c *chart) text(x, y float64, anchor, class, s string, width int) {
	s = htmlText(s)
	short := terminal.Shorten(s, width)
	full := ""
	if short != s {
		full = s
	}
	c.Texts = append(c.Texts, label{X: r1(x), Y: r1(y), Anchor: anchor, Class: class, Text: short, Full: full})
}

func (c *chart) line(x1, y1, x2, y2 float64) {
	c.Lines = append(c.Lines, rule{r1(x1), r1(y1), r1(x2), r1(y2)})
}

func num(v any) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case int32:
		return float64(x)
	case int:
		return float64(x)
	case float64:
		return x
	case uint64:
		return float64(x)
	}
	f, _ := strconv.ParseFloat(text(v), 64)
	return f
}

func howMany(n float64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.FormatFloat(n, 'f', -1, 64) + " " + many
}

// findingsPerDay stacks the findings of each day by severity: every day
// of the window when it is at most 62 days, else the days with findings.
func findingsPerDay(s *complianceSection, since, until time.Time) *chart {
	if s == nil || len(s.Rows) == 0 {
		return nil
	}
	type day struct {
		bySeverity map[string]float64
		total      float64
	}
	days := map[string]*day{}
	var names []string
	severities := map[string]bool{}
	for _, r := range s.Rows {
		d, sev, n := text(r[0]), text(r[1]), num(r[2])
		if days[d] == nil {
			days[d] = &day{bySeverity: map[string]float64{}}
			names = append(names, d)
		}
		days[d].bySeverity[sev] += n
		days[d].total += n
		severities[sev] = true
	}
	if !since.IsZero() && !until.IsZero() && until.Sub(since) <= 62*24*time.Hour {
		names = names[:0]
		for t := since.UTC().Truncate(24 * time.Hour); t.Before(until); t = t.AddDate(0, 0, 1) {
			d := t.Format("2006-01-02")
			names = append(names, d)
			if days[d] == nil {
				days[d] = &day{bySeverity: map[string]float64{}}
			}
		}
	}
	sort.Strings(names)
	peak := 0.0
	for _, d := range days {
		peak = max(peak, d.total)
	}
	c := &chart{ID: "chart-findings-per-day", Title: "Findings per day, by severity", W: chartWidth, H: 220}
	left, top, bottom := 40.0, 28.0, 190.0
	plotW := c.W - left - 10
	slot := plotW / float64(len(names))
	barW := max(math.Min(slot*0.7, 48), 1)
	c.line(left, bottom, c.W-10, bottom)
	c.line(left, top, left, bottom)
	c.text(left-4, top+4, "end", "axis", strconv.FormatFloat(peak, 'f', -1, 64), 8)
	c.text(left-4, bottom, "end", "axis", "0", 8)
	every := int(math.Ceil(float64(len(names)) * 70 / plotW)) // a label every ~70 px
	for i, name := range names {
		x := left + slot*float64(i) + (slot-barW)/2
		y := bottom
		for _, sev := range []string{"high", "medium", "low", "other"} {
			n := 0.0
			for k, v := range days[name].bySeverity {
				if k == sev || sev == "other" && k != "high" && k != "medium" && k != "low" {
					n += v
				}
			}
			if n == 0 {
				continue
			}
			h := (bottom - top) * n / peak
			y -= h
			c.rect(x, y, barW, h, severityColor(sev), 0, fmt.Sprintf("%s: %s", name, howMany(n, sev+" finding", sev+" findings")))
		}
		if i%every == 0 {
			c.text(x+barW/2, bottom+14, "middle", "axis", name, 10)
		}
	}
	for _, sev := range []string{"high", "medium", "low"} {
		if severities[sev] {
			c.Legend = append(c.Legend, legendItem{severityColor(sev), sev})
		}
	}
	return c
}

// accessHeatMap draws the access matrix: a cell per profile and table,
// darker for more successful accesses, with the count written in it.
func accessHeatMap(s *complianceSection) *chart {
	if s == nil || len(s.Rows) == 0 {
		return nil
	}
	g := newAccessGrid(s)
	profiles, tables, peak := g.profiles, g.tables, g.peak
	left, top := 150.0, 100.0
	cellW := math.Min((chartWidth-left-10)/float64(len(tables)), 90)
	cellH := 24.0
	c := &chart{ID: "chart-access-heat-map", Title: "Access matrix: successful accesses per profile and table", W: chartWidth,
		H: top + cellH*float64(len(profiles)) + 10}
	for j, t := range tables {
		x := left + cellW*float64(j) + cellW/2
		c.Texts = append(c.Texts, label{X: r1(x), Y: r1(top - 6), Anchor: "start", Class: "axis", Rotate: -35,
			Text: terminal.Shorten(htmlText(tableName(t)), 20), Full: htmlText(t)})
	}
	for i, p := range profiles {
		y := top + cellH*float64(i)
		c.text(left-6, y+cellH/2+4, "end", "axis", p, 24)
		for j, t := range tables {
			r, ok := g.cells[[2]string{p, t}]
			if !ok {
				continue
			}
			n, k := num(r[2]), num(r[4])
			x := left + cellW*float64(j)
			title := fmt.Sprintf("%s read %s: %s", p, t, howMany(n, "access", "accesses"))
			if k > 0 {
				title += fmt.Sprintf(", %s", howMany(k, "sensitive column", "sensitive columns"))
			}
			c.rect(x+1, y+1, cellW-2, cellH-2, colorHeat, 0.15+0.85*n/peak, title)
			cls := "cell"
			if n/peak > 0.55 {
				cls = "cell light"
			}
			word := strconv.FormatFloat(n, 'f', -1, 64)
			if k > 0 {
				word += " ⚠"
			}
			c.Texts = append(c.Texts, label{X: r1(x + cellW/2), Y: r1(y + cellH/2 + 4), Anchor: "middle", Class: cls, Text: word})
		}
	}
	c.Legend = []legendItem{{colorHeat, "more accesses: darker"}, {"", "⚠ sensitive columns read"}}
	return c
}

// accessGrid is the access-by-table rows (studio profile, table,
// accesses, columns, sensitive columns, …) as profiles × tables: the
// profiles in row order, the tables sorted, each cell's row and the
// largest number of accesses. The heat map and the matrix draw it.
type accessGrid struct {
	profiles, tables []string
	cells            map[[2]string][]any
	peak             float64
}

func newAccessGrid(s *complianceSection) accessGrid {
	g := accessGrid{cells: map[[2]string][]any{}}
	seen := map[string]bool{}
	for _, r := range s.Rows {
		p, t := text(r[0]), text(r[1])
		if !seen["p\x00"+p] {
			seen["p\x00"+p] = true
			g.profiles = append(g.profiles, p)
		}
		if !seen["t\x00"+t] {
			seen["t\x00"+t] = true
			g.tables = append(g.tables, t)
		}
		g.cells[[2]string{p, t}] = r
		g.peak = max(g.peak, num(r[2]))
	}
	sort.Strings(g.tables)
	return g
}

// splitTable splits "db.table" at its last dot.
func splitTable(t string) (db, name string) {
	if i := strings.LastIndexByte(t, '.'); i >= 0 {
		return t[:i], t[i+1:]
	}
	return "", t
}

// tableName is the table of "db.table".
func tableName(t string) string {
	_, name := splitTable(t)
	return name
}

// ingestionOverTime draws, per source, each hour between the first and
// the last of the report: green when events arrived, red for a gap.
func ingestionOverTime(s *complianceSection) *chart {
	if s == nil || len(s.Rows) == 0 {
		return nil
	}
	var sources []string
	seen := map[string]bool{}
	var first, last time.Time
	for _, r := range s.Rows {
		src := text(r[0])
		if !seen[src] {
			seen[src] = true
			sources = append(sources, src)
		}
		h, _ := r[1].(time.Time)
		if first.IsZero() || h.Before(first) {
			first = h
		}
		if h.After(last) {
			last = h
		}
	}
	hours := last.Sub(first).Hours() + 1
	left, top, rowH := 150.0, 10.0, 22.0
	plotW := chartWidth - left - 10
	slot := plotW / hours
	c := &chart{ID: "chart-ingestion", Title: "Ingestion per source and hour (gaps in red)", W: chartWidth,
		H: top + rowH*float64(len(sources)) + 30}
	row := map[string]int{}
	for i, src := range sources {
		row[src] = i
		c.text(left-6, top+rowH*float64(i)+rowH/2+4, "end", "axis", src, 24)
	}
	for _, r := range s.Rows {
		src := text(r[0])
		h, _ := r[1].(time.Time)
		objects, events := num(r[2]), num(r[3])
		gap, _ := r[4].(bool)
		x := left + slot*h.Sub(first).Hours()
		y := top + rowH*float64(row[src]) + 3
		at := h.UTC().Format("2006-01-02 15:00Z")
		if gap {
			c.rect(x, y, max(slot-1, 0.5), rowH-6, colorGap, 0, fmt.Sprintf("%s %s: no events (a gap)", src, at))
		} else {
			c.rect(x, y, max(slot-1, 0.5), rowH-6, colorEvents, 0, fmt.Sprintf("%s %s: %s in %s", src, at, howMany(events, "event", "events"), howMany(objects, "object", "objects")))
		}
	}
	bottom := top + rowH*float64(len(sources)) + 2
	c.line(left, bottom, chartWidth-10, bottom)
	c.text(left, bottom+14, "start", "axis", first.UTC().Format("2006-01-02 15:00Z"), 20)
	c.text(chartWidth-10, bottom+14, "end", "axis", last.Add(time.Hour).UTC().Format("2006-01-02 15:00Z"), 20)
	c.Legend = []legendItem{{colorEvents, "events arrived"}, {colorGap, "gap: no events"}}
	return c
}

// deniedPerProfile draws a bar per profile (or caller): refused calls,
// then refused query columns.
func deniedPerProfile(s *complianceSection) *chart {
	if s == nil || len(s.Rows) == 0 {
		return nil
	}
	peak := 0.0
	for _, r := range s.Rows {
		peak = max(peak, num(r[1])+num(r[2]))
	}
	left, top, rowH := 190.0, 6.0, 22.0
	plotW := chartWidth - left - 40
	c := &chart{ID: "chart-denied", Title: "Denied attempts per profile", W: chartWidth, H: top + rowH*float64(len(s.Rows)) + 8}
	for i, r := range s.Rows {
		who, calls, cols := text(r[0]), num(r[1]), num(r[2])
		y := top + rowH*float64(i)
		c.text(left-6, y+rowH/2+4, "end", "axis", terminal.Compact(who), 27)
		x := left
		if calls > 0 {
			w := plotW * calls / peak
			c.rect(x, y+3, w, rowH-6, colorDenied, 0, fmt.Sprintf("%s: %s", who, howMany(calls, "call refused", "calls refused")))
			x += w
		}
		if cols > 0 {
			w := plotW * cols / peak
			c.rect(x, y+3, w, rowH-6, colorRefused, 0, fmt.Sprintf("%s: %s", who, howMany(cols, "query column refused", "query columns refused")))
			x += w
		}
		c.text(x+4, y+rowH/2+4, "start", "axis", strconv.FormatFloat(calls+cols, 'f', -1, 64), 8)
	}
	c.line(left, top, left, top+rowH*float64(len(s.Rows)))
	c.Legend = []legendItem{{colorDenied, "calls refused"}, {colorRefused, "query columns refused"}}
	return c
}

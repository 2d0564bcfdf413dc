package report

import (
	"bufio"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/auditlake/auditlake/pipeline/terminal"
)

// Display is how a table is shown to a person. The zero Display prints
// every column and every value in full: what pipes, files and --wide get.
type Display struct {
	// Width is the terminal's width in columns. When set, a table fits
	// it: the Layout's columns only, grouped, long values shortened
	// (ARNs in the middle to role/session, details at the end with an
	// ellipsis), and a last line says what was left out.
	Width int
	// Color colours the header, severities and outcomes (a terminal
	// without NO_COLOR).
	Color bool
	Layout
}

// Layout is what a command shows first on a terminal.
type Layout struct {
	// Group names columns whose values head a group of rows, printed once
	// above it instead of on every row (groups by severity when one of
	// them is "severity", else in order of first appearance).
	Group []string
	// Brief names the other columns shown, in this order (nil: all). It
	// may name "who": the studio_profile, or when there is none the
	// principal_arn shortened to role/session or user/NAME.
	Brief []string
}

// who is the column Layout.Brief may name: the person, else the principal.
const who = "who"

// The layouts of the commands on a terminal: the columns an investigator
// needs first; --wide, pipes and files get every column.
var (
	// WhoLayout groups `who` by column: when, who, how, with what result.
	WhoLayout = Layout{Group: []string{"database_name", "table_name", "column_name"},
		Brief: []string{"event_time", who, "engine", "outcome", "query_id"}}
	// FindingsLayout groups findings by severity and rule.
	FindingsLayout = Layout{Group: []string{"severity", "rule"},
		Brief: []string{"event_time", who, "resource", "detail"}}
	// ProfileLayout is `profile NAME`.
	ProfileLayout = Layout{Brief: []string{"event_time", "event_name", "outcome", "resource", "via"}}
	// TraceLayout is `trace ID`.
	TraceLayout = Layout{Brief: []string{"step", "event_time", who, "what", "detail"}}
)

// Write prints rows in a format, laid out for d.
func (d Display) Write(w io.Writer, format string, rows *Rows) error {
	out, err := d.NewWriter(w, format, rows.Columns)
	if err != nil {
		return err
	}
	for _, r := range rows.Values {
		if err := out.Row(r); err != nil {
			return err
		}
	}
	return out.Flush()
}

// fixed says whether a column is never shortened: times, identifiers and
// short codes are useless cut.
func fixed(col string) bool {
	switch col {
	case "severity", "outcome", "certainty", "engine", "step", "via", "rule", "hour", "day", "event_name":
		return true
	}
	return strings.HasSuffix(col, "_time") || strings.HasSuffix(col, "_at") || strings.HasSuffix(col, "_id") ||
		strings.HasSuffix(col, "_ids") || strings.HasSuffix(col, "_start") || strings.HasSuffix(col, "_end")
}

// minWidth is the narrowest a shortened column gets.
const minWidth = 8

// screen renders a table fitted to a terminal (Display.Width > 0).
type screen struct {
	d       Display
	cols    []string
	rows    [][]string
	numeric []bool // every value of the column so far is a number
	// profile and principal are the columns "who" is made of (-1: the
	// table has no "who").
	profile, principal int
}

func newScreen(d Display, cols []string) *screen {
	s := &screen{d: d, cols: cols, profile: slices.Index(cols, "studio_profile"), principal: slices.Index(cols, "principal_arn")}
	if s.profile < 0 || s.principal < 0 || !slices.Contains(d.Brief, who) {
		s.profile, s.principal = -1, -1
	} else {
		s.cols = append(slices.Clip(cols), who)
	}
	s.numeric = make([]bool, len(s.cols))
	for i := range s.numeric {
		s.numeric[i] = true
	}
	return s
}

func (s *screen) add(vals []any) {
	cells := make([]string, len(s.cols))
	if s.profile >= 0 {
		w := text(vals[s.profile])
		if w == "" {
			w = terminal.Compact(text(vals[s.principal]))
		}
		cells[len(cells)-1] = terminal.Escape(w)
		s.numeric[len(cells)-1] = false
	}
	for i, v := range vals {
		cells[i] = terminal.Escape(text(v))
		switch v.(type) {
		case nil, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		default:
			s.numeric[i] = false
		}
	}
	s.rows = append(s.rows, cells)
}

func (s *screen) flush(w io.Writer) error {
	d := s.d
	index := map[string]int{}
	for i, c := range s.cols {
		index[c] = i
	}
	var group, shown []int
	for _, c := range d.Group {
		if i, ok := index[c]; ok {
			group = append(group, i)
		}
	}
	if d.Brief == nil {
		for i := range s.cols {
			if !slices.Contains(group, i) {
				shown = append(shown, i)
			}
		}
	} else {
		for _, c := range d.Brief {
			if i, ok := index[c]; ok {
				shown = append(shown, i)
			}
		}
	}
	var hidden []string
	for i, c := range s.cols {
		if s.profile >= 0 && (i == s.profile || i == s.principal) && slices.Contains(shown, len(s.cols)-1) {
			continue // shown as "who"
		}
		if !slices.Contains(group, i) && !slices.Contains(shown, i) {
			hidden = append(hidden, c)
		}
	}
	indent := 0
	if len(group) > 0 {
		indent = 2
	}

	// Natural widths, then shorten the widest shortenable column until
	// the row fits; columns that still do not fit are left out from the
	// end.
	width := make([]int, len(s.cols))
	for _, i := range shown {
		width[i] = terminal.StringWidth(s.cols[i])
		for _, r := range s.rows {
			width[i] = max(width[i], terminal.StringWidth(r[i]))
		}
	}
	total := func() int {
		n := indent + 2*(len(shown)-1)
		for _, i := range shown {
			n += width[i]
		}
		return n
	}
	floor := func(i int) int {
		if fixed(s.cols[i]) || s.numeric[i] {
			return width[i]
		}
		return min(width[i], minWidth)
	}
	// Who did it stays whole longest, then the detail (a sentence): they
	// keep three and two times the room of other text.
	weight := func(i int) int {
		switch s.cols[i] {
		case who, "studio_profile":
			return 2 * width[i]
		case "detail":
			return 3 * width[i]
		}
		return 6 * width[i]
	}
	for total() > d.Width {
		widest := -1 // the widest column that may still shrink
		for _, i := range shown {
			if width[i] > floor(i) && (widest < 0 || weight(i) > weight(widest)) {
				widest = i
			}
		}
		if widest < 0 {
			break
		}
		width[widest]--
	}
	for len(shown) > 1 && total() > d.Width {
		hidden = append(hidden, s.cols[shown[len(shown)-1]])
		shown = shown[:len(shown)-1]
	}

	bw := bufio.NewWriterSize(w, 64<<10)
	shortened := false
	line := func(cells []string, header bool) {
		bw.WriteString(strings.Repeat(" ", indent))
		for k, i := range shown {
			c := terminal.Shorten(cells[i], width[i])
			if c != cells[i] {
				shortened = shortened || !header
				if header {
					c = terminal.End(cells[i], width[i])
				}
			}
			pad := width[i] - terminal.StringWidth(c)
			switch {
			case header:
				c = terminal.Paint(c, terminal.Bold, d.Color)
			case s.numeric[i]:
				c, pad = strings.Repeat(" ", pad)+c, 0
			default:
				c = terminal.Paint(c, valueStyle(s.cols[i], cells[i]), d.Color)
			}
			bw.WriteString(c)
			if k < len(shown)-1 {
				bw.WriteString(strings.Repeat(" ", pad+2))
			}
		}
		bw.WriteByte('\n')
	}
	line(s.cols, true)
	if len(group) == 0 {
		for _, r := range s.rows {
			line(r, false)
		}
	} else {
		groups, order := map[string][][]string{}, []string{}
		for _, r := range s.rows {
			k := groupKey(r, group)
			if _, ok := groups[k]; !ok {
				order = append(order, k)
			}
			groups[k] = append(groups[k], r)
		}
		if i, ok := index["severity"]; ok && slices.Contains(group, i) {
			slices.SortStableFunc(order, func(a, b string) int {
				return severityRank(groups[a][0][i]) - severityRank(groups[b][0][i])
			})
		}
		for _, k := range order {
			rs := groups[k]
			var parts []string
			for _, i := range group {
				v := rs[0][i]
				if v == "" {
					v = "–"
				}
				parts = append(parts, v)
			}
			head := terminal.End(strings.Join(parts, " · "), d.Width-6-len(strconv.Itoa(len(rs))))
			bw.WriteString(terminal.Paint(head, groupStyle(s.cols, group, rs[0]), d.Color))
			bw.WriteString(terminal.Paint(" ("+strconv.Itoa(len(rs))+")", terminal.Dim, d.Color))
			bw.WriteByte('\n')
			for _, r := range rs {
				line(r, false)
			}
		}
	}
	if len(hidden) > 0 || shortened {
		note := []string{"--wide prints everything"}
		if len(hidden) > 0 {
			note = append(note, "not shown: "+strings.Join(hidden, ", "))
		}
		if shortened {
			note = append(note, "… marks a shortened value")
		}
		bw.WriteString(terminal.Paint(terminal.End("("+strings.Join(note, "; ")+")", d.Width), terminal.Dim, d.Color))
		bw.WriteByte('\n')
	}
	s.rows = nil
	return bw.Flush()
}

func groupKey(r []string, group []int) string {
	var b strings.Builder
	for _, i := range group {
		b.WriteString(r[i])
		b.WriteByte(0)
	}
	return b.String()
}

func severityRank(s string) int {
	switch s {
	case "high":
		return 0
	case "medium":
		return 1
	case "low":
		return 2
	}
	return 3
}

// valueStyle colours severities and refused outcomes.
func valueStyle(col, v string) terminal.Style {
	switch col {
	case "severity":
		switch v {
		case "high":
			return terminal.Red
		case "medium":
			return terminal.Yellow
		case "low":
			return terminal.Cyan
		}
	case "outcome":
		switch v {
		case "denied":
			return terminal.Red
		case "error":
			return terminal.Yellow
		}
	}
	return ""
}

// groupStyle colours a group's heading by its severity, if it has one.
func groupStyle(cols []string, group []int, r []string) terminal.Style {
	for _, i := range group {
		if st := valueStyle(cols[i], r[i]); st != "" {
			return st
		}
	}
	return terminal.Bold
}

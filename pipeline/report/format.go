package report

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/auditlake/auditlake/pipeline/terminal"
)

// Formats lists the output formats.
var Formats = []string{"table", "csv", "json", "md"}

// Write prints rows in a format (see NewWriter), every value in full.
func Write(w io.Writer, format string, rows *Rows) error {
	return Display{}.Write(w, format, rows)
}

// RowWriter prints rows one at a time in a format, so that an answer of
// millions of rows streams (a table still holds its cells to align them).
// Every value is log content and so attacker-controlled: control
// characters are escaped in tables and Markdown, CSV cells that a
// spreadsheet would run as a formula are prefixed with a quote, JSON is
// encoded by encoding/json.
type RowWriter struct {
	cols  []string
	row   func([]any) error
	flush func() error
}

// Row prints one row.
func (w *RowWriter) Row(vals []any) error { return w.row(vals) }

// Flush ends the output.
func (w *RowWriter) Flush() error { return w.flush() }

// NewWriter starts printing rows with the given columns in a format,
// every value in full.
func NewWriter(w io.Writer, format string, cols []string) (*RowWriter, error) {
	return Display{}.NewWriter(w, format, cols)
}

// NewWriter starts printing rows with the given columns in a format; a
// table is laid out for d (the other formats are for programs: always
// every column in full).
func (d Display) NewWriter(w io.Writer, format string, cols []string) (*RowWriter, error) {
	out := &RowWriter{cols: cols}
	switch format {
	case "table", "":
		if d.Width > 0 {
			s := newScreen(d, cols)
			out.row = func(r []any) error { s.add(r); return nil }
			out.flush = func() error { return s.flush(w) }
			break
		}
		// Columns aligned as text/tabwriter would (cells padded to the
		// widest in runes plus two spaces, the last cell not padded), with
		// the widths counted once at the end: a table waits for its last row.
		t := &table{w: w, rows: [][]string{cols}, cols: cols, color: d.Color}
		out.row = func(r []any) error {
			cells := make([]string, len(r))
			for i, v := range r {
				cells[i] = terminal.Escape(text(v))
			}
			t.rows = append(t.rows, cells)
			return nil
		}
		out.flush = t.flush
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write(cols)
		out.row = func(r []any) error {
			cells := make([]string, len(r))
			for i, v := range r {
				cells[i] = csvSafe(terminal.Escape(text(v)))
			}
			return cw.Write(cells)
		}
		out.flush = func() error {
			cw.Flush()
			return cw.Error()
		}
	case "json":
		bw := bufio.NewWriter(w)
		enc := json.NewEncoder(bw)
		out.row = func(r []any) error {
			obj := make(map[string]any, len(r))
			for i, v := range r {
				obj[cols[i]] = jsonValue(v)
			}
			return enc.Encode(orderedObject{cols, obj})
		}
		out.flush = bw.Flush
	case "md":
		bw := bufio.NewWriter(w)
		fmt.Fprintf(bw, "| %s |\n|%s\n", strings.Join(cols, " | "), strings.Repeat("---|", len(cols)))
		out.row = func(r []any) error {
			cells := make([]string, len(r))
			for i, v := range r {
				cells[i] = markdown(text(v))
			}
			_, err := fmt.Fprintf(bw, "| %s |\n", strings.Join(cells, " | "))
			return err
		}
		out.flush = bw.Flush
	default:
		return nil, fmt.Errorf("unknown format %q: want one of %s", format, strings.Join(Formats, ", "))
	}
	return out, nil
}

// table holds a table's cells until they can be aligned.
type table struct {
	w     io.Writer
	rows  [][]string
	cols  []string
	color bool // bold header, coloured severities and outcomes
}

func (t *table) flush() error {
	var widths []int
	for _, r := range t.rows {
		for i, c := range r {
			if i == len(r)-1 {
				break
			}
			for len(widths) <= i {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], terminal.StringWidth(c)) // display columns: wide and combining characters too
		}
	}
	bw := bufio.NewWriterSize(t.w, 64<<10)
	for n, r := range t.rows {
		for i, c := range r {
			st := valueStyle(t.cols[i], c)
			if n == 0 {
				st = terminal.Bold
			}
			bw.WriteString(terminal.Paint(c, st, t.color))
			if i < len(r)-1 {
				for n := widths[i] - terminal.StringWidth(c) + 2; n > 0; n-- {
					bw.WriteByte(' ')
				}
			}
		}
		bw.WriteByte('\n')
	}
	t.rows = nil
	return bw.Flush()
}

func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}

func jsonValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case []byte:
		return string(x)
	}
	return v
}

// htmlText escapes control characters but newlines and tabs (the report's
// cells wrap them), and the bidirectional controls, before html/template
// escapes the markup: a log value must not carry a raw ESC or NUL into the
// page, nor reorder what it shows.
func htmlText(s string) string { return terminal.EscapeText(s) }

// csvSafe defuses spreadsheet formula injection (OWASP): a cell starting
// with = + - @ or a tab or carriage return is prefixed with a quote.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func markdown(s string) string {
	s = terminal.Escape(s)
	r := strings.NewReplacer(`\`, `\\`, "|", `\|`, "<", "&lt;", ">", "&gt;", "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`)
	return r.Replace(s)
}

// orderedObject encodes a JSON object with keys in column order.
type orderedObject struct {
	keys []string
	vals map[string]any
}

func (o orderedObject) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(o.vals[k])
		if err != nil {
			return nil, err
		}
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
)

// Formats lists the output formats.
var Formats = []string{"table", "csv", "json", "md"}

// Write prints rows in a format. Every value is log content and so
// attacker-controlled: control characters are escaped in tables and
// Markdown, CSV cells that a spreadsheet would run as a formula are
// prefixed with a quote, JSON is encoded by encoding/json.
func Write(w io.Writer, format string, rows *Rows) error {
	switch format {
	case "table", "":
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(rows.Columns, "\t"))
		for _, r := range rows.Values {
			cells := make([]string, len(r))
			for i, v := range r {
				cells[i] = plain(text(v))
			}
			fmt.Fprintln(tw, strings.Join(cells, "\t"))
		}
		return tw.Flush()
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write(rows.Columns)
		for _, r := range rows.Values {
			cells := make([]string, len(r))
			for i, v := range r {
				cells[i] = csvSafe(plain(text(v)))
			}
			cw.Write(cells)
		}
		cw.Flush()
		return cw.Error()
	case "json":
		enc := json.NewEncoder(w)
		for _, r := range rows.Values {
			obj := make(map[string]any, len(r))
			for i, v := range r {
				obj[rows.Columns[i]] = jsonValue(v)
			}
			if err := enc.Encode(orderedObject{rows.Columns, obj}); err != nil {
				return err
			}
		}
		return nil
	case "md":
		fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(rows.Columns, " | "), strings.Repeat("---|", len(rows.Columns)))
		for _, r := range rows.Values {
			cells := make([]string, len(r))
			for i, v := range r {
				cells[i] = markdown(text(v))
			}
			fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
		}
		return nil
	}
	return fmt.Errorf("unknown format %q: want one of %s", format, strings.Join(Formats, ", "))
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

// plain escapes control characters (a log value must not move the cursor,
// clear the screen or forge table rows).
func plain(s string) string {
	if strings.IndexFunc(s, unicode.IsControl) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) {
			fmt.Fprintf(&b, "\\x%02x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// htmlText escapes control characters but newlines and tabs (the report's
// cells wrap them) before html/template escapes the markup: a log value
// must not carry a raw ESC or NUL into the page.
func htmlText(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			fmt.Fprintf(&b, "\\x%02x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// csvSafe defuses spreadsheet formula injection (OWASP): a cell starting
// with = + - @ or a tab or carriage return is prefixed with a quote.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func markdown(s string) string {
	s = plain(s)
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

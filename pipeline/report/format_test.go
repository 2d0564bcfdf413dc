package report

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/auditlake/auditlake/pipeline/terminal"
	"github.com/auditlake/auditlake/pipeline/testsupport/ptytest"
)

// The table format aligns as text/tabwriter does (it counted widths once
// per row before; now once at the end).
func TestTableLikeTabwriter(t *testing.T) {
	rows := &Rows{Columns: []string{"a", "bee", "c"}, Values: [][]any{{"x", "ü∂ß", 3}, {"longer cell", "", nil}, {"", "b", "last one"}}}
	var got bytes.Buffer
	Write(&got, "table", rows)
	var want bytes.Buffer
	tw := tabwriter.NewWriter(&want, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(rows.Columns, "\t"))
	for _, r := range rows.Values {
		cells := make([]string, len(r))
		for i, v := range r {
			cells[i] = terminal.Escape(text(v))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	tw.Flush()
	if got.String() != want.String() {
		t.Errorf("got\n%q\nwant\n%q", got.String(), want.String())
	}
	// Wide characters take two columns (tabwriter counts them as one):
	// the next column still starts at the same place on every line.
	wide := &Rows{Columns: []string{"who", "n"}, Values: [][]any{{"データ", 1}, {"abcdef", 2}}}
	got.Reset()
	Write(&got, "table", wide)
	if want := "who     n\nデータ  1\nabcdef  2\n"; got.String() != want {
		t.Errorf("wide characters: got\n%s\nwant\n%s", got.String(), want)
	}
}

// findingRows are findings as the findings view gives them, with long
// ARNs, resources and details, and a user agent's escape sequence.
func findingRows() *Rows {
	role := "arn:aws:sts::111122223333:assumed-role/SageMakerStudioExecutionRole_data-scientist-full/SageMaker"
	bob := "arn:aws:iam::111122223333:user/contractor-bob"
	obj := "s3://amazon-reviews-lake-111122223333/parquet/product_category=Books/part-00000-4d3c.snappy.parquet"
	return &Rows{Columns: strings.Split(strings.ReplaceAll(FindingColumns, " ", ""), ","), Values: [][]any{
		{"sensitive_column_read", "medium", "2026-07-01T09:10:03Z", "data-scientist-full", role, "amazon_reviews_db.amazon_reviews_parquet.customer_id",
			"athena read sensitive column customer_id in query 6f0c2d1e-3a4b-4c5d-8e9f-0a1b2c3d4e01", []any{"e1"}},
		{"lf_bypass_s3_read", "high", "2026-07-01T13:07:33Z", nil, bob, obj,
			"GetObject of amazon_reviews_db.amazon_reviews_parquet without Lake Formation credentials \x1b[2J\u202e", []any{"e2"}},
		{"audit_trail_tampering", "high", "2026-07-01T13:30:00Z", nil, bob, "arn:aws:cloudtrail:us-east-1:111122223333:trail/org-audit-trail",
			"CloudTrail logging stopped", []any{"e3"}},
	}}
}

// On a terminal a table fits its width: the layout's columns, grouped,
// ARNs shortened to role/session or user/NAME, details cut with an
// ellipsis, and a last line saying what was left out; colour only when
// asked, and a value's escape sequence never reaches the screen.
func TestScreenFitsTheTerminal(t *testing.T) {
	for _, width := range []int{60, 80, 120, 200} {
		for _, color := range []bool{false, true} {
			var b bytes.Buffer
			d := Display{Width: width, Color: color, Layout: FindingsLayout}
			if err := d.Write(&b, "table", findingRows()); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			plainOut := ptytest.Plain(out)
			for _, l := range strings.Split(strings.TrimSuffix(plainOut, "\n"), "\n") {
				if w := terminal.StringWidth(l); w > width {
					t.Errorf("width %d: line of %d columns: %q", width, w, l)
				}
			}
			if strings.Contains(plainOut, "\x1b") || strings.Contains(plainOut, "\u202e") {
				t.Errorf("width %d: raw escape or bidi control on screen: %q", width, out)
			}
			if color != strings.Contains(out, "\x1b[31mhigh") {
				t.Errorf("width %d colour %v: %q", width, color, out)
			}
			lines := strings.Split(plainOut, "\n")
			// High findings first, each rule once, the rows under it.
			if !strings.HasPrefix(lines[1], "high · lf_bypass_s3_read (1)") || !strings.HasPrefix(lines[3], "high · audit_trail_tampering (1)") ||
				!strings.HasPrefix(lines[5], "medium · sensitive_column_read (1)") {
				t.Errorf("width %d: groups:\n%s", width, plainOut)
			}
			if width >= 80 && (!strings.Contains(plainOut, "user/contractor-bob") || !strings.Contains(plainOut, "data-scientist-full")) {
				t.Errorf("width %d: who is not shown:\n%s", width, plainOut)
			}
			if !strings.Contains(lines[len(lines)-2], "not shown: event_ids") || !strings.Contains(lines[len(lines)-2], "--wide") {
				t.Errorf("width %d: no note of what was left out: %q", width, lines[len(lines)-2])
			}
			if width <= 120 && !strings.Contains(plainOut, "…") {
				t.Errorf("width %d: nothing shortened:\n%s", width, plainOut)
			}
		}
	}
	// Without a width (a pipe, a file, --wide) every value is printed whole.
	var b bytes.Buffer
	if err := (Display{Layout: FindingsLayout}).Write(&b, "table", findingRows()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"arn:aws:sts::111122223333:assumed-role/SageMakerStudioExecutionRole_data-scientist-full/SageMaker",
		"part-00000-4d3c.snappy.parquet", `credentials \x1b[2J\u202e`, "[e1]"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("full table lacks %q", want)
		}
	}
}

// BenchmarkTable prints 61,541 rows of `who` (the count of the 10 M-event
// month in BENCHMARKS.md) as a table in full (a pipe, a file) and fitted to
// a 120-column terminal.
func BenchmarkTable(b *testing.B) {
	rows := &Rows{Columns: WhoColumns}
	for i := range 61541 {
		rows.Values = append(rows.Values, []any{
			time.Date(2026, 7, 1+i%30, i%24, i%60, i%60, 0, time.UTC), fmt.Sprintf("data-scientist-%03d", i%200),
			fmt.Sprintf("arn:aws:sts::111122223333:assumed-role/SageMakerStudioExecutionRole_data-scientist-%03d/SageMaker", i%200),
			"athena", "sales", "customers", "customer_id", "exact", "success",
			fmt.Sprintf("6f0c2d1e-3a4b-4c5d-8e9f-%012d", i), fmt.Sprintf("9e711948-5a13-1631-bba4-%012d", i)})
	}
	for _, d := range []struct {
		name string
		d    Display
	}{{"full", Display{}}, {"terminal120", Display{Width: 120, Color: true, Layout: WhoLayout}}} {
		b.Run(d.name, func(b *testing.B) {
			for b.Loop() {
				if err := d.d.Write(io.Discard, "table", rows); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

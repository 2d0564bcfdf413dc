package report

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"text/tabwriter"
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
			cells[i] = plain(text(v))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	tw.Flush()
	if got.String() != want.String() {
		t.Errorf("got\n%q\nwant\n%q", got.String(), want.String())
	}
}

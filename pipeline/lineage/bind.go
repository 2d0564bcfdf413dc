package lineage

import (
	"context"
	"sort"
	"strings"
)

// Binding is the "exact" method. A Glue database called like one of
// DuckDB's own catalogs or schemas (temp, system, main, memory, …) makes a
// two-part name such as temp.t ambiguous to DuckDB, although it changes
// nothing about the columns the query reads. Such queries are bound with
// every catalog table reference written in full (awsdatacatalog."temp"."t").

// bind binds q, which w walked, and returns the columns each table scan
// needs. useDB is the database bare table names resolve in ("" when q has
// none).
func (x *Extractor) bind(ctx context.Context, wk *worker, q string, w *walker, useDB string) (map[*tableInfo]map[string]bool, error) {
	text := q
	if w.reservedDB {
		if t, _, ok := x.substitute(ctx, wk, q, w.refs); ok {
			text = t
		}
	}
	return x.plan(ctx, wk, text, useDB, !w.hasCTE)
}

// substitute rewrites every catalog table reference of q in full. It
// checks that the new text is still one SELECT statement. back maps an
// offset in the new text to q.
func (x *Extractor) substitute(ctx context.Context, wk *worker, q string, refs []tableRef) (string, func(int) int, bool) {
	t := toks(significant(lex(q)))
	var edits []edit
	for _, r := range refs {
		i := sort.Search(len(t), func(i int) bool { return t[i].start >= r.loc })
		if r.loc < 0 || i == len(t) || t[i].start != r.loc {
			return "", nil, false
		}
		parts, next := t.qualified(i)
		if strings.Join(parts, ".") != strings.Join(r.parts, ".") {
			return "", nil, false // our lexer and DuckDB's parser disagree: leave it
		}
		repl := glueCatalog + "." + quoteIdent(r.info.db) + "." + quoteIdent(r.info.name)
		edits = append(edits, edit{t[i].start, t[next-1].end, repl})
	}
	text, back := applyEdits(q, edits)
	if _, err := x.parse(ctx, wk, text); err != nil {
		return "", nil, false
	}
	return text, back, true
}

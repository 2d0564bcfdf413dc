package lineage

import (
	"context"
	"slices"
	"sort"
	"strings"
)

// Binding is the "exact" method. Two things about the catalog can make a
// query that Athena reads fail to bind in DuckDB, although neither changes
// which columns it reads:
//
//   - Names. A Glue database called like one of DuckDB's own catalogs or
//     schemas (temp, system, main, memory, …) makes a two-part name such as
//     temp.t ambiguous to DuckDB. Such queries are bound with every catalog
//     table reference written in full (awsdatacatalog."temp"."t").
//   - Types. Glue tables over CSV or JSON often type dates and numbers as
//     string, and Athena queries them with date functions, arithmetic and
//     comparisons DuckDB will not bind on VARCHAR (o_date BETWEEN DATE …,
//     o_date + INTERVAL …, o_total + o_tax, sum(o_total), year(o_date)).
//     When binding fails on types, bind finds the expression the error
//     points at (DuckDB says where) in the parse tree, and gives the catalog
//     columns it uses a looser type for binding only: the table reference
//     becomes (SELECT * REPLACE (CAST(c AS T) AS c) FROM table), which keeps
//     the names and lets the optimizer prune as before. T is tried in the
//     order of relaxTypes (NULL casts implicitly to every type; TIMESTAMP
//     answers date functions NULL leaves ambiguous), a few rounds at most.
//     A column written in full (db.table.column) of a table without alias
//     no longer resolves once its table is such a subquery: that query
//     stays "parsed".

// relaxTypes are the types a column is given, in turn, when a query does
// not bind on its catalog type.
var relaxTypes = []string{`"NULL"`, "TIMESTAMP", "DOUBLE", "VARCHAR"}

// relaxRounds bounds the binds one query may take to relax its types.
const relaxRounds = 6

// typeMessages are the binder errors that are about types, not names.
var typeMessages = []string{
	"No function matches", "Cannot compare values", "Cannot mix values", "Could not choose a best candidate",
	"explicit cast", "Could not convert", "Conversion Error", "Mismatch Type",
}

func typeError(msg string) bool {
	for _, m := range typeMessages {
		if strings.Contains(msg, m) {
			return true
		}
	}
	return false
}

// bind binds q, whose parse tree is tree and which w walked, and returns
// the columns each table scan needs. useDB is the database bare table names
// resolve in ("" when q has none). The error is the first bind's.
func (x *Extractor) bind(ctx context.Context, wk *worker, q string, tree any, w *walker, useDB string) (map[*tableInfo]map[string]bool, error) {
	logical := !w.hasCTE
	text, back := q, func(p int) int { return p }
	// A two-part name whose database DuckDB reserves (temp.t) means its own
	// catalog to DuckDB: every catalog table is written in full.
	if slices.ContainsFunc(w.refs, func(r tableRef) bool { return len(r.parts) == 2 && x.reserved[r.parts[0]] }) {
		if t, b, ok := x.substitute(ctx, wk, q, w.refs, nil); ok {
			text, back = t, b
		}
	}
	scans, first := x.plan(ctx, wk, text, useDB, logical)
	if first == nil {
		return scans, nil
	}
	var relax map[*tableInfo]map[string]int // column → 1 + index in relaxTypes
	var cols map[int][]origin
	e := first
	for round := 0; round < relaxRounds && e.pos >= 0 && typeError(e.msg); round++ {
		if cols == nil {
			rw := newWalker(x.tables, w.defDB, w.defCat)
			rw.cols = map[int][]origin{}
			rw.node(tree, nil)
			cols = rw.cols
			relax = map[*tableInfo]map[string]int{}
		}
		if !loosen(relax, tree, cols, back(e.pos)) {
			break
		}
		t, b, ok := x.substitute(ctx, wk, q, w.refs, relax)
		if !ok {
			break
		}
		text, back = t, b
		if scans, e = x.plan(ctx, wk, text, useDB, logical); e == nil {
			return scans, nil
		}
	}
	return nil, first
}

// loosen moves every catalog column the expression at pos (an offset in
// the parsed text) uses to its next type in relaxTypes. It reports whether
// any column moved.
func loosen(relax map[*tableInfo]map[string]int, tree any, cols map[int][]origin, pos int) bool {
	var origins []origin
	var below func(m map[string]any) bool // the columns of an expression, outside its subqueries
	below = func(m map[string]any) bool {
		switch str(m["class"]) {
		case "COLUMN_REF":
			origins = append(origins, cols[location(m)]...)
			return false
		case "SUBQUERY":
			visit(m["child"], below)
			return false
		}
		return true
	}
	visit(tree, func(m map[string]any) bool {
		if m["class"] != nil && location(m) == pos {
			visit(m, below)
			return false
		}
		return true
	})
	moved := false
	type column struct {
		info *tableInfo
		name string
	}
	seen := map[column]bool{} // a column used twice moves one type, not two
	for _, o := range origins {
		info := o.acc.info
		if info == nil || !info.colset[o.col] || seen[column{info, o.col}] {
			continue
		}
		seen[column{info, o.col}] = true
		m := relax[info]
		if m == nil {
			m = map[string]int{}
			relax[info] = m
		}
		if m[o.col] < len(relaxTypes) {
			m[o.col]++
			moved = true
		}
	}
	return moved
}

// substitute rewrites every catalog table reference of q in full, as the
// subquery that relaxes its columns' types when relax names some. It checks
// that the new text is still one SELECT statement. back maps an offset in
// the new text to q.
func (x *Extractor) substitute(ctx context.Context, wk *worker, q string, refs []tableRef, relax map[*tableInfo]map[string]int) (string, func(int) int, bool) {
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
		if m := relax[r.info]; len(m) > 0 {
			names := make([]string, 0, len(m))
			for c := range m {
				names = append(names, c)
			}
			sort.Strings(names)
			casts := make([]string, len(names))
			for k, c := range names {
				casts[k] = "CAST(" + quoteIdent(c) + " AS " + relaxTypes[m[c]-1] + ") AS " + quoteIdent(c)
			}
			repl = "(SELECT * REPLACE (" + strings.Join(casts, ", ") + ") FROM " + repl + ")"
			if !r.alias {
				repl += " AS " + quoteIdent(r.parts[len(r.parts)-1])
			}
		}
		edits = append(edits, edit{t[i].start, t[next-1].end, repl})
	}
	text, back := applyEdits(q, edits)
	if _, err := x.parse(ctx, wk, text); err != nil {
		return "", nil, false
	}
	return text, back, true
}

package lineage

import (
	"strconv"
	"strings"
)

// The parse tree comes from DuckDB's json_serialize_sql, decoded into
// map[string]any / []any. The walker below follows SQL scoping: each SELECT
// has its own FROM relations, subqueries see the enclosing scopes
// (correlation), CTEs are visible to later CTEs and nested queries, select
// aliases to ORDER BY (first) and GROUP BY/HAVING (after the relations).

// tableInfo is one catalog table as the extractor knows it.
type tableInfo struct {
	db, name string
	cols     []string // lower case: data columns, then partition keys
	colset   map[string]bool
	unbound  string // why DuckDB could not create the table ("": it did)
}

// accessAcc collects what the query does with one table.
type accessAcc struct {
	db, table string
	info      *tableInfo // nil: not in the catalog
	named     map[string]bool
	star      bool
}

// origin is a base-table column a relation column comes from.
type origin struct {
	acc *accessAcc
	col string
}

// outCol is one output column of a relation.
type outCol struct {
	name    string
	origins []origin
}

// rel is one relation in a FROM clause.
type rel struct {
	names [][]string // qualifiers that name it
	cols  []outCol
	known bool       // cols is the complete list
	acc   *accessAcc // set for base tables
}

func (r *rel) matches(q []string) bool {
	for _, n := range r.names {
		if len(n) == len(q) {
			eq := true
			for i := range n {
				if n[i] != q[i] {
					eq = false
					break
				}
			}
			if eq {
				return true
			}
		}
	}
	return false
}

func (r *rel) col(name string) (outCol, bool) {
	for _, c := range r.cols {
		if c.name == name {
			return c, true
		}
	}
	return outCol{}, false
}

type cteDef struct {
	cols  []outCol
	known bool
}

type scope struct {
	parent  *scope
	rels    []*rel
	ctes    map[string]*cteDef
	aliases map[string]bool
	lambda  map[string]bool
}

func (s *scope) cte(name string) *cteDef {
	for ; s != nil; s = s.parent {
		if c, ok := s.ctes[name]; ok {
			return c
		}
	}
	return nil
}

type walker struct {
	tables     map[string]*tableInfo // "db.table" → table
	defDB      string
	defCat     string
	accs       map[string]*accessAcc // keyed by reported "database.table"
	unknown    []string              // tables not in the catalog
	bare       bool                  // a table name resolved against the default database
	hasCTE     bool                  // the query has a WITH clause
	incomplete bool                  // the tree holds something the walker does not understand
	refs       []tableRef            // catalog table references, in the order walked
	// cols, when not nil, gets the base columns of every column reference,
	// by its query_location (the type relaxation of bind needs them).
	cols map[int][]origin
}

// tableRef is where the query names a catalog table.
type tableRef struct {
	loc   int // query_location: the byte offset of its name in the parsed text (-1: unknown)
	parts []string
	info  *tableInfo
	alias bool // the reference has an alias
}

func newWalker(tables map[string]*tableInfo, defDB, defCat string) *walker {
	return &walker{tables: tables, defDB: defDB, defCat: defCat, accs: map[string]*accessAcc{}}
}

// location reads a node's query_location (-1 when it has none).
func location(m map[string]any) int {
	f, ok := m["query_location"].(float64)
	if !ok || f < 0 || f > 1<<40 {
		return -1
	}
	return int(f)
}

// visit calls f on every object of a decoded JSON value, depth first, and
// goes into an object's values only when f returns true.
func visit(v any, f func(map[string]any) bool) {
	switch n := v.(type) {
	case []any:
		for _, c := range n {
			visit(c, f)
		}
	case map[string]any:
		if f(n) {
			for _, c := range n {
				visit(c, f)
			}
		}
	}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func lower(v any) string {
	return strings.ToLower(str(v))
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// qualify turns a table name into the reported (database, table): Glue
// tables as "db", tables of any other catalog as "catalog.db", so that they
// never match a Glue database.
func qualify(parts []string, defDB, defCat string) (string, string) {
	if len(parts) > 3 {
		parts = parts[len(parts)-3:]
	}
	cat, db := defCat, defDB
	switch len(parts) {
	case 3:
		cat, db = parts[0], parts[1]
	case 2:
		db = parts[0]
	case 0:
		return "", ""
	}
	t := parts[len(parts)-1]
	if cat != "" && cat != glueCatalog {
		db = cat + "." + db
	}
	return db, t
}

func (w *walker) access(db, table string) *accessAcc {
	key := db + "." + table
	if a, ok := w.accs[key]; ok {
		return a
	}
	a := &accessAcc{db: db, table: table, info: w.tables[key], named: map[string]bool{}}
	if a.info == nil {
		w.unknown = append(w.unknown, key)
	}
	w.accs[key] = a
	return a
}

// renamed applies column aliases (t AS x(a, b)) positionally.
func renamed(cols []outCol, aliases []any) []outCol {
	if len(aliases) == 0 {
		return cols
	}
	out := make([]outCol, len(cols))
	copy(out, cols)
	for i, a := range aliases {
		if i < len(out) {
			out[i].name = lower(a)
		}
	}
	return out
}

func (w *walker) baseTable(m map[string]any, s *scope) *rel {
	cat, sch, tbl := lower(m["catalog_name"]), lower(m["schema_name"]), lower(m["table_name"])
	alias := lower(m["alias"])
	if cat == "" && sch == "" {
		if c := s.cte(tbl); c != nil {
			name := tbl
			if alias != "" {
				name = alias
			}
			return &rel{names: [][]string{{name}}, cols: renamed(c.cols, list(m["column_name_alias"])), known: c.known}
		}
	}
	parts := []string{tbl}
	if sch == "" && cat == "" {
		w.bare = true
	}
	if sch != "" {
		parts = []string{sch, tbl}
	}
	if cat != "" {
		parts = []string{cat, sch, tbl}
	}
	db, t := qualify(parts, w.defDB, w.defCat)
	acc := w.access(db, t)
	if acc.info != nil {
		w.refs = append(w.refs, tableRef{loc: location(m), parts: parts, info: acc.info, alias: alias != ""})
	}
	r := &rel{acc: acc}
	if alias != "" {
		r.names = [][]string{{alias}}
	} else {
		fullCat := cat
		if fullCat == "" {
			fullCat = w.defCat
		}
		fullSch := sch
		if fullSch == "" {
			fullSch = w.defDB
		}
		r.names = [][]string{{tbl}, {fullSch, tbl}, {fullCat, fullSch, tbl}}
	}
	if acc.info != nil {
		r.known = true
		r.cols = make([]outCol, len(acc.info.cols))
		for i, c := range acc.info.cols {
			r.cols[i] = outCol{name: c, origins: []origin{{acc, c}}}
		}
		r.cols = renamed(r.cols, list(m["column_name_alias"]))
	}
	return r
}

// node walks a query node and returns its output columns.
func (w *walker) node(n any, parent *scope) ([]outCol, bool) {
	m := obj(n)
	if m == nil {
		return nil, false
	}
	switch str(m["type"]) {
	case "SELECT_NODE":
		return w.selectNode(m, parent, false)
	case "SET_OPERATION_NODE":
		s := &scope{parent: parent}
		w.ctes(m, s)
		var children []any
		if l, ok := m["left"]; ok && l != nil {
			children = append(children, l, m["right"])
		}
		children = append(children, list(m["children"])...)
		var out []outCol
		known := true
		for i, c := range children {
			cols, k := w.node(c, s)
			known = known && k
			if i == 0 {
				out = append([]outCol(nil), cols...)
				continue
			}
			for j := range out {
				if j < len(cols) {
					out[j].origins = append(append([]origin(nil), out[j].origins...), cols[j].origins...)
				}
			}
		}
		w.modifiers(m, &scope{parent: s, rels: []*rel{{cols: out, known: known}}})
		return out, known
	case "CTE_NODE":
		s := &scope{parent: parent, ctes: map[string]*cteDef{}}
		cols, k := w.node(obj(m["query"])["node"], s)
		s.ctes[lower(m["ctename"])] = &cteDef{cols: cols, known: k}
		return w.node(m["child"], s)
	case "RECURSIVE_CTE_NODE":
		l, k := w.node(m["left"], parent)
		w.node(m["right"], parent)
		return l, k
	}
	w.incomplete = true
	w.expr(m, parent, false)
	return nil, false
}

// ctes registers the WITH queries of node m in scope s, in order.
func (w *walker) ctes(m map[string]any, s *scope) {
	entries := list(obj(m["cte_map"])["map"])
	if len(entries) == 0 {
		return
	}
	w.hasCTE = true
	if s.ctes == nil {
		s.ctes = map[string]*cteDef{}
	}
	for _, e := range entries {
		em := obj(e)
		name := lower(em["key"])
		v := obj(em["value"])
		aliases := list(v["aliases"])
		q := obj(obj(v["query"])["node"])
		if str(q["type"]) == "RECURSIVE_CTE_NODE" {
			inner := &scope{parent: s}
			w.ctes(q, inner)
			lcols, lk := w.node(q["left"], inner)
			lcols = renamed(lcols, aliases)
			def := &cteDef{cols: lcols, known: lk}
			s.ctes[name] = def
			rcols, _ := w.node(q["right"], inner)
			for j := range def.cols {
				if j < len(rcols) {
					def.cols[j].origins = append(append([]origin(nil), def.cols[j].origins...), rcols[j].origins...)
				}
			}
			continue
		}
		cols, k := w.node(q, s)
		s.ctes[name] = &cteDef{cols: renamed(cols, aliases), known: k}
	}
}

// selectNode walks a SELECT. exists says it is the query of an EXISTS
// subquery, whose select list is never read: a * there selects no column.
func (w *walker) selectNode(m map[string]any, parent *scope, exists bool) ([]outCol, bool) {
	s := &scope{parent: parent}
	w.ctes(m, s)
	w.from(m["from_table"], s)
	s.aliases = map[string]bool{}
	var out []outCol
	known := true
	for _, item := range list(m["select_list"]) {
		im := obj(item)
		if str(im["class"]) == "STAR" && im["columns"] != true {
			if exists {
				continue
			}
			cols, k := w.star(im, s)
			out = append(out, cols...)
			known = known && k
			continue
		}
		origins := w.expr(item, s, false)
		name := lower(im["alias"])
		if name == "" && str(im["class"]) == "COLUMN_REF" {
			names := list(im["column_names"])
			if len(names) > 0 {
				name = lower(names[len(names)-1])
			}
		}
		if a := lower(im["alias"]); a != "" {
			s.aliases[a] = true
		}
		out = append(out, outCol{name: name, origins: origins})
	}
	w.expr(m["where_clause"], s, false)
	w.expr(m["group_expressions"], s, false)
	w.expr(m["having"], s, false)
	w.expr(m["qualify"], s, false)
	w.modifiers(m, s)
	return out, known
}

func (w *walker) modifiers(m map[string]any, s *scope) {
	for _, mod := range list(m["modifiers"]) {
		mm := obj(mod)
		switch str(mm["type"]) {
		case "ORDER_MODIFIER":
			for _, o := range list(mm["orders"]) {
				w.expr(obj(o)["expression"], s, true)
			}
		default:
			for k, v := range mm {
				if k != "type" {
					w.expr(v, s, false)
				}
			}
		}
	}
}

func (w *walker) from(ref any, s *scope) {
	m := obj(ref)
	if m == nil {
		return
	}
	switch str(m["type"]) {
	case "BASE_TABLE":
		s.rels = append(s.rels, w.baseTable(m, s))
	case "JOIN":
		before := len(s.rels)
		w.from(m["left"], s)
		mid := len(s.rels)
		w.from(m["right"], s)
		using := list(m["using_columns"])
		if str(m["ref_type"]) == "NATURAL" {
			for _, l := range s.rels[before:mid] {
				for _, c := range l.cols {
					for _, r := range s.rels[mid:] {
						if _, ok := r.col(c.name); ok {
							using = append(using, c.name)
						}
					}
				}
			}
		}
		for _, u := range using {
			name := lower(u)
			for _, r := range s.rels[before:] {
				if c, ok := r.col(name); ok {
					w.mark(c.origins)
				}
			}
		}
		w.expr(m["condition"], s, false)
	case "SUBQUERY":
		cols, k := w.node(obj(m["subquery"])["node"], s)
		r := &rel{cols: renamed(cols, list(m["column_name_alias"])), known: k}
		if a := lower(m["alias"]); a != "" {
			r.names = [][]string{{a}}
		}
		s.rels = append(s.rels, r)
	case "TABLE_FUNCTION":
		fn := obj(m["function"])
		w.expr(fn, s, false)
		aliases := list(m["column_name_alias"])
		r := &rel{known: len(aliases) > 0 || lower(fn["function_name"]) == "unnest"}
		if len(aliases) > 0 {
			for _, a := range aliases {
				r.cols = append(r.cols, outCol{name: lower(a)})
			}
		} else if r.known {
			r.cols = []outCol{{name: "unnest"}}
		}
		if a := lower(m["alias"]); a != "" {
			r.names = [][]string{{a}}
		}
		s.rels = append(s.rels, r)
	case "EXPRESSION_LIST":
		vals := list(m["values"])
		w.expr(vals, s, false)
		r := &rel{known: true}
		if len(vals) > 0 {
			for i := range list(vals[0]) {
				r.cols = append(r.cols, outCol{name: "col" + strconv.Itoa(i)})
			}
		}
		if a := lower(m["alias"]); a != "" {
			r.names = [][]string{{a}}
		}
		s.rels = append(s.rels, r)
	case "EMPTY":
	default:
		// PIVOT, UNPIVOT, …: walk what can be walked, let the binder decide.
		w.incomplete = true
		for k, v := range m {
			if k == "source" {
				w.from(v, s)
			} else if vm := obj(v); vm != nil && vm["class"] != nil {
				w.expr(v, s, false)
			}
		}
		s.rels = append(s.rels, &rel{known: false})
	}
}

func (w *walker) mark(origins []origin) {
	for _, o := range origins {
		o.acc.named[o.col] = true
	}
}

// star expands * or rel.* in scope s.
func (w *walker) star(m map[string]any, s *scope) ([]outCol, bool) {
	rn := lower(m["relation_name"])
	exclude := map[string]bool{}
	for _, e := range list(m["exclude_list"]) {
		exclude[lower(e)] = true
	}
	var out []outCol
	known := true
	for _, r := range s.rels {
		if rn != "" && !r.matches(strings.Split(rn, ".")) {
			continue
		}
		if r.acc != nil {
			r.acc.star = true
		}
		if !r.known {
			known = false
			continue
		}
		for _, c := range r.cols {
			if !exclude[c.name] {
				out = append(out, c)
			}
		}
	}
	return out, known
}

// Names DuckDB may parse as column references that are really niladic
// functions; never attribute them to a table.
var niladic = map[string]bool{
	"current_user": true, "current_role": true, "session_user": true, "user": true, "current_catalog": true,
	"current_schema": true, "current_path": true, "localtime": true, "localtimestamp": true, "current_time": true,
	"current_date": true, "current_timestamp": true, "current_timezone": true,
}

// column resolves a column reference and marks the base columns it reads.
func (w *walker) column(names []string, s *scope, aliasFirst bool) []origin {
	if len(names) == 0 {
		return nil
	}
	for sc := s; sc != nil; sc = sc.parent {
		if sc.lambda != nil {
			if sc.lambda[names[0]] {
				return nil
			}
			continue
		}
		if aliasFirst && sc == s && len(names) == 1 && sc.aliases[names[0]] {
			return nil
		}
		if len(names) >= 2 {
			k := len(names) - 1
			if k > 3 {
				k = 3
			}
			for ; k >= 1; k-- {
				var out []origin
				matched := false
				for _, r := range sc.rels {
					if !r.matches(names[:k]) {
						continue
					}
					matched = true
					if c, ok := r.col(names[k]); ok {
						out = append(out, c.origins...)
					} else if r.acc != nil && r.acc.info != nil {
						out = append(out, origin{r.acc, names[k]}) // attempted, not in the catalog
					}
				}
				if matched {
					w.mark(out)
					return out
				}
			}
		}
		var out []origin
		found, unknown := false, false
		for _, r := range sc.rels {
			if !r.known {
				unknown = true
				continue
			}
			if c, ok := r.col(names[0]); ok {
				found = true
				out = append(out, c.origins...)
			}
		}
		if found {
			w.mark(out)
			return out
		}
		if unknown || sc.aliases[names[0]] {
			return nil
		}
	}
	// Not found anywhere: an attempted column of the only table in scope.
	for sc := s; sc != nil; sc = sc.parent {
		if sc.lambda != nil {
			continue
		}
		if len(sc.rels) == 1 && sc.rels[0].acc != nil && sc.rels[0].acc.info != nil && !niladic[names[0]] {
			o := []origin{{sc.rels[0].acc, names[0]}}
			w.mark(o)
			return o
		}
		break
	}
	return nil
}

// expr walks an expression; for a bare column reference it returns the base
// columns it reads.
func (w *walker) expr(e any, s *scope, aliasFirst bool) []origin {
	switch v := e.(type) {
	case []any:
		for _, x := range v {
			w.expr(x, s, aliasFirst)
		}
	case map[string]any:
		switch str(v["class"]) {
		case "COLUMN_REF":
			raw := list(v["column_names"])
			names := make([]string, len(raw))
			for i, n := range raw {
				names[i] = lower(n)
			}
			o := w.column(names, s, aliasFirst)
			if w.cols != nil {
				w.cols[location(v)] = o
			}
			return o
		case "STAR":
			w.star(v, s)
			return nil
		case "SUBQUERY":
			w.expr(v["child"], s, false)
			sub := obj(obj(v["subquery"])["node"])
			if str(v["subquery_type"]) == "EXISTS" && str(sub["type"]) == "SELECT_NODE" {
				w.selectNode(sub, s, true)
			} else {
				w.node(sub, s)
			}
			return nil
		case "LAMBDA":
			params := map[string]bool{}
			visit(v["lhs"], func(m map[string]any) bool {
				if str(m["class"]) != "COLUMN_REF" {
					return true
				}
				if n := list(m["column_names"]); len(n) > 0 {
					params[lower(n[0])] = true
				}
				return false
			})
			w.expr(v["expr"], &scope{parent: s, lambda: params}, false)
			return nil
		case "CONSTANT", "PARAMETER", "POSITIONAL_REFERENCE", "DEFAULT":
			return nil
		}
		for k, x := range v {
			switch x.(type) {
			case map[string]any, []any:
				if k != "cast_type" && k != "type" {
					w.expr(x, s, aliasFirst)
				}
			}
		}
	}
	return nil
}

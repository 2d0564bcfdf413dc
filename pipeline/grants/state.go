package grants

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

type opKind int

const (
	opGrant       opKind = iota // add permissions
	opRevoke                    // remove permissions
	opDefine                    // define or redefine a data cells filter
	opDrop                      // delete a data cells filter (and the grants on it)
	opTagValues                 // CreateLFTag / UpdateLFTag: values added and deleted
	opTagDelete                 // DeleteLFTag
	opTagAssign                 // AddLFTagsToResource, tag files
	opTagUnassign               // RemoveLFTagsFromResource
	opExprDefine                // Create/UpdateLFTagExpression
	opExprDrop                  // DeleteLFTagExpression
)

// op is one change to the grants, at a time.
type op struct {
	at        time.Time
	seq       int
	kind      opKind
	principal string
	res       resource
	perms     []string
	def       filterDef // opDefine: the filter's columns and rows
	tagKey    string    // opTagValues, opTagDelete
	del       []string  // opTagValues: values deleted
	tags      []tagPair // opTagAssign, opTagUnassign
	on        []tagRes  // opTagAssign, opTagUnassign: the resources
	expr      string    // opExprDefine, opExprDrop: the expression's name
	conds     []tagCond // opExprDefine: its body
}

// resource is a Lake Formation resource, names in lower case.
type resource struct {
	kind     string // Resource* kind
	db       string
	table    string // "*": TableWildcard
	filter   string
	location string
	cols     colset // ResourceTable: the columns the resource names
	rtype    string // ResourceLFTagPolicy: TABLE or DATABASE
	expr     string // ResourceLFTagPolicy: the expression (exprString), or "@name" of a saved one;
	// ResourceLFTag: "key=v1,v2"; ResourceLFTagExpression: "@name"
	conds []tagCond // ResourceLFTagPolicy with its own expression
}

// key identifies one principal's permission on one resource. For an
// LF-Tag policy, db and table are empty in the grant itself and name a
// matching table in the rows derived from it.
type key struct {
	kind, principal, db, table, filter, location, perm, rtype, expr string
}

func (k key) id() string {
	parts := []string{k.kind, k.principal, k.db, k.table, k.filter, k.location, k.perm}
	if k.kind == ResourceLFTagPolicy || k.kind == ResourceLFTag || k.kind == ResourceLFTagExpression {
		parts = append(parts, k.rtype, k.expr)
	}
	return strings.Join(parts, "|")
}

// fref names a data cells filter.
type fref struct{ db, table, name string }

// filterDef is a data cells filter's definition: its columns and its row
// filter expression ("" for all rows).
type filterDef struct {
	cols colset
	rows string
}

func (d filterDef) equal(o filterDef) bool { return d.rows == o.rows && d.cols.equal(o.cols) }

// state is the grants in force at one time.
type state struct {
	grants   map[key]colset // for table grants the columns; other kinds: all
	defs     map[fref]filterDef
	tagged   map[tagRes]map[string]string // LF-Tags assigned: resource → key → value
	columns  map[string]map[string]bool   // "db\x00table" → its columns with tags of their own
	exprs    map[string][]tagCond         // saved LF-Tag expressions by name
	policies map[string][]tagCond         // the expressions of policy grants, by exprString
	// tables is every table known (catalog, grants, tags, filters): the
	// tables an LF-Tag policy is evaluated on, by database.
	tables map[string][]string
}

func newState(tables map[string][]string) *state {
	return &state{grants: map[key]colset{}, defs: map[fref]filterDef{}, tagged: map[tagRes]map[string]string{},
		columns: map[string]map[string]bool{}, exprs: map[string][]tagCond{},
		policies: map[string][]tagCond{}, tables: tables}
}

func (o *op) keys() []key {
	out := make([]key, 0, len(o.perms))
	for _, p := range o.perms {
		out = append(out, key{o.res.kind, o.principal, o.res.db, o.res.table, o.res.filter, o.res.location, p, o.res.rtype, o.res.expr})
	}
	return out
}

// affected lists the keys whose rows op may change.
func (s *state) affected(o *op) []key {
	var out []key
	switch o.kind {
	case opGrant, opRevoke:
		return o.keys()
	case opDefine, opDrop:
		for k := range s.grants {
			if k.kind == ResourceDataCellsFilter && (fref{k.db, k.table, k.filter}) == (fref{o.res.db, o.res.table, o.res.filter}) {
				out = append(out, k)
			}
		}
	default: // LF-Tag changes: every tag policy grant
		for k := range s.grants {
			if k.kind == ResourceLFTagPolicy {
				out = append(out, k)
			}
		}
	}
	return out
}

// apply applies o and reports whether the state changed.
func (s *state) apply(o *op) bool {
	changed := false
	if o.res.conds != nil {
		s.policies[o.res.expr] = o.res.conds
	}
	switch o.kind {
	case opGrant:
		for _, k := range o.keys() {
			old, had := s.grants[k]
			add := colset{all: true}
			if k.kind == ResourceTable {
				add = o.res.cols
			}
			n := old.union(add)
			if n.empty() || (had && n.equal(old)) {
				continue
			}
			s.grants[k] = n
			changed = true
		}
	case opRevoke:
		for _, k := range o.keys() {
			old, had := s.grants[k]
			if !had {
				continue
			}
			n := colset{}
			if k.kind == ResourceTable {
				n = old.minus(o.res.cols)
			}
			if n.equal(old) {
				continue
			}
			if n.empty() {
				delete(s.grants, k)
			} else {
				s.grants[k] = n
			}
			changed = true
		}
	case opDefine:
		f := fref{o.res.db, o.res.table, o.res.filter}
		if old, had := s.defs[f]; !had || !old.equal(o.def) {
			s.defs[f] = o.def
			changed = true
		}
	case opDrop:
		f := fref{o.res.db, o.res.table, o.res.filter}
		if _, had := s.defs[f]; had {
			delete(s.defs, f)
			changed = true
		}
		for k := range s.grants {
			if k.kind == ResourceDataCellsFilter && (fref{k.db, k.table, k.filter}) == f {
				delete(s.grants, k)
				changed = true
			}
		}
	default:
		changed = s.applyTags(o)
	}
	return changed
}

// rowID is a row without its validity.
type rowID struct {
	k         key
	column    string
	excluded  bool
	rowFilter string
}

func (r rowID) row(from time.Time) Row {
	read := readPermission(r.k.perm)
	switch r.k.kind {
	case ResourceTable, ResourceDataCellsFilter:
	case ResourceLFTagPolicy:
		read = read && r.k.rtype == "TABLE" && r.k.table != ""
	default:
		read = false
	}
	return Row{
		GrantID: r.k.id(), Principal: r.k.principal, Resource: r.k.kind,
		Database: r.k.db, Table: r.k.table, Filter: r.k.filter, Location: r.k.location, Expression: r.k.expr,
		Permission: r.k.perm, Column: r.column, Excluded: r.excluded, RowFilter: r.rowFilter, Read: read, From: from,
	}
}

// readPermission reports whether a permission on table data allows SELECT.
func readPermission(p string) bool { return p == "SELECT" || p == "ALL" || p == "SUPER_USER" }

// rows flattens key k into rows. A grant on an LF-Tag policy is one row
// of its own (not a read) and, for resource type TABLE, the rows of every
// known table it matches, as for a grant on that table's columns.
func (s *state) rows(k key) []rowID {
	cs, ok := s.grants[k]
	if !ok {
		return nil
	}
	rowFilter := ""
	switch k.kind {
	case ResourceTable:
	case ResourceDataCellsFilter:
		cs = colset{all: true}
		if def, ok := s.defs[fref{k.db, k.table, k.filter}]; ok {
			cs, rowFilter = def.cols, def.rows
		}
	case ResourceLFTagPolicy:
		out := []rowID{{k: k}}
		if k.rtype != "TABLE" {
			return out
		}
		conds, ok := s.conditions(k.expr)
		if !ok {
			return out
		}
		for _, db := range sortedKeys(s.tables) {
			for _, table := range s.tables[db] {
				m := s.match(conds, db, table)
				if m.empty() {
					continue
				}
				t := k
				t.db, t.table = db, table
				out = append(out, columnRows(t, m, "")...)
			}
		}
		return out
	default:
		return []rowID{{k: k}}
	}
	return columnRows(k, cs, rowFilter)
}

// columnRows is the rows of one column set: "" for all (then the
// exclusions), else one per column.
func columnRows(k key, cs colset, rowFilter string) []rowID {
	var out []rowID
	if cs.all {
		out = append(out, rowID{k: k, rowFilter: rowFilter})
	}
	for _, c := range cs.sorted() {
		out = append(out, rowID{k: k, column: c, excluded: cs.all, rowFilter: rowFilter})
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// principalJSON, resourceJSON and filterJSON read both the CLI's PascalCase
// and CloudTrail's camelCase: encoding/json matches names
// case-insensitively.
type principalJSON struct{ DataLakePrincipalIdentifier string }

type resourceJSON struct {
	Catalog  *struct{}
	Database *struct{ Name string }
	Table    *struct {
		DatabaseName, Name string
		TableWildcard      *struct{}
	}
	TableWithColumns *struct {
		DatabaseName, Name string
		ColumnNames        []string
		ColumnWildcard     *struct{ ExcludedColumnNames []string }
	}
	DataLocation    *struct{ ResourceArn string }
	DataCellsFilter *struct{ DatabaseName, TableName, Name string }
	LFTag           *tagJSON
	LFTagPolicy     *struct {
		ResourceType   string
		Expression     []tagJSON
		ExpressionName string
	}
	LFTagExpression *struct{ Name string }
}

type filterJSON struct {
	DatabaseName, TableName, Name string
	ColumnNames                   []string
	ColumnWildcard                *struct{ ExcludedColumnNames []string }
	RowFilter                     *struct {
		FilterExpression string
		AllRowsWildcard  *struct{}
	}
}

func (f *filterJSON) op(kind opKind, at time.Time) (op, error) {
	if f.DatabaseName == "" || f.TableName == "" || f.Name == "" {
		return op{}, fmt.Errorf("data cells filter needs databaseName, tableName and name")
	}
	o := op{at: at.UTC(), kind: kind, res: resource{kind: ResourceDataCellsFilter,
		db: lower(f.DatabaseName), table: lower(f.TableName), filter: lower(f.Name)}}
	switch {
	case f.ColumnWildcard != nil:
		o.def.cols = allBut(f.ColumnWildcard.ExcludedColumnNames)
	case len(f.ColumnNames) > 0:
		o.def.cols = named(f.ColumnNames)
	default:
		o.def.cols = colset{all: true}
	}
	// list-data-cells-filter shows an all-rows filter as
	// {"FilterExpression": "TRUE", "AllRowsWildcard": {}}.
	if r := f.RowFilter; r != nil && r.AllRowsWildcard == nil {
		if e := strings.TrimSpace(r.FilterExpression); !strings.EqualFold(e, "true") {
			o.def.rows = e
		}
	}
	return o, nil
}

// grantOp makes a grant or revoke op; ok is false for empty permission
// lists.
func grantOp(kind opKind, at time.Time, p principalJSON, rj resourceJSON, perms []string) (op, bool, error) {
	who := strings.TrimSpace(p.DataLakePrincipalIdentifier)
	if who == "" {
		return op{}, false, fmt.Errorf("no principal.dataLakePrincipalIdentifier")
	}
	res, err := rj.resource()
	if err != nil {
		return op{}, false, err
	}
	o := op{at: at.UTC(), kind: kind, principal: who, res: res}
	seen := map[string]bool{}
	for _, p := range perms {
		p = strings.ToUpper(strings.TrimSpace(p))
		if p != "" && !seen[p] {
			seen[p] = true
			o.perms = append(o.perms, p)
		}
	}
	return o, len(o.perms) > 0, nil
}

func (r *resourceJSON) resource() (resource, error) {
	switch {
	case r.TableWithColumns != nil:
		t := r.TableWithColumns
		if t.DatabaseName == "" || t.Name == "" {
			return resource{}, fmt.Errorf("tableWithColumns needs databaseName and name")
		}
		res := resource{kind: ResourceTable, db: lower(t.DatabaseName), table: lower(t.Name)}
		switch {
		case t.ColumnWildcard != nil:
			res.cols = allBut(t.ColumnWildcard.ExcludedColumnNames)
		case t.ColumnNames != nil:
			res.cols = named(t.ColumnNames)
		default:
			return resource{}, fmt.Errorf("tableWithColumns needs columnNames or columnWildcard")
		}
		return res, nil
	case r.Table != nil:
		t := r.Table
		res := resource{kind: ResourceTable, db: lower(t.DatabaseName), table: lower(t.Name), cols: colset{all: true}}
		if t.TableWildcard != nil {
			res.table = "*"
		}
		if res.db == "" || res.table == "" {
			return resource{}, fmt.Errorf("table needs databaseName and name or tableWildcard")
		}
		return res, nil
	case r.DataCellsFilter != nil:
		f := r.DataCellsFilter
		if f.DatabaseName == "" || f.TableName == "" || f.Name == "" {
			return resource{}, fmt.Errorf("dataCellsFilter needs databaseName, tableName and name")
		}
		return resource{kind: ResourceDataCellsFilter, db: lower(f.DatabaseName), table: lower(f.TableName), filter: lower(f.Name)}, nil
	case r.Database != nil:
		if r.Database.Name == "" {
			return resource{}, fmt.Errorf("database needs name")
		}
		return resource{kind: ResourceDatabase, db: lower(r.Database.Name)}, nil
	case r.DataLocation != nil:
		if r.DataLocation.ResourceArn == "" {
			return resource{}, fmt.Errorf("dataLocation needs resourceArn")
		}
		return resource{kind: ResourceDataLocation, location: strings.TrimSpace(r.DataLocation.ResourceArn)}, nil
	case r.Catalog != nil:
		return resource{kind: ResourceCatalog}, nil
	case r.LFTagPolicy != nil:
		return r.policyResource()
	case r.LFTag != nil:
		p, err := r.LFTag.pair()
		if err != nil {
			return resource{}, fmt.Errorf("lfTag: %w", err)
		}
		return resource{kind: ResourceLFTag, expr: exprString([]tagCond{{p.key, p.values}})}, nil
	case r.LFTagExpression != nil:
		if r.LFTagExpression.Name == "" {
			return resource{}, fmt.Errorf("lfTagExpression needs name")
		}
		return resource{kind: ResourceLFTagExpression, expr: "@" + lower(r.LFTagExpression.Name)}, nil
	}
	return resource{}, fmt.Errorf("resource names no catalog, database, table, tableWithColumns, dataLocation, dataCellsFilter, lfTag, lfTagPolicy or lfTagExpression")
}

package grants

import (
	"fmt"
	"strings"
	"time"
)

type opKind int

const (
	opGrant  opKind = iota // add permissions
	opRevoke               // remove permissions
	opDefine               // define or redefine a data cells filter's columns
	opDrop                 // delete a data cells filter (and the grants on it)
)

// op is one change to the grants, at a time.
type op struct {
	at        time.Time
	seq       int
	kind      opKind
	principal string
	res       resource
	perms     []string
	def       colset // opDefine: the filter's columns
}

// resource is a Lake Formation resource, names in lower case.
type resource struct {
	kind     string // Resource* kind
	db       string
	table    string // "*": TableWildcard
	filter   string
	location string
	cols     colset // ResourceTable: the columns the resource names
}

// key identifies one principal's permission on one resource.
type key struct {
	kind, principal, db, table, filter, location, perm string
}

func (k key) id() string {
	return strings.Join([]string{k.kind, k.principal, k.db, k.table, k.filter, k.location, k.perm}, "|")
}

// fref names a data cells filter.
type fref struct{ db, table, name string }

// state is the grants in force at one time.
type state struct {
	grants map[key]colset // for table grants the columns; other kinds: all
	defs   map[fref]colset
}

func newState() *state {
	return &state{grants: map[key]colset{}, defs: map[fref]colset{}}
}

func (o *op) keys() []key {
	out := make([]key, 0, len(o.perms))
	for _, p := range o.perms {
		out = append(out, key{o.res.kind, o.principal, o.res.db, o.res.table, o.res.filter, o.res.location, p})
	}
	return out
}

// affected lists the keys whose rows op may change.
func (s *state) affected(o *op) []key {
	switch o.kind {
	case opGrant, opRevoke:
		return o.keys()
	}
	var out []key
	for k := range s.grants {
		if k.kind == ResourceDataCellsFilter && (fref{k.db, k.table, k.filter}) == (fref{o.res.db, o.res.table, o.res.filter}) {
			out = append(out, k)
		}
	}
	return out
}

// apply applies o and reports whether the state changed.
func (s *state) apply(o *op) bool {
	changed := false
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
	}
	return changed
}

// rowID is a row without its validity.
type rowID struct {
	k        key
	column   string
	excluded bool
}

func (r rowID) row(from time.Time) Row {
	read := (r.k.kind == ResourceTable || r.k.kind == ResourceDataCellsFilter) && readPermission(r.k.perm)
	return Row{
		GrantID: r.k.id(), Principal: r.k.principal, Resource: r.k.kind,
		Database: r.k.db, Table: r.k.table, Filter: r.k.filter, Location: r.k.location,
		Permission: r.k.perm, Column: r.column, Excluded: r.excluded, Read: read, From: from,
	}
}

// readPermission reports whether a permission on table data allows SELECT.
func readPermission(p string) bool { return p == "SELECT" || p == "ALL" || p == "SUPER_USER" }

// rows flattens key k into rows.
func (s *state) rows(k key) []rowID {
	cs, ok := s.grants[k]
	if !ok {
		return nil
	}
	switch k.kind {
	case ResourceTable:
	case ResourceDataCellsFilter:
		cs = colset{all: true}
		if def, ok := s.defs[fref{k.db, k.table, k.filter}]; ok {
			cs = def
		}
	default:
		return []rowID{{k: k}}
	}
	var out []rowID
	if cs.all {
		out = append(out, rowID{k: k})
	}
	for _, c := range cs.sorted() {
		out = append(out, rowID{k: k, column: c, excluded: cs.all})
	}
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
	LFTag           *struct{}
	LFTagPolicy     *struct{}
	LFTagExpression *struct{}
}

type filterJSON struct {
	DatabaseName, TableName, Name string
	ColumnNames                   []string
	ColumnWildcard                *struct{ ExcludedColumnNames []string }
}

func (f *filterJSON) op(kind opKind, at time.Time) (op, error) {
	if f.DatabaseName == "" || f.TableName == "" || f.Name == "" {
		return op{}, fmt.Errorf("data cells filter needs databaseName, tableName and name")
	}
	o := op{at: at.UTC(), kind: kind, res: resource{kind: ResourceDataCellsFilter,
		db: lower(f.DatabaseName), table: lower(f.TableName), filter: lower(f.Name)}}
	switch {
	case f.ColumnWildcard != nil:
		o.def = allBut(f.ColumnWildcard.ExcludedColumnNames)
	case len(f.ColumnNames) > 0:
		o.def = named(f.ColumnNames)
	default:
		o.def = colset{all: true}
	}
	return o, nil
}

// grantOp makes a grant or revoke op; ok is false for resources that are
// not evaluated (LF-Tag resources) and for empty permission lists.
func grantOp(kind opKind, at time.Time, p principalJSON, rj resourceJSON, perms []string) (op, bool, error) {
	who := strings.TrimSpace(p.DataLakePrincipalIdentifier)
	if who == "" {
		return op{}, false, fmt.Errorf("no principal.dataLakePrincipalIdentifier")
	}
	res, ok, err := rj.resource()
	if err != nil || !ok {
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

func (r *resourceJSON) resource() (resource, bool, error) {
	switch {
	case r.TableWithColumns != nil:
		t := r.TableWithColumns
		if t.DatabaseName == "" || t.Name == "" {
			return resource{}, false, fmt.Errorf("tableWithColumns needs databaseName and name")
		}
		res := resource{kind: ResourceTable, db: lower(t.DatabaseName), table: lower(t.Name)}
		switch {
		case t.ColumnWildcard != nil:
			res.cols = allBut(t.ColumnWildcard.ExcludedColumnNames)
		case t.ColumnNames != nil:
			res.cols = named(t.ColumnNames)
		default:
			return resource{}, false, fmt.Errorf("tableWithColumns needs columnNames or columnWildcard")
		}
		return res, true, nil
	case r.Table != nil:
		t := r.Table
		res := resource{kind: ResourceTable, db: lower(t.DatabaseName), table: lower(t.Name), cols: colset{all: true}}
		if t.TableWildcard != nil {
			res.table = "*"
		}
		if res.db == "" || res.table == "" {
			return resource{}, false, fmt.Errorf("table needs databaseName and name or tableWildcard")
		}
		return res, true, nil
	case r.DataCellsFilter != nil:
		f := r.DataCellsFilter
		if f.DatabaseName == "" || f.TableName == "" || f.Name == "" {
			return resource{}, false, fmt.Errorf("dataCellsFilter needs databaseName, tableName and name")
		}
		return resource{kind: ResourceDataCellsFilter, db: lower(f.DatabaseName), table: lower(f.TableName), filter: lower(f.Name)}, true, nil
	case r.Database != nil:
		if r.Database.Name == "" {
			return resource{}, false, fmt.Errorf("database needs name")
		}
		return resource{kind: ResourceDatabase, db: lower(r.Database.Name)}, true, nil
	case r.DataLocation != nil:
		if r.DataLocation.ResourceArn == "" {
			return resource{}, false, fmt.Errorf("dataLocation needs resourceArn")
		}
		return resource{kind: ResourceDataLocation, location: strings.TrimSpace(r.DataLocation.ResourceArn)}, true, nil
	case r.Catalog != nil:
		return resource{kind: ResourceCatalog}, true, nil
	case r.LFTag != nil || r.LFTagPolicy != nil || r.LFTagExpression != nil:
		return resource{}, false, nil
	}
	return resource{}, false, fmt.Errorf("resource names no catalog, database, table, tableWithColumns, dataLocation or dataCellsFilter")
}

package grants

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/auditlake/auditlake/pipeline/arns"
	"github.com/auditlake/auditlake/pipeline/catalog"
	"github.com/auditlake/auditlake/pipeline/lake"
)

// LakeFormationSource is the CloudTrail eventSource of Lake Formation.
const LakeFormationSource = "lakeformation.amazonaws.com"

// Everyone is the principal Lake Formation uses for "every IAM principal
// allowed by IAM policies".
const Everyone = "IAM_ALLOWED_PRINCIPALS"

// Resource kinds of a Row.
const (
	ResourceTable           = "table"             // Table, TableWildcard ("*") or TableWithColumns
	ResourceDataCellsFilter = "data_cells_filter" // DataCellsFilter
	ResourceDatabase        = "database"
	ResourceDataLocation    = "data_location"
	ResourceCatalog         = "catalog"
	// ResourceLFTagPolicy is a grant on an LF-Tag expression (LFTagPolicy):
	// one row for the grant itself (Database and Table empty, not a read)
	// and, for resource type TABLE, the rows of each known table it
	// matches, as a grant on the matching columns would give.
	ResourceLFTagPolicy     = "lf_tag_policy"
	ResourceLFTag           = "lf_tag"            // LFTag: permissions on a tag (ASSOCIATE, DESCRIBE), not data
	ResourceLFTagExpression = "lf_tag_expression" // LFTagExpression: permissions on a saved expression, not data
)

// Row is one column of one grant in force over [From, To); see the package
// documentation for how rows combine. The json tags are the column names
// ColumnsSQL expects.
type Row struct {
	GrantID    string    `json:"grant_id"`          // the grant (principal, resource, permission) the row belongs to
	Principal  string    `json:"principal"`         // as granted: an IAM ARN, IAM_ALLOWED_PRINCIPALS, …
	Resource   string    `json:"resource"`          // a Resource* kind
	Database   string    `json:"database_name"`     // lower case; "" for catalog and data location grants
	Table      string    `json:"table_name"`        // lower case; "*" = every table of Database; "" for database grants
	Filter     string    `json:"filter_name"`       // data cells filter name
	Location   string    `json:"location"`          // data location ARN
	Expression string    `json:"lf_tag_expression"` // LF-Tag policy: "key=v1,v2 AND key2=v3", or "@name" of a saved expression
	Permission string    `json:"permission"`        // SELECT, DESCRIBE, ALL, …
	Column     string    `json:"column_name"`       // lower case; "" = every column
	Excluded   bool      `json:"excluded"`          // Column is left out of the grant's "" (every column) row
	RowFilter  string    `json:"row_filter"`        // data cells filter: the rows it lets read ("": all, or unknown)
	Read       bool      `json:"can_read"`          // the row allows reading (SELECT/ALL/SUPER_USER on table data)
	From       time.Time `json:"valid_from"`        // zero: in force since before any record
	To         time.Time `json:"valid_to"`          // zero: still in force (load as NULL)
}

// TableColumns declares a DuckDB table of Rows, in the order of
// Row.Values: the table ColumnsSQL reads (as grants) and the build's
// lf_grants.
const TableColumns = `grant_id VARCHAR, principal VARCHAR, resource VARCHAR, database_name VARCHAR, table_name VARCHAR,
	filter_name VARCHAR, location VARCHAR, lf_tag_expression VARCHAR, permission VARCHAR, column_name VARCHAR,
	excluded BOOLEAN, row_filter VARCHAR, can_read BOOLEAN, valid_from TIMESTAMPTZ, valid_to TIMESTAMPTZ`

// Values is the row as TableColumns lists it (valid_to nil while in force).
func (r *Row) Values() []any {
	var to any
	if !r.To.IsZero() {
		to = r.To
	}
	return []any{r.GrantID, r.Principal, r.Resource, r.Database, r.Table, r.Filter, r.Location, r.Expression,
		r.Permission, r.Column, r.Excluded, r.RowFilter, r.Read, r.From, to}
}

// ColumnsSQL answers "which columns could principal $1 read of table $3 in
// database $2 at time $4" over a table grants (the rows of Rows, named
// by their json tags, valid_to NULL when To is zero) and a table cols
// (column_name: the table's columns from the catalog). It computes what
// Readable computes: grants to $1 itself, to IAM_ALLOWED_PRINCIPALS, to
// "<account>:IAMPrincipals" and to the account id of $1's ARN count.
const ColumnsSQL = `WITH g AS (
  SELECT * FROM grants
  WHERE can_read AND database_name = lower($2) AND table_name IN (lower($3), '*')
    AND (lower(principal) = lower($1) OR upper(principal) = 'IAM_ALLOWED_PRINCIPALS'
         OR (split_part($1, ':', 1) = 'arn' AND split_part($1, ':', 5) <> ''
             AND lower(principal) IN (split_part($1, ':', 5) || ':iamprincipals', split_part($1, ':', 5))))
    AND valid_from <= $4 AND (valid_to IS NULL OR $4 < valid_to))
SELECT c.column_name FROM cols c
WHERE EXISTS (SELECT 1 FROM g WHERE g.column_name = lower(c.column_name) AND NOT g.excluded)
   OR EXISTS (SELECT 1 FROM g a WHERE a.column_name = '' AND NOT EXISTS (
        SELECT 1 FROM g x WHERE x.grant_id = a.grant_id AND x.excluded
          AND x.column_name = lower(c.column_name)))`

// ValidAt reports whether the row was in force at time at.
func (r *Row) ValidAt(at time.Time) bool {
	return !at.Before(r.From) && (r.To.IsZero() || at.Before(r.To))
}

// Access is what a principal may read of one table at one time.
type Access struct {
	Table    bool            // some SELECT on the table
	All      bool            // every column (but Excluded)
	Columns  map[string]bool // when !All: the columns allowed (lower case)
	Excluded map[string]bool // when All through a column wildcard: the columns left out (lower case)
	// filtered are the grants through data cells filters with a row
	// filter: the columns each lets read, of the rows of its expression.
	filtered []filteredGrant
	plain    colset // the columns grants without a row filter let read
}

type filteredGrant struct {
	cols colset
	rows string
}

// Allows reports whether column may be read.
func (a Access) Allows(column string) bool {
	if !a.Table {
		return false
	}
	c := lower(column)
	if a.All {
		return !a.Excluded[c]
	}
	return a.Columns[c]
}

// RowFilter is the row filter that limits what column may be read: "" when
// it may not be read, or when some grant lets it read every row; else the
// filter expressions of the data cells filters that let it read it, ORed
// (each in parentheses when there are several).
func (a Access) RowFilter(column string) string {
	c := lower(column)
	if !a.Allows(c) || a.plain.has(c) {
		return ""
	}
	var exprs []string
	for _, f := range a.filtered {
		if f.cols.has(c) && !slices.Contains(exprs, f.rows) {
			exprs = append(exprs, f.rows)
		}
	}
	sort.Strings(exprs)
	if len(exprs) == 1 {
		return exprs[0]
	}
	for i, e := range exprs {
		exprs[i] = "(" + e + ")"
	}
	return strings.Join(exprs, " OR ")
}

// Set holds Lake Formation grants over time. It is safe for concurrent use.
type Set struct {
	mu    sync.RWMutex
	ops   []op // ordered by (at, seq)
	seq   int
	seen  map[string]bool // event IDs applied
	final *state          // state after every op; nil: to be replayed

	dirty   bool
	history []Row
	index   map[string][]int // "db\x00table" → indexes of read rows in history
	tables  map[string]bool  // "db\x00table" given by AddTable
}

// New returns an empty set: nobody may read anything.
func New() *Set { return &Set{seen: map[string]bool{}, tables: map[string]bool{}} }

// AddTable makes a table known (from the catalog), so that the LF-Tag
// policies that match it give rows for it. Tables named by grants, data
// cells filters and LF-Tag assignments are known without it.
func (s *Set) AddTable(database, table string) {
	k := lower(database) + "\x00" + lower(table)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.tables[k] {
		s.tables[k] = true
		s.dirty = true
	}
}

// LoadFile loads a file of Lake Formation state (see Load).
func (s *Set) LoadFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return s.Load(f, path)
}

// Load reads the JSON output of the AWS CLI's Lake Formation listings;
// several documents may follow each other:
//
//   - `aws lakeformation list-permissions` ({"PrincipalResourcePermissions":[…]}):
//     each permission is granted at its LastUpdated time (the zero time
//     when absent);
//   - `aws lakeformation list-data-cells-filter` ({"DataCellsFilters":[…]});
//   - `aws lakeformation search-tables-by-lf-tags` ({"TableList":[…]}) and
//     `search-databases-by-lf-tags` ({"DatabaseList":[…]}): the LF-Tags of
//     the tables, columns and databases listed;
//   - `aws lakeformation get-resource-lf-tags` output with the request's
//     Resource added ({"Resource":{…},"LFTagOnDatabase":[…],"LFTagsOnTable":[…],
//     "LFTagsOnColumns":[…]}): the output alone does not say which resource
//     it describes.
//
// Filter definitions and tags hold from the zero time; a listed tag equal
// to the one its table or database shows is read as inherited. source
// names the input in errors; nothing is applied when any document is bad.
func (s *Set) Load(r io.Reader, source string) error {
	dec := json.NewDecoder(r)
	var add []op
	for n := 0; ; n++ {
		var doc struct {
			PrincipalResourcePermissions []struct {
				Principal   principalJSON
				Resource    resourceJSON
				Permissions []string
				LastUpdated string
			}
			DataCellsFilters []filterJSON
			TableList        []struct {
				Table *struct{ DatabaseName, Name string }
				taggedTable
			}
			DatabaseList []struct {
				Database *struct{ Name string }
				LFTags   []tagJSON
			}
			Resource *resourceJSON
			taggedTable
		}
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			if n == 0 {
				return fmt.Errorf("%s: empty input, want aws lakeformation list-permissions JSON", source)
			}
			break
		}
		if err != nil {
			return fmt.Errorf("%s: %w", source, err)
		}
		listed := doc.LFTagOnDatabase != nil || doc.LFTagsOnTable != nil || doc.LFTagsOnColumns != nil
		switch {
		case doc.PrincipalResourcePermissions == nil && doc.DataCellsFilters == nil && doc.TableList == nil &&
			doc.DatabaseList == nil && !listed:
			return fmt.Errorf("%s: no PrincipalResourcePermissions, want aws lakeformation list-permissions JSON "+
				"(or list-data-cells-filter, search-tables-by-lf-tags, search-databases-by-lf-tags, get-resource-lf-tags)", source)
		case listed && doc.Resource == nil:
			return fmt.Errorf("%s: get-resource-lf-tags output names no resource: add the request's Resource to it", source)
		}
		for i, p := range doc.PrincipalResourcePermissions {
			at, err := catalog.ParseTime(p.LastUpdated)
			if err != nil {
				return fmt.Errorf("%s: permission %d: LastUpdated: %w", source, i, err)
			}
			o, ok, err := grantOp(opGrant, at, p.Principal, p.Resource, p.Permissions)
			if err != nil {
				return fmt.Errorf("%s: permission %d: %w", source, i, err)
			}
			if ok {
				add = append(add, o)
			}
		}
		for i, f := range doc.DataCellsFilters {
			o, err := f.op(opDefine, time.Time{})
			if err != nil {
				return fmt.Errorf("%s: data cells filter %d: %w", source, i, err)
			}
			add = append(add, o)
		}
		for i, t := range doc.TableList {
			if t.Table == nil || lower(t.Table.DatabaseName) == "" || lower(t.Table.Name) == "" {
				return fmt.Errorf("%s: table %d: no Table with DatabaseName and Name (a TaggedTable of search-tables-by-lf-tags)", source, i)
			}
			ops, err := t.ops(time.Time{}, lower(t.Table.DatabaseName), lower(t.Table.Name))
			if err != nil {
				return fmt.Errorf("%s: table %d: %w", source, i, err)
			}
			add = append(add, ops...)
		}
		for i, d := range doc.DatabaseList {
			if d.Database == nil || lower(d.Database.Name) == "" {
				return fmt.Errorf("%s: database %d: no Database with a Name", source, i)
			}
			t := taggedTable{LFTagOnDatabase: d.LFTags}
			ops, err := t.ops(time.Time{}, lower(d.Database.Name), "")
			if err != nil {
				return fmt.Errorf("%s: database %d: %w", source, i, err)
			}
			add = append(add, ops...)
		}
		if listed {
			db, table, err := doc.Resource.tagged()
			if err != nil {
				return fmt.Errorf("%s: Resource: %w", source, err)
			}
			ops, err := doc.taggedTable.ops(time.Time{}, db, table)
			if err != nil {
				return fmt.Errorf("%s: %w", source, err)
			}
			add = append(add, ops...)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range add {
		s.seq++
		add[i].seq = s.seq
	}
	s.ops = append(s.ops, add...)
	sort.SliceStable(s.ops, func(i, j int) bool { return s.ops[i].at.Before(s.ops[j].at) })
	s.final = nil
	s.dirty = true
	return nil
}

// ApplyEvent replays one event from the lake: successful Lake Formation
// GrantPermissions, RevokePermissions, BatchGrantPermissions,
// BatchRevokePermissions, Create/Update/DeleteDataCellsFilter,
// Create/Update/DeleteLFTag, AddLFTagsToResource, RemoveLFTagsFromResource
// and Create/Update/DeleteLFTagExpression calls. It reports whether the
// grants in force changed at any time. Failed calls, other events and
// events already applied change nothing; an error means a relevant event
// could not be read (and nothing was applied).
func (s *Set) ApplyEvent(ev *lake.Event) (bool, error) {
	if ev == nil || ev.EventSource != LakeFormationSource || ev.Outcome != lake.OutcomeSuccess {
		return false, nil
	}
	ops, err := eventOps(ev)
	if err != nil || ops == nil {
		return false, err
	}
	at := ev.EventTime.UTC()

	s.mu.Lock()
	defer s.mu.Unlock()
	if ev.EventID != "" {
		if s.seen[ev.EventID] {
			return false, nil
		}
		s.seen[ev.EventID] = true
	}
	if len(ops) == 0 {
		return false, nil
	}
	for i := range ops {
		s.seq++
		ops[i].seq = s.seq
	}
	changed := false
	if n := len(s.ops); n == 0 || !at.Before(s.ops[n-1].at) {
		// In order: apply on top of the current state.
		st := s.finalState()
		for i := range ops {
			changed = st.apply(&ops[i]) || changed
		}
		s.ops = append(s.ops, ops...)
	} else {
		// Out of order: replay up to the event's time, apply it there,
		// then replay the rest.
		i := sort.Search(len(s.ops), func(i int) bool { return s.ops[i].at.After(at) })
		st := newState(nil)
		for j := range s.ops[:i] {
			st.apply(&s.ops[j])
		}
		for j := range ops {
			changed = st.apply(&ops[j]) || changed
		}
		for j := range s.ops[i:] {
			st.apply(&s.ops[i+j])
		}
		s.ops = append(s.ops[:i], append(ops, s.ops[i:]...)...)
		s.final = st
	}
	if changed {
		s.dirty = true
	}
	return changed, nil
}

// eventOps reads the ops of an event; nil (no error) for events that do
// not change grants.
func eventOps(ev *lake.Event) ([]op, error) {
	at := ev.EventTime.UTC()
	ops := []op{}
	switch ev.EventName {
	case "GrantPermissions", "RevokePermissions":
		var p struct {
			Principal   principalJSON
			Resource    resourceJSON
			Permissions []string
		}
		if err := unmarshal(ev, &p); err != nil {
			return nil, err
		}
		o, ok, err := grantOp(kindOf(ev.EventName), at, p.Principal, p.Resource, p.Permissions)
		if err != nil {
			return nil, fmt.Errorf("lakeformation %s: %w", ev.EventName, err)
		}
		if ok {
			ops = append(ops, o)
		}
	case "BatchGrantPermissions", "BatchRevokePermissions":
		var p struct {
			Entries []struct {
				ID          string `json:"id"`
				Principal   principalJSON
				Resource    resourceJSON
				Permissions []string
			}
		}
		if err := unmarshal(ev, &p); err != nil {
			return nil, err
		}
		failed := map[string]bool{}
		if ev.ResponseElements != "" {
			var resp struct {
				Failures []struct {
					RequestEntry struct {
						ID string `json:"id"`
					}
				}
			}
			if err := json.Unmarshal([]byte(ev.ResponseElements), &resp); err == nil {
				for _, f := range resp.Failures {
					failed[f.RequestEntry.ID] = true
				}
			}
		}
		for i, e := range p.Entries {
			if e.ID != "" && failed[e.ID] {
				continue
			}
			o, ok, err := grantOp(kindOf(ev.EventName), at, e.Principal, e.Resource, e.Permissions)
			if err != nil {
				return nil, fmt.Errorf("lakeformation %s: entry %d: %w", ev.EventName, i, err)
			}
			if ok {
				ops = append(ops, o)
			}
		}
	case "CreateDataCellsFilter", "UpdateDataCellsFilter":
		var p struct{ TableData *filterJSON }
		if err := unmarshal(ev, &p); err != nil {
			return nil, err
		}
		if p.TableData == nil {
			return nil, fmt.Errorf("lakeformation %s: requestParameters have no tableData", ev.EventName)
		}
		o, err := p.TableData.op(opDefine, at)
		if err != nil {
			return nil, fmt.Errorf("lakeformation %s: %w", ev.EventName, err)
		}
		ops = append(ops, o)
	case "DeleteDataCellsFilter":
		var p filterJSON
		if err := unmarshal(ev, &p); err != nil {
			return nil, err
		}
		o, err := p.op(opDrop, at)
		if err != nil {
			return nil, fmt.Errorf("lakeformation %s: %w", ev.EventName, err)
		}
		ops = append(ops, o)
	case "CreateLFTag", "UpdateLFTag", "DeleteLFTag":
		var p struct {
			TagKey                                       string
			TagValues, TagValuesToAdd, TagValuesToDelete []string
		}
		if err := unmarshal(ev, &p); err != nil {
			return nil, err
		}
		add, err := tagJSON{p.TagKey, append(p.TagValues, p.TagValuesToAdd...)}.pair()
		if err != nil {
			return nil, fmt.Errorf("lakeformation %s: %w", ev.EventName, err)
		}
		del, _ := tagJSON{p.TagKey, p.TagValuesToDelete}.pair()
		o := op{at: at, kind: opTagValues, tagKey: add.key, del: del.values}
		if ev.EventName == "DeleteLFTag" {
			o.kind = opTagDelete
		}
		ops = append(ops, o)
	case "AddLFTagsToResource", "RemoveLFTagsFromResource":
		var p struct {
			Resource resourceJSON
			LFTags   []tagJSON
		}
		if err := unmarshal(ev, &p); err != nil {
			return nil, err
		}
		on, err := p.Resource.tagTargets()
		if err != nil {
			return nil, fmt.Errorf("lakeformation %s: %w", ev.EventName, err)
		}
		tags, err := pairs(p.LFTags)
		if err != nil {
			return nil, fmt.Errorf("lakeformation %s: %w", ev.EventName, err)
		}
		// Tags the response lists as failures were not assigned (removed).
		if ev.ResponseElements != "" {
			var resp struct {
				Failures []struct{ LFTag tagJSON }
			}
			if json.Unmarshal([]byte(ev.ResponseElements), &resp) == nil {
				for _, f := range resp.Failures {
					bad, err := f.LFTag.pair()
					if err != nil {
						continue
					}
					tags = slices.DeleteFunc(tags, func(p tagPair) bool {
						return p.key == bad.key && (len(bad.values) == 0 || slices.Equal(p.values, bad.values))
					})
				}
			}
		}
		kind := opTagAssign
		if ev.EventName == "RemoveLFTagsFromResource" {
			kind = opTagUnassign
		}
		if len(on) > 0 && len(tags) > 0 {
			ops = append(ops, op{at: at, kind: kind, tags: tags, on: on})
		}
	case "CreateLFTagExpression", "UpdateLFTagExpression", "DeleteLFTagExpression":
		var p struct {
			Name       string
			Expression []tagJSON
		}
		if err := unmarshal(ev, &p); err != nil {
			return nil, err
		}
		o := op{at: at, kind: opExprDrop, expr: lower(p.Name)}
		if o.expr == "" {
			return nil, fmt.Errorf("lakeformation %s: requestParameters have no name", ev.EventName)
		}
		if ev.EventName != "DeleteLFTagExpression" {
			conds, err := expression(p.Expression)
			if err != nil {
				return nil, fmt.Errorf("lakeformation %s: %w", ev.EventName, err)
			}
			o.kind, o.conds = opExprDefine, conds
		}
		ops = append(ops, o)
	default:
		return nil, nil
	}
	return ops, nil
}

func kindOf(eventName string) opKind {
	if strings.Contains(eventName, "Revoke") {
		return opRevoke
	}
	return opGrant
}

func unmarshal(ev *lake.Event, v any) error {
	if err := json.Unmarshal([]byte(ev.RequestParameters), v); err != nil {
		return fmt.Errorf("lakeformation %s: requestParameters: %w", ev.EventName, err)
	}
	return nil
}

// finalState is the state after every op; the caller holds the write lock.
func (s *Set) finalState() *state {
	if s.final == nil {
		st := newState(nil)
		for i := range s.ops {
			st.apply(&s.ops[i])
		}
		s.final = st
	}
	return s.final
}

// Rows lists every grant row with the time it was in force (the grants
// in force over time), ordered by principal, database, table, filter,
// permission, column and From.
func (s *Set) Rows() []Row {
	s.mu.RLock()
	if s.dirty {
		s.mu.RUnlock()
		s.mu.Lock()
		if s.dirty {
			s.compute()
		}
		s.mu.Unlock()
		s.mu.RLock()
	}
	defer s.mu.RUnlock()
	return append([]Row(nil), s.history...)
}

// RowsAt lists the grant rows in force at time at.
func (s *Set) RowsAt(at time.Time) []Row {
	var out []Row
	for _, r := range s.Rows() {
		if r.ValidAt(at) {
			out = append(out, r)
		}
	}
	return out
}

// Readable returns what principal may read of database.table at time at.
func (s *Set) Readable(principal, database, table string, at time.Time) Access {
	s.mu.RLock()
	if s.dirty {
		s.mu.RUnlock()
		s.mu.Lock()
		if s.dirty {
			s.compute()
		}
		s.mu.Unlock()
		s.mu.RLock()
	}
	defer s.mu.RUnlock()

	db := lower(database)
	type group struct {
		cols colset
		rows string
	}
	groups := map[string]*group{}
	var order []string
	for _, key := range []string{db + "\x00" + lower(table), db + "\x00*"} {
		for _, i := range s.index[key] {
			r := &s.history[i]
			if !r.ValidAt(at) || !principalMatches(r.Principal, principal) {
				continue
			}
			g := groups[r.GrantID]
			if g == nil {
				g = &group{cols: colset{cols: map[string]bool{}}, rows: r.RowFilter}
				groups[r.GrantID] = g
				order = append(order, r.GrantID)
			}
			switch {
			case r.Column == "" && !r.Excluded:
				g.cols.all = true
			default:
				g.cols.cols[r.Column] = true
			}
		}
	}
	var u, plain colset
	var filtered []filteredGrant
	for _, id := range order {
		g := groups[id]
		u = u.union(g.cols)
		if g.rows == "" {
			plain = plain.union(g.cols)
		} else {
			filtered = append(filtered, filteredGrant{g.cols, g.rows})
		}
	}
	if u.empty() {
		return Access{}
	}
	a := Access{Table: true, All: u.all, plain: plain, filtered: filtered}
	if u.all {
		a.Excluded = u.cols
		if a.Excluded == nil {
			a.Excluded = map[string]bool{}
		}
	} else {
		a.Columns = u.cols
	}
	return a
}

// Effective returns the columns of columns (in their order and spelling)
// that principal's grants let it read of database.table at time at: what
// Athena returns for SELECT * over those columns.
func (s *Set) Effective(principal, database, table string, columns []string, at time.Time) []string {
	a := s.Readable(principal, database, table, at)
	out := []string{}
	for _, c := range columns {
		if a.Allows(c) {
			out = append(out, c)
		}
	}
	return out
}

// known is every table the set knows, by database: AddTable's and those
// the ops name. The caller holds the write lock.
func (s *Set) known() map[string][]string {
	set := map[string]bool{}
	for k := range s.tables {
		set[k] = true
	}
	for i := range s.ops {
		o := &s.ops[i]
		if o.res.table != "" && o.res.table != "*" {
			set[o.res.db+"\x00"+o.res.table] = true
		}
		for _, r := range o.on {
			if r.table != "" {
				set[r.db+"\x00"+r.table] = true
			}
		}
	}
	out := map[string][]string{}
	for k := range set {
		db, table, _ := strings.Cut(k, "\x00")
		out[db] = append(out[db], table)
	}
	for _, t := range out {
		sort.Strings(t)
	}
	return out
}

// compute rebuilds history and index by replaying every op; the caller
// holds the write lock.
func (s *Set) compute() {
	st := newState(s.known())
	var rows []Row
	open := map[rowID]int{}
	for i := 0; i < len(s.ops); {
		at := s.ops[i].at
		before := map[key][]rowID{}
		for ; i < len(s.ops) && s.ops[i].at.Equal(at); i++ {
			for _, k := range st.affected(&s.ops[i]) {
				if _, ok := before[k]; !ok {
					before[k] = st.rows(k)
				}
			}
			st.apply(&s.ops[i])
		}
		for k, old := range before {
			now := map[rowID]bool{}
			for _, id := range st.rows(k) {
				now[id] = true
			}
			was := map[rowID]bool{}
			for _, id := range old {
				was[id] = true
				if !now[id] {
					rows[open[id]].To = at
					delete(open, id)
				}
			}
			for id := range now {
				if !was[id] {
					open[id] = len(rows)
					rows = append(rows, id.row(at))
				}
			}
		}
	}
	sort.Slice(rows, func(i, j int) bool {
		a, b := &rows[i], &rows[j]
		for _, p := range [][2]string{{a.Principal, b.Principal}, {a.Database, b.Database}, {a.Table, b.Table},
			{a.Filter, b.Filter}, {a.Resource, b.Resource}, {a.Location, b.Location}, {a.Expression, b.Expression},
			{a.Permission, b.Permission}, {a.Column, b.Column}, {a.RowFilter, b.RowFilter}} {
			if p[0] != p[1] {
				return p[0] < p[1]
			}
		}
		if a.Excluded != b.Excluded {
			return !a.Excluded
		}
		return a.From.Before(b.From)
	})
	s.history = rows
	s.index = map[string][]int{}
	for i := range rows {
		if rows[i].Read {
			k := rows[i].Database + "\x00" + rows[i].Table
			s.index[k] = append(s.index[k], i)
		}
	}
	s.dirty = false
}

// principalMatches reports whether a grant to granted applies to who:
// granted is who (an assumed-role session matches its role), everyone
// (IAM_ALLOWED_PRINCIPALS), every principal of who's account
// ("<account>:IAMPrincipals"), or who's account itself (a cross-account
// grant to an account id; that account's own re-grants are not seen here).
func principalMatches(granted, who string) bool {
	if strings.EqualFold(granted, Everyone) || strings.EqualFold(granted, who) {
		return true
	}
	if len(granted) > len(":IAMPrincipals") && strings.EqualFold(granted[len(granted)-len(":IAMPrincipals"):], ":IAMPrincipals") {
		acct := granted[:len(granted)-len(":IAMPrincipals")]
		return acct == arns.Account(who) && acct != ""
	}
	if arns.IsAccountID(granted) {
		return granted == arns.Account(who)
	}
	wa, wn, ok := roleOf(who)
	if !ok {
		return false
	}
	ga, gn, ok := roleOf(granted)
	return ok && ga == wa && strings.EqualFold(gn, wn)
}

// roleOf returns the account and role name of an IAM role ARN (any path)
// or an STS assumed-role ARN.
func roleOf(arn string) (account, name string, ok bool) {
	p := arns.PrincipalOf(arn)
	if (p.Type != "Role" && p.Type != "AssumedRole") || p.RoleName == "" {
		return "", "", false
	}
	return p.Account, p.RoleName, true
}

func lower(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

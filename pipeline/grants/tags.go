package grants

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// tagRes is a resource LF-Tags are assigned to: a database (table ""), a
// table (column "") or a column.
type tagRes struct{ db, table, column string }

// tagPair is an LF-Tag key with values, lower case as Lake Formation
// stores them. As an expression condition (tagCond) the resource's value
// of key must be one of values.
type tagPair struct {
	key    string
	values []string
}

type tagCond = tagPair

// tagJSON is an LFTag / LFTagPair: {"TagKey": …, "TagValues": […]}.
type tagJSON struct {
	TagKey    string
	TagValues []string
}

func (t tagJSON) pair() (tagPair, error) {
	p := tagPair{key: lower(t.TagKey)}
	if p.key == "" {
		return p, fmt.Errorf("LF-Tag without tagKey")
	}
	for _, v := range t.TagValues {
		if v = lower(v); v != "" && !slices.Contains(p.values, v) {
			p.values = append(p.values, v)
		}
	}
	sort.Strings(p.values)
	return p, nil
}

func pairs(list []tagJSON) ([]tagPair, error) {
	out := make([]tagPair, 0, len(list))
	for _, t := range list {
		p, err := t.pair()
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// expression reads an LF-Tag expression: keys are ANDed, the values of a
// key ORed; a key given twice must match both lists.
func expression(list []tagJSON) ([]tagCond, error) {
	ps, err := pairs(list)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, fmt.Errorf("empty LF-Tag expression")
	}
	byKey := map[string][]string{}
	for _, p := range ps {
		if old, ok := byKey[p.key]; ok {
			var both []string
			for _, v := range p.values {
				if slices.Contains(old, v) {
					both = append(both, v)
				}
			}
			p.values = both
		}
		byKey[p.key] = p.values
	}
	var out []tagCond
	for _, k := range sortedKeys(byKey) {
		out = append(out, tagCond{k, byKey[k]})
	}
	return out, nil
}

// exprString renders an expression: "key=v1,v2 AND key2=v3" (neither ','
// nor spaces around AND can be in a key; a value cannot hold a comma).
func exprString(conds []tagCond) string {
	parts := make([]string, len(conds))
	for i, c := range conds {
		parts[i] = c.key + "=" + strings.Join(c.values, ",")
	}
	return strings.Join(parts, " AND ")
}

func (r *resourceJSON) policyResource() (resource, error) {
	p := r.LFTagPolicy
	res := resource{kind: ResourceLFTagPolicy, rtype: strings.ToUpper(strings.TrimSpace(p.ResourceType))}
	if res.rtype != "TABLE" && res.rtype != "DATABASE" {
		return resource{}, fmt.Errorf("lfTagPolicy resourceType %q: want TABLE or DATABASE", p.ResourceType)
	}
	switch {
	case len(p.Expression) > 0:
		conds, err := expression(p.Expression)
		if err != nil {
			return resource{}, fmt.Errorf("lfTagPolicy: %w", err)
		}
		res.expr, res.conds = exprString(conds), conds
	case strings.TrimSpace(p.ExpressionName) != "":
		res.expr = "@" + lower(p.ExpressionName)
	default:
		return resource{}, fmt.Errorf("lfTagPolicy needs an expression or an expressionName")
	}
	return res, nil
}

// conditions resolves a policy's expression: its own, or the saved
// expression it names ("@name") as defined now.
func (s *state) conditions(expr string) ([]tagCond, bool) {
	if name, ok := strings.CutPrefix(expr, "@"); ok {
		c, ok := s.exprs[name]
		return c, ok
	}
	c, ok := s.policies[expr]
	return c, ok
}

// match is the columns of db.table an expression matches, from the tags
// in force: a column's tags are its own, else its table's, else its
// database's (a value assigned lower overrides the inherited one).
func (s *state) match(conds []tagCond, db, table string) colset {
	base := map[string]string{}
	for k, v := range s.tagged[tagRes{db: db}] {
		base[k] = v
	}
	for k, v := range s.tagged[tagRes{db: db, table: table}] {
		base[k] = v
	}
	out := colset{all: satisfies(conds, base, nil), cols: map[string]bool{}}
	for c := range s.columns[db+"\x00"+table] {
		own := s.tagged[tagRes{db, table, c}]
		if satisfies(conds, base, own) != out.all {
			out.cols[c] = true
		}
	}
	return out
}

// satisfies reports whether the tags (own over inherited) meet every
// condition.
func satisfies(conds []tagCond, inherited, own map[string]string) bool {
	for _, c := range conds {
		v, ok := own[c.key]
		if !ok {
			v, ok = inherited[c.key]
		}
		if !ok || !slices.Contains(c.values, v) {
			return false
		}
	}
	return true
}

// applyTags applies an LF-Tag op and reports whether the tags in force or
// the grants changed.
func (s *state) applyTags(o *op) bool {
	changed := false
	switch o.kind {
	case opTagValues:
		// A deleted value is no longer on any resource.
		changed = s.untag(func(k, v string) bool { return k == o.tagKey && slices.Contains(o.del, v) })
	case opTagDelete:
		changed = s.untag(func(k, _ string) bool { return k == o.tagKey })
		// The policies on the key become invalid.
		for k := range s.grants {
			if k.kind != ResourceLFTagPolicy {
				continue
			}
			if conds, ok := s.policies[k.expr]; ok && slices.ContainsFunc(conds, func(c tagCond) bool { return c.key == o.tagKey }) {
				delete(s.grants, k)
				changed = true
			}
		}
	case opTagAssign:
		for _, r := range o.on {
			for _, p := range o.tags {
				if len(p.values) == 0 {
					continue
				}
				if s.tagged[r] == nil {
					s.tagged[r] = map[string]string{}
				}
				if s.tagged[r][p.key] != p.values[0] {
					s.tagged[r][p.key] = p.values[0] // one value per key and resource
					changed = true
				}
			}
			s.index(r)
		}
	case opTagUnassign:
		for _, r := range o.on {
			for _, p := range o.tags {
				if v, ok := s.tagged[r][p.key]; ok && (len(p.values) == 0 || slices.Contains(p.values, v)) {
					delete(s.tagged[r], p.key)
					changed = true
				}
			}
			s.index(r)
		}
	case opExprDefine:
		if old, ok := s.exprs[o.expr]; !ok || exprString(old) != exprString(o.conds) {
			s.exprs[o.expr] = o.conds
			changed = true
		}
	case opExprDrop:
		if _, ok := s.exprs[o.expr]; ok {
			delete(s.exprs, o.expr)
			changed = true
		}
	}
	return changed
}

// untag removes the assignments drop says yes to.
func (s *state) untag(drop func(key, value string) bool) bool {
	changed := false
	for r, tags := range s.tagged {
		for k, v := range tags {
			if drop(k, v) {
				delete(tags, k)
				changed = true
			}
		}
		s.index(r)
	}
	return changed
}

// index keeps s.columns (the tagged columns of each table) and s.tagged
// (no empty entries) current for r.
func (s *state) index(r tagRes) {
	empty := len(s.tagged[r]) == 0
	if empty {
		delete(s.tagged, r)
	}
	if r.column == "" {
		return
	}
	t := r.db + "\x00" + r.table
	if empty {
		delete(s.columns[t], r.column)
		return
	}
	if s.columns[t] == nil {
		s.columns[t] = map[string]bool{}
	}
	s.columns[t][r.column] = true
}

// tagTargets are the resources a tag assignment names: a database, a
// table, or columns of a table. Other resources (a catalog, a table
// wildcard, a column wildcard) are not tag targets that decide a table
// read and give none.
func (r *resourceJSON) tagTargets() ([]tagRes, error) {
	switch {
	case r.TableWithColumns != nil:
		t := r.TableWithColumns
		if t.DatabaseName == "" || t.Name == "" {
			return nil, fmt.Errorf("tableWithColumns needs databaseName and name")
		}
		var out []tagRes
		for _, c := range t.ColumnNames {
			if c = lower(c); c != "" {
				out = append(out, tagRes{lower(t.DatabaseName), lower(t.Name), c})
			}
		}
		return out, nil
	case r.Table != nil:
		if r.Table.TableWildcard != nil {
			return nil, nil
		}
		if r.Table.DatabaseName == "" || r.Table.Name == "" {
			return nil, fmt.Errorf("table needs databaseName and name")
		}
		return []tagRes{{db: lower(r.Table.DatabaseName), table: lower(r.Table.Name)}}, nil
	case r.Database != nil:
		if r.Database.Name == "" {
			return nil, fmt.Errorf("database needs name")
		}
		return []tagRes{{db: lower(r.Database.Name)}}, nil
	}
	return nil, nil
}

// taggedTable is a TaggedTable of search-tables-by-lf-tags, or the output
// of get-resource-lf-tags (with the request's Resource).
type taggedTable struct {
	LFTagOnDatabase []tagJSON
	LFTagsOnTable   []tagJSON
	LFTagsOnColumns []struct {
		Name   string
		LFTags []tagJSON
	}
}

// ops assigns the tags of a listing at time at. A listing shows the tags
// in force, inherited ones included: a table's value equal to its
// database's, or a column's equal to its table's, is read as inherited,
// so that a later change of the database's or table's tag reaches it.
func (t *taggedTable) ops(at time.Time, db, table string) ([]op, error) {
	var out []op
	dbTags, err := pairs(t.LFTagOnDatabase)
	if err != nil {
		return nil, err
	}
	inherited := map[string]string{}
	for _, p := range dbTags {
		if len(p.values) > 0 {
			inherited[p.key] = p.values[0]
		}
	}
	if len(dbTags) > 0 {
		out = append(out, op{at: at, kind: opTagAssign, tags: dbTags, on: []tagRes{{db: db}}})
	}
	if table == "" {
		return out, nil
	}
	own := func(list []tagJSON, from map[string]string) ([]tagPair, map[string]string, error) {
		ps, err := pairs(list)
		if err != nil {
			return nil, nil, err
		}
		eff := map[string]string{}
		for k, v := range from {
			eff[k] = v
		}
		var keep []tagPair
		for _, p := range ps {
			if len(p.values) == 0 || from[p.key] == p.values[0] {
				continue
			}
			keep = append(keep, p)
			eff[p.key] = p.values[0]
		}
		return keep, eff, nil
	}
	tableTags, eff, err := own(t.LFTagsOnTable, inherited)
	if err != nil {
		return nil, err
	}
	if len(tableTags) > 0 {
		out = append(out, op{at: at, kind: opTagAssign, tags: tableTags, on: []tagRes{{db: db, table: table}}})
	}
	for _, c := range t.LFTagsOnColumns {
		if lower(c.Name) == "" {
			return nil, fmt.Errorf("LFTagsOnColumns entry without Name")
		}
		colTags, _, err := own(c.LFTags, eff)
		if err != nil {
			return nil, err
		}
		if len(colTags) > 0 {
			out = append(out, op{at: at, kind: opTagAssign, tags: colTags, on: []tagRes{{db, table, lower(c.Name)}}})
		}
	}
	return out, nil
}

// tagged is the database and table (or "") a get-resource-lf-tags request
// named.
func (r *resourceJSON) tagged() (db, table string, err error) {
	switch {
	case r.Table != nil && r.Table.TableWildcard == nil:
		db, table = lower(r.Table.DatabaseName), lower(r.Table.Name)
	case r.TableWithColumns != nil:
		db, table = lower(r.TableWithColumns.DatabaseName), lower(r.TableWithColumns.Name)
	case r.Database != nil:
		db = lower(r.Database.Name)
		if db == "" {
			return "", "", fmt.Errorf("database needs name")
		}
		return db, "", nil
	default:
		return "", "", fmt.Errorf("want a Database, Table or TableWithColumns")
	}
	if db == "" || table == "" {
		return "", "", fmt.Errorf("table needs databaseName and name")
	}
	return db, table, nil
}

package chain

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"database/sql/driver"
	"fmt"
	"strings"
	"time"

	"github.com/auditlake/auditlake/pipeline/catalog"
	"github.com/auditlake/auditlake/pipeline/grants"
	"github.com/auditlake/auditlake/pipeline/lake"
	"github.com/auditlake/auditlake/pipeline/lakedb"
	"github.com/auditlake/auditlake/pipeline/lineage"
)

// replay is the "replay" step: the catalog and grant files, then the Glue
// table and Lake Formation permission events of the step's SELECT in time
// order, applied to them; every table version goes to catalog_tables.
func (b *builder) replay(ctx context.Context, s *Step) (int64, error) {
	cat, gr := catalog.New(), grants.New()
	for _, f := range Expand(b.opt.Catalog) {
		if err := cat.LoadFile(f); err != nil {
			return 0, fmt.Errorf("catalog: %w", err)
		}
	}
	for _, f := range Expand(b.opt.Grants) {
		if err := gr.LoadFile(f); err != nil {
			return 0, fmt.Errorf("grants: %w", err)
		}
	}
	var n int64
	err := b.withInputs(ctx, func() error {
		rows, err := b.db.QueryContext(ctx, s.Query.Body())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var ev lake.Event
			if err := rows.Scan(&ev.EventID, &ev.EventSource, &ev.EventName, &ev.EventTime, &ev.Outcome, &ev.RequestParameters, &ev.ResponseElements); err != nil {
				return err
			}
			n++
			if ev.EventSource == "glue.amazonaws.com" {
				if err := cat.ApplyEvent(ev.EventSource, ev.EventName, ev.EventTime, ev.Outcome, ev.RequestParameters); err != nil {
					return fmt.Errorf("catalog event %s at %s: %w", ev.EventName, ev.EventTime, err)
				}
				continue
			}
			if _, err := gr.ApplyEvent(&ev); err != nil {
				return fmt.Errorf("grant event %s at %s: %w", ev.EventName, ev.EventTime, err)
			}
		}
		return rows.Err()
	})
	if err != nil {
		return 0, err
	}
	// The LF-Tag policies are evaluated on every table the catalog has had.
	for _, t := range cat.Versions() {
		gr.AddTable(t.Database, t.Name)
	}
	b.chain.Catalog, b.chain.Grants = cat, gr
	if err := b.createCatalogTables(ctx); err != nil {
		return 0, err
	}
	if err := b.grantsTable(ctx, gr); err != nil {
		return 0, err
	}
	var vals [][]driver.Value
	for _, t := range cat.Versions() {
		var to driver.Value
		if !t.To.IsZero() {
			to = t.To
		}
		folder := strings.TrimRight(t.Location, "/") + "/"
		if t.Location == "" {
			folder = ""
		}
		vals = append(vals, []driver.Value{strings.ToLower(t.Database), strings.ToLower(t.Name), t.Location, folder, t.From, to})
	}
	return n, b.db.Append(ctx, "catalog_tables", vals)
}

// grantsTable writes the grants in force over time into main.lf_grants
// (grants.TableColumns), for the steps that judge a read by them (s3_reads:
// a table Lake Formation leaves to IAM is not bypassed). It lives for the
// build only.
func (b *builder) grantsTable(ctx context.Context, gr *grants.Set) error {
	if _, err := b.db.ExecContext(ctx, `CREATE OR REPLACE TABLE main.lf_grants (`+grants.TableColumns+`)`); err != nil {
		return err
	}
	var vals [][]driver.Value
	for _, r := range gr.Rows() {
		if r.Read {
			row := r.Values()
			v := make([]driver.Value, len(row))
			for i := range row {
				v[i] = row[i]
			}
			vals = append(vals, v)
		}
	}
	return b.db.Append(ctx, "lf_grants", vals)
}

// createCatalogTables creates catalog_tables empty.
func (b *builder) createCatalogTables(ctx context.Context) error {
	_, err := b.db.ExecContext(ctx, `CREATE OR REPLACE TABLE main.catalog_tables (
		database_name VARCHAR, table_name VARCHAR, location VARCHAR, location_folder VARCHAR,
		valid_from TIMESTAMP WITH TIME ZONE, valid_to TIMESTAMP WITH TIME ZONE)`)
	return err
}

// NoColumn is the certainty of the table-level row (column_name NULL) of a
// table an Athena query scanned without reading any of its columns, or
// whose columns it read were all outside the grant.
const NoColumn = "no_column"

// lineage is the "lineage" step: it extracts the columns of every Athena
// query of the step's SELECT (package lineage, on all cores, against the
// catalog versions in force when the query ran) and keeps those the Lake
// Formation grant in force let the query read (Athena drops the others
// from SELECT *; a column named outright stays, denied), with the row
// filter of the data cells filters that limited a column.
func (b *builder) lineage(ctx context.Context, s *Step, days dayset) (int64, error) {
	if _, err := b.db.ExecContext(ctx, "CREATE OR REPLACE TABLE main."+lakedb.QuoteIdent("new_"+s.Name)+" AS "+lakedb.Empty(s.Table)); err != nil {
		return 0, err
	}
	type job struct {
		id, text, db, cat, principal string
		at                           time.Time
	}
	var jobs []job
	err := b.withInputs(ctx, func() error {
		rows, err := b.db.QueryContext(ctx, "SELECT * FROM ("+s.Query.Body()+") WHERE "+dayFilter("event_time", days.sorted()))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var j job
			if err := rows.Scan(&j.id, &j.text, &j.db, &j.cat, &j.principal, &j.at); err != nil {
				return err
			}
			jobs = append(jobs, j)
		}
		return rows.Err()
	})
	if err != nil {
		return 0, err
	}
	cat, gr := b.chain.Catalog, b.chain.Grants
	if cat == nil {
		return 0, fmt.Errorf("the replay step did not run before the lineage step")
	}
	// Queries that ran against the same table versions share an extractor.
	type group struct {
		tables []*catalog.Table
		idx    []int
	}
	groups := map[string]*group{}
	var keys []string
	for i, j := range jobs {
		tables := cat.Tables(j.at)
		k := versionsKey(tables)
		g := groups[k]
		if g == nil {
			g = &group{tables: tables}
			groups[k] = g
			keys = append(keys, k)
		}
		g.idx = append(g.idx, i)
	}
	grantsKnown := len(gr.Rows()) > 0
	reuse, err := b.previousColumns(ctx, s, days)
	if err != nil {
		return 0, err
	}
	var vals [][]driver.Value
	reused := 0
	for _, k := range keys {
		g := groups[k]
		// A query whose inputs are those it had last build keeps its rows.
		todo := g.idx[:0:0]
		for _, ji := range g.idx {
			j := jobs[ji]
			lk := lineageKey(j.text, j.db, j.cat, j.principal, k)
			if old, ok := reuse[j.id]; ok && old.key == lk {
				vals = append(vals, old.rows...)
				reused++
				continue
			}
			todo = append(todo, ji)
		}
		g.idx = todo
		if len(todo) == 0 {
			continue
		}
		list := make([]catalog.Table, len(g.tables))
		for i, t := range g.tables {
			list[i] = *t
		}
		x, err := lineage.New(ctx, list)
		if err != nil {
			return 0, fmt.Errorf("lineage: %w", err)
		}
		qs := make([]lineage.Query, len(g.idx))
		for i, ji := range g.idx {
			qs[i] = lineage.Query{SQL: jobs[ji].text, Database: jobs[ji].db, Catalog: jobs[ji].cat}
		}
		results := x.ExtractAll(ctx, qs)
		x.Close()
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		for i, res := range results {
			j := jobs[g.idx[i]]
			lk := lineageKey(j.text, j.db, j.cat, j.principal, k)
			b.chain.LineageMethods[res.Method]++
			if res.Method == "" {
				continue
			}
			var methodErr driver.Value
			if res.Err != "" {
				methodErr = res.Err
			}
			for _, a := range res.Accesses {
				db, table := strings.ToLower(a.Database), strings.ToLower(a.Table)
				if a.Columns == nil {
					vals = append(vals, []driver.Value{j.id, j.at, db, table, nil, "table", true, methodErr, nil, lk})
					continue
				}
				access := gr.Readable(j.principal, a.Database, a.Table, j.at)
				named := map[string]bool{}
				for _, c := range a.Named {
					named[c] = true
				}
				kept := 0
				for _, c := range a.Columns {
					allowed := !grantsKnown || access.Allows(c)
					if !allowed && !named[c] {
						continue // SELECT * silently drops what the grant excludes
					}
					var rowFilter driver.Value
					if f := access.RowFilter(c); f != "" {
						rowFilter = f
					}
					vals = append(vals, []driver.Value{j.id, j.at, db, table, c, res.Method, allowed, methodErr, rowFilter, lk})
					kept++
				}
				if kept == 0 {
					// The query scanned the table but read none of its
					// columns (count(*), SELECT 1, EXISTS (SELECT * …)), or
					// none its grant allowed: the access still leaves a row.
					vals = append(vals, []driver.Value{j.id, j.at, db, table, nil, NoColumn, !grantsKnown || access.Table, methodErr, nil, lk})
				}
			}
		}
	}
	b.chain.LineageMethods["reused"] += reused
	return int64(len(vals)), b.db.Append(ctx, "new_"+s.Name, vals)
}

// previous is what a query's columns were extracted from last build, and
// its rows.
type previous struct {
	key  string
	rows [][]driver.Value
}

// previousColumns reads the rows the last build wrote for the days being
// rebuilt whose Glue tables and grants did not change (a query's columns
// depend on those too), by query id.
func (b *builder) previousColumns(ctx context.Context, s *Step, days dayset) (map[string]*previous, error) {
	out := map[string]*previous{}
	if b.opt.Full || !b.sameChain() {
		return out, nil
	}
	global := dayset{}
	for _, n := range s.Query.Needs {
		if st := b.stepOf(n.Table); st != nil && st.Global() {
			global.add(b.dirty[n.Table])
		}
	}
	keep := func(d string) bool { return days[d] && !global[d] }
	q, err := lakedb.Select(s.Table, b.db.Root, b.old[s.Name], keep)
	if err != nil {
		return nil, err
	}
	rows, err := b.db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	n := len(s.Table.Columns)
	for rows.Next() {
		vals := make([]any, n)
		ptrs := make([]any, n)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		id, _ := vals[0].(string)
		key, _ := vals[n-1].(string)
		p := out[id]
		if p == nil {
			p = &previous{key: key}
			out[id] = p
		}
		row := make([]driver.Value, n)
		for i, v := range vals {
			row[i] = v
		}
		p.rows = append(p.rows, row)
	}
	return out, rows.Err()
}

// stepOf is the step that produces a table (nil: an ingested table).
func (b *builder) stepOf(name string) *Step {
	for _, s := range b.steps {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// lineageKey hashes what a query's columns are extracted from.
func lineageKey(text, db, cat, principal, versions string) string {
	h := sha256.New()
	for _, s := range []string{text, db, cat, principal, versions} {
		fmt.Fprintf(h, "%d:%s;", len(s), s)
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// versionsKey identifies a set of table versions, to share extractors.
func versionsKey(tables []*catalog.Table) string {
	var b strings.Builder
	for _, t := range tables {
		fmt.Fprintf(&b, "%s.%s@%d;", t.Database, t.Name, t.From.UnixNano())
	}
	return b.String()
}

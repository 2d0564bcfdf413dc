// Package report answers investigators' questions over a lake with an
// embedded DuckDB: the views of the lake contract (events, athena_queries,
// column_access) and the attribution chain behind them (queries/).
//
// Opening a report loads the Glue catalog and the Lake Formation grants
// (files, then the Glue and grant events in the lake, replayed in time
// order), extracts the columns of every Athena query (package lineage)
// and keeps those the grant in force let the query read.
package report

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/auditlake/auditlake/pipeline/catalog"
	"github.com/auditlake/auditlake/pipeline/grants"
	"github.com/auditlake/auditlake/pipeline/lake"
	"github.com/auditlake/auditlake/pipeline/lakedb"
	"github.com/auditlake/auditlake/pipeline/lineage"
	"github.com/auditlake/auditlake/pipeline/store"
	"github.com/auditlake/auditlake/pipeline/warehouse"
	"github.com/auditlake/auditlake/queries"
)

// Options say where the lake and its context are.
type Options struct {
	Lake    string   // local lake folder, or s3://bucket/prefix (cached locally first)
	Catalog []string // aws glue get-tables / get-table JSON files, or folders of them
	Grants  []string // aws lakeformation list-permissions JSON files, or folders of them
	// Until narrows which days of an s3:// lake are copied to the cache
	// (zero: all); Since does not, since earlier grant and Glue events
	// decide the grants and schemas in force. A local lake is read whole.
	Since, Until time.Time
	// AsOf pins the table snapshots read (zero: the current ones).
	AsOf warehouse.AsOf
	// GlueDatabase, when set, is the AWS Glue Data Catalog database that
	// holds the lake's Iceberg tables (else the lake's filesystem catalog).
	GlueDatabase string
}

func (o Options) catalogOptions() []warehouse.Option {
	if o.GlueDatabase == "" {
		return nil
	}
	return []warehouse.Option{warehouse.WithGlue(o.GlueDatabase, nil)}
}

// Report is an open lake with the attribution chain computed.
type Report struct {
	DB      *lakedb.DB
	Catalog *catalog.Catalog
	Grants  *grants.Set
	// LineageMethods counts Athena queries by extraction method.
	LineageMethods map[string]int

	locked bool   // SQL has locked the database down
	tmpDir string // DuckDB's private temporary folder once locked down
}

// Open opens the lake and computes the views.
func Open(ctx context.Context, opt Options) (*Report, error) {
	var db *lakedb.DB
	var err error
	if store.IsS3(opt.Lake) {
		var dir string
		if dir, err = cacheDir(opt.Lake); err != nil {
			return nil, err
		}
		// Days before Since are needed too: the grants and table versions in
		// force come from replaying every earlier grant and Glue event.
		snaps, _, err := Sync(ctx, opt.Lake, dir, opt.AsOf, time.Time{}, opt.Until, opt.catalogOptions()...)
		if err != nil {
			return nil, fmt.Errorf("cache %s: %w", opt.Lake, err)
		}
		db, err = lakedb.OpenSnapshots(ctx, dir, snaps)
		if err != nil {
			return nil, err
		}
	} else {
		if fi, err := os.Stat(opt.Lake); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("lake %q: not a folder (give --lake DIR)", opt.Lake)
		}
		if db, err = lakedb.OpenAsOf(ctx, opt.Lake, opt.AsOf, opt.catalogOptions()...); err != nil {
			return nil, err
		}
	}
	r := &Report{DB: db, Catalog: catalog.New(), Grants: grants.New(), LineageMethods: map[string]int{}}
	if err := r.load(ctx, opt); err != nil {
		db.Close()
		return nil, err
	}
	return r, nil
}

// Close releases the database.
func (r *Report) Close() error {
	err := r.DB.Close()
	if r.tmpDir != "" {
		os.RemoveAll(r.tmpDir)
	}
	return err
}

func (r *Report) load(ctx context.Context, opt Options) error {
	for _, f := range expand(opt.Catalog) {
		if err := r.Catalog.LoadFile(f); err != nil {
			return fmt.Errorf("catalog: %w", err)
		}
	}
	for _, f := range expand(opt.Grants) {
		if err := r.Grants.LoadFile(f); err != nil {
			return fmt.Errorf("grants: %w", err)
		}
	}
	if err := r.replay(ctx); err != nil {
		return err
	}
	if err := r.loadCatalogTable(ctx); err != nil {
		return err
	}
	for _, name := range queries.Names("1") { // 10_… to 19_…: the chain
		if err := r.exec(ctx, name); err != nil {
			return err
		}
	}
	if err := r.lineage(ctx); err != nil {
		return err
	}
	if err := r.exec(ctx, "20_column_access"); err != nil {
		return err
	}
	return r.LoadManifests(ctx)
}

func (r *Report) exec(ctx context.Context, name string) error {
	q, err := queries.Load(name)
	if err != nil {
		return err
	}
	if _, err := r.DB.ExecContext(ctx, q.SQL); err != nil {
		return fmt.Errorf("queries/%s.sql: %w", name, err)
	}
	return nil
}

// expand turns folders into the JSON files they hold.
func expand(paths []string) []string {
	var out []string
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			m, _ := filepath.Glob(filepath.Join(p, "*.json"))
			sort.Strings(m)
			out = append(out, m...)
			continue
		}
		out = append(out, p)
	}
	return out
}

// replay applies the Glue table and Lake Formation permission events of
// the lake, in time order, to the catalog and the grants.
func (r *Report) replay(ctx context.Context) error {
	rows, err := r.DB.QueryContext(ctx, `
		SELECT event_id, event_source, event_name, event_time, outcome, coalesce(request_parameters, ''),
		       coalesce(response_elements, '')
		FROM events
		WHERE (event_source = 'glue.amazonaws.com' AND event_name IN ('CreateTable', 'UpdateTable', 'DeleteTable', 'BatchDeleteTable'))
		   OR (event_source = 'lakeformation.amazonaws.com' AND event_name IN
		        ('GrantPermissions', 'RevokePermissions', 'BatchGrantPermissions', 'BatchRevokePermissions',
		         'CreateDataCellsFilter', 'UpdateDataCellsFilter', 'DeleteDataCellsFilter'))
		ORDER BY event_time, event_id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var ev lake.Event
		if err := rows.Scan(&ev.EventID, &ev.EventSource, &ev.EventName, &ev.EventTime, &ev.Outcome, &ev.RequestParameters, &ev.ResponseElements); err != nil {
			return err
		}
		if ev.EventSource == "glue.amazonaws.com" {
			if err := r.Catalog.ApplyEvent(ev.EventSource, ev.EventName, ev.EventTime, ev.Outcome, ev.RequestParameters); err != nil {
				return fmt.Errorf("catalog event %s at %s: %w", ev.EventName, ev.EventTime, err)
			}
			continue
		}
		if _, err := r.Grants.ApplyEvent(&ev); err != nil {
			return fmt.Errorf("grant event %s at %s: %w", ev.EventName, ev.EventTime, err)
		}
	}
	return rows.Err()
}

// loadCatalogTable writes every version of every table into catalog_tables
// (database_name, table_name, location, valid_from, valid_to).
func (r *Report) loadCatalogTable(ctx context.Context) error {
	if _, err := r.DB.ExecContext(ctx, `CREATE OR REPLACE TABLE catalog_tables (
		database_name VARCHAR, table_name VARCHAR, location VARCHAR,
		valid_from TIMESTAMP WITH TIME ZONE, valid_to TIMESTAMP WITH TIME ZONE)`); err != nil {
		return err
	}
	for _, t := range r.Catalog.Versions() {
		var to any
		if !t.To.IsZero() {
			to = t.To
		}
		if _, err := r.DB.ExecContext(ctx, `INSERT INTO catalog_tables VALUES (?, ?, ?, ?, ?)`,
			strings.ToLower(t.Database), strings.ToLower(t.Name), t.Location, t.From, to); err != nil {
			return err
		}
	}
	return nil
}

// lineage extracts the columns of every Athena query whose SQL is known and
// writes query_columns: one row per (query, table, column) the query read
// or attempted, after the Lake Formation grant in force.
func (r *Report) lineage(ctx context.Context) error {
	if _, err := r.DB.ExecContext(ctx, `CREATE OR REPLACE TABLE query_columns (
		query_id VARCHAR, database_name VARCHAR, table_name VARCHAR, column_name VARCHAR,
		certainty VARCHAR, allowed BOOLEAN, method_error VARCHAR)`); err != nil {
		return err
	}
	rows, err := r.DB.QueryContext(ctx, `
		SELECT coalesce(q.query_id, s.query_id) AS query_id,
		       coalesce(q.query_text, s.query_text) AS query_text,
		       coalesce(q.database_name, s.database_name, 'default') AS db,
		       coalesce(q.catalog, 'awsdatacatalog') AS cat,
		       coalesce(lp.lf_principal, s.role_arn, '') AS principal,
		       coalesce(s.event_time, q.submitted_at) AS query_time
		FROM athena_queries q
		FULL OUTER JOIN athena_starts s ON s.query_id = q.query_id
		LEFT JOIN (SELECT query_id, min(lf_principal) AS lf_principal FROM lf_calls
		           WHERE lf_principal IS NOT NULL AND query_id IS NOT NULL GROUP BY query_id) lp
		       ON lp.query_id = coalesce(q.query_id, s.query_id)
		WHERE coalesce(q.query_text, s.query_text) IS NOT NULL
		ORDER BY query_time, query_id`)
	if err != nil {
		return err
	}
	type job struct {
		id, text, db, cat, principal string
		at                           time.Time
	}
	var jobs []job
	for rows.Next() {
		var j job
		if err := rows.Scan(&j.id, &j.text, &j.db, &j.cat, &j.principal, &j.at); err != nil {
			rows.Close()
			return err
		}
		jobs = append(jobs, j)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	extractors := map[string]*lineage.Extractor{}
	defer func() {
		for _, x := range extractors {
			x.Close()
		}
	}()
	grantsKnown := len(r.Grants.Rows()) > 0
	for _, j := range jobs {
		tables := r.Catalog.Tables(j.at)
		key := versionsKey(tables)
		x := extractors[key]
		if x == nil {
			list := make([]catalog.Table, len(tables))
			for i, t := range tables {
				list[i] = *t
			}
			if x, err = lineage.New(ctx, list); err != nil {
				return fmt.Errorf("lineage: %w", err)
			}
			extractors[key] = x
		}
		res := x.Extract(ctx, j.text, j.db, j.cat)
		r.LineageMethods[res.Method]++
		if res.Method == "" {
			continue
		}
		for _, a := range res.Accesses {
			certainty := res.Method
			if a.Columns == nil {
				certainty = "table"
				if err := r.insertColumn(ctx, j.id, a.Database, a.Table, nil, certainty, true, res.Err); err != nil {
					return err
				}
				continue
			}
			access := r.Grants.Readable(j.principal, a.Database, a.Table, j.at)
			named := map[string]bool{}
			for _, c := range a.Named {
				named[c] = true
			}
			for _, c := range a.Columns {
				allowed := !grantsKnown || access.Allows(c)
				if !allowed && !named[c] {
					continue // SELECT * silently drops what the grant excludes
				}
				col := c
				if err := r.insertColumn(ctx, j.id, a.Database, a.Table, &col, certainty, allowed, res.Err); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (r *Report) insertColumn(ctx context.Context, id, db, table string, col *string, certainty string, allowed bool, methodErr string) error {
	var c any
	if col != nil {
		c = *col
	}
	var e any
	if methodErr != "" {
		e = methodErr
	}
	_, err := r.DB.ExecContext(ctx, `INSERT INTO query_columns VALUES (?, ?, ?, ?, ?, ?, ?)`,
		id, strings.ToLower(db), strings.ToLower(table), c, certainty, allowed, e)
	return err
}

// versionsKey identifies a set of table versions, to reuse extractors.
func versionsKey(tables []*catalog.Table) string {
	var b strings.Builder
	for _, t := range tables {
		fmt.Fprintf(&b, "%s.%s@%d;", t.Database, t.Name, t.From.UnixNano())
	}
	return b.String()
}

// Rows is a query result ready to print.
type Rows struct {
	Columns []string
	Values  [][]any
}

// Query runs a SELECT with bound parameters and collects the result.
func (r *Report) Query(ctx context.Context, q string, args ...any) (*Rows, error) {
	rows, err := r.DB.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	out := &Rows{Columns: cols}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out.Values = append(out.Values, vals)
	}
	return out, rows.Err()
}

// db returns the underlying database, for callers that need it.
func (r *Report) db() *sql.DB { return r.DB.DB }

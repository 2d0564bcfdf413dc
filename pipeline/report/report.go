// Package report answers investigators' questions over a lake with an
// embedded DuckDB: the views of the lake contract (events, athena_queries,
// column_access, findings) and the derived tables behind them (package
// chain), which opening a report brings up to date first.
package report

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/auditlake/auditlake/pipeline/chain"
	"github.com/auditlake/auditlake/pipeline/lakedb"
	"github.com/auditlake/auditlake/pipeline/progress"
	"github.com/auditlake/auditlake/pipeline/store"
	"github.com/auditlake/auditlake/pipeline/warehouse"
)

// Options say where the lake and its context are.
type Options struct {
	Lake    string   // local lake folder, or s3://bucket/prefix (cached locally first)
	Catalog []string // aws glue get-tables / get-table JSON files, or folders of them
	Grants  []string // Lake Formation state (list-permissions, list-data-cells-filter, LF-Tag listings) JSON files, or folders of them
	// Until narrows which days of an s3:// lake are copied to the cache
	// (zero: all); Since does not, since earlier grant and Glue events
	// decide the grants and schemas in force. A local lake is read whole.
	Since, Until time.Time
	// AsOf pins the table snapshots read (zero: the current ones).
	AsOf warehouse.AsOf
	// GlueDatabase, when set, is the AWS Glue Data Catalog database that
	// holds the lake's Iceberg tables (else the lake's filesystem catalog).
	GlueDatabase string
	// NoBuild reads the derived tables as last built, however stale (else
	// the days whose inputs changed are rebuilt first).
	NoBuild bool
	// Full rebuilds every day of the derived tables.
	Full bool
	// Progress, when set, is told the steps a build runs.
	Progress progress.Meter
	// BuildMemoryLimit bounds DuckDB's memory during a build (DuckDB's
	// syntax, e.g. "6GB"; empty: chain.BuildMemoryLimit).
	BuildMemoryLimit string
}

func (o Options) catalogOptions() []warehouse.Option {
	if o.GlueDatabase == "" {
		return nil
	}
	return []warehouse.Option{warehouse.WithGlue(o.GlueDatabase, nil)}
}

// Report is an open lake with the derived tables' views defined.
type Report struct {
	DB *lakedb.DB
	// Chain says which build of the derived tables the views read and
	// what this session rebuilt.
	Chain *chain.Chain

	manifests bool   // the manifest tables are loaded
	locked    bool   // SQL has locked the database down
	tmpDir    string // DuckDB's private temporary folder once locked down
}

// Open opens the lake and defines the views: the ingested tables at their
// snapshots, the derived tables as last built, first bringing them up to
// date unless opt.NoBuild (see package chain).
func Open(ctx context.Context, opt Options) (*Report, error) {
	var db *lakedb.DB
	var err error
	mode := chain.Commit
	if opt.NoBuild {
		mode = chain.NoBuild
	}
	if opt.AsOf != (warehouse.AsOf{}) && mode == chain.Commit {
		mode = chain.InMemory // the builds made by then, and what changed since: not stored
	}
	var lakeStore store.Store // where build states and derived files go (nil: the lake folder)
	if store.IsS3(opt.Lake) {
		var dir string
		if dir, err = CacheDir(opt.Lake); err != nil {
			return nil, err
		}
		// Days before Since are needed too: the grants and table versions in
		// force come from replaying every earlier grant and Glue event.
		snaps, _, w, err := syncLake(ctx, opt.Lake, dir, opt.AsOf, time.Time{}, opt.Until, opt.catalogOptions()...)
		if err != nil {
			return nil, fmt.Errorf("cache %s: %w", opt.Lake, err)
		}
		db, err = lakedb.OpenSnapshots(ctx, dir, snaps)
		if err != nil {
			return nil, err
		}
		// Read from the local copy, build into the lake; a copy of some days
		// only (--until) is built in memory: the others are not in it.
		db.Warehouse, lakeStore = w, w.Store()
		if !opt.Until.IsZero() && mode == chain.Commit {
			mode = chain.InMemory
		}
	} else {
		if fi, err := os.Stat(opt.Lake); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("lake %q: not a folder (give --lake DIR)", opt.Lake)
		}
		if db, err = lakedb.OpenAsOf(ctx, opt.Lake, opt.AsOf, opt.catalogOptions()...); err != nil {
			return nil, err
		}
	}
	r := &Report{DB: db}
	r.Chain, err = chain.Open(ctx, db, chain.Options{Mode: mode, Catalog: opt.Catalog, Grants: opt.Grants,
		NotAfter: asOfTime(opt.AsOf, db.Snapshots), Progress: opt.Progress, Full: opt.Full, Store: lakeStore,
		MemoryLimit: opt.BuildMemoryLimit})
	if err != nil {
		db.Close()
		return nil, err
	}
	return r, nil
}

// SnapshotLine says what an answer was computed on: the ingested tables'
// snapshots and the build of the derived tables (with how many days it is
// behind, when it was not brought up to date). --as-of reproduces both.
func (r *Report) SnapshotLine() string {
	line := r.DB.SnapshotLine()
	if r.Chain == nil || r.Chain.State == nil {
		return line
	}
	line += ", derived tables of build " + r.Chain.State.ID
	if n := r.Chain.StaleDays(); n > 0 {
		line += fmt.Sprintf(" (%d days stale)", n)
	}
	return line
}

// Close releases the database.
func (r *Report) Close() error {
	err := r.DB.Close()
	if r.tmpDir != "" {
		os.RemoveAll(r.tmpDir)
	}
	if r.Chain != nil && r.Chain.TempDir != "" {
		os.RemoveAll(r.Chain.TempDir)
	}
	return err
}

// Rows is a query result ready to print.
type Rows struct {
	Columns []string
	Values  [][]any
}

// Query runs a SELECT with bound parameters and collects the result.
func (r *Report) Query(ctx context.Context, q string, args ...any) (*Rows, error) {
	out := &Rows{}
	err := r.Each(ctx, func(cols []string) error { out.Columns = cols; return nil },
		func(vals []any) error { out.Values = append(out.Values, vals); return nil }, q, args...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Each runs a SELECT with bound parameters and hands its columns, then
// each row (a new slice each time), to the callbacks.
func (r *Report) Each(ctx context.Context, header func([]string) error, row func([]any) error, q string, args ...any) error {
	rows, err := r.DB.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	if err := header(cols); err != nil {
		return err
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		if err := row(vals); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Stream runs a SELECT and prints its rows as they come, in a format laid
// out for d.
func (r *Report) Stream(ctx context.Context, w io.Writer, format string, d Display, q string, args ...any) error {
	var out *RowWriter
	err := r.Each(ctx, func(cols []string) (err error) {
		out, err = d.NewWriter(w, format, cols)
		return err
	}, func(vals []any) error { return out.Row(vals) }, q, args...)
	if err != nil {
		return err
	}
	return out.Flush()
}

// db returns the underlying database, for callers that need it.
func (r *Report) db() *sql.DB { return r.DB.DB }

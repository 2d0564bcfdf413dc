package chain

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/auditlake/auditlake/pipeline/catalog"
	"github.com/auditlake/auditlake/pipeline/grants"
	"github.com/auditlake/auditlake/pipeline/internal/failpoint"
	"github.com/auditlake/auditlake/pipeline/lake"
	"github.com/auditlake/auditlake/pipeline/lakedb"
	"github.com/auditlake/auditlake/pipeline/progress"
	"github.com/auditlake/auditlake/pipeline/store"
	"github.com/auditlake/auditlake/pipeline/warehouse"
	"github.com/auditlake/auditlake/schemas"
)

// Mode says what Open does when the derived tables are stale.
type Mode int

const (
	// Commit rebuilds what changed and commits it (report build, and every
	// command by default).
	Commit Mode = iota
	// InMemory rebuilds what changed for this session only: for a lake
	// that is a local copy (s3://) or read as of an earlier snapshot.
	InMemory
	// NoBuild reads the derived tables as last built, however stale.
	NoBuild
)

// Options configure Open.
type Options struct {
	Mode Mode
	// Catalog and Grants are the Glue catalog and Lake Formation grant
	// files (aws CLI JSON) the replay starts from.
	Catalog, Grants []string
	// NotAfter picks the newest build state created at or before it (zero:
	// the newest): for --as-of.
	NotAfter time.Time
	// Progress, when set, is told the steps a build runs and each one done.
	Progress progress.Meter
	// Full rebuilds every day.
	Full bool
	// Store is where build states and derived data files are written and
	// states are read (nil: the lake folder db reads). For an s3:// lake
	// read through a local copy, it is the lake's store.
	Store store.Store
	// MemoryLimit bounds DuckDB's memory during a build (DuckDB's syntax,
	// e.g. "4GB"; empty: BuildMemoryLimit); what does not fit spills to a
	// private temporary folder.
	MemoryLimit string
}

// BuildMemoryLimit is DuckDB's memory limit during a build by default: half
// the 24 GB machine of ARCHITECTURE.md §9. At 10 M events the s3_reads step
// takes 19 s with 16 GB, 35 s with 8 GB, 49 s with 4 GB (spilling).
const BuildMemoryLimit = "12GB"

// Chain is the derived tables as a report reads them.
type Chain struct {
	// State is the build state the views start from (nil: none yet); after
	// a committed build, the new one.
	State *State
	// Stale counts, per step, the days whose inputs changed since State
	// and that were not rebuilt (Mode NoBuild).
	Stale map[string]int
	// Rebuilt counts, per step, the days rebuilt in this session.
	Rebuilt map[string]int
	// Catalog and Grants are the replayed catalog and grants, when the
	// replay ran.
	Catalog *catalog.Catalog
	Grants  *grants.Set
	// TempDir is the private folder a build spilled to ("" if none); the
	// caller removes it when done with the database.
	TempDir string
	// LineageMethods counts the Athena queries extracted, by method
	// ("reused": unchanged since the last build, their rows kept).
	LineageMethods map[string]int
	// Ran lists the steps this session ran, in order.
	Ran []StepRun
}

// StepRun is one step a build ran.
type StepRun struct {
	Name string
	Days int   // days rebuilt (every day for a global step)
	Rows int64 // rows it produced
	Took time.Duration
}

// StaleDays is the largest number of stale days of any step.
func (c *Chain) StaleDays() int {
	n := 0
	for _, v := range c.Stale {
		n = max(n, v)
	}
	return n
}

// builder is one Open in progress.
type builder struct {
	db      *lakedb.DB
	opt     Options
	steps   []*Step
	state   *State
	old     map[string]*warehouse.Snapshot // derived table → the snapshot the state names
	current map[string]*warehouse.Snapshot // derived table → its current snapshot (Commit)
	all     dayset                         // the days of the ingested tables
	dirty   map[string]dayset              // table → days rebuilt (ingested: days changed)
	built   map[string]bool                // derived tables with a new_<name> table
	context string                         // contextHash of the catalog and grant files
	hash    string                         // Hash of the chain
	chain   *Chain
}

// Open defines on db one view per derived table (and catalog_tables) and,
// unless opt.Mode is NoBuild, first rebuilds the days whose inputs changed
// since the last build.
func Open(ctx context.Context, db *lakedb.DB, opt Options) (_ *Chain, err error) {
	steps, err := Steps()
	if err != nil {
		return nil, err
	}
	if opt.Mode == Commit && db.Warehouse == nil {
		return nil, errors.New("chain: no catalog to commit the derived tables through")
	}
	b := &builder{db: db, opt: opt, steps: steps, old: map[string]*warehouse.Snapshot{}, current: map[string]*warehouse.Snapshot{},
		all: dayset{}, dirty: map[string]dayset{}, built: map[string]bool{},
		chain: &Chain{Stale: map[string]int{}, Rebuilt: map[string]int{}, LineageMethods: map[string]int{}}}
	defer func() {
		if err != nil && b.chain.TempDir != "" {
			os.RemoveAll(b.chain.TempDir)
		}
	}()
	b.hash = Hash(steps)
	if b.context, err = contextHash(opt.Catalog, opt.Grants); err != nil {
		return nil, err
	}
	st := opt.Store
	if st == nil {
		if st, err = store.NewDir(db.Root); err != nil {
			return nil, err
		}
	}
	if b.state, err = LatestState(ctx, st, opt.NotAfter); err != nil {
		return nil, err
	}
	b.chain.State = b.state
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS build"); err != nil {
		return nil, err
	}
	if err := b.plan(ctx); err != nil {
		return nil, err
	}
	if opt.Mode == NoBuild {
		for _, s := range steps {
			if n := len(b.dirty[s.Name]); n > 0 {
				b.chain.Stale[s.Name] = n
			}
			b.dirty[s.Name] = dayset{} // read as built
		}
	}
	work := false
	for _, s := range steps {
		if !s.Global() && len(b.dirty[s.Name]) > 0 {
			work = true
		}
	}
	if work {
		if err := b.limitMemory(ctx); err != nil {
			return nil, err
		}
	}
	if opt.Progress != nil {
		n := 0
		for _, s := range steps {
			if s.Global() && work || !s.Global() && len(b.dirty[s.Name]) > 0 {
				n++
			}
		}
		if work && opt.Mode == Commit {
			n++ // the commit
		}
		opt.Progress.Plan(n, 0)
	}
	for _, s := range steps {
		if s.Global() {
			if work {
				if err := b.run(ctx, s); err != nil {
					return nil, err
				}
			} else if err := b.emptyGlobal(ctx, s); err != nil {
				return nil, err
			}
			continue
		}
		if len(b.dirty[s.Name]) > 0 {
			if err := b.run(ctx, s); err != nil {
				return nil, err
			}
		}
		if err := b.define(ctx, s); err != nil {
			return nil, err
		}
	}
	if work && opt.Mode == Commit {
		if err := b.commit(ctx, st); err != nil {
			return nil, err
		}
		progress.Done(opt.Progress, 1, 0, "commit")
	}
	return b.chain, nil
}

// sameChain says whether the last build was made by this chain.
func (b *builder) sameChain() bool { return b.state != nil && b.state.Chain == b.hash }

// limitMemory bounds DuckDB's memory for the build and gives it a private
// folder to spill to.
func (b *builder) limitMemory(ctx context.Context) error {
	limit := b.opt.MemoryLimit
	if limit == "" {
		limit = BuildMemoryLimit
	}
	dir, err := os.MkdirTemp("", "auditlake-build-spill-")
	if err != nil {
		return err
	}
	b.chain.TempDir = dir
	for _, q := range []string{"SET memory_limit = " + lakedb.QuoteLiteral(limit), "SET temp_directory = " + lakedb.QuoteLiteral(dir)} {
		if _, err := b.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("build: %s: %w", q, err)
		}
	}
	return nil
}

// plan finds the days to rebuild, step by step.
func (b *builder) plan(ctx context.Context) error {
	ctxw := b.db.Warehouse
	full := b.opt.Full || !b.sameChain() || b.state.Context != b.context
	for _, name := range schemas.Tables() {
		cur := inputOf(b.db.Snapshots[name])
		changed := dayset{}
		var prev map[string]string
		if b.state != nil {
			prev = b.state.Inputs[name].Days
		}
		for d, h := range cur.Days {
			b.all[d] = true
			if full || prev[d] != h {
				changed[d] = true
			}
		}
		for d := range prev {
			if _, ok := cur.Days[d]; !ok {
				changed[d] = true // gone (expired, or a lake restored): rebuilt empty
			}
		}
		b.dirty[name] = changed
	}
	for _, s := range b.steps {
		if s.Global() {
			continue
		}
		var id int64
		if b.state != nil {
			id = b.state.Outputs[s.Name]
		}
		snap := &warehouse.Snapshot{Table: s.Name}
		if id != 0 && ctxw != nil {
			var err error
			if snap, err = ctxw.Snapshot(ctx, s.Name, warehouse.AsOf{ID: id}, nil); err != nil {
				return fmt.Errorf("%s: %w", s.Name, err)
			}
			if snap.ID != id {
				return fmt.Errorf("%s: snapshot %d of the last build is gone (expired?): rebuild with report build --full", s.Name, id)
			}
		} else if id != 0 {
			return fmt.Errorf("%s: no catalog to read snapshot %d from", s.Name, id)
		}
		b.old[s.Name] = snap
		if b.opt.Mode == Commit {
			cur, err := ctxw.Snapshot(ctx, s.Name, warehouse.AsOf{}, nil)
			if err != nil {
				return fmt.Errorf("%s: %w", s.Name, err)
			}
			b.current[s.Name] = cur
		}
	}
	for _, s := range b.steps {
		d := dayset{}
		switch {
		case full:
			d.add(b.all)
		case s.Global():
			// A changed Glue table or grant changes every later day.
			first, err := b.firstGlobalChange(ctx, s)
			if err != nil {
				return err
			}
			if first != "" {
				for day := range b.all {
					if day >= first {
						d[day] = true
					}
				}
			}
		default:
			for _, n := range s.Query.Needs {
				in := b.dirty[n.Table]
				if len(in) == 0 {
					continue
				}
				if n.All {
					d.add(b.all)
					continue
				}
				for x := range in {
					for k := -n.Hi; k <= -n.Lo; k++ {
						d[shift(x, k)] = true
					}
				}
			}
		}
		if !s.Global() {
			// Days another build committed, or a killed one half-committed.
			d.add(diffDays(b.old[s.Name], b.current[s.Name]))
			if full {
				d.add(daysOf(b.old[s.Name]))
				d.add(daysOf(b.current[s.Name]))
			}
			known := dayset{}
			known.add(b.all)
			known.add(daysOf(b.old[s.Name]))
			known.add(daysOf(b.current[s.Name]))
			for day := range d {
				if !known[day] {
					delete(d, day)
				}
			}
		}
		b.dirty[s.Name] = d
	}
	return nil
}

// firstGlobalChange is the first changed day with a row of a global step's
// SELECT (a Glue table or Lake Formation permission event), or "".
func (b *builder) firstGlobalChange(ctx context.Context, s *Step) (string, error) {
	changed := dayset{}
	for _, n := range s.Query.Needs {
		changed.add(b.dirty[n.Table])
	}
	if len(changed) == 0 {
		return "", nil
	}
	if err := b.inputs(ctx, s, changed); err != nil {
		return "", err
	}
	var first *string
	err := b.withInputs(ctx, func() error {
		return b.db.QueryRowContext(ctx, "SELECT strftime(min(event_time), '%Y-%m-%d') FROM ("+s.Query.Body()+")").Scan(&first)
	})
	if err != nil {
		return "", fmt.Errorf("queries/%s.sql: %w", s.Query.Name, err)
	}
	if first == nil {
		return "", nil
	}
	return *first, nil
}

// inputs defines, in schema build, a view per input of s over the days the
// output days need (all days for a global step).
func (b *builder) inputs(ctx context.Context, s *Step, out dayset) error {
	for _, n := range s.Query.Needs {
		var keep func(string) bool
		if !n.All && !s.Global() {
			need := dayset{}
			for d := range out {
				for k := n.Lo; k <= n.Hi; k++ {
					need[shift(d, k)] = true
				}
			}
			keep = func(d string) bool { return need[d] }
		} else if s.Global() && len(out) < len(b.all) {
			keep = func(d string) bool { return out[d] }
		}
		q, err := b.selectOf(n.Table, keep)
		if err != nil {
			return err
		}
		if _, err := b.db.ExecContext(ctx, "CREATE OR REPLACE VIEW build."+lakedb.QuoteIdent(n.Table)+" AS "+q); err != nil {
			return fmt.Errorf("queries/%s.sql: input %s: %w", s.Query.Name, n.Table, err)
		}
	}
	return nil
}

// selectOf reads a table over the days keep says yes to (nil: all).
func (b *builder) selectOf(name string, keep func(string) bool) (string, error) {
	if !schemas.IsDerived(name) {
		if tbl, err := schemas.Load(name); err == nil {
			return lakedb.Select(tbl, b.db.Root, b.db.Snapshots[name], keep)
		}
		return "SELECT * FROM main." + lakedb.QuoteIdent(name), nil // kept in memory
	}
	tbl := schemas.MustLoad(name)
	dirty := b.dirty[name]
	sel := lakedb.Select // files of another chain (a schema without a new column)
	if b.sameChain() {
		sel = lakedb.SelectUniform
	}
	q, err := sel(tbl, b.db.Root, b.old[name], func(d string) bool { return !dirty[d] && (keep == nil || keep(d)) })
	if err != nil {
		return "", err
	}
	if !b.built[name] {
		return q, nil
	}
	nw := "SELECT " + strings.Join(quoted(tbl.Names()), ", ") + " FROM main." + lakedb.QuoteIdent("new_"+name)
	if keep != nil {
		var days []string
		for d := range dirty {
			if keep(d) {
				days = append(days, d)
			}
		}
		nw += " WHERE " + dayFilter(tbl.DayColumn(), days)
	}
	return q + " UNION ALL " + nw, nil
}

// withInputs runs fn with the build views first on the search path.
func (b *builder) withInputs(ctx context.Context, fn func() error) error {
	if _, err := b.db.ExecContext(ctx, "SET search_path = 'build,main'"); err != nil {
		return err
	}
	err := fn()
	if _, err2 := b.db.ExecContext(ctx, "SET search_path = 'main'"); err == nil {
		err = err2
	}
	return err
}

// run rebuilds the dirty days of one step into main.new_<name> (a global
// step: main.<name>).
func (b *builder) run(ctx context.Context, s *Step) error {
	start := time.Now()
	days := b.dirty[s.Name]
	if s.Global() {
		days = b.all
	}
	if err := b.inputs(ctx, s, days); err != nil {
		return err
	}
	var err error
	var rows int64
	switch s.Query.Step {
	case "replay":
		rows, err = b.replay(ctx, s)
	case "lineage":
		rows, err = b.lineage(ctx, s, days)
	default:
		rows, err = b.sqlStep(ctx, s, days)
	}
	if err != nil {
		return fmt.Errorf("queries/%s.sql: %w", s.Query.Name, err)
	}
	if !s.Global() {
		b.built[s.Name] = true
		b.chain.Rebuilt[s.Name] = len(days)
	}
	b.chain.Ran = append(b.chain.Ran, StepRun{Name: s.Name, Days: len(days), Rows: rows, Took: time.Since(start)})
	progress.Done(b.opt.Progress, 1, 0, s.Name)
	return nil
}

func (b *builder) sqlStep(ctx context.Context, s *Step, days dayset) (int64, error) {
	var cols []string
	for _, c := range s.Table.Columns {
		cols = append(cols, fmt.Sprintf("CAST(%s AS %s) AS %s", lakedb.QuoteIdent(c.Name), lakedb.DuckType(c.Type), lakedb.QuoteIdent(c.Name)))
	}
	q := "CREATE OR REPLACE TABLE main." + lakedb.QuoteIdent("new_"+s.Name) + " AS SELECT " + strings.Join(cols, ", ") +
		" FROM (" + s.Query.Body() + ") WHERE " + dayFilter(s.Table.DayColumn(), days.sorted())
	var n int64
	err := b.withInputs(ctx, func() error {
		if _, err := b.db.ExecContext(ctx, q); err != nil {
			return err
		}
		return b.db.QueryRowContext(ctx, "SELECT count(*) FROM main."+lakedb.QuoteIdent("new_"+s.Name)).Scan(&n)
	})
	return n, err
}

// define creates the view of a derived table: the state's files of the
// days not rebuilt and the rebuilt days.
func (b *builder) define(ctx context.Context, s *Step) error {
	q, err := b.selectOf(s.Name, nil)
	if err != nil {
		return err
	}
	_, err = b.db.ExecContext(ctx, "CREATE OR REPLACE VIEW main."+lakedb.QuoteIdent(s.Name)+" AS "+q)
	return err
}

// commit writes the rebuilt days as Parquet files, replaces them in each
// derived table (one Iceberg commit per table), then writes the state.
func (b *builder) commit(ctx context.Context, st store.Store) error {
	now := time.Now().UTC()
	next := &State{ID: newStateID(now), Created: now, Chain: b.hash, Context: b.context,
		Inputs: map[string]Input{}, Outputs: map[string]int64{}, Rebuilt: map[string]int{}}
	for _, name := range schemas.Tables() {
		next.Inputs[name] = inputOf(b.db.Snapshots[name])
	}
	tmp, err := os.MkdirTemp("", "auditlake-build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	for _, s := range b.steps {
		if s.Global() {
			continue
		}
		next.Outputs[s.Name] = b.old[s.Name].ID
		dirty := b.dirty[s.Name]
		if len(dirty) == 0 {
			continue
		}
		keys, err := b.writeDays(ctx, st, s, tmp)
		if err != nil {
			return fmt.Errorf("%s: %w", s.Name, err)
		}
		id, err := b.db.Warehouse.Replace(ctx, s.Name, func(f warehouse.File) bool { return dirty[f.Day] }, keys,
			map[string]string{"auditlake.build": next.ID, "auditlake.rebuilt-days": fmt.Sprint(len(dirty))})
		if err != nil {
			return fmt.Errorf("%s: commit: %w", s.Name, err)
		}
		next.Outputs[s.Name] = id
		next.Rebuilt[s.Name] = len(dirty)
		failpoint.Hit("build-after-table")
	}
	path := filepath.Join(tmp, "catalog_tables.parquet")
	if _, err := b.db.ExecContext(ctx, "COPY main.catalog_tables TO "+lakedb.QuoteLiteral(path)+" (FORMAT parquet, COMPRESSION zstd)"); err != nil {
		return fmt.Errorf("catalog_tables: %w", err)
	}
	next.CatalogTables = StateDir + "/" + next.ID + "-catalog_tables.parquet"
	if err := st.PutFile(ctx, next.CatalogTables, path); err != nil {
		return err
	}
	if err := writeState(ctx, st, next); err != nil {
		return err
	}
	b.chain.State = next
	return nil
}

// writeDays writes one sorted Parquet file per rebuilt day with rows and
// stores it in the lake under a name that hashes its bytes.
func (b *builder) writeDays(ctx context.Context, st store.Store, s *Step, tmp string) ([]string, error) {
	tbl := s.Table
	newT := "main." + lakedb.QuoteIdent("new_"+s.Name)
	dayCol := tbl.DayColumn()
	rows, err := b.db.QueryContext(ctx, "SELECT DISTINCT strftime("+lakedb.QuoteIdent(dayCol)+", '%Y-%m-%d') FROM "+newT+" ORDER BY 1")
	if err != nil {
		return nil, err
	}
	var days []string
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			rows.Close()
			return nil, err
		}
		days = append(days, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var ids, order []string
	for i, c := range tbl.Columns {
		ids = append(ids, fmt.Sprintf("%s: %d", lakedb.QuoteIdent(c.Name), i+1))
	}
	for _, c := range tbl.Sort {
		order = append(order, lakedb.QuoteIdent(c)+" ASC NULLS FIRST")
	}
	// Sorted once by day and the table's sort order; each day's file is then
	// a range of it (insertion order is kept).
	sorted := "main." + lakedb.QuoteIdent("sorted_"+s.Name)
	if _, err := b.db.ExecContext(ctx, "CREATE OR REPLACE TABLE "+sorted+" AS SELECT * FROM "+newT+" ORDER BY "+
		lakedb.QuoteIdent(dayCol)+"::DATE, "+strings.Join(order, ", ")); err != nil {
		return nil, err
	}
	defer b.db.ExecContext(ctx, "DROP TABLE IF EXISTS "+sorted)
	var keys []string
	for _, d := range days {
		path := filepath.Join(tmp, s.Name+"-"+d+".parquet")
		q := fmt.Sprintf("COPY (SELECT * FROM %s WHERE %s) TO %s (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 32768, FIELD_IDS {%s})",
			sorted, dayFilter(dayCol, []string{d}), lakedb.QuoteLiteral(path), strings.Join(ids, ", "))
		if _, err := b.db.ExecContext(ctx, q); err != nil {
			return nil, err
		}
		sum, err := fileHash(path)
		if err != nil {
			return nil, err
		}
		key := lake.DataDir(s.Name) + "/" + dayCol + "_day=" + d + "/" + sum + ".parquet"
		if err := st.PutFile(ctx, key, path); err != nil {
			return nil, err
		}
		keys = append(keys, key)
	}
	return keys, nil
}

// emptyGlobal defines a global step's table for a session that builds
// nothing: as the state's build left it.
func (b *builder) emptyGlobal(ctx context.Context, s *Step) error {
	if s.Query.Step != "replay" {
		return nil
	}
	if b.state == nil || b.state.CatalogTables == "" {
		return b.createCatalogTables(ctx)
	}
	p := filepath.Join(b.db.Root, filepath.FromSlash(b.state.CatalogTables))
	_, err := b.db.ExecContext(ctx, "CREATE OR REPLACE VIEW main.catalog_tables AS SELECT * FROM read_parquet("+lakedb.QuoteLiteral(p)+")")
	return err
}

func fileHash(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)[:12]), nil
}

// dayFilter is a predicate: the column's UTC day is one of days. It is
// written as ranges of the column itself, so that Parquet statistics and
// DuckDB's zone maps skip what lies outside.
func dayFilter(col string, days []string) string {
	if len(days) == 0 {
		return "false"
	}
	sort.Strings(days)
	c := lakedb.QuoteIdent(col)
	var parts []string
	for i := 0; i < len(days); {
		j := i
		for j+1 < len(days) && shift(days[j], 1) == days[j+1] {
			j++
		}
		parts = append(parts, fmt.Sprintf("(%s >= TIMESTAMPTZ '%s 00:00:00+00' AND %s < TIMESTAMPTZ '%s 00:00:00+00')", c, days[i], c, shift(days[j], 1)))
		i = j + 1
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

func quoted(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = lakedb.QuoteIdent(n)
	}
	return out
}

// shift moves a day by k days.
func shift(day string, k int) string {
	t, err := time.Parse("2006-01-02", day)
	if err != nil {
		return day
	}
	return t.AddDate(0, 0, k).Format("2006-01-02")
}

func daysOf(s *warehouse.Snapshot) dayset {
	d := dayset{}
	if s != nil {
		for _, f := range s.Files {
			d[f.Day] = true
		}
	}
	return d
}

// diffDays are the days whose files differ between two snapshots of a table.
func diffDays(a, b *warehouse.Snapshot) dayset {
	d := dayset{}
	if a == nil || b == nil || a.ID == b.ID {
		return d
	}
	files := func(s *warehouse.Snapshot) map[string]string {
		m := map[string]string{}
		for _, f := range s.Files {
			m[f.URI] = f.Day
		}
		return m
	}
	fa, fb := files(a), files(b)
	for u, day := range fa {
		if _, ok := fb[u]; !ok {
			d[day] = true
		}
	}
	for u, day := range fb {
		if _, ok := fa[u]; !ok {
			d[day] = true
		}
	}
	return d
}

// contextHash identifies the catalog and grant files given.
func contextHash(catalogs, grantFiles []string) (string, error) {
	h := sha256.New()
	for _, group := range [][]string{Expand(catalogs), {"--grants"}, Expand(grantFiles)} {
		for _, f := range group {
			if f == "--grants" {
				fmt.Fprintln(h, f)
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				return "", err
			}
			fmt.Fprintf(h, "%s %d\n", filepath.Base(f), len(b))
			h.Write(b)
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:16]), nil
}

// Expand turns folders into the JSON files they hold.
func Expand(paths []string) []string {
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

package lineage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver
	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/auditlake/auditlake/pipeline/catalog"
)

// glueCatalog is the DuckDB catalog standing in for Athena's AwsDataCatalog
// (DuckDB catalog names are case-insensitive, like Athena's).
const glueCatalog = "awsdatacatalog"

// Methods, best first.
const (
	MethodExact  = "exact"
	MethodParsed = "parsed"
	MethodTable  = "table"
)

// cacheSize bounds the result cache (least recently used shapes go first):
// a month of a busy domain runs tens of thousands of distinct shapes.
const cacheSize = 1 << 16

// Access is what a query does with one table.
type Access struct {
	Database, Table string
	Columns         []string // sorted, lower case; nil when only the table is known
	Star            bool     // the query selected t.* or * from this table: columns a grant excludes are silently dropped by Athena
	Named           []string // columns the query names explicitly (projection, WHERE, JOIN, GROUP/ORDER BY, HAVING, window, …) — a grant that excludes one of these makes the query fail
}

// Result is the lineage of one query.
type Result struct {
	Method   string   // "exact" (bound plan), "parsed" (parser AST), "table" (table names only), "" when nothing could be read
	Accesses []Access // one per table read, sorted
	Writes   []string // "db.table" targets of CTAS / INSERT … SELECT
	Err      string   // why a better method failed (for the record)
}

func (r Result) clone() Result {
	out := r
	if r.Accesses != nil {
		out.Accesses = make([]Access, len(r.Accesses))
		for i, a := range r.Accesses {
			a.Columns = cloneStrings(a.Columns)
			a.Named = cloneStrings(a.Named)
			out.Accesses[i] = a
		}
	}
	out.Writes = cloneStrings(r.Writes)
	return out
}

func cloneStrings(s []string) []string {
	if s == nil {
		return nil
	}
	return append(make([]string, 0, len(s)), s...)
}

// Extractor finds the columns an Athena (Trino) query reads. It is safe for
// concurrent use: each call takes one of its workers (one DuckDB connection
// per core, up to 8). Results are cached by the query's shape (its tokens,
// with the values of literals blanked) and its default database and catalog.
type Extractor struct {
	db         *sql.DB
	tables     map[string]*tableInfo // "db.table"
	byPlanName map[string]*tableInfo // "awsdatacatalog.db.table", as EXPLAIN prints it
	schemas    map[string]bool
	reserved   map[string]bool // names of DuckDB's own catalogs and schemas (temp, system, main, …)
	workers    chan *worker
	all        []*worker
	noCache    bool // tests: measure extraction itself

	mu     sync.Mutex // guards closed
	cache  *lru.Cache[string, Result]
	closed bool
}

// worker is one DuckDB connection with its prepared statements.
type worker struct {
	conn      *sql.Conn
	parseStmt *sql.Stmt // json_serialize_sql: the parse tree
	planStmt  *sql.Stmt // json_serialize_plan: the optimized logical plan
	current   string    // schema the connection USEs
}

// New builds the catalog's tables, empty, once in an in-memory DuckDB. When
// tables holds several versions of a table, the current one (To zero) or else
// the latest wins: give it the versions valid when the queries ran.
func New(ctx context.Context, tables []catalog.Table) (*Extractor, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, fmt.Errorf("lineage: open duckdb: %w", err)
	}
	x := &Extractor{db: db, tables: map[string]*tableInfo{}, byPlanName: map[string]*tableInfo{},
		schemas: map[string]bool{}, reserved: map[string]bool{}}
	x.cache, _ = lru.New[string, Result](cacheSize)
	if err := x.setup(ctx, tables); err != nil {
		for _, w := range x.all {
			for _, st := range []*sql.Stmt{w.parseStmt, w.planStmt} {
				if st != nil {
					st.Close()
				}
			}
			w.conn.Close()
		}
		db.Close()
		return nil, err
	}
	return x, nil
}

func (x *Extractor) setup(ctx context.Context, tables []catalog.Table) error {
	n := min(max(runtime.GOMAXPROCS(0), 1), 8)
	for i := 0; i < n; i++ {
		c, err := x.db.Conn(ctx)
		if err != nil {
			return fmt.Errorf("lineage: connect: %w", err)
		}
		x.all = append(x.all, &worker{conn: c})
	}
	exec := func(conn *sql.Conn, q string) error {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("lineage: %s: %w", firstLine(q), err)
		}
		return nil
	}
	conn := x.all[0].conn
	if err := exec(conn, "ATTACH ':memory:' AS "+glueCatalog); err != nil {
		return err
	}
	// A Glue database may be named like one of DuckDB's own catalogs or
	// schemas (temp, system, main, …): a two-part name starting with it is
	// ambiguous to DuckDB, so bind qualifies such names in full.
	names, err := conn.QueryContext(ctx, "SELECT database_name FROM duckdb_databases() WHERE database_name <> '"+glueCatalog+
		"' UNION SELECT schema_name FROM duckdb_schemas() WHERE database_name <> '"+glueCatalog+"'")
	if err != nil {
		return fmt.Errorf("lineage: list DuckDB's catalogs: %w", err)
	}
	for names.Next() {
		var n string
		if err := names.Scan(&n); err != nil {
			names.Close()
			return fmt.Errorf("lineage: list DuckDB's catalogs: %w", err)
		}
		x.reserved[strings.ToLower(n)] = true
	}
	names.Close()
	if err := names.Err(); err != nil {
		return fmt.Errorf("lineage: list DuckDB's catalogs: %w", err)
	}
	// Pick one version per table.
	chosen := map[string]*catalog.Table{}
	var order []string
	for i := range tables {
		t := &tables[i]
		key := catalog.Key(t.Database, t.Name)
		prev, ok := chosen[key]
		if !ok {
			order = append(order, key)
		}
		if !ok || (!prev.To.IsZero() && (t.To.IsZero() || t.From.After(prev.From))) {
			chosen[key] = t
		}
	}
	sort.Strings(order)
	for _, key := range order {
		t := chosen[key]
		dbName, name := strings.ToLower(t.Database), strings.ToLower(t.Name)
		if dbName == "" || name == "" {
			continue
		}
		info := &tableInfo{db: dbName, name: name, colset: map[string]bool{}}
		var defs []string
		for _, c := range t.AllColumns() {
			cn := strings.ToLower(c.Name)
			if cn == "" || info.colset[cn] {
				continue
			}
			info.colset[cn] = true
			info.cols = append(info.cols, cn)
			defs = append(defs, quoteIdent(cn)+" "+DuckType(c.Type))
		}
		if len(defs) == 0 {
			defs = []string{quoteIdent("__auditlake_no_columns") + " INTEGER"}
		}
		x.tables[dbName+"."+name] = info
		x.byPlanName[glueCatalog+"."+dbName+"."+name] = info
		// DuckDB refuses a few names (a schema called information_schema
		// or pg_catalog): such a table is resolved from the parse tree.
		if !x.schemas[dbName] {
			if _, err := conn.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+glueCatalog+"."+quoteIdent(dbName)); err != nil {
				info.unbound = firstLine(err.Error())
				continue
			}
			x.schemas[dbName] = true
		}
		full := glueCatalog + "." + quoteIdent(dbName) + "." + quoteIdent(name)
		if _, err := conn.ExecContext(ctx, "CREATE TABLE "+full+" ("+strings.Join(defs, ", ")+")"); err != nil {
			info.unbound = firstLine(err.Error())
		}
	}
	// Keep only projection pushdown (unused_columns): every other optimizer
	// could drop a scan of an empty table (statistics propagation, empty
	// result pull-up, join elimination, …) or move a filter into the scan,
	// taking its column out of the scan's projection list (filter pushdown).
	rows, err := conn.QueryContext(ctx, "SELECT name FROM duckdb_optimizers() ORDER BY name")
	if err != nil {
		return fmt.Errorf("lineage: list optimizers: %w", err)
	}
	var disabled []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return fmt.Errorf("lineage: list optimizers: %w", err)
		}
		if name != "unused_columns" {
			disabled = append(disabled, name)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("lineage: list optimizers: %w", err)
	}
	for _, w := range x.all {
		// Temporary macros belong to their connection.
		for _, m := range trinoMacros {
			if err := exec(w.conn, "CREATE TEMP MACRO "+m); err != nil {
				return err
			}
		}
		for _, q := range []string{
			"SET disabled_optimizers = '" + strings.Join(disabled, ",") + "'",
			// Query text is attacker-controlled: no files, no network, no
			// extension loading …
			"SET enable_external_access = false",
			"SET autoinstall_known_extensions = false",
			"SET autoload_known_extensions = false",
			"SET threads = 1",
			// Two-part names (db.table) resolve in the Glue catalog.
			"USE " + glueCatalog,
		} {
			if err := exec(w.conn, q); err != nil {
				return err
			}
		}
	}
	// … and no way to change that from a query.
	if err := exec(conn, "SET lock_configuration = true"); err != nil {
		return err
	}
	x.workers = make(chan *worker, len(x.all))
	for _, w := range x.all {
		w.parseStmt, err = w.conn.PrepareContext(ctx,
			"SELECT CAST(json_serialize_sql(CAST(? AS VARCHAR), skip_null := true, skip_empty := true) AS VARCHAR)")
		if err != nil {
			return fmt.Errorf("lineage: prepare parser: %w", err)
		}
		w.planStmt, err = w.conn.PrepareContext(ctx,
			"SELECT CAST(json_serialize_plan(CAST(? AS VARCHAR), optimize := true, skip_null := true, skip_empty := true) AS VARCHAR)")
		if err != nil {
			return fmt.Errorf("lineage: prepare planner: %w", err)
		}
		x.workers <- w
	}
	return nil
}

// Close releases the DuckDB database, after the calls in progress.
func (x *Extractor) Close() error {
	x.mu.Lock()
	if x.closed {
		x.mu.Unlock()
		return nil
	}
	x.closed = true
	x.mu.Unlock()
	var errs []error
	for range x.all { // wait for the calls in progress
		w := <-x.workers
		errs = append(errs, w.parseStmt.Close(), w.planStmt.Close(), w.conn.Close())
	}
	close(x.workers) // calls still waiting for a worker see the extractor closed
	errs = append(errs, x.db.Close())
	return errors.Join(errs...)
}

// Extract finds the tables and columns sql reads. defaultDatabase and
// defaultCatalog are the query's QueryExecutionContext (an empty catalog
// means AwsDataCatalog). It never fails: what could not be read is said in
// Result.Method and Result.Err.
func (x *Extractor) Extract(ctx context.Context, sql, defaultDatabase, defaultCatalog string) Result {
	defDB, defCat := queryContext(defaultDatabase, defaultCatalog)
	key := defDB + "\x00" + defCat + "\x00" + shapeKey(sql)
	x.mu.Lock()
	if x.closed {
		x.mu.Unlock()
		return Result{Err: "lineage: extractor is closed"}
	}
	if r, ok := x.cache.Get(key); ok && !x.noCache {
		x.mu.Unlock()
		return r.clone()
	}
	x.mu.Unlock()
	var w *worker
	select {
	case w = <-x.workers:
		if w == nil {
			return Result{Err: "lineage: extractor is closed"}
		}
	case <-ctx.Done():
		return Result{Err: ctx.Err().Error()}
	}
	r := x.extract(ctx, w, sql, defDB, defCat, true)
	x.workers <- w
	if ctx.Err() == nil {
		x.mu.Lock()
		x.cache.Add(key, r.clone())
		x.mu.Unlock()
	}
	return r
}

// queryContext normalizes a query's default database and catalog.
func queryContext(database, catalog string) (db, cat string) {
	db = strings.ToLower(strings.TrimSpace(database))
	cat = strings.ToLower(strings.TrimSpace(catalog))
	if cat == "" {
		cat = glueCatalog
	}
	return db, cat
}

// extract runs the methods on worker wk. Without bind it stops at the parse
// tree, as it does when binding fails (tests compare the two).
func (x *Extractor) extract(ctx context.Context, wk *worker, sqlText, defDB, defCat string, bind bool) Result {
	var r Result
	st := classify(sqlText)
	for _, w := range st.writes {
		db, t := qualify(w, defDB, defCat)
		r.Writes = append(r.Writes, db+"."+t)
	}
	r.Writes = dedupe(r.Writes)
	r.Err = st.note
	switch st.kind {
	case stNoRead:
		r.Method = MethodExact
		return r
	case stOpaque:
		return r
	case stTables:
		x.tableLevel(&r, st.reads, defDB, defCat)
		r.Err = joinErr("only table names are known for this statement", r.Err)
		return r
	}
	q := rewriteTrino(st.query)
	ast, err := x.parse(ctx, wk, q)
	if err != nil {
		x.tableLevel(&r, tableNames(toks(significant(lex(st.query)))), defDB, defCat)
		r.Err = joinErr(err.Error(), r.Err)
		return r
	}
	w := newWalker(x.tables, defDB, defCat)
	w.node(ast, nil)
	if w.incomplete {
		r.Err = joinErr("the parse tree holds constructs the tree walk skips", r.Err)
	}
	if len(w.unknown) > 0 {
		r.Err = joinErr("not in the catalog: "+strings.Join(dedupe(w.unknown), ", "), r.Err)
		x.parsedLevel(&r, w)
		return r
	}
	for _, ref := range w.refs {
		if ref.info.unbound != "" {
			r.Err = joinErr("DuckDB cannot create "+ref.info.db+"."+ref.info.name+" to bind against ("+ref.info.unbound+")", r.Err)
			bind = false
			break
		}
	}
	if !bind {
		x.parsedLevel(&r, w)
		return r
	}
	// Only what the parser saw as one SELECT statement is bound.
	useDB := ""
	if w.bare {
		useDB = defDB
	}
	scans, err := x.bind(ctx, wk, q, ast, w, useDB)
	if err != nil {
		r.Err = joinErr(err.Error(), r.Err)
		x.parsedLevel(&r, w)
		return r
	}
	r.Method = MethodExact
	for _, a := range w.accs {
		acc := Access{Database: a.db, Table: a.table, Star: a.star, Named: setList(a.named)}
		// The tree's columns are those the query names (the optimizer
		// prunes an unused column of a subquery or CTE, but a grant must
		// still allow it) and, under a *, all of the table's (Athena expands
		// the * of a derived table or CTE before it knows which columns the
		// outer query uses). The plan adds what only the binder resolves. A
		// scan the planner dropped (LIMIT 0) leaves the tree's columns.
		all := parsedColumns(a)
		for c := range scans[a.info] {
			all[c] = true
		}
		acc.Columns = nonNil(setList(all))
		delete(scans, a.info)
		r.Accesses = append(r.Accesses, acc)
	}
	for info, cols := range scans { // scans the tree walk did not see
		r.Accesses = append(r.Accesses, Access{Database: info.db, Table: info.name, Columns: nonNil(setList(cols))})
	}
	sortAccesses(r.Accesses)
	return r
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func joinErr(a, b string) string {
	if a == "" {
		return b
	}
	if b == "" {
		return a
	}
	return a + "; " + b
}

// parse returns the statement's parse tree (its root query node).
func (x *Extractor) parse(ctx context.Context, wk *worker, q string) (any, error) {
	var out string
	if err := wk.parseStmt.QueryRowContext(ctx, q).Scan(&out); err != nil {
		return nil, fmt.Errorf("parse: %s", firstLine(err.Error()))
	}
	var tree struct {
		Error        bool   `json:"error"`
		ErrorMessage string `json:"error_message"`
		Statements   []struct {
			Node any `json:"node"`
		} `json:"statements"`
	}
	if err := json.Unmarshal([]byte(out), &tree); err != nil {
		return nil, fmt.Errorf("parse: %v", err)
	}
	if tree.Error {
		return nil, fmt.Errorf("parse: %s", firstLine(tree.ErrorMessage))
	}
	if len(tree.Statements) != 1 {
		return nil, fmt.Errorf("parse: %d statements", len(tree.Statements))
	}
	return tree.Statements[0].Node, nil
}

// bindErrors are the json_serialize_plan error types that mean the query
// does not bind against the catalog (as opposed to DuckDB failing to
// serialize a plan it made).
var bindErrors = map[string]bool{
	"binder": true, "catalog": true, "parser": true, "permission": true, "conversion": true,
	"invalid input": true, "out of range": true, "syntax": true, "mismatch type": true,
}

// bindError is why a query did not bind.
type bindError struct {
	kind string // json_serialize_plan's error_type, lower case ("" when unknown)
	msg  string
	pos  int // byte offset in the bound text the error points at (-1: none)
}

func (e *bindError) Error() string { return e.msg }

// plan binds text and returns the columns each table scan needs. defDB is
// the database bare table names resolve in ("" when text has none). It
// reads the optimized logical plan (json_serialize_plan) when logical is
// set, else or when DuckDB cannot plan or serialize it, EXPLAIN's physical
// plan. DuckDB 1.5 fails, with a slow internal error, to serialize plans
// where projection pushdown pruned a CTE's columns, so queries with a WITH
// clause go straight to EXPLAIN.
func (x *Extractor) plan(ctx context.Context, wk *worker, text, defDB string, logical bool) (map[*tableInfo]map[string]bool, *bindError) {
	if defDB != "" && x.schemas[defDB] && wk.current != defDB {
		if _, err := wk.conn.ExecContext(ctx, "USE "+glueCatalog+"."+quoteIdent(defDB)); err != nil {
			return nil, &bindError{msg: fmt.Sprintf("use %s: %s", defDB, firstLine(err.Error())), pos: -1}
		}
		wk.current = defDB
	}
	if logical {
		if scans, e := x.logicalPlan(ctx, wk, text); scans != nil || (e != nil && bindErrors[e.kind]) {
			return scans, e
		}
		// Anything else (a plan DuckDB cannot serialize) goes to EXPLAIN.
	}
	// text is one SELECT statement (the parser said so), so EXPLAIN plans it
	// and runs nothing; the newline ends a trailing -- comment.
	var key, plan string
	if err := wk.conn.QueryRowContext(ctx, "EXPLAIN (FORMAT json) "+text+"\n").Scan(&key, &plan); err != nil {
		e := &bindError{msg: "bind: " + firstLine(err.Error()), pos: -1}
		if typeError(e.msg) {
			// EXPLAIN's message does not say where: the logical planner
			// binds first and does.
			if _, d := x.logicalPlan(ctx, wk, text); d != nil {
				e.kind, e.pos = d.kind, d.pos
			}
		}
		return nil, e
	}
	scans, err := scanColumns(plan, x.byPlanName)
	if err != nil {
		return nil, &bindError{msg: fmt.Sprintf("read plan: %v", err), pos: -1}
	}
	return scans, nil
}

// logicalPlan reads json_serialize_plan's plan of text: the scans, or why
// there are none.
func (x *Extractor) logicalPlan(ctx context.Context, wk *worker, text string) (map[*tableInfo]map[string]bool, *bindError) {
	var doc string
	if err := wk.planStmt.QueryRowContext(ctx, text).Scan(&doc); err != nil {
		return nil, &bindError{msg: "bind: " + firstLine(err.Error()), pos: -1}
	}
	return logicalScans(doc, x.byPlanName)
}

// parsedLevel fills r from the tree walk alone.
func (x *Extractor) parsedLevel(r *Result, w *walker) {
	known := false
	for _, a := range w.accs {
		acc := Access{Database: a.db, Table: a.table, Star: a.star, Named: setList(a.named)}
		if a.info != nil {
			known = true
			acc.Columns = nonNil(setList(parsedColumns(a)))
		}
		r.Accesses = append(r.Accesses, acc)
	}
	sortAccesses(r.Accesses)
	if known || len(r.Accesses) == 0 {
		r.Method = MethodParsed
	} else {
		r.Method = MethodTable // only tables outside the catalog: names are all we know
	}
}

// tableLevel fills r with table names only.
func (x *Extractor) tableLevel(r *Result, names [][]string, defDB, defCat string) {
	seen := map[string]bool{}
	for _, n := range names {
		db, t := qualify(n, defDB, defCat)
		if t == "" || seen[db+"."+t] {
			continue
		}
		seen[db+"."+t] = true
		r.Accesses = append(r.Accesses, Access{Database: db, Table: t})
	}
	sortAccesses(r.Accesses)
	if len(r.Accesses) > 0 {
		r.Method = MethodTable
	}
}

// parsedColumns is what the tree says a table gives: the columns named, and
// all of them under *.
func parsedColumns(a *accessAcc) map[string]bool {
	out := map[string]bool{}
	for c := range a.named {
		out[c] = true
	}
	if a.star && a.info != nil {
		for _, c := range a.info.cols {
			out[c] = true
		}
	}
	return out
}

func setList(m map[string]bool) []string {
	if len(m) == 0 {
		return nil
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func dedupe(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	sort.Strings(s)
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

func sortAccesses(a []Access) {
	sort.Slice(a, func(i, j int) bool {
		if a[i].Database != a[j].Database {
			return a[i].Database < a[j].Database
		}
		return a[i].Table < a[j].Table
	})
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	return s
}

// Query is one query for ExtractAll, with its QueryExecutionContext.
type Query struct {
	SQL, Database, Catalog string
}

// ExtractAll extracts queries on all of the extractor's connections at once
// and returns the results in the order of qs.
func (x *Extractor) ExtractAll(ctx context.Context, qs []Query) []Result {
	out := make([]Result, len(qs))
	var next sync.Mutex
	i := 0
	var wg sync.WaitGroup
	for range min(len(x.all), len(qs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				next.Lock()
				j := i
				i++
				next.Unlock()
				if j >= len(qs) {
					return
				}
				out[j] = x.Extract(ctx, qs[j].SQL, qs[j].Database, qs[j].Catalog)
			}
		}()
	}
	wg.Wait()
	return out
}

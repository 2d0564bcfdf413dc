// Package lineage finds the columns an Athena (Trino) query reads, for the
// column_access view of the lake (ARCHITECTURE.md §6).
//
// An Extractor holds an in-memory DuckDB in which every catalog table exists,
// empty, with its Glue columns mapped to DuckDB types: one attached catalog
// "awsdatacatalog" with a schema per Glue database. Extract then tries three
// methods, best first, and records in Result.Method which one answered:
//
//   - "exact": the query (after a few Trino rewrites, with lightweight macros
//     standing in for common Trino functions) is bound by DuckDB and its
//     optimized plan is read. The primary reader is the logical plan from
//     json_serialize_plan: every LOGICAL_GET names its table and lists the
//     column indexes it reads, including columns only a filter uses. When
//     DuckDB cannot serialize a plan (queries with a WITH clause, whose
//     pruned CTE columns trip an internal error in DuckDB 1.5), the reader is
//     EXPLAIN (FORMAT json): every physical scan (extra_info "Table") lists
//     its "Projections" and any pushed-down "Filters". Optimizers that could
//     drop scans of the empty tables (statistics propagation, empty-result
//     pull-up, join elimination, …) or take a filter's column out of the
//     scan's projections (filter pushdown) are disabled; only unused-column
//     removal (projection pushdown) runs, so a scan lists exactly the columns
//     the query needs: projected, filtered, joined, grouped, ordered,
//     windowed (a pushed-down struct field s.f counts as column s). Binding
//     resolves unqualified names, aliases, CTEs, USING, correlated subqueries
//     and SELECT * against the catalog as a SQL engine does. The parse
//     tree's columns are added to the plan's: those the query names but the
//     optimizer prunes (an unused column of a subquery), because Lake
//     Formation still checks them, and every column under a * (below); a
//     scan the physical planner drops (LIMIT 0) keeps the tree's columns.
//     Neither the Glue types nor DuckDB's own names may change the answer
//     (bind.go): a Glue database called temp, system, main or memory is
//     bound with its table names written in full, and a query that fails to
//     bind only on types (Glue string columns holding dates and numbers) is
//     bound again with the columns the failing expression uses given looser
//     types, for binding only.
//   - "parsed": when binding fails (an unknown table or column, an unknown
//     function, a construct DuckDB cannot bind), DuckDB's parser
//     (json_serialize_sql) gives the syntax tree, which is walked with scopes:
//     table references with aliases (CTE names excluded), column references
//     resolved against the referenced tables' catalog columns, * expanded to
//     all columns. Columns of tables that are not in the catalog stay unknown
//     (Columns nil).
//   - "table": when even the parser fails, a conservative scan of the tokens
//     after FROM and JOIN gives table names only (Columns nil). A query whose
//     parse tree names only tables missing from the catalog is also reported
//     at this level.
//
// Method is "" when nothing could be read (not SQL, or an EXECUTE of a
// prepared statement whose text is unknown). Statements that read no table
// data (SHOW, DESCRIBE, EXPLAIN without ANALYZE, DDL, USE) give Method "exact"
// and no Accesses. CTAS, INSERT … SELECT, UNLOAD, DELETE and EXPLAIN ANALYZE
// are reduced to the query they run; UPDATE and MERGE INTO to the SELECT of
// their expressions over the same tables (dml.go); targets are listed in
// Result.Writes.
//
// Rules that hold whichever method answers (tests run both):
//
//   - Every table a query scans has an Access. Columns is empty, not nil,
//     when the table is known and the query reads none of its columns:
//     count(*), SELECT 1, SELECT 2 … GROUP BY 1, EXISTS (SELECT * …), a
//     DELETE without WHERE (column_access keeps a row for it with certainty
//     no_column).
//   - A * (or t.*) selects every column of its table, also inside a derived
//     table or CTE whose outer query uses only some of them: Athena expands
//     it against the catalog (minus what the grant excludes) before the
//     outer query runs.
//   - The select list of an EXISTS subquery is never read: a * there selects
//     no column. The subquery's WHERE and join columns, and columns its
//     select list names outright, are read.
//   - UPDATE and MERGE read the columns of their conditions and expressions,
//     and the target columns they assign (UPDATE SET c, INSERT (c)): the
//     statement names them and rewrites them.
//
// Access.Star records that the query selected t.* or * from a table (Athena
// then silently drops columns a Lake Formation grant excludes); Access.Named
// lists the columns the query names explicitly, directly or through a
// derived table or CTE built with * (a grant that excludes one of those makes
// the query fail). Failed queries are extracted like any other: their
// columns were attempted.
//
// # Supported statements and constructs
//
// One row per statement kind or construct, with the certainty it gets
// (Result.Method, and column_access.certainty). TestSupportedConstructs
// runs one hand-checked query per row; README.md holds the same table.
//
//	| statement or construct | columns read | certainty |
//	|---|---|---|
//	| `SELECT` naming columns: projection, `WHERE`, `JOIN … ON` or `USING`, `GROUP BY`, `HAVING`, `ORDER BY`, window | each column named | exact |
//	| `SELECT *` or `t.*` | every column of the table (Athena drops those the grant excludes) | exact |
//	| `*` in a derived table or CTE, through joins and chains of CTEs | every column of the table, whatever the outer query uses | exact |
//	| `count(*)`, `SELECT 1`, `SELECT 2 … GROUP BY 1` | none: a table-level row, certainty no_column | exact |
//	| `EXISTS (SELECT * …)` | the subquery's WHERE and join columns; its `*` none | exact |
//	| subqueries: `IN`, scalar, correlated | each column named, inside and outside | exact |
//	| `UNION`, `INTERSECT`, `EXCEPT` | each branch's | exact |
//	| `WITH`, `WITH RECURSIVE` | through the CTEs, including a CTE column nothing uses | exact |
//	| `UNNEST`, lambdas, struct fields, map subscripts | the column holding them | exact |
//	| Trino functions DuckDB lacks (`date_format`, `approx_distinct`, `from_unixtime`, …) | their arguments' columns | exact |
//	| `CREATE TABLE AS SELECT`, `INSERT INTO … SELECT` | the query's; the target in Writes | exact |
//	| `UNLOAD (SELECT …)`, `EXPLAIN ANALYZE` | the query's | exact |
//	| `UPDATE … SET … WHERE` | assigned columns, SET expressions, WHERE; the target in Writes | exact |
//	| `DELETE FROM … [WHERE …]` | the WHERE columns (none without WHERE); the target in Writes | exact |
//	| `MERGE INTO … USING` a table, a derived table or a query with a CTE | ON, WHEN … AND, UPDATE SET, INSERT (…) VALUES (…) of target and source; the target in Writes | exact |
//	| Glue `string` columns used as dates or numbers | as any column (bound with looser types) | exact |
//	| Glue databases or tables named like DuckDB's catalogs and schemas (`temp`, `system`, `main`, `memory`) | as any | exact |
//	| a query DuckDB cannot bind (unknown function or column) | from the parse tree: named columns, `*` expanded | parsed |
//	| a Glue database DuckDB cannot create (`information_schema`, `pg_catalog`) | from the parse tree | parsed |
//	| a table not in the catalog | the table only | table |
//	| syntax DuckDB cannot parse | the tables after FROM and JOIN | table |
//	| `ANALYZE`, `OPTIMIZE`, `VACUUM`; `UPDATE` or `MERGE` of another shape | the table only | table |
//	| `SHOW`, `DESCRIBE`, `EXPLAIN`, DDL, `USE` | none: no access | exact |
//	| `EXECUTE` of a prepared statement | unknown | — |
//
// Trino syntax DuckDB does not parse is rewritten first (backtick
// identifiers, hidden "$path"-style columns, CAST(… AS array(T)/row(…)),
// TABLESAMPLE percentages, Iceberg time travel, lambda-taking functions), and
// Trino functions DuckDB lacks are temporary macros (see macros.go).
//
// Query text is untrusted: only text the parser saw as a single SELECT is
// bound (also after bind.go rewrites it), by functions that plan and run
// nothing (json_serialize_plan takes it as a parameter; EXPLAIN), and the
// DuckDB instance has external access and extension loading switched off
// and its configuration locked.
//
// An Extractor is safe for concurrent use: calls share a pool of DuckDB
// connections (one per core, up to 8). Binding costs a few hundred
// microseconds, so results are cached by query
// shape: queries that differ only in the values of literals (dates, limits,
// ids) read the same columns and share an entry (whose Err, if any, is the
// first such query's). ExtractAll spreads a batch over all connections.
package lineage

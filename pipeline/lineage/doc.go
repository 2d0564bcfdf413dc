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
//     and SELECT * against the catalog as a SQL engine does. Columns the
//     query names but the optimizer prunes (an unused column of a subquery)
//     are added back from the parse tree, because Lake Formation still
//     checks them; a scan the physical planner drops (LIMIT 0) falls back to
//     the tree.
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
// are reduced to the query they run; targets are listed in Result.Writes.
//
// Access.Star records that the query selected t.* or * from a table (Athena
// then silently drops columns a Lake Formation grant excludes); Access.Named
// lists the columns the query names explicitly, directly or through a
// derived table or CTE built with * (a grant that excludes one of those makes
// the query fail). Failed queries are extracted like any other: their
// columns were attempted.
//
// Trino syntax DuckDB does not parse is rewritten first (backtick
// identifiers, hidden "$path"-style columns, CAST(… AS array(T)/row(…)),
// TABLESAMPLE percentages, Iceberg time travel, lambda-taking functions), and
// Trino functions DuckDB lacks are temporary macros (see macros.go).
//
// Query text is untrusted: only text the parser saw as a single SELECT is
// bound, by functions that plan and run nothing (json_serialize_plan takes
// it as a parameter; EXPLAIN), and the DuckDB instance has external access
// and extension loading switched off and its configuration locked.
//
// An Extractor is safe for concurrent use: calls share a pool of DuckDB
// connections (one per core, up to 8). Binding costs a few hundred
// microseconds, so results are cached by query
// shape: queries that differ only in the values of literals (dates, limits,
// ids) read the same columns and share an entry (whose Err, if any, is the
// first such query's). ExtractAll spreads a batch over all connections.
package lineage

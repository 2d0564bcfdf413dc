// Package lakedb opens an embedded DuckDB over a local lake folder and
// defines one view per table of the lake contract (schemas/) on it. DuckDB
// (cgo) is linked only by the report side (lakedb, lineage, report); the
// ingest side stays CGO-free.
package lakedb

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver

	"github.com/auditlake/auditlake/schemas"
)

// DB is a DuckDB connection with the lake's views defined.
type DB struct {
	*sql.DB
	Root string
}

// Open opens an in-memory DuckDB and defines one view per table of the
// lake contract (schemas/: events, athena_queries) over the Parquet files
// below root (a local lake folder).
func Open(ctx context.Context, root string) (*DB, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1) // one connection: views and settings live on it
	d := &DB{DB: db, Root: abs}
	if _, err := d.ExecContext(ctx, "SET TimeZone = 'UTC'"); err != nil {
		db.Close()
		return nil, err
	}
	for _, name := range schemas.Tables() {
		if err := d.defineTable(ctx, schemas.MustLoad(name)); err != nil {
			db.Close()
			return nil, fmt.Errorf("view %s: %w", name, err)
		}
	}
	return d, nil
}

// defineTable creates the view of one schema table over its Parquet files
// (one folder level per partition column), or an empty view with the same
// columns when the lake has none yet.
func (d *DB) defineTable(ctx context.Context, tbl *schemas.Table) error {
	cols := make([]string, 0, len(tbl.Columns))
	for _, c := range tbl.Columns {
		cols = append(cols, quoteIdent(c.Name))
	}
	parts := []string{d.Root, tbl.Name}
	for range tbl.Partitions {
		parts = append(parts, "*")
	}
	glob := filepath.Join(append(parts, "*.parquet")...)
	var q string
	if matches, _ := filepath.Glob(glob); len(matches) > 0 {
		// Column list from the schema: the view exposes exactly the contract,
		// whatever extra columns hive partitioning would add.
		q = fmt.Sprintf("CREATE OR REPLACE VIEW %s AS SELECT %s FROM read_parquet(%s, hive_partitioning = false, union_by_name = true)",
			quoteIdent(tbl.Name), strings.Join(cols, ", "), quoteLiteral(glob))
	} else {
		defs := make([]string, 0, len(tbl.Columns))
		for _, c := range tbl.Columns {
			defs = append(defs, fmt.Sprintf("CAST(NULL AS %s) AS %s", duckType(c.Type), quoteIdent(c.Name)))
		}
		q = "CREATE OR REPLACE VIEW " + quoteIdent(tbl.Name) + " AS SELECT " + strings.Join(defs, ", ") + " WHERE false"
	}
	_, err := d.ExecContext(ctx, q)
	return err
}

// duckType maps a schema type to DuckDB's.
func duckType(t string) string {
	switch t {
	case schemas.Int64:
		return "BIGINT"
	case schemas.Bool:
		return "BOOLEAN"
	case schemas.Timestamp:
		return "TIMESTAMP WITH TIME ZONE"
	}
	return "VARCHAR"
}

func quoteIdent(s string) string   { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// Package lakedb opens an embedded DuckDB over a local lake folder and
// defines one view per table of the lake contract (schemas/) on it, over
// the data files of the tables' committed Iceberg snapshots (package
// warehouse): a reader never sees a half-written run, nor both the small
// files of a day and their compacted replacement. DuckDB (cgo) is linked
// only by the report side (lakedb, lineage, report); the ingest side stays
// CGO-free.
package lakedb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/duckdb/duckdb-go/v2" // also registers the "duckdb" driver

	"github.com/auditlake/auditlake/pipeline/lake"
	"github.com/auditlake/auditlake/pipeline/store"
	"github.com/auditlake/auditlake/pipeline/warehouse"
	"github.com/auditlake/auditlake/schemas"
)

// DB is a DuckDB connection with the lake's views defined.
type DB struct {
	*sql.DB
	Root string
	// Snapshots are the table snapshots the views read (table → snapshot).
	Snapshots map[string]*warehouse.Snapshot
	// Pending is how many commit requests wait for a committer: rows
	// ingested but not visible yet.
	Pending int
	// Warehouse is the lake's catalog when the lake folder is the lake
	// itself (not a local copy of an s3:// lake): `report build` commits
	// the derived tables through it.
	Warehouse *warehouse.Warehouse
}

// Open opens an in-memory DuckDB over the current snapshots of the lake
// folder root.
func Open(ctx context.Context, root string) (*DB, error) {
	return OpenAsOf(ctx, root, warehouse.AsOf{})
}

// OpenAsOf opens the lake folder root at the snapshots as names (opts
// choose the catalog, as for warehouse.Open).
func OpenAsOf(ctx context.Context, root string, as warehouse.AsOf, opts ...warehouse.Option) (*DB, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	st, err := store.NewDir(abs)
	if err != nil {
		return nil, err
	}
	if err := lake.CheckLayout(ctx, st); err != nil {
		return nil, err
	}
	w, err := warehouse.Open(ctx, abs, opts...)
	if err != nil {
		return nil, err
	}
	snaps := map[string]*warehouse.Snapshot{}
	for _, name := range schemas.Tables() {
		if snaps[name], err = w.Snapshot(ctx, name, as, nil); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	db, err := OpenSnapshots(ctx, abs, snaps)
	if err != nil {
		return nil, err
	}
	pending, err := lake.PendingRequests(ctx, st)
	if err != nil {
		db.Close()
		return nil, err
	}
	db.Pending = len(pending)
	db.Warehouse = w
	return db, nil
}

// Macros are the SQL macros of the lake contract, defined on every
// database that opens the lake, so that the derived tables' steps, the
// detections and anyone's SQL share one definition of each rule.
//
// occurrence(event_source, event_name, request_id, s3_bucket, event_id) is
// the key of the request an event records, so that the records of one
// request count once. An S3 request is its request id and bucket, whichever
// log recorded it: a CloudTrail data event and the access-log lines of the
// same request (x-amz-request-id; one line per object of a multi-object
// delete, two for a copy) are one occurrence. Another call is its service,
// name and request id (a record delivered twice, or to two accounts); a
// record without a request id is its own.
//
// via_service(principal_type, invoked_by, source_ip, vpc_endpoint_id) is
// the AWS service that made a request on its caller's behalf, or NULL when
// the caller made it: "service" for a service acting as itself
// (AWSService), else userIdentity.invokedBy, a service name or "AWS
// Internal" as the source IP, or a service name instead of a vpce- id as
// the VPC endpoint. These are the requests IAM's aws:ViaAWSService /
// aws:CalledVia exempt from aws:SourceVpce conditions.
var Macros = []string{
	`CREATE OR REPLACE MACRO occurrence(event_source, event_name, request_id, s3_bucket, event_id) AS
  CASE WHEN request_id IS NULL THEN event_id
       WHEN event_source = 's3.amazonaws.com' THEN 's3:' || coalesce(s3_bucket, '') || '/' || request_id
       ELSE 'request:' || coalesce(event_source, '') || ':' || coalesce(event_name, '') || ':' || request_id END`,
	`CREATE OR REPLACE MACRO via_service(principal_type, invoked_by, source_ip, vpc_endpoint_id) AS
  CASE WHEN principal_type = 'AWSService' THEN 'service'
       ELSE coalesce(invoked_by,
                     CASE WHEN regexp_full_match(coalesce(source_ip, ''), '(AWS Internal.*|[A-Za-z0-9.-]+\.amazonaws\.com(\.cn)?)') THEN source_ip END,
                     CASE WHEN vpc_endpoint_id NOT LIKE 'vpce-%' THEN vpc_endpoint_id END) END`,
}

// OpenSnapshots opens an in-memory DuckDB with one view per table of the
// lake contract over the files of snaps, found below root by their keys
// (root is the lake folder, or a local copy of an s3:// lake). A table
// without a snapshot gets an empty view with the same columns.
func OpenSnapshots(ctx context.Context, root string, snaps map[string]*warehouse.Snapshot) (*DB, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1) // one connection: views and settings live on it
	d := &DB{DB: db, Root: abs, Snapshots: snaps}
	for _, q := range append([]string{"SET TimeZone = 'UTC'"}, Macros...) {
		if _, err := d.ExecContext(ctx, q); err != nil {
			db.Close()
			return nil, fmt.Errorf("%s: %w", strings.SplitN(q, "(", 2)[0], err)
		}
	}
	for _, name := range schemas.Tables() {
		if err := d.defineTable(ctx, schemas.MustLoad(name), snaps[name]); err != nil {
			db.Close()
			return nil, fmt.Errorf("view %s: %w", name, err)
		}
	}
	return d, nil
}

// defineTable creates the view of one schema table over the data files of
// its snapshot.
func (d *DB) defineTable(ctx context.Context, tbl *schemas.Table, snap *warehouse.Snapshot) error {
	q, err := Select(tbl, d.Root, snap, nil)
	if err != nil {
		return err
	}
	_, err = d.ExecContext(ctx, "CREATE OR REPLACE VIEW "+QuoteIdent(tbl.Name)+" AS "+q)
	return err
}

// Select is a SELECT of the table's columns, in schema order, over the data
// files of snap (found below root by their keys), only those of the days
// keep says yes to when it is not nil. Files of days that two writers
// committed overlapping rows to (Snapshot.Unchecked, until compaction) are
// read through a deduplication on the table's key, so the key is unique;
// the row kept is the one compaction will keep: of the earliest file in
// commit order (Snapshot.Files' order), first in that file. No files: an
// empty SELECT with the columns' types.
func Select(tbl *schemas.Table, root string, snap *warehouse.Snapshot, keep func(day string) bool) (string, error) {
	return selectFiles(tbl, root, snap, keep, false)
}

// SelectUniform is Select over files that all have every column of the
// table (a derived table, rewritten whole when its schema changes): DuckDB
// then need not open each file to bind the view.
func SelectUniform(tbl *schemas.Table, root string, snap *warehouse.Snapshot, keep func(day string) bool) (string, error) {
	return selectFiles(tbl, root, snap, keep, true)
}

func selectFiles(tbl *schemas.Table, root string, snap *warehouse.Snapshot, keep func(day string) bool, uniform bool) (string, error) {
	cols := make([]string, 0, len(tbl.Columns))
	for _, c := range tbl.Columns {
		cols = append(cols, QuoteIdent(c.Name))
	}
	var checked, unchecked []string
	if snap != nil {
		dup := map[string]bool{}
		for _, day := range snap.Unchecked {
			dup[day] = true
		}
		for _, f := range snap.Files {
			if keep != nil && !keep(f.Day) {
				continue
			}
			if f.Key == "" {
				return "", fmt.Errorf("data file %s is outside the lake folder", f.URI)
			}
			p := QuoteLiteral(filepath.Join(root, filepath.FromSlash(f.Key)))
			if dup[f.Day] && tbl.Key != "" {
				unchecked = append(unchecked, p)
			} else {
				checked = append(checked, p)
			}
		}
	}
	list := strings.Join(cols, ", ")
	var parts []string
	if len(checked) > 0 {
		if uniform {
			parts = append(parts, fmt.Sprintf("SELECT %s FROM read_parquet([%s], union_by_name = false)", list, strings.Join(checked, ", ")))
		} else {
			parts = append(parts, fmt.Sprintf("SELECT %s FROM %s", list, allColumns(tbl, "["+strings.Join(checked, ", ")+"]", "")))
		}
	}
	if len(unchecked) > 0 {
		files := "[" + strings.Join(unchecked, ", ") + "]"
		parts = append(parts, fmt.Sprintf("SELECT %s FROM %s "+
			"QUALIFY row_number() OVER (PARTITION BY %s ORDER BY list_position(%s, filename), file_row_number) = 1",
			list, allColumns(tbl, files, ", filename = true, file_row_number = true"), QuoteIdent(tbl.Key), files))
	}
	if len(parts) > 0 {
		return strings.Join(parts, " UNION ALL "), nil
	}
	return Empty(tbl), nil
}

// allColumns reads files (a DuckDB list literal) with union_by_name, so
// that files written before a column was appended to the table's schema
// read it as NULL, and adds an empty SELECT of every column, so that the
// column exists even when none of the files has it (a lake written before
// the column was added, read over old days only).
func allColumns(tbl *schemas.Table, files, opts string) string {
	return fmt.Sprintf("(SELECT * FROM read_parquet(%s, union_by_name = true%s) UNION ALL BY NAME %s)", files, opts, Empty(tbl))
}

// Empty is a SELECT of no rows with the table's columns and types.
func Empty(tbl *schemas.Table) string {
	defs := make([]string, 0, len(tbl.Columns))
	for _, c := range tbl.Columns {
		defs = append(defs, fmt.Sprintf("CAST(NULL AS %s) AS %s", DuckType(c.Type), QuoteIdent(c.Name)))
	}
	return "SELECT " + strings.Join(defs, ", ") + " WHERE false"
}

// Append loads rows into a table of the main schema with DuckDB's
// appender (values in column order).
func (d *DB) Append(ctx context.Context, table string, rows [][]driver.Value) error {
	if len(rows) == 0 {
		return nil
	}
	conn, err := d.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		c, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("appender: unexpected connection %T", dc)
		}
		a, err := duckdb.NewAppenderFromConn(c, "", table)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if err := a.AppendRow(r...); err != nil {
				a.Close()
				return fmt.Errorf("%s: %w", table, err)
			}
		}
		return a.Close()
	})
}

// SnapshotLine says which snapshots an answer was computed on, for reports:
// "events 123 (2026-07-01T12:00:00Z), athena_queries 456 (…)".
func (d *DB) SnapshotLine() string {
	var parts []string
	for _, name := range schemas.Tables() {
		s := d.Snapshots[name]
		if s == nil || s.ID == 0 {
			parts = append(parts, name+" empty")
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %d (%s)", name, s.ID, s.Time.Format("2006-01-02T15:04:05Z")))
	}
	return strings.Join(parts, ", ")
}

// DuckType maps a schema type to DuckDB's.
func DuckType(t string) string {
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

// QuoteIdent quotes a DuckDB identifier.
func QuoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// QuoteLiteral quotes a DuckDB string literal.
func QuoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

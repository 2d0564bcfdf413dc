// Package catalog holds Glue Data Catalog table schemas as they were at
// any point in time: loaded from the AWS CLI's JSON output of
// `aws glue get-tables` / `get-table`, and kept current from Glue
// CreateTable / UpdateTable / DeleteTable events in the lake, so that a
// query is resolved against the schema of its day.
package catalog

import (
	"strings"
	"time"
)

// Column is one column of a table, with its Glue (Hive) type.
type Column struct {
	Name string
	Type string
}

// Table is one version of a table's schema, valid over [From, To).
type Table struct {
	Database      string
	Name          string
	Columns       []Column // data columns, in order
	PartitionKeys []Column // partition columns, in order
	Location      string   // storage location, s3://bucket/prefix/
	From          time.Time
	To            time.Time // zero: still current
}

// AllColumns lists data columns then partition keys, the order in which
// SELECT * returns them.
func (t *Table) AllColumns() []Column {
	out := make([]Column, 0, len(t.Columns)+len(t.PartitionKeys))
	out = append(out, t.Columns...)
	return append(out, t.PartitionKeys...)
}

// ValidAt reports whether this version was the table's schema at time at.
func (t *Table) ValidAt(at time.Time) bool {
	return !at.Before(t.From) && (t.To.IsZero() || at.Before(t.To))
}

// Key is the case-insensitive identity of a table: Glue names are lower case.
func Key(database, name string) string {
	return strings.ToLower(database) + "." + strings.ToLower(name)
}

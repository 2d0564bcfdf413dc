package report

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// WhoFilter narrows `report who`. Empty fields do not filter.
type WhoFilter struct {
	Table    string // "db.table" or "table"
	Column   string
	Profile  string
	Since    time.Time
	Until    time.Time
	Attempts bool // also list denied and failed attempts (default: only reads that succeeded)
}

// WhoColumns are the columns `who` prints.
var WhoColumns = []string{"event_time", "studio_profile", "principal_arn", "engine", "database_name",
	"table_name", "column_name", "certainty", "outcome", "query_id", "event_id"}

// Who lists who accessed which tables and columns, through which engine.
func (r *Report) Who(ctx context.Context, f WhoFilter) (*Rows, error) {
	q, args := WhoQuery(f)
	return r.Query(ctx, q, args...)
}

// WhoQuery is the SELECT behind Who, with its parameters.
func WhoQuery(f WhoFilter) (string, []any) {
	var where []string
	var args []any
	if f.Table != "" {
		db, table, ok := strings.Cut(f.Table, ".")
		if !ok {
			db, table = "", f.Table
		}
		if db != "" {
			where = append(where, "database_name = lower(?)") // column_access names are lower case
			args = append(args, db)
		}
		where = append(where, "table_name = lower(?)")
		args = append(args, table)
	}
	if f.Column != "" {
		where = append(where, "column_name = lower(?)")
		args = append(args, f.Column)
	}
	if f.Profile != "" {
		where = append(where, "studio_profile = ?")
		args = append(args, f.Profile)
	}
	if !f.Since.IsZero() {
		where = append(where, "event_time >= ?")
		args = append(args, f.Since)
	}
	if !f.Until.IsZero() {
		where = append(where, "event_time < ?")
		args = append(args, f.Until)
	}
	if !f.Attempts {
		where = append(where, "outcome = 'success'")
	}
	q := fmt.Sprintf("SELECT %s FROM column_access", strings.Join(WhoColumns, ", "))
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY event_time, studio_profile NULLS LAST, database_name, table_name, column_name NULLS FIRST, event_id"
	return q, args
}

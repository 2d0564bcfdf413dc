package report

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/auditlake/auditlake/queries"
)

// SQL runs one ad-hoc SELECT read-only: it must parse as a single SELECT
// (DuckDB's parser says so), and before it runs the database is locked
// down: no file access outside the lake folder, no extensions, no
// configuration changes. Views and tables of the report are available.
func (r *Report) SQL(ctx context.Context, q string) (*Rows, error) {
	if err := r.PrepareSQL(ctx, q); err != nil {
		return nil, err
	}
	return r.Query(ctx, q)
}

// PrepareSQL checks that q is one SELECT and locks the database down, as
// SQL does before it runs q; then q may be streamed.
func (r *Report) PrepareSQL(ctx context.Context, q string) error {
	var parsed string
	if err := r.DB.QueryRowContext(ctx, `SELECT json_serialize_sql(?::VARCHAR)::VARCHAR`, q).Scan(&parsed); err != nil {
		return err
	}
	var ast struct {
		Error        bool              `json:"error"`
		ErrorMessage string            `json:"error_message"`
		Statements   []json.RawMessage `json:"statements"`
	}
	if err := json.Unmarshal([]byte(parsed), &ast); err != nil {
		return err
	}
	switch {
	case ast.Error && strings.Contains(ast.ErrorMessage, "Only SELECT statements"):
		// DuckDB's parser serializes SELECTs only: say what that means here.
		return errors.New("only one SELECT statement is allowed (sql is read-only: no DDL, DML, COPY, ATTACH, SET or INSTALL)")
	case ast.Error:
		return fmt.Errorf("only one SELECT statement is allowed, and this one does not parse: %s", ast.ErrorMessage)
	case len(ast.Statements) != 1:
		return fmt.Errorf("only one SELECT statement is allowed, got %d", len(ast.Statements))
	}
	if namesManifests(q) {
		if err := r.needManifests(ctx); err != nil {
			return err
		}
	}
	return r.lockDown(ctx)
}

func (r *Report) lockDown(ctx context.Context) error {
	if r.locked {
		return nil
	}
	// DuckDB may always read its temporary folder (by default ./.tmp, where
	// anyone can put a file): point it at a new private, empty one.
	tmp, err := os.MkdirTemp("", "auditlake-sql-")
	if err != nil {
		return fmt.Errorf("lock down: %w", err)
	}
	r.tmpDir = tmp
	for _, s := range []string{
		"SET temp_directory = '" + strings.ReplaceAll(tmp, "'", "''") + "'",
		"SET memory_limit = '" + SQLMemoryLimit + "'",
		"SET allowed_directories = ['" + strings.ReplaceAll(r.DB.Root, "'", "''") + "']",
		"SET enable_external_access = false",
		"SET autoinstall_known_extensions = false",
		"SET autoload_known_extensions = false",
		"SET lock_configuration = true",
	} {
		if _, err := r.DB.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("lock down: %w", err)
		}
	}
	r.locked = true
	return nil
}

// SQLMemoryLimit bounds the memory of a read-only query (report sql).
const SQLMemoryLimit = "2GB"

// ProfileColumns are the columns `profile` prints.
var ProfileColumns = []string{"event_time", "event_source", "event_name", "outcome", "resource", "query_id", "via", "event_id"}

// Profile lists everything a Studio profile touched in [since, until):
// its own calls (by sourceIdentity or execution role), the Lake Formation
// credential requests and S3 reads attributed to it through the chain.
func (r *Report) Profile(ctx context.Context, name string, since, until time.Time) (*Rows, error) {
	q, args, err := ProfileQuery(name, since, until)
	if err != nil {
		return nil, err
	}
	return r.Query(ctx, q, args...)
}

// ProfileQuery is the SELECT behind Profile, with its parameters.
func ProfileQuery(name string, since, until time.Time) (string, []any, error) {
	var sinceArg, untilArg any
	if !since.IsZero() {
		sinceArg = since
	}
	if !until.IsZero() {
		untilArg = until
	}
	q, err := queries.Load("investigation/profile")
	return q.Body(), []any{name, sinceArg, untilArg}, err
}

// TraceColumns are the columns `trace` prints.
var TraceColumns = []string{"step", "event_time", "studio_profile", "principal_arn", "what", "detail", "event_id"}

// ErrNotFound is returned by Trace for an id nothing in the lake carries.
var ErrNotFound = errors.New("no query, event or request with that id")

// Trace follows one access through the chain, in time order: an Athena
// query id (its start, the credentials Lake Formation vended for it, the S3
// reads made with them, the columns it read), or an event id or S3 request
// id (which is first resolved to the query or credential request behind it).
func (r *Report) Trace(ctx context.Context, id string) (*Rows, error) {
	queryID, err := r.traceRoot(ctx, id)
	if err != nil {
		return nil, err
	}
	rows, err := r.named(ctx, "investigation/trace", nullable(queryID), id)
	if err != nil {
		return nil, err
	}
	if len(rows.Values) == 0 {
		// An event outside the chain (a console login, a grant): show it.
		rows, err = r.named(ctx, "investigation/trace_event", id)
		if err == nil && len(rows.Values) == 0 {
			return nil, fmt.Errorf("%q: %w", id, ErrNotFound)
		}
	}
	return rows, err
}

// traceRoot finds the Athena query behind an id, if there is one: the id
// itself, the query of a credential request, or of an S3 read (by event id
// or S3 request id) made with the credentials vended for it.
func (r *Report) traceRoot(ctx context.Context, id string) (string, error) {
	var q *string
	sq, err := queries.Load("investigation/trace_root")
	if err != nil {
		return "", err
	}
	err = r.DB.QueryRowContext(ctx, sq.Body(), id).Scan(&q)
	if err != nil || q == nil {
		return "", err
	}
	return *q, nil
}

// named runs the query file name with args.
func (r *Report) named(ctx context.Context, name string, args ...any) (*Rows, error) {
	q, err := queries.Load(name)
	if err != nil {
		return nil, err
	}
	return r.Query(ctx, q.Body(), args...)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

package report

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// SQL runs one ad-hoc SELECT read-only: it must parse as a single SELECT
// (DuckDB's parser says so), and before it runs the database is locked
// down: no file access outside the lake folder, no extensions, no
// configuration changes. Views and tables of the report are available.
func (r *Report) SQL(ctx context.Context, q string) (*Rows, error) {
	var parsed string
	if err := r.DB.QueryRowContext(ctx, `SELECT json_serialize_sql(?::VARCHAR)::VARCHAR`, q).Scan(&parsed); err != nil {
		return nil, err
	}
	var ast struct {
		Error        bool              `json:"error"`
		ErrorMessage string            `json:"error_message"`
		Statements   []json.RawMessage `json:"statements"`
	}
	if err := json.Unmarshal([]byte(parsed), &ast); err != nil {
		return nil, err
	}
	switch {
	case ast.Error && strings.Contains(ast.ErrorMessage, "Only SELECT statements"):
		// DuckDB's parser serializes SELECTs only: say what that means here.
		return nil, errors.New("only one SELECT statement is allowed (sql is read-only: no DDL, DML, COPY, ATTACH, SET or INSTALL)")
	case ast.Error:
		return nil, fmt.Errorf("only one SELECT statement is allowed, and this one does not parse: %s", ast.ErrorMessage)
	case len(ast.Statements) != 1:
		return nil, fmt.Errorf("only one SELECT statement is allowed, got %d", len(ast.Statements))
	}
	if err := r.lockDown(ctx); err != nil {
		return nil, err
	}
	return r.Query(ctx, q)
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
	var sinceArg, untilArg any
	if !since.IsZero() {
		sinceArg = since
	}
	if !until.IsZero() {
		untilArg = until
	}
	return r.Query(ctx, `
		WITH touched AS (
		  SELECT event_id, 'caller' AS via FROM events WHERE studio_profile = $1
		  UNION ALL SELECT event_id, attributed_via FROM lf_calls WHERE caused_by_profile = $1 AND (studio_profile IS DISTINCT FROM $1)
		  UNION ALL SELECT event_id, attributed_via FROM s3_reads WHERE studio_profile = $1
		)
		SELECT e.event_time, e.event_source, e.event_name, e.outcome,
		       coalesce(e.database_name || '.' || e.table_name, e.s3_bucket || '/' || e.s3_key, e.resource_name, e.s3_bucket) AS resource,
		       e.query_id, min(t.via) AS via, e.event_id
		FROM touched t JOIN events e USING (event_id)
		WHERE ($2::TIMESTAMPTZ IS NULL OR e.event_time >= $2) AND ($3::TIMESTAMPTZ IS NULL OR e.event_time < $3)
		GROUP BY ALL
		ORDER BY e.event_time, e.event_id`, name, sinceArg, untilArg)
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
	rows, err := r.Query(ctx, `
		WITH q AS (SELECT $1::VARCHAR AS qid, $2::VARCHAR AS eid)
		SELECT * FROM (
		  SELECT 'start' AS step, s.event_time, s.studio_profile, s.principal_arn, 'athena StartQueryExecution' AS what,
		         coalesce(a.state || ': ', '') || coalesce(a.query_text, s.query_text, '(SQL not logged)') AS detail, s.event_id
		  FROM athena_starts s, q LEFT JOIN athena_queries a ON a.query_id = q.qid WHERE s.query_id = q.qid
		  UNION ALL
		  SELECT 'credentials', l.event_time, l.caused_by_profile, l.principal_arn, 'lakeformation ' || l.event_name,
		         l.outcome || ' ' || coalesce(l.database_name || '.' || l.table_name, '') || coalesce(' session ' || l.lf_session, ''), l.event_id
		  FROM lf_calls l, q WHERE (q.qid IS NOT NULL AND l.query_id = q.qid) OR l.event_id = q.eid
		  UNION ALL
		  SELECT 'read', s.event_time, s.studio_profile, s.principal_arn, s.log_source || ' ' || s.event_name,
		         s.outcome || ' s3://' || s.s3_bucket || '/' || coalesce(s.s3_key, '') || coalesce(' (' || s.attributed_via || ')', ''), s.event_id
		  FROM s3_reads s, q WHERE (q.qid IS NOT NULL AND s.query_id = q.qid) OR s.event_id = q.eid
		     OR s.lf_event_id = q.eid
		  UNION ALL
		  SELECT 'column', c.event_time, c.studio_profile, c.principal_arn, c.engine || ' ' || c.certainty,
		         c.outcome || ' ' || c.database_name || '.' || c.table_name || coalesce('.' || c.column_name, ''), c.event_id
		  FROM column_access c, q WHERE q.qid IS NOT NULL AND c.query_id = q.qid
		)
		ORDER BY CASE step WHEN 'start' THEN 0 WHEN 'credentials' THEN 1 WHEN 'read' THEN 2 ELSE 3 END, event_time, detail`,
		nullable(queryID), id)
	if err != nil {
		return nil, err
	}
	if len(rows.Values) == 0 {
		// An event outside the chain (a console login, a grant): show it.
		rows, err = r.Query(ctx, `SELECT 'event' AS step, event_time, studio_profile, principal_arn,
			event_source || ' ' || event_name AS what, outcome || coalesce(' ' || error_code, '') AS detail, event_id
			FROM events WHERE event_id = $1 OR request_id = $1 ORDER BY event_time`, id)
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
	err := r.DB.QueryRowContext(ctx, `
		SELECT coalesce(
		  (SELECT query_id FROM athena_starts WHERE query_id = $1),
		  (SELECT query_id FROM athena_queries WHERE query_id = $1),
		  (SELECT max(query_id) FROM lf_calls WHERE event_id = $1),
		  (SELECT max(s.query_id) FROM s3_reads s JOIN events e USING (event_id) WHERE s.event_id = $1 OR e.request_id = $1))`, id).Scan(&q)
	if err != nil || q == nil {
		return "", err
	}
	return *q, nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

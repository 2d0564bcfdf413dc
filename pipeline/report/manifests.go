package report

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/auditlake/auditlake/pipeline/lake"
)

// LoadManifests (re)creates, from the lake's _manifest/*.json files, the
// tables behind ingestion completeness and the log_delivery_gap detection:
//
//	ingest_objects(object, format, records_read, events_written, quarantined, bytes_skipped)
//	ingest_hours(object, format, hour TIMESTAMPTZ, events)
//	digest_files(digest_object, start TIMESTAMPTZ, "end" TIMESTAMPTZ, log_file)
//
// The files are read in Go and every value goes in through DuckDB's
// appender, never into SQL text. A lake
// without manifests gives empty tables. Calling it again replaces the tables.
func (r *Report) LoadManifests(ctx context.Context) error { return r.loadManifests(ctx) }

func (r *Report) loadManifests(ctx context.Context) error {
	for _, ddl := range []string{
		`CREATE OR REPLACE TABLE ingest_objects (object VARCHAR, format VARCHAR,
			records_read BIGINT, events_written BIGINT, quarantined BIGINT, bytes_skipped BIGINT)`,
		`CREATE OR REPLACE TABLE ingest_hours (object VARCHAR, format VARCHAR, hour TIMESTAMPTZ, events BIGINT)`,
		`CREATE OR REPLACE TABLE digest_files (digest_object VARCHAR, start TIMESTAMPTZ, "end" TIMESTAMPTZ, log_file VARCHAR)`,
	} {
		if _, err := r.DB.ExecContext(ctx, ddl); err != nil {
			return fmt.Errorf("manifest tables: %w", err)
		}
	}
	r.manifests = true
	dir := filepath.Join(r.DB.Root, lake.ManifestDir)
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("manifests: %w", err)
	}
	var names []string
	for _, e := range ents {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".json") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	var objects, hourRows, digests [][]driver.Value
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return fmt.Errorf("manifest %s: %w", name, err)
		}
		var m lake.Manifest
		if err := json.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("manifest %s: %w", name, err)
		}
		objects = append(objects, []driver.Value{m.Object, m.Format, m.Read, m.Written, m.Quarantined, m.BytesSkipped})
		hours := make([]string, 0, len(m.Hours))
		for h := range m.Hours {
			hours = append(hours, h)
		}
		sort.Strings(hours)
		for _, h := range hours {
			t, err := time.Parse("2006-01-02T15", h)
			if err != nil {
				return fmt.Errorf("manifest %s: hour %q: %w", name, h, err)
			}
			hourRows = append(hourRows, []driver.Value{m.Object, m.Format, t.UTC(), m.Hours[h]})
		}
		if d := m.Digest; d != nil {
			start, err1 := parseDigestTime(d.Start)
			end, err2 := parseDigestTime(d.End)
			if err := errors.Join(err1, err2); err != nil {
				return fmt.Errorf("manifest %s: digest: %w", name, err)
			}
			for _, f := range d.LogFiles {
				digests = append(digests, []driver.Value{m.Object, start, end, f})
			}
		}
	}
	for _, t := range []struct {
		name string
		rows [][]driver.Value
	}{{"ingest_objects", objects}, {"ingest_hours", hourRows}, {"digest_files", digests}} {
		if err := r.DB.Append(ctx, t.name, t.rows); err != nil {
			return fmt.Errorf("manifests: %w", err)
		}
	}
	return nil
}

// needManifests loads the manifest tables once, for the questions that
// read them (findings, compliance, a sql query that names them).
func (r *Report) needManifests(ctx context.Context) error {
	if r.manifests {
		return nil
	}
	return r.loadManifests(ctx)
}

// namesManifests says whether an ad-hoc query may read a manifest table.
func namesManifests(q string) bool {
	q = strings.ToLower(q)
	return strings.Contains(q, "ingest_objects") || strings.Contains(q, "ingest_hours") || strings.Contains(q, "digest_files")
}

// parseDigestTime reads a digest's start or end time (RFC 3339); empty is NULL.
func parseDigestTime(s string) (driver.Value, error) {
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil, err
	}
	return t.UTC(), nil
}

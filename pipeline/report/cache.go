package report

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/auditlake/auditlake/pipeline/chain"
	"github.com/auditlake/auditlake/pipeline/lake"
	"github.com/auditlake/auditlake/pipeline/store"
	"github.com/auditlake/auditlake/pipeline/warehouse"
	"github.com/auditlake/auditlake/schemas"
)

// CacheStats says what Sync did.
type CacheStats struct {
	Listed, Copied, Kept int
	Bytes                int64
}

// Sync copies into dir the data files of an s3:// lake's table snapshots
// (current, or as names) that a question over [since, until) needs (every
// day when both are zero), and the ingestion ledger, so that DuckDB can read
// them locally. It returns the snapshots, whose file keys are valid below
// dir. Files already in the cache with the same size are kept: data files
// are written once under names that hash their bytes.
// DuckDB's S3 extension is not used: it cannot be installed everywhere.
//
// It copies too the derived tables as the newest build made at or before
// the snapshots read left them (up to until), and the build's state.
func Sync(ctx context.Context, lakeURL, dir string, as warehouse.AsOf, since, until time.Time, opts ...warehouse.Option) (map[string]*warehouse.Snapshot, CacheStats, error) {
	snaps, st, _, err := syncLake(ctx, lakeURL, dir, as, since, until, opts...)
	return snaps, st, err
}

func syncLake(ctx context.Context, lakeURL, dir string, as warehouse.AsOf, since, until time.Time, opts ...warehouse.Option) (map[string]*warehouse.Snapshot, CacheStats, *warehouse.Warehouse, error) {
	var st CacheStats
	w, err := warehouse.Open(ctx, lakeURL, opts...)
	if err != nil {
		return nil, st, nil, err
	}
	src := w.Store()
	if err := lake.CheckLayout(ctx, src); err != nil {
		return nil, st, nil, err
	}
	dst, err := store.NewDir(dir)
	if err != nil {
		return nil, st, nil, err
	}
	copyKey := func(key string, size int64) error {
		st.Listed++
		if fi, err := os.Stat(filepath.Join(dst.Root(), filepath.FromSlash(key))); err == nil && fi.Size() == size {
			st.Kept++
			return nil
		}
		rc, _, err := src.Open(ctx, key)
		if err != nil {
			return err
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			return fmt.Errorf("%s: %w", src.Location(key), err)
		}
		if err := dst.Put(ctx, key, b); err != nil {
			return err
		}
		st.Copied++
		st.Bytes += int64(len(b))
		return nil
	}
	snaps := map[string]*warehouse.Snapshot{}
	for _, name := range schemas.Tables() {
		snap, err := w.Snapshot(ctx, name, as, nil)
		if err != nil {
			return nil, st, nil, fmt.Errorf("%s: %w", name, err)
		}
		kept := snap.Files[:0]
		for _, f := range snap.Files {
			if f.Key == "" {
				return nil, st, nil, fmt.Errorf("%s: data file %s is outside the lake", name, f.URI)
			}
			if !dayWanted(f.Day, since, until) {
				continue
			}
			if err := copyKey(f.Key, f.Size); err != nil {
				return nil, st, nil, err
			}
			kept = append(kept, f)
		}
		snap.Files = kept
		snaps[name] = snap
	}
	// The ledger too: the compliance report's completeness sections and
	// the log_delivery_gap detection read it.
	err = src.List(ctx, lake.ManifestDir+"/", func(o store.Object) error {
		if !strings.HasSuffix(o.Key, ".json") {
			return nil
		}
		return copyKey(o.Key, o.Size)
	})
	if err != nil {
		return nil, st, nil, err
	}
	// The derived tables of the build a reader of these snapshots uses.
	state, err := chain.LatestState(ctx, src, asOfTime(as, snaps))
	if err != nil || state == nil {
		return snaps, st, w, err
	}
	for _, key := range []string{chain.StateDir + "/" + state.ID + ".json", state.CatalogTables} {
		if key == "" {
			continue
		}
		o, err := src.Stat(ctx, key)
		if err != nil {
			return nil, st, nil, err
		}
		if err := copyKey(key, o.Size); err != nil {
			return nil, st, nil, err
		}
	}
	for name, id := range state.Outputs {
		if id == 0 {
			continue
		}
		snap, err := w.Snapshot(ctx, name, warehouse.AsOf{ID: id}, nil)
		if err != nil {
			return nil, st, nil, fmt.Errorf("%s: %w", name, err)
		}
		for _, f := range snap.Files {
			if f.Key == "" {
				return nil, st, nil, fmt.Errorf("%s: data file %s is outside the lake", name, f.URI)
			}
			if !dayWanted(f.Day, time.Time{}, until) {
				continue
			}
			if err := copyKey(f.Key, f.Size); err != nil {
				return nil, st, nil, err
			}
		}
	}
	return snaps, st, w, nil
}

// asOfTime is the time a build state must not be newer than for a reader
// of snaps (zero: the current snapshots, any build).
func asOfTime(as warehouse.AsOf, snaps map[string]*warehouse.Snapshot) time.Time {
	if as == (warehouse.AsOf{}) {
		return time.Time{}
	}
	var t time.Time
	for _, s := range snaps {
		if s.Time.After(t) {
			t = s.Time
		}
	}
	if t.IsZero() {
		t = time.Unix(0, 1) // nothing committed then: no build either
	}
	return t
}

// dayWanted reports whether a partition day (YYYY-MM-DD, UTC) can hold
// rows in [since, until).
func dayWanted(d string, since, until time.Time) bool {
	day, err := time.Parse("2006-01-02", d)
	if err != nil {
		return true
	}
	if !since.IsZero() && day.Add(24*time.Hour).Before(since.UTC()) {
		return false
	}
	if !until.IsZero() && !day.Before(until.UTC()) {
		return false
	}
	return true
}

// CacheDir is where an s3:// lake is cached: $AUDITLAKE_CACHE, else the
// user cache folder, one folder per bucket and prefix.
func CacheDir(lakeURL string) (string, error) {
	base := os.Getenv("AUDITLAKE_CACHE")
	if base == "" {
		c, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("no cache folder for the s3 lake (set AUDITLAKE_CACHE): %w", err)
		}
		base = filepath.Join(c, "auditlake")
	}
	bucket, prefix, err := store.ParseS3URL(lakeURL)
	if err != nil {
		return "", err
	}
	return filepath.Join(base, safeSegment(bucket), safeSegment(prefix)), nil
}

// safeSegment makes a bucket name or key prefix one safe folder name:
// characters outside [A-Za-z0-9._-] are percent-encoded, and "" becomes "_".
func safeSegment(v string) string {
	if v == "" {
		return "_"
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-', c == '.' && i > 0:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

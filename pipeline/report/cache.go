package report

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/auditlake/auditlake/pipeline"
	"github.com/auditlake/auditlake/pipeline/lake"
	"github.com/auditlake/auditlake/pipeline/store"
)

// CacheStats says what Sync did.
type CacheStats struct {
	Listed, Copied, Kept int
	Bytes                int64
}

// Sync copies the Parquet partitions of an s3:// lake that a question over
// [since, until) needs (every day when both are zero), and the ingestion
// manifests, into dir, so that DuckDB can read them locally. Files already
// in the cache with the same size are kept: lake files are written once
// under content-derived names.
// DuckDB's S3 extension is not used: it cannot be installed everywhere.
func Sync(ctx context.Context, lakeURL, dir string, since, until time.Time) (CacheStats, error) {
	var st CacheStats
	src, err := pipeline.OpenLake(ctx, lakeURL)
	if err != nil {
		return st, err
	}
	dst, err := store.NewDir(dir)
	if err != nil {
		return st, err
	}
	// The manifests too: the compliance report's completeness sections and
	// the log_delivery_gap detection read them.
	for _, table := range []string{lake.EventsDir, lake.AthenaQueries.Name, lake.ManifestDir} {
		err := src.List(ctx, table+"/", func(o store.Object) error {
			manifest := table == lake.ManifestDir && strings.HasSuffix(o.Key, ".json")
			if !manifest && (!strings.HasSuffix(o.Key, ".parquet") || !dayWanted(o.Key, since, until)) {
				return nil
			}
			st.Listed++
			if fi, err := os.Stat(filepath.Join(dst.Root(), filepath.FromSlash(o.Key))); err == nil && fi.Size() == o.Size {
				st.Kept++
				return nil
			}
			rc, _, err := src.Open(ctx, o.Key)
			if err != nil {
				return err
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err != nil {
				return fmt.Errorf("%s: %w", src.Location(o.Key), err)
			}
			if err := dst.Put(ctx, o.Key, b); err != nil {
				return err
			}
			st.Copied++
			st.Bytes += int64(len(b))
			return nil
		})
		if err != nil {
			return st, err
		}
	}
	return st, nil
}

// dayWanted reports whether a file's dt= partition can hold rows in
// [since, until). Rows are partitioned by event day in UTC.
func dayWanted(key string, since, until time.Time) bool {
	i := strings.Index(key, "/dt=")
	if i < 0 || len(key) < i+len("/dt=2006-01-02") {
		return true
	}
	day, err := time.Parse("2006-01-02", key[i+len("/dt="):i+len("/dt=2006-01-02")])
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

// cacheDir is where an s3:// lake is cached: $AUDITLAKE_CACHE, else the
// user cache folder, one folder per bucket and prefix.
func cacheDir(lakeURL string) (string, error) {
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
	return filepath.Join(base, lake.PartitionValue(bucket), lake.PartitionValue(prefix)), nil
}

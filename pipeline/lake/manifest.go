package lake

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/auditlake/auditlake/pipeline/store"
)

// Object formats recorded in the manifest.
const (
	FormatCloudTrail       = "cloudtrail"
	FormatCloudTrailDigest = "cloudtrail_digest"
	FormatS3AccessLog      = "s3_access_log"
	FormatAthena           = "athena_query_executions"
	FormatUnknown          = "unknown"
)

// ManifestVersion is bumped when the manifest's meaning changes.
const ManifestVersion = 1

// Manifest records one ingested input object: where it came from, what it
// held and where its records went. Its presence makes ingestion idempotent;
// its counts and hours serve completeness checks. It holds nothing that
// changes between two ingests of the same object.
type Manifest struct {
	Version     int              `json:"version"`
	Object      string           `json:"object"`
	ObjectID    string           `json:"object_id"`
	Size        int64            `json:"size"`
	ContentTag  string           `json:"content_tag"`
	Format      string           `json:"format"`
	Read        int64            `json:"records_read"`
	Written     int64            `json:"events_written"`
	Quarantined int64            `json:"quarantined"`
	Skipped     map[string]int64 `json:"skipped,omitempty"`
	Hours       map[string]int64 `json:"hours,omitempty"` // event hour (UTC, 2006-01-02T15) → events written
	Files       []string         `json:"files,omitempty"`
	Digest      *Digest          `json:"digest,omitempty"`
	// BytesSkipped counts the object's bytes (decompressed) that could not
	// be read as records: skipped to the next record, or unreadable to
	// the end (each such stretch is one quarantine entry).
	BytesSkipped int64 `json:"bytes_skipped,omitempty"`
}

// Digest summarises a CloudTrail digest file: the log files CloudTrail says
// it delivered in the digest's hour, for completeness checks.
type Digest struct {
	AccountID    string   `json:"account_id"`
	Start        string   `json:"start"`
	End          string   `json:"end"`
	LogFiles     []string `json:"log_files"` // s3://bucket/key
	PreviousFile string   `json:"previous_digest,omitempty"`
}

// ManifestKey is where the manifest of an object lives.
func ManifestKey(objectID string) string { return ManifestDir + "/" + objectID + ".json" }

// HasManifest reports whether the object was ingested already.
func HasManifest(ctx context.Context, st store.Store, objectID string) (bool, error) {
	_, err := st.Stat(ctx, ManifestKey(objectID))
	if errors.Is(err, store.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// WriteManifest stores m.
func WriteManifest(ctx context.Context, st store.Store, m *Manifest) error {
	m.Version = ManifestVersion
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return st.Put(ctx, ManifestKey(m.ObjectID), append(b, '\n'))
}

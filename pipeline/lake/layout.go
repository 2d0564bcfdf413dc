package lake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/auditlake/auditlake/pipeline/store"
)

// Namespace is the Iceberg namespace (and, with AWS Glue, the database)
// that holds the lake's tables. A table lives in Namespace/<table>/ below
// the lake root: data/ (Parquet data files) and metadata/ (Iceberg).
const Namespace = "auditlake"

// Top-level folders of a lake.
const (
	QuarantineDir = "_quarantine"
	ManifestDir   = "_manifest"
	IndexDir      = "_index"
	CommitsDir    = "_commits"
	SpoolDir      = "_spool" // sort spools and data files being written (local lakes)
	NoProfile     = "_none"

	// LegacyEventsDir is where lake layout v2 kept events
	// (events/dt=…/profile=…/); such a lake must be migrated.
	LegacyEventsDir = "events"
)

// EventsDir is the name of the events table (and its schemas/ file).
const EventsDir = "events"

// TableDir is the folder of an Iceberg table below the lake root.
func TableDir(table string) string { return Namespace + "/" + table }

// DataDir is the folder of a table's data files below the lake root.
func DataDir(table string) string { return TableDir(table) + "/data" }

// dataFileDir is the folder of one day's data files (Iceberg's
// Hive-style partition path for the day(…) transform).
func dataFileDir[R any](t *Table[R], day string) string {
	return DataDir(t.Name) + "/" + t.PartitionField + "=" + day
}

// ObjectID names an input object in the lake: a hash of its location and
// its content tag (ETag or content hash), so that re-ingesting the same
// object is recognised and a changed object is ingested again.
func ObjectID(location, contentTag string) string {
	h := sha256.New()
	h.Write([]byte(location))
	h.Write([]byte{0})
	h.Write([]byte(contentTag))
	return hex.EncodeToString(h.Sum(nil))[:24]
}

// ErrLegacyLayout is returned for a lake in the v2 layout.
var ErrLegacyLayout = errors.New("this lake uses the old layout v2 (events/dt=…/profile=…/ folders); convert it once with `ingest migrate --lake LAKE`")

// CheckLayout returns ErrLegacyLayout (wrapped with the lake's location)
// when the lake in st still holds layout v2 data files.
func CheckLayout(ctx context.Context, st store.Store) error {
	legacy, err := HasLegacyLayout(ctx, st)
	if err != nil {
		return err
	}
	if legacy {
		return fmt.Errorf("%s: %w", st.Location(""), ErrLegacyLayout)
	}
	return nil
}

// HasLegacyLayout reports whether st holds layout v2 files
// (events/dt=…, athena_queries/dt=…).
func HasLegacyLayout(ctx context.Context, st store.Store) (bool, error) {
	found := false
	errStop := errors.New("stop")
	for _, dir := range []string{LegacyEventsDir + "/dt=", "athena_queries/dt="} {
		err := st.List(ctx, dir, func(store.Object) error {
			found = true
			return errStop
		})
		if err != nil && !errors.Is(err, errStop) {
			return false, err
		}
		if found {
			return true, nil
		}
	}
	return false, nil
}

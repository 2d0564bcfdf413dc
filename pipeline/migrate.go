package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/auditlake/auditlake/pipeline/lake"
	"github.com/auditlake/auditlake/pipeline/store"
)

// MigrateRequest is the id of the commit request that adds a v2 lake's
// rows to the Iceberg tables: fixed, so that a migration that stopped
// after its commit is never committed twice.
const MigrateRequest = "migrate-layout-v2"

// LegacyDir is where a migration moves the v2 layout's files once their
// rows are committed (kept, not deleted: they are evidence).
const LegacyDir = "_legacy_v2"

// MigrateStats says what Migrate did.
type MigrateStats struct {
	Files       int   // v2 data files read
	Rows        int64 // rows written to the Iceberg tables
	Quarantined int64 // rows that could not be carried over (see _quarantine/)
	Moved       int   // files moved to _legacy_v2/
	Committed   bool
}

// Migrate converts a lake in layout v2 (events/dt=…/profile=…/*.parquet,
// athena_queries/dt=…/*.parquet) into the Iceberg tables once: it writes
// their rows as new data files, commits them (with c) under one fixed
// request id, then moves the v2 files to _legacy_v2/. The ledger and the
// duplicate index stay as they are. Running it again, after a crash at any
// point or on a migrated lake, adds nothing twice.
func Migrate(ctx context.Context, loc string, c Committer) (*MigrateStats, error) {
	st, err := OpenLake(ctx, loc)
	if err != nil {
		return nil, err
	}
	stats := &MigrateStats{}
	var legacy []store.Object
	for _, dir := range []string{lake.LegacyEventsDir + "/dt=", lake.AthenaQueries.Name + "/dt="} {
		if err := st.List(ctx, dir, func(o store.Object) error {
			legacy = append(legacy, o)
			return nil
		}); err != nil {
			return nil, err
		}
	}
	if len(legacy) == 0 {
		return stats, nil
	}
	states, err := lake.ReadTableStates(ctx, st, lake.TableNames)
	if err != nil {
		return nil, err
	}
	done := states[lake.Events.Name].Requests[MigrateRequest] || states[lake.AthenaQueries.Name].Requests[MigrateRequest]
	if !done {
		if err := migrateRows(ctx, st, legacy, stats); err != nil {
			return stats, err
		}
		if c == nil {
			return stats, errors.New("migrate needs a committer")
		}
		if err := c.Commit(ctx); err != nil {
			return stats, fmt.Errorf("commit: %w", err)
		}
		stats.Committed = true
	}
	// The rows are in the tables: move the v2 files out of the way.
	for _, o := range legacy {
		if !strings.HasSuffix(o.Key, ".parquet") {
			continue
		}
		b, err := store.ReadAll(ctx, st, o.Key)
		if err != nil {
			return stats, err
		}
		if err := st.Put(ctx, LegacyDir+"/"+o.Key, b); err != nil {
			return stats, err
		}
		if err := st.Delete(ctx, o.Key); err != nil {
			return stats, err
		}
		stats.Moved++
	}
	return stats, nil
}

func migrateRows(ctx context.Context, st store.Store, legacy []store.Object, stats *MigrateStats) error {
	events := lake.NewBuffer(st, lake.Events)
	queries := lake.NewBuffer(st, lake.AthenaQueries)
	ew := lake.NewWriter(events, nil, MigrateRequest, "migrate:"+lake.LegacyEventsDir)
	qw := lake.NewWriter(queries, nil, MigrateRequest+"-q", "migrate:athena_queries")
	for _, o := range legacy {
		if !strings.HasSuffix(o.Key, ".parquet") {
			continue
		}
		b, err := store.ReadAll(ctx, st, o.Key)
		if err != nil {
			return err
		}
		stats.Files++
		day := legacyDay(o.Key)
		if strings.HasPrefix(o.Key, lake.AthenaQueries.Name+"/") {
			rows, err := lake.Read[lake.AthenaQuery](b)
			if err != nil {
				return fmt.Errorf("%s: %w", st.Location(o.Key), err)
			}
			for i := range rows {
				if lake.AthenaQueries.Day(&rows[i]) != day {
					qw.Quarantine(int64(i), fmt.Sprintf("%s row %d: submitted_at does not read back within its partition day %s", o.Key, i, day), nil)
					stats.Quarantined++
					continue
				}
				if ok, err := qw.Add(ctx, &rows[i]); err != nil {
					return err
				} else if ok {
					stats.Rows++
				}
			}
			continue
		}
		rows, err := lake.ReadEvents(b)
		if err != nil {
			return fmt.Errorf("%s: %w", st.Location(o.Key), err)
		}
		for i := range rows {
			// parquet-go reads times outside 1678–2262 wrong: such a row
			// is kept in the quarantine with its place, not altered.
			if rows[i].Day() != day {
				ew.Quarantine(int64(i), fmt.Sprintf("%s row %d (event %s): event_time does not read back within its partition day %s", o.Key, i, rows[i].EventID, day), nil)
				stats.Quarantined++
				continue
			}
			if ok, err := ew.Add(ctx, &rows[i]); err != nil {
				return err
			} else if ok {
				stats.Rows++
			}
		}
	}
	if _, err := ew.Close(ctx); err != nil {
		return err
	}
	if _, err := qw.Close(ctx); err != nil {
		return err
	}
	if err := events.Flush(ctx); err != nil {
		return err
	}
	if err := queries.Flush(ctx); err != nil {
		return err
	}
	ef, _ := events.Take()
	qf, _ := queries.Take()
	r := &lake.CommitRequest{ID: MigrateRequest, Run: MigrateRequest, Created: time.Now().UTC(), Files: append(ef, qf...)}
	return lake.WriteRequest(ctx, st, r)
}

// legacyDay is the dt= value of a v2 key.
func legacyDay(key string) string {
	i := strings.Index(key, "/dt=")
	if i < 0 || len(key) < i+14 {
		return ""
	}
	return key[i+4 : i+14]
}

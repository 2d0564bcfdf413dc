package chain

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/auditlake/auditlake/pipeline/store"
	"github.com/auditlake/auditlake/pipeline/warehouse"
)

// StateDir is the folder of build states below the lake root.
const StateDir = "_build"

// State is what one build read and wrote. It is written after the build's
// commits: the newest state names the snapshots of the derived tables that
// readers use, and the inputs the next build compares with.
type State struct {
	ID      string    `json:"id"` // sorts by creation time
	Created time.Time `json:"created"`
	Chain   string    `json:"chain"`   // Hash of the chain that built it
	Context string    `json:"context"` // hash of the catalog and grant files given
	// Inputs are the ingested tables read: their snapshot and, per day, its
	// fingerprint (see inputOf).
	Inputs map[string]Input `json:"inputs"`
	// Outputs are the derived tables' snapshots the build committed (0: the
	// table is empty).
	Outputs map[string]int64 `json:"outputs"`
	// Rebuilt counts the days each step rebuilt.
	Rebuilt map[string]int `json:"rebuilt"`
	// CatalogTables is the key of a Parquet file with catalog_tables as
	// the build's replay left it (every version of every table).
	CatalogTables string `json:"catalog_tables,omitempty"`
}

// Input is one ingested table as a build read it.
type Input struct {
	Snapshot int64             `json:"snapshot"`
	Time     time.Time         `json:"time"`
	Days     map[string]string `json:"days"`
}

// inputOf fingerprints a snapshot's days by their row counts (from the
// Iceberg metadata, reading no data file). Ingest only ever adds rows to a
// day, so a day with new rows has a new count; compaction (ours, Athena's
// OPTIMIZE or Glue's) rewrites a day's files without changing what a
// reader sees, and a day it only rewrote keeps its count and is not
// rebuilt. A day whose rows may hold duplicates (unchecked) is marked:
// its compaction changes the count, and rebuilds it once.
func inputOf(s *warehouse.Snapshot) Input {
	in := Input{Days: map[string]string{}}
	if s == nil {
		return in
	}
	in.Snapshot, in.Time = s.ID, s.Time
	rows := map[string]int64{}
	for _, f := range s.Files {
		rows[f.Day] += f.Rows
	}
	unchecked := map[string]bool{}
	for _, d := range s.Unchecked {
		unchecked[d] = true
	}
	for day, n := range rows {
		in.Days[day] = fmt.Sprintf("rows=%d", n)
		if unchecked[day] {
			in.Days[day] += " unchecked"
		}
	}
	return in
}

func newStateID(now time.Time) string {
	b := make([]byte, 4)
	rand.Read(b)
	return now.UTC().Format("20060102T150405.000000000Z") + "-" + hex.EncodeToString(b)
}

// LatestState reads the newest build state created at or before notAfter
// (zero: the newest); nil when there is none.
func LatestState(ctx context.Context, st store.Store, notAfter time.Time) (*State, error) {
	var keys []string
	err := st.List(ctx, StateDir+"/", func(o store.Object) error {
		if strings.HasSuffix(o.Key, ".json") {
			keys = append(keys, o.Key)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Sort(sort.Reverse(sort.StringSlice(keys)))
	for _, k := range keys {
		b, err := store.ReadAll(ctx, st, k)
		if err != nil {
			return nil, err
		}
		var s State
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, fmt.Errorf("%s: %w", st.Location(k), err)
		}
		if notAfter.IsZero() || !s.Created.After(notAfter) {
			return &s, nil
		}
	}
	return nil, nil
}

func writeState(ctx context.Context, st store.Store, s *State) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return st.Put(ctx, StateDir+"/"+s.ID+".json", b)
}

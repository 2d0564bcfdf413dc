package chain

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
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
	// Inputs are the ingested tables read: their snapshot and, per day, a
	// hash of the day's data files.
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

// inputOf fingerprints a snapshot's days.
func inputOf(s *warehouse.Snapshot) Input {
	in := Input{Days: map[string]string{}}
	if s == nil {
		return in
	}
	in.Snapshot, in.Time = s.ID, s.Time
	keys := map[string][]string{}
	for _, f := range s.Files {
		keys[f.Day] = append(keys[f.Day], f.URI)
	}
	for day, k := range keys {
		sort.Strings(k)
		sum := sha256.Sum256([]byte(strings.Join(k, "\n")))
		in.Days[day] = hex.EncodeToString(sum[:12])
	}
	for _, d := range s.Unchecked {
		if _, ok := in.Days[d]; ok {
			in.Days[d] += "+unchecked"
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

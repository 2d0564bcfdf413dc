package lake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/auditlake/auditlake/pipeline/store"
)

// CommitRequest is what an ingest run hands the committer: the data files
// it wrote, and the ledger entries (manifests) of the objects whose rows
// they hold. Its data files become part of their tables, and its objects
// count as ingested, only when a committer has made it one Iceberg commit
// per table; until then readers see none of it. Requests are complete when
// written (they are written after their data files), so any committer may
// commit any pending request.
type CommitRequest struct {
	ID      string      `json:"id"`
	Run     string      `json:"run"` // the ingest run that wrote it: one run's requests never overlap
	Created time.Time   `json:"created"`
	Files   []DataFile  `json:"files,omitempty"`
	Objects []*Manifest `json:"objects,omitempty"`
	// Base is, per table, the snapshot the run's duplicate check saw
	// (0: the table had none). A commit on top of a later snapshot may hold
	// event ids that another writer committed meanwhile.
	Base map[string]int64 `json:"base_snapshots,omitempty"`
}

// SummaryRequests is the snapshot summary property that names the commit
// requests a snapshot committed (comma-separated ids).
const SummaryRequests = "auditlake.commit-requests"

// RequestKey is where a pending commit request lives.
func RequestKey(id string) string { return CommitsDir + "/" + id + ".json" }

// Tables are the tables a request adds files to, in order.
func (r *CommitRequest) Tables() []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range r.Files {
		if !seen[f.Table] {
			seen[f.Table] = true
			out = append(out, f.Table)
		}
	}
	sort.Strings(out)
	return out
}

// WriteRequest stores a pending commit request.
func WriteRequest(ctx context.Context, st store.Store, r *CommitRequest) error {
	for _, m := range r.Objects {
		m.Version = ManifestVersion
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return st.Put(ctx, RequestKey(r.ID), append(b, '\n'))
}

// PendingRequests reads every pending commit request, oldest first.
func PendingRequests(ctx context.Context, st store.Store) ([]*CommitRequest, error) {
	var keys []string
	if err := st.List(ctx, CommitsDir+"/", func(o store.Object) error {
		if strings.HasSuffix(o.Key, ".json") && !strings.Contains(strings.TrimPrefix(o.Key, CommitsDir+"/"), "/") {
			keys = append(keys, o.Key)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	var out []*CommitRequest
	for _, k := range keys {
		b, err := store.ReadAll(ctx, st, k)
		if errors.Is(err, store.ErrNotExist) {
			continue // finished by another committer meanwhile
		}
		if err != nil {
			return nil, err
		}
		var r CommitRequest
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("commit request %s: %w", st.Location(k), err)
		}
		out = append(out, &r)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out, nil
}

// FinishRequest records a committed request's objects in the ledger
// (_manifest/) and removes the request. It is idempotent.
func FinishRequest(ctx context.Context, st store.Store, r *CommitRequest) error {
	// Markers first, in each day the request's files cover, then the
	// ledger: a marker without a ledger entry only says what will be true
	// once the entry is written (the rows are committed already).
	days := map[[2]string]bool{}
	for _, f := range r.Files {
		days[[2]string{f.Table, f.Day}] = true
	}
	for _, m := range r.Objects {
		for d := range days {
			if err := st.Put(ctx, CommittedMarker(d[0], d[1], m.ObjectID), nil); err != nil {
				return err
			}
		}
	}
	for _, m := range r.Objects {
		if err := WriteManifest(ctx, st, m); err != nil {
			return err
		}
	}
	return st.Delete(ctx, RequestKey(r.ID))
}

// TableState is what the ingest side needs to know of an Iceberg table,
// read from its metadata file without the Iceberg library: the current
// snapshot and the commit requests its snapshots committed.
type TableState struct {
	Snapshot int64           // current snapshot id, 0 when none
	Requests map[string]bool // commit request ids named by any snapshot
	Metadata string          // key of the current metadata file ("" when the table does not exist)
}

// PropUncheckedDays is the table property listing the days (comma-separated
// YYYY-MM-DD) whose data files may hold an event id twice, because two
// writers committed overlapping rows; views deduplicate those days and
// compaction clears them.
const PropUncheckedDays = "auditlake.unchecked-days"

var versionFile = regexp.MustCompile(`^v([0-9]+)\.metadata\.json$`)

// ReadTableState reads the current metadata of table (the highest
// vN.metadata.json of the filesystem catalog).
func ReadTableState(ctx context.Context, st store.Store, table string) (*TableState, error) {
	ts := &TableState{Requests: map[string]bool{}}
	best := 0
	dir := TableDir(table) + "/metadata/"
	if err := st.List(ctx, dir, func(o store.Object) error {
		m := versionFile.FindStringSubmatch(path.Base(o.Key))
		if m == nil {
			return nil
		}
		if v, _ := strconv.Atoi(m[1]); v > best {
			best, ts.Metadata = v, o.Key
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if ts.Metadata == "" {
		return ts, nil
	}
	b, err := store.ReadAll(ctx, st, ts.Metadata)
	if err != nil {
		return nil, err
	}
	var meta struct {
		Current   *int64 `json:"current-snapshot-id"`
		Snapshots []struct {
			Summary map[string]string `json:"summary"`
		} `json:"snapshots"`
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		return nil, fmt.Errorf("%s: %w", st.Location(ts.Metadata), err)
	}
	if meta.Current != nil && *meta.Current > 0 {
		ts.Snapshot = *meta.Current
	}
	for _, s := range meta.Snapshots {
		for _, id := range strings.Split(s.Summary[SummaryRequests], ",") {
			if id != "" {
				ts.Requests[id] = true
			}
		}
	}
	return ts, nil
}

// Committed reports whether every table r adds files to has committed it.
func (r *CommitRequest) Committed(states map[string]*TableState) bool {
	for _, t := range r.Tables() {
		s := states[t]
		if s == nil || !s.Requests[r.ID] {
			return false
		}
	}
	return true
}

// ReadTableStates reads the state of each of tables.
func ReadTableStates(ctx context.Context, st store.Store, tables []string) (map[string]*TableState, error) {
	states := map[string]*TableState{}
	for _, t := range tables {
		s, err := ReadTableState(ctx, st, t)
		if err != nil {
			return nil, err
		}
		states[t] = s
	}
	return states, nil
}

// Recover finishes the pending requests that a committer committed but did
// not get to record (it stopped between the Iceberg commit and the
// ledger), and the requests that add no data file (nothing to commit), by
// the table states read before. It returns the requests still pending.
func Recover(ctx context.Context, st store.Store, states map[string]*TableState) ([]*CommitRequest, error) {
	pending, err := PendingRequests(ctx, st)
	if err != nil || len(pending) == 0 {
		return pending, err
	}
	var left []*CommitRequest
	for _, r := range pending {
		if r.Committed(states) {
			if err := FinishRequest(ctx, st, r); err != nil {
				return nil, err
			}
			continue
		}
		left = append(left, r)
	}
	return left, nil
}

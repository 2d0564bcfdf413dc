package lake

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/auditlake/auditlake/pipeline/store"
)

// Index remembers which row ids (event_id, query_id) the lake already
// holds, per table and day, so that a record delivered twice (CloudTrail
// does that, in different objects) is written once. It loads a day's ids
// from _index/<table>/dt=<day>/<object id>.ids the first time that day is
// seen, counting only objects whose rows are committed (their ledger entry
// is in _manifest/) or that this process wrote: ids left by a run that
// crashed before its commit are ignored, so a re-run writes those rows.
// Ids are kept as 64-bit hashes. It is safe for concurrent use.
type Index struct {
	st      store.Store
	mu      sync.Mutex
	days    map[string]*dayIndex // table/dt=day → its ids
	n       int                  // ids held, in all days
	tick    uint64               // claims made, to find the least recently used day
	trimmed uint64               // tick at the last Trim
	owners  []string
	ownerN  map[string]int32
	mine    map[string]bool // objects this process wrote ids for
	done    map[string]bool // committed objects (the ledger), loaded on first use
}

// dayIndex holds the ids of one table and day.
type dayIndex struct {
	ids  map[uint64]int32 // id hash → the object that holds it
	used uint64           // Index.tick when last claimed in
}

// NewIndex returns an index over the lake in st.
func NewIndex(st store.Store) *Index {
	return &Index{st: st, days: map[string]*dayIndex{}, ownerN: map[string]int32{}, mine: map[string]bool{}}
}

// Len is the number of ids the index holds in memory.
func (x *Index) Len() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.n
}

// Trim forgets the least recently used days until at most max ids are held.
// Days claimed in since the previous Trim stay, however large: they are the
// ones the input is delivering now, and reading them again for every object
// would cost more than holding them. A forgotten day is read from the lake
// again when it is next needed, so Trim may only be called while no Writer
// using the index is open: an open writer's ids are not stored until it
// closes.
func (x *Index) Trim(max int) {
	x.mu.Lock()
	defer x.mu.Unlock()
	since := x.trimmed
	x.trimmed = x.tick
	if x.n <= max {
		return
	}
	keys := make([]string, 0, len(x.days))
	for k, d := range x.days {
		if d.used <= since {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return x.days[keys[i]].used < x.days[keys[j]].used })
	for _, k := range keys {
		if x.n <= max {
			break
		}
		x.n -= len(x.days[k].ids)
		delete(x.days, k)
	}
}

func (x *Index) owner(objectID string) int32 {
	if n, ok := x.ownerN[objectID]; ok {
		return n
	}
	n := int32(len(x.owners))
	x.owners = append(x.owners, objectID)
	x.ownerN[objectID] = n
	return n
}

// claim records that objectID writes id h on day. It reports false when the
// lake or this run already holds the id.
func (x *Index) claim(ctx context.Context, dayDir string, h uint64, objectID string) (bool, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	d, ok := x.days[dayDir]
	if !ok {
		ids, err := x.load(ctx, dayDir)
		if err != nil {
			return false, err
		}
		d = &dayIndex{ids: ids}
		x.days[dayDir] = d
		x.n += len(ids)
	}
	x.tick++
	d.used = x.tick
	if _, ok := d.ids[h]; ok {
		return false, nil
	}
	x.n++
	d.ids[h] = x.owner(objectID)
	return true, nil
}

// release forgets the ids objectID claimed on a day (Writer.Abort).
func (x *Index) release(dayDir string, ids []uint64, objectID string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	d, ok := x.days[dayDir]
	n, known := x.ownerN[objectID]
	if !ok || !known {
		return
	}
	for _, h := range ids {
		if o, ok := d.ids[h]; ok && o == n {
			delete(d.ids, h)
			x.n--
		}
	}
}

// wrote records that this process stored ids for objectID, so that they
// count when a trimmed day is read again before the object is committed.
func (x *Index) wrote(objectID string) {
	x.mu.Lock()
	x.mine[objectID] = true
	x.mu.Unlock()
}

// ledger loads the ids of committed objects once (x.mu held).
func (x *Index) ledger(ctx context.Context) error {
	if x.done != nil {
		return nil
	}
	done := map[string]bool{}
	err := x.st.List(ctx, ManifestDir+"/", func(o store.Object) error {
		if name := path.Base(o.Key); strings.HasSuffix(name, ".json") {
			done[strings.TrimSuffix(name, ".json")] = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	x.done = done
	return nil
}

func (x *Index) load(ctx context.Context, dayDir string) (map[uint64]int32, error) {
	if err := x.ledger(ctx); err != nil {
		return nil, err
	}
	ids := map[uint64]int32{}
	prefix := dayDir + "/"
	err := x.st.List(ctx, prefix, func(o store.Object) error {
		if !strings.HasSuffix(o.Key, ".ids") {
			return nil
		}
		obj := strings.TrimSuffix(path.Base(o.Key), ".ids")
		if !x.done[obj] && !x.mine[obj] {
			return nil // left by a run that did not commit
		}
		rc, _, err := x.st.Open(ctx, o.Key)
		if err != nil {
			return err
		}
		defer rc.Close()
		owner := x.owner(obj)
		b, err := io.ReadAll(rc)
		if err != nil {
			return fmt.Errorf("read %s: %w", x.st.Location(o.Key), err)
		}
		for i := 0; i+8 <= len(b); i += 8 {
			ids[binary.LittleEndian.Uint64(b[i:])] = owner
		}
		return nil
	})
	return ids, err
}

// indexDir is the index folder of one table and day.
func indexDir(table, day string) string { return IndexDir + "/" + table + "/dt=" + day }

package lake

import (
	"context"
	"encoding/binary"
	"errors"
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
	marked  *bool           // the lake's committed objects all have their day markers (MarkedKey)
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
	// One listing of the day gives its id files and the commit markers
	// the committer left for the objects it committed (CommittedMarker):
	// no need to list the whole ledger, which grows with every object
	// ever ingested (a Lambda would list it on every invocation). Days
	// written before markers existed fall back to the ledger.
	prefix := dayDir + "/"
	var files []string
	committed := map[string]bool{}
	if err := x.st.List(ctx, prefix, func(o store.Object) error {
		rest := strings.TrimPrefix(o.Key, prefix)
		switch {
		case strings.HasPrefix(rest, committedDir+"/"):
			committed[strings.TrimPrefix(rest, committedDir+"/")] = true
		case strings.HasSuffix(rest, ".ids") && !strings.Contains(rest, "/"):
			files = append(files, o.Key)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	marked, err := x.markedLake(ctx)
	if err != nil {
		return nil, err
	}
	if !marked && len(files) > 0 {
		if err := x.ledger(ctx); err != nil {
			return nil, err
		}
	}
	ids := map[uint64]int32{}
	for _, k := range files {
		obj := strings.TrimSuffix(path.Base(k), ".ids")
		if !committed[obj] && !x.mine[obj] && (x.done == nil || !x.done[obj]) {
			continue // left by a run that did not commit
		}
		if err := x.read(ctx, k, obj, ids); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// read adds the ids of one object's id file to ids.
func (x *Index) read(ctx context.Context, key, obj string, ids map[uint64]int32) error {
	rc, _, err := x.st.Open(ctx, key)
	if errors.Is(err, store.ErrNotExist) {
		return nil // removed since the listing
	}
	if err != nil {
		return err
	}
	defer rc.Close()
	owner := x.owner(obj)
	b, err := io.ReadAll(rc)
	if err != nil {
		return fmt.Errorf("read %s: %w", x.st.Location(key), err)
	}
	for i := 0; i+8 <= len(b); i += 8 {
		ids[binary.LittleEndian.Uint64(b[i:])] = owner
	}
	return nil
}

// markedLake reports, once, whether the lake's committer marks every
// committed object's days (MarkedKey exists).
func (x *Index) markedLake(ctx context.Context) (bool, error) {
	if x.marked == nil {
		_, err := x.st.Stat(ctx, MarkedKey)
		if err != nil && !errors.Is(err, store.ErrNotExist) {
			return false, err
		}
		ok := err == nil
		x.marked = &ok
	}
	return *x.marked, nil
}

// MarkedKey exists once every committed object's index files have their
// commit markers: from then on a day's markers say which of its ids are
// committed, and no reader needs the whole ledger.
const MarkedKey = IndexDir + "/_marked"

// MarkLedger gives every committed object's id files their commit
// markers, once (lakes written before markers existed), and then writes
// MarkedKey. The committer calls it before committing; it is idempotent.
func MarkLedger(ctx context.Context, st store.Store) error {
	if _, err := st.Stat(ctx, MarkedKey); err == nil {
		return nil
	} else if !errors.Is(err, store.ErrNotExist) {
		return err
	}
	x := NewIndex(st)
	if err := x.ledger(ctx); err != nil {
		return err
	}
	var todo []string
	if err := st.List(ctx, IndexDir+"/", func(o store.Object) error {
		if !strings.HasSuffix(o.Key, ".ids") {
			return nil
		}
		obj := strings.TrimSuffix(path.Base(o.Key), ".ids")
		if x.done[obj] {
			todo = append(todo, path.Dir(o.Key)+"/"+committedDir+"/"+obj)
		}
		return nil
	}); err != nil {
		return err
	}
	for _, k := range todo {
		if err := st.Put(ctx, k, nil); err != nil {
			return err
		}
	}
	return st.Put(ctx, MarkedKey, nil)
}

// committedDir holds, inside a day's index folder, one empty marker per
// committed object whose rows may be in that day.
const committedDir = "_committed"

// CommittedMarker is the key of the marker saying that an object's ids in
// a table's day are committed (written by FinishRequest).
func CommittedMarker(table, day, objectID string) string {
	return indexDir(table, day) + "/" + committedDir + "/" + objectID
}

// indexDir is the index folder of one table and day.
func indexDir(table, day string) string { return IndexDir + "/" + table + "/dt=" + day }

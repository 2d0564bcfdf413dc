package lake

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/cespare/xxhash/v2"

	"github.com/auditlake/auditlake/pipeline/store"
)

// DefaultBudget bounds the memory (estimated bytes of buffered rows) one
// Writer holds before it writes its largest partition out as a part file.
const DefaultBudget = 24 << 20

// Index remembers which row ids (event_id, query_id) the lake already
// holds, per table and day, so that a record delivered twice (CloudTrail
// does that, in different objects) is written once. It loads a day's ids
// from _index/<table>/ the first time that day is seen. Ids are kept as
// 64-bit hashes. It is safe for concurrent use.
type Index struct {
	st      store.Store
	mu      sync.Mutex
	days    map[string]*dayIndex // table/dt=day → its ids
	n       int                  // ids held, in all days
	tick    uint64               // claims made, to find the least recently used day
	trimmed uint64               // tick at the last Trim
	owners  []string
	ownerN  map[string]int32
	writers int32 // writers started, for claim.writer
}

// dayIndex holds the ids of one table and day.
type dayIndex struct {
	ids  map[uint64]claim // id hash → who holds it
	used uint64           // Index.tick when last claimed in
}

// claim says which object holds an id and, when a writer claimed it in
// this process, which writer (0: read from the lake).
type claim struct{ owner, writer int32 }

// NewIndex returns an index over the lake in st.
func NewIndex(st store.Store) *Index {
	return &Index{st: st, days: map[string]*dayIndex{}, ownerN: map[string]int32{}}
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
// using the index is open: ids claimed by an open writer are not in the lake
// until it closes.
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

// newWriter numbers a new writer (from 1).
func (x *Index) newWriter() int32 {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.writers++
	return x.writers
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

// claim records that writer, writing objectID, writes id on day. It reports
// false when another object already wrote it, or this writer did.
func (x *Index) claim(ctx context.Context, dayDir string, h uint64, objectID string, writer int32) (bool, error) {
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
	me := x.owner(objectID)
	c, ok := d.ids[h]
	if ok && (c.owner != me || c.writer == writer) {
		return false, nil
	}
	if !ok {
		x.n++
	}
	d.ids[h] = claim{me, writer}
	return true, nil
}

func (x *Index) load(ctx context.Context, dayDir string) (map[uint64]claim, error) {
	ids := map[uint64]claim{}
	prefix := dayDir + "/"
	err := x.st.List(ctx, prefix, func(o store.Object) error {
		if !strings.HasSuffix(o.Key, ".ids") {
			return nil
		}
		rc, _, err := x.st.Open(ctx, o.Key)
		if err != nil {
			return err
		}
		defer rc.Close()
		owner := x.owner(strings.TrimSuffix(path.Base(o.Key), ".ids"))
		b, err := io.ReadAll(rc)
		if err != nil {
			return fmt.Errorf("read %s: %w", x.st.Location(o.Key), err)
		}
		for i := 0; i+8 <= len(b); i += 8 {
			ids[binary.LittleEndian.Uint64(b[i:])] = claim{owner: owner}
		}
		return nil
	})
	return ids, err
}

// indexDir is the index folder of one table and day.
func indexDir(table, day string) string { return IndexDir + "/" + table + "/dt=" + day }

// Writer writes the rows of one input object into one table of the lake:
// sorted, zstd-compressed Parquet files per partition, named after the
// object so that writing the same object again gives the same files. It
// also keeps the object's quarantine.
type Writer[R any] struct {
	st       store.Store
	t        *Table[R]
	idx      *Index
	objectID string
	source   string
	budget   int

	parts  map[string]*part[R]
	size   int
	writer int32               // this writer's number in idx
	seen   map[uint64]struct{} // ids written, when there is no idx
	ids    map[string][]uint64
	files  []string
	dayDir [2]string // the last day seen and its index folder

	quarantine []QuarantineEntry
	qBytes     int
	pending    chan error // the file being encoded in the background
	written    [][]R      // its row buffers, released once it is written
}

// part buffers the rows of one partition in fixed-size chunks, so that
// growing it never copies the rows already held (rows are large structs).
type part[R any] struct {
	chunks [][]R
	n      int
	size   int
	next   int
}

const chunkRows = 512

func (p *part[R]) add(t *Table[R], r *R) {
	if len(p.chunks) == 0 || len(p.chunks[len(p.chunks)-1]) == chunkRows {
		p.chunks = append(p.chunks, t.chunk())
	}
	last := &p.chunks[len(p.chunks)-1]
	*last = append(*last, *r)
	p.n++
}

// take hands over the buffered rows and their buffers, and empties the part.
func (p *part[R]) take() ([]*R, [][]R) {
	out := make([]*R, 0, p.n)
	for _, c := range p.chunks {
		for i := range c {
			out = append(out, &c[i])
		}
	}
	chunks := p.chunks
	p.chunks, p.n, p.size = nil, 0, 0
	return out, chunks
}

// NewWriter starts writing the object with the given id (ObjectID) and
// location into table t. idx may be nil to skip lake-wide dedupe.
func NewWriter[R any](st store.Store, t *Table[R], idx *Index, objectID, location string) *Writer[R] {
	w := &Writer[R]{st: st, t: t, idx: idx, objectID: objectID, source: location, budget: DefaultBudget,
		parts: map[string]*part[R]{}, ids: map[string][]uint64{}}
	if idx != nil {
		w.writer = idx.newWriter()
	} else {
		w.seen = map[uint64]struct{}{}
	}
	return w
}

// SetBudget changes the buffered-bytes budget (for tests and benchmarks).
func (w *Writer[R]) SetBudget(n int) { w.budget = n }

// Add buffers one row. It returns false, and keeps nothing, when the row's
// id was already written (by this object or by another).
func (w *Writer[R]) Add(ctx context.Context, row *R) (bool, error) {
	h := xxhash.Sum64String(w.t.ID(row))
	day := w.t.Day(row)
	if w.idx != nil {
		if w.dayDir[0] != day {
			w.dayDir = [2]string{day, indexDir(w.t.Name, day)}
		}
		ok, err := w.idx.claim(ctx, w.dayDir[1], h, w.objectID, w.writer)
		if err != nil || !ok {
			return false, err
		}
	} else {
		if _, dup := w.seen[h]; dup {
			return false, nil
		}
		w.seen[h] = struct{}{}
	}
	w.ids[day] = append(w.ids[day], h)
	key := w.t.Partition(row)
	p := w.parts[key]
	if p == nil {
		p = &part[R]{}
		w.parts[key] = p
	}
	p.add(w.t, row)
	s := w.t.Size(row)
	p.size += s
	w.size += s
	if w.size > w.budget {
		return true, w.flushLargest(ctx)
	}
	return true, nil
}

func (w *Writer[R]) flushLargest(ctx context.Context) error {
	var bestKey string
	best := -1
	for k, p := range w.parts {
		if p.size > best || (p.size == best && k < bestKey) {
			best, bestKey = p.size, k
		}
	}
	return w.flush(ctx, bestKey)
}

func (w *Writer[R]) flush(ctx context.Context, key string) error {
	p := w.parts[key]
	if p.n == 0 {
		return nil
	}
	w.size -= p.size
	rows, chunks := p.take()
	name := fmt.Sprintf("%s/%s-%04d.parquet", key, w.objectID, p.next)
	p.next++
	w.files = append(w.files, name)
	// Encode in the background while the caller goes on reading: one file
	// at a time, so memory stays within about twice the budget.
	if err := w.wait(); err != nil {
		return err
	}
	done := make(chan error, 1)
	w.pending, w.written = done, chunks
	go func() {
		b, release, err := encode(w.t, rows)
		if err != nil {
			done <- fmt.Errorf("encode %s: %w", name, err)
			return
		}
		err = w.st.Put(ctx, name, b)
		release()
		done <- err
	}()
	return nil
}

// wait waits for the file being encoded, if any.
func (w *Writer[R]) wait() error {
	if w.pending == nil {
		return nil
	}
	err := <-w.pending
	w.pending = nil
	w.t.release(w.written)
	w.written = nil
	return err
}

// QuarantineEntry is one record that could not be normalized.
type QuarantineEntry struct {
	Object    string `json:"object"`
	Offset    int64  `json:"offset"`
	Reason    string `json:"reason"`
	Record    string `json:"record,omitempty"`
	Truncated bool   `json:"truncated,omitempty"`
}

// Record text kept per quarantined record, and in all per object.
const (
	quarantineRecordMax = 64 << 10
	quarantineTotalMax  = 16 << 20
)

// Quarantine keeps a record that could not be normalized, with the reason
// and its offset in the object. The record text is kept up to a limit.
func (w *Writer[R]) Quarantine(offset int64, reason string, record []byte) {
	e := QuarantineEntry{Object: w.source, Offset: offset, Reason: reason}
	keep := len(record)
	if keep > quarantineRecordMax {
		keep = quarantineRecordMax
	}
	if w.qBytes+keep > quarantineTotalMax {
		keep = 0
	}
	e.Record = strings.ToValidUTF8(string(record[:keep]), "\uFFFD")
	e.Truncated = keep < len(record)
	w.qBytes += keep
	w.quarantine = append(w.quarantine, e)
}

// Close writes every buffered partition, the quarantine file and the index
// of written ids, and returns the files written.
func (w *Writer[R]) Close(ctx context.Context) ([]string, error) {
	keys := make([]string, 0, len(w.parts))
	for k := range w.parts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := w.flush(ctx, k); err != nil {
			return nil, err
		}
	}
	if err := w.wait(); err != nil {
		return nil, err
	}
	if len(w.quarantine) > 0 {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		for _, e := range w.quarantine {
			if err := enc.Encode(e); err != nil {
				return nil, err
			}
		}
		name := QuarantineDir + "/" + w.objectID + ".ndjson"
		if err := w.st.Put(ctx, name, []byte(b.String())); err != nil {
			return nil, err
		}
		w.files = append(w.files, name)
	}
	days := make([]string, 0, len(w.ids))
	for d := range w.ids {
		days = append(days, d)
	}
	sort.Strings(days)
	for _, d := range days {
		ids := w.ids[d]
		slices.Sort(ids)
		b := make([]byte, 8*len(ids))
		for i, h := range ids {
			binary.LittleEndian.PutUint64(b[8*i:], h)
		}
		if err := w.st.Put(ctx, indexDir(w.t.Name, d)+"/"+w.objectID+".ids", b); err != nil {
			return nil, err
		}
	}
	return w.files, nil
}

// Quarantined is the number of records quarantined so far.
func (w *Writer[R]) Quarantined() int { return len(w.quarantine) }

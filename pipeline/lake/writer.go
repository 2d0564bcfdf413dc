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
const DefaultBudget = 48 << 20

// Index remembers which event ids the lake already holds, per day, so that
// an event delivered twice (CloudTrail does that, in different objects) is
// written once. It loads a day's ids from _index/ the first time that day
// is seen. It is safe for concurrent use.
type Index struct {
	st     store.Store
	mu     sync.Mutex
	days   map[string]map[uint64]int32 // day → id hash → owner object
	owners []string
	ownerN map[string]int32
}

// NewIndex returns an index over the lake in st.
func NewIndex(st store.Store) *Index {
	return &Index{st: st, days: map[string]map[uint64]int32{}, ownerN: map[string]int32{}}
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

// claim records that objectID writes id on day. It reports false when
// another object already wrote it.
func (x *Index) claim(ctx context.Context, day string, h uint64, objectID string) (bool, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	ids, ok := x.days[day]
	if !ok {
		var err error
		if ids, err = x.load(ctx, day); err != nil {
			return false, err
		}
		x.days[day] = ids
	}
	me := x.owner(objectID)
	if o, ok := ids[h]; ok {
		return o == me, nil
	}
	ids[h] = me
	return true, nil
}

func (x *Index) load(ctx context.Context, day string) (map[uint64]int32, error) {
	ids := map[uint64]int32{}
	prefix := IndexDir + "/dt=" + day + "/"
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
			ids[binary.LittleEndian.Uint64(b[i:])] = owner
		}
		return nil
	})
	return ids, err
}

// Writer writes the events of one input object into the lake: sorted,
// zstd-compressed Parquet files per (day, profile) partition, named after
// the object so that writing the same object again gives the same files.
type Writer struct {
	st       store.Store
	idx      *Index
	objectID string
	source   string
	budget   int

	parts map[string]*part
	size  int
	seen  map[uint64]struct{}
	ids   map[string][]uint64
	files []string

	quarantine []QuarantineEntry
	qBytes     int
}

type part struct {
	rows []Event
	size int
	next int
}

// NewWriter starts writing the object with the given id (ObjectID) and
// location. idx may be nil to skip lake-wide dedupe.
func NewWriter(st store.Store, idx *Index, objectID, location string) *Writer {
	return &Writer{st: st, idx: idx, objectID: objectID, source: location, budget: DefaultBudget,
		parts: map[string]*part{}, seen: map[uint64]struct{}{}, ids: map[string][]uint64{}}
}

// SetBudget changes the buffered-bytes budget (for tests and benchmarks).
func (w *Writer) SetBudget(n int) { w.budget = n }

// Add buffers one event. It returns false, and keeps nothing, when the
// event id was already written (by this object or by another).
func (w *Writer) Add(ctx context.Context, ev *Event) (bool, error) {
	h := xxhash.Sum64String(ev.EventID)
	if _, dup := w.seen[h]; dup {
		return false, nil
	}
	day := ev.Day()
	if w.idx != nil {
		ok, err := w.idx.claim(ctx, day, h, w.objectID)
		if err != nil || !ok {
			return false, err
		}
	}
	w.seen[h] = struct{}{}
	w.ids[day] = append(w.ids[day], h)
	key := EventsPartition(day, ev.StudioProfile)
	p := w.parts[key]
	if p == nil {
		p = &part{}
		w.parts[key] = p
	}
	p.rows = append(p.rows, *ev)
	s := ev.size()
	p.size += s
	w.size += s
	if w.size > w.budget {
		return true, w.flushLargest(ctx)
	}
	return true, nil
}

func (w *Writer) flushLargest(ctx context.Context) error {
	var bestKey string
	best := -1
	for k, p := range w.parts {
		if p.size > best || (p.size == best && k < bestKey) {
			best, bestKey = p.size, k
		}
	}
	return w.flush(ctx, bestKey)
}

func (w *Writer) flush(ctx context.Context, key string) error {
	p := w.parts[key]
	if len(p.rows) == 0 {
		return nil
	}
	b, err := EncodeEvents(p.rows)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	name := fmt.Sprintf("%s/%s-%04d.parquet", key, w.objectID, p.next)
	if err := w.st.Put(ctx, name, b); err != nil {
		return err
	}
	w.files = append(w.files, name)
	p.next++
	w.size -= p.size
	p.size = 0
	clear(p.rows)
	p.rows = p.rows[:0]
	return nil
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
func (w *Writer) Quarantine(offset int64, reason string, record []byte) {
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
func (w *Writer) Close(ctx context.Context) ([]string, error) {
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
		if err := w.st.Put(ctx, IndexDir+"/dt="+d+"/"+w.objectID+".ids", b); err != nil {
			return nil, err
		}
	}
	return w.files, nil
}

// Quarantined is the number of records quarantined so far.
func (w *Writer) Quarantined() int { return len(w.quarantine) }

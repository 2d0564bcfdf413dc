package lake

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/cespare/xxhash/v2"

	"github.com/auditlake/auditlake/pipeline/store"
)

// DefaultBudget bounds the memory (estimated bytes of buffered rows) one
// Buffer holds before it writes its largest day out as a data file.
const DefaultBudget = 64 << 20

// DataFile is one Parquet data file a Buffer wrote: not part of its table
// until a commit adds it (see CommitRequest).
type DataFile struct {
	Table string `json:"table"`
	Path  string `json:"path"` // key below the lake root
	Day   string `json:"day"`  // partition: YYYY-MM-DD
	Rows  int64  `json:"rows"`
	Size  int64  `json:"size"`
}

// Buffer collects the rows of one table across all the objects of a run,
// by day, and writes each day's rows as one sorted, zstd-compressed Parquet
// data file when its memory budget is spent or when it is flushed: a run
// writes a few files per day, however many objects and Studio profiles it
// reads. A file is named after a hash of its bytes, so writing the same rows
// again gives the same file. Files are encoded in the background, one at a
// time, while the caller goes on reading.
type Buffer[R any] struct {
	st     store.Store
	t      *Table[R]
	budget int

	parts   map[string]*part[R] // day → rows
	size    int
	files   []DataFile // written since the last Take
	bytes   int64      // their size
	pending chan encoded[R]
}

type encoded[R any] struct {
	file   DataFile
	err    error
	chunks [][]R // row buffers, released once the file is written
}

// NewBuffer returns an empty buffer writing table t into st.
func NewBuffer[R any](st store.Store, t *Table[R]) *Buffer[R] {
	return &Buffer[R]{st: st, t: t, budget: DefaultBudget, parts: map[string]*part[R]{}}
}

// SetBudget changes the buffered-bytes budget (for tests and benchmarks).
func (b *Buffer[R]) SetBudget(n int) { b.budget = n }

// Buffered is the estimated size of the rows held.
func (b *Buffer[R]) Buffered() int { return b.size }

func (b *Buffer[R]) add(ctx context.Context, day string, row *R) error {
	p := b.parts[day]
	if p == nil {
		p = &part[R]{}
		b.parts[day] = p
	}
	p.add(b.t, row)
	s := b.t.Size(row)
	p.size += s
	b.size += s
	if b.size > b.budget {
		return b.flushLargest(ctx)
	}
	return nil
}

func (b *Buffer[R]) flushLargest(ctx context.Context) error {
	var bestKey string
	best := -1
	for k, p := range b.parts {
		if p.size > best || (p.size == best && k < bestKey) {
			best, bestKey = p.size, k
		}
	}
	return b.flush(ctx, bestKey)
}

func (b *Buffer[R]) flush(ctx context.Context, day string) error {
	p := b.parts[day]
	if p == nil || p.n == 0 {
		return nil
	}
	b.size -= p.size
	rows, chunks := p.take()
	delete(b.parts, day)
	if err := b.wait(); err != nil {
		return err
	}
	done := make(chan encoded[R], 1)
	b.pending = done
	go func() {
		out := encoded[R]{chunks: chunks}
		data, release, err := encode(b.t, rows)
		if err != nil {
			out.err = fmt.Errorf("encode %s rows of %s: %w", b.t.Name, day, err)
			done <- out
			return
		}
		sum := sha256.Sum256(data)
		key := dataFileDir(b.t, day) + "/" + hex.EncodeToString(sum[:12]) + ".parquet"
		out.file = DataFile{Table: b.t.Name, Path: key, Day: day, Rows: int64(len(rows)), Size: int64(len(data))}
		out.err = b.st.Put(ctx, key, data)
		release()
		done <- out
	}()
	return nil
}

// wait waits for the file being encoded, if any.
func (b *Buffer[R]) wait() error {
	if b.pending == nil {
		return nil
	}
	out := <-b.pending
	b.pending = nil
	b.t.release(out.chunks)
	if out.err != nil {
		return out.err
	}
	b.files = append(b.files, out.file)
	b.bytes += out.file.Size
	return nil
}

// Written is the size of the data files written since the last Take.
func (b *Buffer[R]) Written() int64 { return b.bytes }

// Flush writes every buffered row.
func (b *Buffer[R]) Flush(ctx context.Context) error {
	days := make([]string, 0, len(b.parts))
	for d := range b.parts {
		days = append(days, d)
	}
	sort.Strings(days)
	for _, d := range days {
		if err := b.flush(ctx, d); err != nil {
			return err
		}
	}
	return b.wait()
}

// Take returns the data files written since the last Take, once the file
// being encoded is written.
func (b *Buffer[R]) Take() ([]DataFile, error) {
	if err := b.wait(); err != nil {
		return nil, err
	}
	files := b.files
	b.files, b.bytes = nil, 0
	return files, nil
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

// Writer adds the rows of one input object to a run's Buffer, checking
// each id against the lake-wide Index, and keeps the object's quarantine
// and the ids it wrote.
type Writer[R any] struct {
	buf      *Buffer[R]
	t        *Table[R]
	idx      *Index
	objectID string
	source   string

	seen   map[uint64]struct{} // ids written, when there is no idx
	ids    map[string][]uint64
	files  []string
	dayDir [2]string // the last day seen and its index folder

	quarantine []QuarantineEntry
	qBytes     int
}

// NewWriter starts writing the object with the given id (ObjectID) and
// location into buf. idx may be nil to skip lake-wide dedupe.
func NewWriter[R any](buf *Buffer[R], idx *Index, objectID, location string) *Writer[R] {
	w := &Writer[R]{buf: buf, t: buf.t, idx: idx, objectID: objectID, source: location, ids: map[string][]uint64{}}
	if idx == nil {
		w.seen = map[uint64]struct{}{}
	}
	return w
}

// Add buffers one row. It returns false, and keeps nothing, when the row's
// id was already written (by this object or by another).
func (w *Writer[R]) Add(ctx context.Context, row *R) (bool, error) {
	h := xxhash.Sum64String(w.t.ID(row))
	day := w.t.Day(row)
	if w.idx != nil {
		if w.dayDir[0] != day {
			w.dayDir = [2]string{day, indexDir(w.t.Name, day)}
		}
		ok, err := w.idx.claim(ctx, w.dayDir[1], h, w.objectID)
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
	return true, w.buf.add(ctx, day, row)
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

// Close writes the object's quarantine file and the index of the ids it
// wrote, and returns the files written. Its rows stay in the Buffer.
func (w *Writer[R]) Close(ctx context.Context) ([]string, error) {
	st := w.buf.st
	if len(w.quarantine) > 0 {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		for _, e := range w.quarantine {
			if err := enc.Encode(e); err != nil {
				return nil, err
			}
		}
		name := QuarantineDir + "/" + w.objectID + ".ndjson"
		if err := st.Put(ctx, name, []byte(b.String())); err != nil {
			return nil, err
		}
		w.files = append(w.files, name)
	}
	days := make([]string, 0, len(w.ids))
	for d := range w.ids {
		days = append(days, d)
	}
	sort.Strings(days)
	if w.idx != nil && len(days) > 0 {
		w.idx.wrote(w.objectID)
	}
	for _, d := range days {
		ids := w.ids[d]
		slices.Sort(ids)
		b := make([]byte, 8*len(ids))
		for i, h := range ids {
			binary.LittleEndian.PutUint64(b[8*i:], h)
		}
		if err := st.Put(ctx, indexDir(w.t.Name, d)+"/"+w.objectID+".ids", b); err != nil {
			return nil, err
		}
	}
	return w.files, nil
}

// Quarantined is the number of records quarantined so far.
func (w *Writer[R]) Quarantined() int { return len(w.quarantine) }

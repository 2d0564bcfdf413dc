package lake

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/auditlake/auditlake/pipeline/store"
)

// DefaultBudget bounds the memory (estimated bytes of buffered rows) one
// Buffer holds before it writes its largest day's rows out as a row group.
const DefaultBudget = 24 << 20

// maxOpenDays bounds the day files a Buffer keeps open (each holds its
// column writers' buffers); a further day closes the least recently used.
const maxOpenDays = 4

// DataFile is one Parquet data file a Buffer wrote: not part of its table
// until a commit adds it (see CommitRequest).
type DataFile struct {
	Table string `json:"table"`
	Path  string `json:"path"` // key below the lake root
	Day   string `json:"day"`  // partition: YYYY-MM-DD
	Rows  int64  `json:"rows"`
	Size  int64  `json:"size"`

	runs []run // compaction spools: the sorted runs, as row group ranges
}

// Buffer collects the rows of one table across all the objects of a run
// and writes one Parquet data file per day: rows are buffered by day and
// written, sorted, as one row group of the day's open file whenever the
// memory budget is spent, and the files are closed when the Buffer is
// flushed. So a run writes one file per day (more only when it spans more
// than maxOpenDays days at once), however many objects and Studio profiles
// it reads, and holds at most about the budget in rows. Files are spooled
// to local disk and stored under a name that hashes their bytes, so writing
// the same rows again gives the same file. Row groups are encoded in the
// background, one at a time, while the caller goes on reading.
type Buffer[R any] struct {
	st     store.Store
	t      *Table[R]
	budget int
	spool  string // folder for files being written
	local  bool   // keep closed files in the spool (Path is the local path): compaction's sorted runs
	// groupRows, when > 0, splits each flush's sorted rows into row groups
	// of at most that many rows (compaction's runs: a reader of a run then
	// holds one small row group at a time).
	groupRows int

	days    map[string]*dayFile[R] // open files
	size    int
	tick    uint64
	files   []DataFile // closed since the last Take
	bytes   int64      // their size
	pending chan encoded[R]
}

// dayFile is the open data file of one day.
type dayFile[R any] struct {
	day    string
	rows   part[R] // buffered for the next row group
	f      *os.File
	h      hash.Hash
	n      int64 // bytes written
	w      rowGroupWriter[R]
	total  int64 // rows written
	used   uint64
	groups int   // row groups written
	runs   []run // with Buffer.groupRows: each flush's row groups
}

// open starts the day's file in the spool folder.
func (d *dayFile[R]) open(t *Table[R], spool, pattern string, spoolOnly bool) error {
	if err := os.MkdirAll(spool, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(spool, pattern)
	if err != nil {
		return err
	}
	d.f, d.h = f, sha256.New()
	d.w = newRowGroupWriter(t, d, spoolOnly)
	return nil
}

func (d *dayFile[R]) Write(p []byte) (int, error) {
	n, err := d.f.Write(p)
	d.h.Write(p[:n])
	d.n += int64(n)
	return n, err
}

type encoded[R any] struct {
	err    error
	chunks [][]R // row buffers, released once written
}

// NewBuffer returns an empty buffer writing table t into st. Files are
// spooled in the lake folder when st is local, else in the system's
// temporary folder.
func NewBuffer[R any](st store.Store, t *Table[R]) *Buffer[R] {
	spool := os.TempDir()
	if d, ok := st.(*store.Dir); ok {
		spool = filepath.Join(d.Root(), SpoolDir)
	}
	return &Buffer[R]{st: st, t: t, budget: DefaultBudget, spool: spool, days: map[string]*dayFile[R]{}}
}

// SetBudget changes the buffered-bytes budget (for tests and benchmarks).
func (b *Buffer[R]) SetBudget(n int) { b.budget = n }

// Buffered is the estimated size of the rows held.
func (b *Buffer[R]) Buffered() int { return b.size }

func (b *Buffer[R]) add(ctx context.Context, day string, row *R) error {
	d := b.days[day]
	if d == nil {
		if len(b.days) >= maxOpenDays {
			if err := b.closeLeastUsed(ctx); err != nil {
				return err
			}
		}
		d = &dayFile[R]{day: day}
		b.days[day] = d
	}
	b.tick++
	d.used = b.tick
	d.rows.add(b.t, row)
	s := b.t.Size(row)
	d.rows.size += s
	b.size += s
	if b.size > b.budget {
		return b.writeLargest()
	}
	return nil
}

func (b *Buffer[R]) writeLargest() error {
	var best *dayFile[R]
	for _, d := range b.days {
		if best == nil || d.rows.size > best.rows.size || d.rows.size == best.rows.size && d.day < best.day {
			best = d
		}
	}
	return b.writeGroup(best)
}

// writeGroup hands the day's buffered rows to the background encoder as
// one row group of its file.
func (b *Buffer[R]) writeGroup(d *dayFile[R]) error {
	if d.rows.n == 0 {
		return nil
	}
	if err := b.wait(); err != nil {
		return err
	}
	if d.f == nil {
		if err := d.open(b.t, b.spool, "spool-*.parquet", b.local); err != nil {
			return err
		}
	}
	b.size -= d.rows.size
	rows, chunks := d.rows.take()
	d.total += int64(len(rows))
	per := len(rows)
	if b.groupRows > 0 {
		per = b.groupRows
	}
	groups := (len(rows) + per - 1) / per
	d.runs = append(d.runs, run{first: d.groups, n: groups})
	d.groups += groups
	done := make(chan encoded[R], 1)
	b.pending = done
	go func() {
		sortRows(b.t, rows)
		var err error
		for i := 0; i < len(rows) && err == nil; i += per {
			err = d.w.writeGroup(rows[i:min(i+per, len(rows))])
		}
		if err != nil {
			err = fmt.Errorf("encode %s rows of %s: %w", b.t.Name, d.day, err)
		}
		done <- encoded[R]{err: err, chunks: chunks}
	}()
	return nil
}

// wait waits for the row group being encoded, if any.
func (b *Buffer[R]) wait() error {
	if b.pending == nil {
		return nil
	}
	out := <-b.pending
	b.pending = nil
	b.t.release(out.chunks)
	return out.err
}

func (b *Buffer[R]) closeLeastUsed(ctx context.Context) error {
	var lru *dayFile[R]
	for _, d := range b.days {
		if lru == nil || d.used < lru.used {
			lru = d
		}
	}
	return b.closeDay(ctx, lru)
}

// closeDay writes the day's last row group and footer and stores the file.
func (b *Buffer[R]) closeDay(ctx context.Context, d *dayFile[R]) error {
	delete(b.days, d.day)
	if err := b.writeGroup(d); err != nil {
		return err
	}
	if err := b.wait(); err != nil {
		return err
	}
	if d.f == nil {
		return nil
	}
	f, err := d.finish(ctx, b.st, b.t, b.local)
	if err != nil {
		return err
	}
	b.files = append(b.files, f)
	if !b.local {
		b.bytes += d.n
	}
	return nil
}

// finish writes the file's footer and stores it under the table's data
// folder, named after a hash of its bytes; with keep, it stays in the
// spool instead (Path is then the local path) with its runs.
func (d *dayFile[R]) finish(ctx context.Context, st store.Store, t *Table[R], keep bool) (DataFile, error) {
	name := d.f.Name()
	err := d.w.close()
	if cerr := d.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return DataFile{}, fmt.Errorf("write %s rows of %s: %w", t.Name, d.day, err)
	}
	out := DataFile{Table: t.Name, Path: name, Day: d.day, Rows: d.total, Size: d.n}
	if keep {
		for _, r := range d.runs {
			out.runs = append(out.runs, run{path: name, first: r.first, n: r.n})
		}
		return out, nil
	}
	out.Path = dataFileDir(t, d.day) + "/" + hex.EncodeToString(d.h.Sum(nil)[:12]) + ".parquet"
	if err := st.PutFile(ctx, out.Path, name); err != nil {
		os.Remove(name)
		return DataFile{}, err
	}
	return out, nil
}

// Written is the size of the data files closed since the last Take plus
// what the open ones hold so far.
func (b *Buffer[R]) Written() int64 {
	n := b.bytes
	for _, d := range b.days {
		n += d.n
	}
	return n
}

// Flush writes every buffered row and closes every open file.
func (b *Buffer[R]) Flush(ctx context.Context) error {
	days := make([]string, 0, len(b.days))
	for d := range b.days {
		days = append(days, d)
	}
	sort.Strings(days)
	for _, d := range days {
		if err := b.closeDay(ctx, b.days[d]); err != nil {
			return err
		}
	}
	return b.wait()
}

// Take returns the data files closed since the last Take.
func (b *Buffer[R]) Take() ([]DataFile, error) {
	if err := b.wait(); err != nil {
		return nil, err
	}
	files := b.files
	b.files, b.bytes = nil, 0
	return files, nil
}

// Discard drops the buffered rows and removes the open files' spools
// (after a failed run: nothing of it may be committed).
func (b *Buffer[R]) Discard() {
	b.wait()
	for k, d := range b.days {
		if d.f != nil {
			d.f.Close()
			os.Remove(d.f.Name())
		}
		delete(b.days, k)
	}
	b.size = 0
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

// Abort gives back the ids the writer claimed in the Index, after its
// object failed part-way and its rows were discarded: another object of
// the same run that holds the same events must still write them.
func (w *Writer[R]) Abort() {
	if w.idx == nil {
		return
	}
	for day, ids := range w.ids {
		w.idx.release(indexDir(w.t.Name, day), ids, w.objectID)
	}
	w.ids = map[string][]uint64{}
}

// CleanSpool removes spool files that no writer has touched for maxAge
// (left by a process that was killed mid-write) from a local lake, and
// returns how many it removed. Other stores spool in the system's
// temporary folder, which the system cleans.
func CleanSpool(st store.Store, maxAge time.Duration) (int, error) {
	d, ok := st.(*store.Dir)
	if !ok {
		return 0, nil
	}
	dir := filepath.Join(d.Root(), SpoolDir)
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range ents {
		fi, err := e.Info()
		if err != nil || e.IsDir() || time.Since(fi.ModTime()) < maxAge {
			continue
		}
		if os.Remove(filepath.Join(dir, e.Name())) == nil {
			n++
		}
	}
	return n, nil
}

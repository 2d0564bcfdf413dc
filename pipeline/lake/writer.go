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
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/auditlake/auditlake/pipeline/store"
)

// DefaultBudget bounds the memory (estimated bytes of buffered rows) one
// Buffer holds before it spools its largest day's rows as a sorted run.
const DefaultBudget = 24 << 20

// maxOpenDays bounds the days a Buffer keeps open (each holds a spool file
// and the first keys of its blocks); a further day writes out the least
// recently used one, whose later rows then go to more files.
const maxOpenDays = 64

// groupRows and groupBytes bound a data file's row groups: with rows
// sorted by Studio profile first, a day of 200 profiles spans several row
// groups, and a predicate on one profile skips most of them by their
// statistics. A part writer holds about one row group, encoded.
var (
	groupRows  = 32 << 10
	groupBytes = 32 << 20
)

// partRows is the number of rows a day is cut into parts of, up to
// maxParts: the parts (disjoint ranges of the sort order) are merged and
// encoded in parallel, each into its own files, which together are the
// day's rows sorted as a whole.
var (
	partRows int64 = 100_000
	maxParts int64 = 4
)

// partsFor is the number of parts for a day of total rows: one per
// partRows, rounded up to a multiple of the cores that write them, so
// that no core waits while the last part is written alone.
func partsFor(total, cores int64) int64 {
	n := (total + partRows - 1) / partRows
	if n > 1 && cores > 1 {
		n = (n + cores - 1) / cores * cores
	}
	return n
}

// DataFile is one Parquet data file a Buffer wrote: not part of its table
// until a commit adds it (see CommitRequest).
type DataFile struct {
	Table string `json:"table"`
	Path  string `json:"path"` // key below the lake root
	Day   string `json:"day"`  // partition: YYYY-MM-DD
	Rows  int64  `json:"rows"`
	Size  int64  `json:"size"`
}

// Buffer collects the rows of one table across all the objects of a run
// and writes each day's rows sorted in the table's order, as one sorted
// set of data files (one file up to partRows rows and CompactTarget bytes;
// see SortedSet), however many objects and Studio profiles they came from.
// It holds about the budget in rows: when the budget is spent, the largest
// day's rows are sorted and spooled to local disk as a run (spool.go), in
// the background while the caller goes on reading; a day is written when
// the Buffer is flushed, by merging its runs. Files are stored under names
// that hash their bytes, so writing the same rows again gives the same
// files.
type Buffer[R any] struct {
	st     store.Store
	t      *Table[R]
	budget int
	spool  string // folder for spool and data files being written
	target int64  // bytes per data file

	days    map[string]*dayBuf[R] // open days
	size    int
	tick    uint64
	files   []DataFile // written since the last Take
	bytes   int64      // their size
	spooled int64      // bytes in the open days' spool files
	pending chan spilled[R]
}

// dayBuf is one open day: rows in memory and runs in its spool file.
type dayBuf[R any] struct {
	day  string
	rows part[R]
	f    *os.File // spool file, once a run is spooled
	end  int64    // its size
	runs []spoolRun[R]
	used uint64
}

// spilled is a run spooled in the background.
type spilled[R any] struct {
	d      *dayBuf[R]
	run    spoolRun[R]
	n      int64
	err    error
	chunks [][]R // row buffers, released once spooled
}

// NewBuffer returns an empty buffer writing table t into st. Files are
// spooled in the lake folder when st is local, else in the system's
// temporary folder.
func NewBuffer[R any](st store.Store, t *Table[R]) *Buffer[R] {
	spool := os.TempDir()
	if d, ok := st.(*store.Dir); ok {
		spool = filepath.Join(d.Root(), SpoolDir)
	}
	return &Buffer[R]{st: st, t: t, budget: DefaultBudget, spool: spool, target: CompactTarget, days: map[string]*dayBuf[R]{}}
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
		d = &dayBuf[R]{day: day}
		b.days[day] = d
	}
	b.tick++
	d.used = b.tick
	d.rows.add(b.t, row)
	s := b.t.Size(row)
	d.rows.size += s
	b.size += s
	if b.size > b.budget {
		return b.spillLargest()
	}
	return nil
}

func (b *Buffer[R]) spillLargest() error {
	var best *dayBuf[R]
	for _, d := range b.days {
		if best == nil || d.rows.size > best.rows.size || d.rows.size == best.rows.size && d.day < best.day {
			best = d
		}
	}
	return b.spill(best)
}

// spill hands the day's buffered rows to the background spooler as one
// sorted run.
func (b *Buffer[R]) spill(d *dayBuf[R]) error {
	if d.rows.n == 0 {
		return nil
	}
	if err := b.wait(); err != nil {
		return err
	}
	if d.f == nil {
		if err := os.MkdirAll(b.spool, 0o755); err != nil {
			return err
		}
		f, err := os.CreateTemp(b.spool, "spool-*.run")
		if err != nil {
			return err
		}
		d.f = f
	}
	b.size -= d.rows.size
	rows, chunks := d.rows.take()
	done := make(chan spilled[R], 1)
	b.pending = done
	off := d.end
	go func() {
		run, n, err := writeRun(b.t, d.f, off, rows)
		if err != nil {
			err = fmt.Errorf("spool %s rows of %s: %w", b.t.Name, d.day, err)
		}
		done <- spilled[R]{d: d, run: run, n: n, err: err, chunks: chunks}
	}()
	return nil
}

// wait waits for the run being spooled, if any, and records it.
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
	out.d.runs = append(out.d.runs, out.run)
	out.d.end += out.n
	b.spooled += out.n
	return nil
}

func (b *Buffer[R]) closeLeastUsed(ctx context.Context) error {
	var lru *dayBuf[R]
	for _, d := range b.days {
		if lru == nil || d.used < lru.used {
			lru = d
		}
	}
	return b.closeDay(ctx, lru)
}

// closeDay writes the day's rows, sorted, as one sorted set of data files
// and removes its spool file.
func (b *Buffer[R]) closeDay(ctx context.Context, d *dayBuf[R]) error {
	delete(b.days, d.day)
	if err := b.wait(); err != nil {
		return err
	}
	b.size -= d.rows.size
	rows, chunks := d.rows.take()
	defer b.t.release(chunks)
	if d.f != nil {
		defer func() {
			d.f.Close()
			os.Remove(d.f.Name())
			b.spooled -= d.end
		}()
	}
	sortRows(b.t, rows)
	total := int64(len(rows))
	for _, r := range d.runs {
		total += r.rows
	}
	if total == 0 {
		return nil
	}
	n := int(min(partsFor(total, int64(runtime.GOMAXPROCS(0))), maxParts))
	// Cut the day into parts: by position when every row is in memory,
	// else by the keys of the runs' blocks.
	var bounds []*R
	if len(d.runs) == 0 {
		for i := 1; i < n; i++ {
			bounds = append(bounds, rows[len(rows)*i/n])
		}
	} else {
		bounds = splitKeys(b.t, d.runs, n)
	}
	parts := make([]dayPart[R], len(bounds)+1)
	for i := range parts {
		var lo, hi *R
		if i > 0 {
			lo = bounds[i-1]
		}
		if i < len(bounds) {
			hi = bounds[i]
		}
		p := &parts[i]
		p.pool = &blockPool{}
		for _, r := range d.runs {
			p.srcs = append(p.srcs, newRunCursor(b.t, d.f, p.pool, r, lo, hi))
		}
		first, last := 0, len(rows)
		if lo != nil {
			first = sort.Search(len(rows), func(k int) bool { return !b.t.Less(rows[k], lo) })
		}
		if hi != nil {
			last = sort.Search(len(rows), func(k int) bool { return !b.t.Less(rows[k], hi) })
		}
		if first < last {
			p.srcs = append(p.srcs, &sliceSource[R]{rows[first:last]})
		}
	}
	files, err := writeParts(ctx, b.t, d.day, b.spool, b.target, parts)
	if err != nil {
		return err
	}
	if err := storeSet(ctx, b.st, b.t, files); err != nil {
		return err
	}
	for _, f := range files {
		b.files = append(b.files, f.DataFile)
		b.bytes += f.Size
	}
	return nil
}

// Written is the size of the data files written since the last Take plus
// what the open days have spooled so far.
func (b *Buffer[R]) Written() int64 { return b.bytes + b.spooled }

// Flush writes every buffered row and closes every open day.
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

// Take returns the data files written since the last Take.
func (b *Buffer[R]) Take() ([]DataFile, error) {
	if err := b.wait(); err != nil {
		return nil, err
	}
	files := b.files
	b.files, b.bytes = nil, 0
	return files, nil
}

// Discard drops the buffered rows and removes the open days' spool files
// (after a failed run: nothing of it may be committed).
func (b *Buffer[R]) Discard() {
	b.wait()
	for k, d := range b.days {
		if d.f != nil {
			d.f.Close()
			os.Remove(d.f.Name())
		}
		_, chunks := d.rows.take()
		b.t.release(chunks)
		delete(b.days, k)
	}
	b.size, b.spooled = 0, 0
}

// part buffers the rows of one day in fixed-size chunks, so that growing
// it never copies the rows already held (rows are large structs).
type part[R any] struct {
	chunks [][]R
	n      int
	size   int
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

// The data files of a day: the parts of its sort order are merged and
// encoded in parallel (at most GOMAXPROCS at once), each into files of
// about target bytes, then stored together under names that say they are
// one sorted set.

// partFile is a data file written in the spool folder, not yet stored.
type partFile struct {
	DataFile        // Path is the local file until stored
	sum      []byte // hash of its bytes
}

// dayPart is one part of a day: the sources of its rows, and the pool of
// their decoded spool blocks.
type dayPart[R any] struct {
	srcs []rowSource[R]
	pool *blockPool
}

// writeParts merges each part's sources into its own files and returns
// all files in part order.
func writeParts[R any](ctx context.Context, t *Table[R], day, spool string, target int64, parts []dayPart[R]) ([]partFile, error) {
	out := make([][]partFile, len(parts))
	errs := make([]error, len(parts))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, p := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			w := &partWriter[R]{t: t, day: day, spool: spool, target: target, pool: p.pool}
			err := merge(t.Less, p.srcs, w.add)
			if err == nil {
				err = w.close()
			}
			if err != nil {
				w.discard()
				errs[i] = fmt.Errorf("write %s rows of %s: %w", t.Name, day, err)
				return
			}
			out[i] = w.files
		}()
	}
	wg.Wait()
	var files []partFile
	for _, fs := range out {
		files = append(files, fs...)
	}
	if err := errors.Join(errs...); err != nil {
		for _, f := range files {
			os.Remove(f.Path)
		}
		return nil, err
	}
	return files, nil
}

// storeSet stores the files of one sorted set under the table's data
// folder, named after a hash of all their hashes, their place and their
// number (<hash>-<i>-<n>.parquet, see SortedSet), a set of one file too.
func storeSet[R any](ctx context.Context, st store.Store, t *Table[R], files []partFile) error {
	h := sha256.New()
	for _, f := range files {
		h.Write(f.sum)
	}
	set := hex.EncodeToString(h.Sum(nil)[:12])
	for i := range files {
		f := &files[i]
		local := f.Path
		f.Path = fmt.Sprintf("%s/%s-%d-%d.parquet", dataFileDir(t, f.Day), set, i+1, len(files))
		if err := st.PutFile(ctx, f.Path, local); err != nil {
			for _, g := range files[i+1:] {
				os.Remove(g.Path)
			}
			os.Remove(local)
			return err
		}
	}
	return nil
}

// SortedSet reports whether the data file names (keys or base names) of
// one day are one sorted set written at once (by an ingest run's Buffer
// or a compaction): together they hold the day's rows sorted as a whole,
// so compacting them would give the same rows in the same order. A file
// named by its hash alone was written before sets were named so: its row
// groups may be sorted only one by one, and it is not a sorted set.
func SortedSet(names []string) bool {
	var set string
	seen := map[string]bool{}
	for _, p := range names {
		base := strings.TrimSuffix(p[strings.LastIndexByte(p, '/')+1:], ".parquet")
		parts := strings.Split(base, "-")
		if len(parts) != 3 || parts[2] != fmt.Sprint(len(names)) || seen[parts[1]] || set != "" && parts[0] != set {
			return false
		}
		set = parts[0]
		seen[parts[1]] = true
	}
	return set != ""
}

// partWriter writes one part's rows, in order, into data files of about
// target bytes, each of row groups of at most groupRows rows (or
// groupBytes of rows).
type partWriter[R any] struct {
	t      *Table[R]
	day    string
	spool  string
	target int64
	pool   *blockPool // recycled after each batch is written

	cur       *outFile[R]
	batch     []R
	ptrs      []*R
	groupN    int
	groupSize int
	files     []partFile
}

// partBatch is the number of rows copied out of the merge before they are
// handed to the Parquet writer.
const partBatch = 256

func (w *partWriter[R]) add(r *R) error {
	if w.cur == nil {
		f := &outFile[R]{day: w.day}
		if err := f.open(w.t, w.spool); err != nil {
			return err
		}
		w.cur = f
		if w.batch == nil {
			w.batch, w.ptrs = make([]R, 0, partBatch), make([]*R, 0, partBatch)
		}
	}
	w.batch = append(w.batch, *r)
	w.groupN++
	w.groupSize += w.t.Size(r)
	if len(w.batch) == partBatch {
		if err := w.writeBatch(); err != nil {
			return err
		}
	}
	if w.groupN >= groupRows || w.groupSize >= groupBytes {
		if err := w.endGroup(); err != nil {
			return err
		}
		if w.cur.n >= w.target {
			return w.closeFile()
		}
	}
	return nil
}

func (w *partWriter[R]) writeBatch() error {
	if len(w.batch) == 0 {
		return nil
	}
	w.ptrs = w.ptrs[:0]
	for i := range w.batch {
		w.ptrs = append(w.ptrs, &w.batch[i])
	}
	err := w.cur.w.write(w.ptrs)
	w.cur.total += int64(len(w.batch))
	clear(w.batch)
	w.batch = w.batch[:0]
	// The batch's rows are written (copied): the blocks their strings
	// point into may be reused.
	w.pool.recycle()
	return err
}

func (w *partWriter[R]) endGroup() error {
	if err := w.writeBatch(); err != nil {
		return err
	}
	w.groupN, w.groupSize = 0, 0
	return w.cur.w.flush()
}

func (w *partWriter[R]) closeFile() error {
	if w.groupN > 0 {
		if err := w.endGroup(); err != nil {
			return err
		}
	}
	f, err := w.cur.finish(w.t)
	w.cur = nil
	if err != nil {
		return err
	}
	w.files = append(w.files, f)
	return nil
}

func (w *partWriter[R]) close() error {
	if w.cur == nil {
		return nil
	}
	return w.closeFile()
}

func (w *partWriter[R]) discard() {
	if w.cur != nil {
		w.cur.f.Close()
		os.Remove(w.cur.f.Name())
		w.cur = nil
	}
	for _, f := range w.files {
		os.Remove(f.Path)
	}
	w.files = nil
}

// outFile is a data file being written in the spool folder.
type outFile[R any] struct {
	day   string
	f     *os.File
	h     hash.Hash
	n     int64 // bytes written
	w     rowGroupWriter[R]
	total int64 // rows written
}

func (o *outFile[R]) open(t *Table[R], spool string) error {
	if err := os.MkdirAll(spool, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(spool, "data-*.parquet")
	if err != nil {
		return err
	}
	o.f, o.h = f, sha256.New()
	o.w = newRowGroupWriter(t, o)
	return nil
}

func (o *outFile[R]) Write(p []byte) (int, error) {
	n, err := o.f.Write(p)
	o.h.Write(p[:n])
	o.n += int64(n)
	return n, err
}

// finish writes the file's footer and closes it.
func (o *outFile[R]) finish(t *Table[R]) (partFile, error) {
	name := o.f.Name()
	err := o.w.close()
	if cerr := o.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return partFile{}, err
	}
	return partFile{DataFile: DataFile{Table: t.Name, Path: name, Day: o.day, Rows: o.total, Size: o.n}, sum: o.h.Sum(nil)}, nil
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

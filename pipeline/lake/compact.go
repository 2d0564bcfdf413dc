package lake

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/cespare/xxhash/v2"
	"github.com/parquet-go/parquet-go"

	"github.com/auditlake/auditlake/pipeline/store"
	"github.com/auditlake/auditlake/schemas"
)

// CompactTarget is the size compaction aims for per output file.
const CompactTarget = 256 << 20

// compactGroupRows is the number of rows per row group of a compacted
// file: with rows sorted by Studio profile first, a day of 200 profiles
// spans many row groups, and a predicate on one profile skips most of
// them by their statistics.
const compactGroupRows = 32 << 10

// CompactStats says what Compact did.
type CompactStats struct {
	Inputs     int   // files read
	RowsIn     int64 // rows read
	Duplicates int64 // rows dropped: an earlier file (or row) held the key
	RowsOut    int64
}

// ErrDayUnsupported is returned for days the Parquet reader cannot
// round-trip (times outside 1678–2262 pass through nanoseconds there).
var ErrDayUnsupported = errors.New("days before 1678 or after 2261 cannot be compacted")

// Compact rewrites the data files inputs (keys below the lake root, all of
// one day of table t, oldest commit first) into files sorted in the
// table's order of about target bytes each (0: CompactTarget), keeping the
// first row of every key: the one of the earliest file. It returns the new
// files, stored under the table's data folder; until a commit replaces the
// inputs with them, no reader sees them. Memory stays bounded whatever the
// day's size: rows are sorted in runs spooled to local disk and merged.
func Compact[R any](ctx context.Context, st store.Store, t *Table[R], day string, inputs []string, target int64) ([]DataFile, CompactStats, error) {
	var stats CompactStats
	if d := day[:4]; d < "1678" || d > "2261" {
		return nil, stats, fmt.Errorf("%s %s: %w", t.Name, day, ErrDayUnsupported)
	}
	if target <= 0 {
		target = CompactTarget
	}
	tbl, err := schemas.Load(t.Name)
	if err != nil {
		return nil, stats, err
	}
	// Local copies of the inputs (a no-op path for a local lake).
	files := make([]*os.File, 0, len(inputs))
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	for _, key := range inputs {
		f, err := openLocal(ctx, st, key)
		if err != nil {
			return nil, stats, err
		}
		files = append(files, f)
	}
	stats.Inputs = len(files)
	winners, err := firstOfEachKey(files, tbl.Key)
	if err != nil {
		return nil, stats, err
	}
	// Pass 1: every kept row into sorted runs (one file of sorted row groups).
	runs := NewBuffer(st, t)
	runs.local = true
	runs.SetBudget(compactRunBudget)
	runs.groupRows = compactSpoolRows
	for fi, f := range files {
		fstat, _ := f.Stat()
		r := parquet.NewGenericReader[R](f)
		batch := make([]R, 256)
		var pos int64
		for {
			n, err := r.Read(batch)
			for i := 0; i < n; i++ {
				stats.RowsIn++
				if w, dup := winners[xxhash.Sum64String(t.ID(&batch[i]))]; dup {
					if w[t.ID(&batch[i])] != (rowPos{fi, pos}) {
						stats.Duplicates++
						pos++
						continue
					}
				}
				pos++
				if err := runs.add(ctx, day, &batch[i]); err != nil {
					r.Close()
					return nil, stats, err
				}
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				r.Close()
				return nil, stats, fmt.Errorf("read %s (%d bytes): %w", inputs[fi], fstat.Size(), err)
			}
		}
		r.Close()
	}
	if err := runs.Flush(ctx); err != nil {
		return nil, stats, err
	}
	spooled, _ := runs.Take()
	defer func() {
		for _, s := range spooled {
			os.Remove(s.Path)
		}
	}()
	// Pass 2: merge the runs, at most compactFanIn at a time, into files
	// of about target bytes.
	var all []run
	for _, s := range spooled {
		all = append(all, s.runs...)
	}
	var temps []string
	defer func() {
		for _, p := range temps {
			os.Remove(p)
		}
	}()
	for len(all) > compactFanIn {
		var next []run
		for i := 0; i < len(all); i += compactFanIn {
			group := all[i:min(i+compactFanIn, len(all))]
			p, err := mergeToSpool(ctx, t, group, runs.spool)
			if err != nil {
				return nil, stats, err
			}
			temps = append(temps, p)
			next = append(next, run{path: p, n: -1})
		}
		all = next
	}
	out := &compactOut[R]{st: st, t: t, day: day, target: target, spool: runs.spool}
	if err := mergeRuns(t, all, out.add); err != nil {
		out.discard()
		return nil, stats, err
	}
	if err := out.close(ctx); err != nil {
		return nil, stats, err
	}
	for _, f := range out.files {
		stats.RowsOut += f.Rows
	}
	return out.files, stats, nil
}

// rowPos is a row's place: input file and row number.
type rowPos struct {
	file int
	row  int64
}

// firstOfEachKey finds the keys held more than once across files and, for
// each, the place of its first row (earliest file first). It reads only
// the key column: 8 bytes a row for the hashes, exact strings only for the
// few keys whose hashes repeat.
func firstOfEachKey(files []*os.File, key string) (map[uint64]map[string]rowPos, error) {
	var hashes []uint64
	err := eachKey(files, key, func(_ rowPos, k string) { hashes = append(hashes, xxhash.Sum64String(k)) })
	if err != nil {
		return nil, err
	}
	slices.Sort(hashes)
	dup := map[uint64]map[string]rowPos{}
	for i := 1; i < len(hashes); i++ {
		if hashes[i] == hashes[i-1] {
			dup[hashes[i]] = map[string]rowPos{}
		}
	}
	hashes = nil
	if len(dup) == 0 {
		return dup, nil
	}
	err = eachKey(files, key, func(p rowPos, k string) {
		if m, ok := dup[xxhash.Sum64String(k)]; ok {
			if _, seen := m[k]; !seen {
				m[k] = p
			}
		}
	})
	return dup, err
}

// eachKey calls fn with the key column's value of every row, in order.
func eachKey(files []*os.File, key string, fn func(rowPos, string)) error {
	for fi, f := range files {
		st, err := f.Stat()
		if err != nil {
			return err
		}
		pf, err := parquet.OpenFile(f, st.Size())
		if err != nil {
			return fmt.Errorf("%s: %w", f.Name(), err)
		}
		col, ok := pf.Schema().Lookup(key)
		if !ok {
			return fmt.Errorf("%s: no column %s", f.Name(), key)
		}
		var row int64
		vals := make([]parquet.Value, 1024)
		for _, rg := range pf.RowGroups() {
			pages := rg.ColumnChunks()[col.ColumnIndex].Pages()
			for {
				p, err := pages.ReadPage()
				if err == io.EOF {
					break
				}
				if err != nil {
					pages.Close()
					return fmt.Errorf("%s: %w", f.Name(), err)
				}
				vr := p.Values()
				for {
					n, err := vr.ReadValues(vals)
					for _, v := range vals[:n] {
						fn(rowPos{fi, row}, v.String())
						row++
					}
					if err == io.EOF {
						break
					}
					if err != nil {
						parquet.Release(p)
						pages.Close()
						return fmt.Errorf("%s: %w", f.Name(), err)
					}
				}
				parquet.Release(p)
			}
			pages.Close()
		}
	}
	return nil
}

// openLocal opens a data file: in place for a local lake, else copied to a
// temporary file that is removed when closed.
func openLocal(ctx context.Context, st store.Store, key string) (*os.File, error) {
	if d, ok := st.(*store.Dir); ok {
		return os.Open(d.Location(key))
	}
	rc, _, err := st.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	f, err := os.CreateTemp("", "compact-in-*.parquet")
	if err != nil {
		return nil, err
	}
	os.Remove(f.Name()) // gone when closed
	if _, err := io.Copy(f, rc); err != nil {
		f.Close()
		return nil, fmt.Errorf("copy %s: %w", st.Location(key), err)
	}
	return f, nil
}

// run is one sorted run of a spool file: n row groups from first (n < 0:
// the whole file).
type run struct {
	path     string
	first, n int
}

// compactRunBudget is the memory of rows sorted at a time into one run,
// compactFanIn the runs merged at once, and compactSpoolRows the rows of a
// spool file's row groups: a run being merged holds one such row group,
// so together they bound compaction's memory.
var (
	compactRunBudget = 64 << 20
	compactFanIn     = 32
	compactSpoolRows = 8192
)

// spoolFileOptions open spool files for merging: their footers are read
// once per file (shared by its runs) without page indexes or bloom filters.
var spoolFileOptions = []parquet.FileOption{parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true)}

// mergeToSpool merges runs into one new sorted spool file and returns it.
func mergeToSpool[R any](ctx context.Context, t *Table[R], runs []run, spool string) (string, error) {
	f, err := os.CreateTemp(spool, "merge-*.parquet")
	if err != nil {
		return "", err
	}
	w := newRowGroupWriter(t, f, true)
	group := make([]R, 0, compactSpoolRows)
	flush := func() error {
		if len(group) == 0 {
			return nil
		}
		ptrs := make([]*R, len(group))
		for i := range group {
			ptrs[i] = &group[i]
		}
		err := w.writeGroup(ptrs)
		clear(group)
		group = group[:0]
		return err
	}
	err = mergeRuns(t, runs, func(_ context.Context, r *R) error {
		group = append(group, *r)
		if len(group) == compactSpoolRows {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err == nil {
		err = w.close()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// mergeRuns merges sorted runs, calling emit with each row in table order.
func mergeRuns[R any](t *Table[R], runs []run, emit func(context.Context, *R) error) error {
	h := &runHeap[R]{less: t.Less}
	files := map[string]*spoolFile{}
	defer func() {
		for _, c := range h.cs {
			c.close()
		}
		for _, f := range files {
			f.f.Close()
		}
	}()
	for _, rn := range runs {
		sf := files[rn.path]
		if sf == nil {
			var err error
			if sf, err = openSpool(rn.path); err != nil {
				return err
			}
			files[rn.path] = sf
		}
		c := newRunCursor[R](sf, rn)
		if ok, err := c.next(); err != nil {
			c.close()
			return err
		} else if ok {
			h.cs = append(h.cs, c)
		} else {
			c.close()
		}
	}
	heap.Init(h)
	ctx := context.Background()
	for h.Len() > 0 {
		c := h.cs[0]
		if err := emit(ctx, c.row()); err != nil {
			return err
		}
		ok, err := c.next()
		if err != nil {
			return err
		}
		if ok {
			heap.Fix(h, 0)
		} else {
			c.close()
			heap.Pop(h)
		}
	}
	return nil
}

// spoolFile is an open spool file, shared by the runs it holds.
type spoolFile struct {
	f  *os.File
	pf *parquet.File
}

func openSpool(path string) (*spoolFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	pf, err := parquet.OpenFile(f, fi.Size(), spoolFileOptions...)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &spoolFile{f, pf}, nil
}

func newRunCursor[R any](sf *spoolFile, rn run) *runCursor[R] {
	c := &runCursor[R]{pf: sf.pf, group: rn.first, end: rn.first + rn.n, buf: make([]R, 64)}
	if rn.n < 0 {
		c.group, c.end = 0, len(sf.pf.RowGroups())
	}
	return c
}

// runCursor reads one sorted run, one row group at a time.
type runCursor[R any] struct {
	f          *os.File
	pf         *parquet.File
	group, end int // row groups still to read
	r          *parquet.GenericReader[R]
	buf        []R
	n, i       int
}

func (c *runCursor[R]) close() {
	if c.r != nil {
		c.r.Close()
		c.r = nil
	}
}

func (c *runCursor[R]) row() *R { return &c.buf[c.i] }

// next moves to the run's next row; it reports false at the end.
func (c *runCursor[R]) next() (bool, error) {
	c.i++
	if c.i < c.n {
		return true, nil
	}
	clear(c.buf[:c.n])
	c.n, c.i = 0, 0
	for {
		if c.r != nil {
			n, err := c.r.Read(c.buf)
			if n > 0 {
				c.n = n
				return true, nil
			}
			if err != nil && err != io.EOF {
				return false, err
			}
			c.r.Close()
			c.r = nil
		}
		if c.group >= c.end {
			return false, nil
		}
		c.r = parquet.NewGenericRowGroupReader[R](c.pf.RowGroups()[c.group])
		c.group++
	}
}

type runHeap[R any] struct {
	cs   []*runCursor[R]
	less func(a, b *R) bool
}

func (h *runHeap[R]) Len() int           { return len(h.cs) }
func (h *runHeap[R]) Less(i, j int) bool { return h.less(h.cs[i].row(), h.cs[j].row()) }
func (h *runHeap[R]) Swap(i, j int)      { h.cs[i], h.cs[j] = h.cs[j], h.cs[i] }
func (h *runHeap[R]) Push(x any)         { h.cs = append(h.cs, x.(*runCursor[R])) }
func (h *runHeap[R]) Pop() any {
	c := h.cs[len(h.cs)-1]
	h.cs = h.cs[:len(h.cs)-1]
	return c
}

// compactOut writes merged rows into files of about target bytes.
type compactOut[R any] struct {
	st     store.Store
	t      *Table[R]
	day    string
	target int64
	spool  string

	cur   *dayFile[R]
	group []R
	files []DataFile
}

func (o *compactOut[R]) add(ctx context.Context, r *R) error {
	if o.cur == nil {
		d := &dayFile[R]{day: o.day}
		if err := d.open(o.t, o.spool, "compact-*.parquet", false); err != nil {
			return err
		}
		o.cur = d
		o.group = make([]R, 0, compactGroupRows)
	}
	o.group = append(o.group, *r)
	if len(o.group) == compactGroupRows {
		if err := o.writeGroup(); err != nil {
			return err
		}
		if o.cur.n >= o.target {
			return o.closeFile(ctx)
		}
	}
	return nil
}

func (o *compactOut[R]) writeGroup() error {
	if len(o.group) == 0 {
		return nil
	}
	ptrs := make([]*R, len(o.group))
	for i := range o.group {
		ptrs[i] = &o.group[i]
	}
	err := o.cur.w.writeGroup(ptrs)
	o.cur.total += int64(len(o.group))
	clear(o.group)
	o.group = o.group[:0]
	return err
}

func (o *compactOut[R]) closeFile(ctx context.Context) error {
	if err := o.writeGroup(); err != nil {
		return err
	}
	d := o.cur
	o.cur = nil
	f, err := d.finish(ctx, o.st, o.t, false)
	if err != nil {
		return err
	}
	o.files = append(o.files, f)
	return nil
}

func (o *compactOut[R]) close(ctx context.Context) error {
	if o.cur == nil {
		return nil
	}
	return o.closeFile(ctx)
}

func (o *compactOut[R]) discard() {
	if o.cur != nil {
		o.cur.f.Close()
		os.Remove(o.cur.f.Name())
		o.cur = nil
	}
}

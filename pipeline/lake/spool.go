package lake

import (
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"time"
	"unsafe"

	"github.com/klauspost/compress/s2"
)

// The sort spool. A Buffer holds a budget's worth of rows in memory; when
// a day's rows must make room, they are sorted and appended to the day's
// spool file as one sorted run. Closing the day merges the runs (and the
// rows still in memory) into the day's data files, so that a file is
// sorted as a whole, not row group by row group, however many objects and
// Studio profiles the rows came from, while memory stays about the budget.
//
// A run is a sequence of blocks; a block is the s2 compression of about
// spoolBlockBytes of rows, each row a uvarint length and its columns in
// schema order (the generated append<Type> / read<Type> in spool_gen.go).
// Rows are spooled, not Parquet pages: encoding a row this way costs a
// small fraction of encoding it as Parquet, which then happens once, when
// the day's files are written. The spool is the writer's private scratch
// space: it lives in the lake's _spool folder (local lakes) or the system's
// temporary folder and is removed when the day is written.

// spoolBlockBytes is the uncompressed size of a spool block. A run being
// merged holds one block, decoded, and its compressed bytes.
var spoolBlockBytes = 64 << 10

// markEvery is how many blocks of a run share one mark: the sort key of
// the first row of every markEvery-th block, which is what a day's merge
// is cut into parts by and where a part's cursors start. Marks are whole
// rows (mostly empty), so they are kept sparse.
const markEvery = 8

// spoolBlock is one block of a run: where it is and how many rows it
// holds.
type spoolBlock struct {
	off  int64
	size int
	rows int
}

// spoolMark is the first key of a run's block.
type spoolMark[R any] struct {
	block int
	first *R
}

// spoolRun is one sorted run in a day's spool file.
type spoolRun[R any] struct {
	blocks []spoolBlock
	marks  []spoolMark[R] // of blocks 0, markEvery, 2·markEvery, …
	rows   int64
}

// writeRun sorts rows and appends them to f at off as one run. It returns
// the run and the bytes written.
func writeRun[R any](t *Table[R], f *os.File, off int64, rows []*R) (spoolRun[R], int64, error) {
	sortRows(t, rows)
	var run spoolRun[R]
	raw := make([]byte, 0, 2*spoolBlockBytes)
	var comp []byte
	start, first := off, 0
	flush := func(end int) error {
		if len(raw) == 0 {
			return nil
		}
		comp = s2.Encode(comp[:cap(comp)], raw)
		if _, err := f.WriteAt(comp, off); err != nil {
			return err
		}
		if len(run.blocks)%markEvery == 0 {
			run.marks = append(run.marks, spoolMark[R]{block: len(run.blocks), first: t.sortKey(rows[first])})
		}
		run.blocks = append(run.blocks, spoolBlock{off: off, size: len(comp), rows: end - first})
		off += int64(len(comp))
		raw, first = raw[:0], end
		return nil
	}
	for i, r := range rows {
		// A row is its length (4 bytes, little-endian) and its columns.
		at := len(raw)
		raw = t.appendRow(append(raw, 0, 0, 0, 0), r)
		n := len(raw) - at - 4
		if n > math.MaxUint32 {
			return run, off - start, errors.New("spool: row larger than 4 GiB")
		}
		binary.LittleEndian.PutUint32(raw[at:], uint32(n))
		if len(raw) >= spoolBlockBytes {
			if err := flush(i + 1); err != nil {
				return run, off - start, err
			}
		}
	}
	if err := flush(len(rows)); err != nil {
		return run, off - start, err
	}
	run.rows = int64(len(rows))
	return run, off - start, nil
}

// rowSource yields rows in table order; the row is valid until the next
// call.
type rowSource[R any] interface {
	next() (*R, bool, error)
}

// runCursor reads one run's rows from lo (inclusive) to hi (exclusive);
// nil bounds are open. A row's strings point into its block's decoded
// bytes (no copy a row); the block's buffer goes back to pool, for reuse
// once the rows handed out are written (blockPool).
type runCursor[R any] struct {
	t      *Table[R]
	f      *os.File
	pool   *blockPool
	blocks []spoolBlock
	lo, hi *R
	comp   []byte
	raw    []byte
	pos    int
	lent   bool // a row of raw was handed out
	row    R
}

func newRunCursor[R any](t *Table[R], f *os.File, pool *blockPool, run spoolRun[R], lo, hi *R) *runCursor[R] {
	blocks := run.blocks
	if lo != nil {
		// The first mark not below lo: rows from lo may begin in the
		// blocks of the mark before it, not earlier.
		i, _ := slices.BinarySearchFunc(run.marks, lo, func(m spoolMark[R], k *R) int {
			if t.Less(m.first, k) {
				return -1
			}
			return 1
		})
		if i > 0 {
			blocks = blocks[run.marks[i-1].block:]
		}
	}
	return &runCursor[R]{t: t, f: f, pool: pool, blocks: blocks, lo: lo, hi: hi}
}

func (c *runCursor[R]) next() (*R, bool, error) {
	for {
		if c.pos >= len(c.raw) {
			if len(c.blocks) == 0 {
				c.drop()
				return nil, false, nil
			}
			if err := c.load(); err != nil {
				return nil, false, err
			}
		}
		if len(c.raw)-c.pos < 4 {
			return nil, false, errors.New("spool: corrupt row length")
		}
		n := int(binary.LittleEndian.Uint32(c.raw[c.pos:]))
		c.pos += 4
		if n > len(c.raw)-c.pos {
			return nil, false, errors.New("spool: corrupt row length")
		}
		d := spoolDecoder{s: unsafe.String(unsafe.SliceData(c.raw[c.pos:]), n)}
		c.pos += n
		c.row = *new(R)
		c.t.readRow(&d, &c.row)
		if d.err != nil {
			return nil, false, d.err
		}
		if c.lo != nil && c.t.Less(&c.row, c.lo) {
			continue
		}
		if c.hi != nil && !c.t.Less(&c.row, c.hi) {
			c.blocks = nil
			c.drop()
			return nil, false, nil
		}
		c.lent = true
		return &c.row, true, nil
	}
}

func (c *runCursor[R]) load() error {
	b := c.blocks[0]
	c.blocks = c.blocks[1:]
	if cap(c.comp) < b.size {
		c.comp = make([]byte, b.size)
	}
	c.comp = c.comp[:b.size]
	if _, err := c.f.ReadAt(c.comp, b.off); err != nil {
		return fmt.Errorf("spool: read block: %w", err)
	}
	n, err := s2.DecodedLen(c.comp)
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	c.drop()
	raw, err := s2.Decode(c.pool.get(n), c.comp)
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	c.raw, c.pos = raw, 0
	return nil
}

// drop gives the current block back to the pool.
func (c *runCursor[R]) drop() {
	if c.lent {
		c.pool.retire(c.raw)
	} else {
		c.pool.put(c.raw)
	}
	c.raw, c.pos, c.lent = nil, 0, false
}

// blockPool recycles the decoded blocks of one merge. A block a cursor has
// left may still hold the strings of rows handed out and not yet written,
// so it is retired first and becomes free only at recycle, which the merge's
// writer calls after each batch it writes (the Parquet writer copies
// values, and nothing else keeps a row).
type blockPool struct {
	free, retired [][]byte
}

func (p *blockPool) get(n int) []byte {
	for i := len(p.free) - 1; i >= 0; i-- {
		if b := p.free[i]; cap(b) >= n {
			p.free = slices.Delete(p.free, i, i+1)
			return b[:n]
		}
	}
	return make([]byte, n, max(n, spoolBlockBytes+spoolBlockBytes/4))
}

// poolFree bounds the free blocks kept: more are left to the collector.
const poolFree = 16

// put returns a block none of whose rows was handed out.
func (p *blockPool) put(b []byte) {
	if b != nil && len(p.free) < poolFree {
		p.free = append(p.free, b)
	}
}

// retire returns a block whose rows may still be in use.
func (p *blockPool) retire(b []byte) {
	if b != nil {
		p.retired = append(p.retired, b)
	}
}

// recycle frees the retired blocks: the rows handed out are written.
func (p *blockPool) recycle() {
	if p != nil {
		for _, b := range p.retired {
			p.put(b)
		}
		clear(p.retired)
		p.retired = p.retired[:0]
	}
}

// sliceSource yields sorted rows held in memory.
type sliceSource[R any] struct{ rows []*R }

func (s *sliceSource[R]) next() (*R, bool, error) {
	if len(s.rows) == 0 {
		return nil, false, nil
	}
	r := s.rows[0]
	s.rows = s.rows[1:]
	return r, true, nil
}

// merger merges sorted sources into one sorted stream.
type merger[R any] struct {
	less func(a, b *R) bool
	srcs []rowSource[R]
	cur  []*R
}

func (m *merger[R]) Len() int           { return len(m.srcs) }
func (m *merger[R]) Less(i, j int) bool { return m.less(m.cur[i], m.cur[j]) }
func (m *merger[R]) Swap(i, j int) {
	m.srcs[i], m.srcs[j] = m.srcs[j], m.srcs[i]
	m.cur[i], m.cur[j] = m.cur[j], m.cur[i]
}
func (m *merger[R]) Push(any) {}
func (m *merger[R]) Pop() any {
	n := len(m.srcs) - 1
	m.srcs, m.cur = m.srcs[:n], m.cur[:n]
	return nil
}

// merge calls emit with every row of srcs in table order.
func merge[R any](less func(a, b *R) bool, srcs []rowSource[R], emit func(*R) error) error {
	m := &merger[R]{less: less}
	for _, s := range srcs {
		r, ok, err := s.next()
		if err != nil {
			return err
		}
		if ok {
			m.srcs, m.cur = append(m.srcs, s), append(m.cur, r)
		}
	}
	heap.Init(m)
	for len(m.srcs) > 0 {
		if err := emit(m.cur[0]); err != nil {
			return err
		}
		r, ok, err := m.srcs[0].next()
		if err != nil {
			return err
		}
		if ok {
			m.cur[0] = r
			heap.Fix(m, 0)
		} else {
			heap.Pop(m)
		}
	}
	return nil
}

// splitKeys returns the keys that cut the rows of runs into parts of
// about equal numbers of rows, by the runs' marks: part i holds the rows
// from key i-1 (inclusive) to key i (exclusive).
func splitKeys[R any](t *Table[R], runs []spoolRun[R], parts int) []*R {
	if parts <= 1 {
		return nil
	}
	type weighted struct {
		first *R
		rows  int64
	}
	var marks []weighted
	var total int64
	for _, r := range runs {
		for i, m := range r.marks {
			end := len(r.blocks)
			if i+1 < len(r.marks) {
				end = r.marks[i+1].block
			}
			var n int64
			for _, b := range r.blocks[m.block:end] {
				n += int64(b.rows)
			}
			marks = append(marks, weighted{m.first, n})
		}
		total += r.rows
	}
	slices.SortStableFunc(marks, func(a, b weighted) int {
		switch {
		case t.Less(a.first, b.first):
			return -1
		case t.Less(b.first, a.first):
			return 1
		}
		return 0
	})
	var keys []*R
	var seen int64
	for _, m := range marks {
		if want := total * int64(len(keys)+1) / int64(parts); seen >= want && len(keys) < parts-1 {
			if len(keys) == 0 || t.Less(keys[len(keys)-1], m.first) {
				keys = append(keys, m.first)
			}
		}
		seen += m.rows
	}
	return keys
}

// Spool encoding of column values (used by spool_gen.go). Strings are a
// uvarint length and the bytes; times are seconds and nanoseconds since
// the Unix epoch; an optional (pointer) value is a presence byte and the
// value.

func spoolAppendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// spoolAppendStringIn appends s, which may be a part of the row's raw
// record text: a part is written as its place in raw (the uvarint of
// offset<<1|1, then its length), anything else as the uvarint of len<<1
// and the bytes.
func spoolAppendStringIn(b []byte, s, raw string) []byte {
	if off, ok := partOf(s, raw); ok {
		b = binary.AppendUvarint(b, uint64(off)<<1|1)
		return binary.AppendUvarint(b, uint64(len(s)))
	}
	b = binary.AppendUvarint(b, uint64(len(s))<<1)
	return append(b, s...)
}

// partOf reports whether the non-empty s is a part of raw (the same
// memory), and where.
func partOf(s, raw string) (int, bool) {
	if len(s) == 0 || len(raw) == 0 {
		return 0, false
	}
	p, r := uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(unsafe.Pointer(unsafe.StringData(raw)))
	if p >= r && p+uintptr(len(s)) <= r+uintptr(len(raw)) {
		return int(p - r), true
	}
	return 0, false
}

func spoolAppendInt64(b []byte, v int64) []byte { return binary.AppendVarint(b, v) }

func spoolAppendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

func spoolAppendTime(b []byte, t time.Time) []byte {
	b = binary.AppendVarint(b, t.Unix())
	return binary.AppendUvarint(b, uint64(t.Nanosecond()))
}

func spoolAppendInt64Ptr(b []byte, v *int64) []byte {
	if v == nil {
		return append(b, 0)
	}
	return spoolAppendInt64(append(b, 1), *v)
}

func spoolAppendBoolPtr(b []byte, v *bool) []byte {
	if v == nil {
		return append(b, 0)
	}
	return spoolAppendBool(append(b, 1), *v)
}

func spoolAppendTimePtr(b []byte, v *time.Time) []byte {
	if v == nil {
		return append(b, 0)
	}
	return spoolAppendTime(append(b, 1), *v)
}

// spoolDecoder reads one spooled row. Its strings are substrings of s (one
// allocation a row); the first error sticks.
type spoolDecoder struct {
	s   string
	i   int
	err error
}

func (d *spoolDecoder) fail() {
	if d.err == nil {
		d.err = errors.New("spool: corrupt row")
	}
	d.i = len(d.s)
}

func (d *spoolDecoder) uvarint() uint64 {
	var v uint64
	for shift := 0; d.i < len(d.s) && shift < 64; shift += 7 {
		c := d.s[d.i]
		d.i++
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v
		}
	}
	d.fail()
	return 0
}

func (d *spoolDecoder) present() bool {
	if d.i >= len(d.s) {
		d.fail()
		return false
	}
	d.i++
	return d.s[d.i-1] != 0
}

func (d *spoolDecoder) readString() string { return d.take(d.uvarint()) }

// take reads the next n bytes.
func (d *spoolDecoder) take(n uint64) string {
	if n > uint64(len(d.s)-d.i) {
		d.fail()
		return ""
	}
	s := d.s[d.i : d.i+int(n)]
	d.i += int(n)
	return s
}

// readStringIn reads what spoolAppendStringIn wrote, raw being the row's
// raw text read before.
func (d *spoolDecoder) readStringIn(raw string) string {
	u := d.uvarint()
	if u&1 == 0 {
		return d.take(u >> 1)
	}
	off, n := u>>1, d.uvarint()
	if off > uint64(len(raw)) || n > uint64(len(raw))-off {
		d.fail()
		return ""
	}
	return raw[off : off+n]
}

func (d *spoolDecoder) readInt64() int64 {
	u := d.uvarint()
	return int64(u>>1) ^ -int64(u&1)
}

func (d *spoolDecoder) readBool() bool { return d.present() }

func (d *spoolDecoder) readTime() time.Time {
	sec := d.readInt64()
	ns := d.uvarint()
	if ns > math.MaxInt32 {
		d.fail()
	}
	return time.Unix(sec, int64(ns)).UTC()
}

func (d *spoolDecoder) readInt64Ptr() *int64 {
	if !d.present() {
		return nil
	}
	v := d.readInt64()
	return &v
}

func (d *spoolDecoder) readBoolPtr() *bool {
	if !d.present() {
		return nil
	}
	v := d.readBool()
	return &v
}

func (d *spoolDecoder) readTimePtr() *time.Time {
	if !d.present() {
		return nil
	}
	v := d.readTime()
	return &v
}

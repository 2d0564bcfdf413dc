package lake

import (
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
	// Every kept row into a Buffer, which sorts them in spooled runs and
	// merges them into the day's files.
	buf := NewBuffer(st, t)
	buf.SetBudget(compactRunBudget)
	buf.target = target
	defer buf.Discard()
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
				if err := buf.add(ctx, day, &batch[i]); err != nil {
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
	if err := buf.Flush(ctx); err != nil {
		return nil, stats, err
	}
	out, err := buf.Take()
	if err != nil {
		return nil, stats, err
	}
	for _, f := range out {
		stats.RowsOut += f.Rows
	}
	return out, stats, nil
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

// compactRunBudget is the memory of rows sorted at a time into one
// spooled run.
var compactRunBudget = 64 << 20

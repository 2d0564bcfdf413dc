package lake

import (
	"bytes"
	"sort"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

// CreatedBy is written into every Parquet footer. It carries no version or
// time so that the same rows always give the same bytes.
const CreatedBy = "auditlake"

// Table describes one Parquet table of the lake: how its rows are keyed,
// partitioned and ordered.
type Table[R any] struct {
	Name      string             // folder under the lake root, and the schemas/ file name
	ID        func(*R) string    // unique key: a second row with the same key is a duplicate
	Day       func(*R) string    // dt partition (YYYY-MM-DD), also the dedupe index's day
	Partition func(*R) string    // folder of the row below the lake root
	Less      func(a, b *R) bool // order of rows within a file (schemas `sort`)
	Size      func(*R) int       // memory estimate, for flush budgeting
}

// EncodeEvents sorts and encodes events (see Encode).
func EncodeEvents(rows []Event) ([]byte, error) { return Encode(Events, rows) }

// ReadEvents decodes a Parquet file of events.
func ReadEvents(b []byte) ([]Event, error) { return Read[Event](b) }

// Encode sorts rows in the table's order and encodes them as one
// zstd-compressed Parquet file.
func Encode[R any](t *Table[R], rows []R) ([]byte, error) {
	sort.Slice(rows, func(i, j int) bool { return t.Less(&rows[i], &rows[j]) })
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[R](&buf,
		parquet.Compression(&zstd.Codec{Level: zstd.SpeedDefault}),
		parquet.CreatedBy(CreatedBy, "", ""),
		parquet.PageBufferSize(1<<20),
	)
	// One row per Write: parquet-go v0.32 batch writes store some zero values
	// of non-pointer optional fields as "" instead of NULL (rows "", "X", ""
	// give one NULL, not two); single-row writes are correct.
	// TestEncodeWritesNullsNotEmptyStrings guards this.
	for i := range rows {
		if _, err := w.Write(rows[i : i+1]); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Read decodes a Parquet file written by Encode.
func Read[R any](b []byte) ([]R, error) {
	return parquet.Read[R](bytes.NewReader(b), int64(len(b)))
}

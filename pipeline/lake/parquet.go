package lake

import (
	"bytes"
	"sort"

	"github.com/parquet-go/parquet-go"
)

// pageBufferSize is the uncompressed size of a Parquet page.
const pageBufferSize = 1 << 20

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

// encodeEvents writes sorted events in batches through eventWire.
func encodeEvents(rows []*Event) ([]byte, error) {
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[eventWire](&buf, append(writerOptions(), eventWireSchema)...)
	batch := make([]eventWire, 0, 1024)
	for i, e := range rows {
		batch = batch[:len(batch)+1]
		toWire(e, &batch[len(batch)-1])
		if len(batch) == cap(batch) || i == len(rows)-1 {
			if _, err := w.Write(batch); err != nil {
				return nil, err
			}
			batch = batch[:0]
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// eventWireSchema names the written schema "Event", as Event's own.
var eventWireSchema = parquet.NewSchema("Event", parquet.SchemaOf(eventWire{}))

func writerOptions() []parquet.WriterOption {
	return []parquet.WriterOption{
		parquet.Compression(lakeCodec),
		parquet.CreatedBy(CreatedBy, "", ""),
		parquet.PageBufferSize(pageBufferSize),
	}
}

// ReadEvents decodes a Parquet file of events.
func ReadEvents(b []byte) ([]Event, error) { return Read[Event](b) }

// Encode sorts rows in the table's order and encodes them as one
// zstd-compressed Parquet file.
func Encode[R any](t *Table[R], rows []R) ([]byte, error) {
	ptrs := make([]*R, len(rows))
	for i := range rows {
		ptrs[i] = &rows[i]
	}
	return encode(t, ptrs)
}

// encode sorts the rows (by pointer: rows are large) and encodes them.
func encode[R any](t *Table[R], rows []*R) ([]byte, error) {
	sort.Slice(rows, func(i, j int) bool { return t.Less(rows[i], rows[j]) })
	if evs, ok := any(rows).([]*Event); ok {
		return encodeEvents(evs)
	}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[R](&buf, writerOptions()...)
	// One row per Write: parquet-go v0.32 batch writes store some zero values
	// of non-pointer optional fields as "" instead of NULL (rows "", "X", ""
	// give one NULL, not two); single-row writes are correct.
	// TestEncodeWritesNullsNotEmptyStrings guards this.
	one := make([]R, 1)
	for _, r := range rows {
		one[0] = *r
		if _, err := w.Write(one); err != nil {
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

package lake

import (
	"bytes"
	"sort"
	"sync"

	"github.com/parquet-go/parquet-go"
)

// pageBufferSize is the uncompressed size of a Parquet page.
const pageBufferSize = 1 << 20

// CreatedBy is written into every Parquet footer. It carries no version or
// time so that the same rows always give the same bytes.
const CreatedBy = "auditlake"

// Table describes one table of the lake: how its rows are keyed,
// partitioned and ordered.
type Table[R any] struct {
	Name           string             // table name (Namespace/<Name>/ below the lake root), and the schemas/ file name
	ID             func(*R) string    // unique key: a second row with the same key is a duplicate
	Day            func(*R) string    // partition (YYYY-MM-DD, UTC day of the partition column), also the dedupe index's day
	PartitionField string             // Iceberg partition field name: <column>_day
	Less           func(a, b *R) bool // order of rows within a file (schemas `sort`)
	Size           func(*R) int       // memory estimate, for flush budgeting

	chunks sync.Pool // of *[]R with cap chunkRows: row buffers, reused between files
}

// chunk returns an empty row buffer of capacity chunkRows.
func (t *Table[R]) chunk() []R {
	if c, ok := t.chunks.Get().(*[]R); ok {
		return (*c)[:0]
	}
	return make([]R, 0, chunkRows)
}

// release clears row buffers whose rows are written and keeps them for
// reuse: memory the process already has is much cheaper than fresh pages
// (measured: BENCHMARKS.md).
func (t *Table[R]) release(chunks [][]R) {
	for _, c := range chunks {
		clear(c)
		c = c[:0]
		t.chunks.Put(&c)
	}
}

// EncodeEvents sorts and encodes events (see Encode).
func EncodeEvents(rows []Event) ([]byte, error) { return Encode(Events, rows) }

// eventEncoder holds the output buffer and the row batch of an events
// file, kept in eventEncoders between files so that the buffer does not
// grow again from nothing for every file. (The Parquet writer itself is new
// for every file: parquet-go v0.32's Writer.Reset leaves path_in_schema out
// of the next file's column metadata.)
type eventEncoder struct {
	buf   bytes.Buffer
	batch []eventWire
}

var eventEncoders = sync.Pool{New: func() any { return &eventEncoder{batch: make([]eventWire, 0, 1024)} }}

// blobColumns are the events columns that hold whole records, JSON
// documents or free text of any length (attacker-controlled): min/max
// bounds and page statistics of them help no query, and parquet-go writes
// whole values there (a 3 MiB value made a 22 MB file), so none are kept.
var blobColumns = func() parquet.WriterOption {
	opts := []parquet.WriterOption{}
	for _, c := range []string{"raw", "request_parameters", "response_elements", "additional_event_data",
		"query_text", "error_message", "user_agent", "request_uri", "referer"} {
		opts = append(opts, parquet.SkipPageBounds(c), parquet.SkipPageStatistics(c))
	}
	return multiOption(opts)
}()

// multiOption applies several writer options as one.
type multiOption []parquet.WriterOption

func (m multiOption) ConfigureWriter(c *parquet.WriterConfig) {
	for _, o := range m {
		o.ConfigureWriter(c)
	}
}

// encodeEvents writes sorted events through a pooled encoder. The returned
// bytes are valid until release is called.
func encodeEvents(rows []*Event) (b []byte, release func(), err error) {
	e := eventEncoders.Get().(*eventEncoder)
	release = func() { eventEncoders.Put(e) }
	if b, err = e.encode(rows); err != nil {
		release()
		return nil, nil, err
	}
	return b, release, nil
}

// encode writes rows as one Parquet file, in batches through eventWire,
// into e's buffer, which it returns.
func (e *eventEncoder) encode(rows []*Event) ([]byte, error) {
	e.buf.Reset()
	w := parquet.NewGenericWriter[eventWire](&e.buf, append(writerOptions(), eventWireSchema, blobColumns)...)
	batch := e.batch[:0]
	for i, ev := range rows {
		batch = batch[:len(batch)+1]
		toWire(ev, &batch[len(batch)-1])
		if len(batch) == cap(batch) || i == len(rows)-1 {
			if _, err := w.Write(batch); err != nil {
				return nil, err
			}
			clear(batch) // drop the references to the rows
			batch = batch[:0]
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return e.buf.Bytes(), nil
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
	b, release, err := encode(t, ptrs)
	if err != nil {
		return nil, err
	}
	defer release()
	return bytes.Clone(b), nil
}

// encode sorts the rows (by pointer: rows are large) and encodes them. The
// returned bytes are valid until release is called.
func encode[R any](t *Table[R], rows []*R) (b []byte, release func(), err error) {
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
			return nil, nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, nil, err
	}
	return buf.Bytes(), func() {}, nil
}

// Read decodes a Parquet file written by Encode.
func Read[R any](b []byte) ([]R, error) {
	return parquet.Read[R](bytes.NewReader(b), int64(len(b)))
}

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

// EncodeEvents sorts rows (schemas/events.yaml `sort`) and encodes them as
// one zstd-compressed Parquet file.
func EncodeEvents(rows []Event) ([]byte, error) {
	sort.Slice(rows, func(i, j int) bool { return Less(&rows[i], &rows[j]) })
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[Event](&buf,
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

// ReadEvents decodes a Parquet file written by EncodeEvents.
func ReadEvents(b []byte) ([]Event, error) {
	return parquet.Read[Event](bytes.NewReader(b), int64(len(b)))
}

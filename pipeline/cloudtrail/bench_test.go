package cloudtrail

import (
	"bytes"
	"io"
	"sync"
	"testing"

	"github.com/auditlake/auditlake/pipeline/internal/trailgen"
	"github.com/auditlake/auditlake/pipeline/lake"
)

// benchTrail is a ~32 MB generated trail log file, built once per process.
var benchTrail = sync.OnceValues(func() ([]byte, int) {
	var buf bytes.Buffer
	n, err := trailgen.Write(&buf, 1, 32<<20)
	if err != nil {
		panic(err)
	}
	return buf.Bytes(), n
})

// BenchmarkReader splits the records out of the trail (jsontext), without
// parsing them. MB/s is of uncompressed JSON.
func BenchmarkReader(b *testing.B) {
	data, want := benchTrail()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rd := NewReader(bytes.NewReader(data))
		n := 0
		for {
			_, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != want {
			b.Fatalf("read %d records, want %d", n, want)
		}
	}
	b.ReportMetric(float64(want)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkNormalize reads and normalizes every record into a lake.Event,
// as pipeline.Ingest does before the writer.
func BenchmarkNormalize(b *testing.B) {
	data, want := benchTrail()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var norm Normalizer
		rd := NewReader(bytes.NewReader(data))
		var ev lake.Event
		n := 0
		for {
			rec, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if _, err := norm.Normalize(rec, "bench", &ev); err != nil {
				b.Fatalf("record at %d: %v", rec.Offset, err)
			}
			n++
		}
		if n != want {
			b.Fatalf("normalized %d records, want %d", n, want)
		}
	}
	b.ReportMetric(float64(want)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

package lake_test

import (
	"bytes"
	"io"
	"slices"
	"sync"
	"testing"

	"github.com/auditlake/auditlake/pipeline/cloudtrail"
	"github.com/auditlake/auditlake/pipeline/identity"
	"github.com/auditlake/auditlake/pipeline/internal/trailgen"
	"github.com/auditlake/auditlake/pipeline/lake"
)

// benchEvents are the events of a ~16 MB generated trail, normalized once
// per process, with the bytes of their records.
var benchEvents = sync.OnceValues(func() ([]lake.Event, int64) {
	var buf bytes.Buffer
	if _, err := trailgen.Write(&buf, 1, 16<<20); err != nil {
		panic(err)
	}
	rd := cloudtrail.NewReader(&buf)
	norm := cloudtrail.Normalizer{Profiles: identity.New()}
	var evs []lake.Event
	var n int64
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			panic(err)
		}
		var ev lake.Event
		if _, err := norm.Normalize(rec, "bench", &ev); err != nil {
			panic(err)
		}
		n += int64(len(rec.Raw))
		evs = append(evs, ev)
	}
	return evs, n
})

// BenchmarkEncodeEvents sorts and encodes the events of a 16 MB trail as one
// Parquet file, as the lake writer does for each part file. MB/s is of the
// records' JSON.
func BenchmarkEncodeEvents(b *testing.B) {
	evs, n := benchEvents()
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := lake.EncodeEvents(slices.Clone(evs)); err != nil {
			b.Fatal(err)
		}
	}
}

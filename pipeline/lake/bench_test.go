package lake_test

import (
	"bytes"
	"context"
	"io"
	"slices"
	"sync"
	"testing"

	"github.com/auditlake/auditlake/pipeline/cloudtrail"
	"github.com/auditlake/auditlake/pipeline/identity"
	"github.com/auditlake/auditlake/pipeline/internal/trailgen"
	"github.com/auditlake/auditlake/pipeline/lake"
	"github.com/auditlake/auditlake/pipeline/store"
)

// benchEvents are the events of a ~16 MB generated trail, normalized once
// per process, with the bytes of their records.
var benchEvents = sync.OnceValues(func() ([]lake.Event, int64) {
	var buf bytes.Buffer
	if _, err := trailgen.Write(&buf, 1, 16<<20); err != nil {
		panic(err)
	}
	rd := cloudtrail.NewReader(&buf)
	var norm cloudtrail.Normalizer
	profiles := identity.New()
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
		ev.StudioProfile, ev.ProfileSource = profiles.Resolve(ev.SourceIdentity, ev.RoleARN)
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

// BenchmarkCompact compacts one day written as two data files (the events
// of the 16 MB trail split in halves, as two runs leave them) into one
// sorted file, as ingest compact does. MB/s is of the records' JSON.
func BenchmarkCompact(b *testing.B) {
	evs, n := benchEvents()
	ctx := context.Background()
	dir := b.TempDir()
	st, err := store.NewDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	// One day only: compaction works day by day.
	day := evs[0].Day()
	var oneDay []lake.Event
	for _, e := range evs {
		if e.Day() == day {
			oneDay = append(oneDay, e)
		}
	}
	var inputs []string
	for half := 0; half < 2; half++ {
		buf := lake.NewBuffer(st, lake.Events)
		w := lake.NewWriter(buf, nil, "bench", "bench")
		part := oneDay[half*len(oneDay)/2 : (half+1)*len(oneDay)/2]
		for i := range part {
			if _, err := w.Add(ctx, &part[i]); err != nil {
				b.Fatal(err)
			}
		}
		if err := buf.Flush(ctx); err != nil {
			b.Fatal(err)
		}
		files, _ := buf.Take()
		inputs = append(inputs, files[0].Path)
	}
	b.SetBytes(n * int64(len(oneDay)) / int64(len(evs)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := lake.Compact(ctx, st, lake.Events, day, inputs, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBufferSpooledDay writes the events of the 16 MB trail through a
// Buffer whose budget holds an eighth of them: the rows are spooled as
// sorted runs and merged into the day's sorted set of files, as a run over
// many objects does. MB/s is of the records' JSON.
func BenchmarkBufferSpooledDay(b *testing.B) {
	evs, n := benchEvents()
	ctx := context.Background()
	st, err := store.NewDir(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		buf := lake.NewBuffer(st, lake.Events)
		buf.SetBudget(2 << 20)
		w := lake.NewWriter(buf, nil, "bench", "bench")
		for i := range evs {
			if _, err := w.Add(ctx, &evs[i]); err != nil {
				b.Fatal(err)
			}
		}
		if err := buf.Flush(ctx); err != nil {
			b.Fatal(err)
		}
		files, _ := buf.Take()
		var rows int64
		for _, f := range files {
			rows += f.Rows
		}
		if rows != int64(len(evs)) {
			b.Fatalf("%d rows written, want %d", rows, len(evs))
		}
	}
}

package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/auditlake/auditlake/pipeline/internal/trailgen"
)

// BenchmarkIngest ingests one generated ~32 MB (uncompressed) trail log
// file, gzip-compressed, into a fresh local lake per iteration: listing,
// hashing, gunzip, reading, normalizing, Parquet encoding and the manifest.
// MB/s is of uncompressed JSON.
func BenchmarkIngest(b *testing.B) {
	dir := b.TempDir()
	src := filepath.Join(dir, "in", "AWSLogs", trailgen.Account, "CloudTrail", trailgen.Region, "2026", "07", "01",
		trailgen.Account+"_CloudTrail_"+trailgen.Region+"_20260701T0000Z_BenchBenchBench1.json.gz")
	if err := os.MkdirAll(filepath.Dir(src), 0o755); err != nil {
		b.Fatal(err)
	}
	raw, records, err := trailgen.WriteGzip(src, 1, 32<<20)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.SetBytes(raw)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		b.StopTimer()
		lakeDir := filepath.Join(dir, "lake"+strconv.Itoa(i))
		i++
		b.StartTimer()
		sum, err := Ingest(ctx, Options{Inputs: []string{src}, Lake: lakeDir})
		if err != nil {
			b.Fatal(err)
		}
		if sum.Read != int64(records) || sum.Written != int64(records) {
			b.Fatalf("read %d, wrote %d, want %d", sum.Read, sum.Written, records)
		}
		b.StopTimer()
		if err := os.RemoveAll(lakeDir); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

package lambda_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/auditlake/auditlake/pipeline/testsupport/lambdatest"
	"github.com/auditlake/auditlake/pipeline/testsupport/s3test"
)

// benchLake starts the S3 server with a trail bucket holding the files
// below dir, and an empty lake bucket; it returns the trail's keys.
func benchLake(b *testing.B, dir string) (*s3test.Server, []string) {
	b.Helper()
	srv := s3test.Start(b)
	srv.Env(b)
	srv.CreateBucket(b, "trail-bucket")
	srv.CreateBucket(b, "lake-bucket")
	return srv, uploadTree(b, srv.Client(b), "trail-bucket", dir)
}

// genTrail writes a generated trail (trailgen's flags) into a new folder.
func genTrail(b *testing.B, args ...string) string {
	b.Helper()
	dir := b.TempDir()
	gen := exec.Command("go", append([]string{"run", "./pipeline/internal/trailgen/cmd/trailgen", "-out", dir}, args...)...)
	gen.Dir = ".."
	if out, err := gen.CombinedOutput(); err != nil {
		b.Fatalf("trailgen: %v\n%s", err, out)
	}
	return dir
}

// ingestBatches sends notifications for keys in SQS batches of 10 to the
// function and checks that every message succeeded.
func ingestBatches(b *testing.B, rt *lambdatest.Server, keys []string, timeout time.Duration) {
	b.Helper()
	for j := 0; j < len(keys); j += 10 {
		var bodies []string
		for _, k := range keys[j:min(j+10, len(keys))] {
			bodies = append(bodies, notification("trail-bucket", k))
		}
		if got := failures(b, rt.Invoke(b, batch(bodies...), timeout)); len(got) != 0 {
			b.Fatalf("batch %d: batchItemFailures %v", j/10, got)
		}
	}
}

// BenchmarkIngestColdStart starts a fresh ingest function process for
// every iteration (a cold start) and times it from the process start to
// the answer for a batch of one trail object of 8 records: init-ms is the
// runtime's start until it polls for the first event, ns/op the whole
// cold invocation, which bounds "cold start to first record" from above.
//
//	go test -run '^$' -bench ColdStart -benchtime 20x ./lambda
func BenchmarkIngestColdStart(b *testing.B) {
	key := "AWSLogs/111122223333/CloudTrail/us-east-1/2026/07/01/111122223333_CloudTrail_us-east-1_20260701T0915Z_0cde5ba82f4ad472.json.gz"
	dir := b.TempDir()
	body, err := os.ReadFile(filepath.Join(scenarioLogs, "trail-bucket", key))
	if err != nil {
		b.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, filepath.Dir(key)), 0o755)
	os.WriteFile(filepath.Join(dir, key), body, 0o644)
	srv, _ := benchLake(b, dir)
	bin := bootstrap(b, "ingest")
	rt := lambdatest.Start(b)
	var init time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		prefix := fmt.Sprintf("run%d/", i) // a fresh lake each time: nothing is ingested yet
		p := rt.Run(b, bin, "AUDITLAKE_LAKE=s3://lake-bucket/"+prefix)
		res := rt.Invoke(b, batch(notification("trail-bucket", key)), time.Minute)
		b.StopTimer()
		if got := failures(b, res); len(got) != 0 {
			b.Fatalf("batchItemFailures %v", got)
		}
		if read, written, _ := batchCounts(b, p); read != 8 || written != 8 {
			b.Fatalf("cold invocation read %d records and wrote %d, want 8 and 8", read, written)
		}
		if n := pending(b, srv.Client(b), "lake-bucket", prefix); n != 1 {
			b.Fatalf("%d commit requests, want 1", n)
		}
		init += p.FirstPoll
		p.Stop()
		b.StartTimer()
	}
	b.ReportMetric(float64(init.Microseconds())/1000/float64(b.N), "init-ms")
}

// BenchmarkIngestFunctionTrail feeds one warm ingest function process a
// realistic trail, 40 objects × 2,000 events from 200 Studio profiles over
// 50 tables (trailgen), in SQS batches of 10 notifications, as the
// deployment would, and reports the process's CPU seconds and wall time
// per million events: the figures the cost estimate in README.md uses.
//
//	go test -run '^$' -bench IngestFunctionTrail -benchtime 1x ./lambda
func BenchmarkIngestFunctionTrail(b *testing.B) {
	const objects, records = 40, 2000
	srv, keys := benchLake(b, genTrail(b, "-files", fmt.Sprint(objects), "-records", fmt.Sprint(records),
		"-mb", "1000", "-profiles", "200", "-tables", "50", "-days", "1"))
	bin := bootstrap(b, "ingest")
	rt := lambdatest.Start(b)
	var cpu, wall time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		prefix := fmt.Sprintf("run%d/", i)
		p := rt.Run(b, bin, "AUDITLAKE_LAKE=s3://lake-bucket/"+prefix)
		start := time.Now()
		ingestBatches(b, rt, keys, 5*time.Minute)
		wall += time.Since(start)
		p.Stop()
		cpu += p.CPU()
		if n := pending(b, srv.Client(b), "lake-bucket", prefix); n != objects {
			b.Fatalf("%d commit requests, want one per object (%d)", n, objects)
		}
	}
	events := float64(b.N * objects * records)
	b.ReportMetric(cpu.Seconds()/events*1e6, "cpu-s/Mevents")
	b.ReportMetric(wall.Seconds()/events*1e6, "wall-s/Mevents")
}

// BenchmarkIngestFunctionLargeObject gives a fresh ingest function process
// one 1 GB (uncompressed) trail object and reports its peak RSS: the
// function must fit in 512 MB.
//
//	go test -run '^$' -bench IngestFunctionLargeObject -benchtime 1x ./lambda
func BenchmarkIngestFunctionLargeObject(b *testing.B) {
	dir := genTrail(b, "-files", "1", "-mb", "1024", "-profiles", "200", "-tables", "50")
	srv, keys := benchLake(b, dir)
	bin := bootstrap(b, "ingest")
	rt := lambdatest.Start(b)
	var rss int64
	var wall time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		prefix := fmt.Sprintf("run%d/", i)
		p := rt.Run(b, bin, "AUDITLAKE_LAKE=s3://lake-bucket/"+prefix)
		start := time.Now()
		ingestBatches(b, rt, keys, 10*time.Minute)
		wall += time.Since(start)
		read, written, quarantined := batchCounts(b, p)
		p.Stop()
		rss = max(rss, p.MaxRSS())
		if read < 500000 || written+quarantined > read || pending(b, srv.Client(b), "lake-bucket", prefix) != 1 {
			b.Fatalf("read %d records, wrote %d, quarantined %d; want the whole object in one commit request", read, written, quarantined)
		}
	}
	b.ReportMetric(float64(rss)/(1<<20), "peak-rss-MB")
	b.ReportMetric(wall.Seconds()/float64(b.N), "wall-s")
}

package lambda_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/auditlake/auditlake/pipeline/testsupport/lambdatest"
	"github.com/auditlake/auditlake/pipeline/testsupport/s3test"
)

// BenchmarkIngestColdStart starts a fresh ingest function process for
// every iteration (a cold start) and times it from the process start to
// the answer for a batch of one trail object of 8 records: init-ms is the
// runtime's start until it polls for the first event, ns/op the whole
// cold invocation, which bounds "cold start to first record" from above.
//
//	go test -run '^$' -bench ColdStart -benchtime 20x ./lambda
func BenchmarkIngestColdStart(b *testing.B) {
	srv := s3test.Start(b)
	srv.Env(b)
	client := srv.Client(b)
	srv.CreateBucket(b, "trail-bucket")
	srv.CreateBucket(b, "lake-bucket")
	key := "AWSLogs/111122223333/CloudTrail/us-east-1/2026/07/01/111122223333_CloudTrail_us-east-1_20260701T0915Z_0cde5ba82f4ad472.json.gz"
	bin := bootstrap(b, "ingest")
	rt := lambdatest.Start(b)
	var init time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		lakeLoc := "s3://lake-bucket/run" + time.Now().Format("150405.000000") + "/"
		body, err := os.ReadFile(filepath.Join(scenarioLogs, "trail-bucket", key))
		if err != nil {
			b.Fatal(err)
		}
		if err := put(client, "trail-bucket", key, body); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		p := rt.Run(b, bin, "AUDITLAKE_LAKE="+lakeLoc)
		res := rt.Invoke(b, batch(notification("trail-bucket", key)), time.Minute)
		b.StopTimer()
		if res.Error != nil {
			b.Fatal(res.Error.Message)
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
	dir := b.TempDir()
	gen := exec.Command("go", "run", "./pipeline/internal/trailgen/cmd/trailgen", "-out", dir, "-files", fmt.Sprint(objects),
		"-records", fmt.Sprint(records), "-mb", "1000", "-profiles", "200", "-tables", "50", "-days", "1")
	gen.Dir = ".."
	if out, err := gen.CombinedOutput(); err != nil {
		b.Fatalf("trailgen: %v\n%s", err, out)
	}
	srv := s3test.Start(b)
	srv.Env(b)
	client := srv.Client(b)
	srv.CreateBucket(b, "trail-bucket")
	srv.CreateBucket(b, "lake-bucket")
	var keys []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			keys = append(keys, filepath.ToSlash(rel))
			body, _ := os.ReadFile(p)
			if err := put(client, "trail-bucket", filepath.ToSlash(rel), body); err != nil {
				b.Fatal(err)
			}
		}
		return nil
	})
	bin := bootstrap(b, "ingest")
	rt := lambdatest.Start(b)
	var cpu, wall time.Duration
	for i := 0; i < b.N; i++ {
		p := rt.Run(b, bin, fmt.Sprintf("AUDITLAKE_LAKE=s3://lake-bucket/run%d/", i))
		start := time.Now()
		for j := 0; j < len(keys); j += 10 {
			var bodies []string
			for _, k := range keys[j:min(j+10, len(keys))] {
				bodies = append(bodies, notification("trail-bucket", k))
			}
			res := rt.Invoke(b, batch(bodies...), 5*time.Minute)
			if res.Error != nil || strings.Contains(string(res.Payload), "itemIdentifier") {
				b.Fatalf("batch %d: %s %v", j/10, res.Payload, res.Error)
			}
		}
		wall += time.Since(start)
		p.Stop()
		cpu += p.CPU()
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
	dir := b.TempDir()
	obj := filepath.Join(dir, "AWSLogs/111122223333/CloudTrail/us-east-1/2026/07/01/111122223333_CloudTrail_us-east-1_20260701T0000Z_big.json.gz")
	os.MkdirAll(filepath.Dir(obj), 0o755)
	gen := exec.Command("go", "run", "./pipeline/internal/trailgen/cmd/trailgen", "-out", obj, "-mb", "1024", "-profiles", "200", "-tables", "50")
	gen.Dir = ".."
	if out, err := gen.CombinedOutput(); err != nil {
		b.Fatalf("trailgen: %v\n%s", err, out)
	}
	srv := s3test.Start(b)
	srv.Env(b)
	client := srv.Client(b)
	srv.CreateBucket(b, "trail-bucket")
	srv.CreateBucket(b, "lake-bucket")
	key, _ := filepath.Rel(dir, obj)
	f, err := os.Open(obj)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if _, err := client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("trail-bucket"), Key: aws.String(key), Body: f}); err != nil {
		b.Fatal(err)
	}
	bin := bootstrap(b, "ingest")
	rt := lambdatest.Start(b)
	var rss int64
	var wall time.Duration
	for i := 0; i < b.N; i++ {
		p := rt.Run(b, bin, fmt.Sprintf("AUDITLAKE_LAKE=s3://lake-bucket/run%d/", i))
		start := time.Now()
		res := rt.Invoke(b, batch(notification("trail-bucket", key)), 10*time.Minute)
		if res.Error != nil || strings.Contains(string(res.Payload), "itemIdentifier") {
			b.Fatalf("%s %v", res.Payload, res.Error)
		}
		wall += time.Since(start)
		p.Stop()
		rss = max(rss, p.MaxRSS())
	}
	b.ReportMetric(float64(rss)/(1<<20), "peak-rss-MB")
	b.ReportMetric(wall.Seconds()/float64(b.N), "wall-s")
}

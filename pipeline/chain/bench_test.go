package chain_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/auditlake/auditlake/pipeline"
	"github.com/auditlake/auditlake/pipeline/chain"
	"github.com/auditlake/auditlake/pipeline/internal/trailgen"
	"github.com/auditlake/auditlake/pipeline/policy"
	"github.com/auditlake/auditlake/pipeline/report"
	"github.com/auditlake/auditlake/pipeline/warehouse"
)

// The benchmarks run over a generated lake of the shape month.sh measures
// at 10 M events (BENCHMARKS.md), scaled to benchFiles objects of 2,000
// events: 200 profiles, 50 tables with a Glue catalog, ten days, built
// once; then one more hour of events (the hourly rate of a 10 M month) is
// ingested, so that a build over it is the incremental one.
const benchFiles = 100

var (
	benchOnce sync.Once
	benchLake string
	benchCat  string
	benchErr  error
)

func benchSetup(b *testing.B) (lake, catalog string) {
	b.Helper()
	benchOnce.Do(func() {
		ctx := context.Background()
		dir, err := os.MkdirTemp("", "auditlake-chain-bench-")
		if err != nil {
			benchErr = err
			return
		}
		benchLake, benchCat = filepath.Join(dir, "lake"), filepath.Join(dir, "catalog.json")
		trailgen.Cast(200, 50, 10)
		trailgen.MaxRecords = 2000
		f, err := os.Create(benchCat)
		if err == nil {
			err = trailgen.WriteCatalog(f)
			f.Close()
		}
		if err != nil {
			benchErr = err
			return
		}
		write := func(sub string, start time.Time, span time.Duration, n int, seed int64) error {
			trailgen.Span = span / time.Duration(n)
			for i := 0; i < n; i++ {
				trailgen.Start = start.Add(time.Duration(i) * trailgen.Span)
				if _, _, err := trailgen.WriteGzip(filepath.Join(dir, sub, fmt.Sprintf("t%04d.json.gz", i)), seed+int64(i), 1<<30); err != nil {
					return err
				}
			}
			return nil
		}
		ingest := func(sub string) error {
			w, err := warehouse.Open(ctx, benchLake)
			if err != nil {
				return err
			}
			_, err = pipeline.Ingest(ctx, pipeline.Options{Inputs: []string{filepath.Join(dir, sub)}, Lake: benchLake, Committer: w})
			return err
		}
		os.MkdirAll(filepath.Join(dir, "trail"), 0o755)
		os.MkdirAll(filepath.Join(dir, "hour"), 0o755)
		start := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
		if benchErr = write("trail", start, 10*24*time.Hour, benchFiles, 1); benchErr != nil {
			return
		}
		if benchErr = ingest("trail"); benchErr != nil {
			return
		}
		if _, _, benchErr = build(ctx, benchLake, chain.Options{Catalog: []string{benchCat}}); benchErr != nil {
			return
		}
		if benchErr = write("hour", start.Add(10*24*time.Hour-time.Hour), time.Hour, 7, 900001); benchErr != nil {
			return
		}
		benchErr = ingest("hour")
		trailgen.Span = 0
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchLake, benchCat
}

// BenchmarkBuildFull builds every day (in memory: the lake stays as set up).
func BenchmarkBuildFull(b *testing.B) {
	lake, cat := benchSetup(b)
	b.ResetTimer()
	for range b.N {
		if _, _, err := build(context.Background(), lake, chain.Options{Mode: chain.InMemory, Full: true, Catalog: []string{cat}}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuildOneHour builds what one new hour of events changed.
func BenchmarkBuildOneHour(b *testing.B) {
	lake, cat := benchSetup(b)
	b.ResetTimer()
	for range b.N {
		if _, _, err := build(context.Background(), lake, chain.Options{Mode: chain.InMemory, Catalog: []string{cat}}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQuestions opens the report over the built lake (building
// nothing) and asks who, profile and trace, as the CLI does per command.
func BenchmarkQuestions(b *testing.B) {
	lake, cat := benchSetup(b)
	ctx := context.Background()
	if _, _, err := build(ctx, lake, chain.Options{Catalog: []string{cat}}); err != nil { // commit the hour
		b.Fatal(err)
	}
	open := func(b *testing.B) *report.Report {
		r, err := report.Open(ctx, report.Options{Lake: lake, Catalog: []string{cat}})
		if err != nil {
			b.Fatal(err)
		}
		return r
	}
	r := open(b)
	rows, err := r.Query(ctx, "SELECT query_id FROM column_access WHERE database_name = 'sales' AND table_name = 'customers' AND query_id IS NOT NULL ORDER BY ALL LIMIT 1")
	r.Close()
	if err != nil || len(rows.Values) != 1 {
		b.Fatalf("no query of sales.customers: %v", err)
	}
	query := rows.Values[0][0].(string)
	for _, q := range []struct {
		name string
		ask  func(r *report.Report) (*report.Rows, error)
	}{
		{"sql", func(r *report.Report) (*report.Rows, error) { return r.SQL(ctx, "SELECT 1") }},
		{"who", func(r *report.Report) (*report.Rows, error) {
			return r.Who(ctx, report.WhoFilter{Table: "sales.customers", Column: "email"})
		}},
		{"profile", func(r *report.Report) (*report.Rows, error) {
			return r.Profile(ctx, "user-042", time.Time{}, time.Time{})
		}},
		{"trace", func(r *report.Report) (*report.Rows, error) { return r.Trace(ctx, query) }},
	} {
		b.Run(q.name, func(b *testing.B) {
			for range b.N {
				r := open(b)
				if rows, err := q.ask(r); err != nil || len(rows.Values) == 0 {
					b.Fatalf("%s: %v", q.name, err)
				}
				r.Close()
			}
		})
	}
}

// benchPolicy is the policy BenchmarkFindings loads: month.sh's without
// the allow-lists (whose findings, 46% of the accesses there, would make
// this measure sorting findings rather than detecting them).
const benchPolicy = `sensitive:
  sales.customers: [email, first_name, last_name]
  hr.employees: [salary, ssn_last4]
data_buckets:
  - bucket: acme-datalake-restricted
    vpc_endpoints: [vpce-0a1b2c3d4e5f60001]
sagemaker:
  require_vpc: true
  require_kms: true
  approved_instance_types: [ml.m5.xlarge, ml.m5.4xlarge]
require_source_identity: true
`

// BenchmarkFindings evaluates every detection over the built lake (the
// findings view, as violations does), and the alert's query (the findings
// with the requests their evidence records).
func BenchmarkFindings(b *testing.B) {
	lake, cat := benchSetup(b)
	ctx := context.Background()
	if _, _, err := build(ctx, lake, chain.Options{Catalog: []string{cat}}); err != nil { // commit the hour
		b.Fatal(err)
	}
	p, err := policy.Parse([]byte(benchPolicy), "bench.yaml")
	if err != nil {
		b.Fatal(err)
	}
	r, err := report.Open(ctx, report.Options{Lake: lake, Catalog: []string{cat}})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	if err := r.LoadPolicy(ctx, p); err != nil {
		b.Fatal(err)
	}
	for _, q := range []struct{ name, sql string }{{"findings", report.FindingsQuery}, {"alert", report.AlertQuery}} {
		b.Run(q.name, func(b *testing.B) {
			n := 0
			for range b.N {
				rows, err := r.Query(ctx, q.sql)
				if err != nil {
					b.Fatal(err)
				}
				n = len(rows.Values)
			}
			b.ReportMetric(float64(n), "findings")
		})
	}
}

package lineage

import (
	"context"
	"sync/atomic"
	"testing"
)

// benchMix is the mix of the lineage test queries plus the scenario's:
// joins, CTEs, windows, subqueries, CTAS, failures, non-SQL.
func benchMix(tb testing.TB) []lineageCase {
	mix := append([]lineageCase(nil), lineageCases...)
	for _, q := range loadScenarioQueries(tb) {
		mix = append(mix, lineageCase{sql: q.SQL, db: q.Database, catalog: q.Catalog})
	}
	return mix
}

func runMix(b *testing.B, x *Extractor, mix []lineageCase) {
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tc := mix[i%len(mix)]
		x.Extract(ctx, tc.sql, tc.db, tc.catalog)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
}

// BenchmarkExtract is the mix through Extract as a report would run it over
// a query history, where query shapes repeat: after the first round every
// call is answered from the shape cache.
func BenchmarkExtract(b *testing.B) {
	x := newTestExtractor(b)
	runMix(b, x, benchMix(b))
}

// BenchmarkExtractUncached parses and binds every query (cache off), one
// caller.
func BenchmarkExtractUncached(b *testing.B) {
	x := newTestExtractor(b)
	x.noCache = true
	runMix(b, x, benchMix(b))
}

// BenchmarkExtractUncachedParallel parses and binds every query (cache off)
// from one caller per core, on the extractor's connection pool.
func BenchmarkExtractUncachedParallel(b *testing.B) {
	x := newTestExtractor(b)
	x.noCache = true
	mix := benchMix(b)
	ctx := context.Background()
	var next atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			tc := mix[int(next.Add(1))%len(mix)]
			x.Extract(ctx, tc.sql, tc.db, tc.catalog)
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
}

// BenchmarkExtractAllUncached is one caller handing the whole mix to
// ExtractAll (cache off), which spreads it over the connection pool.
func BenchmarkExtractAllUncached(b *testing.B) {
	x := newTestExtractor(b)
	x.noCache = true
	mix := benchMix(b)
	qs := make([]Query, b.N)
	for i := range qs {
		tc := mix[i%len(mix)]
		qs[i] = Query{SQL: tc.sql, Database: tc.db, Catalog: tc.catalog}
	}
	b.ResetTimer()
	x.ExtractAll(context.Background(), qs)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
}

// BenchmarkExtractRelaxed is the queries of shapes_test.go's type and
// reserved-name cases, most of which bind only after bind.go's rewrites
// (string-typed Glue columns, DuckDB's reserved names; two bind as they
// are), parsed and bound each time (cache off), one caller: the price of
// the extra binds.
func BenchmarkExtractRelaxed(b *testing.B) {
	x := newShapeExtractor(b)
	runMix(b, x, append(append([]lineageCase(nil), typeCases...), reservedCases...))
}

package lakedb

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/auditlake/auditlake/pipeline/internal/trailgen"
)

// BenchmarkDuckDBBaseline is the yardstick of ARCHITECTURE.md §9: DuckDB's
// own read_json of a CloudTrail log file written to zstd Parquet with COPY,
// on the same machine and the same bytes as pipeline's BenchmarkIngest
// (trailgen seed 1, ~32 MB uncompressed). MB/s is of uncompressed JSON.
//
//	envelope-unnest  the trail file as delivered ({"Records":[…]}), records
//	                 unnested into inferred columns (nested structs)
//	envelope-json    the same file, each record kept as one JSON value
//	ndjson           the same records one per line (not how CloudTrail
//	                 delivers them), inferred columns
//	ndjson-objects   the NDJSON records, each kept as one JSON value
//
// To time a bigger file, set AUDITLAKE_BENCH_TRAIL (a .json.gz trail file)
// and/or AUDITLAKE_BENCH_NDJSON (a .json.gz NDJSON file) and
// AUDITLAKE_BENCH_RAW_BYTES (their uncompressed size, for MB/s); the
// variants whose file is not given are skipped.
func BenchmarkDuckDBBaseline(b *testing.B) {
	dir := b.TempDir()
	trail, nd := os.Getenv("AUDITLAKE_BENCH_TRAIL"), os.Getenv("AUDITLAKE_BENCH_NDJSON")
	var raw int64
	if trail != "" || nd != "" {
		var err error
		if raw, err = strconv.ParseInt(os.Getenv("AUDITLAKE_BENCH_RAW_BYTES"), 10, 64); err != nil {
			b.Fatal("AUDITLAKE_BENCH_RAW_BYTES: ", err)
		}
	} else {
		trail, nd = filepath.Join(dir, "trail.json.gz"), filepath.Join(dir, "trail.ndjson.gz")
		var err error
		if raw, _, err = trailgen.WriteGzip(trail, 1, 32<<20); err != nil {
			b.Fatal(err)
		}
		if _, _, err = trailgen.WriteGzipNDJSON(nd, 1, 32<<20); err != nil {
			b.Fatal(err)
		}
	}
	// read_json holds one whole top-level JSON value in memory: the
	// envelope needs a maximum_object_size above the uncompressed size.
	maxObj := strconv.FormatInt(raw+raw/8+(1<<20), 10)
	variants := []struct{ name, file, query string }{
		{"envelope-unnest", trail, "SELECT unnest(Records, max_depth := 2) FROM read_json(%s, maximum_object_size := " + maxObj + ")"},
		{"envelope-json", trail, "SELECT unnest(Records) AS record FROM read_json(%s, columns := {Records: 'JSON[]'}, maximum_object_size := " + maxObj + ")"},
		{"ndjson", nd, "SELECT * FROM read_json(%s, format := 'newline_delimited')"},
		{"ndjson-objects", nd, "SELECT json AS record FROM read_ndjson_objects(%s)"},
	}
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			if v.file == "" {
				b.Skip("no input file")
			}
			db, err := sql.Open("duckdb", "")
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			db.SetMaxOpenConns(1)
			ctx := context.Background()
			if s := os.Getenv("AUDITLAKE_BENCH_DUCKDB_THREADS"); s != "" {
				if _, err := db.ExecContext(ctx, "SET threads = "+s); err != nil {
					b.Fatal(err)
				}
			}
			out := filepath.Join(dir, v.name+".parquet")
			q := "COPY (" + strings.Replace(v.query, "%s", QuoteLiteral(v.file), 1) + ") TO " + QuoteLiteral(out) + " (FORMAT parquet, COMPRESSION zstd)"
			b.SetBytes(raw)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := db.ExecContext(ctx, q); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if st, err := os.Stat(out); err == nil {
				b.ReportMetric(float64(st.Size())/(1<<20), "parquet-MB")
			}
			var rows int64
			if err := db.QueryRowContext(ctx, "SELECT count(*) FROM read_parquet("+QuoteLiteral(out)+")").Scan(&rows); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(rows), "rows")
			os.Remove(out)
		})
	}
}

// Command duckcopy is the DuckDB baseline of ARCHITECTURE.md §9 for whole
// runs: DuckDB's own read_json of CloudTrail files (a glob), records
// unnested into columns, written to one zstd Parquet file with COPY.
//
//	duckcopy -in '/tmp/rt/trail/**/*.json.gz' -out /tmp/rt/duck.parquet
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
)

func main() {
	in := flag.String("in", "", "glob of CloudTrail .json.gz files")
	out := flag.String("out", "", "Parquet file to write")
	maxObj := flag.Int64("max-object", 1<<30, "read_json maximum_object_size (a trail file is one JSON value)")
	flag.Parse()
	if *in == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: duckcopy -in GLOB -out FILE.parquet [-max-object BYTES]")
		os.Exit(2)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		fail(err)
	}
	defer db.Close()
	q := fmt.Sprintf("COPY (SELECT unnest(Records, max_depth := 2) FROM read_json(%s, maximum_object_size := %d, union_by_name := true)) TO %s (FORMAT parquet, COMPRESSION zstd)",
		lit(*in), *maxObj, lit(*out))
	start := time.Now()
	if _, err := db.ExecContext(context.Background(), q); err != nil {
		fail(err)
	}
	var rows int64
	if err := db.QueryRow("SELECT count(*) FROM read_parquet(" + lit(*out) + ")").Scan(&rows); err != nil {
		fail(err)
	}
	fmt.Fprintf(os.Stderr, "duckcopy: %d rows in %s\n", rows, time.Since(start).Round(time.Millisecond))
}

func lit(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func fail(err error) {
	fmt.Fprintln(os.Stderr, "duckcopy:", err)
	os.Exit(1)
}

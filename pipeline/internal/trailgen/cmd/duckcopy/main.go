// Command duckcopy is the DuckDB baseline of ARCHITECTURE.md §9 for whole
// runs: DuckDB's own read_json of CloudTrail files (a glob), records
// unnested into columns, written to one zstd Parquet file with COPY.
//
//	duckcopy -in '/tmp/rt/trail/**/*.json.gz' -out /tmp/rt/duck.parquet
//
// With -query it is the baseline of the report's questions instead: the
// SQL, in which {records} stands for the unnested records of the files,
// runs over the raw files and the number of rows is printed.
//
//	duckcopy -in '/tmp/m/trail/**/*.json.gz' -query "SELECT … FROM {records} WHERE …"
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
	maxObj := flag.Int64("max-object", 16<<20, "read_json maximum_object_size: a trail file is one JSON value (16 MiB, DuckDB's default, holds a realistic trail object; a 1 GB object needs 1<<30)")
	query := flag.String("query", "", "SQL over {records} to run instead of the copy")
	flag.Parse()
	if *in == "" || (*out == "") == (*query == "") {
		fmt.Fprintln(os.Stderr, "usage: duckcopy -in GLOB (-out FILE.parquet | -query SQL) [-max-object BYTES]")
		os.Exit(2)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		fail(err)
	}
	defer db.Close()
	records := fmt.Sprintf("(SELECT unnest(Records, max_depth := 2) FROM read_json(%s, maximum_object_size := %d, union_by_name := true))", lit(*in), *maxObj)
	start := time.Now()
	if *query != "" {
		var rows int64
		if err := db.QueryRow("SELECT count(*) FROM (" + strings.ReplaceAll(*query, "{records}", records) + ")").Scan(&rows); err != nil {
			fail(err)
		}
		fmt.Fprintf(os.Stderr, "duckcopy: query: %d rows in %s\n", rows, time.Since(start).Round(time.Millisecond))
		return
	}
	q := fmt.Sprintf("COPY %s TO %s (FORMAT parquet, COMPRESSION zstd)", records, lit(*out))
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

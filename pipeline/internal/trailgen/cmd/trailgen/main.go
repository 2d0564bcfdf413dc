// Command trailgen writes synthetic CloudTrail log files (.json.gz) for
// benchmarks and load tests.
//
//	trailgen -out FILE.json.gz -mb 1024 -seed 1           one object of about 1 GB uncompressed
//	trailgen -out DIR -files 8 -mb 128 -seed 1            8 objects under DIR/AWSLogs/…/CloudTrail/…
//	trailgen -out FILE.ndjson.gz -mb 1024 -seed 1 -ndjson the same records as NDJSON
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/auditlake/auditlake/pipeline/internal/trailgen"
)

func main() {
	out := flag.String("out", "", "output file, or with -files the folder to write into")
	mb := flag.Int64("mb", 64, "uncompressed size of each file in MiB")
	seed := flag.Int64("seed", 1, "random seed (file i uses seed+i)")
	files := flag.Int("files", 0, "write this many files named like trail keys into -out")
	ndjson := flag.Bool("ndjson", false, "write NDJSON (one record a line) instead of {\"Records\":[…]}")
	records := flag.Int("records", 0, "end each file after this many records (0: by -mb only)")
	nProfiles := flag.Int("profiles", 6, "Studio user profiles (at least 6)")
	nTables := flag.Int("tables", 8, "tables (at least 8)")
	nDays := flag.Int("days", 2, "days the event times spread over, from -start")
	start := flag.String("start", "2026-07-01", "first day of the event times")
	catalogOut := flag.String("catalog", "", "also write the tables as aws glue get-tables JSON to this file")
	total := flag.Duration("span", 0, "with -spread: the files cover this long from -start (default: -days)")
	spread := flag.Bool("spread", false, "with -files: file i covers the i-th slice of the days, as trail objects follow each other (else every file spans all days)")
	flag.Parse()
	trailgen.Cast(*nProfiles, *nTables, *nDays)
	if t, err := time.Parse("2006-01-02", *start); err == nil {
		trailgen.Start = t
	} else if t, err := time.Parse(time.RFC3339, *start); err == nil {
		trailgen.Start = t.UTC()
	} else {
		fail(err)
	}
	if *catalogOut != "" {
		f, err := os.Create(*catalogOut)
		if err != nil {
			fail(err)
		}
		if err := trailgen.WriteCatalog(f); err != nil {
			fail(err)
		}
		if err := f.Close(); err != nil {
			fail(err)
		}
	}
	trailgen.MaxRecords = *records
	if *out == "" || *mb <= 0 {
		fmt.Fprintln(os.Stderr, "usage: trailgen -out FILE.json.gz|DIR [-mb N] [-records N] [-seed N] [-files N] [-profiles N] [-tables N] [-days N] [-ndjson]")
		os.Exit(2)
	}
	write := trailgen.WriteGzip
	if *ndjson {
		write = trailgen.WriteGzipNDJSON
	}
	began := time.Now()
	var raw int64
	var recs int
	paths := []string{*out}
	if *files > 0 {
		paths = paths[:0]
		rnd := rand.New(rand.NewPCG(uint64(*seed), 1))
		const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
		dir := filepath.Join(*out, "AWSLogs", trailgen.Account, "CloudTrail", trailgen.Region, "2026", "07", "01")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			fail(err)
		}
		for i := 0; i < *files; i++ {
			uniq := make([]byte, 16)
			for k := range uniq {
				uniq[k] = alnum[rnd.IntN(len(alnum))]
			}
			at := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * 5 * time.Minute)
			name := fmt.Sprintf("%s_CloudTrail_%s_%s_%s.json.gz", trailgen.Account, trailgen.Region, at.Format("20060102T1504Z"), uniq)
			paths = append(paths, filepath.Join(dir, name))
		}
	}
	first := trailgen.Start
	for i, p := range paths {
		if *spread && *files > 0 {
			all := time.Duration(*nDays) * 24 * time.Hour
			if *total > 0 {
				all = *total
			}
			trailgen.Span = all / time.Duration(*files)
			trailgen.Start = first.Add(time.Duration(i) * trailgen.Span)
		}
		r, n, err := write(p, *seed+int64(i), *mb<<20)
		if err != nil {
			fail(err)
		}
		raw += r
		recs += n
	}
	fmt.Fprintf(os.Stderr, "trailgen: %d file(s), %d records, %d bytes uncompressed, %s\n", len(paths), recs, raw, time.Since(began).Round(time.Millisecond))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "trailgen:", err)
	os.Exit(1)
}

// Command report answers questions over an auditlake lake: who accessed
// which tables and columns, through which engine, traced back to the
// SageMaker Studio user profile. See `report -h`.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/pprof"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	// AUDITLAKE_CPUPROFILE=FILE writes a CPU profile of the run (for BENCHMARKS.md).
	if p := os.Getenv("AUDITLAKE_CPUPROFILE"); p != "" {
		if f, err := os.Create(p); err == nil && pprof.StartCPUProfile(f) == nil {
			code := Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
			pprof.StopCPUProfile()
			f.Close()
			os.Exit(code)
		}
	}
	os.Exit(Main(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

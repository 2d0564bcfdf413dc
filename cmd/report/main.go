// Command report answers questions over an auditlake lake: who accessed
// which tables and columns, through which engine, traced back to the
// SageMaker Studio user profile. See `report -h`.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/auditlake/auditlake/pipeline/report"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(report.Main(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

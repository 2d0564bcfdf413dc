package report

import (
	"context"

	"github.com/auditlake/auditlake/pipeline/warehouse"
)

// mustWarehouse is the committer for a test lake, as the ingest CLI uses.
func mustWarehouse(loc string) *warehouse.Warehouse {
	w, err := warehouse.Open(context.Background(), loc)
	if err != nil {
		panic(err)
	}
	return w
}

// Package scenario gives tests the bundled scenario (testdata/scenario)
// ingested into a lake through the real ingest path, once per test binary.
package scenario

import (
	"context"
	"os"
	"sync"
	"testing"

	"github.com/auditlake/auditlake/pipeline"
	"github.com/auditlake/auditlake/pipeline/warehouse"
)

// Dir is the scenario folder as seen from a package two folders below the
// repository root (pipeline/report, cmd/report).
const Dir = "../../testdata/scenario"

var (
	once    sync.Once
	lakeDir string
	lakeErr error
)

// Lake returns the lake of the scenario's logs, ingested on first use.
func Lake(t testing.TB) string {
	t.Helper()
	once.Do(func() {
		if lakeDir, lakeErr = os.MkdirTemp("", "auditlake-scenario-"); lakeErr != nil {
			return
		}
		_, lakeErr = pipeline.Ingest(context.Background(), pipeline.Options{Inputs: []string{Dir + "/logs"}, Lake: lakeDir, Committer: Warehouse(lakeDir)})
	})
	if lakeErr != nil {
		t.Fatal(lakeErr)
	}
	return lakeDir
}

// Cleanup removes the lake; call it from TestMain after the tests ran.
func Cleanup() {
	if lakeDir != "" {
		os.RemoveAll(lakeDir)
	}
}

// Warehouse is the committer for a test lake, as the ingest CLI uses.
func Warehouse(loc string) *warehouse.Warehouse {
	w, err := warehouse.Open(context.Background(), loc)
	if err != nil {
		panic(err)
	}
	return w
}

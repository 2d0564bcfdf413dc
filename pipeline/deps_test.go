package pipeline

import (
	"os/exec"
	"strings"
	"testing"
)

// The ingest side (this package and what it imports, which the ingest
// Lambda links) stays CGO-free and small: no DuckDB, no Iceberg library
// (it writes data files and commit requests; package warehouse commits).
// Measured: a binary of this package alone is 18.6 MB stripped, the ingest
// CLI with warehouse 81.6 MB (BENCHMARKS.md).
func TestIngestSideLinksNeitherIcebergNorDuckDB(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"github.com/apache/iceberg-go", "github.com/duckdb/", "github.com/auditlake/auditlake/pipeline/warehouse"} {
			if strings.HasPrefix(dep, banned) {
				t.Errorf("package pipeline imports %s", dep)
			}
		}
	}
}

package report

import (
	"os/exec"
	"strings"
	"testing"
)

// The report library answers from the lake; it does not ingest: neither it
// nor what it imports links the ingest package (cmd/report does, for demo).
func TestReportDoesNotImportTheIngestPackage(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "github.com/auditlake/auditlake/pipeline" {
			t.Errorf("package report imports the ingest package %s", dep)
		}
	}
}

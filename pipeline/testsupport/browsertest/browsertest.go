// Package browsertest gives tests headless Chromium (package browser), or
// skips them with the reason when it is not installed, unless
// AUDITLAKE_REQUIRE_ALL=1 (CI sets it, and installs the Debian package
// chromium), where its absence fails them.
package browsertest

import (
	"context"
	"os"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"

	"github.com/auditlake/auditlake/pipeline/browser"
)

// Need skips (or, with AUDITLAKE_REQUIRE_ALL=1, fails) the test when no
// Chromium is installed.
func Need(t testing.TB) {
	t.Helper()
	if _, err := browser.Path(); err != nil {
		if os.Getenv("AUDITLAKE_REQUIRE_ALL") == "1" {
			t.Fatalf("AUDITLAKE_REQUIRE_ALL=1: %v", err)
		}
		t.Skipf("skipped: %v", err)
	}
}

// Start starts Chromium for the test (see Need); the test's cleanup stops it.
func Start(t testing.TB) *browser.Browser {
	t.Helper()
	Need(t)
	b, err := browser.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// Pages counts the pages of a PDF file (github.com/pdfcpu/pdfcpu), failing
// the test when it is not a valid PDF.
func Pages(t testing.TB, path string) int {
	t.Helper()
	n, err := api.PageCountFile(path)
	if err != nil {
		t.Fatalf("%s: not a PDF pdfcpu reads: %v", path, err)
	}
	return n
}

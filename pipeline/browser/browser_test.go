package browser_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/auditlake/auditlake/pipeline/browser"
	"github.com/auditlake/auditlake/pipeline/testsupport/browsertest"
)

// Without Chromium the error says how to install it.
func TestPathWhenNotInstalled(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("AUDITLAKE_CHROMIUM", "")
	_, err := browser.Path()
	if !errors.Is(err, browser.ErrNotInstalled) || !strings.Contains(err.Error(), "apt-get install -y chromium") {
		t.Errorf("Path() = %v", err)
	}
	t.Setenv("AUDITLAKE_CHROMIUM", "/no/such/chromium")
	if _, err := browser.PrintPDF(context.Background(), []byte("<p>x"), ""); !errors.Is(err, browser.ErrNotInstalled) || !strings.Contains(err.Error(), "/no/such/chromium") {
		t.Errorf("PrintPDF with a wrong AUDITLAKE_CHROMIUM = %v", err)
	}
}

// Errors reports what the page's console, uncaught exceptions and the
// browser's log say; a clean page has none.
func TestErrors(t *testing.T) {
	b := browsertest.Start(t)
	p, err := b.Open([]byte(`<!DOCTYPE html><title>bad</title><script>console.error("bad %s", "thing"); throw new Error("boom")</script><p>x`), 800, 600)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	got := strings.Join(p.Errors(), "\n")
	for _, want := range []string{"error: bad thing", "boom"} {
		if !strings.Contains(got, want) {
			t.Errorf("errors lack %q: %q", want, got)
		}
	}
	clean, err := b.Open([]byte(`<!DOCTYPE html><title>ok</title><p>fine`), 800, 600)
	if err != nil {
		t.Fatal(err)
	}
	defer clean.Close()
	if errs := clean.Errors(); len(errs) != 0 {
		t.Errorf("a clean page has errors: %q", errs)
	}
	n, err := browser.Eval[int](clean, "document.querySelectorAll('p').length")
	if err != nil || n != 1 {
		t.Errorf("Eval = %d, %v", n, err)
	}
}

// PrintPDF prints with the page's own page size and breaks: three pages
// here, counted by pdfcpu; a page with errors is refused.
func TestPrintPDF(t *testing.T) {
	browsertest.Need(t)
	doc := `<!DOCTYPE html><title>three</title><style>@page { size: A4 } p + p { break-before: page }</style><p>one<p>two<p>three`
	pdf, err := browser.PrintPDF(context.Background(), []byte(doc), "footer <b>escaped</b>")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(pdf), "%PDF-") {
		t.Fatalf("not a PDF: %q", pdf[:min(len(pdf), 20)])
	}
	file := filepath.Join(t.TempDir(), "three.pdf")
	if err := os.WriteFile(file, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	if n := browsertest.Pages(t, file); n != 3 {
		t.Errorf("%d pages, want 3", n)
	}
	if _, err := browser.PrintPDF(context.Background(), []byte(`<script>throw new Error("broken page")</script>`), ""); err == nil || !strings.Contains(err.Error(), "broken page") {
		t.Errorf("a page with errors printed: %v", err)
	}
}

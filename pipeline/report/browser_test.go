package report

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/auditlake/auditlake/pipeline/browser"
	"github.com/auditlake/auditlake/pipeline/testsupport/browsertest"
)

// screenshotFile is the README's picture of the report: written by
// go test ./pipeline/report -run TestComplianceInBrowser -update.
const screenshotFile = "../../testdata/screenshots/compliance-report.png"

// The HTML report of the scenario in headless Chromium (the Debian package;
// .ci/run installs it): no console error, each chart draws marks of some
// size, the page is no wider than the window, no table cell breaks words,
// and a screenshot shows it.
func TestComplianceInBrowser(t *testing.T) {
	b := browsertest.Start(t)
	html := complianceRaw(t, openScenario(t), "html")
	p, err := b.Open(html, 1280, 1560)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if errs := p.Errors(); len(errs) > 0 {
		t.Errorf("console errors: %q", errs)
	}

	// Per chart: its marks whose drawn box has an area.
	type drawn struct {
		ID    string
		Marks int
		Drawn int
	}
	charts, err := browser.Eval[[]drawn](p, `Array.from(document.querySelectorAll("svg.chart")).map(svg => {
		const marks = Array.from(svg.querySelectorAll(".mark"));
		const drawn = marks.filter(m => { const b = m.getBoundingClientRect(); return b.width > 0 && b.height > 0; });
		return {ID: svg.closest("figure").id, Marks: marks.length, Drawn: drawn.length};
	})`)
	if err != nil {
		t.Fatal(err)
	}
	if len(charts) != 4 {
		t.Errorf("%d charts, want 4: %+v", len(charts), charts)
	}
	for _, c := range charts {
		if c.Drawn == 0 || c.Drawn != c.Marks {
			t.Errorf("chart %s: %d of %d marks drawn", c.ID, c.Drawn, c.Marks)
		}
	}
	overflow, err := browser.Eval[int](p, `document.documentElement.scrollWidth - window.innerWidth`)
	if err != nil || overflow > 0 {
		t.Errorf("the page is %d px wider than the window (%v)", overflow, err)
	}
	broken, err := browser.Eval[[]string](p, `Array.from(document.querySelectorAll("td, th")).filter(c => {
		const s = getComputedStyle(c);
		return s.wordBreak !== "normal" || s.overflowWrap !== "normal";
	}).map(c => c.textContent)`)
	if err != nil || len(broken) > 0 {
		t.Errorf("cells that may break words: %q (%v)", broken, err)
	}
	// No word is cut across two lines: the text of a cell that holds one
	// word (an id, a time, an ARN) is drawn on one line.
	cut, err := browser.Eval[[]string](p, `Array.from(document.querySelectorAll("td")).filter(c => {
		const shown = c.querySelector(".short") || c;
		if (/\s/.test(shown.textContent.trim())) return false;
		const r = document.createRange();
		r.selectNodeContents(shown);
		return new Set(Array.from(r.getClientRects()).map(b => Math.round(b.top))).size > 1;
	}).map(c => c.textContent)`)
	if err != nil || len(cut) > 0 {
		t.Errorf("one-word cells wrapped: %q (%v)", cut, err)
	}

	shot, err := p.Screenshot()
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatal(err)
	}
	if w, h := img.Bounds().Dx(), img.Bounds().Dy(); w != 1280 || h < 2000 {
		t.Errorf("screenshot %d × %d, want 1280 wide and the whole page", w, h)
	}
	colors := map[uint32]bool{}
	for y := 0; y < img.Bounds().Dy(); y += 7 {
		for x := 0; x < img.Bounds().Dx(); x += 7 {
			r, g, b, _ := img.At(x, y).RGBA()
			colors[r>>12<<8|g>>12<<4|b>>12] = true
		}
	}
	if len(colors) < 20 {
		t.Errorf("the screenshot has %d colours: blank?", len(colors))
	}
	out := filepath.Join(t.TempDir(), "compliance-report.png")
	if *update {
		out = screenshotFile
		// The README shows the top of the report: summary, charts, matrix.
		top, err := p.ViewportScreenshot()
		if err != nil {
			t.Fatal(err)
		}
		shot = top
	}
	if err := os.WriteFile(out, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", out)
	if !strings.HasPrefix(string(html), "<!DOCTYPE html>") {
		t.Error("not an HTML document")
	}
}

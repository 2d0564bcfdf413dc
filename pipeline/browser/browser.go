// Package browser drives headless Chromium through the DevTools protocol
// (github.com/chromedp/chromedp): it prints an HTML page to PDF (the
// compliance report an auditor files) and, for tests, shows a page,
// reports its console errors, evaluates expressions in it and takes
// screenshots. Chromium is the Debian package `chromium`; nothing is
// downloaded.
package browser

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/chromedp"
)

// ErrNotInstalled says that no Chromium was found.
var ErrNotInstalled = errors.New("headless Chromium is needed for this and was not found: install it " +
	"(Debian, Ubuntu: apt-get install -y chromium; other systems: Chromium or Google Chrome), " +
	"or set AUDITLAKE_CHROMIUM to its path")

// Path finds Chromium: $AUDITLAKE_CHROMIUM, else chromium,
// chromium-browser, google-chrome or google-chrome-stable on the PATH.
func Path() (string, error) {
	if p := os.Getenv("AUDITLAKE_CHROMIUM"); p != "" {
		if _, err := exec.LookPath(p); err != nil {
			return "", fmt.Errorf("AUDITLAKE_CHROMIUM=%s: %v; %w", p, err, ErrNotInstalled)
		}
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNotInstalled
}

// Timeout bounds how long a page may take to load and print.
const Timeout = 2 * time.Minute

// Browser is a running headless Chromium with a private profile folder.
type Browser struct {
	ctx     context.Context // the browser's first tab
	cancel  func()
	profile string
}

// Start launches Chromium (see Path). It runs without the sandbox (which
// needs a user namespace a container or root rarely has), the GPU, QUIC,
// networking in the background and component updates, with a new profile
// folder removed by Close.
func Start(ctx context.Context) (*Browser, error) {
	path, err := Path()
	if err != nil {
		return nil, err
	}
	profile, err := os.MkdirTemp("", "auditlake-chromium-")
	if err != nil {
		return nil, err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(profile),
		// Chromium's singleton socket folder goes to TMPDIR and is left
		// behind when the browser is killed: keep it in the profile.
		chromedp.Env("TMPDIR="+profile),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("hide-scrollbars", true),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	b := &Browser{ctx: bctx, profile: profile, cancel: func() { cancelBrowser(); cancelAlloc() }}
	if err := chromedp.Do(bctx); err != nil { // starts the browser
		b.Close()
		return nil, fmt.Errorf("start %s: %w", path, err)
	}
	return b, nil
}

// Close stops the browser and removes its profile folder.
func (b *Browser) Close() {
	b.cancel()
	os.RemoveAll(b.profile)
}

// Page is one HTML document open in a tab.
type Page struct {
	ctx    context.Context
	cancel func()
	mu     sync.Mutex
	errs   []string
	marks  chan string // the console's end marks (see Errors)
	n      int
}

// endMark starts the console message Errors logs to know it has seen
// every message before it.
const endMark = "auditlake: end of messages "

// Open shows an HTML document (written to a private temporary file and
// loaded from it, so it has no origin to reach) in a new tab of width ×
// height pixels and waits until it is loaded. Console errors, uncaught
// exceptions and browser log errors (a blocked resource, a Content
// Security Policy violation) are collected for Errors.
func (b *Browser) Open(doc []byte, width, height int64) (*Page, error) {
	dir, err := os.MkdirTemp("", "auditlake-page-")
	if err != nil {
		return nil, err
	}
	file := filepath.Join(dir, "page.html")
	if err := os.WriteFile(file, doc, 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	tctx, cancelTab := chromedp.NewContext(b.ctx)
	ctx, cancelTime := context.WithTimeout(tctx, Timeout)
	p := &Page{ctx: ctx, cancel: func() { cancelTime(); cancelTab(); os.RemoveAll(dir) }, marks: make(chan string, 16)}
	messages := chromedp.Console(ctx) // subscribed now: nothing the page logs is lost
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			switch {
			case m.Type == chromedp.ConsoleDebug && strings.HasPrefix(m.Text, endMark):
				p.marks <- m.Text
			case m.Type == chromedp.ConsoleError || m.IsException():
				p.mu.Lock()
				p.errs = append(p.errs, m.String())
				p.mu.Unlock()
			}
		}
	}()
	err = chromedp.Do(ctx,
		chromedp.EmulateViewport(width, height),
		chromedp.Navigate((&url.URL{Scheme: "file", Path: file}).String()),
		chromedp.WaitReady("body"),
	)
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("open the page: %w", err)
	}
	return p, nil
}

// Close closes the tab.
func (p *Page) Close() { p.cancel() }

// Errors returns the console errors, exceptions and log errors so far. The
// messages arrive on their own, in order: Errors logs a mark (through the
// protocol) and waits until it has come back, so every message before it
// has been read.
func (p *Page) Errors() []string {
	p.n++
	mark := fmt.Sprintf("%s%d", endMark, p.n)
	if _, err := chromedp.Run(p.ctx, chromedp.Evaluate[any](fmt.Sprintf("console.debug(%q)", mark))); err == nil {
		timeout := time.After(10 * time.Second)
	wait:
		for {
			select {
			case m := <-p.marks:
				if m == mark {
					break wait
				}
			case <-timeout:
				break wait
			}
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.errs...)
}

// Eval evaluates a JavaScript expression in the page (through the
// protocol: the page itself runs no script) and returns its value.
func Eval[T any](p *Page, expr string) (T, error) {
	return chromedp.Run(p.ctx, chromedp.Evaluate[T](expr))
}

// Screenshot is a PNG of the whole page.
func (p *Page) Screenshot() ([]byte, error) {
	return chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
}

// ViewportScreenshot is a PNG of what the window shows (the top of the
// page).
func (p *Page) ViewportScreenshot() ([]byte, error) {
	return chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
}

// PDF prints the page as the browser's print dialog would with the page's
// own @page size and backgrounds, and a footer of footer (plain text) and
// the page number of the count.
func (p *Page) PDF(footer string) ([]byte, error) {
	return chromedp.Run(p.ctx, chromedp.PrintToPDF(
		chromedp.PDFPreferCSSPageSize(),
		chromedp.PDFPrintBackground(),
		chromedp.PDFOutlineAndTagged(),
		chromedp.PDFHeaderTemplate(`<span></span>`),
		chromedp.PDFFooterTemplate(`<div style="font: 8px sans-serif; color: #555; width: 100%; margin: 0 12mm; display: flex; justify-content: space-between">`+
			`<span>`+html.EscapeString(footer)+`</span><span><span class="pageNumber"></span> / <span class="totalPages"></span></span></div>`),
	))
}

// PrintPDF starts Chromium, prints an HTML document to PDF (see Page.PDF)
// and stops it. A page that logs errors while loading is refused.
func PrintPDF(ctx context.Context, doc []byte, footer string) ([]byte, error) {
	b, err := Start(ctx)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	p, err := b.Open(doc, 1280, 900)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	if errs := p.Errors(); len(errs) > 0 {
		return nil, fmt.Errorf("the page has errors: %s", strings.Join(errs, "; "))
	}
	return p.PDF(footer)
}

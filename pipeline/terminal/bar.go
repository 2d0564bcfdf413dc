package terminal

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Bar is a progress bar on a terminal: items done of the total, bytes per
// second when the sizes are known, and the time left. It implements
// progress.Meter; a nil *Bar (not a terminal) ignores every call.
type Bar struct {
	w    io.Writer
	what string // the run: "ingest", "report build"
	unit string // the items: "objects", "steps"

	mu          sync.Mutex
	bar         *progressbar.ProgressBar
	bytes       bool // the bar counts bytes (else items)
	items, done int
	size        int64
}

// NewBar returns a bar drawn on w when w is a terminal that understands
// cursor movement (TERM not "dumb"), else nil: pipes, files, /dev/null and
// dumb terminals get nothing.
func NewBar(w io.Writer, what, unit string) *Bar {
	if !Is(w) || os.Getenv("TERM") == "dumb" {
		return nil
	}
	return &Bar{w: w, what: what, unit: unit}
}

// Plan adds n items of size bytes to the work to do.
func (b *Bar) Plan(n int, size int64) {
	if b == nil || n <= 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.items += n
	b.size += size
	if b.bar != nil && !b.bar.IsFinished() {
		if b.bytes {
			b.bar.AddMax64(size)
		} else {
			b.bar.AddMax(n)
		}
		return
	}
	// The first plan, or more work after the bar was full (a second
	// input): a bar for the new work. The first plan says whether the bar
	// counts bytes (sizes known) or items.
	if b.bar == nil {
		b.bytes = size > 0
	}
	amount := int64(n)
	if b.bytes {
		amount = size
	}
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(b.w),
		progressbar.OptionSetDescription(b.describe("")),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100 * time.Millisecond),
		progressbar.OptionFullWidth(),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetRenderBlankState(true),
		progressbar.OptionUseANSICodes(true),
	}
	if b.bytes {
		// Bytes done of the total and MB/s; the description counts the
		// items (the bar's own count would be the bytes).
		opts = append(opts, progressbar.OptionShowBytes(true), progressbar.OptionShowTotalBytes(true), progressbar.OptionShowCount())
	}
	b.bar = progressbar.NewOptions64(max(amount, 1), opts...)
}

// Done marks n items of size bytes done; name (an object key, a step) is
// shown, escaped and shortened.
func (b *Bar) Done(n int, size int64, name string) {
	if b == nil || b.bar == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done += n
	// The description first: both calls render (at most every 100 ms),
	// and the bar's count may lag an item, the description's does not.
	b.bar.Describe(b.describe(name))
	if b.bytes {
		b.bar.Add64(size)
	} else {
		b.bar.Add(n)
	}
}

// Close removes the bar from the terminal.
func (b *Bar) Close() {
	if b == nil || b.bar == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.bar.IsFinished() {
		b.bar.Clear()
		b.bar.Exit()
	}
}

func (b *Bar) describe(name string) string {
	d := fmt.Sprintf("%s %d/%d %s", b.what, b.done, b.items, b.unit)
	if name != "" {
		d += " " + Shorten(Escape(name), 32)
	}
	return d
}

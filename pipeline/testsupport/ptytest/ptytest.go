// Package ptytest opens pseudo-terminals for tests (github.com/creack/pty):
// a program writes to TTY as to a real terminal of the given size, and
// the test reads back what reached the screen.
package ptytest

import (
	"bytes"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/creack/pty"
)

// PTY is a pseudo-terminal: TTY is the terminal end a program writes to.
type PTY struct {
	TTY *os.File

	master *os.File
	mu     sync.Mutex
	buf    bytes.Buffer
	done   chan struct{}
	closed bool
}

// Open opens a pseudo-terminal of cols × rows and starts reading what is
// written to it; the test's cleanup closes it.
func Open(t testing.TB, cols, rows int) *PTY {
	t.Helper()
	master, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal on this machine: %v", err)
	}
	if err := pty.Setsize(tty, &pty.Winsize{Cols: uint16(cols), Rows: uint16(rows)}); err != nil {
		t.Fatal(err)
	}
	p := &PTY{TTY: tty, master: master, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		b := make([]byte, 32<<10)
		for {
			n, err := master.Read(b)
			p.mu.Lock()
			p.buf.Write(b[:n])
			p.mu.Unlock()
			if err != nil { // EIO once the terminal end is closed and read
				return
			}
		}
	}()
	t.Cleanup(func() {
		p.closeTTY()
		<-p.done
		master.Close()
	})
	return p
}

func (p *PTY) closeTTY() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed {
		p.closed = true
		p.TTY.Close()
	}
}

// Output closes the terminal end and returns everything written to it,
// with the terminal's \r\n turned back into \n.
func (p *PTY) Output() string {
	p.closeTTY()
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.ReplaceAll(p.buf.String(), "\r\n", "\n")
}

// Lines is Output without escape sequences (colour, clearing the line),
// split into lines; a carriage return keeps what follows it (a redrawn
// progress bar leaves its last state).
func (p *PTY) Lines() []string {
	var out []string
	for _, l := range strings.Split(Plain(p.Output()), "\n") {
		if i := strings.LastIndexByte(l, '\r'); i >= 0 {
			l = l[i+1:]
		}
		out = append(out, l)
	}
	return out
}

// Plain removes CSI escape sequences (ESC [ … final byte) from s.
func Plain(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
				j++
			}
			i = j
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Package terminal knows the person at the other end of an output: whether
// it is a terminal (golang.org/x/term), how wide it is, whether colour is
// wanted (never with NO_COLOR, https://no-color.org), how wide a string
// shows (github.com/rivo/uniseg) and how to shorten it to fit; it escapes
// what must not reach a terminal raw and draws progress bars
// (github.com/schollz/progressbar). Pipes and files get none of it.
package terminal

import (
	"io"
	"os"
	"strconv"
	"strings"
	"unicode"

	"github.com/rivo/uniseg"
	"golang.org/x/term"
)

// fd returns the file descriptor of w when w is an open file.
func fd(w io.Writer) (int, bool) {
	f, ok := w.(*os.File)
	if !ok || f == nil {
		return 0, false
	}
	return int(f.Fd()), true
}

// Is says whether w is a terminal (a pipe, a file or /dev/null is not).
func Is(w io.Writer) bool {
	n, ok := fd(w)
	return ok && term.IsTerminal(n)
}

// DefaultWidth is the width assumed for a terminal that does not say.
const DefaultWidth = 80

// Width is the number of columns of the terminal w (0 when w is not a
// terminal).
func Width(w io.Writer) int {
	n, ok := fd(w)
	if !ok || !term.IsTerminal(n) {
		return 0
	}
	if cols, _, err := term.GetSize(n); err == nil && cols > 0 {
		return cols
	}
	if c, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && c > 0 {
		return c
	}
	return DefaultWidth
}

// Color says whether w should get colour: a terminal, NO_COLOR unset or
// empty, and TERM not "dumb".
func Color(w io.Writer) bool {
	return Is(w) && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"
}

// StringWidth is how many columns s takes on a terminal.
func StringWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return uniseg.StringWidth(s)
		}
	}
	return len(s) // printable ASCII, most log values: a column a byte
}

// Escape makes s safe to show: control characters (ESC, which starts
// terminal commands, NUL, BEL, newlines, …) and the Unicode controls that
// reorder text (bidirectional overrides and isolates, which can make a
// value read differently from what it is) become visible \xNN / \uNNNN
// escapes. Log values are attacker-controlled; nothing of them may move
// the cursor, retitle the window or forge a line.
func Escape(s string) string { return escape(s, unsafe) }

// EscapeText is Escape but for newlines and tabs, which text that wraps
// (a cell of an HTML page) may keep.
func EscapeText(s string) string {
	return escape(s, func(r rune) bool { return r != '\n' && r != '\t' && unsafe(r) })
}

func escape(s string, unsafe func(rune) bool) string {
	if strings.IndexFunc(s, unsafe) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case !unsafe(r):
			b.WriteRune(r)
		case unicode.IsControl(r) && r < 0x100:
			b.WriteString(`\x`)
			b.WriteString(hex2(int(r)))
		default:
			b.WriteString(`\u`)
			b.WriteString(hex2(int(r) >> 8))
			b.WriteString(hex2(int(r) & 0xff))
		}
	}
	return b.String()
}

func hex2(n int) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[n>>4&0xf], digits[n&0xf]})
}

// unsafe reports control characters and bidirectional formatting
// characters (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069).
func unsafe(r rune) bool {
	switch {
	case unicode.IsControl(r):
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// Ellipsis marks where a shortened value was cut.
const Ellipsis = "…"

// Shorten fits s into width columns. An ARN is first reduced to its
// resource (role/session for an assumed role, user/NAME for a user), an
// ARN, a path (s3://…) or a name (db.table) that is still too wide keeps
// its start and end around an ellipsis, so the bucket and the object's name
// or the role and the session stay; text with spaces is cut at the end. s is returned as it
// is when it fits.
func Shorten(s string, width int) string {
	if StringWidth(s) <= width {
		return s
	}
	if width <= 0 {
		return ""
	}
	if short, ok := shortARN(s); ok {
		if StringWidth(short) <= width {
			return short
		}
		return middle(short, width)
	}
	if !strings.Contains(s, " ") {
		return middle(s, width)
	}
	return End(s, width)
}

// Compact is the short form of an ARN (see Shorten), else s.
func Compact(s string) string {
	if short, ok := shortARN(s); ok {
		return short
	}
	return s
}

// shortARN reduces arn:partition:service:region:account:resource to the
// part a person recognises: for arn:aws:sts::…:assumed-role/ROLE/SESSION
// "ROLE/SESSION", for arn:aws:iam::…:role/path/ROLE "role/ROLE", else the
// resource.
func shortARN(s string) (string, bool) {
	if !strings.HasPrefix(s, "arn:") {
		return "", false
	}
	parts := strings.SplitN(s, ":", 6)
	if len(parts) < 6 || parts[5] == "" {
		return "", false
	}
	res := parts[5]
	if rest, ok := strings.CutPrefix(res, "assumed-role/"); ok {
		return rest, true
	}
	if kind, rest, ok := strings.Cut(res, "/"); ok && (kind == "role" || kind == "user") {
		if i := strings.LastIndex(rest, "/"); i >= 0 {
			rest = rest[i+1:]
		}
		return kind + "/" + rest, true
	}
	return res, true
}

// End cuts s to width columns, ending in an ellipsis.
func End(s string, width int) string {
	if StringWidth(s) <= width {
		return s
	}
	return take(s, width-1) + Ellipsis
}

// middle keeps the start and the end of s around an ellipsis, the end
// getting the larger half (where a session or an object name is).
func middle(s string, width int) string {
	if width < 3 {
		return End(s, width)
	}
	tail := (width - 1) / 2
	if (width-1)%2 == 1 {
		tail++
	}
	head := width - 1 - tail
	return take(s, head) + Ellipsis + takeLast(s, tail)
}

// take returns the longest prefix of s that is at most width columns wide,
// whole grapheme clusters only.
func take(s string, width int) string {
	var b strings.Builder
	w := 0
	g := uniseg.NewGraphemes(s)
	for g.Next() {
		if w+g.Width() > width {
			break
		}
		w += g.Width()
		b.WriteString(g.Str())
	}
	return b.String()
}

// takeLast returns the longest suffix of s at most width columns wide.
func takeLast(s string, width int) string {
	var clusters []string
	var widths []int
	g := uniseg.NewGraphemes(s)
	for g.Next() {
		clusters = append(clusters, g.Str())
		widths = append(widths, g.Width())
	}
	w, i := 0, len(clusters)
	for i > 0 && w+widths[i-1] <= width {
		i--
		w += widths[i]
	}
	return strings.Join(clusters[i:], "")
}

// Style is an SGR (Select Graphic Rendition) attribute.
type Style string

// The styles the reports use.
const (
	Bold   Style = "1"
	Dim    Style = "2"
	Red    Style = "31"
	Yellow Style = "33"
	Cyan   Style = "36"
)

// Paint wraps s (already escaped) in a style when on is set.
func Paint(s string, st Style, on bool) string {
	if !on || st == "" || s == "" {
		return s
	}
	return "\x1b[" + string(st) + "m" + s + "\x1b[0m"
}

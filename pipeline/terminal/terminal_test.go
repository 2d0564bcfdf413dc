package terminal

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/auditlake/auditlake/pipeline/progress"
	"github.com/auditlake/auditlake/pipeline/testsupport/ptytest"
)

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"plain text":                   "plain text",
		"clear\x1b[2Jscreen":           `clear\x1b[2Jscreen`,
		"nul\x00bel\x07tab\tnl\n":      `nul\x00bel\x07tab\x09nl\x0a`,
		"c1 \u009b31m":                 `c1 \x9b31m`,
		"evil\u202egnp.exe":            `evil\u202egnp.exe`,
		"iso\u2066late\u2069 \u200fx":  `iso\u2066late\u2069 \u200fx`,
		"ünïcödé ✓ 数据":                 "ünïcödé ✓ 数据",
		"\x1b]0;retitled window\x07ok": `\x1b]0;retitled window\x07ok`,
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
		if strings.ContainsFunc(Escape(in), unsafe) {
			t.Errorf("Escape(%q) still holds a control character", in)
		}
	}
}

func TestShorten(t *testing.T) {
	const role = "arn:aws:sts::111122223333:assumed-role/SageMakerStudioExecutionRole_data-scientist-full/SageMaker"
	for _, c := range []struct {
		in    string
		width int
		want  string
	}{
		{"fits", 10, "fits"},
		{role, 200, role},
		{role, 60, "SageMakerStudioExecutionRole_data-scientist-full/SageMaker"},
		{role, 24, "SageMakerSt…ll/SageMaker"},
		{"arn:aws:iam::111122223333:user/contractor-bob", 30, "user/contractor-bob"},
		{"arn:aws:iam::111122223333:role/service-role/path/AppRole", 20, "role/AppRole"},
		{"arn:aws:cloudtrail:us-east-1:111122223333:trail/org-audit-trail", 25, "trail/org-audit-trail"},
		{"s3://amazon-reviews-lake-111122223333/parquet/part-00000.parquet", 21, "s3://amazo…00.parquet"},
		{"amazon_reviews_db.amazon_reviews_parquet", 20, "amazon_re…ws_parquet"},
		{"CreateTrainingJob without a VPC configuration", 20, "CreateTrainingJob w…"},
		{"数据数据数据数据", 7, "数…据"}, // two columns a character
		{"abc", 0, ""},
	} {
		got := Shorten(c.in, c.width)
		if got != c.want {
			t.Errorf("Shorten(%q, %d) = %q, want %q", c.in, c.width, got, c.want)
		}
		if StringWidth(got) > c.width {
			t.Errorf("Shorten(%q, %d) = %q is %d wide", c.in, c.width, got, StringWidth(got))
		}
	}
}

func TestPaint(t *testing.T) {
	if got := Paint("high", Red, true); got != "\x1b[31mhigh\x1b[0m" {
		t.Errorf("Paint = %q", got)
	}
	if got := Paint("high", Red, false); got != "high" {
		t.Errorf("Paint off = %q", got)
	}
}

// A pipe, a file and /dev/null are not terminals: no width, no colour, no
// bar; a pseudo-terminal is, with its size, and colour unless NO_COLOR.
func TestDetection(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	for name, f := range map[string]*os.File{"pipe": w, "/dev/null": null} {
		if Is(f) || Width(f) != 0 || Color(f) || NewBar(f, "x", "objects") != nil {
			t.Errorf("%s taken for a terminal", name)
		}
	}

	p := ptytest.Open(t, 120, 40)
	t.Setenv("NO_COLOR", "")
	t.Setenv("TERM", "xterm")
	if !Is(p.TTY) || Width(p.TTY) != 120 || !Color(p.TTY) {
		t.Errorf("pty: Is %v, Width %d, Color %v; want true, 120, true", Is(p.TTY), Width(p.TTY), Color(p.TTY))
	}
	if NewBar(p.TTY, "x", "objects") == nil {
		t.Error("no bar on a terminal")
	}
	t.Setenv("NO_COLOR", "1")
	if Color(p.TTY) {
		t.Error("colour with NO_COLOR set")
	}
	// A dumb terminal shows escape sequences as text: no colour, no bar.
	t.Setenv("NO_COLOR", "")
	t.Setenv("TERM", "dumb")
	if Color(p.TTY) || NewBar(p.TTY, "x", "objects") != nil {
		t.Error("colour or a bar on TERM=dumb")
	}
}

// The bar on a terminal shows items done of the total, bytes, the rate and
// the time left, and escapes names; work planned after it filled up gets
// a new bar.
func TestBarOnATerminal(t *testing.T) {
	p := ptytest.Open(t, 120, 40)
	var m progress.Meter = NewBar(p.TTY, "ingest", "objects")
	// The bar redraws at most every 100 ms: each step waits that long, so
	// that every state is drawn.
	step := func() { time.Sleep(110 * time.Millisecond) }
	m.Plan(2, 3<<20)
	step()
	m.Done(1, 1<<20, "logs/a.json.gz")
	step()
	m.Done(1, 2<<20, "logs/evil\x1b[2J.json")
	m.Plan(1, 1<<20) // a second input
	step()
	m.Done(1, 1<<20, "more/c.json")
	m.(*Bar).Close()
	out := p.Output()
	for _, want := range []string{"ingest 0/2 objects", "ingest 1/2 objects logs/a.json.gz", "B/3.1 MB", "B/s", "[0s:", "ingest 2/2 objects logs/evil\\x1b[2J.json", "ingest 2/3 objects", "ingest 3/3 objects more/c.json"} {
		if !strings.Contains(out, want) {
			t.Errorf("bar output lacks %q:\n%q", want, out)
		}
	}
	if strings.Contains(out, "\x1b[2J") {
		t.Error("a name's escape sequence reached the terminal")
	}
	var nilBar *Bar // not a terminal: every call is ignored
	nilBar.Plan(1, 1)
	nilBar.Done(1, 1, "x")
	nilBar.Close()
}

// EscapeText keeps newlines and tabs, and escapes the rest as Escape does.
func TestEscapeText(t *testing.T) {
	if got, want := EscapeText("a\tb\nc\x1b[2J\u202ed"), "a\tb\nc\\x1b[2J\\u202ed"; got != want {
		t.Errorf("EscapeText = %q, want %q", got, want)
	}
}

// StringWidth counts printable ASCII by bytes and the rest with uniseg.
func TestStringWidth(t *testing.T) {
	for s, want := range map[string]int{"": 0, "arn:aws:iam::1:user/bob": 23, "数据": 4, "ü∂ß": 3, "e\u0301": 1, "✓ ok": 4} {
		if got := StringWidth(s); got != want {
			t.Errorf("StringWidth(%q) = %d, want %d", s, got, want)
		}
	}
}

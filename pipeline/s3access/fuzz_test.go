package s3access

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"github.com/auditlake/auditlake/pipeline/lake"
)

// fuzzSeeds are the table's lines and the shapes that break parsers.
func fuzzSeeds() []string {
	return []string{
		doc27, doc26, ela24, ela25, batch, expir, old18, panth, extra, uaQuote, uriQuote, star, oaiLine, allDash,
		presigned, sigV2, invalidUA, lfRead, doc26 + "\r\n", "", "bad match", "\ufeff" + old18,
		owner + ` b [06/Feb/2019:00:00:38 +0000] 1.2.3.4 - R REST.GET.OBJECT k "GET /k HTTP/1.1" 200 - 1 1 1 1 "foo "bar"" "evil" - H`,
		owner + ` b [06/Feb/2019:00:00:38 +0000] 1.2.3.4 - R REST.GET.OBJECT k "GET /k" 400 E 1 - 1 1 "-" - - H`,
		owner + ` b [06/Feb/2019:00:00:38 -0930] 1.2.3.4 arn:aws:iam::1:user/a b c R REST.GET.OBJECT k - - - - - - - - - - H`,
		owner + ` b [29/Feb/2024:23:59:59] - - R REST.GET.ACL k "GET /k?a=b&Signature=x%26y&X-Amz-Credential%3Dz HTTP/1.1" 403 AccessDenied - - - - "https://h/?X-Amz-Signature=s" "ua X-Amz-Security-Token=t" - H`,
	}
}

// corpusLines returns the raw lines of the corpus, or nil when it is missing.
func corpusLines() [][]byte {
	var out [][]byte
	filepath.WalkDir(conformanceDir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !isLogFile(d.Name()) {
			return nil
		}
		if b, err := os.ReadFile(p); err == nil {
			for _, l := range bytes.Split(b, []byte("\n")) {
				if len(l) > 0 {
					out = append(out, l)
				}
			}
		}
		return nil
	})
	return out
}

// quarantineReasons are the errors Normalize may return.
var quarantineReasons = []error{ErrEmpty, ErrTooFewFields, ErrOwnerMissing, ErrNoTime, ErrBadTime, ErrBadURI, ErrBadQuote, ErrBadNumber}

// credential finds a credential query parameter and its value the way the
// package documents it (an independent statement of the rule; the value
// also ends at %26).
var credential = regexp.MustCompile(`(?i)(?:^|[^a-z0-9_.-])(x-amz-signature|x-amz-security-token|x-amz-credential|signature)(=|%3d|%253d)([^& \t"#]*)`)

// stringFields lists every string column of ev by name.
func stringFields(ev *lake.Event) map[string]string {
	out := map[string]string{}
	v := reflect.ValueOf(ev).Elem()
	for i := 0; i < v.NumField(); i++ {
		if v.Field(i).Kind() == reflect.String {
			out[v.Type().Field(i).Name] = v.Field(i).String()
		}
	}
	return out
}

func FuzzNormalize(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add([]byte(s))
	}
	for _, l := range corpusLines() {
		f.Add(l)
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		in := bytes.Clone(line)
		var ev lake.Event
		err := Normalize(line, "s3://logs/\xffkey", 7, &ev)
		if !bytes.Equal(in, line) {
			t.Fatalf("Normalize changed its input")
		}
		if err != nil {
			known := false
			for _, q := range quarantineReasons {
				known = known || errors.Is(err, q)
			}
			if !known || err.Error() == "" || !utf8.ValidString(err.Error()) {
				t.Fatalf("unexpected error %q", err)
			}
			return
		}
		switch ev.Outcome {
		case lake.OutcomeSuccess, lake.OutcomeDenied, lake.OutcomeError:
		default:
			t.Fatalf("Outcome %q", ev.Outcome)
		}
		if !strings.HasPrefix(ev.EventID, "s3al-") || len(ev.EventID) != 37 {
			t.Fatalf("EventID %q", ev.EventID)
		}
		if ev.LogSource != lake.SourceS3AccessLog || ev.SourceOffset != 7 || ev.EventTime.IsZero() || ev.EventTime.Location().String() != "UTC" {
			t.Fatalf("LogSource %q SourceOffset %d EventTime %v", ev.LogSource, ev.SourceOffset, ev.EventTime)
		}
		for name, s := range stringFields(&ev) {
			if !utf8.ValidString(s) {
				t.Fatalf("%s is not valid UTF-8: %q", name, s)
			}
		}
		for name, s := range map[string]string{"RequestURI": ev.RequestURI, "Referer": ev.Referer, "UserAgent": ev.UserAgent} {
			if !strings.Contains(ev.Raw, s) {
				t.Fatalf("%s %q is not in Raw %q", name, s, ev.Raw)
			}
			for _, m := range credential.FindAllStringSubmatch(s, -1) {
				v := m[3]
				if i := strings.Index(strings.ToLower(v), "%26"); i >= 0 { // an encoded '&' ends the value too
					v = v[:i]
				}
				if v != "" && !strings.HasPrefix(v, Redacted) {
					t.Fatalf("%s keeps a credential %q: %q", name, m[0], s)
				}
			}
		}
		for _, p := range []*int64{ev.HTTPStatus, ev.Bytes, ev.ObjectSize, ev.TotalTimeMs, ev.TurnaroundTimeMs} {
			if p != nil && *p < 0 {
				t.Fatalf("negative number %d", *p)
			}
		}
		// Deterministic, and stable: the stored line normalizes to the same event.
		var again lake.Event
		if err := Normalize([]byte(ev.Raw), ev.SourceObject, 7, &again); err != nil {
			t.Fatalf("Raw %q does not normalize again: %v", ev.Raw, err)
		}
		if d := diffEvents(again, ev); len(d) > 0 {
			t.Fatalf("Raw %q normalizes differently: %v", ev.Raw, d)
		}
	})
}

// modelLines is what Reader must return for data, stated the simple way:
// split on '\n', drop one '\r', skip blank lines, report long ones.
func modelLines(data []byte, max int) []string {
	var out []string
	off := 0
	if bytes.HasPrefix(data, bom) {
		off = len(bom)
	}
	for off < len(data) {
		end, next := len(data), len(data)
		if i := bytes.IndexByte(data[off:], '\n'); i >= 0 {
			end, next = off+i, off+i+1
		}
		line := bytes.TrimSuffix(data[off:end], []byte("\r"))
		switch {
		case len(line) > max:
			out = append(out, fmt.Sprintf("err@%d:%d", off, len(line)))
		case !blank(line):
			out = append(out, fmt.Sprintf("%d:%s", off, line))
		}
		off = next
	}
	return out
}

func fuzzReadAll(t *testing.T, rd *Reader, limit int) []string {
	var out []string
	for i := 0; ; i++ {
		if i > limit {
			t.Fatalf("no end after %d results", i)
		}
		line, off, err := rd.Next()
		var le *LineError
		switch {
		case err == io.EOF:
			if _, _, err := rd.Next(); err != io.EOF {
				t.Fatalf("Next after EOF: %v", err)
			}
			return out
		case errors.As(err, &le):
			if le.Offset != off {
				t.Fatalf("LineError offset %d, Next offset %d", le.Offset, off)
			}
			out = append(out, fmt.Sprintf("err@%d:%d", le.Offset, le.Len))
		case err != nil:
			t.Fatalf("Next: %v", err)
		default:
			out = append(out, fmt.Sprintf("%d:%s", off, line))
		}
	}
}

func FuzzReader(f *testing.F) {
	f.Add([]byte(""))
	f.Add([]byte("\ufeff" + doc27 + "\r\n\r\n" + ela24 + "\n" + allDash))
	f.Add([]byte("a\r\r\n\n \t\r\n" + strings.Repeat("x", 70) + "\r\n" + strings.Repeat("y", 65) + "\r"))
	f.Add([]byte("\ufeff\ufeff\n\r\n\r"))
	for _, l := range corpusLines() {
		f.Add(append(bytes.Clone(l), '\n'))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, max := range []int{64, MaxLine} {
			want := modelLines(data, max)
			for name, rd := range map[string]*Reader{
				"whole":    newReaderSize(bytes.NewReader(data), 16, max),
				"one byte": newReaderSize(iotest.OneByteReader(bytes.NewReader(data)), 16, max),
				"half":     newReaderSize(iotest.HalfReader(bytes.NewReader(data)), 4096, max),
			} {
				got := fuzzReadAll(t, rd, len(data)+1)
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("max %d, %s reads:\n got %q\nwant %q", max, name, got, want)
				}
			}
		}
		// Every line the Reader returns goes through Normalize without a panic.
		rd := NewReader(bytes.NewReader(data))
		for {
			line, off, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				continue
			}
			var ev lake.Event
			if Normalize(line, "o", off, &ev) == nil && ev.SourceOffset != off {
				t.Fatalf("SourceOffset %d, want %d", ev.SourceOffset, off)
			}
		}
	})
}

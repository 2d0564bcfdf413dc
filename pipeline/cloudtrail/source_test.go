package cloudtrail

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/auditlake/auditlake/pipeline/lake"
	"github.com/auditlake/auditlake/pipeline/source"
)

// sourceResults drains a source.Reader into comparable lines.
func sourceResults(t *testing.T, rd source.Reader[lake.Event]) []string {
	t.Helper()
	var out []string
	for i := 0; ; i++ {
		if i > 1_000_000 {
			t.Fatal("no end")
		}
		var ev lake.Event
		err := rd.Read(&ev)
		var pe *source.ParseError
		var sk *source.Skip
		switch {
		case err == io.EOF:
			return out
		case errors.As(err, &pe):
			out = append(out, fmt.Sprintf("parse %d %q %d %v %q", pe.Offset, pe.Reason, pe.Skipped, pe.Final, pe.Record))
		case errors.As(err, &sk):
			out = append(out, "skip "+sk.Reason)
		case err != nil:
			t.Fatalf("Read: %v", err)
		default:
			out = append(out, fmt.Sprintf("event %s %s %d %q", ev.EventID, ev.EventName, ev.SourceOffset, ev.Raw))
		}
	}
}

// sequential reads the same input as Source, one record at a time, with
// one Normalizer: what Source's parallel normalizing must give.
type sequential struct {
	rd     *Reader
	n      Normalizer
	object string
	done   bool
}

func (s *sequential) Read(ev *lake.Event) error {
	if s.done {
		return io.EOF
	}
	rec, err := s.rd.Next()
	var ve *ValueError
	var se *SyntaxError
	var sk *SkipError
	switch {
	case err == io.EOF:
		s.done = true
		return io.EOF
	case errors.As(err, &ve):
		return &source.ParseError{Object: s.object, Offset: ve.Offset, Reason: ve.Reason, Record: ve.Raw}
	case errors.As(err, &sk):
		return &source.ParseError{Object: s.object, Offset: sk.Offset, Reason: sk.Error(), Skipped: sk.End - sk.Offset}
	case errors.As(err, &se):
		s.done = true
		return &source.ParseError{Object: s.object, Offset: se.Offset, Reason: "unreadable from here to the end of the object: " + se.Err.Error(), Final: true}
	case err != nil:
		return err
	}
	kind, err := s.n.Normalize(rec, s.object, ev)
	return normResult(s.object, rec, kind, err)
}

// Source normalizes on several goroutines and still returns exactly what
// reading and normalizing one record at a time gives, in the same order,
// for every input form (good, broken, cut short), also with more records
// than fit the read-ahead; closing it early leaves no goroutine behind.
func TestSourceMatchesSequentialReading(t *testing.T) {
	inputs := map[string][]byte{}
	for i, s := range fuzzReaderSeeds {
		inputs[fmt.Sprint("seed ", i)] = []byte(s)
	}
	files, _ := filepath.Glob("testdata/golden/*.json")
	var many bytes.Buffer
	many.WriteString(`{"Records":[`)
	for i := 0; i < 3000; i++ { // more than the read-ahead holds, with bad records among them
		b, _ := os.ReadFile(files[i%len(files)])
		if i > 0 {
			many.WriteByte(',')
		}
		if i%97 == 5 {
			many.WriteString(`{"eventVersion":"1.08","eventName":}`)
			continue
		}
		many.Write(bytes.ReplaceAll(b, []byte("\n"), nil))
	}
	many.WriteString(`]}`)
	inputs["3000 records"] = many.Bytes()
	inputs["cut short"] = many.Bytes()[:many.Len()/2]
	for name, data := range inputs {
		want := sourceResults(t, &sequential{rd: NewReader(bytes.NewReader(data)), object: "o"})
		src := NewSource(bytes.NewReader(data), "o")
		got := sourceResults(t, src)
		src.Close()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: Source gave %d results, reading one at a time %d; first difference at %d", name, len(got), len(want), firstDiff(got, want))
		}
	}
	before := runtime.NumGoroutine()
	for i := 0; i < 20; i++ {
		src := NewSource(bytes.NewReader(many.Bytes()), "o")
		var ev lake.Event
		if err := src.Read(&ev); err != nil {
			t.Fatal(err)
		}
		src.Close()
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after closing sources early, %d before", n, before)
	}
	if !strings.Contains(strings.Join(sourceResults(t, &sequential{rd: NewReader(bytes.NewReader(many.Bytes())), object: "o"}), "\n"), "parse ") {
		t.Error("the long input has no bad record: the test checks less than it says")
	}
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

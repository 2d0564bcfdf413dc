package cloudtrail

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"
	"unicode/utf8"

	"github.com/auditlake/auditlake/pipeline/lake"
)

// step is one result of Reader.Next.
type step struct {
	kind string // "rec" (a record), "ctl" (a record marked Control), "value" (*ValueError), "syntax" (*SyntaxError)
	off  int64  // rec/value: the exact offset; syntax: the largest acceptable offset
	raw  string // rec: Record.Raw; value: ValueError.Raw; syntax: unused
}

func (s step) String() string { return fmt.Sprintf("%s@%d %q", s.kind, s.off, s.raw) }

// readSteps drains r until io.EOF or a *SyntaxError, copying each Raw (it is
// only valid until the next call).
func readSteps(t *testing.T, r interface{ Next() (Record, error) }) []step {
	t.Helper()
	var out []step
	for i := 0; ; i++ {
		if i > 10000 {
			t.Fatalf("reader made no progress after %d calls: %v", i, out)
		}
		rec, err := r.Next()
		var ve *ValueError
		var se *SyntaxError
		var sk *SkipError
		switch {
		case err == nil && rec.Control:
			out = append(out, step{kind: "ctl", off: rec.Offset, raw: string(rec.Raw)})
		case err == nil:
			out = append(out, step{kind: "rec", off: rec.Offset, raw: string(rec.Raw)})
		case errors.As(err, &sk):
			if sk.End < sk.Offset {
				t.Fatalf("SkipError ends at %d before its offset %d", sk.End, sk.Offset)
			}
			out = append(out, step{kind: "skip", off: sk.Offset})
		case err == io.EOF:
			return out
		case errors.As(err, &ve):
			out = append(out, step{kind: "value", off: ve.Offset, raw: string(ve.Raw)})
		case errors.As(err, &se):
			out = append(out, step{kind: "syntax", off: se.Offset})
			// The reader cannot go on: it must keep failing, not invent records or EOF.
			if _, err2 := r.Next(); err2 == nil || err2 == io.EOF {
				t.Fatalf("Next after a SyntaxError returned %v, want an error", err2)
			}
			return out
		default:
			t.Fatalf("Next returned an error of unexpected type %T: %v", err, err)
		}
	}
}

// readerChunkings feeds the same input in different read sizes: the records
// and offsets must not depend on how the stream is chunked.
var readerChunkings = []struct {
	name string
	wrap func(io.Reader) io.Reader
}{
	{"whole", func(r io.Reader) io.Reader { return r }},
	{"onebyte", iotest.OneByteReader},
	{"half", iotest.HalfReader},
	{"dataerr", iotest.DataErrReader},
}

func TestReaderForms(t *testing.T) {
	const lookup = `{"Events":[{"EventId":"e1","EventName":"CreateApp","CloudTrailEvent":"{\"eventTime\":\"2026-08-03T22:22:31Z\",\"eventName\":\"CreateApp\"}"},` +
		`{"EventId":"e2","CloudTrailEvent":"{}"}],"NextToken":"tok=="}`
	pretty := "{\n  \"Records\": [\n    {\n      \"eventName\": \"A\"\n    },\n    {\"eventName\": \"B\"}\n  ]\n}\n"
	tests := []struct {
		name string
		in   string
		want []step
	}{
		{"records envelope", `{"Records":[{"a":1},{"b":2}]}`,
			[]step{{"rec", 12, `{"a":1}`}, {"rec", 20, `{"b":2}`}}},
		{"records envelope pretty printed", pretty,
			[]step{{"rec", int64(strings.Index(pretty, "{\n      \"eventName\"")), "{\n      \"eventName\": \"A\"\n    }"},
				{"rec", int64(strings.Index(pretty, `{"eventName": "B"}`)), `{"eventName": "B"}`}}},
		{"empty records array", `{"Records":[]}`, nil},
		{"empty records array with whitespace", " \n{ \"Records\" : [ ] }\n", nil},
		{"members before and after Records are ignored",
			`{"x":{"Records":[{"no":1}]},"n":[{"no":2}],"Records":[{"a":1}],"y":[{"no":3}],"Records2":{"no":4}}`,
			[]step{{"rec", 54, `{"a":1}`}}},
		{"only members after an empty Records", `{"Records":[],"y":[{"no":1}],"z":"s"}`, nil},
		{"single record", `{"eventName":"X","n":[1,2],"o":{"k":null}}`,
			[]step{{"rec", 0, `{"eventName":"X","n":[1,2],"o":{"k":null}}`}}},
		{"single record is re-assembled compactly between members, values verbatim",
			"  { \"eventName\" : \"X\" ,\n \"n\" : [1, 2] }",
			[]step{{"rec", 2, `{"eventName":"X","n":[1, 2]}`}}},
		{"single record with duplicate names", `{"a":1,"a":2}`, []step{{"rec", 0, `{"a":1,"a":2}`}}},
		{"empty object", `{}`, []step{{"rec", 0, `{}`}}},
		{"ndjson", "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n",
			[]step{{"rec", 0, `{"a":1}`}, {"rec", 8, `{"b":2}`}, {"rec", 16, `{"c":3}`}}},
		{"ndjson without final newline", "{\"a\":1}\n{\"b\":2}",
			[]step{{"rec", 0, `{"a":1}`}, {"rec", 8, `{"b":2}`}}},
		{"ndjson blank lines", "\n\n{\"a\":1}\n\n   \n{\"b\":2}\n\n",
			[]step{{"rec", 2, `{"a":1}`}, {"rec", 15, `{"b":2}`}}},
		{"ndjson crlf", "{\"a\":1}\r\n\r\n{\"b\":2}\r\n",
			[]step{{"rec", 0, `{"a":1}`}, {"rec", 11, `{"b":2}`}}},
		{"json array", `[{"a":1}, {"b":2} ,{"c":3}]`,
			[]step{{"rec", 1, `{"a":1}`}, {"rec", 10, `{"b":2}`}, {"rec", 19, `{"c":3}`}}},
		{"empty json array", `[]`, nil},
		{"several json arrays", "[{\"a\":1}]\n[]\n[{\"b\":2}]",
			[]step{{"rec", 1, `{"a":1}`}, {"rec", 14, `{"b":2}`}}},
		// CloudWatch Logs subscription payloads concatenated as Firehose
		// delivers them: the log events of a CONTROL_MESSAGE are marked,
		// wherever messageType stands; a payload's other members are not
		// records.
		{"cloudwatch logs payloads, concatenated",
			`{"messageType":"DATA_MESSAGE","owner":"1","logEvents":[{"id":"a","message":"m1"},{"id":"b","message":"m2"}]}` +
				`{"messageType":"CONTROL_MESSAGE","logEvents":[{"id":"c","message":"CWL CONTROL MESSAGE: x"}]}` +
				`{"logEvents":[{"id":"d","message":"m3"}],"messageType":"DATA_MESSAGE"}`,
			[]step{{"rec", 55, `{"id":"a","message":"m1"}`}, {"rec", 81, `{"id":"b","message":"m2"}`},
				{"ctl", 154, `{"id":"c","message":"CWL CONTROL MESSAGE: x"}`}, {"rec", 215, `{"id":"d","message":"m3"}`}}},
		{"cloudwatch logs: a broken log event costs only itself",
			`{"messageType":"DATA_MESSAGE","logEvents":[{"id":"a","message":"m1"},{"id":"b","message":},{"id":"c","message":"m3"}]}`,
			[]step{{"rec", 43, `{"id":"a","message":"m1"}`}, {"skip", 68, ""}, {"rec", 91, `{"id":"c","message":"m3"}`}}},
		{"eventbridge events, concatenated", `{"detail-type":"AWS API Call via CloudTrail","detail":{"eventName":"X"}}{"detail-type":"AWS API Call via CloudTrail","detail":{"eventName":"Y"}}`,
			[]step{{"rec", 0, `{"detail-type":"AWS API Call via CloudTrail","detail":{"eventName":"X"}}`},
				{"rec", 72, `{"detail-type":"AWS API Call via CloudTrail","detail":{"eventName":"Y"}}`}}},
		{"lookup-events output", lookup,
			[]step{{"rec", 11, lookup[11 : strings.Index(lookup, `},{"EventId":"e2"`)+1]},
				{"rec", int64(strings.Index(lookup, `{"EventId":"e2"`)), `{"EventId":"e2","CloudTrailEvent":"{}"}`}}},
		{"lookup-events with NextToken first", `{"NextToken":"t","Events":[{"EventId":"e1"}]}`,
			[]step{{"rec", 27, `{"EventId":"e1"}`}}},
		{"lookup-events empty", `{"Events":[],"NextToken":null}`, nil},
		{"concatenated envelopes", `{"Records":[{"a":1}]}{"Records":[{"b":2}]}` + "\n" + `{"Records":[]} {"Records":[{"c":3}]}`,
			[]step{{"rec", 12, `{"a":1}`}, {"rec", 33, `{"b":2}`}, {"rec", 70, `{"c":3}`}}},
		{"envelope then single record then array", `{"Records":[{"a":1}]}` + "\n" + `{"b":2}` + "\n" + `[{"c":3}]`,
			[]step{{"rec", 12, `{"a":1}`}, {"rec", 22, `{"b":2}`}, {"rec", 31, `{"c":3}`}}},
		{"escaped envelope key", `{"Rec\u006frds":[{"a":1}]}`, []step{{"rec", 17, `{"a":1}`}}},
		{"Records that is not an array is an ordinary member", `{"Records":null,"eventName":"X"}`,
			[]step{{"rec", 0, `{"Records":null,"eventName":"X"}`}}},

		// Values that are not records: *ValueError, and reading continues.
		{"non-objects in Records", `{"Records":[1,"x",null,[{"a":1}],{"b":2},true]}`,
			[]step{{"value", 12, `1`}, {"value", 14, `"x"`}, {"value", 18, `null`}, {"value", 23, `[{"a":1}]`},
				{"rec", 33, `{"b":2}`}, {"value", 41, `true`}}},
		{"non-objects in a json array", `[{"a":1},2,{"b":2}]`,
			[]step{{"rec", 1, `{"a":1}`}, {"value", 9, `2`}, {"rec", 11, `{"b":2}`}}},
		{"top-level scalars", "1\n\"s\"\n{\"a\":1}\nnull\n",
			[]step{{"value", 0, `1`}, {"value", 2, `"s"`}, {"rec", 6, `{"a":1}`}, {"value", 14, `null`}}},
		{"nested array in a json array", `[[{"a":1}],{"b":2}]`,
			[]step{{"value", 1, `[{"a":1}]`}, {"rec", 11, `{"b":2}`}}},

		// Broken input: *SyntaxError after the good records.
		{"truncated inside a record", `{"Records":[{"a":1},{"b":`,
			[]step{{"rec", 12, `{"a":1}`}, {"syntax", 20, ""}}},
		{"truncated after a record", `{"Records":[{"a":1}`,
			[]step{{"rec", 12, `{"a":1}`}, {"syntax", 19, ""}}},
		{"missing closing brace of the envelope", `{"Records":[{"a":1}]`,
			[]step{{"rec", 12, `{"a":1}`}, {"syntax", 20, ""}}},
		{"truncated in members after Records", `{"Records":[{"a":1}],"x":`,
			[]step{{"rec", 12, `{"a":1}`}, {"syntax", 25, ""}}},
		{"truncated json array", `[{"a":1},`, []step{{"rec", 1, `{"a":1}`}, {"syntax", 9, ""}}},
		{"truncated single record", "{\"a\":1}\n{\"b\":", []step{{"rec", 0, `{"a":1}`}, {"syntax", 13, ""}}},
		{"garbage between records", `{"a":1} xyz {"b":1}`, []step{{"rec", 0, `{"a":1}`}, {"skip", 7, ""}}},
		{"garbage between ndjson lines: the next line is read", "{\"a\":1}\nxyz\n{\"b\":1}\n", []step{{"rec", 0, `{"a":1}`}, {"skip", 7, ""}, {"rec", 12, `{"b":1}`}}},
		{"trailing comma in Records", `{"Records":[{"a":1},]}`, []step{{"rec", 12, `{"a":1}`}, {"skip", 19, ""}}},
		{"missing comma between records", `{"Records":[{"a":1}{"b":2}]}`, []step{{"rec", 12, `{"a":1}`}, {"skip", 19, ""}}},
		{"a bad trail record loses only itself", `{"Records":[{"eventVersion":"1"},{"eventVersion":"2","x":"\x"},{"eventVersion":"3"}],"z":1}{"Records":[{"eventVersion":"4"}]}`,
			[]step{{"rec", 12, `{"eventVersion":"1"}`}, {"skip", 32, ""}, {"rec", 63, `{"eventVersion":"3"}`}, {"rec", 103, `{"eventVersion":"4"}`}}},
		{"a record with a raw NUL loses only itself", "{\"Records\":[{\"eventVersion\":\"1\",\"k\":\"a\x00b\"},\n { \"eventVersion\":\"2\"}]}",
			[]step{{"skip", 12, ""}, {"rec", 45, `{ "eventVersion":"2"}`}}},
		{"after a resynchronised envelope, a plain array is read as one", "{\"Records\":[{\"eventVersion\":\"1\"},x,{\"eventVersion\":\"2\"}],\"z\":tru}\n[{\"a\":1}]",
			[]step{{"rec", 12, `{"eventVersion":"1"}`}, {"skip", 32, ""}, {"rec", 35, `{"eventVersion":"2"}`}, {"skip", 55, ""}, {"rec", 67, `{"a":1}`}}},
		{"lookup-events: a bad event loses only itself", `{"Events":[{"EventId":"1","x":tru},{"EventId":"2"}]}`,
			[]step{{"skip", 11, ""}, {"rec", 35, `{"EventId":"2"}`}}},
		{"stray closing bracket", `]{"a":1}`, []step{{"skip", 0, ""}}},
		{"single quotes", `{'a':1}`, []step{{"skip", 0, ""}}},
		{"raw control character in a string", "{\"a\":\"x\x01y\"}", []step{{"skip", 0, ""}}},
		{"invalid escape", `{"Records":[{"a":"\x"}]}`, []step{{"skip", 12, ""}}},

		{"empty input", "", nil},
		{"whitespace only", " \r\n\t\n", nil},

		// A UTF-8 byte order mark at the start is skipped; offsets still count it.
		{"bom single record", "\ufeff{\"a\":1}", []step{{"rec", 3, `{"a":1}`}}},
		{"bom envelope", "\ufeff{\"Records\":[{\"a\":1}]}", []step{{"rec", 15, `{"a":1}`}}},
		{"bom ndjson", "\ufeff{\"a\":1}\r\n{\"b\":2}\r\n", []step{{"rec", 3, `{"a":1}`}, {"rec", 12, `{"b":2}`}}},
		{"bom only", "\ufeff", nil},
		{"bom then truncated", "\ufeff{\"a\":1}{", []step{{"rec", 3, `{"a":1}`}, {"syntax", 11, ""}}},
		{"bom in the middle is not skipped", "{\"a\":1}\n\ufeff{\"b\":2}", []step{{"rec", 0, `{"a":1}`}, {"skip", 7, ""}}},
		{"two byte prefix of a bom", "\xef\xbb{\"a\":1}", []step{{"skip", 0, ""}}},
	}
	for _, tc := range tests {
		for _, ch := range readerChunkings {
			t.Run(tc.name+"/"+ch.name, func(t *testing.T) {
				got := readSteps(t, NewReader(ch.wrap(strings.NewReader(tc.in))))
				if len(got) != len(tc.want) {
					t.Fatalf("got %d results %v, want %d %v", len(got), got, len(tc.want), tc.want)
				}
				prevEnd := int64(0)
				for i, g := range got {
					w := tc.want[i]
					if g.kind != w.kind {
						t.Fatalf("result %d: got %v, want %v", i, g, w)
					}
					if g.kind == "syntax" {
						if g.off < prevEnd || g.off > w.off {
							t.Errorf("result %d: SyntaxError offset %d, want within [%d, %d]", i, g.off, prevEnd, w.off)
						}
						continue
					}
					if g.kind == "skip" {
						if g.off != w.off {
							t.Errorf("result %d: SkipError offset %d, want %d", i, g.off, w.off)
						}
						prevEnd = g.off + 1
						continue
					}
					if g.off != w.off || g.raw != w.raw {
						t.Errorf("result %d: got %v, want %v", i, g, w)
					}
					// A non-record value is the input's own bytes at its offset.
					if g.kind == "value" && !strings.HasPrefix(tc.in[g.off:], g.raw) {
						t.Errorf("result %d: input at offset %d is %q, not the value %q", i, g.off, tc.in[g.off:], g.raw)
					}
					if tc.in[g.off] != g.raw[0] {
						t.Errorf("result %d: input byte at offset %d is %q, want %q", i, g.off, tc.in[g.off], g.raw[0])
					}
					prevEnd = g.off + 1
				}
			})
		}
	}
}

// TestReaderLookupEventsNormalize reads the lookup-events CLI output and
// checks that the Normalizer unwraps each CloudTrailEvent.
func TestReaderLookupEventsNormalize(t *testing.T) {
	in := `{"Events":[` +
		`{"EventId":"11111111-aaaa","EventName":"CreateApp","ReadOnly":"false","EventSource":"sagemaker.amazonaws.com",` +
		`"CloudTrailEvent":"{\"eventVersion\":\"1.08\",\"eventID\":\"11111111-aaaa\",\"eventSource\":\"sagemaker.amazonaws.com\",\"eventName\":\"CreateApp\",\"eventTime\":\"2026-08-03T22:22:31Z\",\"requestParameters\":{\"domainId\":\"d-example\",\"spaceName\":\"frank\"}}"},` +
		`{"EventId":"22222222-bbbb","CloudTrailEvent":"{\"eventID\":\"22222222-bbbb\",\"eventSource\":\"sts.amazonaws.com\",\"eventName\":\"AssumeRole\",\"eventTime\":\"2026-08-03T22:20:00Z\"}"}` +
		`],"NextToken":"abc"}`
	r := NewReader(strings.NewReader(in))
	var n Normalizer
	var got []lake.Event
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var ev lake.Event
		kind, err := n.Normalize(rec, "lookup.json", &ev)
		if err != nil || kind != KindEvent {
			t.Fatalf("Normalize(%s) = %v, %v", rec.Raw, kind, err)
		}
		got = append(got, ev)
	}
	if len(got) != 2 {
		t.Fatalf("got %d events, want 2", len(got))
	}
	if got[0].EventID != "11111111-aaaa" || got[0].EventName != "CreateApp" || got[0].EventSource != "sagemaker.amazonaws.com" ||
		got[0].ResourceName != "frank" || got[0].SourceOffset != 11 || got[0].EventTime.Format("15:04:05") != "22:22:31" {
		t.Errorf("first event = %+v", got[0])
	}
	if got[1].EventID != "22222222-bbbb" || got[1].EventName != "AssumeRole" || got[1].SourceOffset != int64(strings.Index(in, `{"EventId":"22222222-bbbb"`)) {
		t.Errorf("second event = %+v", got[1])
	}
}

// TestReaderLargeStrings reads records with 100 KB string fields (the
// CloudTrail limit for requestParameters) in every input form.
func TestReaderLargeStrings(t *testing.T) {
	big := strings.Repeat("abcdefghij", 10*1024) // 100 KiB
	rec := func(name string) string {
		return `{"eventTime":"2024-01-01T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"` + name +
			`","userAgent":"` + big + `","requestParameters":{"key":"` + big + `"}}`
	}
	a, b := rec("A"), rec("B")
	forms := map[string]struct {
		in   string
		offs []int64
	}{
		"envelope": {`{"Records":[` + a + `,` + b + `]}`, []int64{12, int64(12 + len(a) + 1)}},
		"ndjson":   {a + "\n" + b + "\n", []int64{0, int64(len(a) + 1)}},
		"array":    {`[` + a + `,` + b + `]`, []int64{1, int64(len(a) + 2)}},
	}
	chunkings := []struct {
		name string
		wrap func(io.Reader) io.Reader
	}{
		{"whole", func(r io.Reader) io.Reader { return r }},
		{"997-byte reads", func(r io.Reader) io.Reader { return &chunkReader{r: r, n: 997} }},
	}
	for name, f := range forms {
		for _, ch := range chunkings {
			t.Run(name+"/"+ch.name, func(t *testing.T) {
				r := NewReader(ch.wrap(strings.NewReader(f.in)))
				var n Normalizer
				for i, want := range []string{a, b} {
					rec, err := r.Next()
					if err != nil {
						t.Fatalf("record %d: %v", i, err)
					}
					if rec.Offset != f.offs[i] || string(rec.Raw) != want {
						t.Fatalf("record %d: offset %d (want %d), %d bytes (want %d)", i, rec.Offset, f.offs[i], len(rec.Raw), len(want))
					}
					var ev lake.Event
					if _, err := n.Normalize(rec, "o", &ev); err != nil {
						t.Fatal(err)
					}
					if ev.UserAgent != big || ev.S3Key != big || ev.RequestParameters != `{"key":"`+big+`"}` {
						t.Errorf("record %d: 100 KB fields not kept whole (ua %d, key %d bytes)", i, len(ev.UserAgent), len(ev.S3Key))
					}
				}
				if _, err := r.Next(); err != io.EOF {
					t.Fatalf("after 2 records: %v, want EOF", err)
				}
			})
		}
	}
}

// TestReaderInvalidUTF8 checks that invalid UTF-8 inside strings neither
// stops the reader nor reaches the stored event.
func TestReaderInvalidUTF8(t *testing.T) {
	bad := "{\"eventTime\":\"2024-01-01T00:00:00Z\",\"eventName\":\"Get\xffObject\",\"userAgent\":\"ua\xc3\x28\",\"errorMessage\":\"\xed\xa0\x80\"}"
	for name, in := range map[string]string{
		"envelope": `{"Records":[` + bad + `,{"eventName":"Next"}]}`,
		"ndjson":   bad + "\n{\"eventName\":\"Next\"}\n",
		"array":    `[` + bad + `,{"eventName":"Next"}]`,
	} {
		t.Run(name, func(t *testing.T) {
			r := NewReader(strings.NewReader(in))
			rec, err := r.Next()
			if err != nil {
				t.Fatal(err)
			}
			if string(rec.Raw) != bad { // the bytes are kept as they are
				t.Errorf("Raw = %q, want the input bytes %q", rec.Raw, bad)
			}
			var ev lake.Event
			if _, err := (&Normalizer{}).Normalize(rec, "o", &ev); err != nil {
				t.Fatal(err)
			}
			if ev.EventName != "Get\uFFFDObject" || ev.UserAgent != "ua\uFFFD(" {
				t.Errorf("EventName %q, UserAgent %q: want invalid bytes replaced by U+FFFD", ev.EventName, ev.UserAgent)
			}
			assertValidUTF8(t, &ev)
			rec, err = r.Next()
			if err != nil || string(rec.Raw) != `{"eventName":"Next"}` {
				t.Fatalf("record after the invalid UTF-8 one: %q, %v", rec.Raw, err)
			}
		})
	}
	// A member name with invalid UTF-8 in a top-level record is re-quoted
	// (the record is re-assembled) with U+FFFD; the value stays as it was.
	rec, err := NewReader(strings.NewReader("{\"k\xff\":\"v\xff\"}")).Next()
	if err != nil || string(rec.Raw) != "{\"k\uFFFD\":\"v\xff\"}" {
		t.Errorf("top-level record with invalid UTF-8 name: %q, %v", rec.Raw, err)
	}
}

// TestReaderIOError: a failing underlying reader ends the object with a
// *SyntaxError that wraps the cause, after the records read so far.
func TestReaderIOError(t *testing.T) {
	boom := errors.New("connection reset")
	r := NewReader(io.MultiReader(strings.NewReader("{\"a\":1}\n"), iotest.ErrReader(boom)))
	rec, err := r.Next()
	if err != nil || string(rec.Raw) != `{"a":1}` {
		t.Fatalf("first record: %q, %v", rec.Raw, err)
	}
	_, err = r.Next()
	var se *SyntaxError
	if !errors.As(err, &se) || !errors.Is(err, boom) {
		t.Fatalf("got %T %v, want a *SyntaxError wrapping %v", err, err, boom)
	}
}

// TestReaderDeepNesting: nesting beyond the decoder's limit is skipped
// (the record alone), not a crash or a hang.
func TestReaderDeepNesting(t *testing.T) {
	const depth = 20000
	in := `{"Records":[{"eventVersion":"1","a":` + strings.Repeat("[", depth) + strings.Repeat("]", depth) + `},{"eventVersion":"2"}]}`
	got := readSteps(t, NewReader(strings.NewReader(in)))
	if len(got) != 2 || got[0].kind != "skip" || got[1].raw != `{"eventVersion":"2"}` {
		t.Fatalf("got %v, want the deep record skipped and the next one read", got)
	}
	// Within the limit it is an ordinary record.
	in = `{"a":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`
	if got := readSteps(t, NewReader(strings.NewReader(in))); len(got) != 1 || got[0].kind != "rec" || got[0].raw != in {
		t.Fatalf("nesting 100: got %v", got)
	}
}

// assertValidUTF8 fails when any string column of ev is not valid UTF-8.
func assertValidUTF8(t *testing.T, ev *lake.Event) {
	t.Helper()
	for name, s := range stringFields(ev) {
		if !utf8.ValidString(s) {
			t.Errorf("%s is not valid UTF-8: %q", name, s)
		}
	}
}

// chunkReader returns at most n bytes per Read.
type chunkReader struct {
	r io.Reader
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(p) > c.n {
		p = p[:c.n]
	}
	return c.r.Read(p)
}

// stringFields lists every string column of ev by field name.
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

// TestPrefetchMatchesReader: Prefetch gives exactly the Reader's results,
// in order, for every form and every breakage, with records Owned.
func TestPrefetchMatchesReader(t *testing.T) {
	inputs := append([]string{}, fuzzReaderSeeds...)
	var big strings.Builder
	big.WriteString(`{"Records":[`)
	for i := range 3000 { // many batches
		if i > 0 {
			big.WriteString(",")
		}
		fmt.Fprintf(&big, `{"eventName":"E%d","n":[1,{"x":"y"}]}`, i)
	}
	big.WriteString(`]}{"Records":[{"a":1},7,{"b":`)
	inputs = append(inputs, big.String())
	for i, in := range inputs {
		for _, ch := range readerChunkings {
			want := readSteps(t, NewReader(ch.wrap(strings.NewReader(in))))
			p := NewPrefetch(ch.wrap(strings.NewReader(in)))
			var got []step
			for {
				rec, err := p.Next()
				if err == nil {
					if !rec.Owned {
						t.Fatalf("input %d: record at %d not Owned", i, rec.Offset)
					}
					kind := "rec"
					if rec.Control {
						kind = "ctl"
					}
					got = append(got, step{kind, rec.Offset, string(rec.Raw)})
					continue
				}
				var ve *ValueError
				var se *SyntaxError
				var sk *SkipError
				if errors.As(err, &ve) {
					got = append(got, step{"value", ve.Offset, string(ve.Raw)})
					continue
				}
				if errors.As(err, &sk) {
					got = append(got, step{kind: "skip", off: sk.Offset})
					continue
				}
				if errors.As(err, &se) {
					got = append(got, step{kind: "syntax", off: se.Offset})
					if _, err2 := p.Next(); err2 == nil || err2 == io.EOF {
						t.Fatalf("input %d: Next after a SyntaxError returned %v", i, err2)
					}
				} else if err != io.EOF {
					t.Fatalf("input %d: unexpected error %v", i, err)
				}
				break
			}
			p.Close()
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("input %d/%s: Prefetch gave %v, Reader %v", i, ch.name, got, want)
			}
		}
	}
}

// TestPrefetchCloseEarly: closing before the end stops the reading
// goroutine without reading the rest.
func TestPrefetchCloseEarly(t *testing.T) {
	pr, pw := io.Pipe()
	go func() {
		pw.Write([]byte(`{"Records":[`))
		for i := 0; ; i++ {
			sep := ","
			if i == 0 {
				sep = ""
			}
			if _, err := fmt.Fprintf(pw, `%s{"eventName":"E%d"}`, sep, i); err != nil {
				return // the reader side is closed
			}
		}
	}()
	p := NewPrefetch(pr)
	if rec, err := p.Next(); err != nil || !strings.Contains(string(rec.Raw), "E0") {
		t.Fatalf("first record: %q, %v", rec.Raw, err)
	}
	done := make(chan struct{})
	go func() {
		// The input never ends: Close must not wait for it, once the reading
		// goroutine's next read fails.
		pr.CloseWithError(errors.New("closed by test"))
		p.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return")
	}
}

// TestReaderLimits: a value larger than MaxRecord, and a run of blank
// space as long, are each skipped as one SkipError, with the records
// around them read, in bounded memory.
func TestReaderLimits(t *testing.T) {
	big := `{"eventVersion":"2","userAgent":"` + strings.Repeat("A", MaxRecord+10) + `"}`
	blank := strings.Repeat(" ", MaxRecord+10)
	for _, tc := range []struct {
		name, in string
		want     []string // kinds
		reason   string
	}{
		{"huge record", `{"Records":[{"eventVersion":"1"},` + big + `,{"eventVersion":"3"}]}`, []string{"rec", "skip", "rec"}, "larger than"},
		{"huge first record", `{"Records":[` + big + `,{"eventVersion":"3"}]}`, []string{"skip", "rec"}, "larger than"},
		{"long blank run", `{"Records":[{"eventVersion":"1"},` + blank + `{"eventVersion":"3"}]}`, []string{"rec", "skip", "rec"}, "blank space"},
		{"long blank run in ndjson", `{"eventVersion":"1"}` + blank + `{"eventVersion":"3"}`, []string{"rec", "skip", "rec"}, "blank space"},
		{"huge ndjson line", "{\"eventVersion\":\"1\"}\n" + big + "\n{\"eventVersion\":\"3\"}\n", []string{"rec", "skip", "rec"}, "larger than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tc.in))
			var kinds []string
			for i := 0; i < 10; i++ {
				rec, err := r.Next()
				var sk *SkipError
				switch {
				case err == io.EOF:
					i = 10
				case err == nil:
					kinds = append(kinds, "rec")
					if len(rec.Raw) > 100 {
						t.Errorf("record of %d bytes read", len(rec.Raw))
					}
				case errors.As(err, &sk):
					kinds = append(kinds, "skip")
					if !strings.Contains(sk.Reason, tc.reason) || sk.End-sk.Offset < MaxRecord {
						t.Errorf("skip %v: want %q over at least %d bytes", sk, tc.reason, MaxRecord)
					}
				default:
					t.Fatalf("Next: %v", err)
				}
			}
			if strings.Join(kinds, ",") != strings.Join(tc.want, ",") {
				t.Errorf("got %v, want %v", kinds, tc.want)
			}
		})
	}
}

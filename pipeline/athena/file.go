package athena

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/athena/types"
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/auditlake/auditlake/pipeline/lake"
	"github.com/auditlake/auditlake/pipeline/source"
)

// NewFileSource reads the query executions of the AWS CLI's JSON output
// at location object from r, as a source.Reader, in any sequence (the CLI
// prints PascalCase names):
//
//	{"QueryExecutions":[{…},…],"UnprocessedQueryExecutionIds":[{…}]}  batch-get-query-execution
//	{"QueryExecution":{…}}                                             get-query-execution
//	{"QueryExecutionId":…,"Status":{…},…}                              one execution (also NDJSON)
//	[…]                                                                a JSON array of any of these
//
// Timestamps may be ISO 8601 with an offset or "Z" (the CLI prints
// "2026-07-01T09:10:03.512000+00:00"; a space for the "T" is accepted) or
// epoch seconds as a number (--cli-timestamp-format wire). Member names are
// matched case-insensitively.
//
// Read fills each execution in a final state (fetched_via 'file',
// source_object object, source_offset and Raw set to the record's offset
// and text). An execution in a non-final state (QUEUED, RUNNING) is a
// *source.Skip (query-not-final); a record that is not a usable execution
// (wrong shape, no id, no state or submission time, an unreadable
// timestamp) and each entry of UnprocessedQueryExecutionIds a
// *source.ParseError with its offset and reason; broken JSON a final one
// (the rest of the file is lost). Close the reader when done.
func NewFileSource(r io.Reader, object string) *source.Pulled[lake.AthenaQuery] {
	return source.Pull(func(emit func(*lake.AthenaQuery, error) bool) error {
		src := &bomSkipper{br: bufio.NewReader(r)}
		fr := &fileReader{
			src:    src,
			dec:    jsontext.NewDecoder(src, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)),
			source: object,
			emit:   emit,
		}
		if err := fr.run(); err != errStop {
			return err
		}
		return nil
	})
}

type fileReader struct {
	src     *bomSkipper
	dec     *jsontext.Decoder
	source  string
	emit    func(*lake.AthenaQuery, error) bool // false: stop reading
	members []byte
}

// errStop ends reading: after broken JSON, or when the reader stops.
var errStop = errors.New("stop")

func (f *fileReader) run() error {
	for {
		if f.dec.PeekKind() == 0 {
			_, err := f.dec.ReadToken()
			if errors.Is(err, io.EOF) {
				return nil
			}
			return f.unreadable(err)
		}
		if err := f.top(true); err != nil {
			if err == errStop {
				return nil
			}
			return err
		}
	}
}

func (f *fileReader) offset() int64 { return f.dec.InputOffset() + f.src.skipped }

// top reads one top-level value, or one element of a top-level array.
func (f *fileReader) top(allowArray bool) error {
	switch f.dec.PeekKind() {
	case '{':
		return f.object()
	case '[':
		if !allowArray {
			break
		}
		if _, err := f.dec.ReadToken(); err != nil {
			return f.unreadable(err)
		}
		for f.dec.PeekKind() != ']' {
			if f.dec.PeekKind() == 0 {
				_, err := f.dec.ReadToken()
				return f.unreadable(unexpectedEOF(err))
			}
			if err := f.top(false); err != nil {
				return err
			}
		}
		if _, err := f.dec.ReadToken(); err != nil {
			return f.unreadable(err)
		}
		return nil
	}
	return f.notRecord("value is not a JSON object")
}

// object reads an object member by member: the CLI's envelope members are
// streamed; if there are none, the object itself is one execution.
func (f *fileReader) object() error {
	if _, err := f.dec.ReadToken(); err != nil { // '{'
		return f.unreadable(err)
	}
	start := f.offset() - 1
	f.members = append(f.members[:0], '{')
	n, envelope := 0, false
	// Broken JSON loses the object from its start, unless it is an
	// envelope whose records were read already.
	stop := func(err error) error {
		if envelope {
			return f.unreadable(err)
		}
		return f.unreadableAt(start, err)
	}
	for f.dec.PeekKind() != '}' {
		if f.dec.PeekKind() == 0 {
			_, err := f.dec.ReadToken()
			return stop(unexpectedEOF(err))
		}
		tok, err := f.dec.ReadToken()
		if err != nil {
			return stop(err)
		}
		name := tok.String()
		var each func(raw []byte, off int64) error
		switch {
		case strings.EqualFold(name, "QueryExecutions"):
			each = f.execution
		case strings.EqualFold(name, "UnprocessedQueryExecutionIds"):
			each = f.unprocessed
		case strings.EqualFold(name, "QueryExecution"):
			envelope = true
			v, err := f.dec.ReadValue()
			if err != nil {
				return stop(unexpectedEOF(err))
			}
			if err := f.execution(v, f.offset()-int64(len(v))); err != nil {
				return err
			}
			continue
		}
		if each != nil {
			envelope = true
			if err := f.array(name, each); err != nil {
				return err
			}
			continue
		}
		v, err := f.dec.ReadValue()
		if err != nil {
			return stop(unexpectedEOF(err))
		}
		if n > 0 {
			f.members = append(f.members, ',')
		}
		f.members, _ = jsontext.AppendQuote(f.members, name)
		f.members = append(f.members, ':')
		f.members = append(f.members, v...)
		n++
	}
	if _, err := f.dec.ReadToken(); err != nil { // '}'
		return stop(err)
	}
	if envelope {
		return nil // other members (NextToken, …) are not records
	}
	f.members = append(f.members, '}')
	return f.execution(f.members, start)
}

// array streams the elements of an envelope array to each.
func (f *fileReader) array(name string, each func(raw []byte, off int64) error) error {
	if f.dec.PeekKind() != '[' {
		v, err := f.dec.ReadValue()
		if err != nil {
			return f.unreadable(unexpectedEOF(err))
		}
		return f.badRecord(f.offset()-int64(len(v)), name+" is not an array", v)
	}
	if _, err := f.dec.ReadToken(); err != nil {
		return f.unreadable(err)
	}
	for f.dec.PeekKind() != ']' {
		if f.dec.PeekKind() == 0 {
			_, err := f.dec.ReadToken()
			return f.unreadable(unexpectedEOF(err))
		}
		v, err := f.dec.ReadValue()
		if err != nil {
			return f.unreadable(unexpectedEOF(err))
		}
		if err := each(v, f.offset()-int64(len(v))); err != nil {
			return err
		}
	}
	if _, err := f.dec.ReadToken(); err != nil {
		return f.unreadable(err)
	}
	return nil
}

// fileOptions decode the CLI's executions into the SDK type.
var fileOptions = json.JoinOptions(
	json.MatchCaseInsensitiveNames(true),
	jsontext.AllowDuplicateNames(true),
	jsontext.AllowInvalidUTF8(true),
	json.WithUnmarshalers(json.UnmarshalFromFunc(unmarshalTime)),
)

// execution decodes one execution and emits or skips it.
func (f *fileReader) execution(raw []byte, off int64) error {
	var q types.QueryExecution
	if len(raw) == 0 || raw[0] != '{' {
		return f.badRecord(off, "query execution is not a JSON object", raw)
	}
	if err := json.Unmarshal(raw, &q, fileOptions); err != nil {
		return f.badRecord(off, "not a valid query execution: "+err.Error(), raw)
	}
	row, reason := convert(&q)
	if reason != "" {
		return f.badRecord(off, reason, raw)
	}
	if !lake.IsFinalQueryState(row.State) {
		return f.result(nil, &source.Skip{Reason: source.SkipQueryNotFinal})
	}
	row.FetchedVia = ViaFile
	row.SourceObject = f.source
	row.SourceOffset = off
	row.Raw = string(raw)
	return f.result(&row, nil)
}

// result hands one result to the reader; errStop when it stops.
func (f *fileReader) result(q *lake.AthenaQuery, err error) error {
	if !f.emit(q, err) {
		return errStop
	}
	return nil
}

// unprocessed records an UnprocessedQueryExecutionIds entry.
func (f *fileReader) unprocessed(raw []byte, off int64) error {
	var u types.UnprocessedQueryExecutionId
	if err := json.Unmarshal(raw, &u, fileOptions); err != nil {
		return f.badRecord(off, "not a valid unprocessed query execution id: "+err.Error(), raw)
	}
	return f.badRecord(off, unprocessedReason(u), raw)
}

// unprocessedReason is the quarantine reason of an execution
// BatchGetQueryExecution could not return: its id, code and message.
func unprocessedReason(u types.UnprocessedQueryExecutionId) string {
	reason := "unprocessed query execution id " + strconv.Quote(strings.TrimSpace(deref(u.QueryExecutionId)))
	if c := deref(u.ErrorCode); c != "" {
		reason += ": " + c
	}
	if m := deref(u.ErrorMessage); m != "" {
		reason += ": " + m
	}
	return reason
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (f *fileReader) badRecord(off int64, reason string, raw []byte) error {
	return f.result(nil, &source.ParseError{Object: f.source, Offset: off, Reason: reason, Record: bytes.Clone(raw)})
}

// notRecord skips a value that cannot be a record and records it.
func (f *fileReader) notRecord(reason string) error {
	v, err := f.dec.ReadValue()
	if err != nil {
		return f.unreadable(unexpectedEOF(err))
	}
	return f.badRecord(f.offset()-int64(len(v)), reason, v)
}

// unreadable records broken JSON at the current offset and stops reading.
func (f *fileReader) unreadable(err error) error { return f.unreadableAt(f.offset(), err) }

// unreadableAt records broken JSON from off on and stops reading.
func (f *fileReader) unreadableAt(off int64, err error) error {
	f.result(nil, &source.ParseError{Object: f.source, Offset: off,
		Reason: "unreadable from here to the end of the file: " + err.Error(), Final: true})
	return errStop
}

func unexpectedEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// unmarshalTime reads a timestamp as the CLI prints it (ISO 8601 with an
// offset or Z) or as the wire protocol sends it (epoch seconds).
func unmarshalTime(dec *jsontext.Decoder, t *time.Time) error {
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	switch v.Kind() {
	case 'n':
		*t = time.Time{}
		return nil
	case '0':
		sec, err := strconv.ParseFloat(string(v), 64)
		if err != nil || math.IsInf(sec, 0) || math.IsNaN(sec) {
			return fmt.Errorf("unreadable timestamp %s", v)
		}
		*t = time.UnixMilli(int64(math.Round(sec * 1000))).UTC()
		return nil
	case '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return err
		}
		p, err := ParseTime(s)
		if err != nil {
			return err
		}
		*t = p
		return nil
	}
	return fmt.Errorf("unreadable timestamp %s", v)
}

// ParseTime reads an ISO 8601 timestamp with a zone ("…Z" or "…+00:00",
// optional fraction, "T" or a space between date and time) as the AWS CLI
// prints it, and returns it in UTC.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if len(s) > 10 && s[10] == ' ' {
		s = s[:10] + "T" + s[11:]
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("unreadable timestamp %q", s)
	}
	return t.UTC(), nil
}

// Detect reports whether the first bytes of a file look like the AWS CLI's
// JSON output for Athena query executions: an object (or array of objects)
// whose first member is QueryExecutions, QueryExecution,
// UnprocessedQueryExecutionIds or QueryExecutionId. A head of a few hundred
// bytes is enough.
func Detect(head []byte) bool {
	head = bytes.TrimPrefix(bytes.TrimLeft(head, " \t\r\n"), []byte("\xef\xbb\xbf"))
	dec := jsontext.NewDecoder(bytes.NewReader(head), jsontext.AllowInvalidUTF8(true))
	tok, err := dec.ReadToken()
	if err != nil {
		return false
	}
	if tok.Kind() == '[' {
		if tok, err = dec.ReadToken(); err != nil {
			return false
		}
	}
	if tok.Kind() != '{' {
		return false
	}
	name, err := dec.ReadToken()
	if err != nil || name.Kind() != '"' {
		return false
	}
	switch name.String() {
	case "QueryExecutions", "QueryExecution", "UnprocessedQueryExecutionIds", "QueryExecutionId":
		return true
	}
	return false
}

// bomSkipper drops a UTF-8 byte order mark at the very start of the input,
// which jsontext rejects; offsets still count it.
type bomSkipper struct {
	br      *bufio.Reader
	skipped int64
	checked bool
}

func (b *bomSkipper) Read(p []byte) (int, error) {
	if !b.checked {
		b.checked = true
		if head, _ := b.br.Peek(3); bytes.Equal(head, []byte("\xef\xbb\xbf")) {
			b.br.Discard(3)
			b.skipped = 3
		}
	}
	return b.br.Read(p)
}

package cloudtrail

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/go-json-experiment/json/jsontext"
)

// Record is one raw CloudTrail record as it appears in the input.
type Record struct {
	Raw    []byte // the record's JSON; valid until the next call to Next, unless Owned
	Offset int64  // byte offset of the record in the decompressed stream
	// Owned says that Raw is the caller's to keep: never reused or
	// modified, so the event may keep it as its raw text without a copy.
	Owned bool
	// Control says that the record is a log event of a CloudWatch Logs
	// subscription's CONTROL_MESSAGE payload: no CloudTrail record.
	Control bool
}

// SyntaxError reports input that is not the JSON the reader expects. After a
// SyntaxError the reader cannot continue with the object.
type SyntaxError struct {
	Offset int64
	Err    error
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at offset %d: %v", e.Offset, e.Err)
}
func (e *SyntaxError) Unwrap() error { return e.Err }

// ValueError reports one top-level or array value that is not a record (a
// number, a string, …). The reader continues after it.
type ValueError struct {
	Offset int64
	Raw    []byte
	Reason string
}

func (e *ValueError) Error() string { return fmt.Sprintf("offset %d: %s", e.Offset, e.Reason) }

// SkipError reports bytes the reader could not read as records and
// skipped: a syntax error, or a record larger than MaxRecord. Reading
// continues after them, at the next record it can find (the next line in
// NDJSON; the next element of a Records array, found by the way trail
// records begin). End is the offset reading resumes at, the input's end
// when no later record was found.
type SkipError struct {
	Offset, End int64
	Reason      string
}

func (e *SkipError) Error() string {
	return fmt.Sprintf("offset %d: %s; %d bytes skipped", e.Offset, e.Reason, e.End-e.Offset)
}

// MaxRecord is the largest record the reader holds in memory. CloudTrail
// records are at most a few hundred KB (fields over 100 KB are omitted);
// a larger one is skipped, so that one hostile record cannot cost more
// memory than this.
const MaxRecord = 8 << 20

// recordLimit is MaxRecord; tests lower it to reach the limit's paths
// with small inputs.
var recordLimit int64 = MaxRecord

// errTooLarge stops the decoder when a value grows past MaxRecord.
var errTooLarge = errors.New("record larger than 8 MiB")

type state int

const (
	stTop      state = iota // between top-level values
	stArray                 // inside a top-level array of records
	stEnvelope              // inside the Records/Events array of an envelope object
	stRest                  // after the envelope array, inside the envelope object
)

// Reader streams records out of one CloudTrail object without holding more
// than one record in memory. It accepts, in any sequence, with or without
// blank space between them (Firehose concatenates what it delivers):
//
//	{"Records":[{…},{…}]}          a trail log file (other members are ignored)
//	{"Events":[{…"CloudTrailEvent":"{…}"}]}  aws cloudtrail lookup-events output
//	{"messageType":"DATA_MESSAGE",…,"logEvents":[{"id":…,"message":"{…}"}]}
//	                                a CloudWatch Logs subscription payload
//	{…}                             a single record, or an EventBridge event
//	                                of CloudTrail ({"detail-type":…,"detail":{…}});
//	                                also NDJSON: one per line
//	[{…},{…}]                       a JSON array of records
//
// Wrapped records (LookupEvents' CloudTrailEvent string, a log event's
// message, an EventBridge event's detail) are returned as they are;
// Normalize unwraps them. The log events of a CONTROL_MESSAGE payload are
// marked Control.
type Reader struct {
	dec     *jsontext.Decoder
	src     *bomSkipper
	in      *feed // what the decoder reads: pushed-back bytes, then src, up to a limit
	st      state
	marker  []byte // how an element of the current array begins, for resynchronising ("" none)
	members []byte // members of a top-level object read so far, re-assembled
	inner   []byte

	decStart int64 // stream offset of the first byte the current decoder read from in
	prefix   int   // synthetic bytes the current decoder was fed before them
	rest     bool  // after a resynchronised envelope array: the envelope's members follow
	start    int64 // offset where the value being read began (where a skip starts)
	control  bool  // the envelope being read is a CloudWatch Logs CONTROL_MESSAGE
}

// feed feeds the decoder: bytes pushed back after a resynchronisation,
// then the input, never past limit (a stream offset).
type feed struct {
	synth  []byte // synthetic bytes first (not part of the stream)
	back   []byte // stream bytes pushed back
	br     *bufio.Reader
	pos    int64 // stream offset of the next stream byte served
	limit  int64
	failed error // a read error of the input (not syntax): never resynchronised over
}

func (s *feed) Read(p []byte) (int, error) {
	if len(s.synth) > 0 {
		n := copy(p, s.synth)
		s.synth = s.synth[n:]
		return n, nil
	}
	if s.pos >= s.limit {
		return 0, errTooLarge
	}
	if max := s.limit - s.pos; int64(len(p)) > max {
		p = p[:max]
	}
	if len(s.back) > 0 {
		n := copy(p, s.back)
		s.back = s.back[n:]
		s.pos += int64(n)
		return n, nil
	}
	n, err := s.br.Read(p)
	s.pos += int64(n)
	if err != nil && err != io.EOF {
		s.failed = err
	}
	return n, err
}

// readByte reads one stream byte, ignoring the limit (resynchronising).
func (s *feed) readByte() (byte, error) {
	if len(s.back) > 0 {
		c := s.back[0]
		s.back = s.back[1:]
		s.pos++
		return c, nil
	}
	c, err := s.br.ReadByte()
	if err == nil {
		s.pos++
	} else if err != io.EOF {
		s.failed = err
	}
	return c, err
}

const noLimit = 1<<63 - 1

// NewReader reads records from r, which must already be decompressed.
// A leading UTF-8 byte order mark is skipped (offsets still count it).
func NewReader(r io.Reader) *Reader {
	src := &bomSkipper{br: bufio.NewReaderSize(r, 16)}
	rd := &Reader{src: src, in: &feed{br: bufio.NewReaderSize(src, 64<<10), limit: noLimit}}
	rd.dec = jsontext.NewDecoder(rd.in, decoderOptions...)
	return rd
}

// bomSkipper drops a UTF-8 byte order mark at the very start of the input,
// which jsontext rejects.
type bomSkipper struct {
	br      *bufio.Reader
	skipped int64 // bytes dropped: 0 or 3
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

var decoderOptions = []jsontext.Options{jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)}

// offset is the decoder's input offset in the caller's stream.
func (r *Reader) offset() int64 {
	return r.decStart + r.dec.InputOffset() - int64(r.prefix) + r.src.skipped
}

// bound lets the decoder read at most MaxRecord bytes past the current
// offset: the next value must end within them.
func (r *Reader) bound() {
	r.start = r.offset()
	r.in.limit = r.start - r.src.skipped + recordLimit
}

// envelopeKey reports whether an object member holds the record array.
func envelopeKey(name string) bool {
	return name == "Records" || name == "Events" || name == "logEvents"
}

// Next returns the next record. It returns io.EOF at the end of the input,
// a *ValueError for a value that is not a record (reading may continue), and
// a *SyntaxError for broken input (reading may not continue).
func (r *Reader) Next() (Record, error) {
	for {
		switch r.st {
		case stTop:
			r.bound()
			k := r.dec.PeekKind()
			if k == 0 {
				_, err := r.dec.ReadToken()
				if errors.Is(err, io.EOF) {
					return Record{}, io.EOF
				}
				return Record{}, r.syntax(err)
			}
			switch k {
			case '[':
				if _, err := r.dec.ReadToken(); err != nil {
					return Record{}, r.syntax(err)
				}
				r.st, r.marker = stArray, nil
			case '{':
				rec, done, err := r.object()
				if err != nil || done {
					return rec, err
				}
			default:
				return r.notRecord("top-level value is not an object or array")
			}
		case stArray, stEnvelope:
			r.bound()
			k := r.dec.PeekKind()
			switch k {
			case ']':
				if _, err := r.dec.ReadToken(); err != nil {
					return Record{}, r.syntax(err)
				}
				switch {
				case r.st == stEnvelope:
					r.st = stRest
				case r.rest:
					// A resynchronised envelope array ended: its object's
					// remaining members follow, read as members of a
					// synthetic object.
					r.rest = false
					r.pushBack()
					r.restart(`{"":0`, stRest)
				default:
					r.st = stTop
				}
			case '{':
				return r.value()
			case 0:
				_, err := r.dec.ReadToken()
				return Record{}, r.syntax(unexpectedEOF(err))
			default:
				return r.notRecord("array element is not an object")
			}
		case stRest:
			if r.dec.PeekKind() == '}' {
				if _, err := r.dec.ReadToken(); err != nil {
					return Record{}, r.syntax(err)
				}
				r.st = stTop
				continue
			}
			if _, err := r.dec.ReadToken(); err != nil { // member name
				return Record{}, r.syntax(unexpectedEOF(err))
			}
			if err := r.dec.SkipValue(); err != nil {
				return Record{}, r.syntax(unexpectedEOF(err))
			}
		}
	}
}

// object reads a top-level object member by member. When it meets the
// envelope array it switches to stEnvelope and reports done=false; otherwise
// it returns the whole object as one record.
func (r *Reader) object() (Record, bool, error) {
	if _, err := r.dec.ReadToken(); err != nil { // '{'
		return Record{}, false, r.syntax(err)
	}
	r.control = false
	start := r.offset() - 1
	r.members = append(r.members[:0], '{')
	n := 0
	for r.dec.PeekKind() != '}' {
		if r.dec.PeekKind() == 0 {
			_, err := r.dec.ReadToken()
			return Record{}, false, r.syntax(unexpectedEOF(err))
		}
		tok, err := r.dec.ReadToken()
		if err != nil {
			return Record{}, false, r.syntax(err)
		}
		name := tok.String() // a Token is void after the next decoder call
		if envelopeKey(name) && r.dec.PeekKind() == '[' {
			if _, err := r.dec.ReadToken(); err != nil {
				return Record{}, false, r.syntax(err)
			}
			r.st = stEnvelope
			r.marker = markers[name]
			return Record{}, false, nil
		}
		v, err := r.dec.ReadValue()
		if err != nil {
			return Record{}, false, r.syntax(unexpectedEOF(err))
		}
		if name == "messageType" {
			r.control = string(v) == `"CONTROL_MESSAGE"`
		}
		if n > 0 {
			r.members = append(r.members, ',')
		}
		r.members, _ = jsontext.AppendQuote(r.members, name)
		r.members = append(r.members, ':')
		r.members = append(r.members, v...)
		n++
	}
	if _, err := r.dec.ReadToken(); err != nil { // '}'
		return Record{}, false, r.syntax(err)
	}
	r.members = append(r.members, '}')
	return Record{Raw: r.members, Offset: start}, true, nil
}

func (r *Reader) value() (Record, error) {
	v, err := r.dec.ReadValue()
	if err != nil {
		return Record{}, r.syntax(unexpectedEOF(err))
	}
	return Record{Raw: v, Offset: r.offset() - int64(len(v)), Control: r.control && r.st == stEnvelope}, nil
}

func (r *Reader) notRecord(reason string) (Record, error) {
	v, err := r.dec.ReadValue()
	if err != nil {
		return Record{}, r.syntax(unexpectedEOF(err))
	}
	return Record{}, &ValueError{Offset: r.offset() - int64(len(v)), Raw: bytes.Clone(v), Reason: reason}
}

// syntax handles a decoder error: input cut short, and a read error of
// the input, end the object (*SyntaxError); anything else (invalid JSON, a
// record too large) is skipped to the next record (*SkipError).
func (r *Reader) syntax(err error) error {
	at := r.offset()
	if r.in.failed != nil || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) && !errors.Is(err, errTooLarge) {
		return &SyntaxError{Offset: at, Err: err}
	}
	start := r.start
	reason := "invalid JSON at offset " + fmt.Sprint(at) + ": " + err.Error()
	if errors.Is(err, errTooLarge) {
		reason = fmt.Sprintf("a value larger than %s", sizeText(recordLimit))
	}
	// Stream bytes the decoder read but did not use go back; the scan for
	// the next record starts where decoding stopped.
	r.pushBack()
	r.in.limit = noLimit
	st := r.st
	if errors.Is(err, errTooLarge) && r.blankRun() {
		// Only blank space was too long: the value after it is read.
		r.resume(st)
		return &SkipError{Offset: start, End: r.in.pos + r.src.skipped, Reason: "blank space longer than " + sizeText(recordLimit)}
	}
	var found bool
	if st == stArray || st == stEnvelope {
		found = r.seekElement()
	} else { // between top-level values (NDJSON) or in an envelope's other members
		found = r.seekLine()
		st = stTop
	}
	if r.in.failed != nil {
		return &SyntaxError{Offset: r.in.pos + r.src.skipped, Err: r.in.failed}
	}
	end := r.in.pos + r.src.skipped
	if !found {
		r.restart("", stTop)
		return &SkipError{Offset: start, End: end, Reason: reason + "; no later record found"}
	}
	r.resume(st)
	return &SkipError{Offset: start, End: end, Reason: reason}
}

// resume restarts decoding at the feed's position: at the next element
// of the array being read when st is stArray or stEnvelope (as the first
// element of a synthetic array), else between top-level values.
func (r *Reader) resume(st state) {
	if st == stArray || st == stEnvelope {
		r.rest = r.rest || st == stEnvelope
		r.restart("[", stArray)
		return
	}
	r.restart("", stTop)
}

// markers are how the elements of an envelope array begin: CloudTrail
// writes eventVersion first in every trail record, LookupEvents EventId
// first in every event, and CloudWatch Logs id first in every log event.
var markers = map[string][]byte{"Records": []byte(`"eventVersion"`), "Events": []byte(`"EventId"`), "logEvents": []byte(`"id"`)}

// pushBack returns the stream bytes the decoder read but did not use to
// the source, so that the feed's position is where decoding stopped.
func (r *Reader) pushBack() {
	unread := r.dec.UnreadBuffer()
	fed := r.in.pos - r.decStart
	used := max(0, r.dec.InputOffset()-int64(r.prefix))
	if k := fed - used; k > 0 && k <= int64(len(unread)) {
		r.in.back = append(bytes.Clone(unread[int64(len(unread))-k:]), r.in.back...)
		r.in.pos -= k
	}
	r.in.synth = nil
}

// restart starts a new decoder at the feed's position, fed synth first.
// Stream bytes the old decoder read but did not use must have been pushed
// back (pushBack) first.
func (r *Reader) restart(synth string, st state) {
	r.decStart = r.in.pos
	r.prefix = len(synth)
	r.in.synth = []byte(synth)
	r.in.limit = noLimit
	r.dec.Reset(r.in, decoderOptions...)
	r.st = st
	if st == stTop {
		r.rest = false // no envelope is open any more
	}
	// Read the synthetic tokens: the decoder is then where st says.
	for range map[string]int{"": 0, "[": 1, `{"":0`: 3}[synth] {
		r.dec.ReadToken()
	}
}

// blankRun reports whether the value that passed the limit was blank
// space: at least MaxRecord/2 bytes of it (with a comma between array
// elements) up to the next object, which it leaves unread. Otherwise it
// gives back what it read (a short run of blanks) and reports false.
func (r *Reader) blankRun() bool {
	var seen []byte
	comma := false
	n := 0 // blank bytes consumed
	for {
		c, err := r.in.readByte()
		if err != nil {
			r.unread(seen)
			return false
		}
		switch {
		case isSpace(c):
			n++
			if len(seen) < 1<<10 {
				seen = append(seen, c)
			} else {
				seen = seen[:0] // blank space that is not given back is not lost
			}
			continue
		case c == ',' && !comma:
			comma = true
			seen = append(seen, c)
			continue
		case c == '{' && int64(n) >= recordLimit/2:
			// The blank space itself reached the limit (a value that did
			// follows it unread).
			r.unread([]byte{c})
			return true
		}
		if n >= 1<<10 {
			seen = seen[:0] // a long run of blanks is not given back: it is skipped
		}
		r.unread(append(seen, c))
		return false
	}
}

// seekLine consumes stream bytes through the next newline.
func (r *Reader) seekLine() bool {
	// The line the bad value begins on: skip the blank space before it.
	for {
		c, err := r.in.readByte()
		if err != nil {
			return false
		}
		if !isSpace(c) {
			if c == '\n' {
				return true
			}
			break
		}
	}
	for {
		c, err := r.in.readByte()
		if err != nil {
			return false
		}
		if c == '\n' {
			return true
		}
	}
}

// seekElement consumes stream bytes up to the next element of the
// current array, which it leaves unread: an object that begins with the
// array's marker (optional whitespace after the brace), or without a
// marker an object after a '}' or ','. It reports false at the end of
// the input.
func (r *Reader) seekElement() bool {
	var cand []byte // '{', whitespace and the marker's bytes matched so far
	var last byte   // the last byte outside cand that is not whitespace
	// The decoder stopped before the value that failed, after blanks and
	// a comma: when that value is an object, pass over its opening brace,
	// so as never to resume at it; garbage is searched from.
	for {
		c, err := r.in.readByte()
		if err != nil {
			return false
		}
		if isSpace(c) || c == ',' {
			continue
		}
		if c != '{' {
			last = c
		}
		break
	}
	for {
		c, err := r.in.readByte()
		if err != nil {
			return false
		}
		if cand != nil {
			switch j := len(bytes.TrimLeft(cand[1:], " \t\r\n")); {
			case j < len(r.marker) && c == r.marker[j] && !(j == 0 && len(cand) > 64):
				cand = append(cand, c)
				if j+1 == len(r.marker) {
					r.unread(cand)
					return true
				}
				continue
			case j == 0 && isSpace(c) && len(cand) < 64:
				cand = append(cand, c)
				continue
			}
			cand = nil
		}
		if c == '{' {
			if r.marker == nil {
				if last == '}' || last == ',' {
					r.unread([]byte{'{'})
					return true
				}
			} else {
				cand = []byte{'{'}
			}
		}
		if !isSpace(c) {
			last = c
		}
	}
}

func (r *Reader) unread(b []byte) {
	r.in.back = append(bytes.Clone(b), r.in.back...)
	r.in.pos -= int64(len(b))
}

func sizeText(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func unexpectedEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

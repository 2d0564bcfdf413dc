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

type state int

const (
	stTop      state = iota // between top-level values
	stArray                 // inside a top-level array of records
	stEnvelope              // inside the Records/Events array of an envelope object
	stRest                  // after the envelope array, inside the envelope object
)

// Reader streams records out of one CloudTrail object without holding more
// than one record in memory. It accepts, in any sequence:
//
//	{"Records":[{…},{…}]}          a trail log file (other members are ignored)
//	{"Events":[{…"CloudTrailEvent":"{…}"}]}  aws cloudtrail lookup-events output
//	{…}                             a single record (also NDJSON: one per line)
//	[{…},{…}]                       a JSON array of records
//
// Records wrapped in LookupEvents' CloudTrailEvent string are returned as
// they are; Normalize unwraps them.
type Reader struct {
	dec     *jsontext.Decoder
	src     *bomSkipper
	st      state
	members []byte // members of a top-level object read so far, re-assembled
	inner   []byte
}

// NewReader reads records from r, which must already be decompressed.
// A leading UTF-8 byte order mark is skipped (offsets still count it).
func NewReader(r io.Reader) *Reader {
	src := &bomSkipper{br: bufio.NewReaderSize(r, 16)}
	return &Reader{src: src, dec: jsontext.NewDecoder(src,
		jsontext.AllowDuplicateNames(true),
		jsontext.AllowInvalidUTF8(true),
	)}
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

// offset is the decoder's input offset in the caller's stream.
func (r *Reader) offset() int64 { return r.dec.InputOffset() + r.src.skipped }

// envelopeKey reports whether an object member holds the record array.
func envelopeKey(name string) bool { return name == "Records" || name == "Events" }

// Next returns the next record. It returns io.EOF at the end of the input,
// a *ValueError for a value that is not a record (reading may continue), and
// a *SyntaxError for broken input (reading may not continue).
func (r *Reader) Next() (Record, error) {
	for {
		switch r.st {
		case stTop:
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
				r.st = stArray
			case '{':
				rec, done, err := r.object()
				if err != nil || done {
					return rec, err
				}
			default:
				return r.notRecord("top-level value is not an object or array")
			}
		case stArray, stEnvelope:
			k := r.dec.PeekKind()
			switch k {
			case ']':
				if _, err := r.dec.ReadToken(); err != nil {
					return Record{}, r.syntax(err)
				}
				if r.st == stArray {
					r.st = stTop
				} else {
					r.st = stRest
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
			return Record{}, false, nil
		}
		v, err := r.dec.ReadValue()
		if err != nil {
			return Record{}, false, r.syntax(unexpectedEOF(err))
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
	return Record{Raw: v, Offset: r.offset() - int64(len(v))}, nil
}

func (r *Reader) notRecord(reason string) (Record, error) {
	v, err := r.dec.ReadValue()
	if err != nil {
		return Record{}, r.syntax(unexpectedEOF(err))
	}
	return Record{}, &ValueError{Offset: r.offset() - int64(len(v)), Raw: bytes.Clone(v), Reason: reason}
}

func (r *Reader) syntax(err error) error {
	return &SyntaxError{Offset: r.offset(), Err: err}
}

func unexpectedEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

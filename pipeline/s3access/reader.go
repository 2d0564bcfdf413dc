package s3access

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/auditlake/auditlake/pipeline/lake"
	"github.com/auditlake/auditlake/pipeline/source"
)

// MaxLine is the longest line Reader returns (without its line end). Real
// lines are a few hundred bytes; the Request-URI and User-Agent make up
// most of a long one.
const MaxLine = 1 << 20

// LineError reports a line that Reader does not return (it is longer than
// MaxLine). Reading continues with the next line.
type LineError struct {
	Offset int64  // byte offset of the line in the stream
	Len    int64  // length of the line without its line end
	Reason string // quarantine reason
}

func (e *LineError) Error() string {
	return fmt.Sprintf("line at offset %d (%d bytes): %s", e.Offset, e.Len, e.Reason)
}

// Reader splits an access-log object into lines. A line may end in "\n" or
// "\r\n" (the last one in neither); blank lines are skipped; a UTF-8 byte
// order mark at the start is dropped.
type Reader struct {
	br      *bufio.Reader
	buf     []byte
	off     int64 // offset of the next unread byte
	max     int
	err     error // sticky read error
	started bool
}

// NewReader reads lines from r, which must already be decompressed.
func NewReader(r io.Reader) *Reader {
	return newReaderSize(r, 64<<10, MaxLine)
}

func newReaderSize(r io.Reader, size, max int) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, size), max: max}
}

// Next returns the next non-blank line without its line end, and its byte
// offset in the stream. The line is valid until the next call. It returns
// io.EOF at the end, a *LineError for a line longer than MaxLine (call Next
// again to go on), and any other error from the underlying reader (after
// which the reader stops).
func (r *Reader) Next() (line []byte, offset int64, err error) {
	if !r.started {
		r.started = true
		if head, _ := r.br.Peek(len(bom)); bytes.Equal(head, bom) {
			r.br.Discard(len(bom))
			r.off = int64(len(bom))
		}
	}
	for {
		if r.err != nil {
			return nil, r.off, r.err
		}
		start := r.off
		line, n, long, longLen, err := r.readLine()
		r.off += int64(n)
		if err != nil && err != io.EOF {
			r.err = fmt.Errorf("s3access: read at offset %d: %w", r.off, err)
			return nil, r.off, r.err
		}
		if n == 0 { // io.EOF
			r.err = io.EOF
			return nil, r.off, io.EOF
		}
		if err == io.EOF {
			r.err = io.EOF // after this line
		}
		if !long && len(line) > r.max {
			long, longLen = true, len(line)
		}
		if long {
			return nil, start, &LineError{Offset: start, Len: int64(longLen), Reason: fmt.Sprintf("line is longer than %d bytes", r.max)}
		}
		if blank(line) {
			continue
		}
		return line, start, nil
	}
}

// readLine reads up to and including the next '\n' and returns the line
// without "\n" or "\r\n" (or a final "\r"), and n, the bytes read. When the
// line goes past the limit it returns long, no line, and its length without
// the line end.
func (r *Reader) readLine() (line []byte, n int, long bool, longLen int, err error) {
	r.buf = r.buf[:0]
	var b1, b2 byte // the last two bytes read
	for {
		chunk, err := r.br.ReadSlice('\n')
		n += len(chunk)
		switch k := len(chunk); {
		case k >= 2:
			b1, b2 = chunk[k-2], chunk[k-1]
		case k == 1:
			b1, b2 = b2, chunk[0]
		}
		if err == bufio.ErrBufferFull {
			switch {
			case long:
			case len(r.buf)+len(chunk) > r.max+2:
				long = true
				r.buf = r.buf[:0]
			default:
				r.buf = append(r.buf, chunk...)
			}
			continue
		}
		if long {
			longLen = n
			if b2 == '\n' {
				longLen--
				if b1 == '\r' {
					longLen--
				}
			} else if b2 == '\r' {
				longLen--
			}
			return nil, n, true, longLen, err
		}
		if len(r.buf) > 0 {
			r.buf = append(r.buf, chunk...)
			chunk = r.buf
		}
		line = chunk
		line = bytes.TrimSuffix(line, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		return line, n, false, 0, err
	}
}

func blank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}

// Detect reports whether the first bytes of an object look like an S3
// server access log: the first non-blank line starts with two tokens (bucket
// owner and bucket) and a [dd/Mon/yyyy:hh:mm:ss +zzzz] time. Common and
// combined web-server logs have three tokens before their time, CloudTrail
// and the CloudWatch delivery format are JSON, so none of them match.
func Detect(head []byte) bool {
	head = bytes.TrimPrefix(head, bom)
	for {
		i := bytes.IndexByte(head, '\n')
		line := head
		if i >= 0 {
			line = head[:i]
		}
		if !blank(line) {
			return detectLine(string(trimLine(line)))
		}
		if i < 0 {
			return false
		}
		head = head[i+1:]
	}
}

func detectLine(s string) bool {
	owner, p := token(s, 0)
	bucket, p := token(s, p)
	if owner == "" || bucket == "" || strings.ContainsAny(owner, "\"[]{}<>\t") {
		return false
	}
	for i := 0; i < len(bucket); i++ {
		c := bucket[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	p = skip(s, p)
	if p >= len(s) || s[p] != '[' {
		return false
	}
	end := strings.IndexByte(s[p:], ']')
	if end < 0 || end > 40 {
		return false
	}
	_, ok := parseTime(s[p+1 : p+end])
	return ok && (p+end+1 == len(s) || s[p+end+1] == ' ')
}

// Source reads the events of one access-log object as a source.Reader.
type Source struct {
	rd     *Reader
	object string
	done   bool
}

// NewSource reads the object at location object from body (decompressed).
func NewSource(body io.Reader, object string) *Source {
	return &Source{rd: NewReader(body), object: object}
}

// Read implements source.Reader.
func (s *Source) Read(ev *lake.Event) error {
	if s.done {
		return io.EOF
	}
	line, off, err := s.rd.Next()
	if err == io.EOF {
		s.done = true
		return io.EOF
	}
	var le *LineError
	switch {
	case errors.As(err, &le):
		return &source.ParseError{Object: s.object, Offset: le.Offset, Reason: le.Reason}
	case err != nil:
		s.done = true
		return &source.ParseError{Object: s.object, Offset: off, Reason: "unreadable from here to the end of the object: " + err.Error(), Final: true}
	}
	if err := Normalize(line, s.object, off, ev); err != nil {
		return &source.ParseError{Object: s.object, Offset: off, Reason: err.Error(), Record: line}
	}
	return nil
}

// Package source is the contract every audit-log source of ingest
// implements, in the style of encoding/csv: a Reader returns the rows of
// one object (or one API fetch), one at a time, and says why when a record
// cannot be a row.
//
// Each call to Read accounts for exactly one record read: it fills the
// row (nil error), or reports a record that could not be read or
// normalized (*ParseError: quarantined with the object, offset and
// reason), or one read and deliberately not stored (*Skip: counted under
// its reason). io.EOF ends the object; any other error is a failure of the
// object itself (a read error of its store, a cancelled context), after
// which nothing of it may be committed.
//
// The sources are cloudtrail (trail files and every form CloudTrail records
// are delivered in, and LookupEvents), s3access (server access logs) and
// athena (the AWS CLI's query-execution JSON, the query-history API and
// EventBridge state changes). Ingest (package pipeline) registers them in
// one list with how each is recognised and reads them all through one loop.
package source

import (
	"fmt"
	"io"
	"iter"
)

// Reader reads the rows of one object. See the package documentation for
// what each result means.
type Reader[R any] interface {
	Read(row *R) error
}

// ParseError is a record that could not be read or normalized.
type ParseError struct {
	Object string // where the record was read (a location)
	Offset int64  // its byte offset in the decompressed object, or its position in an API's answers
	Reason string
	Record []byte // the record's text, kept in the quarantine; nil when unknown
	// Skipped is the number of bytes passed over that could not be read as
	// records (counted in the ledger as bytes_skipped).
	Skipped int64
	// Final says that nothing after it can be read: the rest of the object
	// is lost (a truncated stream). Read returns io.EOF after it.
	Final bool
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%s: offset %d: %s", e.Object, e.Offset, e.Reason)
}

// Skip is a record read and deliberately not stored: counted under Reason.
type Skip struct {
	Reason string
}

func (s *Skip) Error() string { return "skipped: " + s.Reason }

// Reasons for records read and not stored.
const (
	SkipInsightRecord  = "insight-record"      // a CloudTrail Insights record
	SkipControlMessage = "cwl-control-message" // a CloudWatch Logs subscription's control message
	SkipQueryNotFinal  = "query-not-final"     // an Athena execution still queued or running
	SkipOutsideWindow  = "outside-window"      // outside the run's --since/--until window
)

// Pull turns a source that pushes its results (each a row, or an error
// for one record) into a Reader. push runs in a coroutine until it
// returns; emit returns false when the reader stops early (Close), and push
// should then return. push's own error ends the object as a failure.
func Pull[R any](push func(emit func(*R, error) bool) error) *Pulled[R] {
	next, stop := iter.Pull2(func(yield func(*R, error) bool) {
		if err := push(yield); err != nil {
			yield(nil, &failure{err})
		}
	})
	return &Pulled[R]{next: next, stop: stop}
}

// Pulled is the Reader Pull returns. Close it when done.
type Pulled[R any] struct {
	next func() (*R, error, bool)
	stop func()
	err  error
}

// failure carries push's own error out of the coroutine.
type failure struct{ err error }

func (f *failure) Error() string { return f.err.Error() }

func (p *Pulled[R]) Read(row *R) error {
	if p.err != nil {
		return p.err
	}
	r, err, ok := p.next()
	switch {
	case !ok:
		p.err = io.EOF
		return p.err
	case err != nil:
		if f, isFailure := err.(*failure); isFailure {
			p.err = f.err
			return p.err
		}
		return err
	}
	*row = *r
	return nil
}

// Close ends the coroutine of a reader not read to its end (ingest closes
// every reader that has a Close, however it stopped reading).
func (p *Pulled[R]) Close() { p.stop() }

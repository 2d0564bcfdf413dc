package cloudtrail

import (
	"context"
	"errors"
	"io"

	"github.com/auditlake/auditlake/pipeline/lake"
	"github.com/auditlake/auditlake/pipeline/source"
)

// Source reads the events of one CloudTrail object (any form Reader
// accepts) as a source.Reader: records are read ahead in their own
// goroutine (Prefetch) and normalized by Read. Close it when done.
type Source struct {
	rd     *Prefetch
	norm   *Normalizer
	object string
	done   bool
}

// NewSource reads the object at location object from body (decompressed),
// normalizing with norm.
func NewSource(body io.Reader, object string, norm *Normalizer) *Source {
	return &Source{rd: NewPrefetch(body), norm: norm, object: object}
}

// Read implements source.Reader.
func (s *Source) Read(ev *lake.Event) error {
	if s.done {
		return io.EOF
	}
	rec, err := s.rd.Next()
	if err == io.EOF {
		s.done = true
		return io.EOF
	}
	var ve *ValueError
	var se *SyntaxError
	var sk *SkipError
	switch {
	case errors.As(err, &ve):
		return &source.ParseError{Object: s.object, Offset: ve.Offset, Reason: ve.Reason, Record: ve.Raw}
	case errors.As(err, &sk):
		// Bytes that could not be read as records: one entry (counted as
		// one record read), and reading goes on.
		return &source.ParseError{Object: s.object, Offset: sk.Offset, Reason: sk.Error(), Skipped: sk.End - sk.Offset}
	case errors.As(err, &se):
		s.done = true
		return &source.ParseError{Object: s.object, Offset: se.Offset, Reason: "unreadable from here to the end of the object: " + se.Err.Error(), Final: true}
	case err != nil:
		return err
	}
	return s.normalize(rec, ev)
}

func (s *Source) normalize(rec Record, ev *lake.Event) error {
	kind, err := s.norm.Normalize(rec, s.object, ev)
	switch {
	case err != nil:
		return &source.ParseError{Object: s.object, Offset: rec.Offset, Reason: err.Error(), Record: rec.Raw}
	case kind == KindInsight:
		return &source.Skip{Reason: source.SkipInsightRecord}
	case kind == KindControl:
		return &source.Skip{Reason: source.SkipControlMessage}
	}
	return nil
}

// Close stops reading ahead.
func (s *Source) Close() { s.rd.Close() }

// LookupSource reads the events CloudTrail LookupEvents returns for opt as
// a source.Reader; a record's offset is its position in the answers. Stop
// it when done.
type LookupSource struct {
	pull   *source.Pulled[Record]
	norm   *Normalizer
	object string
}

// NewLookupSource fetches through api, naming the records' object object.
func NewLookupSource(ctx context.Context, api LookupAPI, opt LookupOptions, object string, norm *Normalizer) *LookupSource {
	pull := source.Pull(func(emit func(*Record, error) bool) error {
		var n int64
		_, err := Lookup(ctx, api, opt, func(raw []byte) error {
			rec := Record{Raw: raw, Offset: n}
			n++
			if !emit(&rec, nil) {
				return errStopped
			}
			return nil
		})
		if errors.Is(err, errStopped) {
			return nil
		}
		return err
	})
	return &LookupSource{pull: pull, norm: norm, object: object}
}

var errStopped = errors.New("reader stopped")

// Read implements source.Reader.
func (s *LookupSource) Read(ev *lake.Event) error {
	var rec Record
	if err := s.pull.Read(&rec); err != nil {
		return err
	}
	return (&Source{norm: s.norm, object: s.object}).normalize(rec, ev)
}

// Stop ends the fetch of a reader not read to its end.
func (s *LookupSource) Stop() { s.pull.Stop() }

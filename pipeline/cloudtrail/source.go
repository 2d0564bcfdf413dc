package cloudtrail

import (
	"context"
	"errors"
	"io"
	"runtime"
	"sync"

	"github.com/auditlake/auditlake/pipeline/lake"
	"github.com/auditlake/auditlake/pipeline/source"
)

// Source reads the events of one CloudTrail object (any form Reader
// accepts) as a source.Reader. Records are read ahead in one goroutine
// (Prefetch) and normalized, a batch at a time, by several goroutines,
// each with its own Normalizer; Read returns them in the object's order.
// Close it when done.
type Source struct {
	object string
	pf     *Prefetch
	order  chan chan *[]normalized // the batches in input order, each filled by a worker
	stop   chan struct{}
	wg     sync.WaitGroup
	cur    []normalized
	buf    *[]normalized // the batch cur is in, recycled when read
	done   bool
}

// normalized is one result of the reader, normalized.
type normalized struct {
	ev   lake.Event
	rec  Record // offset and text, for a record that is quarantined
	kind Kind
	err  error // the reader's error for this result
	nerr error // Normalize's
}

// normWorkers is the number of goroutines that normalize an object's
// records (the reading, the normalizing and the writing run side by side).
var normWorkers = min(runtime.GOMAXPROCS(0), 4)

// Normalizers and batches are recycled across objects: a run (or a warm
// Lambda) reads many small objects, and a batch of events is large.
var (
	normalizers = sync.Pool{New: func() any { return new(Normalizer) }}
	batches     sync.Pool // *[]normalized
)

func getBatch(n int) *[]normalized {
	if b, ok := batches.Get().(*[]normalized); ok && cap(*b) >= n {
		*b = (*b)[:n]
		return b
	}
	b := make([]normalized, n)
	return &b
}

// NewSource reads the object at location object from body (decompressed).
func NewSource(body io.Reader, object string) *Source {
	s := &Source{object: object, pf: NewPrefetch(body), order: make(chan chan *[]normalized, 2*normWorkers), stop: make(chan struct{})}
	type job struct {
		batch []fetched
		out   chan *[]normalized
	}
	work := make(chan job)
	s.wg.Add(1 + normWorkers)
	go func() { // dispatch the prefetched batches, keeping their order
		defer s.wg.Done()
		defer close(work)
		defer close(s.order)
		for batch := range s.pf.batches {
			j := job{batch, make(chan *[]normalized, 1)}
			select {
			case s.order <- j.out:
			case <-s.stop:
				return
			}
			select {
			case work <- j:
			case <-s.stop:
				return
			}
		}
	}()
	for range normWorkers {
		go func() {
			defer s.wg.Done()
			n := normalizers.Get().(*Normalizer)
			defer normalizers.Put(n)
			for j := range work {
				out := getBatch(len(j.batch))
				for i, f := range j.batch {
					r := &(*out)[i]
					r.rec, r.err = f.rec, f.err
					if f.err == nil {
						r.kind, r.nerr = n.Normalize(f.rec, object, &r.ev)
					}
				}
				j.out <- out
			}
		}()
	}
	return s
}

// Read implements source.Reader.
func (s *Source) Read(ev *lake.Event) error {
	for len(s.cur) == 0 {
		if s.done {
			return io.EOF
		}
		out, ok := <-s.order
		if !ok {
			s.done = true
			return io.EOF
		}
		s.recycle()
		s.buf = <-out
		s.cur = *s.buf
	}
	r := &s.cur[0]
	s.cur = s.cur[1:]
	if r.err != nil {
		return s.readerError(r.err)
	}
	if err := normResult(s.object, r.rec, r.kind, r.nerr); err != nil {
		return err
	}
	*ev = r.ev
	return nil
}

// readerError is the source.Reader result of the reader's error.
func (s *Source) readerError(err error) error {
	var ve *ValueError
	var se *SyntaxError
	var sk *SkipError
	switch {
	case err == io.EOF:
		s.done, s.cur = true, nil
		return io.EOF
	case errors.As(err, &ve):
		return &source.ParseError{Object: s.object, Offset: ve.Offset, Reason: ve.Reason, Record: ve.Raw}
	case errors.As(err, &sk):
		// Bytes that could not be read as records: one entry (counted as
		// one record read), and reading goes on.
		return &source.ParseError{Object: s.object, Offset: sk.Offset, Reason: sk.Error(), Skipped: sk.End - sk.Offset}
	case errors.As(err, &se):
		s.done, s.cur = true, nil
		return &source.ParseError{Object: s.object, Offset: se.Offset, Reason: "unreadable from here to the end of the object: " + se.Err.Error(), Final: true}
	}
	s.done, s.cur = true, nil
	return err
}

// recycle hands the batch read to the end back for reuse, emptied (its
// events were copied out).
func (s *Source) recycle() {
	if s.buf != nil {
		clear(*s.buf)
		batches.Put(s.buf)
		s.buf = nil
	}
}

// normResult is the source.Reader result of a normalized record.
func normResult(object string, rec Record, kind Kind, err error) error {
	switch {
	case err != nil:
		return &source.ParseError{Object: object, Offset: rec.Offset, Reason: err.Error(), Record: rec.Raw}
	case kind == KindInsight:
		return &source.Skip{Reason: source.SkipInsightRecord}
	case kind == KindControl:
		return &source.Skip{Reason: source.SkipControlMessage}
	}
	return nil
}

// Close stops reading ahead and normalizing.
func (s *Source) Close() {
	close(s.stop)
	s.pf.Close()
	s.wg.Wait()
	s.cur = nil
	s.recycle()
}

// LookupSource reads the events CloudTrail LookupEvents returns for opt as
// a source.Reader; a record's offset is its position in the answers. Close
// it when done.
type LookupSource struct {
	pull   *source.Pulled[Record]
	norm   Normalizer
	object string
}

// NewLookupSource fetches through api, naming the records' object object.
func NewLookupSource(ctx context.Context, api LookupAPI, opt LookupOptions, object string) *LookupSource {
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
	return &LookupSource{pull: pull, object: object}
}

var errStopped = errors.New("reader stopped")

// Read implements source.Reader.
func (s *LookupSource) Read(ev *lake.Event) error {
	var rec Record
	if err := s.pull.Read(&rec); err != nil {
		return err
	}
	kind, err := s.norm.Normalize(rec, s.object, ev)
	return normResult(s.object, rec, kind, err)
}

// Close ends the fetch of a reader not read to its end.
func (s *LookupSource) Close() { s.pull.Close() }

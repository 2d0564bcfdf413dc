package cloudtrail

import (
	"bytes"
	"errors"
	"io"
)

// Prefetch is a Reader that reads ahead in its own goroutine, so that
// decompressing and splitting the input runs alongside the caller's
// normalizing and writing. Its results are those of Reader, in the same
// order, except that every Record is Owned.
//
// Call Close when done, before the input is closed: it stops the goroutine
// and waits for it.
type Prefetch struct {
	batches chan []fetched
	stop    chan struct{}
	done    chan struct{}
	cur     []fetched
	last    error // the result that ended reading (io.EOF, a *SyntaxError, …)
}

// fetched is one result of Reader.Next.
type fetched struct {
	rec Record
	err error
}

// prefetchBatch is the number of results handed over at once, and
// prefetchDepth the number of batches read ahead: about 1 MB of records.
const (
	prefetchBatch = 128
	prefetchDepth = 4
)

// NewPrefetch starts reading records from r (already decompressed).
func NewPrefetch(r io.Reader) *Prefetch {
	p := &Prefetch{
		batches: make(chan []fetched, prefetchDepth),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	go p.read(NewReader(r))
	return p
}

func (p *Prefetch) read(rd *Reader) {
	defer close(p.done)
	defer close(p.batches)
	batch := make([]fetched, 0, prefetchBatch)
	send := func() bool {
		select {
		case p.batches <- batch:
			batch = make([]fetched, 0, prefetchBatch)
			return true
		case <-p.stop:
			return false
		}
	}
	for {
		select {
		case <-p.stop:
			return
		default:
		}
		rec, err := rd.Next()
		if err == nil {
			// Owned: a copy the event may keep (the Reader reuses its buffer).
			rec.Raw, rec.Owned = bytes.Clone(rec.Raw), true
		}
		batch = append(batch, fetched{rec, err})
		if err != nil && !continues(err) {
			send() // the end: EOF, or an error the Reader cannot go on after
			return
		}
		if len(batch) == prefetchBatch && !send() {
			return
		}
	}
}

// Next returns the next result, as Reader.Next would.
func (p *Prefetch) Next() (Record, error) {
	if len(p.cur) == 0 {
		if p.last != nil {
			return Record{}, p.last
		}
		b, ok := <-p.batches
		if !ok {
			return Record{}, io.ErrUnexpectedEOF // not reached: the last batch ends with an error
		}
		p.cur = b
	}
	r := p.cur[0]
	p.cur = p.cur[1:]
	if r.err != nil && !continues(r.err) {
		p.last = r.err
	}
	return r.rec, r.err
}

// continues reports whether reading goes on after err: a value that is
// not a record, or bytes skipped to the next record.
func continues(err error) bool {
	var ve *ValueError
	var sk *SkipError
	return errors.As(err, &ve) || errors.As(err, &sk)
}

// Close stops reading ahead and waits for the reading goroutine to end.
func (p *Prefetch) Close() {
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	for range p.batches { // unblock a pending send
	}
	<-p.done
}

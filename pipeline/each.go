package pipeline

import (
	"context"
	"errors"
	"fmt"

	"github.com/auditlake/auditlake/pipeline/store"
)

// SkipObjectGone counts notified objects that no longer exist when they
// are read (deleted or expired after the notification was sent): there is
// nothing to ingest and a retry would not change that.
const SkipObjectGone = "object-gone"

// IngestEach ingests each of objects (exact locations: an s3://bucket/key
// or a local file, never a prefix) as a unit of its own: its rows and its
// ledger entry go into a commit request of their own, written before the
// next object is read. One object that fails (unreadable, cut short, a
// store error) fails alone: its rows are dropped, its claim on event ids
// is given back, and the others are still written. errs[i] is nil when
// objects[i] was ingested, or skipped with a counted reason (already
// ingested, gone, empty). The returned error is for the whole call (the
// lake cannot be opened): then no object was ingested.
//
// This is what a Lambda handed a batch of S3 notifications needs: it
// reports exactly the failed messages back to SQS. The requests are left
// pending for the committer unless opt.Committer is set.
func IngestEach(ctx context.Context, opt Options, objects []string) (*Summary, []error, error) {
	errs := make([]error, len(objects))
	in, err := newIngester(ctx, opt)
	if err != nil {
		return nil, errs, err
	}
	root := in.lakeRoot()
	for i, loc := range objects {
		if err := ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		if err := in.one(ctx, loc, root); err != nil {
			errs[i] = err
			in.broken = nil // the failed object's rows are dropped already
		}
	}
	return in.sum, errs, in.done(ctx)
}

// one ingests the object at loc and writes its commit request.
func (in *ingester) one(ctx context.Context, loc, root string) error {
	st, key, err := store.Open(ctx, loc)
	if err != nil {
		return err
	}
	o, err := st.Stat(ctx, key)
	if errors.Is(err, store.ErrNotExist) {
		in.sum.Objects++
		in.sum.ObjectsSkipped[SkipObjectGone]++
		in.log.Warn("skipped", "object", loc, "reason", SkipObjectGone)
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w", loc, err)
	}
	before := len(in.pending)
	if err := in.listed(ctx, st, o, root); err != nil {
		return err
	}
	if err := in.request(ctx, true); err != nil {
		// The object's data files may be written but no request names
		// them: they stay invisible, and a retry writes the object again.
		for _, m := range in.pending[before:] {
			delete(in.inRun, m.ObjectID)
		}
		in.pending = in.pending[:before]
		in.events.Discard()
		in.queries.Discard()
		return fmt.Errorf("%s: %w", loc, err)
	}
	return nil
}

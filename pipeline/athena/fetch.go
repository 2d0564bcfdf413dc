package athena

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"

	"github.com/auditlake/auditlake/pipeline/lake"
	"github.com/auditlake/auditlake/pipeline/source"
	"github.com/auditlake/auditlake/pipeline/throttle"
)

// API is the part of *athena.Client that this package uses.
type API interface {
	ListWorkGroups(ctx context.Context, in *athena.ListWorkGroupsInput, optFns ...func(*athena.Options)) (*athena.ListWorkGroupsOutput, error)
	ListQueryExecutions(ctx context.Context, in *athena.ListQueryExecutionsInput, optFns ...func(*athena.Options)) (*athena.ListQueryExecutionsOutput, error)
	BatchGetQueryExecution(ctx context.Context, in *athena.BatchGetQueryExecutionInput, optFns ...func(*athena.Options)) (*athena.BatchGetQueryExecutionOutput, error)
	GetQueryExecution(ctx context.Context, in *athena.GetQueryExecutionInput, optFns ...func(*athena.Options)) (*athena.GetQueryExecutionOutput, error)
}

var _ API = (*athena.Client)(nil)

// Retry defaults for throttled calls.
const (
	DefaultMaxAttempts = 8
	DefaultBackoff     = 500 * time.Millisecond
	DefaultMaxBackoff  = 20 * time.Second
)

// batchSize is BatchGetQueryExecution's limit on ids per call, and
// ListQueryExecutions' page size.
const batchSize = 50

// FetchOptions configures Fetch.
type FetchOptions struct {
	// WorkGroups to read; none means every workgroup ListWorkGroups
	// returns (enabled or disabled).
	WorkGroups []string
	// Since is the oldest submission time wanted. Athena keeps 45 days of
	// history, so a Since before now-45 days (or zero) becomes now-45 days
	// and FetchStats.HistoryLimited says so.
	Since time.Time
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	// MaxAttempts bounds the attempts of one call while it is throttled
	// (default 8). Backoff is the first retry delay (default 500ms),
	// doubling up to MaxBackoff (default 20s); each delay is drawn from
	// [d/2, d).
	MaxAttempts int
	Backoff     time.Duration
	MaxBackoff  time.Duration
}

// FetchStats counts what Fetch did.
type FetchStats struct {
	WorkGroups      int // workgroups read
	Pages           int // ListQueryExecutions pages
	Listed          int // query execution ids listed
	Emitted         int // rows passed to emit
	SkippedNotFinal int // executions still QUEUED or RUNNING
	SkippedOld      int // executions submitted before Cutoff
	Invalid         int // executions without id, known state or submission time
	Unprocessed     int // ids BatchGetQueryExecution did not return
	Requests        int // API requests made, retries included
	Throttled       int // throttled requests (each was retried)

	Cutoff         time.Time // the oldest submission time read
	HistoryLimited bool      // Cutoff is now-45 days: Since was older or zero
}

// Fetch reads the query history of each workgroup and emits the executions
// in a final state submitted at or after the cutoff (see FetchOptions.Since),
// with fetched_via 'api' and source_object "athena:workgroup/NAME". Every
// other execution it is given is emitted too, as the error of its result:
// a *source.Skip for one still queued or running (query-not-final) or
// submitted before the cutoff (outside-window), a *source.ParseError for
// one without id, known state or submission time, and for each id
// BatchGetQueryExecution did not return.
//
// Per workgroup it pages through ListQueryExecutions (50 ids a page, the
// NextToken passed back with the same workgroup), gets each page's
// executions with BatchGetQueryExecution (at most 50 ids a call), and stops
// after the first page holding an execution submitted before the cutoff:
// Athena lists the most recent executions first. Throttled calls are
// retried with backoff (see FetchOptions); other errors, such as an
// InvalidRequestException for an unknown workgroup, end Fetch with an
// error naming the operation and workgroup. An error from emit is returned
// as is.
func Fetch(ctx context.Context, api API, opt FetchOptions, emit func(*lake.AthenaQuery, error) error) (FetchStats, error) {
	now := time.Now
	if opt.Now != nil {
		now = opt.Now
	}
	var st FetchStats
	floor := now().Add(-HistoryDays * 24 * time.Hour)
	st.Cutoff = opt.Since
	if opt.Since.IsZero() || opt.Since.Before(floor) {
		st.Cutoff, st.HistoryLimited = floor, true
	}
	st.Cutoff = st.Cutoff.UTC()
	r := newRetrier(opt.MaxAttempts, opt.Backoff, opt.MaxBackoff, &st.Requests, &st.Throttled)

	wgs := opt.WorkGroups
	if len(wgs) == 0 {
		var err error
		if wgs, err = workGroups(ctx, api, r); err != nil {
			return st, err
		}
	}
	for _, wg := range wgs {
		st.WorkGroups++
		if err := fetchWorkGroup(ctx, api, r, wg, &st, emit); err != nil {
			return st, err
		}
	}
	return st, nil
}

// workGroups lists every workgroup's name.
func workGroups(ctx context.Context, api API, r *retrier) ([]string, error) {
	var names []string
	in := &athena.ListWorkGroupsInput{MaxResults: aws.Int32(50)}
	for {
		out, err := call(ctx, r, func(ctx context.Context, o func(*athena.Options)) (*athena.ListWorkGroupsOutput, error) {
			return api.ListWorkGroups(ctx, in, o)
		})
		if err != nil {
			return nil, fmt.Errorf("athena ListWorkGroups: %w", err)
		}
		for _, w := range out.WorkGroups {
			if n := aws.ToString(w.Name); n != "" {
				names = append(names, n)
			}
		}
		next := aws.ToString(out.NextToken)
		if next == "" || next == aws.ToString(in.NextToken) {
			return names, nil
		}
		in.NextToken = aws.String(next)
	}
}

func fetchWorkGroup(ctx context.Context, api API, r *retrier, wg string, st *FetchStats, emit func(*lake.AthenaQuery, error) error) error {
	object := "athena:workgroup/" + wg
	bad := func(reason string, record any) error {
		raw, _ := json.Marshal(record)
		return emit(nil, &source.ParseError{Object: object, Reason: reason, Record: raw})
	}
	in := &athena.ListQueryExecutionsInput{WorkGroup: aws.String(wg), MaxResults: aws.Int32(batchSize)}
	for {
		page, err := call(ctx, r, func(ctx context.Context, o func(*athena.Options)) (*athena.ListQueryExecutionsOutput, error) {
			return api.ListQueryExecutions(ctx, in, o)
		})
		if err != nil {
			return fmt.Errorf("athena ListQueryExecutions (workgroup %q): %w", wg, err)
		}
		st.Pages++
		st.Listed += len(page.QueryExecutionIds)
		old := false
		for ids := page.QueryExecutionIds; len(ids) > 0; {
			chunk := ids[:min(len(ids), batchSize)]
			ids = ids[len(chunk):]
			out, err := call(ctx, r, func(ctx context.Context, o func(*athena.Options)) (*athena.BatchGetQueryExecutionOutput, error) {
				return api.BatchGetQueryExecution(ctx, &athena.BatchGetQueryExecutionInput{QueryExecutionIds: chunk}, o)
			})
			if err != nil {
				return fmt.Errorf("athena BatchGetQueryExecution (workgroup %q): %w", wg, err)
			}
			st.Unprocessed += len(out.UnprocessedQueryExecutionIds)
			for _, u := range out.UnprocessedQueryExecutionIds {
				if err := bad(unprocessedReason(u), u); err != nil {
					return err
				}
			}
			for i := range out.QueryExecutions {
				q := &out.QueryExecutions[i]
				if s := q.Status; s != nil && s.SubmissionDateTime != nil && s.SubmissionDateTime.Before(st.Cutoff) {
					st.SkippedOld++
					old = true
					if err := emit(nil, &source.Skip{Reason: source.SkipOutsideWindow}); err != nil {
						return err
					}
					continue
				}
				row, reason := convert(q)
				var err error
				switch {
				case reason != "":
					st.Invalid++
					err = bad(reason, q)
				case !lake.IsFinalQueryState(row.State):
					st.SkippedNotFinal++
					err = emit(nil, &source.Skip{Reason: source.SkipQueryNotFinal})
				default:
					row, _ = FromAPI(*q, ViaAPI, object)
					err = emit(&row, nil)
					st.Emitted++
				}
				if err != nil {
					return err
				}
			}
		}
		next := aws.ToString(page.NextToken)
		if old || next == "" || next == aws.ToString(in.NextToken) {
			return nil
		}
		in.NextToken = aws.String(next)
	}
}

// retrier retries throttled calls with capped exponential backoff and
// jitter.
type retrier struct {
	attempts            int
	base, max           time.Duration
	requests, throttled *int
}

func newRetrier(attempts int, base, max time.Duration, requests, throttled *int) *retrier {
	if attempts <= 0 {
		attempts = DefaultMaxAttempts
	}
	if base <= 0 {
		base = DefaultBackoff
	}
	if max <= 0 {
		max = DefaultMaxBackoff
	}
	if requests == nil {
		requests = new(int)
	}
	if throttled == nil {
		throttled = new(int)
	}
	return &retrier{attempts: attempts, base: base, max: max, requests: requests, throttled: throttled}
}

// delay is the wait before retry n (1-based): base·2^(n-1) capped at max,
// drawn from [d/2, d).
func (r *retrier) delay(n int) time.Duration { return throttle.Backoff(n, r.base, r.max) }

// call runs fn until it succeeds, fails with an error other than
// throttling, or has been throttled r.attempts times. fn must pass the
// option it is given to the SDK: it keeps the SDK's retryer from retrying
// throttling itself.
func call[T any](ctx context.Context, r *retrier, fn func(context.Context, func(*athena.Options)) (T, error)) (T, error) {
	for n := 1; ; n++ {
		*r.requests++
		out, err := fn(ctx, noSDKThrottleRetry)
		if err == nil || !IsThrottle(err) {
			return out, err
		}
		*r.throttled++
		if n >= r.attempts {
			return out, fmt.Errorf("still throttled after %d attempts: %w", n, err)
		}
		if err := throttle.Sleep(ctx, r.delay(n)); err != nil {
			return out, err
		}
	}
}

// IsThrottle reports whether err is Athena's (or AWS's) throttling error.
func IsThrottle(err error) bool { return throttle.Is(err) }

// noSDKThrottleRetry makes one call's SDK retryer leave throttling errors
// to this package's loop.
func noSDKThrottleRetry(o *athena.Options) { o.Retryer = throttle.Off(o.Retryer) }

// FetchSource reads the query history as a source.Reader (see Fetch).
// Close it when done; Stats tells what the fetch did once Read has
// returned io.EOF.
type FetchSource struct {
	*source.Pulled[lake.AthenaQuery]
	stats FetchStats
}

// NewFetchSource fetches through api; each row's source_object is
// object, and the offset of a row or a parse error is its place among the
// results (0, 1, …), as LookupEvents' are.
func NewFetchSource(ctx context.Context, api API, opt FetchOptions, object string) *FetchSource {
	fs := &FetchSource{}
	fs.Pulled = source.Pull(func(emit func(*lake.AthenaQuery, error) bool) error {
		var n int64
		st, err := Fetch(ctx, api, opt, func(q *lake.AthenaQuery, err error) error {
			if q != nil {
				q.SourceObject, q.SourceOffset = object, n
			}
			if pe, ok := err.(*source.ParseError); ok {
				pe.Offset = n
			}
			n++
			if !emit(q, err) {
				return errStop
			}
			return nil
		})
		fs.stats = st
		if err == errStop {
			return nil
		}
		return err
	})
	return fs
}

// Stats is what the fetch did, once Read has returned io.EOF.
func (f *FetchSource) Stats() FetchStats { return f.stats }

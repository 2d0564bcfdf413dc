package cloudtrail

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ctapi "github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"golang.org/x/time/rate"

	"github.com/auditlake/auditlake/pipeline/throttle"
)

// LookupAPI is the part of *cloudtrail.Client (aws-sdk-go-v2) that Lookup
// uses.
type LookupAPI interface {
	LookupEvents(ctx context.Context, in *ctapi.LookupEventsInput, optFns ...func(*ctapi.Options)) (*ctapi.LookupEventsOutput, error)
}

var _ LookupAPI = (*ctapi.Client)(nil)

// Lookup defaults. CloudTrail allows two LookupEvents requests per second
// per account and Region.
const (
	DefaultLookupRate        = 2.0
	DefaultLookupMaxAttempts = 8
	DefaultLookupBackoff     = time.Second
	DefaultLookupMaxBackoff  = 20 * time.Second
)

// LookupOptions configures Lookup.
type LookupOptions struct {
	// Start and End bound the event time; zero leaves a bound to
	// CloudTrail (which looks back 90 days at most).
	Start, End time.Time
	// MaxRate is the most requests a second Lookup makes, retries
	// included (default 2, CloudTrail's limit).
	MaxRate float64
	// Attribute is the one lookup attribute CloudTrail allows (EventName,
	// EventSource, Username, …); nil means all management events.
	Attribute *types.LookupAttribute

	// MaxAttempts bounds the attempts of one request while it is
	// throttled (default 8). Backoff is the first retry delay (default
	// 1s), doubling up to MaxBackoff (default 20s); each delay is drawn
	// from [d/2, d).
	MaxAttempts int
	Backoff     time.Duration
	MaxBackoff  time.Duration
}

// LookupStats counts what Lookup did.
type LookupStats struct {
	Requests  int // LookupEvents requests, retries included
	Events    int // records passed to emit
	Throttled int // requests answered with a ThrottlingException
	NoRecord  int // events without a CloudTrailEvent string (not emitted)
}

// Lookup reads the management events of one Region (the client's) over
// [Start, End] with CloudTrail's LookupEvents and passes each event's
// CloudTrailEvent, the full record as CloudTrail wrote it, to emit; feed it
// to Normalizer.Normalize as Record{Raw: raw}. Events come most recent
// first. emit must not keep raw after it returns.
//
// Pages are fetched 50 events at a time, each NextToken passed back with
// the same other parameters. Requests are spaced to at most MaxRate a
// second. A ThrottlingException is retried with exponential backoff and
// jitter, at most MaxAttempts times per request; the SDK's retryer is told
// not to retry throttling itself, so every throttled request is counted.
// Other errors (InvalidTimeRangeException, InvalidLookupAttributesException,
// InvalidNextTokenException, …) are returned at once, wrapped with
// "cloudtrail LookupEvents"; errors.As finds the SDK's error type. An error
// from emit is returned as is.
func Lookup(ctx context.Context, api LookupAPI, opt LookupOptions, emit func(raw []byte) error) (LookupStats, error) {
	var st LookupStats
	if !opt.Start.IsZero() && !opt.End.IsZero() && opt.End.Before(opt.Start) {
		return st, fmt.Errorf("cloudtrail LookupEvents: end %s is before start %s",
			opt.End.UTC().Format(time.RFC3339), opt.Start.UTC().Format(time.RFC3339))
	}
	perSec := opt.MaxRate
	if perSec <= 0 {
		perSec = DefaultLookupRate
	}
	lim := rate.NewLimiter(rate.Limit(perSec), 1)
	attempts := opt.MaxAttempts
	if attempts <= 0 {
		attempts = DefaultLookupMaxAttempts
	}
	base, maxDelay := opt.Backoff, opt.MaxBackoff
	if base <= 0 {
		base = DefaultLookupBackoff
	}
	if maxDelay <= 0 {
		maxDelay = DefaultLookupMaxBackoff
	}

	in := ctapi.LookupEventsInput{MaxResults: aws.Int32(50)}
	if !opt.Start.IsZero() {
		in.StartTime = aws.Time(opt.Start)
	}
	if !opt.End.IsZero() {
		in.EndTime = aws.Time(opt.End)
	}
	if opt.Attribute != nil {
		in.LookupAttributes = []types.LookupAttribute{*opt.Attribute}
	}
	for {
		var out *ctapi.LookupEventsOutput
		for n := 1; ; n++ {
			if err := lim.Wait(ctx); err != nil {
				return st, err
			}
			st.Requests++
			page := in // the same parameters on every request
			var err error
			out, err = api.LookupEvents(ctx, &page, lookupNoSDKThrottleRetry)
			if err == nil {
				break
			}
			if !throttle.Is(err) {
				return st, fmt.Errorf("cloudtrail LookupEvents: %w", err)
			}
			st.Throttled++
			if n >= attempts {
				return st, fmt.Errorf("cloudtrail LookupEvents: still throttled after %d attempts: %w", n, err)
			}
			if err := throttle.Sleep(ctx, throttle.Backoff(n, base, maxDelay)); err != nil {
				return st, err
			}
		}
		for i := range out.Events {
			rec := aws.ToString(out.Events[i].CloudTrailEvent)
			if rec == "" {
				st.NoRecord++
				continue
			}
			if err := emit([]byte(rec)); err != nil {
				return st, err
			}
			st.Events++
		}
		next := aws.ToString(out.NextToken)
		if next == "" || next == aws.ToString(in.NextToken) {
			return st, nil
		}
		in.NextToken = aws.String(next)
	}
}

// lookupNoSDKThrottleRetry makes one call's SDK retryer leave throttling
// errors to Lookup's loop; it still retries 5xx and connection errors.
func lookupNoSDKThrottleRetry(o *ctapi.Options) { o.Retryer = throttle.Off(o.Retryer) }

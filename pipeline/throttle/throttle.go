// Package throttle holds what the AWS API readers (Athena history,
// CloudTrail LookupEvents) share to survive request limits: recognising a
// throttling error, backing off with jitter, and keeping the SDK's own
// retryer from retrying throttling behind the caller's back (so that every
// throttled request is counted and the caller's rate limiter sees it).
package throttle

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"
)

// Is reports whether err is an AWS throttling error. LookupEvents does not
// model ThrottlingException, so the error code is what is checked.
func Is(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.ErrorCode() {
	case "ThrottlingException", "TooManyRequestsException", "Throttling", "RequestLimitExceeded":
		return true
	}
	return false
}

// Backoff is the wait before retry n (1-based): base·2^(n-1) capped at max,
// drawn from [d/2, d).
func Backoff(n int, base, max time.Duration) time.Duration {
	d := max
	if n-1 < 32 {
		if e := base << (n - 1); e > 0 && e < max {
			d = e
		}
	}
	return d/2 + rand.N(d/2+1)
}

// Sleep waits d or until ctx is done.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Off wraps an SDK retryer so that it does not retry throttling errors; it
// still retries 5xx and connection errors. nil stays nil.
func Off(r aws.Retryer) aws.Retryer {
	if r == nil {
		return nil
	}
	return off{r}
}

type off struct{ aws.Retryer }

func (r off) IsErrorRetryable(err error) bool { return !Is(err) && r.Retryer.IsErrorRetryable(err) }

func (r off) GetAttemptToken(ctx context.Context) (func(error) error, error) {
	if v2, ok := r.Retryer.(aws.RetryerV2); ok {
		return v2.GetAttemptToken(ctx)
	}
	return r.Retryer.GetInitialToken(), nil
}

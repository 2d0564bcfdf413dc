package throttle

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
)

func TestIs(t *testing.T) {
	for code, want := range map[string]bool{
		"ThrottlingException": true, "TooManyRequestsException": true, "Throttling": true, "RequestLimitExceeded": true,
		"InvalidRequestException": false, "AccessDeniedException": false,
	} {
		err := fmt.Errorf("call: %w", &smithy.GenericAPIError{Code: code, Message: "m"})
		if Is(err) != want {
			t.Errorf("Is(%s) = %v, want %v", code, !want, want)
		}
	}
	if Is(errors.New("ThrottlingException")) {
		t.Error("a plain error naming the code counted as throttling")
	}
}

func TestBackoffDoublesWithinBounds(t *testing.T) {
	base, max := 100*time.Millisecond, time.Second
	for n, cap := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 60: time.Second} {
		for i := 0; i < 50; i++ {
			d := Backoff(n, base, max)
			if d < cap/2 || d > cap {
				t.Fatalf("Backoff(%d) = %v, want within [%v, %v]", n, d, cap/2, cap)
			}
		}
	}
}

func TestSleepStopsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep on a cancelled context = %v", err)
	}
}

func TestOffLeavesThrottlingToTheCaller(t *testing.T) {
	r := Off(retry.NewStandard())
	if r.IsErrorRetryable(&smithy.GenericAPIError{Code: "ThrottlingException"}) {
		t.Error("the wrapped SDK retryer still retries throttling")
	}
	for _, err := range []error{
		&smithy.GenericAPIError{Code: "RequestTimeout"},
		&smithy.GenericAPIError{Code: "InvalidRequestException"},
		errors.New("connection reset by peer"),
	} {
		if got, want := r.IsErrorRetryable(err), retry.NewStandard().IsErrorRetryable(err); got != want {
			t.Errorf("IsErrorRetryable(%v) = %v, the SDK's own retryer says %v", err, got, want)
		}
	}
	if Off(nil) != nil {
		t.Error("Off(nil) is not nil")
	}
}

package pipeline

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Environment variables the Lambda functions read their options from.
const (
	EnvLake      = "AUDITLAKE_LAKE"       // the lake, s3://bucket/prefix
	EnvNotBefore = "AUDITLAKE_NOT_BEFORE" // optional bound on plausible event times (ParseTime)
	EnvNotAfter  = "AUDITLAKE_NOT_AFTER"
)

// EnvOptions reads a function's ingest options from its environment
// (getenv is os.Getenv): the lake and the plausible-time bounds.
func EnvOptions(getenv func(string) string) (Options, error) {
	opt := Options{Lake: getenv(EnvLake)}
	if opt.Lake == "" {
		return opt, errors.New(EnvLake + " is not set: give the lake as s3://bucket/prefix")
	}
	now := time.Now()
	for _, v := range []struct {
		name string
		dst  *time.Time
	}{{EnvNotBefore, &opt.NotBefore}, {EnvNotAfter, &opt.NotAfter}} {
		t, err := ParseTime(getenv(v.name), now)
		if err != nil {
			return opt, fmt.Errorf("%s: %w", v.name, err)
		}
		*v.dst = t
	}
	return opt, nil
}

// ParseDuration reads a non-negative duration, with a d (days) unit too:
// "7d", "36h".
func ParseDuration(s string) (time.Duration, error) {
	var n int
	if _, err := fmt.Sscanf(s, "%dd", &n); err == nil && strings.HasSuffix(s, "d") && n >= 0 {
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err == nil && d < 0 {
		err = errors.New("negative")
	}
	return d, err
}

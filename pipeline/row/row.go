// Package row is the row model of the lake's tables: one Go struct per
// table of schemas/ (Event, AthenaQuery), generated from the schema files
// with their Parquet tags, sort order (Less), partition day (Day) and key
// (Key), and the values of their enumerated columns. It depends on nothing
// but the standard library, so that any part of auditlake (or a user's
// program) can build and read rows.
//
// The *_gen.go files are written by go generate ./schemas; do not edit
// them by hand.
package row

import (
	"strings"
	"time"
)

// log_source values.
const (
	SourceCloudTrail  = "cloudtrail"
	SourceS3AccessLog = "s3_access_log"
)

// outcome values.
const (
	OutcomeSuccess = "success"
	OutcomeDenied  = "denied"
	OutcomeError   = "error"
)

// IsDeniedCode reports whether an error code says the caller was refused
// (outcome 'denied' rather than 'error'), whichever service logged it:
// AccessDenied, AccessDeniedException, UnauthorizedOperation, Forbidden,
// NotAuthorized, AuthorizationError, AuthFailure, AllAccessDisabled and the
// like, in any case.
func IsDeniedCode(code string) bool {
	c := strings.ToLower(code)
	for _, s := range []string{"accessdenied", "unauthorized", "forbidden", "notauthorized", "authorizationerror", "authfailure", "allaccessdisabled"} {
		if strings.Contains(c, s) {
			return true
		}
	}
	return false
}

// Final Athena query states (athena_queries.state): only these are stored.
const (
	QuerySucceeded = "SUCCEEDED"
	QueryFailed    = "FAILED"
	QueryCancelled = "CANCELLED"
)

// IsFinalQueryState reports whether an Athena query state is final.
func IsFinalQueryState(s string) bool {
	return s == QuerySucceeded || s == QueryFailed || s == QueryCancelled
}

// DayOf formats t's UTC date as YYYY-MM-DD (as time.Format would, at a
// fraction of its cost: it runs for every row).
func DayOf(t time.Time) string {
	y, m, d := t.UTC().Date()
	if y < 0 || y > 9999 {
		return t.UTC().Format("2006-01-02")
	}
	b := [10]byte{byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-',
		byte('0' + m/10), byte('0' + m%10), '-', byte('0' + d/10), byte('0' + d%10)}
	return string(b[:])
}

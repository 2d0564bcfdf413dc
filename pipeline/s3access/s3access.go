// Package s3access reads Amazon S3 server access logs and normalizes each
// line into one lake.Event (log_source 's3_access_log').
//
// # Format
//
// A log object is plain text, one request per line, fields separated by one
// space:
//
//	 1 Bucket Owner       canonical id (64 hex)
//	 2 Bucket
//	 3 Time               [06/Feb/2019:00:00:38 +0000]  (request received; two tokens)
//	 4 Remote IP          or -
//	 5 Requester          canonical id, IAM/STS ARN, svc:<service>, AmazonS3, or - (anonymous)
//	 6 Request ID
//	 7 Operation          REST.GET.OBJECT, BATCH.DELETE.OBJECT, S3.EXPIRE.OBJECT, …
//	 8 Key                URL-encoded, or -
//	 9 Request-URI        "GET /bucket/key?query HTTP/1.1", "-" or -
//	10 HTTP status        or -
//	11 Error Code         or -
//	12 Bytes Sent         or -
//	13 Object Size        or -
//	14 Total Time (ms)    or -
//	15 Turn-Around Time   or -
//	16 Referer            quoted, or -
//	17 User-Agent         quoted, or -
//	18 Version Id         (the older 18-field format ends here)
//	19 Host Id            x-amz-id-2
//	20 Signature Version  SigV2, SigV4
//	21 Cipher Suite
//	22 Authentication Type AuthHeader, QueryString
//	23 Host Header
//	24 TLS version        TLSv1.2, TLSV1.2 (case varies; kept as logged)
//	25 Access Point ARN
//	26 aclRequired        Yes or -
//	27 Source region
//
// Any field may be "-" (or "-" in quotes) for unknown or not applicable; both
// are stored as NULL. AWS appends new fields at the end of the line, so any
// number of unknown trailing fields is accepted and kept only in Raw.
//
// # Traps
//
// The quoted fields are not escaped: a Request-URI, Referer or User-Agent can
// contain '"' and spaces, and a client can inject text that looks like later
// fields. Normalize therefore does not split on quotes. It reads the fixed
// tokens from the left, finds the Request-URI by its ` HTTP/x.y"` suffix
// followed by a status token, and anchors the Referer and User-Agent on the
// right-hand side: the fields after the User-Agent never contain spaces or
// quotes, so the User-Agent ends at the last quote of the line. Between
// Referer and User-Agent the first `" "` is the boundary (a Referer is a
// URL, where quotes and spaces are percent-encoded by browsers).
//
// The Requester can contain spaces: a CloudFront origin access identity logs
// as "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2EXAMPLEID".
// Normalize recognises it, and more generally finds the Operation token
// (UPPER.CASE.DOTTED) after an ARN requester wherever it is.
//
// Keys are URL-encoded once, and sometimes twice (%2522). S3Key holds the key
// decoded exactly once with url.QueryUnescape semantics ('+' is a space); a
// key with a bad escape is kept as logged. Canonical ids are 64 or 96 hex
// digits. The Time field is the time the request was received (CloudTrail's
// eventTime is completion time), split over two tokens.
//
// Presigned query strings (X-Amz-Signature, X-Amz-Security-Token,
// X-Amz-Credential, SigV2 Signature=) are redacted to ***REDACTED*** in the
// Request-URI, Referer and User-Agent, and in Raw, before anything is
// stored. Raw is always valid UTF-8 (invalid bytes become U+FFFD).
//
// A copy is logged twice with the same Request ID and Host Id (REST.COPY.OBJECT
// and REST.COPY.OBJECT_GET), a Multi-Object Delete once per key with the same
// Request ID, and a line can be delivered more than once, so EventID hashes
// Request ID, Host Id, Operation, Bucket and Key.
//
// Region is the bucket's Region: from the Host header, else the access point
// ARN, else a partitioned log object key
// (…/<account>/<region>/<bucket>/YYYY/MM/DD/…). Field 27, Source region, is
// the Region the request came from and is kept as SourceRegion.
package s3access

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/auditlake/auditlake/pipeline/lake"
	"github.com/auditlake/auditlake/pipeline/row"
)

// EventSource is the event_source of every access-log event.
const EventSource = "s3.amazonaws.com"

// Category is the category of every access-log event.
const Category = "Data"

// Principal types that only access logs produce (the others are CloudTrail's).
const (
	PrincipalCanonicalUser = "CanonicalUser" // requester logged as a canonical user id
	PrincipalAnonymous     = "Anonymous"     // requester '-': an unauthenticated request
)

// Errors that send a line to quarantine. The message is the reason.
var (
	ErrEmpty        = errors.New("empty line")
	ErrTooFewFields = errors.New("line ends early: too few fields for an S3 server access log record (at least 18 are needed)")
	ErrOwnerMissing = errors.New("bucket owner column missing: [time] is the second field")
	ErrNoTime       = errors.New("no [time] field where the third field should be")
	ErrBadTime      = errors.New("unreadable [time] field")
	ErrBadURI       = errors.New("quoted Request-URI without a closing quote followed by an HTTP status")
	ErrBadQuote     = errors.New("unterminated quoted Referer or User-Agent")
	ErrBadNumber    = errors.New("field is not '-' or a number")
)

// EndsEarlyError is ErrTooFewFields for a line that stops before a record
// does (a line cut short): it says after which field, or inside which
// quoted field, the line ends.
type EndsEarlyError struct {
	Fields int    // fields complete before the end of the line
	Inside string // the quoted field the line ends in, or ""
}

func (e *EndsEarlyError) Error() string {
	if e.Inside != "" {
		return fmt.Sprintf("line ends early, inside the quoted %s (field %d): an S3 server access log record has at least 18 fields", e.Inside, e.Fields+1)
	}
	name := "none"
	if e.Fields > 0 && e.Fields <= len(fieldNames) {
		name = fieldNames[e.Fields-1]
	}
	return fmt.Sprintf("line ends early, after field %d (%s): an S3 server access log record has at least 18 fields", e.Fields, name)
}

func (e *EndsEarlyError) Unwrap() error { return ErrTooFewFields }

// fieldNames are the names of fields 1…18.
var fieldNames = [...]string{"Bucket Owner", "Bucket", "Time", "Remote IP", "Requester", "Request ID", "Operation",
	"Key", "Request-URI", "HTTP status", "Error Code", "Bytes Sent", "Object Size", "Total Time",
	"Turn-Around Time", "Referer", "User-Agent", "Version Id"}

func endsEarly(fields int) error { return &EndsEarlyError{Fields: fields} }

// FieldError is ErrBadNumber for one named field.
type FieldError struct {
	Field string // e.g. "HTTP status"
	Value string // the token as logged (cut to 32 bytes)
}

func (e *FieldError) Error() string {
	return e.Field + " is not '-' or a number: " + e.Value
}

func (e *FieldError) Unwrap() error { return ErrBadNumber }

func fieldError(field, v string) error {
	if len(v) > 32 {
		v = v[:32]
	}
	return &FieldError{Field: field, Value: strings.ToValidUTF8(v, "\uFFFD")}
}

// Normalize parses one line (without its newline) read at offset of object
// into ev, which it overwrites. A returned error is the quarantine reason
// and ev is then unspecified. The event's strings share one copy of the line.
func Normalize(line []byte, object string, offset int64, ev *lake.Event) error {
	line = trimLine(line)
	if len(line) == 0 {
		return ErrEmpty
	}
	var s string
	if utf8.Valid(line) {
		s = string(line)
	} else {
		s = string(bytes.ToValidUTF8(line, []byte("\uFFFD")))
	}
	var r record
	if err := r.parse(s); err != nil {
		return err
	}
	if red, ok := r.redact(s); ok {
		s = red
		r = record{}
		if err := r.parse(s); err != nil {
			return err // not reached: redaction keeps every space and quote
		}
	}

	*ev = lake.Event{
		EventTime:    r.time,
		LogSource:    lake.SourceS3AccessLog,
		EventSource:  EventSource,
		Category:     Category,
		Raw:          s,
		SourceObject: object,
		SourceOffset: offset,

		BucketOwner:      null(r.owner),
		S3Bucket:         null(r.bucket),
		SourceIP:         null(r.remoteIP),
		RequestID:        null(r.requestID),
		S3Operation:      null(r.operation),
		RequestURI:       null(r.uri),
		ErrorCode:        null(r.errCode),
		Referer:          null(r.referer),
		UserAgent:        null(r.userAgent),
		VersionID:        null(r.trail(18)),
		S3HostID:         null(r.trail(19)),
		SignatureVersion: null(r.trail(20)),
		CipherSuite:      null(r.trail(21)),
		AuthType:         null(r.trail(22)),
		HostHeader:       null(r.trail(23)),
		TLSVersion:       null(r.trail(24)),
		AccessPointARN:   null(r.trail(25)),
	}
	key := null(r.key)
	ev.S3Key = decodeKey(key)
	ev.EventName = EventName(ev.S3Operation, key != "")

	// Numbers and booleans: one allocation for all the pointers.
	var n *numbers
	num := func(i int, tok, field string) (*int64, error) {
		v, ok, err := parseNum(tok, field)
		if err != nil || !ok {
			return nil, err
		}
		if n == nil {
			n = new(numbers)
		}
		n.v[i] = v
		return &n.v[i], nil
	}
	var err error
	if ev.HTTPStatus, err = num(0, r.status, "HTTP status"); err != nil {
		return err
	}
	if ev.Bytes, err = num(1, r.bytesSent, "Bytes Sent"); err != nil {
		return err
	}
	if ev.ObjectSize, err = num(2, r.objectSize, "Object Size"); err != nil {
		return err
	}
	if ev.TotalTimeMs, err = num(3, r.totalTime, "Total Time"); err != nil {
		return err
	}
	if ev.TurnaroundTimeMs, err = num(4, r.turnaround, "Turn-Around Time"); err != nil {
		return err
	}
	if acl, ok := aclRequired(r.trail(26)); ok {
		if n == nil {
			n = new(numbers)
		}
		n.acl = acl
		ev.ACLRequired = &n.acl
	}
	if ro, ok := readOnly(ev.S3Operation); ok {
		if n == nil {
			n = new(numbers)
		}
		n.ro = ro
		ev.ReadOnly = &n.ro
	}

	ev.Outcome = Outcome(ev.HTTPStatus, ev.ErrorCode)
	requesterIdentity(null(r.requester), ev)
	if isAccountID(ev.PrincipalAccountID) {
		ev.AccountID = ev.PrincipalAccountID
	}
	// region is the bucket's Region; field 27 is where the request came
	// from, a different thing (the documentation's own example logs a
	// us-west-1 bucket with Source region us-east-1).
	ev.SourceRegion = null(r.trail(27))
	ev.Region = BucketRegion(ev.HostHeader, ev.AccessPointARN, object, ev.S3Bucket)

	if !utf8.ValidString(ev.S3Key) { // a %-escape can decode to invalid UTF-8
		ev.S3Key = strings.ToValidUTF8(ev.S3Key, "\uFFFD")
	}
	if ev.RequestID == "" && ev.S3HostID == "" {
		// Nothing identifies the request: hash the whole line so that two
		// such lines are not taken for duplicates.
		ev.EventID = hashID(s)
	} else {
		ev.EventID = EventID(ev.RequestID, ev.S3HostID, ev.S3Operation, ev.S3Bucket, ev.S3Key)
	}
	if !utf8.ValidString(ev.SourceObject) {
		ev.SourceObject = strings.ToValidUTF8(ev.SourceObject, "\uFFFD")
	}
	return nil
}

// numbers backs the pointer columns of one event.
type numbers struct {
	v       [5]int64 // HTTP status, bytes sent, object size, total time, turn-around time
	acl, ro bool
}

// EventID is the deterministic id of an access-log line: a hash of request
// id, host id, operation, bucket and key (S3Key), prefixed "s3al-". A
// copy logs two records that share request id and host id but differ in
// operation; a Multi-Object Delete logs one BATCH.DELETE.OBJECT line per
// key, all with the same request id: each is its own event. A line
// delivered twice gets the same id.
func EventID(requestID, hostID, operation, bucket, key string) string {
	return hashID(requestID, hostID, operation, bucket, key)
}

func hashID(parts ...string) string {
	var stack [512]byte // most lines: no allocation
	in := stack[:0]
	for _, p := range parts {
		in = append(binary.AppendUvarint(in, uint64(len(p))), p...)
	}
	sum := sha256.Sum256(in)
	var out [5 + 32]byte
	copy(out[:], "s3al-")
	hex.Encode(out[5:], sum[:16])
	return string(out[:])
}

// Outcome classifies a line: 2xx and 3xx are success, 403 is denied, other
// statuses are errors. Without a status, an error code decides (denied for
// AccessDenied and the like, else error); no status and no error code is
// success (lifecycle actions and log deliveries are logged that way).
func Outcome(status *int64, errorCode string) string {
	if status != nil {
		switch s := *status; {
		case s >= 200 && s < 400:
			return lake.OutcomeSuccess
		case s == 403:
			return lake.OutcomeDenied
		default:
			return lake.OutcomeError
		}
	}
	if errorCode == "" {
		return lake.OutcomeSuccess
	}
	if row.IsDeniedCode(errorCode) {
		return lake.OutcomeDenied
	}
	return lake.OutcomeError
}

// decodeKey decodes a logged key once ('+' is a space, %XX a byte); a key
// with a bad escape is kept as logged.
func decodeKey(k string) string {
	if strings.IndexByte(k, '%') < 0 && strings.IndexByte(k, '+') < 0 {
		return k
	}
	d, err := url.QueryUnescape(k)
	if err != nil {
		return k
	}
	return d
}

// aclRequired reads field 26: Yes is true, No is false, '-' and anything
// else is NULL.
func aclRequired(v string) (val, ok bool) {
	switch {
	case v == "-" || v == "":
		return false, false
	case v == "Yes" || strings.EqualFold(v, "Yes"):
		return true, true
	case strings.EqualFold(v, "No"):
		return false, true
	}
	return false, false
}

// null maps the access log's '-' to the empty string (NULL in the lake).
func null(s string) string {
	if s == "-" {
		return ""
	}
	return s
}

// trimLine drops byte order marks at the start and the line end; a line of
// blanks becomes empty. Other spaces stay in Raw.
func trimLine(b []byte) []byte {
	for bytes.HasPrefix(b, bom) {
		b = b[len(bom):]
	}
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	for _, c := range b {
		if !isBlank(c) {
			return b
		}
	}
	return nil
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

var bom = []byte("\xef\xbb\xbf")

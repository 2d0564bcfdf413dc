package cloudtrail

import (
	"bytes"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/valyala/fastjson"
)

// get returns the member key of object v, or nil.
func get(v *fastjson.Value, keys ...string) *fastjson.Value {
	for _, k := range keys {
		if v == nil || v.Type() != fastjson.TypeObject {
			return nil
		}
		v = v.Get(k)
	}
	return v
}

// getCI is get with a case-insensitive fallback, for the identity keys that
// hand-edited and re-normalised logs spell in lower case ("principalid").
func getCI(v *fastjson.Value, key string) *fastjson.Value {
	if v == nil || v.Type() != fastjson.TypeObject {
		return nil
	}
	if x := v.Get(key); x != nil {
		return x
	}
	var found *fastjson.Value
	o, _ := v.Object()
	o.Visit(func(k []byte, x *fastjson.Value) {
		if found == nil && bytes.EqualFold(k, []byte(key)) {
			found = x
		}
	})
	return found
}

// members looks up several member names of object v in one pass over its
// members, as getCI would one by one: out[i] is the first member named
// names[i] exactly, else the first whose name matches it in any case, else
// nil. len(names) must be at most 64.
func members(v *fastjson.Value, names []string, out []*fastjson.Value) {
	if v == nil || v.Type() != fastjson.TypeObject {
		return
	}
	o, _ := v.Object()
	var exact uint64 // bit i: out[i] has an exact match
	o.Visit(func(k []byte, x *fastjson.Value) {
		for i, n := range names {
			if len(n) != len(k) || exact&(1<<i) != 0 {
				continue
			}
			if string(k) == n {
				out[i] = x
				exact |= 1 << i
			} else if out[i] == nil && bytes.EqualFold(k, []byte(n)) {
				out[i] = x
			}
		}
	})
}

// topNames are the record members Normalize reads, indexed by the t…
// constants.
var topNames = [...]string{
	tEventType: "eventType", tEventSource: "eventSource", tEventName: "eventName", tEventTime: "eventTime",
	tEventID: "eventID", tEventCategory: "eventCategory", tReadOnly: "readOnly", tErrorCode: "errorCode",
	tErrorMessage: "errorMessage", tAWSRegion: "awsRegion", tSourceIP: "sourceIPAddress", tUserAgent: "userAgent",
	tVPCEndpointID: "vpcEndpointId", tRequestID: "requestID", tRequestParameters: "requestParameters",
	tResponseElements: "responseElements", tAdditionalEventData: "additionalEventData", tTLSDetails: "tlsDetails",
	tUserIdentity: "userIdentity", tRecipientAccountID: "recipientAccountId", tResources: "resources",
}

const (
	tEventType = iota
	tEventSource
	tEventName
	tEventTime
	tEventID
	tEventCategory
	tReadOnly
	tErrorCode
	tErrorMessage
	tAWSRegion
	tSourceIP
	tUserAgent
	tVPCEndpointID
	tRequestID
	tRequestParameters
	tResponseElements
	tAdditionalEventData
	tTLSDetails
	tUserIdentity
	tRecipientAccountID
	tResources
)

// identityNames are the userIdentity members identityOf reads.
var identityNames = [...]string{
	iType: "type", iPrincipalID: "principalId", iAccountID: "accountId", iInvokedBy: "invokedBy", iARN: "arn",
	iSessionContext: "sessionContext", iUserName: "userName", iOnBehalfOf: "onBehalfOf",
}

const (
	iType = iota
	iPrincipalID
	iAccountID
	iInvokedBy
	iARN
	iSessionContext
	iUserName
	iOnBehalfOf
)

// sessionNames are the sessionContext members identityOf reads.
var sessionNames = [...]string{sSourceIdentity: "sourceIdentity", sSessionIssuer: "sessionIssuer"}

const (
	sSourceIdentity = iota
	sSessionIssuer
)

// interner keeps one copy of the strings that repeat from record to record
// (services, regions, accounts, roles, sessions, user agents), so that
// reading them allocates nothing. It holds at most internMax strings of at
// most internLen bytes, and starts over when full.
type interner struct{ m map[string]string }

const (
	internMax = 8192
	internLen = 512
)

// str is the package's str, interned.
func (in *interner) str(v *fastjson.Value) string {
	if v == nil || v.Type() != fastjson.TypeString {
		return str(v)
	}
	b := v.GetStringBytes()
	if len(b) > internLen {
		return string(b)
	}
	if s, ok := in.m[string(b)]; ok {
		return s
	}
	if in.m == nil {
		in.m = make(map[string]string, 1024)
	} else if len(in.m) >= internMax {
		clear(in.m)
	}
	s := string(b)
	in.m[s] = s
	return s
}

// str renders a scalar as text: strings as they are, numbers and booleans
// in JSON form; null, objects and arrays as "".
func str(v *fastjson.Value) string {
	if v == nil {
		return ""
	}
	switch v.Type() {
	case fastjson.TypeString:
		return string(v.GetStringBytes())
	case fastjson.TypeNumber:
		return string(v.MarshalTo(nil))
	case fastjson.TypeTrue:
		return "true"
	case fastjson.TypeFalse:
		return "false"
	}
	return ""
}

// firstStr returns the first non-empty str among the paths.
func firstStr(v *fastjson.Value, paths ...[]string) string {
	for _, p := range paths {
		if s := str(get(v, p...)); s != "" {
			return s
		}
	}
	return ""
}

// boolPtr reads a boolean that may be written as a string ("true").
func boolPtr(v *fastjson.Value) *bool {
	if v == nil {
		return nil
	}
	var b bool
	switch v.Type() {
	case fastjson.TypeTrue:
		b = true
	case fastjson.TypeFalse:
	case fastjson.TypeString:
		switch strings.ToLower(strings.TrimSpace(string(v.GetStringBytes()))) {
		case "true", "yes", "1":
			b = true
		case "false", "no", "0":
		default:
			return nil
		}
	default:
		return nil
	}
	return &b
}

// int64Of reads an integer that may be written as a float or a string.
func int64Of(v *fastjson.Value) (int64, bool) {
	if v == nil {
		return 0, false
	}
	switch v.Type() {
	case fastjson.TypeNumber:
		f, err := v.Float64()
		if err != nil {
			return 0, false
		}
		return int64(f), true
	case fastjson.TypeString:
		n, err := strconv.ParseInt(strings.TrimSpace(string(v.GetStringBytes())), 10, 64)
		return n, err == nil
	}
	return 0, false
}

// appendJSON appends v as compact JSON. fastjson's MarshalTo quotes the
// strings it has unescaped with strconv.Quote ("\x01", "\xff"), which is not
// JSON; this writes JSON string literals (invalid UTF-8 becomes U+FFFD).
func appendJSON(dst []byte, v *fastjson.Value) []byte {
	switch v.Type() {
	case fastjson.TypeObject:
		o, _ := v.Object()
		dst = append(dst, '{')
		n := 0
		o.Visit(func(k []byte, x *fastjson.Value) {
			if n > 0 {
				dst = append(dst, ',')
			}
			n++
			dst, _ = jsontext.AppendQuote(dst, k)
			dst = append(dst, ':')
			dst = appendJSON(dst, x)
		})
		return append(dst, '}')
	case fastjson.TypeArray:
		a, _ := v.Array()
		dst = append(dst, '[')
		for i, x := range a {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSON(dst, x)
		}
		return append(dst, ']')
	case fastjson.TypeString:
		dst, _ = jsontext.AppendQuote(dst, v.GetStringBytes())
		return dst
	}
	return v.MarshalTo(dst) // number, true, false, null
}

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"20060102T150405Z",
}

// parseTime reads eventTime. CloudTrail writes RFC 3339 in UTC; re-normalised
// copies write "2025-02-19 20:13:49" (taken as UTC).
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// blobKeys are the top-level members stored as JSON text columns, in the
// order of recordScan.spans.
var blobKeys = [3]string{"requestParameters", "responseElements", "additionalEventData"}

// span is a byte range [lo, hi) of a record; hi == 0 means none.
type span struct{ lo, hi int }

// recordScan is what one pass over a record's text finds without parsing
// it: where the JSON column members are, and whether any string could make
// redaction change something.
type recordScan struct {
	// spans are the texts of the blobKeys members of the top-level object.
	// Like getCI, the first member with the exact name wins, else the first
	// whose name matches in any case.
	spans [3]span
	// ok is false when the scan cannot vouch for spans (not an object, a
	// member name with an escape, broken JSON): the caller then serializes
	// the parsed values.
	ok bool
	// secrets is false only when no string of the record, at any depth, is
	// a name redaction looks for (secretKeys, urlKeys) or holds a '?' (a URL
	// query), so the redaction walk would change nothing.
	secrets bool
}

// scanRecord makes one pass over a record (see recordScan).
func scanRecord(raw string) recordScan {
	sc := recordScan{secrets: true}
	var fold [3]span
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return sc
	}
	// Which string checks can matter at all, from two quick passes over the
	// whole record: most records have no '?' and no escape.
	var h hints
	h.escape = strings.IndexByte(raw, '\\') >= 0
	h.query = strings.IndexByte(raw, '?') >= 0 || h.escape && strings.Contains(raw, `\u003`)
	secrets := false
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		sc.ok, sc.secrets = true, false
		return sc
	}
	for {
		if i >= len(raw) || raw[i] != '"' {
			return sc
		}
		end := stringEnd(raw, i)
		if end < 0 {
			return sc
		}
		name := raw[i+1 : end-1]
		if strings.IndexByte(name, '\\') >= 0 {
			return sc
		}
		secrets = secrets || h.mayHoldSecret(name)
		i = skipSpace(raw, end)
		if i >= len(raw) || raw[i] != ':' {
			return sc
		}
		lo := skipSpace(raw, i+1)
		hi := h.valueEnd(raw, lo, &secrets)
		if hi < 0 {
			return sc
		}
		for k, key := range blobKeys {
			if len(name) != len(key) {
				continue
			}
			if sc.spans[k].hi == 0 && name == key {
				sc.spans[k] = span{lo, hi}
			} else if fold[k].hi == 0 && strings.EqualFold(name, key) {
				fold[k] = span{lo, hi}
			}
		}
		i = skipSpace(raw, hi)
		if i >= len(raw) {
			return sc
		}
		if raw[i] == '}' {
			break
		}
		if raw[i] != ',' {
			return sc
		}
		i = skipSpace(raw, i+1)
	}
	for k := range sc.spans {
		if sc.spans[k].hi == 0 {
			sc.spans[k] = fold[k]
		}
	}
	sc.ok, sc.secrets = true, secrets
	return sc
}

// hints say what a record's text holds anywhere: a '?' (or an escape that
// may spell one), a backslash.
type hints struct{ query, escape bool }

// mayHoldSecret reports whether the text of a string literal (as written,
// escapes included) could matter to redaction: a URL query ('?', also
// escaped), or one of the names of secretKeys and urlKeys.
func (h hints) mayHoldSecret(lit string) bool {
	if h.query && (strings.IndexByte(lit, '?') >= 0 || strings.Contains(lit, "u003f") || strings.Contains(lit, "u003F")) {
		return true
	}
	if len(lit) < 3 {
		return false
	}
	if h.escape && len(lit) <= 6*maxKeyLen && strings.IndexByte(lit, '\\') >= 0 {
		// short enough to spell a name with \uXXXX escapes
		u, err := jsontext.AppendUnquote(nil, `"`+lit+`"`)
		if err != nil {
			return true
		}
		lit = string(u)
	}
	var buf [maxKeyLen]byte
	k := lowerKey(buf[:0], lit)
	return len(k) > 0 && (secretKeys[string(k)] || urlKeys[string(k)])
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index just past the string literal that starts at
// s[i] ('"'), or -1.
func stringEnd(s string, i int) int {
	for j := i + 1; ; {
		q := strings.IndexByte(s[j:], '"')
		if q < 0 {
			return -1
		}
		j += q
		bs := 0
		for k := j - 1; k > i && s[k] == '\\'; k-- {
			bs++
		}
		if bs%2 == 0 {
			return j + 1
		}
		j++
	}
}

// valueEnd returns the index just past the JSON value that starts at s[i],
// or -1, and sets *secrets when one of its strings may hold a secret. It
// checks structure only as far as it must to find the end.
func (h hints) valueEnd(s string, i int, secrets *bool) int {
	if i >= len(s) {
		return -1
	}
	switch s[i] {
	case '"':
		e := stringEnd(s, i)
		if e > 0 && !*secrets {
			*secrets = h.mayHoldSecret(s[i+1 : e-1])
		}
		return e
	case '{', '[':
		depth := 0
		for j := i; j < len(s); j++ {
			switch s[j] {
			case '"':
				e := stringEnd(s, j)
				if e < 0 {
					return -1
				}
				if !*secrets {
					*secrets = h.mayHoldSecret(s[j+1 : e-1])
				}
				j = e - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < len(s) && s[j] != ',' && s[j] != '}' && s[j] != ']' && s[j] != ' ' && s[j] != '\t' && s[j] != '\n' && s[j] != '\r' {
		j++
	}
	if j == i {
		return -1
	}
	return j
}

// blobText is a JSON column's text: "" for an absent or null member, the
// member's own text in raw when scanRecord found it, else v serialized.
func blobText(v *fastjson.Value, raw string, sp span, ok bool) string {
	if v == nil || v.Type() == fastjson.TypeNull {
		return ""
	}
	if ok && sp.hi > 0 {
		return raw[sp.lo:sp.hi]
	}
	return string(appendJSON(nil, v))
}

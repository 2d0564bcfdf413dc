package s3access

import (
	"strings"
	"time"
)

// maxTrail is the number of fields after the User-Agent that have a meaning
// (18 Version Id … 27 Source region); later ones are only counted.
const maxTrail = 10

// record is one line split into its fields, each a substring of the line
// ('-' not yet mapped to empty). Spans are byte ranges of the quoted fields'
// contents, for redaction.
type record struct {
	owner, bucket, remoteIP, requester, requestID, operation, key string
	uri                                                           string
	status, errCode, bytesSent, objectSize, totalTime, turnaround string
	referer, userAgent                                            string
	time                                                          time.Time

	uriSpan, refSpan, uaSpan span
	trailing                 [maxTrail]string
	nTrail                   int // fields after the User-Agent, known or not
}

type span struct{ start, end int }

// trail returns field n (18…27) or "" when the line is shorter.
func (r *record) trail(n int) string {
	i := n - 18
	if i < 0 || i >= r.nTrail || i >= maxTrail {
		return ""
	}
	return r.trailing[i]
}

// parse splits s into r. See the package documentation for the strategy.
func (r *record) parse(s string) error {
	if s == "" {
		return ErrEmpty
	}
	p := 0
	r.owner, p = token(s, p)
	r.bucket, p = token(s, p)
	p = skip(s, p)
	if p >= len(s) {
		if r.bucket == "" {
			return endsEarly(1)
		}
		return endsEarly(2)
	}
	if s[p] != '[' {
		if strings.HasPrefix(r.bucket, "[") || strings.HasPrefix(r.owner, "[") {
			return ErrOwnerMissing
		}
		return ErrNoTime
	}
	end := strings.IndexByte(s[p:], ']')
	if end < 0 || end > 40 {
		return ErrBadTime
	}
	t, ok := parseTime(s[p+1 : p+end])
	if !ok {
		return ErrBadTime
	}
	r.time = t
	p += end + 1
	if p < len(s) && s[p] != ' ' {
		return ErrBadTime
	}

	r.remoteIP, p = token(s, p)

	// Requester, Request ID, Operation, Key. The Requester can have spaces,
	// so look for the Operation token.
	var toks [12]span
	n := 0
	for q := p; n < len(toks); {
		q = skip(s, q)
		if q >= len(s) || (n >= 4 && s[q] == '"') {
			break
		}
		st := q
		for q < len(s) && s[q] != ' ' {
			q++
		}
		toks[n] = span{st, q}
		n++
	}
	at := func(i int) string { return s[toks[i].start:toks[i].end] }
	if n < 4 {
		if r.remoteIP == "" {
			return endsEarly(3)
		}
		return endsEarly(4 + n)
	}
	op := 2 // index of the Operation token
	if t := at(2); t != "-" && !isOperation(t) {
		// Something that is not an operation where the Operation should
		// be: the Requester has spaces.
		switch {
		case n >= 8 && isOAI(at(0), at(1), at(2), at(3)):
			op = 6
		case strings.HasPrefix(at(0), "arn:"):
			for k := 3; k < n-1; k++ {
				if isOperation(at(k)) {
					op = k
					break
				}
			}
		}
	}
	r.requester = s[toks[0].start:toks[op-2].end]
	r.requestID = at(op - 1)
	r.operation = at(op)
	r.key = at(op + 1)
	p = toks[op+1].end

	// Request-URI.
	p = skip(s, p)
	if p >= len(s) {
		return endsEarly(8)
	}
	if s[p] == '"' {
		if strings.HasPrefix(s[p:], `"-"`) && (p+3 == len(s) || s[p+3] == ' ') {
			r.uri = "-"
			p += 3
		} else {
			e := uriEnd(s, p)
			if e < 0 && strings.IndexByte(s[p+1:], '"') < 0 {
				return &EndsEarlyError{Fields: 8, Inside: "Request-URI"}
			}
			if e < 0 {
				if n := cutAfterURI(s, p); n > 0 {
					return endsEarly(n)
				}
				return ErrBadURI
			}
			r.uriSpan = span{p + 1, e}
			r.uri = s[p+1 : e]
			p = e + 1
		}
	} else {
		st := skip(s, p)
		r.uri, p = token(s, p)
		r.uriSpan = span{st, p}
	}

	// HTTP status … Turn-Around Time: six tokens without spaces.
	for i, f := range []*string{&r.status, &r.errCode, &r.bytesSent, &r.objectSize, &r.totalTime, &r.turnaround} {
		*f, p = token(s, p)
		if *f == "" {
			return endsEarly(9 + i)
		}
	}

	// Referer and User-Agent, anchored on the last quote of the line.
	p = skip(s, p)
	if p >= len(s) {
		return endsEarly(15)
	}
	if s[p] == '"' {
		last := lastQuote(s, p)
		if last < 0 && strings.IndexByte(s[p+1:], '"') < 0 {
			return &EndsEarlyError{Fields: 15, Inside: "Referer"}
		}
		if last < 0 {
			return ErrBadQuote
		}
		region := s[p+1 : last]
		if k := strings.Index(region, `" "`); k >= 0 {
			r.refSpan = span{p + 1, p + 1 + k}
			r.uaSpan = span{p + 1 + k + 3, last}
			p = last + 1
		} else {
			// Quoted Referer, bare User-Agent.
			r.refSpan = span{p + 1, last}
			p = skip(s, last+1)
			if p < len(s) && s[p] == '"' && strings.IndexByte(s[p+1:], '"') < 0 {
				// A quote that last (the last closing quote) does not
				// close: the line ends inside the User-Agent.
				return &EndsEarlyError{Fields: 16, Inside: "User-Agent"}
			}
			st := p
			if _, p = token(s, p); p == st {
				return endsEarly(16)
			}
			r.uaSpan = span{st, p}
		}
	} else {
		st := p
		_, p = token(s, p)
		r.refSpan = span{st, p}
		p = skip(s, p)
		if p >= len(s) {
			return endsEarly(16)
		}
		if s[p] == '"' {
			last := lastQuote(s, p)
			if last < 0 && strings.IndexByte(s[p+1:], '"') < 0 {
				return &EndsEarlyError{Fields: 16, Inside: "User-Agent"}
			}
			if last < 0 {
				return ErrBadQuote
			}
			r.uaSpan = span{p + 1, last}
			p = last + 1
		} else {
			st := p
			_, p = token(s, p)
			r.uaSpan = span{st, p}
		}
	}
	r.referer = s[r.refSpan.start:r.refSpan.end]
	r.userAgent = s[r.uaSpan.start:r.uaSpan.end]

	// Version Id and the fields after it; unknown ones are only counted.
	for {
		var f string
		if f, p = token(s, p); f == "" {
			break
		}
		if r.nTrail < maxTrail {
			r.trailing[r.nTrail] = f
		}
		r.nTrail++
	}
	if r.nTrail == 0 {
		return endsEarly(17)
	}
	return nil
}

// skip returns the index of the first non-space byte at or after p.
func skip(s string, p int) int {
	for p < len(s) && s[p] == ' ' {
		p++
	}
	return p
}

// token returns the space-free token at or after p and the index after it;
// "" at the end of s.
func token(s string, p int) (string, int) {
	p = skip(s, p)
	st := p
	for p < len(s) && s[p] != ' ' {
		p++
	}
	return s[st:p], p
}

// isOperation reports whether t looks like an operation: dot-separated
// upper-case words, e.g. REST.GET.OBJECT or S3.TRANSITION_SIA.OBJECT.
func isOperation(t string) bool {
	if len(t) < 3 || t[0] < 'A' || t[0] > 'Z' || t[len(t)-1] == '.' {
		return false
	}
	dot := false
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_':
		case c == '.':
			if t[i-1] == '.' {
				return false
			}
			dot = true
		default:
			return false
		}
	}
	return dot
}

// isOAI reports whether the tokens start a CloudFront origin access identity
// requester: arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity <ID>.
func isOAI(a, b, c, d string) bool {
	return strings.HasPrefix(a, "arn:") && strings.HasSuffix(a, ":user/CloudFront") &&
		b == "Origin" && c == "Access" && d == "Identity"
}

// uriEnd returns the index of the quote closing the Request-URI that opens
// at s[p]: the first ` HTTP/x.y"` followed by a status token, else the first
// quote followed by a status token; -1 when there is none.
func uriEnd(s string, p int) int {
	for i := p + 1; i < len(s); {
		k := strings.Index(s[i:], " HTTP/")
		if k < 0 {
			break
		}
		c := i + k + len(" HTTP/")
		j := c
		for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
			j++
		}
		if j > c && j < len(s) && s[j] == '"' && statusFollows(s, j+1) {
			return j
		}
		i += k + 1
	}
	for i := p + 1; i < len(s); {
		k := strings.IndexByte(s[i:], '"')
		if k < 0 {
			break
		}
		if statusFollows(s, i+k+1) {
			return i + k
		}
		i += k + 1
	}
	return -1
}

// cutAfterURI returns 9 or 10 when the line ends right after a complete
// Request-URI opening at s[p] (` HTTP/x.y"`), or after it and a status
// token: the fields complete before the end; else 0.
func cutAfterURI(s string, p int) int {
	k := strings.LastIndex(s, " HTTP/")
	if k <= p {
		return 0
	}
	j := k + len(" HTTP/")
	for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
		j++
	}
	if j == k+len(" HTTP/") || j >= len(s) || s[j] != '"' {
		return 0
	}
	switch rest := s[j+1:]; {
	case strings.TrimRight(rest, " ") == "":
		return 9
	case rest[0] == ' ' && !strings.Contains(strings.TrimSpace(rest), " "):
		return 10
	}
	return 0
}

// statusFollows reports whether s[q:] is " <status> " with status '-' or
// up to three digits.
func statusFollows(s string, q int) bool {
	if q >= len(s) || s[q] != ' ' {
		return false
	}
	q++
	st := q
	for q < len(s) && s[q] != ' ' {
		q++
	}
	if q >= len(s) { // the Error Code and more must follow
		return false
	}
	t := s[st:q]
	if t == "-" {
		return true
	}
	if len(t) == 0 || len(t) > 3 {
		return false
	}
	for i := 0; i < len(t); i++ {
		if t[i] < '0' || t[i] > '9' {
			return false
		}
	}
	return true
}

// lastQuote returns the index of the last '"' after p that ends a field
// (followed by a space or the end of s), or -1.
func lastQuote(s string, p int) int {
	e := len(s)
	for {
		k := strings.LastIndexByte(s[:e], '"')
		if k <= p {
			return -1
		}
		if k+1 == len(s) || s[k+1] == ' ' {
			return k
		}
		e = k
	}
}

// parseNum reads a numeric field: '-' is NULL (ok false), otherwise digits.
func parseNum(t, field string) (v int64, ok bool, err error) {
	if t == "-" || t == "" {
		return 0, false, nil
	}
	if len(t) > 18 {
		return 0, false, fieldError(field, t)
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c < '0' || c > '9' {
			return 0, false, fieldError(field, t)
		}
		v = v*10 + int64(c-'0')
	}
	return v, true, nil
}

// month returns 1-12 for a three-letter English month name (any case), else 0.
func month(m string) int {
	if len(m) != 3 {
		return 0
	}
	switch string([]byte{m[0] | 0x20, m[1] | 0x20, m[2] | 0x20}) {
	case "jan":
		return 1
	case "feb":
		return 2
	case "mar":
		return 3
	case "apr":
		return 4
	case "may":
		return 5
	case "jun":
		return 6
	case "jul":
		return 7
	case "aug":
		return 8
	case "sep":
		return 9
	case "oct":
		return 10
	case "nov":
		return 11
	case "dec":
		return 12
	}
	return 0
}

// parseTime reads the inside of the Time field, 06/Feb/2019:00:00:38 +0000
// (the zone may be missing: UTC), and returns it in UTC.
func parseTime(t string) (time.Time, bool) {
	t = strings.TrimSpace(t)
	// dd/Mon/yyyy:hh:mm:ss
	day, t, ok := digits(t, 1, 2)
	if !ok || !strings.HasPrefix(t, "/") || len(t) < 4 {
		return time.Time{}, false
	}
	mon := month(t[1:4])
	t = t[4:]
	if mon == 0 || !strings.HasPrefix(t, "/") {
		return time.Time{}, false
	}
	year, t, ok := digits(t[1:], 4, 4)
	if !ok || !strings.HasPrefix(t, ":") {
		return time.Time{}, false
	}
	hh, t, ok := digits(t[1:], 2, 2)
	if !ok || !strings.HasPrefix(t, ":") {
		return time.Time{}, false
	}
	mm, t, ok := digits(t[1:], 2, 2)
	if !ok || !strings.HasPrefix(t, ":") {
		return time.Time{}, false
	}
	ss, t, ok := digits(t[1:], 2, 2)
	if !ok || hh > 23 || mm > 59 || ss > 59 || day < 1 || day > daysIn(mon, year) {
		return time.Time{}, false
	}
	offset := 0
	if t = strings.TrimLeft(t, " "); t != "" {
		if len(t) != 5 || (t[0] != '+' && t[0] != '-') {
			return time.Time{}, false
		}
		oh, rest, ok1 := digits(t[1:3], 2, 2)
		om, _, ok2 := digits(t[3:5], 2, 2)
		if !ok1 || !ok2 || rest != "" || oh > 23 || om > 59 {
			return time.Time{}, false
		}
		offset = (oh*60 + om) * 60
		if t[0] == '-' {
			offset = -offset
		}
	}
	ts := time.Date(year, time.Month(mon), day, hh, mm, ss, 0, time.UTC)
	return ts.Add(-time.Duration(offset) * time.Second), true
}

// digits reads min to max decimal digits at the start of t.
func digits(t string, min, max int) (int, string, bool) {
	n, v := 0, 0
	for n < len(t) && n < max && t[n] >= '0' && t[n] <= '9' {
		v = v*10 + int(t[n]-'0')
		n++
	}
	if n < min {
		return 0, t, false
	}
	return v, t[n:], true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

package cloudtrail

import (
	"bytes"
	"net/url"
	"strings"

	"github.com/valyala/fastjson"
)

// Redacted replaces a credential in stored records.
const Redacted = "***REDACTED***"

// secretKeys are member names (lower case) whose values are credentials.
var secretKeys = map[string]bool{
	"sessiontoken": true, "password": true, "secretaccesskey": true, "secretkey": true,
	"masteruserpassword": true, "adminpassword": true, "accesstoken": true, "refreshtoken": true,
	"idtoken": true, "clientsecret": true, "keymaterial": true, "privatekey": true,
}

// urlKeys are members holding URLs that carry a credential in the query.
var urlKeys = map[string]bool{"authorizedurl": true, "presignedurl": true, "url": true}

// redact removes credentials from v in place and reports whether it
// changed anything: STS session tokens and secret keys, EMR session
// passwords, SageMaker presigned domain URLs, presigned S3 query strings.
//
// Normalize calls it only for records whose scan (scanRecord) found a
// string that could matter; FuzzScanRecordSecrets checks that the walk
// changes nothing in the others.
func redact(v *fastjson.Value) bool { return redactValue(v) }

func redactValue(v *fastjson.Value) bool {
	changed := false
	switch v.Type() {
	case fastjson.TypeObject:
		o, _ := v.Object()
		o.Visit(func(k []byte, x *fastjson.Value) {
			var buf [maxKeyLen]byte
			key := lowerKey(buf[:0], k)
			switch {
			case secretKeys[string(key)] && x.Type() != fastjson.TypeNull:
				if x.Type() != fastjson.TypeString || string(x.GetStringBytes()) != Redacted {
					*x = *quoted(Redacted) // in place: o.Set would miss a duplicate key
					changed = true
				}
			case urlKeys[string(key)] && x.Type() == fastjson.TypeString:
				if s, ok := redactURL(string(x.GetStringBytes()), string(key) != "url"); ok {
					*x = *quoted(s)
					changed = true
				}
			default:
				if redactValue(x) {
					changed = true
				}
			}
		})
	case fastjson.TypeArray:
		a, _ := v.Array()
		for _, x := range a {
			if redactValue(x) {
				changed = true
			}
		}
	case fastjson.TypeString:
		// presigned URLs can appear in any string (e.g. a Request-URI); a
		// URL with credentials has a query.
		b := v.GetStringBytes()
		if bytes.IndexByte(b, '?') < 0 {
			return false
		}
		s := string(b)
		if strings.Contains(s, "X-Amz-Signature=") || strings.Contains(s, "X-Amz-Security-Token=") || strings.Contains(s, "Signature=") {
			if r, ok := redactURL(s, false); ok {
				*v = *quoted(r)
				changed = true
			}
		}
	}
	return changed
}

// redactURL blanks the values of credential query parameters, keeping the
// parameters' order; with all set it blanks every value (a presigned
// Studio URL's token is the whole point of the URL).
func redactURL(s string, all bool) (string, bool) {
	i := strings.IndexByte(s, '?')
	if i < 0 {
		return s, false
	}
	pairs := strings.Split(s[i+1:], "&")
	changed := false
	for n, p := range pairs {
		// Free text can hold the URL after another '?' ("Why? https://h/k?X-Amz-…")
		// or after another URL's query, so each '?' also starts a parameter.
		segs := strings.Split(p, "?")
		for m, seg := range segs {
			k, _, _ := strings.Cut(seg, "=")
			lk := strings.ToLower(k)
			if uk, err := url.QueryUnescape(k); err == nil {
				lk = strings.ToLower(uk)
			}
			if all || lk == "x-amz-signature" || lk == "x-amz-security-token" || lk == "x-amz-credential" ||
				lk == "signature" || lk == "token" || lk == "authtoken" {
				segs[m] = k + "=" + Redacted
				changed = true
			}
		}
		pairs[n] = strings.Join(segs, "?")
	}
	if !changed {
		return s, false
	}
	return s[:i+1] + strings.Join(pairs, "&"), true
}

// maxKeyLen is the longest member name in secretKeys and urlKeys
// (masteruserpassword).
const maxKeyLen = 18

// lowerKey appends the lower-case form of a member name that could be in
// secretKeys or urlKeys to dst; it appends nothing for names that cannot
// (by length, or by last letter: all of them end in n, d, y, t or l).
func lowerKey[T string | []byte](dst []byte, k T) []byte {
	if len(k) < 3 || len(k) > maxKeyLen {
		return dst
	}
	switch k[len(k)-1] | 0x20 {
	case 'n', 'd', 'y', 't', 'l':
	default:
		return dst
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

func quoted(s string) *fastjson.Value {
	var a fastjson.Arena
	return a.NewString(s)
}

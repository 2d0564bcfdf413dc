package cloudtrail

import (
	"bytes"
	"net/url"
	"strings"

	"github.com/valyala/fastjson"
)

// Redacted replaces a credential in stored records.
const Redacted = "***REDACTED***"

// Cheap byte patterns that a record must contain for redaction to be worth
// a walk over the whole record. Each secret key or URL parameter below
// contains one of them (in any case of its first letter): Token covers
// sessionToken, accessToken, refreshToken, idToken and X-Amz-Security-Token;
// ecret covers secretAccessKey, secretKey and clientSecret; Url the
// presigned URLs; Signature= the presigned query strings (not SignatureVersion,
// which every S3 data event carries).
var secretHints = [][]byte{
	[]byte("ssword"), []byte("SSWORD"), []byte("ecret"), []byte("Url"),
	[]byte("Signature="), []byte("aterial"), []byte("rivateKey"),
}

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
func redact(v *fastjson.Value, raw []byte) bool {
	hit := hasSecretToken(raw)
	for _, h := range secretHints {
		if hit {
			break
		}
		if bytes.Contains(raw, h) {
			hit = true
			break
		}
	}
	if !hit {
		return false
	}
	return redactValue(v)
}

func redactValue(v *fastjson.Value) bool {
	changed := false
	switch v.Type() {
	case fastjson.TypeObject:
		o, _ := v.Object()
		o.Visit(func(k []byte, x *fastjson.Value) {
			key := lowerKey(k)
			switch {
			case secretKeys[key] && x.Type() != fastjson.TypeNull:
				if x.Type() != fastjson.TypeString || string(x.GetStringBytes()) != Redacted {
					*x = *quoted(Redacted) // in place: o.Set would miss a duplicate key
					changed = true
				}
			case urlKeys[key] && x.Type() == fastjson.TypeString:
				if s, ok := redactURL(string(x.GetStringBytes()), key != "url"); ok {
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
		// presigned URLs can appear in any string (e.g. a Request-URI)
		s := string(v.GetStringBytes())
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

// tokenKeys are the credential names ending in "Token", without it.
var tokenKeys = [][]byte{[]byte("session"), []byte("Session"), []byte("ccess"), []byte("efresh"),
	[]byte("id"), []byte("Id"), []byte("Security-"), []byte("SESSION"), []byte("ACCESS")}

// hasSecretToken reports whether raw holds a credential named …Token
// (sessionToken, accessToken, refreshToken, idToken, X-Amz-Security-Token)
// or a token= URL parameter, without being fooled by the many harmless
// ones (clientRequestToken, NextToken).
func hasSecretToken(raw []byte) bool {
	for i := 0; ; {
		j := bytes.Index(raw[i:], []byte("Token"))
		if j < 0 {
			break
		}
		at := i + j
		for _, k := range tokenKeys {
			if bytes.HasSuffix(raw[:at], k) {
				return true
			}
		}
		i = at + len("Token")
	}
	return bytes.Contains(raw, []byte("token=")) || bytes.Contains(raw, []byte("TOKEN"))
}

// lowerKey lower-cases a member name for the key tables; names that cannot
// be in them (too long) are not converted.
func lowerKey(k []byte) string {
	if len(k) > len("masteruserpassword") {
		return ""
	}
	var buf [32]byte
	for i, c := range k {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return string(buf[:len(k)])
}

func quoted(s string) *fastjson.Value {
	var a fastjson.Arena
	return a.NewString(s)
}

package s3access

import "strings"

// Redacted replaces a credential in stored lines.
const Redacted = "***REDACTED***"

// credentialParams are the query parameters (lower case) whose values are
// credentials: SigV4 presigned URLs and SigV2 query authentication.
var credentialParams = [...]string{"x-amz-signature", "x-amz-security-token", "x-amz-credential", "signature"}

// redact returns s with the credentials in the Request-URI, Referer and
// User-Agent replaced, and whether it found any. Only bytes other than
// spaces and quotes change, so the line splits the same way afterwards.
func (r *record) redact(s string) (string, bool) {
	spans := [3]span{r.uriSpan, r.refSpan, r.uaSpan}
	var out []byte
	last := 0
	for _, sp := range spans {
		if sp.end <= sp.start || sp.start < last {
			continue
		}
		f := s[sp.start:sp.end]
		if strings.IndexByte(f, '=') < 0 && strings.IndexByte(f, '%') < 0 {
			continue
		}
		red, ok := RedactQuery(f)
		if !ok {
			continue
		}
		if out == nil {
			out = make([]byte, 0, len(s)+64)
		}
		out = append(out, s[last:sp.start]...)
		out = append(out, red...)
		last = sp.end
	}
	if out == nil {
		return s, false
	}
	out = append(out, s[last:]...)
	return string(out), true
}

// RedactQuery replaces the values of credential query parameters in f
// (X-Amz-Signature, X-Amz-Security-Token, X-Amz-Credential, Signature; any
// case; '=' also as %3D or %253D) with ***REDACTED***, and reports whether
// it changed anything. A parameter name must start the text or follow a
// byte that cannot be part of a name (?, &, space, …, or a %XX escape). A
// value ends at '&', %26, '#', '"', a space or a tab.
func RedactQuery(f string) (string, bool) {
	var out []byte
	last := 0
	for i := 0; i < len(f); {
		eq, eqLen := nextEquals(f, i)
		if eq < 0 {
			break
		}
		v := eq + eqLen
		i = v
		if !credentialBefore(f, eq) {
			continue
		}
		end := valueEnd(f, v)
		i = end
		if end == v || f[v:end] == Redacted {
			continue
		}
		if out == nil {
			out = make([]byte, 0, len(f)+len(Redacted))
		}
		out = append(out, f[last:v]...)
		out = append(out, Redacted...)
		last = end
	}
	if out == nil {
		return f, false
	}
	out = append(out, f[last:]...)
	return string(out), true
}

// nextEquals finds the next '=', %3D or %253D at or after i.
func nextEquals(f string, i int) (int, int) {
	for i < len(f) {
		k := strings.IndexAny(f[i:], "=%")
		if k < 0 {
			return -1, 0
		}
		j := i + k
		if f[j] == '=' {
			return j, 1
		}
		switch {
		case hasFoldPrefix(f[j:], "%3d"):
			return j, 3
		case hasFoldPrefix(f[j:], "%253d"):
			return j, 5
		}
		i = j + 1
	}
	return -1, 0
}

// credentialBefore reports whether a credential parameter name ends at eq.
func credentialBefore(f string, eq int) bool {
	for _, name := range credentialParams {
		st := eq - len(name)
		if st < 0 || !strings.EqualFold(f[st:eq], name) {
			continue
		}
		if st == 0 || !isNameByte(f[st-1]) {
			return true
		}
		// after an escape such as %3F (?) or %26 (&)
		if st >= 3 && f[st-3] == '%' && isHex(f[st-2]) && isHex(f[st-1]) {
			return true
		}
	}
	return false
}

// valueEnd returns the index where a parameter value starting at v ends.
func valueEnd(f string, v int) int {
	for j := v; j < len(f); j++ {
		switch f[j] {
		case '&', '#', '"', ' ', '\t':
			return j
		case '%':
			if hasFoldPrefix(f[j:], "%26") {
				return j
			}
		}
	}
	return len(f)
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hasFoldPrefix(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

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

// blob renders an object or array as compact JSON text, "" for null/absent.
func blob(v *fastjson.Value) string {
	if v == nil || v.Type() == fastjson.TypeNull {
		return ""
	}
	return string(appendJSON(nil, v))
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

package lake

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Top-level folders of a lake.
const (
	EventsDir     = "events"
	QuarantineDir = "_quarantine"
	ManifestDir   = "_manifest"
	IndexDir      = "_index"
	NoProfile     = "_none"
)

// ObjectID names an input object in the lake: a hash of its location and
// its content tag (ETag or content hash), so that re-ingesting the same
// object writes the same files and a changed object writes new ones.
func ObjectID(location, contentTag string) string {
	h := sha256.New()
	h.Write([]byte(location))
	h.Write([]byte{0})
	h.Write([]byte(contentTag))
	return hex.EncodeToString(h.Sum(nil))[:24]
}

// PartitionValue makes an attacker-controlled value (a Studio profile name
// comes from sourceIdentity) safe as one Hive partition path segment:
// characters outside [A-Za-z0-9._@,=+-] are percent-encoded, and '.' or
// '..' cannot form. The empty value becomes _none.
func PartitionValue(v string) string {
	if v == "" {
		return NoProfile
	}
	if safeSegment(v) {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '_', c == '@', c == ',', c == '-', c == '+':
			b.WriteByte(c)
		case c == '.' && i > 0:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteString(strings.ToUpper(hex.EncodeToString([]byte{c})))
		}
	}
	return b.String()
}

// safeSegment reports whether PartitionValue keeps v as it is.
func safeSegment(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '_' || c == '@' || c == ',' || c == '-' || c == '+' || c == '.' && i > 0) {
			return false
		}
	}
	return true
}

// EventsPartition is the folder of one (day, profile) partition.
func EventsPartition(day, profile string) string {
	return EventsDir + "/dt=" + day + "/profile=" + PartitionValue(profile)
}

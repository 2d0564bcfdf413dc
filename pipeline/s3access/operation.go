package s3access

import "strings"

// opNames maps logged operations to the API action CloudTrail names them
// with, where the generic rule of EventName would not give that name (or to
// spare it an allocation on common operations).
var opNames = map[string]string{
	"REST.GET.OBJECT":               "GetObject",
	"REST.PUT.OBJECT":               "PutObject",
	"REST.HEAD.OBJECT":              "HeadObject",
	"REST.DELETE.OBJECT":            "DeleteObject",
	"REST.POST.OBJECT":              "PostObject",
	"REST.COPY.OBJECT":              "CopyObject",
	"REST.COPY.OBJECT_GET":          "CopyObject", // the read half of a copy; S3Operation keeps it apart
	"REST.COPY.PART":                "UploadPartCopy",
	"REST.COPY.PART_GET":            "UploadPartCopy",
	"REST.PUT.PART_COPY":            "UploadPartCopy",
	"REST.GET.BUCKET":               "ListObjects",
	"REST.GET.BUCKETVERSIONS":       "ListObjectVersions",
	"REST.GET.SERVICE":              "ListBuckets",
	"REST.HEAD.BUCKET":              "HeadBucket",
	"REST.PUT.BUCKET":               "CreateBucket",
	"REST.DELETE.BUCKET":            "DeleteBucket",
	"REST.GET.VERSIONING":           "GetBucketVersioning",
	"REST.PUT.VERSIONING":           "PutBucketVersioning",
	"REST.GET.LOCATION":             "GetBucketLocation",
	"REST.GET.LOGGING_STATUS":       "GetBucketLogging",
	"REST.PUT.LOGGING_STATUS":       "PutBucketLogging",
	"REST.GET.BUCKETPOLICY":         "GetBucketPolicy",
	"REST.PUT.BUCKETPOLICY":         "PutBucketPolicy",
	"REST.DELETE.BUCKETPOLICY":      "DeleteBucketPolicy",
	"REST.GET.POLICY_STATUS":        "GetBucketPolicyStatus",
	"REST.GET.ENCRYPTION":           "GetBucketEncryption",
	"REST.GET.LIFECYCLE":            "GetBucketLifecycle",
	"REST.GET.NOTIFICATION":         "GetBucketNotification",
	"REST.GET.TAGGING":              "GetBucketTagging",
	"REST.GET.CORS":                 "GetBucketCors",
	"REST.GET.WEBSITE":              "GetBucketWebsite",
	"REST.GET.REPLICATION":          "GetBucketReplication",
	"REST.GET.PUBLIC_ACCESS_BLOCK":  "GetBucketPublicAccessBlock",
	"REST.GET.OWNERSHIP_CONTROLS":   "GetBucketOwnershipControls",
	"REST.GET.OBJECT_TAGGING":       "GetObjectTagging",
	"REST.PUT.OBJECT_TAGGING":       "PutObjectTagging",
	"REST.GET.UPLOADS":              "ListMultipartUploads",
	"REST.POST.UPLOADS":             "CreateMultipartUpload",
	"REST.PUT.PART":                 "UploadPart",
	"REST.GET.UPLOAD":               "ListParts",
	"REST.POST.UPLOAD":              "CompleteMultipartUpload",
	"REST.DELETE.UPLOAD":            "AbortMultipartUpload",
	"REST.POST.MULTI_OBJECT_DELETE": "DeleteObjects",
	"REST.POST.RESTORE":             "RestoreObject",
	"REST.OPTIONS.PREFLIGHT":        "OptionsPreflight",
	"BATCH.DELETE.OBJECT":           "DeleteObjects",
	"S3.EXPIRE.OBJECT":              "ExpireObject", // lifecycle expiration
	"S3.CREATE.DELETEMARKER":        "CreateDeleteMarker",
	"WEBSITE.GET.OBJECT":            "GetObject",
	"WEBSITE.HEAD.OBJECT":           "HeadObject",
}

// EventName maps a logged operation (INTERFACE.VERB.THING) to an API action
// name. Operations not in the table follow a generic rule: VERB and THING
// in CamelCase (words split on '_'), so S3.TRANSITION_SIA.OBJECT gives
// TransitionSiaObject. For REST, WEBSITE and SOAP operations whose THING
// names a subresource rather than OBJECT… or BUCKET…, "Object" is inserted
// when the line has a key and "Bucket" when it does not: REST.GET.ACL gives
// GetObjectAcl or GetBucketAcl, REST.PUT.LEGAL_HOLD gives PutObjectLegalHold,
// REST.GET.ANALYTICS gives GetBucketAnalytics. An operation with fewer than
// two words ('-', garbage) has no name ("").
func EventName(op string, hasKey bool) string {
	if n, ok := opNames[op]; ok {
		return n
	}
	iface, rest, ok := strings.Cut(op, ".")
	if !ok || rest == "" {
		return ""
	}
	verb, thing, _ := strings.Cut(rest, ".")
	var b strings.Builder
	b.Grow(len(op) + 6)
	camel(&b, verb)
	if thing != "" && (iface == "REST" || iface == "WEBSITE" || iface == "SOAP") &&
		!strings.HasPrefix(thing, "OBJECT") && !strings.HasPrefix(thing, "BUCKET") {
		if hasKey {
			b.WriteString("Object")
		} else {
			b.WriteString("Bucket")
		}
	}
	camel(&b, thing)
	return b.String()
}

// camel writes words separated by '_' or '.' in CamelCase: LEGAL_HOLD → LegalHold.
func camel(b *strings.Builder, s string) {
	up := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_' || c == '.':
			up = true
			continue
		case up && c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		case !up && c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		up = false
		b.WriteByte(c)
	}
}

// readOnly derives read_only from the operation's verb: GET, HEAD and
// OPTIONS read; PUT, DELETE, COPY, the POST uploads/restore/deletes, batch
// deletes and lifecycle actions (S3.EXPIRE, S3.TRANSITION…, S3.CREATE,
// S3.DELETE) write. Anything else is unknown (NULL).
func readOnly(op string) (bool, bool) {
	iface, rest, ok := strings.Cut(op, ".")
	if !ok {
		return false, false
	}
	verb, thing, _ := strings.Cut(rest, ".")
	switch verb {
	case "GET", "HEAD", "OPTIONS":
		return true, true
	case "PUT", "DELETE", "COPY":
		return false, true
	case "POST":
		switch thing {
		case "OBJECT", "UPLOADS", "UPLOAD", "RESTORE", "MULTI_OBJECT_DELETE":
			return false, true
		}
		return false, false
	}
	if iface == "S3" && (verb == "EXPIRE" || verb == "CREATE" || strings.HasPrefix(verb, "TRANSITION")) {
		return false, true
	}
	return false, false
}

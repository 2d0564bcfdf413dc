package s3access

import (
	"strings"

	"github.com/auditlake/auditlake/pipeline/arns"
	"github.com/auditlake/auditlake/pipeline/lake"
)

// requesterIdentity maps the Requester field (already '-' → "") to the
// principal columns:
//
//	arn:aws:sts::A:assumed-role/R/S  AssumedRole: PrincipalARN, RoleARN arn:aws:iam::A:role/R,
//	                                 SessionName S, LFSession S when S starts with AWSLF-
//	arn:aws:sts::A:federated-user/U  FederatedUser: PrincipalARN, UserName U
//	arn:aws:iam::A:user/path/U       IAMUser: PrincipalARN, UserName U
//	arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity ID
//	                                 IAMUser: UserName "CloudFront Origin Access Identity ID",
//	                                 InvokedBy cloudfront.amazonaws.com, no account
//	arn:aws:iam::A:root              Root: PrincipalARN
//	arn:aws:iam::A:role/R            Role: PrincipalARN, RoleARN
//	other ARN                        Unknown: PrincipalARN
//	64 or 96 lower-case hex          CanonicalUser: PrincipalID
//	svc:<service>                    AWSService: InvokedBy and PrincipalARN <service>, PrincipalID as logged
//	AmazonS3                         AWSService: InvokedBy and PrincipalARN s3.amazonaws.com, PrincipalID AmazonS3
//	"" (logged '-')                  Anonymous: PrincipalAccountID 'anonymous', as CloudTrail logs it
//	anything else                    Unknown: PrincipalID as logged
//
// PrincipalAccountID is the ARN's account field.
func requesterIdentity(req string, ev *lake.Event) {
	switch {
	case req == "":
		ev.PrincipalType = PrincipalAnonymous
		ev.PrincipalAccountID = "anonymous"
	case strings.HasPrefix(req, "arn:"):
		arnIdentity(req, ev)
	case strings.HasPrefix(req, "svc:"):
		ev.PrincipalType = "AWSService"
		ev.InvokedBy = req[len("svc:"):]
		ev.PrincipalARN = ev.InvokedBy
		ev.PrincipalID = req
	case req == "AmazonS3":
		ev.PrincipalType = "AWSService"
		ev.InvokedBy = "s3.amazonaws.com"
		ev.PrincipalARN = ev.InvokedBy
		ev.PrincipalID = req
	case IsCanonicalID(req):
		ev.PrincipalType = PrincipalCanonicalUser
		ev.PrincipalID = req
	default:
		ev.PrincipalType = "Unknown"
		ev.PrincipalID = req
	}
}

// arnIdentity maps an IAM or STS ARN: arn:partition:service:region:account:resource.
func arnIdentity(s string, ev *lake.Event) {
	ev.PrincipalARN = s
	ev.PrincipalType = "Unknown"
	a, ok := arns.Parse(s)
	if !ok {
		return
	}
	ev.PrincipalAccountID = a.Account
	p := arns.PrincipalOf(s)
	if p.Type != "" {
		ev.PrincipalType = p.Type
	}
	ev.RoleARN, ev.SessionName, ev.UserName = p.RoleARN, p.Session, p.UserName
	if strings.HasPrefix(p.Session, "AWSLF-") {
		ev.LFSession = p.Session
	}
	if p.Type == "IAMUser" && a.Account == "cloudfront" {
		// A CloudFront origin access identity: the name has spaces and
		// the "account" is not one.
		ev.UserName = a.Resource[len("user/"):]
		ev.InvokedBy = "cloudfront.amazonaws.com"
		ev.PrincipalAccountID = ""
	}
}

// IsCanonicalID reports whether s is an S3 canonical user id: 64 (or, in
// some logs, 96) lower-case hex digits.
func IsCanonicalID(s string) bool {
	if len(s) != 64 && len(s) != 96 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// isAccountID reports whether s is an account number (all digits).
func isAccountID(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// RegionFromHost derives the Region from a Host Header such as
// bucket.s3.us-west-1.amazonaws.com, s3-us-west-2.amazonaws.com,
// s3.dualstack.eu-west-1.amazonaws.com, ap.s3-accesspoint.us-east-1.amazonaws.com,
// bucket.s3-website-us-east-1.amazonaws.com or a vpce endpoint. It returns
// "" for the global endpoint (s3.amazonaws.com) and for other hosts.
func RegionFromHost(host string) string {
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	host = strings.ToLower(host)
	switch {
	case strings.HasSuffix(host, ".amazonaws.com"):
		host = host[:len(host)-len(".amazonaws.com")]
	case strings.HasSuffix(host, ".amazonaws.com.cn"):
		host = host[:len(host)-len(".amazonaws.com.cn")]
	default:
		return ""
	}
	host = strings.TrimSuffix(host, ".vpce")
	label, prev := host, ""
	if i := strings.LastIndexByte(host, '.'); i >= 0 {
		label = host[i+1:]
		prev = host[:i]
		if j := strings.LastIndexByte(prev, '.'); j >= 0 {
			prev = prev[j+1:]
		}
	}
	switch {
	case isRegion(label) && (strings.HasPrefix(prev, "s3") || prev == "dualstack"):
		return label
	case strings.HasPrefix(label, "s3-website-") && isRegion(label[len("s3-website-"):]):
		return label[len("s3-website-"):]
	case strings.HasPrefix(label, "s3-") && isRegion(label[len("s3-"):]):
		return label[len("s3-"):]
	}
	return ""
}

// isRegion reports whether s looks like a Region: us-east-1, us-gov-west-1,
// cn-north-1 (letters, hyphenated words, a number at the end).
func isRegion(s string) bool {
	words := 0
	for s != "" {
		w, rest, more := strings.Cut(s, "-")
		if w == "" {
			return false
		}
		if !more { // the last word: a number
			if words < 2 {
				return false
			}
			for i := 0; i < len(w); i++ {
				if w[i] < '0' || w[i] > '9' {
					return false
				}
			}
			return true
		}
		for i := 0; i < len(w); i++ {
			if w[i] < 'a' || w[i] > 'z' {
				return false
			}
		}
		words++
		s = rest
	}
	return false
}

// BucketRegion is the Region of the bucket an access-log line is about:
// the one its Host header names, else its access point ARN's, else the one
// in the log object's key when the logs are delivered with partitioned
// prefixes (…/<source account>/<source region>/<source bucket>/YYYY/MM/DD/…,
// where the source bucket is the line's bucket); "" when none says.
func BucketRegion(host, accessPointARN, object, bucket string) string {
	if r := RegionFromHost(host); r != "" {
		return r
	}
	if r := arns.Region(accessPointARN); isRegion(r) {
		return r
	}
	return regionFromLogKey(object, bucket)
}

// regionFromLogKey finds <account>/<region>/<bucket>/YYYY/MM/DD in a
// partitioned log object key.
func regionFromLogKey(object, bucket string) string {
	if bucket == "" {
		return ""
	}
	segs := strings.Split(object, "/")
	for i := 0; i+5 < len(segs); i++ {
		if segs[i+2] == bucket && isAccountID(segs[i]) && isRegion(segs[i+1]) &&
			isDigits(segs[i+3], 4) && isDigits(segs[i+4], 2) && isDigits(segs[i+5], 2) {
			return segs[i+1]
		}
	}
	return ""
}

func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < n; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

package s3access

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/auditlake/auditlake/pipeline/lake"
)

const (
	owner  = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
	owner2 = "36c1f05b76016b78528454e6e0c60e2b7ff7aa20c0a5e4c748276e5b0a2debd2"
	hostID = "s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234="
	// a 96-hex requester, as in elastic/integrations#13617
	hex96 = "97cb8876" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" + "0123" + "e292"
	ta    = "arn:aws:sts::123456:assumed-role/AWSServiceRoleForTrustedAdvisor/TrustedAdvisor_627959692251_784ab70b-8cc9-4d37-a2ec-2ff4d0c08af9"
	taUA  = "AWS-Support-TrustedAdvisor, aws-internal/3 aws-sdk-java/1.11.590 Linux/4.9.137-0.1.ac.218.74.329.metal1.x86_64 OpenJDK_64-Bit_Server_VM/25.212-b03 java/1.8.0_212 vendor/Oracle_Corporation"
	oai   = "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2EXAMPLEID"
)

// Lines of the table. The doc, Elastic and Panther ones are verbatim from
// the sources named in aws-log-formats.md §7.2; the known breakages embed
// the fragments quoted there.
var (
	doc27 = owner + ` amzn-s3-demo-bucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 ` + owner + ` 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /amzn-s3-demo-bucket1?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" - ` + hostID + ` SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com TLSV1.2 arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP Yes us-east-1`
	doc26 = owner + ` DOC-EXAMPLE-BUCKET1 [06/Feb/2019:00:01:57 +0000] 192.0.2.3 ` + owner + ` DD6CC733AEXAMPLE REST.PUT.OBJECT s3-dg.pdf "PUT /DOC-EXAMPLE-BUCKET1/s3-dg.pdf HTTP/1.1" 200 - - 4406583 41754 28 "-" "S3Console/0.4" - 10S62Zv81kBW7BB6SX4XJ48o6kpcl6LPwEoizZQQxJd5qDSCTLX0TgS37kYUBKQW3+bPdrg1234= SigV4 ECDHE-RSA-AES128-SHA AuthHeader DOC-EXAMPLE-BUCKET1.s3.us-west-1.amazonaws.com TLSV1.2 - Yes`
	ela24 = owner2 + ` test-s3-ks [01/Aug/2019:00:24:41 +0000] 89.160.20.156 ` + ta + ` 44EE8651683CB4DA REST.GET.LOCATION - "GET /test-s3-ks/?location&aws-account=627959692251 HTTP/1.1" 200 - 142 - 17 - "-" "` + taUA + `" - BsCfJedfuSnds2QFoxi+E/O7M6OEWzJnw4dUaes/2hyA363sONRJKzB7EOY+Bt9DTHYUn+HoHxI= SigV4 ECDHE-RSA-AES128-SHA AuthHeader s3.ap-southeast-1.amazonaws.com TLSv1.2`
	ela25 = `67797214d75628047d9c76b18a78cded1a4b069b71f2a9d5a53649c38da8770b flow-log-test [14/Jul/2021:18:57:31 +0000] - svc:delivery.logs.amazonaws.com MVGXZXEVN3IG9S24 REST.PUT.OBJECT AWSLogs/000000000000/vpcflowlogs/us-gov-east-1/2021/07/13/000000000000_vpcflowlogs_us-gov-east-1_fl-_20210713T1855Z_f12aa632.log.gz "PUT /AWSLogs/000000000000/vpcflowlogs/us-gov-east-1/2021/07/13/000000000000_vpcflowlogs_us-gov-east-1_fl-0e7c13bf00cf15bfe_20210713T1855Z_f12aa632.log.gz HTTP/1.1" 200 - - 773 103 13 "-" "-" - 02SxwfXpO5UysN0GsKGa3uGDQ6E/W7+Hwo/luRH8p1VEexULoe66RCM+nja0dEq2JqLrtgjocvVRRkVt4= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader flow-log-test.s3.us-gov-west-1.amazonaws.com TLSv1.2 -`
	batch = owner2 + ` test-s3-ks [19/Sep/2019:17:06:39 +0000] 89.160.20.156 arn:aws:iam::123456:user/test@elastic.co 6CE38F1312D32BDD BATCH.DELETE.OBJECT Screen+Shot+2019-09-09+at+9.08.44+AM.png - 204 - - 57138 - - - - - LwRa4w6DbuU48GKQiH3jDbjfTyLCbwasFBsdttugRQ+9lH4jK8lT91+HhGZKMYI3sPyKuQ9LvU0= SigV4 ECDHE-RSA-AES128-SHA AuthHeader s3.ap-southeast-1.amazonaws.com TLSv1.2`
	expir = `b854390a51155554b82ce2759564a1135bce83133d004f4d2001f157e13985d7 flow-log-test [25/Mar/2025:19:28:02 +0000] - AmazonS3 366DB3C4B325AB11 S3.EXPIRE.OBJECT 0/chum/_vars/kitt_189/flags.sst "-" - - - 317 - - "-" "-" qsEq9bDa2VyxyZ4cz0c7oBnF67VYTTij DMlPb9al4CvVBck150CgpEIIYgtSI3HC/atetNVYwPtHZffW6jfpg+BrffhbT9/B - - - - - - -`
	old18 = owner + ` mybucket [06/Feb/2014:00:00:38 +0000] 192.0.2.3 arn:aws:iam::100:user/iam-user 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /mybucket?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" -`
	// Panther's fixture: two fields it did not know after the TLS version.
	panth = owner + ` awsexamplebucket [06/Feb/2019:00:00:38 +0000] 192.0.2.3 ` + owner + ` DD6CC733AEXAMPLE REST.PUT.OBJECT s3-dg.pdf "PUT /awsexamplebucket/s3-dg.pdf HTTP/1.1" 200 - - 4406583 41754 28 "-" "S3Console/0.4" - 10S62Zv81kBW7BB6SX4XJ48o6kpcl6LPwEoizZQQxJd5qDSCTLX0TgS37kYUBKQW3+bPdrg1234= SigV4 ECDHE-RSA-AES128-SHA AuthHeader awsexamplebucket.s3.amazonaws.com TLSV1.1 test1 test2`
	// All 27 fields and two unknown ones after the Source region.
	extra = doc27 + ` test1 test2`

	// Known breakage: an unescaped quote inside the User-Agent
	// (aws-samples/siem-on-amazon-opensearch-service#34).
	uaQuote = owner + ` www.example.com [06/Feb/2019:00:00:38 +0000] 192.0.2.3 - 7B4A0FABBEXAMPLE WEBSITE.GET.OBJECT index.html "GET /index.html HTTP/1.1" 200 - 1024 1024 12 11 "https://example,com/some/url" "Mozilla/5.0 (iPad; ...) Safari/604.1"" - someIDstring - - - www.example.com.s3-website-us-east-1.amazonaws.com -`
	// Known breakage: a raw quote inside the Request-URI and a key encoded
	// twice (cocoonlife/s3-log-parse#1).
	uriQuote = owner + ` mybucket [06/Feb/2019:00:00:38 +0000] 192.0.2.3 - 891CE47D2EXAMPLE REST.GET.OBJECT %2522 "GET /" HTTP/1.1" 403 AccessDenied 243 - 8 - "referer test" "curl/7.38.0" - ` + hostID + ` SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader mybucket.s3.eu-west-1.amazonaws.com TLSv1.2`
	// Known breakage: '*' in the key (elastic/integrations#13617), with a
	// 96-hex requester.
	star = owner + ` mybucket [06/Feb/2019:00:00:38 +0000] 192.0.2.3 ` + hex96 + ` A1206F460EXAMPLE REST.GET.OBJECT path/thumbnails/75*75/image-1.jpeg "GET /path/thumbnails/75*75/image-1.jpeg HTTP/1.1" 200 - 5120 5120 20 19 "-" "aws-cli/2.15.0" - ` + hostID + ` SigV4 TLS_AES_128_GCM_SHA256 AuthHeader mybucket.s3.dualstack.eu-central-1.amazonaws.com TLSv1.3 - -`
	// Known breakage: a requester with spaces (elastic/integrations#20417).
	oaiLine = owner + ` mybucket [06/Feb/2019:00:00:38 +0000] 130.176.0.1 ` + oai + ` 9D1A2B3C4EXAMPLE REST.GET.OBJECT img/logo.png "GET /img/logo.png HTTP/1.1" 200 - 2048 2048 9 8 "-" "Amazon CloudFront" - ` + hostID + ` SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader mybucket.s3.amazonaws.com TLSv1.2 - -`
	allDash = `- - - - - - - - "-" - - - - - - "-" "-" -`

	// A presigned GET: SigV4 query, temporary credentials.
	presigned         = owner + ` mybucket [06/Feb/2019:00:00:38 +0000] 192.0.2.3 arn:aws:sts::111122223333:assumed-role/Reader/alice 5E57427F3EXAMPLE REST.GET.OBJECT report.pdf "GET /report.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAEXAMPLE%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20240101T000000Z&X-Amz-Expires=900&X-Amz-Security-Token=IQoJb3JpZ2luX2VjE%2Bsecret%3D%3D&X-Amz-SignedHeaders=host&X-Amz-Signature=0123456789abcdef HTTP/1.1" 200 - 10 10 5 4 "https://app.example.com/view?file=report.pdf&Signature=c2lnbmF0dXJl" "Mozilla/5.0" - ` + hostID + ` SigV4 ECDHE-RSA-AES128-GCM-SHA256 QueryString mybucket.s3.us-east-1.amazonaws.com TLSv1.2 - - us-east-1`
	presignedRedacted = strings.NewReplacer(
		"ASIAEXAMPLE%2F20240101%2Fus-east-1%2Fs3%2Faws4_request", Redacted,
		"IQoJb3JpZ2luX2VjE%2Bsecret%3D%3D", Redacted,
		"0123456789abcdef", Redacted,
		"c2lnbmF0dXJl", Redacted,
	).Replace(presigned)
	// SigV2 query authentication.
	sigV2 = owner + ` mybucket [06/Feb/2019:00:00:38 +0000] 192.0.2.3 arn:aws:iam::111122223333:user/bob 6E57427F3EXAMPLE REST.GET.OBJECT a.txt "GET /mybucket/a.txt?AWSAccessKeyId=AKIAEXAMPLE&Expires=1700000000&Signature=vjbyPxybdZaNmGa%2ByT272YEAiv4%3D HTTP/1.1" 200 - 3 3 2 1 "-" "curl/8.0" - ` + hostID + ` SigV2 ECDHE-RSA-AES128-GCM-SHA256 QueryString s3.amazonaws.com TLSv1.2`

	invalidUA = owner + ` mybucket [06/Feb/2019:00:00:38 +0000] 192.0.2.3 - 8E57427F3EXAMPLE REST.HEAD.OBJECT a.txt "HEAD /a.txt HTTP/1.1" 404 NoSuchKey 300 - 4 - "-" "bad` + "\xff\xfe" + `agent" - ` + hostID + ` SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader s3-us-west-2.amazonaws.com TLSv1.2`

	lfRead = owner + ` lake-bucket [10/Mar/2024:12:00:00 +0000] 10.0.0.1 arn:aws:sts::111122223333:assumed-role/LakeFormationDataAccessRole/AWSLF-00-AT-111122223333-1234567890 AAAA1111BBBB2222 REST.GET.OBJECT db/tbl/part-0000.parquet "GET /db/tbl/part-0000.parquet HTTP/1.1" 206 - 65536 1048576 30 25 "-" "aws-sdk-java/2.20.0" - ` + hostID + ` SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader lake-bucket.s3.us-east-1.amazonaws.com TLSv1.2 - - -`
)

func i64(v int64) *int64 { return &v }
func bp(v bool) *bool    { return &v }

// base is the event every line of the table shares before its own fields.
func base(line string) lake.Event {
	return lake.Event{
		LogSource:    lake.SourceS3AccessLog,
		EventSource:  "s3.amazonaws.com",
		Category:     "Data",
		Raw:          line,
		SourceObject: "s3://logs/2024-01-01-00-00-00-ABC",
		SourceOffset: 42,
	}
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestNormalizeTable(t *testing.T) {
	tests := []struct {
		name string
		line string
		want func(e *lake.Event)
	}{
		{"27 fields, doc sample", doc27, func(e *lake.Event) {
			e.EventTime = ts("2019-02-06T00:00:38Z")
			e.BucketOwner, e.S3Bucket, e.SourceIP = owner, "amzn-s3-demo-bucket1", "192.0.2.3"
			e.PrincipalType, e.PrincipalID = "CanonicalUser", owner
			e.RequestID, e.S3Operation, e.EventName = "3E57427F3EXAMPLE", "REST.GET.VERSIONING", "GetBucketVersioning"
			e.RequestURI = "GET /amzn-s3-demo-bucket1?versioning HTTP/1.1"
			e.HTTPStatus, e.Bytes, e.TotalTimeMs = i64(200), i64(113), i64(7)
			e.UserAgent = "S3Console/0.4"
			e.S3HostID, e.SignatureVersion, e.CipherSuite, e.AuthType = hostID, "SigV4", "ECDHE-RSA-AES128-GCM-SHA256", "AuthHeader"
			e.HostHeader, e.TLSVersion = "amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com", "TLSV1.2"
			e.AccessPointARN, e.ACLRequired = "arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP", bp(true)
			// The bucket's Region is the host's; field 27 is where the
			// request came from.
			e.Region, e.SourceRegion = "us-west-1", "us-east-1"
			e.Outcome, e.ReadOnly = "success", bp(true)
		}},
		{"26 fields, PUT", doc26, func(e *lake.Event) {
			e.EventTime = ts("2019-02-06T00:01:57Z")
			e.BucketOwner, e.S3Bucket, e.SourceIP = owner, "DOC-EXAMPLE-BUCKET1", "192.0.2.3"
			e.PrincipalType, e.PrincipalID = "CanonicalUser", owner
			e.RequestID, e.S3Operation, e.EventName = "DD6CC733AEXAMPLE", "REST.PUT.OBJECT", "PutObject"
			e.S3Key, e.RequestURI = "s3-dg.pdf", "PUT /DOC-EXAMPLE-BUCKET1/s3-dg.pdf HTTP/1.1"
			e.HTTPStatus, e.ObjectSize, e.TotalTimeMs, e.TurnaroundTimeMs = i64(200), i64(4406583), i64(41754), i64(28)
			e.UserAgent = "S3Console/0.4"
			e.S3HostID, e.SignatureVersion, e.CipherSuite, e.AuthType = "10S62Zv81kBW7BB6SX4XJ48o6kpcl6LPwEoizZQQxJd5qDSCTLX0TgS37kYUBKQW3+bPdrg1234=", "SigV4", "ECDHE-RSA-AES128-SHA", "AuthHeader"
			e.HostHeader, e.TLSVersion, e.ACLRequired = "DOC-EXAMPLE-BUCKET1.s3.us-west-1.amazonaws.com", "TLSV1.2", bp(true)
			e.Region = "us-west-1"
			e.Outcome, e.ReadOnly = "success", bp(false)
		}},
		{"24 fields, assumed role, TLSv1.2", ela24, func(e *lake.Event) {
			e.EventTime = ts("2019-08-01T00:24:41Z")
			e.BucketOwner, e.S3Bucket, e.SourceIP = owner2, "test-s3-ks", "89.160.20.156"
			e.PrincipalType, e.PrincipalARN, e.PrincipalAccountID, e.AccountID = "AssumedRole", ta, "123456", "123456"
			e.RoleARN = "arn:aws:iam::123456:role/AWSServiceRoleForTrustedAdvisor"
			e.SessionName = "TrustedAdvisor_627959692251_784ab70b-8cc9-4d37-a2ec-2ff4d0c08af9"
			e.RequestID, e.S3Operation, e.EventName = "44EE8651683CB4DA", "REST.GET.LOCATION", "GetBucketLocation"
			e.RequestURI = "GET /test-s3-ks/?location&aws-account=627959692251 HTTP/1.1"
			e.HTTPStatus, e.Bytes, e.TotalTimeMs = i64(200), i64(142), i64(17)
			e.UserAgent = taUA
			e.S3HostID, e.SignatureVersion, e.CipherSuite, e.AuthType = "BsCfJedfuSnds2QFoxi+E/O7M6OEWzJnw4dUaes/2hyA363sONRJKzB7EOY+Bt9DTHYUn+HoHxI=", "SigV4", "ECDHE-RSA-AES128-SHA", "AuthHeader"
			e.HostHeader, e.TLSVersion, e.Region = "s3.ap-southeast-1.amazonaws.com", "TLSv1.2", "ap-southeast-1"
			e.Outcome, e.ReadOnly = "success", bp(true)
		}},
		{"25 fields, service requester, remote IP -", ela25, func(e *lake.Event) {
			e.EventTime = ts("2021-07-14T18:57:31Z")
			e.BucketOwner, e.S3Bucket = "67797214d75628047d9c76b18a78cded1a4b069b71f2a9d5a53649c38da8770b", "flow-log-test"
			e.PrincipalType, e.InvokedBy, e.PrincipalARN, e.PrincipalID = "AWSService", "delivery.logs.amazonaws.com", "delivery.logs.amazonaws.com", "svc:delivery.logs.amazonaws.com"
			e.RequestID, e.S3Operation, e.EventName = "MVGXZXEVN3IG9S24", "REST.PUT.OBJECT", "PutObject"
			e.S3Key = "AWSLogs/000000000000/vpcflowlogs/us-gov-east-1/2021/07/13/000000000000_vpcflowlogs_us-gov-east-1_fl-_20210713T1855Z_f12aa632.log.gz"
			e.RequestURI = "PUT /AWSLogs/000000000000/vpcflowlogs/us-gov-east-1/2021/07/13/000000000000_vpcflowlogs_us-gov-east-1_fl-0e7c13bf00cf15bfe_20210713T1855Z_f12aa632.log.gz HTTP/1.1"
			e.HTTPStatus, e.ObjectSize, e.TotalTimeMs, e.TurnaroundTimeMs = i64(200), i64(773), i64(103), i64(13)
			e.S3HostID, e.SignatureVersion, e.CipherSuite, e.AuthType = "02SxwfXpO5UysN0GsKGa3uGDQ6E/W7+Hwo/luRH8p1VEexULoe66RCM+nja0dEq2JqLrtgjocvVRRkVt4=", "SigV4", "ECDHE-RSA-AES128-GCM-SHA256", "AuthHeader"
			e.HostHeader, e.TLSVersion, e.Region = "flow-log-test.s3.us-gov-west-1.amazonaws.com", "TLSv1.2", "us-gov-west-1"
			e.Outcome, e.ReadOnly = "success", bp(false)
		}},
		{"18 fields, IAM user", old18, func(e *lake.Event) {
			e.EventTime = ts("2014-02-06T00:00:38Z")
			e.BucketOwner, e.S3Bucket, e.SourceIP = owner, "mybucket", "192.0.2.3"
			e.PrincipalType, e.PrincipalARN, e.UserName = "IAMUser", "arn:aws:iam::100:user/iam-user", "iam-user"
			e.PrincipalAccountID, e.AccountID = "100", "100"
			e.RequestID, e.S3Operation, e.EventName = "3E57427F3EXAMPLE", "REST.GET.VERSIONING", "GetBucketVersioning"
			e.RequestURI = "GET /mybucket?versioning HTTP/1.1"
			e.HTTPStatus, e.Bytes, e.TotalTimeMs = i64(200), i64(113), i64(7)
			e.UserAgent = "S3Console/0.4"
			e.Outcome, e.ReadOnly = "success", bp(true)
		}},
		{"batch delete, bare dashes, '+' key", batch, func(e *lake.Event) {
			e.EventTime = ts("2019-09-19T17:06:39Z")
			e.BucketOwner, e.S3Bucket, e.SourceIP = owner2, "test-s3-ks", "89.160.20.156"
			e.PrincipalType, e.PrincipalARN, e.UserName = "IAMUser", "arn:aws:iam::123456:user/test@elastic.co", "test@elastic.co"
			e.PrincipalAccountID, e.AccountID = "123456", "123456"
			e.RequestID, e.S3Operation, e.EventName = "6CE38F1312D32BDD", "BATCH.DELETE.OBJECT", "DeleteObjects"
			e.S3Key = "Screen Shot 2019-09-09 at 9.08.44 AM.png"
			e.HTTPStatus, e.ObjectSize = i64(204), i64(57138)
			e.S3HostID, e.SignatureVersion, e.CipherSuite, e.AuthType = "LwRa4w6DbuU48GKQiH3jDbjfTyLCbwasFBsdttugRQ+9lH4jK8lT91+HhGZKMYI3sPyKuQ9LvU0=", "SigV4", "ECDHE-RSA-AES128-SHA", "AuthHeader"
			e.HostHeader, e.TLSVersion, e.Region = "s3.ap-southeast-1.amazonaws.com", "TLSv1.2", "ap-southeast-1"
			e.Outcome, e.ReadOnly = "success", bp(false)
		}},
		{"lifecycle expiry, status -", expir, func(e *lake.Event) {
			e.EventTime = ts("2025-03-25T19:28:02Z")
			e.BucketOwner, e.S3Bucket = "b854390a51155554b82ce2759564a1135bce83133d004f4d2001f157e13985d7", "flow-log-test"
			e.PrincipalType, e.InvokedBy, e.PrincipalARN, e.PrincipalID = "AWSService", "s3.amazonaws.com", "s3.amazonaws.com", "AmazonS3"
			e.RequestID, e.S3Operation, e.EventName = "366DB3C4B325AB11", "S3.EXPIRE.OBJECT", "ExpireObject"
			e.S3Key, e.ObjectSize = "0/chum/_vars/kitt_189/flags.sst", i64(317)
			e.VersionID, e.S3HostID = "qsEq9bDa2VyxyZ4cz0c7oBnF67VYTTij", "DMlPb9al4CvVBck150CgpEIIYgtSI3HC/atetNVYwPtHZffW6jfpg+BrffhbT9/B"
			e.Outcome, e.ReadOnly = "success", bp(false)
		}},
		{"Panther: TLSV1.1 then two old-format extras", panth, func(e *lake.Event) {
			e.EventTime = ts("2019-02-06T00:00:38Z")
			e.BucketOwner, e.S3Bucket, e.SourceIP = owner, "awsexamplebucket", "192.0.2.3"
			e.PrincipalType, e.PrincipalID = "CanonicalUser", owner
			e.RequestID, e.S3Operation, e.EventName = "DD6CC733AEXAMPLE", "REST.PUT.OBJECT", "PutObject"
			e.S3Key, e.RequestURI = "s3-dg.pdf", "PUT /awsexamplebucket/s3-dg.pdf HTTP/1.1"
			e.HTTPStatus, e.ObjectSize, e.TotalTimeMs, e.TurnaroundTimeMs = i64(200), i64(4406583), i64(41754), i64(28)
			e.UserAgent = "S3Console/0.4"
			e.S3HostID, e.SignatureVersion, e.CipherSuite, e.AuthType = "10S62Zv81kBW7BB6SX4XJ48o6kpcl6LPwEoizZQQxJd5qDSCTLX0TgS37kYUBKQW3+bPdrg1234=", "SigV4", "ECDHE-RSA-AES128-SHA", "AuthHeader"
			e.HostHeader, e.TLSVersion = "awsexamplebucket.s3.amazonaws.com", "TLSV1.1"
			// Fields are positional: 25 is the Access Point ARN today; 26
			// (aclRequired) is neither Yes nor No, so NULL. Global endpoint:
			// no region.
			e.AccessPointARN = "test1"
			e.Outcome, e.ReadOnly = "success", bp(false)
		}},
		{"27 fields plus two unknown trailing fields", extra, func(e *lake.Event) {
			e.EventTime = ts("2019-02-06T00:00:38Z")
			e.BucketOwner, e.S3Bucket, e.SourceIP = owner, "amzn-s3-demo-bucket1", "192.0.2.3"
			e.PrincipalType, e.PrincipalID = "CanonicalUser", owner
			e.RequestID, e.S3Operation, e.EventName = "3E57427F3EXAMPLE", "REST.GET.VERSIONING", "GetBucketVersioning"
			e.RequestURI = "GET /amzn-s3-demo-bucket1?versioning HTTP/1.1"
			e.HTTPStatus, e.Bytes, e.TotalTimeMs = i64(200), i64(113), i64(7)
			e.UserAgent = "S3Console/0.4"
			e.S3HostID, e.SignatureVersion, e.CipherSuite, e.AuthType = hostID, "SigV4", "ECDHE-RSA-AES128-GCM-SHA256", "AuthHeader"
			e.HostHeader, e.TLSVersion = "amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com", "TLSV1.2"
			e.AccessPointARN, e.ACLRequired = "arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP", bp(true)
			e.Region, e.SourceRegion = "us-west-1", "us-east-1"
			e.Outcome, e.ReadOnly = "success", bp(true)
		}},
		{"unescaped quote in the User-Agent", uaQuote, func(e *lake.Event) {
			e.EventTime = ts("2019-02-06T00:00:38Z")
			e.BucketOwner, e.S3Bucket, e.SourceIP = owner, "www.example.com", "192.0.2.3"
			e.PrincipalType, e.PrincipalAccountID = "Anonymous", "anonymous"
			e.RequestID, e.S3Operation, e.EventName = "7B4A0FABBEXAMPLE", "WEBSITE.GET.OBJECT", "GetObject"
			e.S3Key, e.RequestURI = "index.html", "GET /index.html HTTP/1.1"
			e.HTTPStatus, e.Bytes, e.ObjectSize, e.TotalTimeMs, e.TurnaroundTimeMs = i64(200), i64(1024), i64(1024), i64(12), i64(11)
			e.Referer = "https://example,com/some/url"
			e.UserAgent = `Mozilla/5.0 (iPad; ...) Safari/604.1"`
			e.S3HostID = "someIDstring"
			e.HostHeader, e.Region = "www.example.com.s3-website-us-east-1.amazonaws.com", "us-east-1"
			e.Outcome, e.ReadOnly = "success", bp(true)
		}},
		{"raw quote in the Request-URI, key encoded twice", uriQuote, func(e *lake.Event) {
			e.EventTime = ts("2019-02-06T00:00:38Z")
			e.BucketOwner, e.S3Bucket, e.SourceIP = owner, "mybucket", "192.0.2.3"
			e.PrincipalType, e.PrincipalAccountID = "Anonymous", "anonymous"
			e.RequestID, e.S3Operation, e.EventName = "891CE47D2EXAMPLE", "REST.GET.OBJECT", "GetObject"
			e.S3Key = "%22" // decoded once
			e.RequestURI = `GET /" HTTP/1.1`
			e.HTTPStatus, e.ErrorCode, e.Bytes, e.TotalTimeMs = i64(403), "AccessDenied", i64(243), i64(8)
			e.Referer, e.UserAgent = "referer test", "curl/7.38.0"
			e.S3HostID, e.SignatureVersion, e.CipherSuite, e.AuthType = hostID, "SigV4", "ECDHE-RSA-AES128-GCM-SHA256", "AuthHeader"
			e.HostHeader, e.TLSVersion, e.Region = "mybucket.s3.eu-west-1.amazonaws.com", "TLSv1.2", "eu-west-1"
			e.Outcome, e.ReadOnly = "denied", bp(true)
		}},
		{"'*' in the key, 96-hex requester, TLSv1.3", star, func(e *lake.Event) {
			e.EventTime = ts("2019-02-06T00:00:38Z")
			e.BucketOwner, e.S3Bucket, e.SourceIP = owner, "mybucket", "192.0.2.3"
			e.PrincipalType, e.PrincipalID = "CanonicalUser", hex96
			e.RequestID, e.S3Operation, e.EventName = "A1206F460EXAMPLE", "REST.GET.OBJECT", "GetObject"
			e.S3Key, e.RequestURI = "path/thumbnails/75*75/image-1.jpeg", "GET /path/thumbnails/75*75/image-1.jpeg HTTP/1.1"
			e.HTTPStatus, e.Bytes, e.ObjectSize, e.TotalTimeMs, e.TurnaroundTimeMs = i64(200), i64(5120), i64(5120), i64(20), i64(19)
			e.UserAgent = "aws-cli/2.15.0"
			e.S3HostID, e.SignatureVersion, e.CipherSuite, e.AuthType = hostID, "SigV4", "TLS_AES_128_GCM_SHA256", "AuthHeader"
			e.HostHeader, e.TLSVersion, e.Region = "mybucket.s3.dualstack.eu-central-1.amazonaws.com", "TLSv1.3", "eu-central-1"
			e.Outcome, e.ReadOnly = "success", bp(true)
		}},
		{"CloudFront origin access identity requester", oaiLine, func(e *lake.Event) {
			e.EventTime = ts("2019-02-06T00:00:38Z")
			e.BucketOwner, e.S3Bucket, e.SourceIP = owner, "mybucket", "130.176.0.1"
			e.PrincipalType, e.PrincipalARN = "IAMUser", oai
			e.UserName, e.InvokedBy = "CloudFront Origin Access Identity E2EXAMPLEID", "cloudfront.amazonaws.com"
			e.RequestID, e.S3Operation, e.EventName = "9D1A2B3C4EXAMPLE", "REST.GET.OBJECT", "GetObject"
			e.S3Key, e.RequestURI = "img/logo.png", "GET /img/logo.png HTTP/1.1"
			e.HTTPStatus, e.Bytes, e.ObjectSize, e.TotalTimeMs, e.TurnaroundTimeMs = i64(200), i64(2048), i64(2048), i64(9), i64(8)
			e.UserAgent = "Amazon CloudFront"
			e.S3HostID, e.SignatureVersion, e.CipherSuite, e.AuthType = hostID, "SigV4", "ECDHE-RSA-AES128-GCM-SHA256", "AuthHeader"
			e.HostHeader, e.TLSVersion = "mybucket.s3.amazonaws.com", "TLSv1.2"
			e.Outcome, e.ReadOnly = "success", bp(true)
		}},
		{"presigned SigV4 URL and a Signature in the Referer are redacted", presigned, func(e *lake.Event) {
			e.Raw = presignedRedacted
			e.EventTime = ts("2019-02-06T00:00:38Z")
			e.BucketOwner, e.S3Bucket, e.SourceIP = owner, "mybucket", "192.0.2.3"
			e.PrincipalType, e.PrincipalARN = "AssumedRole", "arn:aws:sts::111122223333:assumed-role/Reader/alice"
			e.RoleARN, e.SessionName = "arn:aws:iam::111122223333:role/Reader", "alice"
			e.PrincipalAccountID, e.AccountID = "111122223333", "111122223333"
			e.RequestID, e.S3Operation, e.EventName = "5E57427F3EXAMPLE", "REST.GET.OBJECT", "GetObject"
			e.S3Key = "report.pdf"
			e.RequestURI = "GET /report.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=***REDACTED***&X-Amz-Date=20240101T000000Z&X-Amz-Expires=900&X-Amz-Security-Token=***REDACTED***&X-Amz-SignedHeaders=host&X-Amz-Signature=***REDACTED*** HTTP/1.1"
			e.HTTPStatus, e.Bytes, e.ObjectSize, e.TotalTimeMs, e.TurnaroundTimeMs = i64(200), i64(10), i64(10), i64(5), i64(4)
			e.Referer = "https://app.example.com/view?file=report.pdf&Signature=***REDACTED***"
			e.UserAgent = "Mozilla/5.0"
			e.S3HostID, e.SignatureVersion, e.CipherSuite, e.AuthType = hostID, "SigV4", "ECDHE-RSA-AES128-GCM-SHA256", "QueryString"
			e.HostHeader, e.TLSVersion, e.Region, e.SourceRegion = "mybucket.s3.us-east-1.amazonaws.com", "TLSv1.2", "us-east-1", "us-east-1"
			e.Outcome, e.ReadOnly = "success", bp(true)
		}},
		{"SigV2 query authentication is redacted", sigV2, func(e *lake.Event) {
			e.Raw = strings.Replace(sigV2, "vjbyPxybdZaNmGa%2ByT272YEAiv4%3D", Redacted, 1)
			e.EventTime = ts("2019-02-06T00:00:38Z")
			e.BucketOwner, e.S3Bucket, e.SourceIP = owner, "mybucket", "192.0.2.3"
			e.PrincipalType, e.PrincipalARN, e.UserName = "IAMUser", "arn:aws:iam::111122223333:user/bob", "bob"
			e.PrincipalAccountID, e.AccountID = "111122223333", "111122223333"
			e.RequestID, e.S3Operation, e.EventName = "6E57427F3EXAMPLE", "REST.GET.OBJECT", "GetObject"
			e.S3Key = "a.txt"
			e.RequestURI = "GET /mybucket/a.txt?AWSAccessKeyId=AKIAEXAMPLE&Expires=1700000000&Signature=***REDACTED*** HTTP/1.1"
			e.HTTPStatus, e.Bytes, e.ObjectSize, e.TotalTimeMs, e.TurnaroundTimeMs = i64(200), i64(3), i64(3), i64(2), i64(1)
			e.UserAgent = "curl/8.0"
			e.S3HostID, e.SignatureVersion, e.CipherSuite, e.AuthType = hostID, "SigV2", "ECDHE-RSA-AES128-GCM-SHA256", "QueryString"
			e.HostHeader, e.TLSVersion = "s3.amazonaws.com", "TLSv1.2"
			e.Outcome, e.ReadOnly = "success", bp(true)
		}},
		{"invalid UTF-8 in the User-Agent", invalidUA, func(e *lake.Event) {
			e.Raw = strings.ToValidUTF8(invalidUA, "\uFFFD")
			e.EventTime = ts("2019-02-06T00:00:38Z")
			e.BucketOwner, e.S3Bucket, e.SourceIP = owner, "mybucket", "192.0.2.3"
			e.PrincipalType, e.PrincipalAccountID = "Anonymous", "anonymous"
			e.RequestID, e.S3Operation, e.EventName = "8E57427F3EXAMPLE", "REST.HEAD.OBJECT", "HeadObject"
			e.S3Key, e.RequestURI = "a.txt", "HEAD /a.txt HTTP/1.1"
			e.HTTPStatus, e.ErrorCode, e.Bytes, e.TotalTimeMs = i64(404), "NoSuchKey", i64(300), i64(4)
			e.UserAgent = "bad\uFFFDagent"
			e.S3HostID, e.SignatureVersion, e.CipherSuite, e.AuthType = hostID, "SigV4", "ECDHE-RSA-AES128-GCM-SHA256", "AuthHeader"
			e.HostHeader, e.TLSVersion, e.Region = "s3-us-west-2.amazonaws.com", "TLSv1.2", "us-west-2"
			e.Outcome, e.ReadOnly = "error", bp(true)
		}},
		{"CRLF line end", doc26 + "\r\n", func(e *lake.Event) {
			e.Raw = doc26
			e.EventTime = ts("2019-02-06T00:01:57Z")
			e.BucketOwner, e.S3Bucket, e.SourceIP = owner, "DOC-EXAMPLE-BUCKET1", "192.0.2.3"
			e.PrincipalType, e.PrincipalID = "CanonicalUser", owner
			e.RequestID, e.S3Operation, e.EventName = "DD6CC733AEXAMPLE", "REST.PUT.OBJECT", "PutObject"
			e.S3Key, e.RequestURI = "s3-dg.pdf", "PUT /DOC-EXAMPLE-BUCKET1/s3-dg.pdf HTTP/1.1"
			e.HTTPStatus, e.ObjectSize, e.TotalTimeMs, e.TurnaroundTimeMs = i64(200), i64(4406583), i64(41754), i64(28)
			e.UserAgent = "S3Console/0.4"
			e.S3HostID, e.SignatureVersion, e.CipherSuite, e.AuthType = "10S62Zv81kBW7BB6SX4XJ48o6kpcl6LPwEoizZQQxJd5qDSCTLX0TgS37kYUBKQW3+bPdrg1234=", "SigV4", "ECDHE-RSA-AES128-SHA", "AuthHeader"
			e.HostHeader, e.TLSVersion, e.ACLRequired = "DOC-EXAMPLE-BUCKET1.s3.us-west-1.amazonaws.com", "TLSV1.2", bp(true)
			e.Region = "us-west-1"
			e.Outcome, e.ReadOnly = "success", bp(false)
		}},
		{"Lake Formation vended session, 206", lfRead, func(e *lake.Event) {
			e.EventTime = ts("2024-03-10T12:00:00Z")
			e.BucketOwner, e.S3Bucket, e.SourceIP = owner, "lake-bucket", "10.0.0.1"
			e.PrincipalType = "AssumedRole"
			e.PrincipalARN = "arn:aws:sts::111122223333:assumed-role/LakeFormationDataAccessRole/AWSLF-00-AT-111122223333-1234567890"
			e.RoleARN = "arn:aws:iam::111122223333:role/LakeFormationDataAccessRole"
			e.SessionName, e.LFSession = "AWSLF-00-AT-111122223333-1234567890", "AWSLF-00-AT-111122223333-1234567890"
			e.PrincipalAccountID, e.AccountID = "111122223333", "111122223333"
			e.RequestID, e.S3Operation, e.EventName = "AAAA1111BBBB2222", "REST.GET.OBJECT", "GetObject"
			e.S3Key, e.RequestURI = "db/tbl/part-0000.parquet", "GET /db/tbl/part-0000.parquet HTTP/1.1"
			e.HTTPStatus, e.Bytes, e.ObjectSize, e.TotalTimeMs, e.TurnaroundTimeMs = i64(206), i64(65536), i64(1048576), i64(30), i64(25)
			e.UserAgent = "aws-sdk-java/2.20.0"
			e.S3HostID, e.SignatureVersion, e.CipherSuite, e.AuthType = hostID, "SigV4", "ECDHE-RSA-AES128-GCM-SHA256", "AuthHeader"
			e.HostHeader, e.TLSVersion, e.Region = "lake-bucket.s3.us-east-1.amazonaws.com", "TLSv1.2", "us-east-1"
			e.Outcome, e.ReadOnly = "success", bp(true)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got lake.Event
			if err := Normalize([]byte(tc.line), "s3://logs/2024-01-01-00-00-00-ABC", 42, &got); err != nil {
				t.Fatalf("Normalize: %v", err)
			}
			want := base(tc.line)
			tc.want(&want)
			if want.RequestID != "" || want.S3HostID != "" {
				want.EventID = EventID(want.RequestID, want.S3HostID, want.S3Operation, want.S3Bucket, want.S3Key)
			}
			if want.EventID == "" || got.EventID != want.EventID {
				t.Errorf("EventID %q, want %q", got.EventID, want.EventID)
			}
			for _, d := range diffEvents(got, want) {
				t.Error(d)
			}
		})
	}
}

// diffEvents lists the fields where got and want differ (pointers compared
// by value).
func diffEvents(got, want lake.Event) []string {
	var out []string
	g, w := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := 0; i < g.NumField(); i++ {
		gf, wf := g.Field(i), w.Field(i)
		if gf.Kind() == reflect.Pointer {
			switch {
			case gf.IsNil() && wf.IsNil():
				continue
			case gf.IsNil() || wf.IsNil():
			case reflect.DeepEqual(gf.Elem().Interface(), wf.Elem().Interface()):
				continue
			}
			out = append(out, fmt.Sprintf("%s = %s, want %s", g.Type().Field(i).Name, show(gf), show(wf)))
			continue
		}
		if !reflect.DeepEqual(gf.Interface(), wf.Interface()) {
			out = append(out, fmt.Sprintf("%s = %q, want %q", g.Type().Field(i).Name, gf.Interface(), wf.Interface()))
		}
	}
	return out
}

func show(v reflect.Value) string {
	if v.IsNil() {
		return "nil"
	}
	return fmt.Sprint(v.Elem().Interface())
}

// The reason of a line cut short says after which field, or inside which
// quoted field, it ends.
func TestEndsEarlyReasons(t *testing.T) {
	full := owner + ` b [06/Feb/2019:00:00:38 +0000] 1.2.3.4 - R REST.GET.OBJECT k "GET /k HTTP/1.1" 200 - 1 1 1 1 "https://r/" "curl/8" - H`
	for _, c := range []struct{ cut, want string }{
		{owner + ` b`, "after field 2 (Bucket)"},
		{owner + ` b [06/Feb/2019:00:00:38 +0000] 1.2.3.4 - R`, "after field 6 (Request ID)"},
		{full[:strings.Index(full, `"GET`)], "after field 8 (Key)"},
		{full[:strings.Index(full, ` HTTP/1.1"`)], "inside the quoted Request-URI (field 9)"},
		{full[:strings.Index(full, ` - 1 1`)], "after field 10 (HTTP status)"},
		{full[:strings.Index(full, ` "https`)], "after field 15 (Turn-Around Time)"},
		{full[:strings.Index(full, `r/"`)], "inside the quoted Referer (field 16)"},
		{full[:strings.Index(full, `/8"`)], "inside the quoted User-Agent (field 17)"},
		{full[:strings.Index(full, ` - H`)], "after field 17 (User-Agent)"},
	} {
		var ev lake.Event
		err := Normalize([]byte(c.cut), "o", 0, &ev)
		if !errors.Is(err, ErrTooFewFields) || !strings.Contains(err.Error(), "line ends early, "+c.want) {
			t.Errorf("Normalize(%q) = %v, want a line that ends early %s", c.cut, err, c.want)
		}
	}
	var ev lake.Event
	if err := Normalize([]byte(full), "o", 0, &ev); err != nil {
		t.Fatalf("the whole line: %v", err)
	}
}

func TestNormalizeRejects(t *testing.T) {
	tests := []struct {
		name, line string
		want       error
	}{
		{"empty", "", ErrEmpty},
		{"blank", " \t\r\n", ErrEmpty},
		{"not a log line (icodeforlove 'bad match')", "bad match", ErrTooFewFields},
		{"all-dash line: no time", allDash, ErrNoTime},
		{"bucket owner column missing", `mybucket [06/Feb/2014:00:00:38 +0000] 192.0.2.3 ` + owner + ` 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /mybucket?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" -`, ErrOwnerMissing},
		{"time in the wrong place", owner + ` mybucket 192.0.2.3 [06/Feb/2014:00:00:38 +0000] x`, ErrNoTime},
		{"bad month", owner + ` b [06/Foo/2019:00:00:38 +0000] 1.2.3.4 - R REST.GET.OBJECT k "GET /k HTTP/1.1" 200 - 1 1 1 1 "-" "-" -`, ErrBadTime},
		{"31 February", owner + ` b [31/Feb/2019:00:00:38 +0000] 1.2.3.4 - R REST.GET.OBJECT k "GET /k HTTP/1.1" 200 - 1 1 1 1 "-" "-" -`, ErrBadTime},
		{"bad zone", owner + ` b [06/Feb/2019:00:00:38 +00] 1.2.3.4 - R REST.GET.OBJECT k "GET /k HTTP/1.1" 200 - 1 1 1 1 "-" "-" -`, ErrBadTime},
		{"unclosed time", owner + ` b [06/Feb/2019:00:00:38 +0000 1.2.3.4 - R REST.GET.OBJECT k "GET /k HTTP/1.1" 200 - 1 1 1 1 "-" "-" -`, ErrBadTime},
		{"cut after the time", owner + ` b [06/Feb/2019:00:00:38 +0000] 1.2.3.4 - R`, ErrTooFewFields},
		{"17 fields: no Version Id", owner + ` b [06/Feb/2019:00:00:38 +0000] 1.2.3.4 - R REST.GET.OBJECT k "GET /k HTTP/1.1" 200 - 1 1 1 1 "-" "-"`, ErrTooFewFields},
		{"cut in the numbers", owner + ` b [06/Feb/2019:00:00:38 +0000] 1.2.3.4 - R REST.GET.OBJECT k "GET /k HTTP/1.1" 200 - 1`, ErrTooFewFields},
		// A line cut inside a quoted field ends early: it is not malformed.
		{"cut inside the Request-URI", owner + ` b [06/Feb/2019:00:00:38 +0000] 1.2.3.4 - R REST.GET.OBJECT k "GET /k HTTP/1.1 200 - 1 1 1 1 - - -`, ErrTooFewFields},
		{"cut inside the User-Agent", owner + ` b [06/Feb/2019:00:00:38 +0000] 1.2.3.4 - R REST.GET.OBJECT k "GET /k HTTP/1.1" 200 - 1 1 1 1 - "curl -`, ErrTooFewFields},
		// A Request-URI whose later quotes are followed by no status is.
		{"Request-URI without a status after its quote", owner + ` b [06/Feb/2019:00:00:38 +0000] 1.2.3.4 - R REST.GET.OBJECT k "GET /k HTTP/1.1 x" y 1 1 1 1 - - -`, ErrBadURI},
		{"status not a number", owner + ` b [06/Feb/2019:00:00:38 +0000] 1.2.3.4 - R REST.GET.OBJECT k - OK - 1 1 1 1 "-" "-" -`, ErrBadNumber},
		{"bytes not a number", owner + ` b [06/Feb/2019:00:00:38 +0000] 1.2.3.4 - R REST.GET.OBJECT k "GET /k HTTP/1.1" 200 - 1x 1 1 1 "-" "-" -`, ErrBadNumber},
		{"object size too large", owner + ` b [06/Feb/2019:00:00:38 +0000] 1.2.3.4 - R REST.GET.OBJECT k "GET /k HTTP/1.1" 200 - 1 99999999999999999999 1 1 "-" "-" -`, ErrBadNumber},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var ev lake.Event
			err := Normalize([]byte(tc.line), "o", 0, &ev)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Normalize(%q) = %v, want %v", tc.line, err, tc.want)
			}
			if err.Error() == "" {
				t.Fatal("empty quarantine reason")
			}
			if errors.Is(err, ErrTooFewFields) && !strings.HasPrefix(err.Error(), "line ends early") {
				t.Errorf("reason %q does not say the line ends early", err)
			}
		})
	}
	var fe *FieldError
	err := Normalize([]byte(owner+` b [06/Feb/2019:00:00:38 +0000] 1.2.3.4 - R REST.GET.OBJECT k "GET /k HTTP/1.1" 200 - 1x 1 1 1 "-" "-" -`), "o", 0, &lake.Event{})
	if !errors.As(err, &fe) || fe.Field != "Bytes Sent" || fe.Value != "1x" || err.Error() != "Bytes Sent is not '-' or a number: 1x" {
		t.Fatalf("FieldError: %#v %v", fe, err)
	}
}

// norm normalizes one line that must be valid.
func norm(t *testing.T, line string) lake.Event {
	t.Helper()
	var ev lake.Event
	if err := Normalize([]byte(line), "o", 0, &ev); err != nil {
		t.Fatalf("Normalize(%q): %v", line, err)
	}
	return ev
}

// TestNormalizeShapes covers cases that are easier to state one field at a
// time.
func TestNormalizeShapes(t *testing.T) {
	mk := func(requester, op, key, status, errCode string, tail ...string) string {
		return owner + ` b [06/Feb/2019:01:30:38 +0130] 1.2.3.4 ` + requester + ` REQ1 ` + op + ` ` + key +
			` "GET /k HTTP/1.1" ` + status + ` ` + errCode + ` 1 1 1 1 "-" "-" - HOST1` + strings.Join(append([]string{""}, tail...), " ")
	}
	t.Run("time zone", func(t *testing.T) {
		if ev := norm(t, mk("-", "REST.GET.OBJECT", "k", "200", "-")); !ev.EventTime.Equal(ts("2019-02-06T00:00:38Z")) || ev.EventTime.Location() != time.UTC {
			t.Fatalf("EventTime %v", ev.EventTime)
		}
	})
	t.Run("outcomes", func(t *testing.T) {
		for _, c := range []struct{ status, code, want string }{
			{"200", "-", "success"}, {"204", "-", "success"}, {"206", "-", "success"}, {"304", "-", "success"},
			{"307", "TemporaryRedirect", "success"}, {"403", "AccessDenied", "denied"}, {"403", "SignatureDoesNotMatch", "denied"},
			{"400", "AuthorizationHeaderMalformed", "error"}, {"404", "NoSuchKey", "error"}, {"500", "InternalError", "error"},
			{"503", "SlowDown", "error"}, {"-", "-", "success"}, {"-", "InternalError", "error"}, {"-", "AccessDenied", "denied"},
		} {
			if ev := norm(t, mk("-", "REST.GET.OBJECT", "k", c.status, c.code)); ev.Outcome != c.want {
				t.Errorf("status %s, error code %s: outcome %q, want %q", c.status, c.code, ev.Outcome, c.want)
			}
		}
	})
	t.Run("requesters", func(t *testing.T) {
		for _, c := range []struct{ req, typ, arn, id, acct, user, role, session string }{
			{"arn:aws:iam::111122223333:root", "Root", "arn:aws:iam::111122223333:root", "", "111122223333", "", "", ""},
			{"arn:aws:iam::111122223333:user/div/team/carol", "IAMUser", "arn:aws:iam::111122223333:user/div/team/carol", "", "111122223333", "carol", "", ""},
			{"arn:aws:iam::111122223333:role/Direct", "Role", "arn:aws:iam::111122223333:role/Direct", "", "111122223333", "", "arn:aws:iam::111122223333:role/Direct", ""},
			{"arn:aws-us-gov:sts::111122223333:assumed-role/R/S", "AssumedRole", "arn:aws-us-gov:sts::111122223333:assumed-role/R/S", "", "111122223333", "", "arn:aws-us-gov:iam::111122223333:role/R", "S"},
			{"arn:aws:sts::111122223333:federated-user/dave", "FederatedUser", "arn:aws:sts::111122223333:federated-user/dave", "", "111122223333", "dave", "", ""},
			{"arn:aws:s3:::weird", "Unknown", "arn:aws:s3:::weird", "", "", "", "", ""},
			{"79a5", "Unknown", "", "79a5", "", "", "", ""},
			{owner, "CanonicalUser", "", owner, "", "", "", ""},
			{hex96, "CanonicalUser", "", hex96, "", "", "", ""},
			{"-", "Anonymous", "", "", "anonymous", "", "", ""},
		} {
			ev := norm(t, mk(c.req, "REST.GET.OBJECT", "k", "200", "-"))
			got := [...]string{ev.PrincipalType, ev.PrincipalARN, ev.PrincipalID, ev.PrincipalAccountID, ev.UserName, ev.RoleARN, ev.SessionName}
			want := [...]string{c.typ, c.arn, c.id, c.acct, c.user, c.role, c.session}
			if got != want {
				t.Errorf("requester %s:\n got %q\nwant %q", c.req, got, want)
			}
			if wantAcct := c.acct; wantAcct == "anonymous" && ev.AccountID != "" || wantAcct != "anonymous" && ev.AccountID != wantAcct {
				t.Errorf("requester %s: AccountID %q", c.req, ev.AccountID)
			}
		}
	})
	t.Run("requester with spaces, found by its operation", func(t *testing.T) {
		ev := norm(t, mk("arn:aws:iam::111122223333:user/name with spaces", "REST.GET.OBJECT", "k", "200", "-"))
		if ev.PrincipalARN != "arn:aws:iam::111122223333:user/name with spaces" || ev.UserName != "name with spaces" ||
			ev.RequestID != "REQ1" || ev.S3Operation != "REST.GET.OBJECT" || ev.S3Key != "k" {
			t.Fatalf("got %q %q %q %q %q", ev.PrincipalARN, ev.UserName, ev.RequestID, ev.S3Operation, ev.S3Key)
		}
	})
	t.Run("operations", func(t *testing.T) {
		for _, c := range []struct{ op, key, want string }{
			{"REST.GET.ACL", "k", "GetObjectAcl"}, {"REST.GET.ACL", "-", "GetBucketAcl"},
			{"REST.PUT.ACL", "k", "PutObjectAcl"}, {"REST.PUT.ACL", "-", "PutBucketAcl"},
			{"REST.COPY.OBJECT", "k", "CopyObject"}, {"REST.COPY.OBJECT_GET", "k", "CopyObject"},
			{"REST.POST.UPLOADS", "k", "CreateMultipartUpload"}, {"REST.PUT.PART", "k", "UploadPart"},
			{"REST.POST.UPLOAD", "k", "CompleteMultipartUpload"}, {"REST.GET.BUCKET", "-", "ListObjects"},
			{"REST.DELETE.OBJECT", "k", "DeleteObject"}, {"REST.HEAD.OBJECT", "k", "HeadObject"},
			{"REST.GET.LEGAL_HOLD", "k", "GetObjectLegalHold"}, {"REST.GET.OBJECT_LOCK_CONFIGURATION", "-", "GetObjectLockConfiguration"},
			{"REST.GET.INTELLIGENT_TIERING", "-", "GetBucketIntelligentTiering"}, {"REST.HEAD.BUCKET", "-", "HeadBucket"},
			{"S3.TRANSITION_SIA.OBJECT", "k", "TransitionSiaObject"}, {"S3.CREATE.DELETEMARKER", "k", "CreateDeleteMarker"},
			{"SOAP.CREATE.BUCKET", "-", "CreateBucket"}, {"REST.GET", "-", "Get"},
		} {
			ev := norm(t, mk("-", c.op, c.key, "200", "-"))
			if ev.EventName != c.want || ev.S3Operation != c.op {
				t.Errorf("%s (key %s): EventName %q, S3Operation %q, want %q", c.op, c.key, ev.EventName, ev.S3Operation, c.want)
			}
		}
		if EventName("-", false) != "" || EventName("FOO", true) != "" {
			t.Error("an operation without a verb has a name")
		}
	})
	t.Run("copy records have distinct ids, duplicates the same", func(t *testing.T) {
		put := norm(t, mk("-", "REST.COPY.OBJECT", "k", "200", "-"))
		get := norm(t, mk("-", "REST.COPY.OBJECT_GET", "k", "200", "-"))
		again := norm(t, mk("-", "REST.COPY.OBJECT", "k", "200", "-"))
		if put.EventID == get.EventID || put.EventID != again.EventID || put.EventName != get.EventName || put.S3Operation == get.S3Operation {
			t.Fatalf("ids %s %s %s", put.EventID, get.EventID, again.EventID)
		}
	})
	t.Run("acl required", func(t *testing.T) {
		for tail, want := range map[string]*bool{"- Yes": bp(true), "- No": bp(false), "- -": nil, "-": nil} {
			ev := norm(t, mk("-", "REST.GET.OBJECT", "k", "200", "-", "SigV4", "C", "AuthHeader", "h", "TLSv1.2", tail))
			if (ev.ACLRequired == nil) != (want == nil) || want != nil && *ev.ACLRequired != *want {
				t.Errorf("%q: ACLRequired %v", tail, ev.ACLRequired)
			}
		}
	})
	t.Run("source region '-' falls back to the host", func(t *testing.T) {
		ev := norm(t, mk("-", "REST.GET.OBJECT", "k", "200", "-", "SigV4", "C", "AuthHeader", "b.s3.ca-central-1.amazonaws.com", "TLSv1.2", "-", "-", "-"))
		if ev.Region != "ca-central-1" {
			t.Fatalf("Region %q", ev.Region)
		}
	})
	t.Run("injected quotes in Referer and User-Agent", func(t *testing.T) {
		line := owner + ` b [06/Feb/2019:00:00:38 +0000] 1.2.3.4 - R REST.GET.OBJECT k "GET /k HTTP/1.1" 200 - 1 1 1 1 "foo "bar"" "evil" - FAKE SigV2 x QueryString evil.com TLSv1.0 "x" - REALHOST SigV4 C AuthHeader b.s3.us-east-1.amazonaws.com TLSv1.2`
		ev := norm(t, line)
		if ev.Referer != `foo "bar"` || ev.UserAgent != `evil" - FAKE SigV2 x QueryString evil.com TLSv1.0 "x` ||
			ev.S3HostID != "REALHOST" || ev.AuthType != "AuthHeader" || ev.TLSVersion != "TLSv1.2" {
			t.Fatalf("Referer %q UserAgent %q host id %q auth %q tls %q", ev.Referer, ev.UserAgent, ev.S3HostID, ev.AuthType, ev.TLSVersion)
		}
	})
	t.Run("quoted Referer, bare User-Agent", func(t *testing.T) {
		line := owner + ` b [06/Feb/2019:00:00:38 +0000] 1.2.3.4 - R REST.GET.OBJECT k "GET /k HTTP/1.1" 200 - 1 1 1 1 "https://r/" - - H`
		if ev := norm(t, line); ev.Referer != "https://r/" || ev.UserAgent != "" || ev.S3HostID != "H" {
			t.Fatalf("Referer %q UserAgent %q host id %q", ev.Referer, ev.UserAgent, ev.S3HostID)
		}
	})
	t.Run("Request-URI without an HTTP version", func(t *testing.T) {
		line := owner + ` b [06/Feb/2019:00:00:38 +0000] 1.2.3.4 - R REST.GET.OBJECT k "GET /k" 400 InvalidRequest 1 - 1 1 "-" "-" - H`
		if ev := norm(t, line); ev.RequestURI != "GET /k" || *ev.HTTPStatus != 400 || ev.ErrorCode != "InvalidRequest" {
			t.Fatalf("RequestURI %q", ev.RequestURI)
		}
	})
	t.Run("bad key escape kept as logged", func(t *testing.T) {
		if ev := norm(t, mk("-", "REST.GET.OBJECT", "100%25+off%zz", "200", "-")); ev.S3Key != "100%25+off%zz" {
			t.Fatalf("S3Key %q", ev.S3Key)
		}
		if ev := norm(t, mk("-", "REST.GET.OBJECT", "caf%C3%A9%2Fx+y", "200", "-")); ev.S3Key != "café/x y" {
			t.Fatalf("S3Key %q", ev.S3Key)
		}
		if ev := norm(t, mk("-", "REST.GET.OBJECT", "bad%FF", "200", "-")); ev.S3Key != "bad\uFFFD" {
			t.Fatalf("S3Key %q", ev.S3Key)
		}
	})
	t.Run("no request id nor host id: the line is the identity", func(t *testing.T) {
		a := owner + ` b [06/Feb/2019:00:00:38 +0000] 1.2.3.4 - - REST.GET.OBJECT a "GET /a HTTP/1.1" 200 - 1 1 1 1 "-" "-" -`
		b := strings.Replace(a, " a ", " b ", 1)
		ea, eb := norm(t, a), norm(t, b)
		if ea.EventID == eb.EventID || !strings.HasPrefix(ea.EventID, "s3al-") {
			t.Fatalf("ids %q %q", ea.EventID, eb.EventID)
		}
	})
	t.Run("byte order mark and surrounding blanks", func(t *testing.T) {
		if ev := norm(t, "\ufeff  "+doc26+" \r\n"); ev.Raw != "  "+doc26+" " || ev.RequestID != "DD6CC733AEXAMPLE" {
			t.Fatalf("Raw %q", ev.Raw)
		}
	})
	t.Run("overwrites the event", func(t *testing.T) {
		ev := lake.Event{StudioProfile: "stale", QueryID: "q", HTTPStatus: i64(1)}
		if err := Normalize([]byte(batch), "o", 1, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.StudioProfile != "" || ev.QueryID != "" || *ev.HTTPStatus != 204 {
			t.Fatalf("stale fields survive: %+v", ev)
		}
	})
}

func TestEventID(t *testing.T) {
	// Stable across releases: the lake deduplicates on it. The uvarint
	// length and the bytes of each part, sha256, first 16 bytes.
	if got := EventID("3E57427F3EXAMPLE", hostID, "REST.GET.VERSIONING", "amzn-s3-demo-bucket1", ""); got != "s3al-1ce86650ce5c1e4ae7d136268be129f0" {
		t.Fatalf("EventID = %s", got)
	}
	id := EventID("R", "H", "REST.COPY.OBJECT", "b", "k")
	if !strings.HasPrefix(id, "s3al-") || len(id) != 5+32 || id != EventID("R", "H", "REST.COPY.OBJECT", "b", "k") {
		t.Fatalf("EventID %q", id)
	}
	for _, other := range []string{
		EventID("R", "H", "REST.COPY.OBJECT_GET", "b", "k"), // the other line of a copy
		EventID("R", "H", "REST.COPY.OBJECT", "b", "k2"),    // another key of a Multi-Object Delete
		EventID("R", "H", "REST.COPY.OBJECT", "b2", "k"),
		EventID("RH", "", "REST.COPY.OBJECT", "b", "k"),
		EventID("R", "HREST.COPY.OBJECT", "", "b", "k"),
		EventID("R", "H", "REST.COPY.OBJECT", "bk", ""),
	} {
		if other == id {
			t.Fatalf("collision with %q", other)
		}
	}
}

// A Multi-Object Delete logs one BATCH.DELETE.OBJECT line per key, all
// with the request's id and host id: four keys are four events. The same
// line delivered again is the same event.
func TestMultiObjectDeleteIsOneEventPerKey(t *testing.T) {
	line := func(key string) string {
		return owner + ` lake-bucket [19/Sep/2026:17:06:39 +0000] 10.0.0.5 arn:aws:sts::111122223333:assumed-role/Cleaner/bob 6CE38F1312D32BDD BATCH.DELETE.OBJECT ` +
			key + ` - 204 - - 57138 - - - - - LwRa4w6DbuU48GKQiH3jDbjfTyLCbwasFBsdttugRQ+9lH4jK8lT91+HhGZKMYI3sPyKuQ9LvU0= SigV4 ECDHE-RSA-AES128-SHA AuthHeader lake-bucket.s3.us-east-1.amazonaws.com TLSv1.2 - - us-east-1`
	}
	ids := map[string]string{}
	for _, key := range []string{"customers/part-0.parquet", "customers/part-1.parquet", "orders/part-0.parquet", "orders/part+1.parquet"} {
		ev := norm(t, line(key))
		if ev.S3Operation != "BATCH.DELETE.OBJECT" || ev.EventName != "DeleteObjects" && ev.EventName != "DeleteObject" {
			t.Fatalf("%s: operation %q event %q", key, ev.S3Operation, ev.EventName)
		}
		if prev, dup := ids[ev.EventID]; dup {
			t.Fatalf("keys %s and %s got the same event id", prev, key)
		}
		ids[ev.EventID] = key
		if again := norm(t, line(key)); again.EventID != ev.EventID {
			t.Errorf("%s: the line delivered twice got two ids", key)
		}
	}
}

// region is the bucket's Region: the Host header's, else the access point
// ARN's, else the partitioned log key's; field 27 is kept as source_region.
func TestBucketRegion(t *testing.T) {
	for _, c := range []struct {
		host, ap, object, bucket, want string
	}{
		{"b.s3.eu-west-1.amazonaws.com", "arn:aws:s3:us-west-2:1:accesspoint/x", "", "b", "eu-west-1"},
		{"s3.amazonaws.com", "arn:aws:s3:us-west-2:123456789012:accesspoint/x", "", "b", "us-west-2"},
		{"", "", "s3://logs/prefix/111122223333/ap-south-1/lake-bucket/2026/07/01/2026-07-01-00-00-00-ABCD", "lake-bucket", "ap-south-1"},
		{"", "", "/var/logs/111122223333/ap-south-1/lake-bucket/2026/07/01/2026-07-01-00-00-00-ABCD", "lake-bucket", "ap-south-1"},
		{"", "", "s3://logs/prefix/111122223333/ap-south-1/other-bucket/2026/07/01/x", "lake-bucket", ""}, // not this bucket's folder
		{"", "", "s3://logs/2026-07-01-00-00-00-ABCD", "lake-bucket", ""},                                 // simple prefix: no region
		{"", "-", "", "b", ""},
	} {
		if got := BucketRegion(c.host, c.ap, c.object, c.bucket); got != c.want {
			t.Errorf("BucketRegion(%q, %q, %q, %q) = %q, want %q", c.host, c.ap, c.object, c.bucket, got, c.want)
		}
	}
	var ev lake.Event
	if err := Normalize([]byte(doc27), "s3://logs/x", 0, &ev); err != nil || ev.Region != "us-west-1" || ev.SourceRegion != "us-east-1" {
		t.Errorf("doc sample: region %q, source region %q (%v); want the bucket's us-west-1 and the request's us-east-1", ev.Region, ev.SourceRegion, err)
	}
}

func TestRegionFromHost(t *testing.T) {
	for host, want := range map[string]string{
		"bucket.s3.us-west-1.amazonaws.com":                                 "us-west-1",
		"s3.ap-southeast-1.amazonaws.com":                                   "ap-southeast-1",
		"flow-log-test.s3.us-gov-west-1.amazonaws.com":                      "us-gov-west-1",
		"s3-us-west-2.amazonaws.com":                                        "us-west-2",
		"b.s3-website-us-east-1.amazonaws.com":                              "us-east-1",
		"b.s3-website.eu-west-2.amazonaws.com":                              "eu-west-2",
		"s3.dualstack.eu-west-1.amazonaws.com":                              "eu-west-1",
		"ap-111122223333.s3-accesspoint.us-east-1.amazonaws.com":            "us-east-1",
		"b.s3-fips.us-gov-east-1.amazonaws.com":                             "us-gov-east-1",
		"b.vpce-1a2b3c4d-5e6f.s3.us-east-1.vpce.amazonaws.com":              "us-east-1",
		"b.s3.cn-north-1.amazonaws.com.cn":                                  "cn-north-1",
		"B.S3.US-EAST-2.AMAZONAWS.COM:443":                                  "us-east-2",
		"s3.amazonaws.com":                                                  "",
		"bucket.s3.amazonaws.com":                                           "",
		"s3-external-1.amazonaws.com":                                       "",
		"www.example.com":                                                   "",
		"us-east-1.example.com":                                             "",
		"-":                                                                 "",
		"":                                                                  "",
		"my.s3.us-east-1.bucket.s3.eu-west-3.amazonaws.com":                 "eu-west-3",
		"amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com":                   "us-west-1",
		"s3express-control.us-west-2.amazonaws.com":                         "us-west-2",
		"bucket--usw2-az1--x-s3.s3express-usw2-az1.us-west-2.amazonaws.com": "us-west-2",
	} {
		if got := RegionFromHost(host); got != want {
			t.Errorf("RegionFromHost(%q) = %q, want %q", host, got, want)
		}
	}
}

func TestRedactQuery(t *testing.T) {
	for in, want := range map[string]string{
		"/k?X-Amz-Signature=abc":                                               "/k?X-Amz-Signature=" + Redacted,
		"/k?x-amz-signature=abc&a=b":                                           "/k?x-amz-signature=" + Redacted + "&a=b",
		"/k?X-AMZ-SECURITY-TOKEN=t%2Bt%3D&X-Amz-Credential=c#f":                "/k?X-AMZ-SECURITY-TOKEN=" + Redacted + "&X-Amz-Credential=" + Redacted + "#f",
		"/k?Signature=s&Expires=1":                                             "/k?Signature=" + Redacted + "&Expires=1",
		"https://h/p?next=https%3A%2F%2Fb%2Fk%3FX-Amz-Signature%3Dsig%26a%3Db": "https://h/p?next=https%3A%2F%2Fb%2Fk%3FX-Amz-Signature%3D" + Redacted + "%26a%3Db",
		"/k?X-Amz-Signature%253Dsig":                                           "/k?X-Amz-Signature%253D" + Redacted,
		"/k?mysignature=keep&SignatureVersion=2":                               "",
		"/k?X-Amz-Signature=":                                                  "",
		"/k?X-Amz-Signature=" + Redacted:                                       "",
		"/k?a=b":                                                               "",
		"X-Amz-Signature=first":                                                "X-Amz-Signature=" + Redacted,
	} {
		got, changed := RedactQuery(in)
		if want == "" {
			if changed || got != in {
				t.Errorf("RedactQuery(%q) = %q, %v; want unchanged", in, got, changed)
			}
			continue
		}
		if !changed || got != want {
			t.Errorf("RedactQuery(%q) = %q, %v; want %q", in, got, changed, want)
		}
	}
}

func TestDetect(t *testing.T) {
	for _, c := range []struct {
		head string
		want bool
	}{
		{doc27, true},
		{ela24 + "\n" + ela25, true},
		{"\ufeff\r\n\n" + old18, true},
		{owner + ` b [06/Feb/2019:00:00:38 +0000]`, true},
		{owner + ` b [06/Feb/2019:00:00:38 +0000] 1.2.3`, true},
		{doc27[:60], false}, // cut before the time ends
		{allDash, false},
		{`mybucket [06/Feb/2014:00:00:38 +0000] 192.0.2.3 x`, false},
		{`127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326`, false},
		{`{"Records":[{"eventVersion":"1.08"}]}`, false},
		{"\x1f\x8b\x08\x00\x00\x00\x00\x00", false},
		{`{"schema_version_id":"V_1_0","bucket_name":"b"}`, false},
		{"", false},
		{"\n\n", false},
	} {
		if got := Detect([]byte(c.head)); got != c.want {
			t.Errorf("Detect(%.60q) = %v, want %v", c.head, got, c.want)
		}
	}
}

// readAll drains a Reader into "offset:line" and "err@offset:reason" steps.
func readAll(t *testing.T, rd *Reader) []string {
	t.Helper()
	var out []string
	for i := 0; i < 1000; i++ {
		line, off, err := rd.Next()
		var le *LineError
		switch {
		case err == io.EOF:
			return out
		case errors.As(err, &le):
			out = append(out, fmt.Sprintf("err@%d:%d", le.Offset, le.Len))
		case err != nil:
			return append(out, "fail:"+err.Error())
		default:
			out = append(out, fmt.Sprintf("%d:%s", off, line))
		}
	}
	t.Fatal("no end")
	return nil
}

func TestReader(t *testing.T) {
	in := "\ufeffa b\r\n\n  \r\nc d\n\r\ne\r\n" + strings.Repeat("x", 40) + "\r\nf g\n" + strings.Repeat("y", 33) + "\r\n" +
		strings.Repeat("z", 100) + "\r\r\n \t\r\nlast\r"
	want := []string{"3:a b", "13:c d", "19:e", "err@22:40", "64:f g", "err@68:33", "err@103:101", "210:last"}
	for name, r := range map[string]func() *Reader{
		"whole":    func() *Reader { return newReaderSize(strings.NewReader(in), 16, 32) },
		"one byte": func() *Reader { return newReaderSize(iotest.OneByteReader(strings.NewReader(in)), 16, 32) },
		"big buf":  func() *Reader { return newReaderSize(strings.NewReader(in), 4096, 32) },
	} {
		if got := readAll(t, r()); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %q, want %q", name, got, want)
		}
	}
	// The real limit: a line of MaxLine bytes passes, one more byte does not.
	ok := strings.Repeat("k", MaxLine)
	got := readAll(t, NewReader(strings.NewReader(ok+"\n"+ok+"k\r\n"+ok+ok+"\nend\n")))
	if len(got) != 4 || got[0] != "0:"+ok || got[1] != fmt.Sprintf("err@%d:%d", MaxLine+1, MaxLine+1) ||
		got[2] != fmt.Sprintf("err@%d:%d", 2*MaxLine+4, 2*MaxLine) || got[3] != fmt.Sprintf("%d:end", 4*MaxLine+5) {
		t.Errorf("MaxLine: got %d results, %.40q", len(got), got)
	}
	// Errors of the underlying reader stop the reader, after the lines before.
	rd := NewReader(io.MultiReader(strings.NewReader("a b\n"), iotest.ErrReader(errors.New("boom"))))
	if got := readAll(t, rd); len(got) != 2 || got[0] != "0:a b" || !strings.Contains(got[1], "boom") {
		t.Errorf("read error: %q", got)
	}
	if _, _, err := rd.Next(); err == nil || err == io.EOF {
		t.Errorf("error not sticky: %v", err)
	}
	if got := readAll(t, NewReader(strings.NewReader(""))); len(got) != 0 {
		t.Errorf("empty input: %q", got)
	}
}

// TestReaderNormalize runs a small object with CRLF line ends through both.
func TestReaderNormalize(t *testing.T) {
	obj := doc27 + "\r\n\r\n" + ela24 + "\r\n" + allDash + "\r\n" + batch
	rd := NewReader(bytes.NewReader([]byte(obj)))
	var ids, errs []string
	for {
		line, off, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var ev lake.Event
		if err := Normalize(line, "s3://b/k", off, &ev); err != nil {
			errs = append(errs, fmt.Sprintf("%d:%v", off, err))
			continue
		}
		if !strings.HasPrefix(obj[off:], ev.Raw) || ev.SourceOffset != off {
			t.Errorf("offset %d does not start the line %q", off, ev.Raw[:20])
		}
		ids = append(ids, ev.RequestID)
	}
	if !reflect.DeepEqual(ids, []string{"3E57427F3EXAMPLE", "44EE8651683CB4DA", "6CE38F1312D32BDD"}) {
		t.Errorf("ids %q", ids)
	}
	if want := fmt.Sprintf("%d:%v", len(doc27)+4+len(ela24)+2, ErrNoTime); len(errs) != 1 || errs[0] != want {
		t.Errorf("errors %q, want %q", errs, want)
	}
}

package s3access

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/auditlake/auditlake/pipeline/lake"
)

// benchLog is a generated access log of about 16 MB, built once: a mix of
// the line shapes S3 writes (see genLine), about 300-400 bytes a line.
var benchLog = sync.OnceValues(func() ([]byte, int) {
	rng := rand.New(rand.NewPCG(1, 2))
	var buf bytes.Buffer
	n := 0
	for buf.Len() < 16<<20 {
		buf.WriteString(genLine(rng))
		buf.WriteByte('\n')
		n++
	}
	return buf.Bytes(), n
})

const benchHex = "0123456789abcdef"

func randString(rng *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}

var (
	benchOwners = []string{owner, owner2, "67797214d75628047d9c76b18a78cded1a4b069b71f2a9d5a53649c38da8770b"}
	benchUAs    = []string{
		"aws-sdk-java/2.20.162 Linux/5.10 OpenJDK_64-Bit_Server_VM/17.0.8",
		"aws-cli/2.15.0 Python/3.11.6 Linux/6.1.61 exe/x86_64",
		"Boto3/1.34.11 Python/3.11.6 Linux/5.10 Botocore/1.34.11",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Safari/605.1.15",
		"S3Console/0.4",
	}
	benchKeys = []string{"data/2024/01/part-00042.parquet", "img/75*75/image-1.jpeg",
		"reports/Q4+summary+%282023%29.pdf", "logs/2024/01/15/app.json.gz", "a%2Fb%2Fc.txt"}
)

// genLine writes one line in one of the shapes S3 writes.
func genLine(rng *rand.Rand) string {
	own := benchOwners[rng.IntN(len(benchOwners))]
	bucket := []string{"analytics-lake", "web-assets", "logs-archive"}[rng.IntN(3)]
	ts := fmt.Sprintf("[%02d/Jan/2024:%02d:%02d:%02d +0000]", 1+rng.IntN(28), rng.IntN(24), rng.IntN(60), rng.IntN(60))
	ip := fmt.Sprintf("10.%d.%d.%d", rng.IntN(256), rng.IntN(256), rng.IntN(256))
	rid := randString(rng, "0123456789ABCDEF", 16)
	hid := randString(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 76) + "="
	key := benchKeys[rng.IntN(len(benchKeys))]
	ua := benchUAs[rng.IntN(len(benchUAs))]
	host := bucket + ".s3.us-east-1.amazonaws.com"
	tls := " SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader " + host + " TLSv1.2 - - us-east-1"
	role := "arn:aws:sts::111122223333:assumed-role/Engineer/s-" + randString(rng, benchHex, 8)
	switch k := rng.IntN(100); {
	case k < 25: // GET object, assumed role, 27 fields
		return fmt.Sprintf(`%s %s %s %s %s %s REST.GET.OBJECT %s "GET /%s HTTP/1.1" 200 - %d %d %d %d "-" "%s" - %s%s`,
			own, bucket, ts, ip, role, rid, key, key, rng.IntN(1<<20), rng.IntN(1<<24), rng.IntN(300), rng.IntN(200), ua, hid, tls)
	case k < 35: // PUT object, canonical requester, 26 fields
		return fmt.Sprintf(`%s %s %s %s %s %s REST.PUT.OBJECT %s "PUT /%s HTTP/1.1" 200 - - %d %d %d "-" "%s" - %s SigV4 ECDHE-RSA-AES128-SHA AuthHeader %s TLSV1.2 - Yes`,
			own, bucket, ts, ip, own, rid, key, key, rng.IntN(1<<24), rng.IntN(3000), rng.IntN(100), ua, hid, host)
	case k < 50: // GET object, the old 18-field format
		return fmt.Sprintf(`%s %s %s %s %s %s REST.GET.OBJECT %s "GET /%s HTTP/1.1" 200 - %d %d %d %d "-" "%s" -`,
			own, bucket, ts, ip, role, rid, key, key, rng.IntN(1<<20), rng.IntN(1<<24), rng.IntN(300), rng.IntN(200), ua)
	case k < 60: // HEAD 404, IAM user, 18 fields
		return fmt.Sprintf(`%s %s %s %s arn:aws:iam::111122223333:user/etl-bot %s REST.HEAD.OBJECT %s "HEAD /%s HTTP/1.1" 404 NoSuchKey 314 - %d - "-" "%s" -`,
			own, bucket, ts, ip, rid, key, key, rng.IntN(20), ua)
	case k < 66: // list, 24 fields
		return fmt.Sprintf(`%s %s %s %s %s %s REST.GET.BUCKET - "GET /?list-type=2&prefix=data%%2F2024%%2F&delimiter=%%2F HTTP/1.1" 200 - %d - %d %d "-" "%s" - %s SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader %s TLSv1.2`,
			own, bucket, ts, ip, role, rid, rng.IntN(1<<16), rng.IntN(100), rng.IntN(100), ua, hid, host)
	case k < 74: // batch delete, bare dashes
		return fmt.Sprintf(`%s %s %s %s arn:aws:iam::111122223333:user/test@example.com %s BATCH.DELETE.OBJECT %s - 204 - - %d - - - - - %s SigV4 ECDHE-RSA-AES128-SHA AuthHeader s3.us-east-1.amazonaws.com TLSv1.2`,
			own, bucket, ts, ip, rid, key, rng.IntN(1<<20), hid)
	case k < 86: // lifecycle expiry
		return fmt.Sprintf(`%s %s %s - AmazonS3 %s S3.EXPIRE.OBJECT %s "-" - - - %d - - "-" "-" %s %s - - - - - - -`,
			own, bucket, ts, rid, key, rng.IntN(1<<20), randString(rng, benchHex, 32), hid)
	case k < 89: // presigned GET: redacted
		return fmt.Sprintf(`%s %s %s %s %s %s REST.GET.OBJECT %s "GET /%s?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAEXAMPLE%%2F20240101%%2Fus-east-1%%2Fs3%%2Faws4_request&X-Amz-Date=20240101T000000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=%s HTTP/1.1" 200 - %d %d %d %d "-" "%s" - %s SigV4 ECDHE-RSA-AES128-GCM-SHA256 QueryString %s TLSv1.3 - - us-east-1`,
			own, bucket, ts, ip, role, rid, key, key, randString(rng, benchHex, 64), rng.IntN(1<<20), rng.IntN(1<<24), rng.IntN(300), rng.IntN(200), ua, hid, host)
	case k < 93: // website GET, anonymous, browser
		return fmt.Sprintf(`%s %s %s %s - %s WEBSITE.GET.OBJECT index.html "GET /index.html HTTP/1.1" 200 - %d %d %d %d "https://www.example.com/list?page=2" "%s" - %s - - - %s.s3-website-us-east-1.amazonaws.com - - -`,
			own, bucket, ts, ip, rid, rng.IntN(1<<16), rng.IntN(1<<16), rng.IntN(50), rng.IntN(50), benchUAs[3], hid, bucket)
	case k < 95: // CloudFront OAI
		return fmt.Sprintf(`%s %s %s 130.176.%d.%d %s %s REST.GET.OBJECT %s "GET /%s HTTP/1.1" 200 - %d %d %d %d "-" "Amazon CloudFront" - %s%s`,
			own, bucket, ts, rng.IntN(256), rng.IntN(256), oai, rid, key, key, rng.IntN(1<<20), rng.IntN(1<<20), rng.IntN(100), rng.IntN(100), hid, tls)
	default: // 403, 18 fields
		return fmt.Sprintf(`%s %s %s %s %s %s REST.GET.OBJECT %s "GET /%s HTTP/1.1" 403 AccessDenied 243 - %d - "-" "%s" -`,
			own, bucket, ts, ip, role, rid, key, key, rng.IntN(20), ua)
	}
}

// BenchmarkNormalize reads the generated log with Reader and normalizes
// every line into a lake.Event, as an ingester does before the writer.
func BenchmarkNormalize(b *testing.B) {
	data, want := benchLog()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rd := NewReader(bytes.NewReader(data))
		var ev lake.Event
		n := 0
		for {
			line, off, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if err := Normalize(line, "bench", off, &ev); err != nil {
				b.Fatalf("line at %d: %v\n%s", off, err, line)
			}
			n++
		}
		if n != want {
			b.Fatalf("normalized %d lines, want %d", n, want)
		}
	}
	b.ReportMetric(float64(want)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	b.ReportMetric(float64(len(data))/float64(want), "bytes/line")
}

// BenchmarkReader only splits the log into lines.
func BenchmarkReader(b *testing.B) {
	data, want := benchLog()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		rd := NewReader(bytes.NewReader(data))
		n := 0
		for {
			_, _, err := rd.Next()
			if err == io.EOF {
				break
			}
			n++
		}
		if n != want {
			b.Fatalf("read %d lines, want %d", n, want)
		}
	}
}

// TestBenchLog checks that the generated lines normalize as intended, so
// the benchmark measures real work.
func TestBenchLog(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	redacted := 0
	for i := 0; i < 2000; i++ {
		line := genLine(rng)
		var ev lake.Event
		if err := Normalize([]byte(line), "o", 0, &ev); err != nil {
			t.Fatalf("%v\n%s", err, line)
		}
		if ev.EventName == "" || ev.RequestID == "" || (ev.PrincipalType == "AssumedRole") != strings.Contains(line, "assumed-role") {
			t.Fatalf("bad event %+v", ev)
		}
		if strings.Contains(ev.Raw, Redacted) {
			redacted++
		}
	}
	if redacted == 0 {
		t.Fatal("no presigned lines")
	}
}

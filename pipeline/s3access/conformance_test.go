package s3access

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/auditlake/auditlake/pipeline/lake"
)

// conformanceDir is the third-party S3 access log corpus (its README.md is
// one level up: "S3 server access log sources").
const conformanceDir = "../../../shared/conformance/s3access"

// corpusDir returns the corpus directory, or skips the test when it is
// missing (fails instead when AUDITLAKE_REQUIRE_ALL is set).
func corpusDir(tb testing.TB) string {
	tb.Helper()
	if fi, err := os.Stat(conformanceDir); err != nil || !fi.IsDir() {
		if os.Getenv("AUDITLAKE_REQUIRE_ALL") != "" {
			tb.Fatalf("conformance corpus %s is missing (AUDITLAKE_REQUIRE_ALL is set): %v", conformanceDir, err)
		}
		tb.Skipf("conformance corpus %s is not present (it lives beside the repository, in shared/conformance): %v", conformanceDir, err)
	}
	return conformanceDir
}

// isLogFile reports whether a corpus file holds raw access-log lines (the
// others are sidecars: provenance, peer expectations, Panther's parsed JSON).
func isLogFile(name string) bool {
	return strings.HasSuffix(name, ".log") || strings.HasSuffix(name, ".txt")
}

// corpusLine is one line of a corpus file and what Normalize made of it.
type corpusLine struct {
	N    int // 1-based line number among the non-blank lines
	Raw  string
	Ev   lake.Event
	Err  error
	Off  int64
	File string
}

// readCorpus streams every log file through Reader and Normalize.
func readCorpus(tb testing.TB) map[string][]corpusLine {
	tb.Helper()
	dir := corpusDir(tb)
	out := map[string][]corpusLine{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !isLogFile(d.Name()) {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		rd := NewReader(f)
		for n := 1; ; n++ {
			line, off, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return fmt.Errorf("%s: %w", rel, err)
			}
			cl := corpusLine{N: n, Raw: string(line), Off: off, File: rel}
			cl.Err = Normalize(line, rel, off, &cl.Ev)
			out[rel] = append(out[rel], cl)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	if len(out) == 0 {
		tb.Fatalf("no log files under %s", dir)
	}
	return out
}

// rejects are the corpus lines we quarantine, with why. Lines 4 and 5 of
// icodeforlove's test are ones that peer rejects too (its expected output is
// null). Line 2 is a disagreement: the peer turns the all-dash line into an
// empty object; we need an event time and there is none, so the line goes
// to quarantine (its raw text is kept there).
var rejects = map[string]map[int]error{
	"icodeforlove-s3-access-log-parser/matches_test_lines.log": {
		2: ErrNoTime,       // all dashes; peer: {}
		4: ErrOwnerMissing, // peer: null
		5: ErrTooFewFields, // "bad match"; peer: null
	},
}

func TestConformanceCorpus(t *testing.T) {
	files := readCorpus(t)
	names := make([]string, 0, len(files))
	for f := range files {
		names = append(names, f)
	}
	sort.Strings(names)
	parsed, rejected := 0, 0
	for _, f := range names {
		for _, cl := range files[f] {
			want := rejects[f][cl.N]
			if want != nil {
				if !errors.Is(cl.Err, want) {
					t.Errorf("%s:%d: got %v, want rejection %v", f, cl.N, cl.Err, want)
				}
				rejected++
				continue
			}
			if cl.Err != nil {
				t.Errorf("%s:%d: %v\n%s", f, cl.N, cl.Err, cl.Raw)
				continue
			}
			parsed++
			ev := cl.Ev
			// No corpus line carries a credential: Raw is the line.
			if ev.Raw != cl.Raw || ev.SourceObject != f || ev.SourceOffset != cl.Off || ev.LogSource != lake.SourceS3AccessLog {
				t.Errorf("%s:%d: Raw/SourceObject/SourceOffset/LogSource %q %q %d %q", f, cl.N, ev.Raw, ev.SourceObject, ev.SourceOffset, ev.LogSource)
			}
			fields := strings.Fields(cl.Raw)
			if ev.EventTime.IsZero() || ev.BucketOwner != fields[0] || ev.S3Bucket != fields[1] || !strings.HasPrefix(ev.EventID, "s3al-") {
				t.Errorf("%s:%d: time %v owner %q bucket %q id %q", f, cl.N, ev.EventTime, ev.BucketOwner, ev.S3Bucket, ev.EventID)
			}
			if ev.EventName == "" || ev.S3Operation == "" {
				t.Errorf("%s:%d: operation %q → %q", f, cl.N, ev.S3Operation, ev.EventName)
			}
		}
	}
	t.Logf("%d files: %d lines parsed, %d rejected", len(names), parsed, rejected)
	if parsed+rejected != 26 {
		t.Errorf("corpus has %d raw lines, README says 26", parsed+rejected)
	}
}

// ours returns our value for a peer field (canonical names as Elastic's
// aws.s3access.*): a string, int64, bool or time.Time, and false when we
// store NULL.
func ours(ev *lake.Event, field string) (any, bool) {
	str := func(s string) (any, bool) { return s, s != "" }
	num := func(p *int64) (any, bool) {
		if p == nil {
			return nil, false
		}
		return *p, true
	}
	switch field {
	case "bucket_owner":
		return str(ev.BucketOwner)
	case "bucket":
		return str(ev.S3Bucket)
	case "remote_ip":
		return str(ev.SourceIP)
	case "requester":
		// The requester as logged: ARN requesters are in PrincipalARN, the
		// others (canonical ids, svc:…, AmazonS3) in PrincipalID.
		if ev.PrincipalID != "" {
			return ev.PrincipalID, true
		}
		return str(ev.PrincipalARN)
	case "request_id":
		return str(ev.RequestID)
	case "operation":
		return str(ev.S3Operation)
	case "key":
		return str(ev.S3Key)
	case "request_uri":
		return str(ev.RequestURI)
	case "http_status":
		return num(ev.HTTPStatus)
	case "error_code":
		return str(ev.ErrorCode)
	case "bytes_sent":
		return num(ev.Bytes)
	case "object_size":
		return num(ev.ObjectSize)
	case "total_time":
		return num(ev.TotalTimeMs)
	case "turn_around_time":
		return num(ev.TurnaroundTimeMs)
	case "referrer":
		return str(ev.Referer)
	case "user_agent":
		return str(ev.UserAgent)
	case "version_id":
		return str(ev.VersionID)
	case "host_id":
		return str(ev.S3HostID)
	case "signature_version":
		return str(ev.SignatureVersion)
	case "cipher_suite":
		return str(ev.CipherSuite)
	case "authentication_type":
		return str(ev.AuthType)
	case "host_header":
		return str(ev.HostHeader)
	case "tls_version":
		return str(ev.TLSVersion)
	case "point_arn":
		return str(ev.AccessPointARN)
	case "aclrequired":
		if ev.ACLRequired == nil {
			return nil, false
		}
		return *ev.ACLRequired, true
	case "time":
		return ev.EventTime, !ev.EventTime.IsZero()
	case "region":
		return str(ev.Region)
	case "outcome":
		return str(ev.Outcome)
	}
	panic("unknown field " + field)
}

// peerValue turns a peer's JSON value for field into ours' type; '-' (and
// "-" in quotes) is NULL; keys are decoded once as we do.
func peerValue(field string, v any) (any, bool) {
	switch x := v.(type) {
	case nil:
		return nil, false
	case float64:
		return int64(x), true
	case bool:
		return x, true
	case string:
		if x == "-" || x == `"-"` {
			return nil, false
		}
		switch field {
		case "key":
			if d, err := url.QueryUnescape(x); err == nil {
				return d, true
			}
		case "aclrequired":
			return x == "Yes", true
		case "time":
			for _, layout := range []string{time.RFC3339Nano, "02/Jan/2006:15:04:05 -0700"} {
				if t, err := time.Parse(layout, x); err == nil {
					return t.UTC(), true
				}
			}
			panic("peer time " + x)
		case "referrer", "user_agent":
			// Logstash's legacy fields keep the quotes.
			if len(x) >= 2 && x[0] == '"' && x[len(x)-1] == '"' {
				x = x[1 : len(x)-1]
				if x == "-" {
					return nil, false
				}
			}
		}
		return x, true
	}
	panic(fmt.Sprintf("peer value %T", v))
}

// compare checks one field against a peer's value.
func compare(t *testing.T, where string, ev *lake.Event, field string, peer any) {
	t.Helper()
	want, wantOK := peerValue(field, peer)
	got, gotOK := ours(ev, field)
	if wantOK != gotOK {
		t.Errorf("%s: %s: ours %v (set %v), peer %v (set %v)", where, field, got, gotOK, want, wantOK)
		return
	}
	if !wantOK {
		return
	}
	if wt, ok := want.(time.Time); ok {
		if !wt.Equal(got.(time.Time)) {
			t.Errorf("%s: %s: ours %v, peer %v", where, field, got, wt)
		}
		return
	}
	if got != want {
		t.Errorf("%s: %s: ours %#v, peer %#v", where, field, got, want)
	}
}

// readNDJSON reads a sidecar of JSON objects, one a line.
func readNDJSON(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(filepath.Join(corpusDir(t), path))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// dig follows a dotted path through nested objects.
func dig(m map[string]any, path string) (any, bool) {
	var cur any = m
	for _, k := range strings.Split(path, ".") {
		o, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = o[k]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// elasticFields are the aws.s3access.* fields of Elastic's expected output.
// A field Elastic leaves out is one the line logs as '-': ours is NULL too.
var elasticFields = []string{"bucket_owner", "bucket", "remote_ip", "requester", "request_id", "operation", "key",
	"request_uri", "http_status", "error_code", "bytes_sent", "object_size", "total_time", "turn_around_time",
	"user_agent", "version_id", "host_id", "signature_version", "cipher_suite", "authentication_type", "host_header",
	"tls_version", "point_arn", "aclrequired"}

func TestConformanceElastic(t *testing.T) {
	lines := readCorpus(t)["elastic-integrations/test-s3-server-access.log"]
	exp := readNDJSON(t, "elastic-integrations/test-s3-server-access.expected-condensed.ndjson")
	if len(lines) != 10 || len(exp) != 10 {
		t.Fatalf("%d lines, %d expectations", len(lines), len(exp))
	}
	for _, e := range exp {
		n := int(e["_line"].(float64))
		cl := lines[n-1]
		where := fmt.Sprintf("elastic line %d", n)
		if cl.Err != nil {
			t.Errorf("%s: %v", where, cl.Err)
			continue
		}
		for _, f := range elasticFields {
			v, _ := dig(e, "aws.s3access."+f)
			compare(t, where, &cl.Ev, f, v)
		}
		ts, _ := dig(e, "@timestamp")
		compare(t, where, &cl.Ev, "time", ts)
		// Elastic derives cloud.region from the host header, as we do
		// without a Source region field.
		region, _ := dig(e, "cloud.region")
		compare(t, where, &cl.Ev, "region", region)
		outcome, _ := dig(e, "event.outcome")
		compare(t, where, &cl.Ev, "outcome", outcome)
		// event.id is the request id, client.ip the remote IP, client.user.id the requester.
		for peer, field := range map[string]string{"event.id": "request_id", "client.ip": "remote_ip", "client.user.id": "requester", "event.action": "operation"} {
			v, _ := dig(e, peer)
			compare(t, where, &cl.Ev, field, v)
		}
		// event.duration is Total Time in nanoseconds.
		if d, ok := dig(e, "event.duration"); ok {
			compare(t, where, &cl.Ev, "total_time", d.(float64)/1e6)
		}
		if m, ok := dig(e, "http.request.method"); ok && !strings.HasPrefix(cl.Ev.RequestURI, m.(string)+" ") {
			t.Errorf("%s: method %v, RequestURI %q", where, m, cl.Ev.RequestURI)
		}
		if u, ok := dig(e, "url.original"); ok && !strings.Contains(cl.Ev.RequestURI, " "+u.(string)+" HTTP/") {
			t.Errorf("%s: url %v, RequestURI %q", where, u, cl.Ev.RequestURI)
		}
	}
}

// logstashLegacy maps the legacy (non-ECS) grok fields to ours.
var logstashLegacy = map[string]string{
	"owner": "bucket_owner", "bucket": "bucket", "timestamp": "time", "clientip": "remote_ip", "requester": "requester",
	"request_id": "request_id", "operation": "operation", "key": "key", "response": "http_status", "bytes": "bytes_sent",
	"object_size": "object_size", "request_time_ms": "total_time", "turnaround_time_ms": "turn_around_time",
	"referrer": "referrer", "agent": "user_agent", "error_code": "error_code", "version_id": "version_id",
}

// logstashECS maps the ECS fields other than aws.s3access.* to ours.
var logstashECS = map[string]string{
	"timestamp": "time", "client.ip": "remote_ip", "client.user.id": "requester",
	"http.response.status_code": "http_status", "tls.cipher": "cipher_suite", "user_agent.original": "user_agent",
}

func TestConformanceLogstash(t *testing.T) {
	lines := readCorpus(t)["logstash-patterns-core/s3_access.log"]
	exp := readNDJSON(t, "logstash-patterns-core/s3_access.expected.ndjson")
	if len(lines) != 3 || len(exp) == 0 {
		t.Fatalf("%d lines, %d expectations", len(lines), len(exp))
	}
	checked := 0
	for _, e := range exp {
		n := int(e["line"].(float64))
		cl := lines[n-1]
		where := fmt.Sprintf("logstash line %d (%s, %s)", n, e["mode"], e["context"])
		if cl.Err != nil {
			t.Errorf("%s: %v", where, cl.Err)
			continue
		}
		inc := e["includes"].(map[string]any)
		var verb, request, version any
		if e["mode"] == "legacy" {
			for k, v := range inc {
				switch k {
				case "verb":
					verb = v
				case "request":
					request = v
				case "httpversion":
					version = v
				default:
					f, ok := logstashLegacy[k]
					if !ok {
						t.Fatalf("%s: unmapped field %s", where, k)
					}
					compare(t, where, &cl.Ev, f, v)
					checked++
				}
			}
			// The grok's nil list: fields the line logs as '-'.
			nils, _ := e["nil"].([]any)
			for _, k := range nils {
				if f, ok := logstashLegacy[k.(string)]; ok {
					compare(t, where, &cl.Ev, f, nil)
					checked++
				}
			}
		} else {
			if s3, ok := dig(inc, "aws.s3access"); ok {
				for k, v := range s3.(map[string]any) {
					compare(t, where, &cl.Ev, k, v)
					checked++
				}
			}
			for peer, f := range logstashECS {
				if v, ok := dig(inc, peer); ok {
					compare(t, where, &cl.Ev, f, v)
					checked++
				}
			}
			verb, _ = dig(inc, "http.request.method")
			request, _ = dig(inc, "url.original")
			version, _ = dig(inc, "http.version")
		}
		// The Request-URI is "<verb> <request> HTTP/<version>".
		if verb != nil && request != nil && version != nil {
			compare(t, where, &cl.Ev, "request_uri", fmt.Sprintf("%v %v HTTP/%v", verb, request, version))
			checked++
		}
	}
	t.Logf("%d field comparisons", checked)
}

// icodeforloveFields are the fields that parser returns (it leaves out the
// ones logged as '-').
var icodeforloveFields = []string{"bucket_owner", "bucket", "time", "remote_ip", "requester", "request_id", "operation",
	"key", "request_uri", "http_status", "error_code", "bytes_sent", "object_size", "total_time", "turn_around_time",
	"referrer", "user_agent", "version_id"}

func TestConformanceIcodeforlove(t *testing.T) {
	lines := readCorpus(t)["icodeforlove-s3-access-log-parser/matches_test_lines.log"]
	exp := readNDJSON(t, "icodeforlove-s3-access-log-parser/matches_test_lines.expected.ndjson")
	if len(lines) != 5 || len(exp) != 5 {
		t.Fatalf("%d lines, %d expectations", len(lines), len(exp))
	}
	for _, e := range exp {
		n := int(e["line"].(float64))
		cl := lines[n-1]
		where := fmt.Sprintf("icodeforlove line %d", n)
		if sub, ok := e["expected_subset"].(map[string]any); ok {
			if cl.Err != nil {
				t.Errorf("%s: %v", where, cl.Err)
				continue
			}
			for k, v := range sub {
				compare(t, where, &cl.Ev, k, v)
			}
			continue
		}
		want, ok := e["expected"]
		if !ok {
			t.Fatalf("%s: no expectation", where)
		}
		switch w := want.(type) {
		case nil: // the peer rejects the line: so must we
			if cl.Err == nil {
				t.Errorf("%s: peer rejects %q, we parse it", where, cl.Raw)
			}
		case map[string]any:
			if len(w) == 0 {
				// The all-dash line: see rejects.
				if !errors.Is(cl.Err, ErrNoTime) || strings.Trim(cl.Raw, `-" `) != "" {
					t.Errorf("%s: all-dash line: %v", where, cl.Err)
				}
				continue
			}
			if cl.Err != nil {
				t.Errorf("%s: %v", where, cl.Err)
				continue
			}
			for _, f := range icodeforloveFields {
				compare(t, where, &cl.Ev, f, w[f])
			}
		}
	}
}

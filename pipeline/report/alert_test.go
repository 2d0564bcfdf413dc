package report

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/auditlake/auditlake/pipeline/policy"
	"github.com/auditlake/auditlake/pipeline/testsupport/s3test"
)

// scenarioFindings is the number of findings on the scenario with its
// policy (15 with the built-in detections), set by alertReport.
var scenarioFindings int

// alertReport opens the scenario with its policy.
func alertReport(t *testing.T) *Report {
	t.Helper()
	r := openScenario(t)
	p, err := policy.Load(scenario + "/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.LoadPolicy(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	rows, err := r.Findings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if scenarioFindings = len(rows.Values); scenarioFindings < 15 {
		t.Fatalf("%d findings on the scenario, want at least 15", scenarioFindings)
	}
	return r
}

// hook is a webhook server that records bodies and answers with status.
type hook struct {
	mu        sync.Mutex
	status    int
	failAfter int // with status OK: fail every request after this many succeeded (-1: never)
	bodies    []string
	srv       *httptest.Server
}

func newHook(t *testing.T) *hook {
	h := &hook{status: http.StatusOK, failAfter: -1}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		h.mu.Lock()
		defer h.mu.Unlock()
		if req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if h.status != http.StatusOK {
			http.Error(w, "boom", h.status)
			return
		}
		if h.failAfter >= 0 && len(h.bodies) >= h.failAfter {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		h.bodies = append(h.bodies, string(b))
		w.Write([]byte("ok"))
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hook) set(status int) {
	h.mu.Lock()
	h.status = status
	h.mu.Unlock()
}

// lines returns the finding lines of every message received, and resets.
func (h *hook) take(t *testing.T) []string {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, b := range h.bodies {
		var msg struct {
			Text string `json:"text"`
		}
		if err := json.Unmarshal([]byte(b), &msg); err != nil || msg.Text == "" {
			t.Fatalf("webhook body not Slack-compatible: %s", b)
		}
		for _, l := range strings.Split(msg.Text, "\n") {
			if strings.HasPrefix(l, "• ") {
				out = append(out, l)
			}
		}
	}
	h.bodies = nil
	return out
}

// jsonLines decodes the JSON lines written to stdout.
func jsonLines(t *testing.T, b *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(b)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("stdout line %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	b.Reset()
	return out
}

func TestAlertNewFindingsOnly(t *testing.T) {
	ctx := context.Background()
	r := alertReport(t)
	h := newHook(t)
	state := filepath.Join(t.TempDir(), "sub", "alert-state.json")
	var out bytes.Buffer
	opt := AlertOptions{State: state, Webhook: h.srv.URL + "/services/T0/B0/secret", Stdout: &out}

	res, err := r.Alert(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	if res.Findings != scenarioFindings || res.New != scenarioFindings || len(res.IDs) != scenarioFindings {
		t.Fatalf("first run: %+v", res)
	}
	lines := jsonLines(t, &out)
	if len(lines) != scenarioFindings {
		t.Fatalf("stdout: %d lines, want %d", len(lines), scenarioFindings)
	}
	for i, l := range lines {
		if l["finding_id"] != res.IDs[i] || l["rule"] == nil || l["event_ids"] == nil {
			t.Errorf("stdout line %d: %v", i, l)
		}
	}
	if got := h.take(t); len(got) != scenarioFindings {
		t.Fatalf("webhook: %d findings, want %d:\n%s", len(got), scenarioFindings, strings.Join(got, "\n"))
	}
	b, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	var st AlertState
	if err := json.Unmarshal(b, &st); err != nil || len(st.Sent) != scenarioFindings || st.Version != 1 {
		t.Fatalf("state: %v %s", err, b)
	}
	for _, id := range res.IDs {
		if e, ok := st.Sent[id]; !ok || e.FirstSent.IsZero() || e.Rule == "" {
			t.Errorf("state entry %s: %+v", id, e)
		}
	}

	// Second run: nothing new, nothing sent, state untouched.
	res, err = r.Alert(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 0 || res.Findings != scenarioFindings || out.Len() != 0 || len(h.take(t)) != 0 {
		t.Fatalf("second run sent again: %+v stdout %q", res, out.String())
	}
	if b2, _ := os.ReadFile(state); !bytes.Equal(b, b2) {
		t.Error("state rewritten on a run with nothing new")
	}

	// A policy change makes one more finding fire: only it is sent.
	p, err := policy.Parse([]byte(replace(t, scenarioPolicy(t), "review_headline, review_body,", "review_headline,")), "policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.LoadPolicy(ctx, p); err != nil {
		t.Fatal(err)
	}
	res, err = r.Alert(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 1 || res.Findings != scenarioFindings+1 {
		t.Fatalf("after the policy change: %+v", res)
	}
	lines = jsonLines(t, &out)
	if len(lines) != 1 || lines[0]["rule"] != "column_outside_grant" ||
		lines[0]["resource"] != "amazon_reviews_db.amazon_reviews_parquet.review_body" {
		t.Fatalf("new finding: %v", lines)
	}
	if got := h.take(t); len(got) != 1 || !strings.Contains(got[0], "column_outside_grant") {
		t.Fatalf("webhook: %v", got)
	}
	if res, err = r.Alert(ctx, opt); err != nil || res.New != 0 {
		t.Fatalf("fourth run: %+v %v", res, err)
	}
}

func TestAlertWebhookFailureRetries(t *testing.T) {
	ctx := context.Background()
	r := alertReport(t)
	h := newHook(t)
	h.set(http.StatusInternalServerError)
	state := filepath.Join(t.TempDir(), "state.json")
	var out bytes.Buffer
	opt := AlertOptions{State: state, Webhook: h.srv.URL + "/hooks/very-secret-token", Stdout: &out}

	_, err := r.Alert(ctx, opt)
	if err == nil || !strings.Contains(err.Error(), "500") {
		t.Fatalf("webhook 500: err %v", err)
	}
	if strings.Contains(err.Error(), "very-secret-token") {
		t.Errorf("error shows the webhook's secret path: %v", err)
	}
	if _, err := os.Stat(state); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("state written after a failed send: %v", err)
	}
	if out.Len() != 0 {
		t.Errorf("stdout written though the webhook failed: %q", out.String())
	}

	h.set(http.StatusOK)
	res, err := r.Alert(ctx, opt)
	if err != nil || res.New != scenarioFindings {
		t.Fatalf("retry: %+v %v", res, err)
	}
	if got := h.take(t); len(got) != scenarioFindings {
		t.Fatalf("retry sent %d findings", len(got))
	}
	if len(jsonLines(t, &out)) != scenarioFindings {
		t.Fatal("retry: stdout")
	}

	// A failure with nothing new sends nothing and so cannot fail.
	h.set(http.StatusInternalServerError)
	if res, err := r.Alert(ctx, opt); err != nil || res.New != 0 {
		t.Fatalf("run after success: %+v %v", res, err)
	}

	// An unreachable webhook is an error too.
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	if _, err := r.Alert(ctx, AlertOptions{State: filepath.Join(t.TempDir(), "s.json"), Webhook: dead.URL, Stdout: io.Discard}); err == nil {
		t.Fatal("unreachable webhook: no error")
	}
}

// A run that fails after the first webhook message resends only what was
// not delivered: each delivered chunk is in the state before the next is
// sent, per destination.
func TestAlertResendsOnlyUndeliveredChunks(t *testing.T) {
	ctx := context.Background()
	defer func(n int) { webhookLines = n }(webhookLines)
	webhookLines = 5 // the scenario's 15 findings in three messages
	r := alertReport(t)
	h := newHook(t)
	h.failAfter = 1
	state := filepath.Join(t.TempDir(), "state.json")
	var out bytes.Buffer
	opt := AlertOptions{State: state, Webhook: h.srv.URL + "/hook", Stdout: &out}
	if _, err := r.Alert(ctx, opt); err == nil {
		t.Fatal("the second message failed, but Alert reported success")
	}
	first := h.take(t)
	if len(first) != 5 || out.Len() != 0 {
		t.Fatalf("first run delivered %d findings to the webhook and %d bytes to stdout; want 5 and none", len(first), out.Len())
	}
	h.mu.Lock()
	h.failAfter = -1
	h.mu.Unlock()
	res, err := r.Alert(ctx, opt)
	if err != nil || res.New != scenarioFindings {
		t.Fatalf("second run: %+v, %v", res, err)
	}
	second := h.take(t)
	if len(second) != scenarioFindings-5 {
		t.Errorf("second run sent the webhook %d findings, want the %d it had not got", len(second), scenarioFindings-5)
	}
	for _, l := range second {
		for _, f := range first {
			if l == f {
				t.Errorf("finding sent twice to the webhook: %s", l)
			}
		}
	}
	if n := len(jsonLines(t, &out)); n != scenarioFindings {
		t.Errorf("stdout got %d findings, want all %d", n, scenarioFindings)
	}
	b, _ := os.ReadFile(state)
	if strings.Contains(string(b), `"delivered"`) {
		t.Errorf("state still lists partial deliveries after a complete run: %s", b)
	}
	if res, err := r.Alert(ctx, opt); err != nil || res.New != 0 || len(h.take(t)) != 0 {
		t.Errorf("third run: %+v, %v; want nothing sent", res, err)
	}
}

func TestAlertStateOnS3(t *testing.T) {
	srv := s3test.Start(t)
	srv.Env(t)
	bucket := srv.CreateBucket(t, "alert-state")
	ctx := context.Background()
	r := alertReport(t)
	var out bytes.Buffer
	opt := AlertOptions{State: "s3://" + bucket + "/alerts/state.json", Stdout: &out}

	res, err := r.Alert(ctx, opt)
	if err != nil || res.New != scenarioFindings {
		t.Fatalf("first run: %+v %v", res, err)
	}
	if len(jsonLines(t, &out)) != scenarioFindings {
		t.Fatal("first run: stdout")
	}
	res, err = r.Alert(ctx, opt)
	if err != nil || res.New != 0 || out.Len() != 0 {
		t.Fatalf("second run: %+v %v %q", res, err, out.String())
	}
	if _, err := r.Alert(ctx, AlertOptions{State: "s3://" + bucket, Stdout: &out}); err == nil {
		t.Fatal("state without a key: no error")
	}
}

// snsServer answers the SNS Query protocol's Publish.
type snsServer struct {
	mu       sync.Mutex
	fail     bool
	messages []url.Values
	srv      *httptest.Server
}

func newSNSServer(t *testing.T, topic string) *snsServer {
	s := &snsServer{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		auth := req.Header.Get("Authorization")
		bad := func(code, msg string) {
			w.Header().Set("Content-Type", "text/xml")
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>`+
				code+`</Code><Message>`+msg+`</Message></Error><RequestId>r1</RequestId></ErrorResponse>`)
		}
		if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDTEST/") || !strings.Contains(auth, "/us-east-1/sns/aws4_request") ||
			!strings.Contains(auth, "Signature=") || req.Header.Get("X-Amz-Date") == "" {
			bad("InvalidClientTokenId", "no SigV4 signature")
			return
		}
		if req.Method != http.MethodPost || !strings.HasPrefix(req.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			bad("InvalidAction", "want a form POST")
			return
		}
		if err := req.ParseForm(); err != nil {
			bad("MalformedQueryString", err.Error())
			return
		}
		f := req.PostForm
		switch {
		case f.Get("Action") != "Publish" || f.Get("Version") != "2010-03-31":
			bad("InvalidAction", "unknown action")
			return
		case f.Get("TopicArn") != topic:
			bad("NotFound", "Topic does not exist")
			return
		case f.Get("Message") == "" || len(f.Get("Subject")) > 100 || strings.ContainsAny(f.Get("Subject"), "\r\n"):
			bad("InvalidParameter", "Subject or Message")
			return
		case s.fail:
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `<ErrorResponse><Error><Type>Receiver</Type><Code>InternalError</Code><Message>try again</Message></Error></ErrorResponse>`)
			return
		}
		s.messages = append(s.messages, f)
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>m-1</MessageId></PublishResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></PublishResponse>`)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *snsServer) setFail(v bool) { s.mu.Lock(); s.fail = v; s.mu.Unlock() }

func (s *snsServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.messages)
}

// awsTestEnv points the default AWS configuration at static credentials
// and the SNS endpoint at url, without reading ~/.aws.
func awsTestEnv(t *testing.T, endpoint string) {
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL",
		"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("AWS_CONFIG_FILE", empty)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", empty)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_REGION", "eu-west-1") // the topic's region wins
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_ENDPOINT_URL_SNS", endpoint)
}

func TestAlertSNS(t *testing.T) {
	const topic = "arn:aws:sns:us-east-1:111122223333:audit-alerts"
	s := newSNSServer(t, topic)
	awsTestEnv(t, s.srv.URL)
	ctx := context.Background()
	r := alertReport(t)
	state := filepath.Join(t.TempDir(), "state.json")
	opt := AlertOptions{State: state, SNSTopic: topic, Stdout: io.Discard}

	s.setFail(true)
	if _, err := r.Alert(ctx, opt); err == nil || !strings.Contains(err.Error(), "InternalError") {
		t.Fatalf("SNS 500: err %v", err)
	}
	if _, err := os.Stat(state); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("state written after a failed publish")
	}
	s.setFail(false)

	res, err := r.Alert(ctx, opt)
	if err != nil || res.New != scenarioFindings {
		t.Fatalf("publish: %+v %v", res, err)
	}
	if s.count() != 1 {
		t.Fatalf("%d Publish calls, want one per batch", s.count())
	}
	s.mu.Lock()
	m := s.messages[0]
	s.mu.Unlock()
	if n := strings.Count(strings.TrimSpace(m.Get("Message")), "\n") + 1; n != scenarioFindings {
		t.Errorf("message has %d lines, want %d", n, scenarioFindings)
	}
	if sub := m.Get("Subject"); !strings.HasPrefix(sub, fmt.Sprintf("auditlake: %d new findings", scenarioFindings)) {
		t.Errorf("subject %q", sub)
	}
	if res, err := r.Alert(ctx, opt); err != nil || res.New != 0 || s.count() != 1 {
		t.Fatalf("second run: %+v %v, %d publishes", res, err, s.count())
	}

	// A topic the server does not know: the SNS error is reported.
	other := AlertOptions{State: filepath.Join(t.TempDir(), "s.json"), SNSTopic: "arn:aws:sns:us-east-1:111122223333:nope", Stdout: io.Discard}
	if _, err := r.Alert(ctx, other); err == nil || !strings.Contains(err.Error(), "NotFound") {
		t.Fatalf("unknown topic: %v", err)
	}
	if _, err := r.Alert(ctx, AlertOptions{State: state, SNSTopic: "not-an-arn"}); err == nil {
		t.Fatal("bad ARN: no error")
	}
}

func TestSlackEscapeAndIdentity(t *testing.T) {
	f := alertFinding{rule: "r", severity: "high", when: "2026-07-01T00:00:00Z", resource: "<!channel> & <http://evil|click>",
		detail: "line1\nline2"}
	bodies := slackBodies([]alertFinding{f})
	var msg struct{ Text string }
	if len(bodies) != 1 || json.Unmarshal(bodies[0], &msg) != nil {
		t.Fatal(bodies)
	}
	if strings.ContainsAny(strings.TrimPrefix(msg.Text, "auditlake: 1 new finding\n"), "<>\n") || !strings.Contains(msg.Text, "&lt;!channel&gt; &amp; &lt;http://evil|click&gt;") {
		t.Errorf("not escaped: %q", msg.Text)
	}
	a := FindingID("r", "x", []string{"b", "a"})
	if a != FindingID("r", "x", []string{"a", "b"}) || a == FindingID("r", "x", []string{"a"}) ||
		FindingID("r", "xa", nil) == FindingID("r", "x", []string{"a"}) {
		t.Error("finding identity not stable or not distinct")
	}
}

// The same S3 request seen in the access log first and in a CloudTrail
// data event later is one finding: its identity is the request, not the
// record, so the alert sends it once. A state written by an earlier
// version (identities by evidence ids) counts as sent.
func TestAlertOneFindingPerRequest(t *testing.T) {
	ctx := context.Background()
	ev := func(id, src string) map[string]any {
		return map[string]any{"event_id": id, "event_time": "2026-07-01T10:00:00Z", "log_source": src, "event_name": "GetObject",
			"s3_bucket": "lake", "s3_key": "warehouse/sales/customers/p0", "request_id": "R1", "source_ip": "203.0.113.9"}
	}
	read := func(id, copyID string) map[string]any {
		row := map[string]any{"event_id": id, "event_time": "2026-07-01T10:00:00Z", "log_source": "s3_access_log", "event_name": "GetObject",
			"outcome": "success", "s3_bucket": "lake", "s3_key": "warehouse/sales/customers/p0", "request_id": "R1",
			"database_name": "sales", "table_name": "customers", "via_lake_formation": false, "lf_bypass": true, "engine": "s3"}
		if copyID != "" {
			row["log_source"], row["copy_event_id"] = "cloudtrail", copyID
		}
		return row
	}
	// Before: only the access-log line. After: the data event arrived, and
	// the build keeps it (the line becomes its copy).
	before := caseReport(t, map[string][]map[string]any{"events": {ev("al", "s3_access_log")}, "s3_reads": {read("al", "")}})
	after := caseReport(t, map[string][]map[string]any{"events": {ev("al", "s3_access_log"), ev("ct", "cloudtrail")}, "s3_reads": {read("ct", "al")}})
	for _, r := range []*Report{before, after} {
		if err := r.LoadPolicy(ctx, policy.Default()); err != nil {
			t.Fatal(err)
		}
	}
	state := filepath.Join(t.TempDir(), "state.json")
	var out bytes.Buffer
	opt := AlertOptions{State: state, Stdout: &out}
	res, err := before.Alert(ctx, opt)
	if err != nil || res.New != 1 {
		t.Fatalf("first run: %+v %v", res, err)
	}
	first := jsonLines(t, &out)
	if first[0]["rule"] != "lf_bypass_s3_read" || fmt.Sprint(first[0]["event_ids"]) != "[al]" {
		t.Fatalf("first run sent %v", first)
	}
	res, err = after.Alert(ctx, opt)
	if err != nil || res.New != 0 || res.Findings != 1 || out.Len() != 0 {
		t.Fatalf("the data event of the same request made a new finding: %+v %v %q", res, err, out.String())
	}
	rows, err := after.Findings(ctx)
	if err != nil || len(rows.Values) != 1 || fmt.Sprint(rows.Values[0][7]) != "[ct al]" {
		t.Fatalf("findings after: %v %v", rows, err)
	}

	// A state of an earlier version names the finding by its evidence ids.
	legacy := FindingID("lf_bypass_s3_read", "s3://lake/warehouse/sales/customers/p0", []string{"ct", "al"})
	old := filepath.Join(t.TempDir(), "old.json")
	os.WriteFile(old, []byte(`{"version":1,"sent":{"`+legacy+`":{"first_sent":"2026-07-01T11:00:00Z","rule":"lf_bypass_s3_read"}}}`), 0o644)
	res, err = after.Alert(ctx, AlertOptions{State: old, Stdout: &out})
	if err != nil || res.New != 0 || out.Len() != 0 {
		t.Fatalf("a finding an earlier version sent was sent again: %+v %v", res, err)
	}
	b, _ := os.ReadFile(old)
	var st AlertState
	if err := json.Unmarshal(b, &st); err != nil || len(st.Sent) != 2 {
		t.Fatalf("state after migrating: %v %s", err, b)
	}
}

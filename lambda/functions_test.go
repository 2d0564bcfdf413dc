// Tests of the Lambda functions' real bootstrap binaries, driven through a
// Lambda Runtime API on 127.0.0.1 (package lambdatest), against a real S3
// server on 127.0.0.1 (package s3test) and, for Athena, a local endpoint
// answering the Athena JSON API (package awstest).
package lambda_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/auditlake/auditlake/pipeline"
	"github.com/auditlake/auditlake/pipeline/lake"
	"github.com/auditlake/auditlake/pipeline/testsupport/awstest"
	"github.com/auditlake/auditlake/pipeline/testsupport/lambdatest"
	"github.com/auditlake/auditlake/pipeline/testsupport/s3test"
	"github.com/auditlake/auditlake/pipeline/warehouse"
)

const scenarioLogs = "../testdata/scenario/logs"

var (
	builds   sync.Map // function name → *build
	buildDir string
)

type build struct {
	once sync.Once
	path string
	err  error
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "auditlake-lambda-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buildDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// bootstrap builds lambda/<name> as the deployment does (infra/build.sh):
// a static "bootstrap" binary, without aws-lambda-go's RPC mode. The
// report function links DuckDB and needs cgo; the others must not.
func bootstrap(t testing.TB, name string) string {
	t.Helper()
	v, _ := builds.LoadOrStore(name, &build{})
	b := v.(*build)
	b.once.Do(func() {
		b.path = filepath.Join(buildDir, name, "bootstrap")
		cgo := "0"
		if name == "report" {
			cgo = "1"
		}
		cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", b.path, "./lambda/"+name)
		cmd.Dir = ".."
		cmd.Env = append(os.Environ(), "CGO_ENABLED="+cgo)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build ./lambda/%s: %v\n%s", name, err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// uploadTree puts every file under dir into bucket, keyed by its path
// relative to dir, and returns the keys.
func uploadTree(t testing.TB, client *s3.Client, bucket, dir string) []string {
	t.Helper()
	var keys []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		key := filepath.ToSlash(rel)
		keys = append(keys, key)
		return put(client, bucket, key, b)
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func put(client *s3.Client, bucket, key string, b []byte) error {
	_, err := client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(b)})
	return err
}

// s3Key encodes a key as S3 event notifications do: URL-encoded, form
// style, with '/' kept.
func s3Key(key string) string {
	return strings.ReplaceAll(url.QueryEscape(key), "%2F", "/")
}

// notification is an S3 event notification (eventVersion 2.1) for one
// created object, as S3 sends it to SQS.
func notification(bucket, key string) string {
	return fmt.Sprintf(`{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1","eventTime":"2026-07-01T15:00:00.000Z","eventName":"ObjectCreated:Put","userIdentity":{"principalId":"AWS:AROAEXAMPLE"},"requestParameters":{"sourceIPAddress":"10.0.0.1"},"responseElements":{"x-amz-request-id":"C3D13FE58DE4C810","x-amz-id-2":"FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"},"s3":{"s3SchemaVersion":"1.0","configurationId":"auditlake","bucket":{"name":%q,"ownerIdentity":{"principalId":"A3NL1KOZZKExample"},"arn":"arn:aws:s3:::%s"},"object":{"key":%q,"size":1024,"eTag":"d41d8cd98f00b204e9800998ecf8427e","sequencer":"0055AED6DCD90281E5"}}}]}`, bucket, bucket, s3Key(key))
}

// viaSNS wraps a notification in the SNS envelope SQS receives from a
// topic subscription without raw message delivery.
func viaSNS(msg string) string {
	b, _ := json.Marshal(map[string]any{"Type": "Notification", "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
		"TopicArn": "arn:aws:sns:us-east-1:111122223333:trail-objects", "Subject": "Amazon S3 Notification", "Message": msg,
		"Timestamp": "2026-07-01T15:00:01.000Z", "SignatureVersion": "1"})
	return string(b)
}

// viaEventBridge is the EventBridge "Object Created" event for an object.
func viaEventBridge(bucket, key string) string {
	b, _ := json.Marshal(map[string]any{"version": "0", "id": "17793124-05d4-b198-2fde-7ededc63b103", "detail-type": "Object Created",
		"source": "aws.s3", "account": "111122223333", "time": "2026-07-01T15:00:02Z", "region": "us-east-1",
		"resources": []string{"arn:aws:s3:::" + bucket},
		"detail": map[string]any{"version": "0", "bucket": map[string]string{"name": bucket},
			"object":     map[string]any{"key": key, "size": 1024, "etag": "b1946ac92492d2347c6235b4d2611184", "sequencer": "00617F08299329D189"},
			"request-id": "N4N7GDK58NMKJ12R", "requester": "111122223333", "reason": "PutObject"}})
	return string(b)
}

// batch is an SQS event with the given bodies, message ids m1, m2, ….
func batch(bodies ...string) []byte {
	ev := events.SQSEvent{}
	for i, b := range bodies {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: fmt.Sprintf("m%d", i+1), ReceiptHandle: "rh", Body: b,
			EventSource: "aws:sqs", EventSourceARN: "arn:aws:sqs:us-east-1:111122223333:auditlake-objects", AWSRegion: "us-east-1",
			Attributes: map[string]string{"ApproximateReceiveCount": "1"}})
	}
	out, _ := json.Marshal(ev)
	return out
}

// failures are the message ids of an SQS partial batch response.
func failures(t testing.TB, res lambdatest.Result) []string {
	t.Helper()
	if res.Error != nil {
		t.Fatalf("the function failed the invocation: %s: %s", res.Error.Type, res.Error.Message)
	}
	var r events.SQSEventResponse
	if err := json.Unmarshal(res.Payload, &r); err != nil {
		t.Fatalf("response %s: %v", res.Payload, err)
	}
	if r.BatchItemFailures == nil {
		t.Fatalf("response %s has no batchItemFailures list", res.Payload)
	}
	ids := []string{}
	for _, f := range r.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	return ids
}

// committed reads the committed rows of a table of the lake at loc.
func committed[R any](t *testing.T, loc, table string, opts ...warehouse.Option) []R {
	t.Helper()
	ctx := context.Background()
	w, err := warehouse.Open(ctx, loc, opts...)
	if err != nil {
		t.Fatal(err)
	}
	rows, _, err := warehouse.Rows[R](ctx, w, table)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// commitResponse is the commit function's answer.
type commitResponse struct {
	Action   string `json:"action"`
	Requests int    `json:"requests_committed"`
	Files    int    `json:"data_files_added"`
	Dropped  int    `json:"requests_dropped"`
	Maintain *struct {
		Days []dayResult `json:"days"`
	} `json:"maintain"`
	Compacted []dayResult `json:"compacted"`
}

type dayResult struct {
	Table, Day    string
	Before, After int
	Skipped       string
}

// compactedDay reports whether days show the scenario's day of events
// compacted from several files into one.
func compactedDay(days []dayResult) bool {
	for _, d := range days {
		if d.Table == lake.Events.Name && d.Day == "2026-07-01" && d.Before > 1 && d.After == 1 {
			return true
		}
	}
	return false
}

// invokeJSON invokes a function that must succeed and decodes its answer.
func invokeJSON[T any](t *testing.T, rt *lambdatest.Server, input string, timeout time.Duration) T {
	t.Helper()
	res := rt.Invoke(t, []byte(input), timeout)
	if res.Error != nil {
		t.Fatalf("the function failed: %s: %s", res.Error.Type, res.Error.Message)
	}
	var v T
	if err := json.Unmarshal(res.Payload, &v); err != nil {
		t.Fatalf("response %s: %v", res.Payload, err)
	}
	return v
}

func invokeCommit(t *testing.T, rt *lambdatest.Server, input string) commitResponse {
	t.Helper()
	return invokeJSON[commitResponse](t, rt, input, 2*time.Minute)
}

// pending counts the pending commit requests of the lake at the top of
// bucket, or below prefix ("run1/").
func pending(t testing.TB, client *s3.Client, bucket string, prefix ...string) int {
	t.Helper()
	p := strings.Join(prefix, "") + lake.CommitsDir + "/"
	out, err := client.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(p)})
	if err != nil {
		t.Fatal(err)
	}
	return len(out.Contents)
}

// batchCounts reads the counts of the last batch an ingest function
// process logged.
func batchCounts(t testing.TB, p *lambdatest.Process) (read, written, quarantined int64) {
	t.Helper()
	lines := strings.Split(p.Output(), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		var l struct {
			Msg         string `json:"msg"`
			Read        int64  `json:"records_read"`
			Written     int64  `json:"events_written"`
			Quarantined int64  `json:"quarantined"`
		}
		if json.Unmarshal([]byte(lines[i]), &l) == nil && l.Msg == "batch" {
			return l.Read, l.Written, l.Quarantined
		}
	}
	t.Fatalf("the function logged no batch summary:\n%s", p.Output())
	return
}

// checkEvents checks that the lake holds want events, each once.
func checkEvents(t *testing.T, loc string, want int, opts ...warehouse.Option) {
	t.Helper()
	rows := committed[lake.Event](t, loc, lake.Events.Name, opts...)
	seen := map[string]int{}
	for _, r := range rows {
		seen[r.EventID]++
	}
	for id, n := range seen {
		if n > 1 {
			t.Errorf("event %s stored %d times", id, n)
		}
	}
	if len(rows) != want {
		t.Errorf("lake %s holds %d events, want %d", loc, len(rows), want)
	}
}

// TestIngestFunction drives the ingest and commit functions' binaries:
// the rows of every notified object land once, whichever of the three
// delivery forms announced it; a message that is not a notification fails
// alone; a redelivered batch adds nothing, before and after the commit.
func TestIngestFunction(t *testing.T) {
	srv := s3test.Start(t)
	srv.Env(t)
	client := srv.Client(t)
	srv.CreateBucket(t, "trail-bucket")
	srv.CreateBucket(t, "lake-bucket")
	keys := uploadTree(t, client, "trail-bucket", filepath.Join(scenarioLogs, "trail-bucket"))
	bad, err := os.ReadFile("../testdata/bad/truncated.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	// A trail object cut short in transit, with a space in its key: its
	// readable records are written, the rest quarantined, and its message
	// succeeds (nothing a retry would change).
	badKey := "AWSLogs/111122223333/CloudTrail/us-east-1/2026/07/01/111122223333_CloudTrail_us-east-1_20260701T1505Z_cut short.json.gz"
	if err := put(client, "trail-bucket", badKey, bad); err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for i, k := range keys {
		switch i % 3 {
		case 0:
			bodies = append(bodies, notification("trail-bucket", k))
		case 1:
			bodies = append(bodies, viaSNS(notification("trail-bucket", k)))
		default:
			bodies = append(bodies, viaEventBridge("trail-bucket", k))
		}
	}
	bodies = append(bodies, notification("trail-bucket", badKey),
		`{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-07-01T14:59:00.000Z","Bucket":"trail-bucket","RequestId":"5582815E1AEA5ADF","HostId":"8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE"}`,
		"this is not a notification")
	garbage := fmt.Sprintf("m%d", len(bodies))
	lakeLoc := "s3://lake-bucket/"

	rt := lambdatest.Start(t)
	p := rt.Run(t, bootstrap(t, "ingest"), "AUDITLAKE_LAKE="+lakeLoc)
	start := time.Now()
	res := rt.Invoke(t, batch(bodies...), time.Minute)
	t.Logf("ingest: init %s, first batch of %d messages %s", p.FirstPoll, len(bodies), time.Since(start))
	if got := failures(t, res); len(got) != 1 || got[0] != garbage {
		t.Fatalf("batchItemFailures = %v, want only the message that is not a notification (%s)", got, garbage)
	}
	if n := pending(t, client, "lake-bucket"); n == 0 {
		t.Fatal("the ingest function wrote no commit request")
	}
	// Nothing is visible before the committer runs.
	if _, err := warehouse.Open(context.Background(), lakeLoc); err != nil {
		t.Fatal(err)
	}
	// SQS delivers the batch again (a timeout, a duplicate notification)
	// before the committer ran.
	if got := failures(t, rt.Invoke(t, batch(bodies...), time.Minute)); len(got) != 1 || got[0] != garbage {
		t.Fatalf("redelivery: batchItemFailures = %v, want [%s]", got, garbage)
	}

	ct := lambdatest.Start(t)
	// The scenario's day lies months back: compaction looks back a year;
	// a day of four files or more counts as crowded.
	ct.Run(t, bootstrap(t, "commit"), "AUDITLAKE_LAKE="+lakeLoc, "AUDITLAKE_COMPACT_DAYS=400", "AUDITLAKE_COMPACT_FILES=4")
	c := invokeCommit(t, ct, `{"action":"commit"}`)
	if c.Requests == 0 || c.Dropped == 0 || c.Files == 0 {
		t.Errorf("commit = %+v, want the first delivery's requests committed and the redelivery's dropped", c)
	}
	if !compactedDay(c.Compacted) {
		t.Errorf("commit compacted %+v, want the day of per-object files compacted into one", c.Compacted)
	}
	if n := pending(t, client, "lake-bucket"); n != 0 {
		t.Errorf("%d commit requests still pending", n)
	}
	const want = 49 + 15 // the scenario trail (TestIngestS3), and the cut object's 15 readable records
	checkEvents(t, lakeLoc, want)

	// After the commit, a redelivery finds every object in the ledger.
	if got := failures(t, rt.Invoke(t, batch(bodies...), time.Minute)); len(got) != 1 {
		t.Fatalf("redelivery after commit: batchItemFailures = %v", got)
	}
	if n := pending(t, client, "lake-bucket"); n != 0 {
		t.Errorf("a redelivery after the commit wrote %d commit requests", n)
	}
	if c := invokeCommit(t, ct, `{}`); c.Requests != 0 || c.Files != 0 {
		t.Errorf("second commit = %+v, want nothing to do", c)
	}
	checkEvents(t, lakeLoc, want)
	if read, written, _ := batchCounts(t, p); read != 0 || written != 0 {
		t.Errorf("the redelivery after the commit read %d records and wrote %d, want none", read, written)
	}

	// Maintenance finds the day compacted already.
	invokeCommit(t, ct, `{"action":"maintain"}`)
	checkEvents(t, lakeLoc, want)
}

// TestIngestFunctionsConcurrently runs two ingest function processes at
// once over overlapping batches (the same object notified to both, as a
// duplicate S3 notification does), then the committer: every event lands
// once and every object is in the ledger once. The committer keeps the
// tables in the Glue Data Catalog (a local Glue endpoint), as deployed.
func TestIngestFunctionsConcurrently(t *testing.T) {
	srv := s3test.Start(t)
	srv.Env(t)
	client := srv.Client(t)
	srv.CreateBucket(t, "trail-bucket")
	srv.CreateBucket(t, "lake-bucket")
	keys := uploadTree(t, client, "trail-bucket", filepath.Join(scenarioLogs, "trail-bucket"))
	var a, b []string
	for i, k := range keys {
		if i < 5 {
			a = append(a, notification("trail-bucket", k))
		}
		if i >= 2 {
			b = append(b, notification("trail-bucket", k))
		}
	}
	lakeLoc := "s3://lake-bucket/"
	rt := lambdatest.Start(t)
	bin := bootstrap(t, "ingest")
	rt.Run(t, bin, "AUDITLAKE_LAKE="+lakeLoc)
	rt.Run(t, bin, "AUDITLAKE_LAKE="+lakeLoc)
	var wg sync.WaitGroup
	results := make([]lambdatest.Result, 4)
	errs := make([]error, 4)
	for i, body := range [][]byte{batch(a...), batch(b...), batch(b...), batch(a...)} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = rt.InvokeContext(context.Background(), body, time.Minute)
		}()
	}
	wg.Wait()
	for i := range results {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if got := failures(t, results[i]); len(got) != 0 {
			t.Errorf("batch %d: batchItemFailures = %v, want none", i, got)
		}
	}
	// The committer as deployed: the tables in the Glue Data Catalog, and
	// one lost optimistic race on UpdateTable to retry.
	glue, gsrv, cfg := awstest.StartGlue(t, srv.AccessKey, srv.SecretKey)
	t.Setenv("AWS_ENDPOINT_URL_GLUE", gsrv.URL)
	inGlue := warehouse.WithGlue("auditlake", &cfg)
	ct := lambdatest.Start(t)
	ct.Run(t, bootstrap(t, "commit"), "AUDITLAKE_LAKE="+lakeLoc, "AUDITLAKE_GLUE_DATABASE=auditlake", "AUDITLAKE_COMPACT_DAYS=400")
	invokeCommit(t, ct, `{}`)
	if n := pending(t, client, "lake-bucket"); n != 0 {
		t.Errorf("%d commit requests still pending", n)
	}
	if loc := glue.MetadataLocation("auditlake", lake.Events.Name); !strings.HasPrefix(loc, "s3://lake-bucket/") {
		t.Errorf("Glue table auditlake.events has metadata_location %q, want the lake's", loc)
	}
	// The two processes each wrote the event that two trail objects carry
	// (CloudTrail delivers some events twice): the committer marks the day
	// for readers to deduplicate, and compaction removes the copy.
	rows := committed[lake.Event](t, lakeLoc, lake.Events.Name, inGlue)
	distinct := map[string]bool{}
	for _, r := range rows {
		distinct[r.EventID] = true
	}
	if len(distinct) != 49 {
		t.Errorf("%d distinct events committed, want 49", len(distinct))
	}
	if len(rows) > len(distinct) {
		w, err := warehouse.Open(context.Background(), lakeLoc, inGlue)
		if err != nil {
			t.Fatal(err)
		}
		tbl, err := w.Table(context.Background(), lake.Events.Name)
		if err != nil {
			t.Fatal(err)
		}
		if days := tbl.Properties()[lake.PropUncheckedDays]; !strings.Contains(days, "2026-07-01") {
			t.Errorf("%d duplicate rows committed, but the day is not marked for deduplication (%s = %q)", len(rows)-len(distinct), lake.PropUncheckedDays, days)
		}
	}
	glue.FailNextUpdates(1)
	// Maintenance: the day (2026-07-01, closed) is compacted.
	if m := invokeCommit(t, ct, `{"action":"maintain"}`); m.Maintain == nil || !compactedDay(m.Maintain.Days) {
		t.Errorf("maintain = %+v, want the day's files compacted into one", m.Maintain)
	}
	if _, conflicts := glue.Counts(); conflicts == 0 {
		t.Error("the injected UpdateTable conflict was not hit")
	}
	checkEvents(t, lakeLoc, 49, inGlue)
	out, err := client.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String("lake-bucket"), Prefix: aws.String(lake.ManifestDir + "/")})
	if err != nil {
		t.Fatal(err)
	}
	// Seven objects, less the Insight object (skipped, not ingested).
	if len(out.Contents) != len(keys)-1 {
		t.Errorf("the ledger holds %d objects, want %d", len(out.Contents), len(keys)-1)
	}
}

// TestAthenaFunction drives the athena function's binary with EventBridge
// "Athena Query State Change" events against a local Athena endpoint: a
// final state stores the execution once however often the event comes, a
// running state is skipped, and an event that is not a state change fails
// the invocation (Lambda retries it, then the dead-letter queue keeps it).
func TestAthenaFunction(t *testing.T) {
	srv := s3test.Start(t)
	srv.Env(t)
	client := srv.Client(t)
	srv.CreateBucket(t, "lake-bucket")
	// GetQueryExecution's wire form (AWS JSON 1.1: times as epoch seconds).
	submitted := time.Date(2026, 7, 2, 14, 0, 0, 0, time.UTC)
	exec := map[string]any{"QueryExecution": map[string]any{
		"QueryExecutionId": "5e3b1a9d-7c44-4e0f-a1b2-c3d4e5f60718",
		"Query":            "SELECT star_rating, count(*) AS n FROM amazon_reviews_db.amazon_reviews_parquet GROUP BY star_rating",
		"StatementType":    "DML", "WorkGroup": "studio-analysts",
		"QueryExecutionContext": map[string]any{"Database": "amazon_reviews_db", "Catalog": "awsdatacatalog"},
		"Status": map[string]any{"State": "CANCELLED", "StateChangeReason": "Query was cancelled by user",
			"SubmissionDateTime": awstest.Epoch(submitted), "CompletionDateTime": awstest.Epoch(submitted.Add(21 * time.Second))},
		"Statistics": map[string]any{"DataScannedInBytes": 734003200, "TotalExecutionTimeInMillis": 21250},
	}}
	api := awstest.NewServer(t, map[string]func([]byte) (int, any){
		"GetQueryExecution": func([]byte) (int, any) { return 200, exec },
	})
	t.Setenv("AWS_ENDPOINT_URL_ATHENA", api.URL)
	lakeLoc := "s3://lake-bucket/"
	rt := lambdatest.Start(t)
	rt.Run(t, bootstrap(t, "athena"), "AUDITLAKE_LAKE="+lakeLoc)
	event := `{"version":"0","id":"3b0c2f5e-8a51-4c3e-9d2a-1f0e9b8c7d6a","detail-type":"Athena Query State Change","source":"aws.athena","account":"123456789012","time":"2026-07-02T14:00:21Z","region":"us-east-2","resources":[],"detail":{"currentState":"CANCELLED","previousState":"RUNNING","queryExecutionId":"5e3b1a9d-7c44-4e0f-a1b2-c3d4e5f60718","sequenceNumber":"3","statementType":"DML","versionId":"0","workgroupName":"studio-analysts"}}`
	written := func(res lambdatest.Result) int64 {
		t.Helper()
		if res.Error != nil {
			t.Fatalf("athena function: %s: %s", res.Error.Type, res.Error.Message)
		}
		var sum struct {
			Written int64            `json:"events_written"`
			Skipped map[string]int64 `json:"records_skipped"`
		}
		if err := json.Unmarshal(res.Payload, &sum); err != nil {
			t.Fatalf("%s: %v", res.Payload, err)
		}
		return sum.Written
	}
	if n := written(rt.Invoke(t, []byte(event), time.Minute)); n != 1 {
		t.Errorf("final state: %d written, want 1", n)
	}
	written(rt.Invoke(t, []byte(event), time.Minute)) // EventBridge delivers at least once
	running := strings.Replace(event, `"currentState":"CANCELLED"`, `"currentState":"RUNNING"`, 1)
	if n := written(rt.Invoke(t, []byte(running), time.Minute)); n != 0 {
		t.Errorf("running state: %d written, want 0", n)
	}
	if res := rt.Invoke(t, []byte(`{"detail-type":"Scheduled Event","source":"aws.events","detail":{}}`), time.Minute); res.Error == nil {
		t.Errorf("an event that is not a state change succeeded: %s", res.Payload)
	}
	ct := lambdatest.Start(t)
	ct.Run(t, bootstrap(t, "commit"), "AUDITLAKE_LAKE="+lakeLoc)
	invokeCommit(t, ct, `{}`)
	if n := written(rt.Invoke(t, []byte(event), time.Minute)); n != 0 {
		t.Errorf("after the commit: %d written, want 0 (the query is in the lake)", n)
	}
	invokeCommit(t, ct, `{}`)
	if n := pending(t, client, "lake-bucket"); n != 0 {
		t.Errorf("%d commit requests pending", n)
	}
	rows := committed[lake.AthenaQuery](t, lakeLoc, lake.AthenaQueries.Name)
	if len(rows) != 1 || rows[0].QueryID != "5e3b1a9d-7c44-4e0f-a1b2-c3d4e5f60718" || rows[0].State != "CANCELLED" {
		t.Errorf("athena_queries = %+v, want the one cancelled query", rows)
	}
}

// TestReportFunction drives the report function's binary (it links
// DuckDB) over a lake on S3: the first run builds the derived tables,
// sends every finding to the webhook, saves the alert state on S3 and
// writes the day's compliance report as HTML and JSON; the second run
// sends nothing and rewrites nothing.
func TestReportFunction(t *testing.T) {
	srv := s3test.Start(t)
	srv.Env(t)
	client := srv.Client(t)
	srv.CreateBucket(t, "lake-bucket")
	srv.CreateBucket(t, "config-bucket")
	ctx := context.Background()
	lakeLoc := "s3://lake-bucket/audit"
	w, err := warehouse.Open(ctx, lakeLoc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pipeline.Ingest(ctx, pipeline.Options{Inputs: []string{scenarioLogs}, Lake: lakeLoc, Committer: w}); err != nil {
		t.Fatal(err)
	}
	uploadTree(t, client, "config-bucket", "../testdata/scenario/catalog")
	policyYAML, err := os.ReadFile("../testdata/scenario/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for key, b := range map[string][]byte{"policy.yaml": policyYAML} {
		if err := put(client, "config-bucket", key, b); err != nil {
			t.Fatal(err)
		}
	}
	grants, err := os.ReadFile("../testdata/scenario/grants/lakeformation-list-permissions.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := put(client, "config-bucket", "grants/list-permissions.json", grants); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var posts []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		posts = append(posts, string(b))
		mu.Unlock()
	}))
	defer hook.Close()

	rt := lambdatest.Start(t)
	rt.Run(t, bootstrap(t, "report"), "AUDITLAKE_LAKE="+lakeLoc,
		"AUDITLAKE_POLICY=s3://config-bucket/policy.yaml",
		"AUDITLAKE_CATALOG=s3://config-bucket/glue-get-tables-",
		"AUDITLAKE_GRANTS=s3://config-bucket/grants/",
		"AUDITLAKE_WEBHOOK="+hook.URL,
		"AUDITLAKE_CACHE="+t.TempDir())
	type result struct {
		Build    string   `json:"build"`
		Findings int      `json:"findings"`
		New      int      `json:"new_findings"`
		Reports  []string `json:"reports"`
	}
	invoke := func() result {
		t.Helper()
		return invokeJSON[result](t, rt, `{"compliance_day":"2026-07-01"}`, 5*time.Minute)
	}
	first := invoke()
	if first.Build == "" || first.Findings == 0 || first.New != first.Findings {
		t.Errorf("first run = %+v, want a build and every finding new", first)
	}
	mu.Lock()
	sent := len(posts)
	mu.Unlock()
	if sent == 0 {
		t.Error("the webhook got nothing")
	}
	if len(first.Reports) != 2 {
		t.Errorf("reports = %v, want the day's HTML and JSON", first.Reports)
	}
	read := func(key string) []byte {
		out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("lake-bucket"), Key: aws.String(key)})
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		defer out.Body.Close()
		b, _ := io.ReadAll(out.Body)
		return b
	}
	var doc map[string]any
	if err := json.Unmarshal(read("audit/_reports/compliance/2026-07-01.json"), &doc); err != nil || len(doc) == 0 {
		t.Errorf("compliance JSON: %v", err)
	}
	if html := read("audit/_reports/compliance/2026-07-01.html"); !bytes.Contains(bytes.ToLower(html), []byte("<html")) {
		t.Errorf("compliance HTML is not HTML: %.200s", html)
	}
	var state struct {
		Sent map[string]any `json:"sent"`
	}
	if err := json.Unmarshal(read("audit/_alerts/state.json"), &state); err != nil || len(state.Sent) != first.Findings {
		t.Errorf("alert state: %d sent, %v; want %d", len(state.Sent), err, first.Findings)
	}

	second := invoke()
	mu.Lock()
	after := len(posts)
	mu.Unlock()
	if second.New != 0 || after != sent || len(second.Reports) != 0 || second.Findings != first.Findings {
		t.Errorf("second run = %+v with %d more webhook posts; want nothing new sent or written", second, after-sent)
	}
}

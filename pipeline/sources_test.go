package pipeline

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	athenaapi "github.com/aws/aws-sdk-go-v2/service/athena"
	ctapi "github.com/aws/aws-sdk-go-v2/service/cloudtrail"

	"github.com/auditlake/auditlake/pipeline/lake"
	"github.com/auditlake/auditlake/pipeline/testsupport/awstest"
)

// scenarioRecords reads the records of one trail file of the scenario.
func scenarioRecords(t *testing.T, name string) []json.RawMessage {
	t.Helper()
	path := filepath.Join(scenario, "trail-bucket/AWSLogs/111122223333/CloudTrail/us-east-1/2026/07/01", name)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if b, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	var env struct{ Records []json.RawMessage }
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatal(err)
	}
	return env.Records
}

func lookupEvent(t *testing.T, raw json.RawMessage) map[string]any {
	var r struct {
		EventID, EventName, EventSource, EventTime string
	}
	json.Unmarshal(raw, &r)
	ts, _ := time.Parse(time.RFC3339, r.EventTime)
	return map[string]any{"EventId": r.EventID, "EventName": r.EventName, "EventSource": r.EventSource,
		"EventTime": awstest.Epoch(ts), "ReadOnly": "false", "CloudTrailEvent": string(raw)}
}

// TestIngestLookup backfills management events through LookupEvents: pages
// are followed, events the trail files already put in the lake are not
// written again, and the learned Studio profiles are used.
func TestIngestLookup(t *testing.T) {
	setup := scenarioRecords(t, "111122223333_CloudTrail_us-east-1_20260701T0805Z_403cbadc92acb274.json")
	athenaRecs := scenarioRecords(t, "111122223333_CloudTrail_us-east-1_20260701T0915Z_0cde5ba82f4ad472.json.gz")
	pages := [][]map[string]any{
		{lookupEvent(t, setup[0]), lookupEvent(t, setup[1])},
		{lookupEvent(t, athenaRecs[0]), lookupEvent(t, athenaRecs[1])}, // StartQueryExecution, GetDataAccess
		{{"EventId": "broken", "CloudTrailEvent": `{"eventName":"X"`}},
	}
	page := 0
	srv := awstest.NewServer(t, map[string]func([]byte) (int, any){
		"LookupEvents": func(body []byte) (int, any) {
			resp := map[string]any{"Events": pages[page]}
			page++
			if page < len(pages) {
				resp["NextToken"] = "t" + string(rune('0'+page))
			}
			return 200, resp
		},
	})
	lakeDir := t.TempDir()
	// The trail files hold the first page's events already.
	ingest(t, Options{Inputs: []string{filepath.Join(scenario, "trail-bucket/AWSLogs/111122223333/CloudTrail/us-east-1/2026/07/01/111122223333_CloudTrail_us-east-1_20260701T0805Z_403cbadc92acb274.json")}, Lake: lakeDir})

	since := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	sum, err := IngestLookup(context.Background(), LookupOptions{
		Options: committing(t, Options{Lake: lakeDir, Since: since, Until: since.Add(24 * time.Hour)}),
		Region:  "us-east-1", API: ctapi.NewFromConfig(srv.Config(t)), MaxRate: 50,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Reconciles() || sum.Read != 5 || sum.Written != 2 || sum.Skipped[SkipDuplicate] != 2 || sum.Quarantined != 1 {
		t.Errorf("lookup summary = %+v; want 5 read = 2 written + 2 duplicates + 1 quarantined", sum)
	}
	if srv.Calls("LookupEvents") != 3 {
		t.Errorf("%d LookupEvents calls, want 3 pages", srv.Calls("LookupEvents"))
	}
	all, _ := committedRows[lake.Event](t, lakeDir, lake.Events.Name)
	var rows []lake.Event
	for _, e := range all {
		if e.StudioProfile == "data-scientist-full" {
			rows = append(rows, e)
		}
	}
	if len(rows) != 2 || rows[0].QueryID != "6f0c2d1e-3a4b-4c5d-8e9f-0a1b2c3d4e01" || rows[0].SourceObject != "cloudtrail-lookup://us-east-1/2026-07-01T00:00:00Z/2026-07-02T00:00:00Z" {
		t.Errorf("lookup rows = %+v", rows)
	}
}

func queryExecution(id, state string, submitted time.Time) map[string]any {
	return map[string]any{
		"QueryExecutionId": id, "Query": "SELECT star_rating FROM amazon_reviews_parquet", "StatementType": "DML",
		"QueryExecutionContext": map[string]any{"Database": "amazon_reviews_db", "Catalog": "awsdatacatalog"},
		"Status": map[string]any{"State": state, "SubmissionDateTime": awstest.Epoch(submitted),
			"CompletionDateTime": awstest.Epoch(submitted.Add(3 * time.Second))},
		"Statistics": map[string]any{"DataScannedInBytes": 1024, "TotalExecutionTimeInMillis": 3000},
		"WorkGroup":  "primary",
	}
}

func athenaServer(t *testing.T, execs map[string]map[string]any, ids []string) *awstest.Server {
	return awstest.NewServer(t, map[string]func([]byte) (int, any){
		"ListWorkGroups": func([]byte) (int, any) {
			return 200, map[string]any{"WorkGroups": []any{map[string]any{"Name": "primary", "State": "ENABLED"}}}
		},
		"ListQueryExecutions": func([]byte) (int, any) { return 200, map[string]any{"QueryExecutionIds": ids} },
		"BatchGetQueryExecution": func(body []byte) (int, any) {
			var in struct{ QueryExecutionIds []string }
			json.Unmarshal(body, &in)
			var out []any
			for _, id := range in.QueryExecutionIds {
				out = append(out, execs[id])
			}
			return 200, map[string]any{"QueryExecutions": out, "UnprocessedQueryExecutionIds": []any{}}
		},
		"GetQueryExecution": func(body []byte) (int, any) {
			var in struct{ QueryExecutionId string }
			json.Unmarshal(body, &in)
			return 200, map[string]any{"QueryExecution": execs[in.QueryExecutionId]}
		},
	})
}

func TestIngestAthenaHistoryAndEvents(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	execs := map[string]map[string]any{
		"11111111-1111-4111-8111-111111111111": queryExecution("11111111-1111-4111-8111-111111111111", "SUCCEEDED", now.Add(-2*time.Hour)),
		"22222222-2222-4222-8222-222222222222": queryExecution("22222222-2222-4222-8222-222222222222", "RUNNING", now.Add(-time.Minute)),
		"33333333-3333-4333-8333-333333333333": queryExecution("33333333-3333-4333-8333-333333333333", "FAILED", now.Add(-3*time.Hour)),
	}
	srv := athenaServer(t, execs, []string{"22222222-2222-4222-8222-222222222222", "11111111-1111-4111-8111-111111111111", "33333333-3333-4333-8333-333333333333"})
	api := athenaapi.NewFromConfig(srv.Config(t))
	lakeDir := t.TempDir()
	opt := AthenaOptions{Options: committing(t, Options{Lake: lakeDir, Since: now.Add(-24 * time.Hour)}), Region: "us-east-1", API: api}
	sum, err := IngestAthena(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Reconciles() || sum.Written != 2 || sum.Skipped[SkipQueryNotFinal] != 1 {
		t.Errorf("history summary = %+v; want 2 final queries written, 1 running skipped", sum)
	}
	// A row's offset is its place among the fetch's results (the running
	// query, listed first, is result 0).
	offsets := map[string]int64{}
	fetched, _ := committedRows[lake.AthenaQuery](t, lakeDir, lake.AthenaQueries.Name)
	for _, q := range fetched {
		offsets[q.QueryID] = q.SourceOffset
	}
	if want := map[string]int64{"11111111-1111-4111-8111-111111111111": 1, "33333333-3333-4333-8333-333333333333": 2}; !reflect.DeepEqual(offsets, want) {
		t.Errorf("source offsets %v, want %v", offsets, want)
	}
	// The same window again rewrites the same file; a later window (as
	// "--since 24h" gives on the next run) skips what the lake holds.
	before := snapshot(t, lakeDir)
	if _, err := IngestAthena(context.Background(), opt); err != nil {
		t.Fatal(err)
	}
	if after := snapshot(t, lakeDir); len(after) != len(before) {
		t.Errorf("same-window fetch changed the file count: %d → %d", len(before), len(after))
	}
	later := opt
	later.Since = opt.Since.Add(time.Minute)
	again, err := IngestAthena(context.Background(), later)
	if err != nil || again.Written != 0 || again.Skipped[SkipDuplicate] != 2 {
		t.Errorf("later fetch = %+v, %v; want both queries skipped as duplicates", again, err)
	}
	// The running query finishes: EventBridge says so.
	execs["22222222-2222-4222-8222-222222222222"]["Status"].(map[string]any)["State"] = "SUCCEEDED"
	event := []byte(`{"version":"0","detail-type":"Athena Query State Change","source":"aws.athena","detail":{"currentState":"SUCCEEDED","previousState":"RUNNING","queryExecutionId":"22222222-2222-4222-8222-222222222222","sequenceNumber":"3","statementType":"DML","versionId":"0","workgroupName":"primary"}}`)
	ev, err := IngestAthenaEvent(context.Background(), committing(t, Options{Lake: lakeDir}), api, event)
	if err != nil || ev.Written != 1 {
		t.Errorf("state change = %+v, %v; want the query written", ev, err)
	}
	running := bytes.Replace(event, []byte(`"currentState":"SUCCEEDED"`), []byte(`"currentState":"RUNNING"`), 1)
	if ev, err := IngestAthenaEvent(context.Background(), committing(t, Options{Lake: lakeDir}), api, running); err != nil || ev.Written != 0 || ev.Skipped[SkipQueryNotFinal] != 1 {
		t.Errorf("RUNNING state change = %+v, %v; want it skipped", ev, err)
	}
	qs, _ := committedRows[lake.AthenaQuery](t, lakeDir, lake.AthenaQueries.Name)
	if n := len(qs); n != 3 {
		t.Errorf("athena_queries holds %d rows, want 3", len(qs))
	}
}

// TestImplausibleQueryTimeQuarantined: an Athena execution submitted in
// 9999 is quarantined with its reason, like a CloudTrail event would be,
// so that it cannot stretch the reports' time series; the others are written.
func TestImplausibleQueryTimeQuarantined(t *testing.T) {
	b, err := os.ReadFile("../testdata/scenario/logs/athena/batch-get-query-execution-primary-2026-07-01.json")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	f := filepath.Join(dir, "executions.json")
	os.WriteFile(f, bytes.Replace(b, []byte(`"SubmissionDateTime": "2026-07-01T09:12:41.088000+00:00"`), []byte(`"SubmissionDateTime": "9999-12-31T00:00:00+00:00"`), 1), 0o644)
	sum := ingest(t, Options{Inputs: []string{f}, Lake: t.TempDir()})
	if sum.Written != 4 || sum.Quarantined != 1 || !sum.Reconciles() {
		t.Errorf("summary %+v: want 4 written and the query dated 9999 quarantined", sum)
	}
}

package athena_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"

	"github.com/auditlake/auditlake/pipeline/athena"
	"github.com/auditlake/auditlake/pipeline/lake"
	"github.com/auditlake/auditlake/pipeline/source"
	"github.com/auditlake/auditlake/pipeline/testsupport/awstest"
)

func ptr[T any](v T) *T { return &v }

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// offsetOf is the offset of the object whose QueryExecutionId is id in a
// CLI output file: the '{' before its first member.
func offsetOf(t *testing.T, data []byte, id string) int64 {
	t.Helper()
	i := bytes.Index(data, []byte(`"QueryExecutionId": "`+id+`"`))
	if i < 0 {
		t.Fatalf("id %s not in file", id)
	}
	return int64(bytes.LastIndexByte(data[:i], '{'))
}

type readResult struct {
	rows    []lake.AthenaQuery
	offsets []int64
	skipped int
	bad     []*source.ParseError
}

// readFile reads testdata/name through NewFileSource, to its end.
func readFile(t *testing.T, name string) ([]byte, readResult) {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var res readResult
	rd := athena.NewFileSource(bytes.NewReader(data), "s3://audit/athena/"+name)
	defer rd.Close()
	for {
		var q lake.AthenaQuery
		err := rd.Read(&q)
		var pe *source.ParseError
		var sk *source.Skip
		switch {
		case err == io.EOF:
			return data, res
		case errors.As(err, &pe):
			if pe.Object != "s3://audit/athena/"+name {
				t.Errorf("parse error of object %q", pe.Object)
			}
			res.bad = append(res.bad, pe)
		case errors.As(err, &sk):
			if sk.Reason != source.SkipQueryNotFinal {
				t.Errorf("skipped for %q", sk.Reason)
			}
			res.skipped++
		case err != nil:
			t.Fatalf("Read: %v", err)
		default:
			res.rows = append(res.rows, q)
			res.offsets = append(res.offsets, q.SourceOffset)
		}
	}
}

func TestAthenaReadFileBatchGet(t *testing.T) {
	data, res := readFile(t, "batch-get-query-execution.json")
	if res.skipped != 1 {
		t.Errorf("skipped %d, want 1 (the RUNNING query)", res.skipped)
	}
	if len(res.rows) != 2 {
		t.Fatalf("got %d rows, want 2", len(res.rows))
	}
	src := "s3://audit/athena/batch-get-query-execution.json"
	off0 := offsetOf(t, data, "26c360eb-5b2e-4fd5-8fb9-366001fb0a9a")
	if off0 != 35 {
		t.Errorf("first execution at %d, want 35", off0)
	}
	want0 := lake.AthenaQuery{
		QueryID:          "26c360eb-5b2e-4fd5-8fb9-366001fb0a9a",
		QueryText:        "SELECT * FROM amazon_reviews_db.amazon_reviews_parquet LIMIT 10",
		DatabaseName:     "amazon_reviews_db",
		Catalog:          "awsdatacatalog",
		Workgroup:        "primary",
		State:            "SUCCEEDED",
		StatementType:    "DML",
		SubstatementType: "SELECT",
		SubmittedAt:      ts("2026-07-01T09:10:03.512Z"),
		CompletedAt:      ptr(ts("2026-07-01T09:10:05.201Z")),
		DataScannedBytes: ptr[int64](52428800),
		TotalExecutionMs: ptr[int64](1689),
		EngineVersion:    "Athena engine version 3",
		OutputLocation:   "s3://sagemaker-audit-control-query-results-us-east-2-123456789012/queries/26c360eb-5b2e-4fd5-8fb9-366001fb0a9a.csv",
		FetchedVia:       "file",
		SourceObject:     src,
		SourceOffset:     off0,
	}
	got0 := res.rows[0]
	if !strings.HasPrefix(got0.Raw, "{\n            \"QueryExecutionId\": \"26c360eb-") ||
		!strings.HasSuffix(got0.Raw, "\"SubstatementType\": \"SELECT\"\n        }") ||
		string(data[off0:off0+int64(len(got0.Raw))]) != got0.Raw {
		t.Errorf("Raw is not the record's text: %q", got0.Raw)
	}
	got0.Raw = ""
	if !reflect.DeepEqual(got0, want0) {
		t.Errorf("row 0:\n got %+v\nwant %+v", got0, want0)
	}

	msg := "TABLE_NOT_FOUND: line 1:38: Table 'awsdatacatalog.amazon_reviews_db.amazon_reviews_parquet_v2' does not exist"
	want1 := lake.AthenaQuery{
		QueryID:           "8f1f0c3e-2b7a-4d55-9d4e-1a6b2f3c4d5e",
		QueryText:         "SELECT customer_id, star_rating FROM amazon_reviews_db.amazon_reviews_parquet_v2 WHERE marketplace = 'US'",
		DatabaseName:      "amazon_reviews_db",
		Catalog:           "awsdatacatalog",
		Workgroup:         "primary",
		State:             "FAILED",
		StateChangeReason: msg,
		StatementType:     "DML",
		SubstatementType:  "SELECT",
		SubmittedAt:       ts("2026-07-01T09:12:44.02Z"),
		CompletedAt:       ptr(ts("2026-07-01T09:12:44.613Z")),
		DataScannedBytes:  ptr[int64](0),
		TotalExecutionMs:  ptr[int64](593),
		EngineVersion:     "Athena engine version 3",
		OutputLocation:    "s3://sagemaker-audit-control-query-results-us-east-2-123456789012/queries/8f1f0c3e-2b7a-4d55-9d4e-1a6b2f3c4d5e.csv",
		ErrorMessage:      msg,
		ErrorCategory:     ptr[int64](2),
		ErrorType:         ptr[int64](1301),
		FetchedVia:        "file",
		SourceObject:      src,
		SourceOffset:      offsetOf(t, data, "8f1f0c3e-2b7a-4d55-9d4e-1a6b2f3c4d5e"),
	}
	got1 := res.rows[1]
	got1.Raw = ""
	if !reflect.DeepEqual(got1, want1) {
		t.Errorf("row 1:\n got %+v\nwant %+v", got1, want1)
	}

	if len(res.bad) != 1 {
		t.Fatalf("record errors %v, want 1 (the unprocessed id)", res.bad)
	}
	u := res.bad[0]
	wantOff := int64(bytes.LastIndexByte(data[:bytes.Index(data, []byte(`"QueryExecutionId": "0bd1b3f2-`))], '{'))
	if u.Offset != wantOff || u.Final ||
		u.Reason != `unprocessed query execution id "0bd1b3f2-0000-4000-8000-00000000dead": INVALID_INPUT: QueryExecution 0bd1b3f2-0000-4000-8000-00000000dead was not found` ||
		!bytes.HasPrefix(u.Record, []byte("{\n            \"QueryExecutionId\": \"0bd1b3f2-")) {
		t.Errorf("unprocessed id: %+v (want offset %d)", u, wantOff)
	}
}

func TestAthenaReadFileCancelledTimestamps(t *testing.T) {
	_, res := readFile(t, "get-query-execution-cancelled.json")
	if len(res.bad) != 0 || res.skipped != 0 || len(res.rows) != 1 {
		t.Fatalf("bad %v, skipped %d, rows %d", res.bad, res.skipped, len(res.rows))
	}
	q := res.rows[0]
	if q.QueryID != "5e3b1a9d-7c44-4e0f-a1b2-c3d4e5f60718" || q.State != "CANCELLED" ||
		q.StateChangeReason != "Query was cancelled by user" || q.SubstatementType != "CREATE_TABLE_AS_SELECT" ||
		q.Workgroup != "studio-analysts" || q.SourceOffset != 24 || q.ErrorMessage != "" || q.ErrorCategory != nil {
		t.Errorf("row: %+v", q)
	}
	// "Z" form and epoch seconds (--cli-timestamp-format wire).
	if !q.SubmittedAt.Equal(ts("2026-07-02T14:00:00Z")) || q.SubmittedAt.Location() != time.UTC {
		t.Errorf("SubmittedAt %v", q.SubmittedAt)
	}
	if q.CompletedAt == nil || !q.CompletedAt.Equal(ts("2026-07-02T14:00:21.25Z")) {
		t.Errorf("CompletedAt %v", q.CompletedAt)
	}
	if *q.DataScannedBytes != 734003200 || *q.TotalExecutionMs != 21250 {
		t.Errorf("statistics %d %d", *q.DataScannedBytes, *q.TotalExecutionMs)
	}
}

func TestAthenaReadFileBadRecords(t *testing.T) {
	data, res := readFile(t, "bad-records.json")
	if len(res.rows) != 1 || res.rows[0].QueryID != "aaaaaaaa-0000-4000-8000-000000000001" {
		t.Fatalf("rows %+v", res.rows)
	}
	if got := res.rows[0]; !got.SubmittedAt.Equal(ts("2026-07-03T08:00:00Z")) || !got.CompletedAt.Equal(ts("2026-07-03T08:00:00.95Z")) {
		t.Errorf("times %v %v", got.SubmittedAt, got.CompletedAt)
	}
	if res.skipped != 1 {
		t.Errorf("skipped %d, want 1 (QUEUED)", res.skipped)
	}
	at := func(s string) int64 { return int64(bytes.Index(data, []byte(s))) }
	type bad struct {
		off        int64
		reason     string
		unreadable bool
	}
	want := []bad{
		{at("42"), "query execution is not a JSON object", false},
		{at(`{"Query": "SELECT 2"`), "not an Athena query execution: no QueryExecutionId", false},
		{at(`{"QueryExecutionId": "aaaaaaaa-0000-4000-8000-000000000003"`), "", false},
		{at(`{"QueryExecutionId": "aaaaaaaa-0000-4000-8000-000000000004"`), "query execution aaaaaaaa-0000-4000-8000-000000000004 has no Status.SubmissionDateTime", false},
		{at(`{"QueryExecutionId": "aaaaaaaa-0000-4000-8000-000000000005"`), "query execution aaaaaaaa-0000-4000-8000-000000000005 has an unknown state DONE", false},
		{at(`{"QueryExecutionId": "aaaaaaaa-0000-4000-8000-000000000007"`), "", true},
	}
	if len(res.bad) != len(want) {
		t.Fatalf("record errors:\n%v\nwant %d", res.bad, len(want))
	}
	for i, w := range want {
		g := res.bad[i]
		if g.Offset != w.off || g.Final != w.unreadable || (w.reason != "" && g.Reason != w.reason) {
			t.Errorf("record error %d: %+v, want %+v", i, g, w)
		}
		if !w.unreadable && !bytes.Equal(g.Record, data[g.Offset:g.Offset+int64(len(g.Record))]) {
			t.Errorf("record error %d: Record %q is not the file's text", i, g.Record)
		}
	}
	if r := res.bad[2].Reason; !strings.HasPrefix(r, "not a valid query execution: ") || !strings.Contains(r, `unreadable timestamp "yesterday"`) {
		t.Errorf("bad timestamp reason %q", r)
	}
	if r := res.bad[5].Reason; !strings.HasPrefix(r, "unreadable from here to the end of the file: ") {
		t.Errorf("truncated JSON reason %q", r)
	}
	// Every record is accounted for: 8 records in the file.
	if n := len(res.rows) + res.skipped + len(res.bad); n != 8 {
		t.Errorf("accounted %d records, want 8", n)
	}
}

// A reader stopped early ends its read of the file.
func TestAthenaFileSourceStops(t *testing.T) {
	data, _ := os.ReadFile("testdata/batch-get-query-execution.json")
	rd := athena.NewFileSource(bytes.NewReader(data), "x")
	var q lake.AthenaQuery
	if err := rd.Read(&q); err != nil || q.QueryID == "" {
		t.Fatalf("first Read: %v, %+v", err, q)
	}
	rd.Close()
}

func TestAthenaDetect(t *testing.T) {
	for _, name := range []string{"batch-get-query-execution.json", "get-query-execution-cancelled.json", "bad-records.json"} {
		data, _ := os.ReadFile("testdata/" + name)
		if !athena.Detect(data[:200]) {
			t.Errorf("Detect(%s) = false", name)
		}
	}
	for _, head := range []string{
		`{"Records":[{"eventVersion":"1.08"`,
		`{"eventVersion":"1.05","eventSource":"athena.amazonaws.com"`,
		`{"Events":[{"EventId":"e1","CloudTrailEvent":"{}"}]}`,
		`2026-07-01T00:00:00Z bucket`,
		``,
	} {
		if athena.Detect([]byte(head)) {
			t.Errorf("Detect(%q) = true", head)
		}
	}
	if !athena.Detect([]byte("\xef\xbb\xbf [ {\"QueryExecutionId\":\"x\"")) {
		t.Error("Detect of an array of executions with a BOM = false")
	}
}

func fullExecution() types.QueryExecution {
	return types.QueryExecution{
		QueryExecutionId:      aws.String("b621c254-74e0-48e3-9630-78ed857782f9"),
		Query:                 aws.String("SELECT star_rating FROM amazon_reviews_db.amazon_reviews_parquet"),
		StatementType:         types.StatementTypeDml,
		SubstatementType:      aws.String("SELECT"),
		WorkGroup:             aws.String("primary"),
		QueryExecutionContext: &types.QueryExecutionContext{Catalog: aws.String("AwsDataCatalog"), Database: aws.String("amazon_reviews_db")},
		ResultConfiguration:   &types.ResultConfiguration{OutputLocation: aws.String("s3://amzn-s3-demo-bucket/test/")},
		EngineVersion:         &types.EngineVersion{SelectedEngineVersion: aws.String("AUTO"), EffectiveEngineVersion: aws.String("Athena engine version 3")},
		Status: &types.QueryExecutionStatus{
			State:              types.QueryExecutionStateFailed,
			StateChangeReason:  aws.String("COLUMN_NOT_FOUND: line 1:8: Column 'star_ratin' cannot be resolved"),
			SubmissionDateTime: ptr(time.Date(2026, 7, 1, 11, 0, 0, 0, time.FixedZone("CEST", 2*3600))),
			CompletionDateTime: ptr(ts("2026-07-01T09:00:01.5Z")),
			AthenaError: &types.AthenaError{ErrorCategory: aws.Int32(2), ErrorType: aws.Int32(1006),
				ErrorMessage: aws.String("COLUMN_NOT_FOUND: line 1:8: Column 'star_ratin' cannot be resolved")},
		},
		Statistics: &types.QueryExecutionStatistics{DataScannedInBytes: aws.Int64(0), TotalExecutionTimeInMillis: aws.Int64(1500)},
	}
}

func TestAthenaFromAPI(t *testing.T) {
	q := fullExecution()
	row, ok := athena.FromAPI(q, "api", "athena:workgroup/primary")
	if !ok {
		t.Fatal("FromAPI: not ok")
	}
	msg := "COLUMN_NOT_FOUND: line 1:8: Column 'star_ratin' cannot be resolved"
	want := lake.AthenaQuery{
		QueryID: "b621c254-74e0-48e3-9630-78ed857782f9", QueryText: "SELECT star_rating FROM amazon_reviews_db.amazon_reviews_parquet",
		DatabaseName: "amazon_reviews_db", Catalog: "AwsDataCatalog", Workgroup: "primary",
		State: "FAILED", StateChangeReason: msg, StatementType: "DML", SubstatementType: "SELECT",
		SubmittedAt: ts("2026-07-01T09:00:00Z"), CompletedAt: ptr(ts("2026-07-01T09:00:01.5Z")),
		DataScannedBytes: ptr[int64](0), TotalExecutionMs: ptr[int64](1500),
		EngineVersion: "Athena engine version 3", OutputLocation: "s3://amzn-s3-demo-bucket/test/",
		ErrorMessage: msg, ErrorCategory: ptr[int64](2), ErrorType: ptr[int64](1006),
		FetchedVia: "api", SourceObject: "athena:workgroup/primary",
	}
	wantRaw := `{"EngineVersion":{"EffectiveEngineVersion":"Athena engine version 3","SelectedEngineVersion":"AUTO"},` +
		`"Query":"SELECT star_rating FROM amazon_reviews_db.amazon_reviews_parquet",` +
		`"QueryExecutionContext":{"Catalog":"AwsDataCatalog","Database":"amazon_reviews_db"},` +
		`"QueryExecutionId":"b621c254-74e0-48e3-9630-78ed857782f9",` +
		`"ResultConfiguration":{"OutputLocation":"s3://amzn-s3-demo-bucket/test/"},"StatementType":"DML",` +
		`"Statistics":{"DataScannedInBytes":0,"TotalExecutionTimeInMillis":1500},` +
		`"Status":{"AthenaError":{"ErrorCategory":2,"ErrorMessage":"` + msg + `","ErrorType":1006},` +
		`"CompletionDateTime":"2026-07-01T09:00:01.5Z","State":"FAILED","StateChangeReason":"` + msg + `",` +
		`"SubmissionDateTime":"2026-07-01T11:00:00+02:00"},"SubstatementType":"SELECT","WorkGroup":"primary"}`
	if row.Raw != wantRaw {
		t.Errorf("Raw\n got %s\nwant %s", row.Raw, wantRaw)
	}
	row.Raw = ""
	if !reflect.DeepEqual(row, want) {
		t.Errorf("\n got %+v\nwant %+v", row, want)
	}
	if row.SubmittedAt.Location() != time.UTC || row.CompletedAt.Location() != time.UTC {
		t.Error("times are not UTC")
	}

	for _, state := range []types.QueryExecutionState{types.QueryExecutionStateRunning, types.QueryExecutionStateQueued} {
		q := fullExecution()
		q.Status.State = state
		if _, ok := athena.FromAPI(q, "api", ""); ok {
			t.Errorf("FromAPI ok for %s", state)
		}
	}
	q = fullExecution()
	q.Status.SubmissionDateTime = nil
	if _, ok := athena.FromAPI(q, "api", ""); ok {
		t.Error("FromAPI ok without SubmissionDateTime")
	}
}

// --- the Athena API on awstest ---

var fetchNow = ts("2026-07-10T12:00:00Z")

// wireExec is a QueryExecution in the JSON 1.1 wire form.
func wireExec(id, wg, state string, submitted time.Time) map[string]any {
	status := map[string]any{"State": state, "SubmissionDateTime": awstest.Epoch(submitted)}
	if state != "RUNNING" && state != "QUEUED" {
		status["CompletionDateTime"] = awstest.Epoch(submitted.Add(1500 * time.Millisecond))
	}
	return map[string]any{
		"QueryExecutionId":      id,
		"Query":                 "SELECT * FROM amazon_reviews_db.amazon_reviews_parquet WHERE review_id = '" + id + "'",
		"StatementType":         "DML",
		"SubstatementType":      "SELECT",
		"WorkGroup":             wg,
		"QueryExecutionContext": map[string]any{"Catalog": "awsdatacatalog", "Database": "amazon_reviews_db"},
		"ResultConfiguration":   map[string]any{"OutputLocation": "s3://athena-results-123456789012/" + wg + "/" + id + ".csv"},
		"EngineVersion":         map[string]any{"SelectedEngineVersion": "AUTO", "EffectiveEngineVersion": "Athena engine version 3"},
		"Status":                status,
		"Statistics":            map[string]any{"DataScannedInBytes": 1024, "TotalExecutionTimeInMillis": 1500},
	}
}

// history is a fake account's query history: executions by id and pages
// of ids by workgroup, newest first.
type history struct {
	mu    sync.Mutex
	execs map[string]map[string]any
	pages map[string][][]string
	// throttle answers this many BatchGetQueryExecution calls with a
	// ThrottlingException first.
	throttle int
	srv      *awstest.Server
}

func newHistory() *history {
	return &history{execs: map[string]map[string]any{}, pages: map[string][][]string{}}
}

// add adds a workgroup's pages; page p, item i is submitted p*10+i hours
// before fetchNow, with the given states cycling.
func (h *history) add(wg string, sizes []int, states ...string) {
	n := 0
	for p, size := range sizes {
		var ids []string
		for i := 0; i < size; i++ {
			id := fmt.Sprintf("%s-%02d-%02d-0000-4000-8000-000000000000", wg, p, i)
			h.execs[id] = wireExec(id, wg, states[n%len(states)], fetchNow.Add(-time.Duration(p*10+i+1)*time.Hour))
			ids = append(ids, id)
			n++
		}
		h.pages[wg] = append(h.pages[wg], ids)
	}
}

func (h *history) server(t *testing.T) *awstest.Server {
	h.srv = awstest.NewServer(t, map[string]func([]byte) (int, any){
		"AmazonAthena.ListWorkGroups": func(body []byte) (int, any) {
			var in struct{ NextToken string }
			json.Unmarshal(body, &in)
			wgs := []map[string]any{}
			for _, wg := range []string{"primary", "studio-analysts"} {
				if _, ok := h.pages[wg]; ok {
					wgs = append(wgs, map[string]any{"Name": wg, "State": "ENABLED", "CreationTime": awstest.Epoch(ts("2025-01-02T03:04:05Z"))})
				}
			}
			// One workgroup a page, to exercise paging.
			if in.NextToken == "" {
				return 200, map[string]any{"WorkGroups": wgs[:1], "NextToken": "wg-2"}
			}
			return 200, map[string]any{"WorkGroups": wgs[1:]}
		},
		"AmazonAthena.ListQueryExecutions": func(body []byte) (int, any) {
			var in struct {
				WorkGroup  string
				NextToken  string
				MaxResults int
			}
			json.Unmarshal(body, &in)
			pages, ok := h.pages[in.WorkGroup]
			if !ok {
				return awstest.Error(http.StatusBadRequest, "InvalidRequestException", "WorkGroup "+in.WorkGroup+" is not found.")
			}
			p := 0
			if in.NextToken != "" {
				fmt.Sscanf(in.NextToken, "page-%d", &p)
			}
			out := map[string]any{"QueryExecutionIds": pages[p]}
			if p+1 < len(pages) {
				out["NextToken"] = fmt.Sprintf("page-%d", p+1)
			}
			return 200, out
		},
		"AmazonAthena.BatchGetQueryExecution": func(body []byte) (int, any) {
			h.mu.Lock()
			if h.throttle > 0 {
				h.throttle--
				h.mu.Unlock()
				return awstest.Error(http.StatusBadRequest, "ThrottlingException", "Rate exceeded")
			}
			h.mu.Unlock()
			var in struct{ QueryExecutionIds []string }
			json.Unmarshal(body, &in)
			execs := []map[string]any{}
			unprocessed := []map[string]any{}
			for _, id := range in.QueryExecutionIds {
				if e, ok := h.execs[id]; ok {
					execs = append(execs, e)
				} else {
					unprocessed = append(unprocessed, map[string]any{"QueryExecutionId": id, "ErrorCode": "INVALID_INPUT", "ErrorMessage": "QueryExecution " + id + " was not found"})
				}
			}
			return 200, map[string]any{"QueryExecutions": execs, "UnprocessedQueryExecutionIds": unprocessed}
		},
		"AmazonAthena.GetQueryExecution": func(body []byte) (int, any) {
			var in struct{ QueryExecutionId string }
			json.Unmarshal(body, &in)
			e, ok := h.execs[in.QueryExecutionId]
			if !ok {
				return awstest.Error(http.StatusBadRequest, "InvalidRequestException", "QueryExecution "+in.QueryExecutionId+" was not found")
			}
			return 200, map[string]any{"QueryExecution": e}
		},
	})
	return h.srv
}

func fastOpts(o athena.FetchOptions) athena.FetchOptions {
	o.Now = func() time.Time { return fetchNow }
	o.Backoff = time.Millisecond
	o.MaxBackoff = 5 * time.Millisecond
	return o
}

func TestAthenaFetchPagesWorkGroupsThrottling(t *testing.T) {
	h := newHistory()
	h.add("primary", []int{3, 3, 2}, "SUCCEEDED", "FAILED", "RUNNING")
	h.add("studio-analysts", []int{2}, "CANCELLED")
	h.pages["primary"][1] = append(h.pages["primary"][1], "primary-gone-0000-4000-8000-000000000000") // expired from history
	h.throttle = 2
	srv := h.server(t)
	client := athena.NewClient(srv.Config(t))

	var rows []lake.AthenaQuery
	var notFinal int
	var bad []*source.ParseError
	st, err := athena.Fetch(context.Background(), client, fastOpts(athena.FetchOptions{}), func(q *lake.AthenaQuery, err error) error {
		var pe *source.ParseError
		var sk *source.Skip
		switch {
		case errors.As(err, &pe):
			bad = append(bad, pe)
		case errors.As(err, &sk) && sk.Reason == source.SkipQueryNotFinal:
			notFinal++
		case err != nil:
			t.Errorf("result error %v", err)
		default:
			rows = append(rows, *q)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Every execution is accounted for: the not-final ones skipped, the
	// id the history no longer holds a parse error naming it.
	if notFinal != 2 || len(bad) != 1 || !strings.Contains(bad[0].Reason, `"primary-gone-0000-4000-8000-000000000000"`) || bad[0].Object != "athena:workgroup/primary" {
		t.Errorf("not final %d, bad %+v", notFinal, bad)
	}
	want := athena.FetchStats{WorkGroups: 2, Pages: 4, Listed: 11, Emitted: 8, SkippedNotFinal: 2, Unprocessed: 1,
		Requests: 2 + 4 + 4 + 2, Throttled: 2, Cutoff: fetchNow.Add(-45 * 24 * time.Hour), HistoryLimited: true}
	if !reflect.DeepEqual(st, want) {
		t.Errorf("stats\n got %+v\nwant %+v", st, want)
	}
	if srv.Calls("ListWorkGroups") != 2 || srv.Calls("ListQueryExecutions") != 4 || srv.Calls("BatchGetQueryExecution") != 4+2 {
		t.Errorf("calls: ListWorkGroups %d, ListQueryExecutions %d, BatchGetQueryExecution %d",
			srv.Calls("ListWorkGroups"), srv.Calls("ListQueryExecutions"), srv.Calls("BatchGetQueryExecution"))
	}
	// The throttled request was repeated as it was.
	log := srv.Log("BatchGetQueryExecution")
	if !bytes.Equal(log[0].Body, log[2].Body) || !bytes.Equal(log[1].Body, log[2].Body) {
		t.Errorf("retried bodies differ: %s / %s / %s", log[0].Body, log[1].Body, log[2].Body)
	}
	// Paging passed the token back with the same workgroup and page size.
	var bodies []string
	for _, c := range srv.Log("ListQueryExecutions") {
		bodies = append(bodies, string(c.Body))
		if c.Target != "AmazonAthena.ListQueryExecutions" {
			t.Errorf("target %q", c.Target)
		}
	}
	wantBodies := []string{
		`{"MaxResults":50,"WorkGroup":"primary"}`,
		`{"MaxResults":50,"NextToken":"page-1","WorkGroup":"primary"}`,
		`{"MaxResults":50,"NextToken":"page-2","WorkGroup":"primary"}`,
		`{"MaxResults":50,"WorkGroup":"studio-analysts"}`,
	}
	if !reflect.DeepEqual(canon(t, bodies), canon(t, wantBodies)) {
		t.Errorf("ListQueryExecutions bodies\n got %v\nwant %v", bodies, wantBodies)
	}

	var ids []string
	for _, r := range rows {
		ids = append(ids, r.QueryID+" "+r.State)
	}
	wantIDs := []string{
		"primary-00-00-0000-4000-8000-000000000000 SUCCEEDED",
		"primary-00-01-0000-4000-8000-000000000000 FAILED",
		"primary-01-00-0000-4000-8000-000000000000 SUCCEEDED",
		"primary-01-01-0000-4000-8000-000000000000 FAILED",
		"primary-02-00-0000-4000-8000-000000000000 SUCCEEDED",
		"primary-02-01-0000-4000-8000-000000000000 FAILED",
		"studio-analysts-00-00-0000-4000-8000-000000000000 CANCELLED",
		"studio-analysts-00-01-0000-4000-8000-000000000000 CANCELLED",
	}
	if !reflect.DeepEqual(ids, wantIDs) {
		t.Errorf("rows\n got %v\nwant %v", ids, wantIDs)
	}
	// The epoch-seconds timestamps came through the SDK exactly.
	r := rows[3] // primary page 1 item 1: 12 hours before now
	if !r.SubmittedAt.Equal(fetchNow.Add(-12*time.Hour)) || !r.CompletedAt.Equal(fetchNow.Add(-12*time.Hour+1500*time.Millisecond)) ||
		r.FetchedVia != "api" || r.SourceObject != "athena:workgroup/primary" || r.SourceOffset != 0 ||
		r.Workgroup != "primary" || *r.DataScannedBytes != 1024 || r.EngineVersion != "Athena engine version 3" {
		t.Errorf("row %+v", r)
	}
}

// canon re-encodes JSON documents with sorted keys.
func canon(t *testing.T, docs []string) []string {
	var out []string
	for _, d := range docs {
		var v any
		if err := json.Unmarshal([]byte(d), &v); err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		b, _ := json.Marshal(v)
		out = append(out, string(b))
	}
	return out
}

func TestAthenaFetchSinceCutoff(t *testing.T) {
	h := newHistory()
	// Page p item i is p*10+i+1 hours old: page 0 1–3h, page 1 11–13h, page 2 21–23h.
	h.add("primary", []int{3, 3, 3}, "SUCCEEDED")
	srv := h.server(t)
	client := athena.NewClient(srv.Config(t))
	since := fetchNow.Add(-12*time.Hour - 30*time.Minute)
	n := 0
	st, err := athena.Fetch(context.Background(), client, fastOpts(athena.FetchOptions{WorkGroups: []string{"primary"}, Since: since}),
		func(q *lake.AthenaQuery, err error) error {
			if err != nil {
				return nil
			}
			n++
			if q.SubmittedAt.Before(since) {
				t.Errorf("emitted %s submitted %v before %v", q.QueryID, q.SubmittedAt, since)
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	// Page 1 holds a 13h-old execution: page 2 is never asked for.
	want := athena.FetchStats{WorkGroups: 1, Pages: 2, Listed: 6, Emitted: 5, SkippedOld: 1, Requests: 4, Cutoff: since}
	if !reflect.DeepEqual(st, want) || n != 5 {
		t.Errorf("stats\n got %+v\nwant %+v (emitted %d)", st, want, n)
	}
	if srv.Calls("ListQueryExecutions") != 2 || srv.Calls("ListWorkGroups") != 0 {
		t.Errorf("ListQueryExecutions %d calls, ListWorkGroups %d", srv.Calls("ListQueryExecutions"), srv.Calls("ListWorkGroups"))
	}

	// A Since older than Athena's 45 days of history is raised to it.
	st, err = athena.Fetch(context.Background(), client, fastOpts(athena.FetchOptions{WorkGroups: []string{"primary"}, Since: fetchNow.AddDate(0, 0, -60)}),
		func(*lake.AthenaQuery, error) error { return nil })
	if err != nil || !st.HistoryLimited || !st.Cutoff.Equal(fetchNow.Add(-45*24*time.Hour)) || st.Emitted != 9 {
		t.Errorf("60-day Since: err %v, stats %+v", err, st)
	}
}

func TestAthenaFetchErrors(t *testing.T) {
	h := newHistory()
	h.add("primary", []int{1}, "SUCCEEDED")
	srv := h.server(t)
	client := athena.NewClient(srv.Config(t))

	_, err := athena.Fetch(context.Background(), client, fastOpts(athena.FetchOptions{WorkGroups: []string{"nope"}}),
		func(*lake.AthenaQuery, error) error { return nil })
	var ire *types.InvalidRequestException
	if !errors.As(err, &ire) || ire.ErrorMessage() != "WorkGroup nope is not found." {
		t.Fatalf("err %v, want an InvalidRequestException", err)
	}
	if !strings.HasPrefix(err.Error(), `athena ListQueryExecutions (workgroup "nope"): `) || !strings.Contains(err.Error(), "InvalidRequestException: WorkGroup nope is not found.") {
		t.Errorf("message %q", err)
	}
	if srv.Calls("ListQueryExecutions") != 1 {
		t.Errorf("InvalidRequestException was retried: %d calls", srv.Calls("ListQueryExecutions"))
	}

	// Throttled more often than MaxAttempts allows.
	h.throttle = 10
	o := fastOpts(athena.FetchOptions{WorkGroups: []string{"primary"}})
	o.MaxAttempts = 3
	st, err := athena.Fetch(context.Background(), client, o, func(*lake.AthenaQuery, error) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "still throttled after 3 attempts") || !athena.IsThrottle(err) {
		t.Errorf("err %v", err)
	}
	if st.Throttled != 3 || srv.Calls("BatchGetQueryExecution") != 3 {
		t.Errorf("throttled %d, BatchGetQueryExecution calls %d", st.Throttled, srv.Calls("BatchGetQueryExecution"))
	}
}

func event(detail string) []byte {
	return []byte(`{"version":"0","id":"7b5a0e6f-3f1d-4c4b-9e2a-8f6d1c2b3a4e","detail-type":"Athena Query State Change",` +
		`"source":"aws.athena","account":"123456789012","time":"2026-07-10T11:00:01Z","region":"us-east-1","resources":[],` +
		`"detail":` + detail + `}`)
}

func TestAthenaHandleStateChange(t *testing.T) {
	h := newHistory()
	h.add("primary", []int{2}, "SUCCEEDED", "RUNNING")
	srv := h.server(t)
	client := athena.NewClient(srv.Config(t))
	ctx := context.Background()

	id := "primary-00-00-0000-4000-8000-000000000000"
	row, err := athena.HandleStateChange(ctx, client, event(`{"currentState":"SUCCEEDED","previousState":"RUNNING","queryExecutionId":"`+id+`","sequenceNumber":"3","statementType":"DML","versionId":"0","workgroupName":"primary"}`))
	if err != nil || row == nil {
		t.Fatalf("SUCCEEDED: %v, %v", row, err)
	}
	if row.QueryID != id || row.State != "SUCCEEDED" || row.FetchedVia != "eventbridge" ||
		row.SourceObject != "eventbridge:7b5a0e6f-3f1d-4c4b-9e2a-8f6d1c2b3a4e" || !row.SubmittedAt.Equal(fetchNow.Add(-time.Hour)) ||
		row.Workgroup != "primary" || row.QueryText != "SELECT * FROM amazon_reviews_db.amazon_reviews_parquet WHERE review_id = '"+id+"'" {
		t.Errorf("row %+v", row)
	}
	if c := srv.Log("GetQueryExecution"); len(c) != 1 || string(c[0].Body) != `{"QueryExecutionId":"`+id+`"}` {
		t.Errorf("GetQueryExecution calls %v", c)
	}

	row, err = athena.HandleStateChange(ctx, client, event(`{"currentState":"RUNNING","previousState":"QUEUED","queryExecutionId":"primary-00-01-0000-4000-8000-000000000000","sequenceNumber":"2","statementType":"DML","versionId":"0","workgroupName":"primary"}`))
	if row != nil || err != nil || srv.Calls("GetQueryExecution") != 1 {
		t.Errorf("RUNNING: %v, %v, %d calls", row, err, srv.Calls("GetQueryExecution"))
	}

	// The event says FAILED but the API still says RUNNING: an error, so the event is retried.
	_, err = athena.HandleStateChange(ctx, client, event(`{"currentState":"FAILED","queryExecutionId":"primary-00-01-0000-4000-8000-000000000000","workgroupName":"primary"}`))
	if err == nil || errors.Is(err, athena.ErrNotStateChange) || !strings.Contains(err.Error(), `state "RUNNING" is not final`) {
		t.Errorf("stale API state: %v", err)
	}

	for name, ev := range map[string][]byte{
		"not JSON":      []byte(`{"detail-type":`),
		"detail-type":   bytes.Replace(event(`{"currentState":"SUCCEEDED","queryExecutionId":"x"}`), []byte("Athena Query State Change"), []byte("Glue Job State Change"), 1),
		"source":        bytes.Replace(event(`{"currentState":"SUCCEEDED","queryExecutionId":"x"}`), []byte(`"aws.athena"`), []byte(`"aws.glue"`), 1),
		"no detail":     []byte(`{"detail-type":"Athena Query State Change","source":"aws.athena"}`),
		"no id":         event(`{"currentState":"SUCCEEDED","workgroupName":"primary"}`),
		"unknown state": event(`{"currentState":"DONE","queryExecutionId":"x"}`),
		"detail string": event(`"SUCCEEDED"`),
	} {
		row, err := athena.HandleStateChange(ctx, client, ev)
		if row != nil || !errors.Is(err, athena.ErrNotStateChange) {
			t.Errorf("%s: %v, %v", name, row, err)
		}
	}
	if srv.Calls("GetQueryExecution") != 2 {
		t.Errorf("GetQueryExecution calls %d, want 2", srv.Calls("GetQueryExecution"))
	}
}

package cloudtrail_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ctapi "github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/smithy-go"

	"github.com/auditlake/auditlake/pipeline/cloudtrail"
	"github.com/auditlake/auditlake/pipeline/lake"
	"github.com/auditlake/auditlake/pipeline/testsupport/awstest"
)

// CloudTrailEvent strings as LookupEvents returns them.
const (
	// Athena StartQueryExecution by a SageMaker Studio user (the
	// queryString is omitted by design).
	lookupStartQuery = `{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLESTUDIO01:SageMaker","arn":"arn:aws:sts::111122223333:assumed-role/SageMakerStudioExecutionRole_data-scientist-full/SageMaker","accountId":"111122223333","accessKeyId":"ASIAEXAMPLESTUDIO001","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLESTUDIO01","arn":"arn:aws:iam::111122223333:role/SageMakerStudioExecutionRole_data-scientist-full","accountId":"111122223333","userName":"SageMakerStudioExecutionRole_data-scientist-full"},"attributes":{"creationDate":"2026-07-01T20:40:02Z","mfaAuthenticated":"false"},"sourceIdentity":"data-scientist-full"}},"eventTime":"2026-07-01T21:01:45Z","eventSource":"athena.amazonaws.com","eventName":"StartQueryExecution","awsRegion":"us-east-2","sourceIPAddress":"10.0.12.34","userAgent":"aws-sdk-go-v2/1.36.3 os/linux lang/go#1.24.2 md/GOOS#linux md/GOARCH#amd64 api/athena#1.50.4","requestParameters":{"queryString":"***OMITTED***","clientRequestToken":"2a7a288f-5500-48af-b0f5-09633b3b970a","queryExecutionContext":{"database":"amazon_reviews_db"},"resultConfiguration":{"outputLocation":"s3://sagemaker-audit-control-query-results-us-east-2-111122223333/queries/"},"workGroup":"primary"},"responseElements":{"queryExecutionId":"33333333-4444-5555-6666-777777777777"},"requestID":"f5039b01-305f-11e7-b146-c3fc56a7dc7a","eventID":"c97cf8c8-6112-467a-8777-53bb38f83fd5","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}`
	// Lake Formation GetDataAccess for that query.
	lookupGetDataAccess = `{"eventVersion":"1.11","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLESTUDIO01:SageMaker","arn":"arn:aws:sts::111122223333:assumed-role/SageMakerStudioExecutionRole_data-scientist-full/SageMaker","accountId":"111122223333","accessKeyId":"ASIAEXAMPLESTUDIO001","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLESTUDIO01","arn":"arn:aws:iam::111122223333:role/SageMakerStudioExecutionRole_data-scientist-full","accountId":"111122223333","userName":"SageMakerStudioExecutionRole_data-scientist-full"},"attributes":{"creationDate":"2026-07-01T20:40:02Z","mfaAuthenticated":"false"},"sourceIdentity":"data-scientist-full"},"invokedBy":"athena.amazonaws.com"},"eventTime":"2026-07-01T21:01:47Z","eventSource":"lakeformation.amazonaws.com","eventName":"GetDataAccess","awsRegion":"us-east-2","sourceIPAddress":"athena.amazonaws.com","userAgent":"athena.amazonaws.com","requestParameters":{"tableArn":"arn:aws:glue:us-east-2:111122223333:table/amazon_reviews_db/amazon_reviews_parquet","permissions":["SELECT"],"auditContext":{"additionalAuditContext":"{queryId: 33333333-4444-5555-6666-777777777777}"},"cellLevelSecurityEnforced":true,"expectedTableId":"EXAMPLETABLEID0000000000000000"},"responseElements":null,"additionalEventData":{"requesterService":"ATHENA","LakeFormationTrustedCallerInvocation":"true","lakeFormationPrincipal":"arn:aws:iam::111122223333:role/SageMakerStudioExecutionRole_data-scientist-full","lakeFormationRoleSessionName":"AWSLF-00-AT-111122223333-EXAMPLE04"},"requestID":"43214321-1111-2222-3333-432143214321","eventID":"87658765-1111-2222-3333-876587658765","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}`
	// SageMaker CreateUserProfile by a platform administrator.
	lookupCreateUserProfile = `{"eventVersion":"1.11","userIdentity":{"type":"IAMUser","principalId":"AIDA263A030CEFA28E44F","arn":"arn:aws:iam::111122223333:user/platform-admin","accountId":"111122223333","accessKeyId":"AKIA263A030CEFA28E44","userName":"platform-admin"},"eventTime":"2026-07-01T08:02:40Z","eventSource":"sagemaker.amazonaws.com","eventName":"CreateUserProfile","awsRegion":"us-east-2","sourceIPAddress":"10.20.1.15","userAgent":"aws-cli/2.17.60 Python/3.11.9 Linux/5.10 exe/x86_64.amzn.2","requestParameters":{"domainId":"d-a1b2c3d4e5f6","userProfileName":"data-scientist-full","userSettings":{"executionRole":"arn:aws:iam::111122223333:role/SageMakerStudioExecutionRole_data-scientist-full"}},"responseElements":{"userProfileArn":"arn:aws:sagemaker:us-east-2:111122223333:user-profile/d-a1b2c3d4e5f6/data-scientist-full"},"requestID":"4223f682-29c1-db22-fc6f-0bd4494d11b2","eventID":"9e227afb-f9d8-85f3-5436-ad5f6e29e90c","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}`
)

// lookupEvent is one element of LookupEventsOutput.Events in the JSON 1.1
// wire form, built from its CloudTrailEvent.
func lookupEvent(t testing.TB, rec string) map[string]any {
	var r struct {
		EventID, EventName, EventSource, EventTime string
		ReadOnly                                   bool
		UserIdentity                               struct{ AccessKeyID, UserName, Arn string }
	}
	if err := json.Unmarshal([]byte(rec), &r); err != nil {
		t.Fatal(err)
	}
	at, err := time.Parse(time.RFC3339, r.EventTime)
	if err != nil {
		t.Fatal(err)
	}
	user := r.UserIdentity.UserName
	if user == "" {
		user = r.UserIdentity.Arn[strings.LastIndexByte(r.UserIdentity.Arn, '/')+1:]
	}
	return map[string]any{
		"EventId":         r.EventID,
		"EventName":       r.EventName,
		"ReadOnly":        fmt.Sprint(r.ReadOnly),
		"AccessKeyId":     r.UserIdentity.AccessKeyID,
		"EventTime":       awstest.Epoch(at),
		"EventSource":     r.EventSource,
		"Username":        user,
		"Resources":       []any{},
		"CloudTrailEvent": rec,
	}
}

// trail answers LookupEvents from pages of CloudTrailEvent strings: page
// i+1 is asked for with NextToken "token-i".
type trail struct {
	mu       sync.Mutex
	pages    [][]string
	throttle int // answer this many requests with ThrottlingException first
	fail     func() (int, any)
}

func (tr *trail) server(t *testing.T) *awstest.Server {
	return awstest.NewServer(t, map[string]func([]byte) (int, any){
		// The SDK's X-Amz-Target for CloudTrail is the short form.
		"CloudTrail_20131101.LookupEvents": func(body []byte) (int, any) {
			tr.mu.Lock()
			defer tr.mu.Unlock()
			if tr.fail != nil {
				return tr.fail()
			}
			if tr.throttle > 0 {
				tr.throttle--
				return awstest.Throttling()
			}
			var in struct{ NextToken string }
			json.Unmarshal(body, &in)
			p := 0
			if in.NextToken != "" {
				if _, err := fmt.Sscanf(in.NextToken, "token-%d", &p); err != nil {
					return awstest.Error(http.StatusBadRequest, "InvalidNextTokenException", "Invalid NextToken")
				}
			}
			events := []any{}
			for _, rec := range tr.pages[p] {
				events = append(events, lookupEvent(t, rec))
			}
			out := map[string]any{"Events": events}
			if p+1 < len(tr.pages) {
				out["NextToken"] = fmt.Sprintf("token-%d", p+1)
			}
			return http.StatusOK, out
		},
	})
}

var (
	lookupStart = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	lookupEnd   = time.Date(2026, 7, 2, 0, 0, 0, 0, time.UTC)
)

func fastLookup(o cloudtrail.LookupOptions) cloudtrail.LookupOptions {
	o.Start, o.End = lookupStart, lookupEnd
	if o.MaxRate == 0 {
		o.MaxRate = 200
	}
	o.Backoff, o.MaxBackoff = time.Millisecond, 5*time.Millisecond
	return o
}

func collect(raws *[][]byte) func([]byte) error {
	return func(raw []byte) error {
		*raws = append(*raws, bytes.Clone(raw))
		return nil
	}
}

func TestLookupPagesNormalize(t *testing.T) {
	tr := &trail{pages: [][]string{{lookupStartQuery, lookupGetDataAccess}, {lookupCreateUserProfile}, {lookupStartQuery}}}
	srv := tr.server(t)
	client := ctapi.NewFromConfig(srv.Config(t))
	attr := &types.LookupAttribute{AttributeKey: types.LookupAttributeKeyUsername, AttributeValue: aws.String("SageMaker")}

	var raws [][]byte
	st, err := cloudtrail.Lookup(context.Background(), client, fastLookup(cloudtrail.LookupOptions{Attribute: attr}), collect(&raws))
	if err != nil {
		t.Fatal(err)
	}
	if want := (cloudtrail.LookupStats{Requests: 3, Events: 4}); st != want {
		t.Errorf("stats %+v, want %+v", st, want)
	}
	if srv.Calls("LookupEvents") != 3 {
		t.Errorf("%d calls", srv.Calls("LookupEvents"))
	}

	// Every page was asked for with the same parameters, plus the token.
	for i, c := range srv.Log("LookupEvents") {
		if c.Target != "CloudTrail_20131101.LookupEvents" {
			t.Errorf("X-Amz-Target %q", c.Target)
		}
		var in map[string]any
		dec := json.NewDecoder(bytes.NewReader(c.Body))
		dec.UseNumber()
		if err := dec.Decode(&in); err != nil {
			t.Fatal(err)
		}
		start, _ := in["StartTime"].(json.Number).Float64()
		end, _ := in["EndTime"].(json.Number).Float64()
		if start != float64(lookupStart.Unix()) || end != float64(lookupEnd.Unix()) {
			t.Errorf("request %d: StartTime %v EndTime %v (body %s)", i, in["StartTime"], in["EndTime"], c.Body)
		}
		delete(in, "StartTime")
		delete(in, "EndTime")
		want := map[string]any{
			"MaxResults":       json.Number("50"),
			"LookupAttributes": []any{map[string]any{"AttributeKey": "Username", "AttributeValue": "SageMaker"}},
		}
		if i > 0 {
			want["NextToken"] = fmt.Sprintf("token-%d", i)
		}
		if !reflect.DeepEqual(in, want) {
			t.Errorf("request %d: %v, want %v", i, in, want)
		}
	}

	// Each record is the CloudTrailEvent string, which normalizes.
	if len(raws) != 4 || string(raws[0]) != lookupStartQuery || string(raws[2]) != lookupCreateUserProfile {
		t.Fatalf("records %q", raws)
	}
	var n cloudtrail.Normalizer
	type got struct{ EventID, EventName, QueryID, LFSession, SourceIdentity, Outcome string }
	var gots []got
	for i, raw := range raws {
		var ev lake.Event
		kind, err := n.Normalize(cloudtrail.Record{Raw: raw}, "cloudtrail:LookupEvents/us-east-2", &ev)
		if err != nil || kind != cloudtrail.KindEvent {
			t.Fatalf("record %d: kind %v, %v", i, kind, err)
		}
		gots = append(gots, got{ev.EventID, ev.EventName, ev.QueryID, ev.LFSession, ev.SourceIdentity, ev.Outcome})
	}
	want := []got{
		{"c97cf8c8-6112-467a-8777-53bb38f83fd5", "StartQueryExecution", "33333333-4444-5555-6666-777777777777", "", "data-scientist-full", "success"},
		{"87658765-1111-2222-3333-876587658765", "GetDataAccess", "33333333-4444-5555-6666-777777777777", "AWSLF-00-AT-111122223333-EXAMPLE04", "data-scientist-full", "success"},
		{"9e227afb-f9d8-85f3-5436-ad5f6e29e90c", "CreateUserProfile", "", "", "", "success"},
		{"c97cf8c8-6112-467a-8777-53bb38f83fd5", "StartQueryExecution", "33333333-4444-5555-6666-777777777777", "", "data-scientist-full", "success"},
	}
	if !reflect.DeepEqual(gots, want) {
		t.Errorf("normalized\n got %+v\nwant %+v", gots, want)
	}
}

func TestLookupThrottlingThenSuccess(t *testing.T) {
	tr := &trail{pages: [][]string{{lookupCreateUserProfile}, {lookupStartQuery}}, throttle: 2}
	srv := tr.server(t)
	client := ctapi.NewFromConfig(srv.Config(t))
	var raws [][]byte
	st, err := cloudtrail.Lookup(context.Background(), client, fastLookup(cloudtrail.LookupOptions{}), collect(&raws))
	if err != nil {
		t.Fatal(err)
	}
	if want := (cloudtrail.LookupStats{Requests: 4, Events: 2, Throttled: 2}); st != want {
		t.Errorf("stats %+v, want %+v", st, want)
	}
	// Two throttled requests, the retry that worked, then page 2: the SDK
	// did not retry on its own.
	log := srv.Log("LookupEvents")
	if len(log) != 4 || !bytes.Equal(log[0].Body, log[2].Body) || !bytes.Equal(log[1].Body, log[2].Body) {
		t.Errorf("%d calls; bodies %s", len(log), log[0].Body)
	}
	if len(raws) != 2 {
		t.Errorf("%d records", len(raws))
	}
}

func TestLookupThrottledTooOften(t *testing.T) {
	tr := &trail{pages: [][]string{{lookupCreateUserProfile}}, throttle: 100}
	srv := tr.server(t)
	client := ctapi.NewFromConfig(srv.Config(t))
	o := fastLookup(cloudtrail.LookupOptions{})
	o.MaxAttempts = 4
	st, err := cloudtrail.Lookup(context.Background(), client, o, func([]byte) error { return nil })
	// ThrottlingException is not among LookupEvents' modeled errors: the
	// SDK returns it as a generic API error with that code.
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ThrottlingException" || !strings.HasPrefix(err.Error(), "cloudtrail LookupEvents: still throttled after 4 attempts: ") {
		t.Errorf("err %v", err)
	}
	if st.Requests != 4 || st.Throttled != 4 || srv.Calls("LookupEvents") != 4 {
		t.Errorf("stats %+v, %d calls", st, srv.Calls("LookupEvents"))
	}
}

func TestLookupInvalidTimeRange(t *testing.T) {
	tr := &trail{fail: func() (int, any) {
		return awstest.Error(http.StatusBadRequest, "InvalidTimeRangeException", "Start time must be before end time and not in the future.")
	}}
	srv := tr.server(t)
	client := ctapi.NewFromConfig(srv.Config(t))
	st, err := cloudtrail.Lookup(context.Background(), client, fastLookup(cloudtrail.LookupOptions{}), func([]byte) error { return nil })
	var ite *types.InvalidTimeRangeException
	if !errors.As(err, &ite) || ite.ErrorMessage() != "Start time must be before end time and not in the future." {
		t.Fatalf("err %v", err)
	}
	if !strings.HasPrefix(err.Error(), "cloudtrail LookupEvents: ") || !strings.Contains(err.Error(), "InvalidTimeRangeException") {
		t.Errorf("message %q", err)
	}
	if st.Requests != 1 || srv.Calls("LookupEvents") != 1 {
		t.Errorf("retried: %+v, %d calls", st, srv.Calls("LookupEvents"))
	}

	// An end before the start is refused without a request.
	o := fastLookup(cloudtrail.LookupOptions{})
	o.Start, o.End = o.End, o.Start
	if _, err := cloudtrail.Lookup(context.Background(), client, o, nil); err == nil || srv.Calls("LookupEvents") != 1 {
		t.Errorf("end before start: %v", err)
	}
}

func TestLookupEmitError(t *testing.T) {
	tr := &trail{pages: [][]string{{lookupStartQuery, lookupGetDataAccess}, {lookupCreateUserProfile}}}
	srv := tr.server(t)
	client := ctapi.NewFromConfig(srv.Config(t))
	stop := errors.New("writer closed")
	st, err := cloudtrail.Lookup(context.Background(), client, fastLookup(cloudtrail.LookupOptions{}), func([]byte) error { return stop })
	if err != stop || st.Events != 0 || srv.Calls("LookupEvents") != 1 {
		t.Errorf("err %v, stats %+v, %d calls", err, st, srv.Calls("LookupEvents"))
	}
}

// TestLookupRateLimit checks that the limiter spaces requests: n requests
// at r a second take at least (n-1)/r. The bound is a lower one, with a
// generous margin; nothing here depends on the machine being fast.
func TestLookupRateLimit(t *testing.T) {
	for _, tc := range []struct {
		rate  float64
		pages int
	}{
		{20, 6},
		{0, 2}, // the default, CloudTrail's 2 a second
	} {
		pages := make([][]string, tc.pages)
		for i := range pages {
			pages[i] = []string{lookupCreateUserProfile}
		}
		tr := &trail{pages: pages}
		srv := tr.server(t)
		client := ctapi.NewFromConfig(srv.Config(t))
		o := fastLookup(cloudtrail.LookupOptions{})
		o.MaxRate = tc.rate
		began := time.Now()
		st, err := cloudtrail.Lookup(context.Background(), client, o, func([]byte) error { return nil })
		elapsed := time.Since(began)
		if err != nil {
			t.Fatal(err)
		}
		r := tc.rate
		if r == 0 {
			r = cloudtrail.DefaultLookupRate
		}
		n := srv.Calls("LookupEvents")
		if n != tc.pages || st.Requests != n {
			t.Fatalf("rate %v: %d calls, stats %+v", r, n, st)
		}
		interval := time.Duration(float64(time.Second) / r)
		if min := time.Duration(n-1) * interval * 8 / 10; elapsed < min {
			t.Errorf("rate %v: %d requests in %v, want at least %v", r, n, elapsed, min)
		}
		// The limiter lets request i go no earlier than i intervals after
		// the first, whenever each of them arrives.
		for i, c := range srv.Log("LookupEvents") {
			if at := c.At.Sub(began); at < time.Duration(i)*interval*8/10 {
				t.Errorf("rate %v: request %d arrived %v after the start, want at least %v", r, i, at, time.Duration(i)*interval)
			}
		}
	}
}

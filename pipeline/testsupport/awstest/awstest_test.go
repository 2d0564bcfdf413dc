package awstest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/athena"
	ctapi "github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/smithy-go"

	"github.com/auditlake/auditlake/pipeline/testsupport/awstest"
)

func TestServerWireForms(t *testing.T) {
	srv := awstest.NewServer(t, map[string]func([]byte) (int, any){
		"AmazonAthena.ListWorkGroups": func([]byte) (int, any) {
			return 200, map[string]any{"WorkGroups": []any{map[string]any{"Name": "primary", "State": "ENABLED",
				"CreationTime": awstest.Epoch(time.Date(2026, 7, 1, 9, 10, 3, 512e6, time.UTC))}}}
		},
		"GetQueryExecution": func([]byte) (int, any) {
			return awstest.Error(http.StatusBadRequest, "InvalidRequestException", "QueryExecution x was not found")
		},
	})
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("URL %s", srv.URL)
	}
	client := athena.NewFromConfig(srv.Config(t))
	out, err := client.ListWorkGroups(context.Background(), &athena.ListWorkGroupsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if w := out.WorkGroups[0]; *w.Name != "primary" || !w.CreationTime.Equal(time.Date(2026, 7, 1, 9, 10, 3, 512e6, time.UTC)) {
		t.Errorf("work group %+v", w)
	}
	_, err = client.GetQueryExecution(context.Background(), &athena.GetQueryExecutionInput{QueryExecutionId: new(string)})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidRequestException" || ae.ErrorMessage() != "QueryExecution x was not found" {
		t.Errorf("err %v", err)
	}
	if srv.Calls("ListWorkGroups") != 1 || srv.Calls("AmazonAthena.GetQueryExecution") != 1 || srv.Calls("StartQueryExecution") != 0 {
		t.Errorf("calls %d %d", srv.Calls("ListWorkGroups"), srv.Calls("GetQueryExecution"))
	}

	// The error wire form, seen raw; an unsigned request is refused.
	req, _ := http.NewRequest("POST", srv.URL, strings.NewReader(`{"QueryExecutionId":"x"}`))
	req.Header.Set("Content-Type", awstest.ContentType)
	req.Header.Set("X-Amz-Target", "AmazonAthena.GetQueryExecution")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260701/us-east-1/athena/aws4_request")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || resp.Header.Get("X-Amzn-ErrorType") != "InvalidRequestException" ||
		resp.Header.Get("Content-Type") != "application/x-amz-json-1.1" ||
		string(body) != `{"__type":"InvalidRequestException","message":"QueryExecution x was not found"}` {
		t.Errorf("%d %v %s", resp.StatusCode, resp.Header, body)
	}
	req, _ = http.NewRequest("POST", srv.URL, strings.NewReader(`{}`))
	req.Header.Set("Content-Type", awstest.ContentType)
	req.Header.Set("X-Amz-Target", "AmazonAthena.ListWorkGroups")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 || resp.Header.Get("X-Amzn-ErrorType") != "MissingAuthenticationTokenException" {
		t.Errorf("unsigned: %d %v", resp.StatusCode, resp.Header)
	}
	if log := srv.Log("GetQueryExecution"); len(log) != 2 || string(log[1].Body) != `{"QueryExecutionId":"x"}` {
		t.Errorf("log %+v", log)
	}
}

func TestEpoch(t *testing.T) {
	for in, want := range map[time.Time]string{
		time.Date(2026, 7, 1, 9, 10, 3, 512e6, time.UTC): "1.782897003512E9",
		time.Date(2026, 7, 1, 9, 10, 3, 0, time.UTC):     "1782897003",
		time.Date(2026, 7, 1, 9, 10, 3, 5e8, time.UTC):   "1.7828970035E9",
	} {
		if got := string(awstest.Epoch(in)); got != want {
			t.Errorf("Epoch(%v) = %s, want %s", in, got, want)
		}
	}
}

// TestNoDuplicateRequests: each SDK call reaches the server once (see
// plainBodyClient); without the workaround about 1 in 100 calls was sent
// twice under -race.
func TestNoDuplicateRequests(t *testing.T) {
	big := make([]map[string]any, 3)
	for i := range big {
		big[i] = map[string]any{"EventId": "x", "CloudTrailEvent": string(make([]byte, 1500))}
	}
	for i := 0; i < 100; i++ {
		t.Run("x", func(t *testing.T) {
			srv := awstest.NewServer(t, map[string]func([]byte) (int, any){
				"LookupEvents": func([]byte) (int, any) { return 200, map[string]any{"Events": big} },
			})
			c := ctapi.NewFromConfig(srv.Config(t))
			if _, err := c.LookupEvents(context.Background(), &ctapi.LookupEventsInput{}); err != nil {
				t.Fatal(err)
			}
			if srv.Calls("LookupEvents") != 1 {
				t.Fatalf("%d calls", srv.Calls("LookupEvents"))
			}
		})
	}
}

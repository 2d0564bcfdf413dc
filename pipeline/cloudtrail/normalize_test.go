package cloudtrail

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/auditlake/auditlake/pipeline/identity"
	"github.com/auditlake/auditlake/pipeline/lake"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestGolden normalizes one record per kind (testdata/golden/NAME.json) and
// compares every column with NAME.golden.json. Run `go test -update` to
// rewrite the golden files after a deliberate change, and review the diff.
func TestGolden(t *testing.T) {
	inputs, _ := filepath.Glob("testdata/golden/*.json")
	n := 0
	for _, in := range inputs {
		if strings.HasSuffix(in, ".golden.json") {
			continue
		}
		n++
		name := strings.TrimSuffix(filepath.Base(in), ".json")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			// Studio profiles known from the scenario's CreateUserProfile events.
			profiles := identity.New()
			profiles.Learn("sagemaker.amazonaws.com", "CreateUserProfile",
				`{"domainId":"d-a1b2c3d4e5f6","userProfileName":"david","userSettings":{"executionRole":"arn:aws:iam::111122223333:role/SageMakerStudioExecutionRole_david"}}`)
			var n Normalizer
			var ev lake.Event
			var compact bytes.Buffer
			if err := json.Compact(&compact, raw); err != nil {
				t.Fatal(err)
			}
			kind, err := n.Normalize(Record{Raw: compact.Bytes(), Offset: 7}, "s3://trail/obj.json.gz", &ev)
			if err != nil || kind != KindEvent {
				t.Fatalf("Normalize = %v, %v", kind, err)
			}
			// As ingest learns from, and resolves, every event.
			if ev.Outcome == lake.OutcomeSuccess {
				profiles.LearnCall(ev.EventSource, ev.EventName, ev.RequestParameters, ev.ResponseElements)
			}
			ev.StudioProfile, ev.ProfileSource = profiles.Resolve(ev.SourceIdentity, ev.RoleARN)
			got, _ := json.MarshalIndent(ev, "", "  ")
			got = append(got, '\n')
			golden := strings.TrimSuffix(in, ".json") + ".golden.json"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the golden file; got:\n%s", name, got)
			}
		})
	}
	if n < 20 {
		t.Errorf("only %d golden inputs found", n)
	}
}

func TestNormalizeLookupAndSignInFailures(t *testing.T) {
	inner := `{"eventVersion":"1.11","eventTime":"2026-07-01T09:00:00Z","eventSource":"sagemaker.amazonaws.com","eventName":"CreateApp","awsRegion":"us-east-1","requestParameters":{"domainId":"d-example","spaceName":"frank"}}`
	outer, _ := json.Marshal(map[string]string{"EventId": "e1", "EventName": "CreateApp", "CloudTrailEvent": inner})
	var n Normalizer
	var ev lake.Event
	if _, err := n.Normalize(Record{Raw: outer}, "lookup", &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Raw != inner || ev.EventID != "e1" || ev.ResourceName != "frank" {
		t.Errorf("LookupEvents record: Raw %q, EventID %q, ResourceName %q; want the inner record, the wrapper's id, frank", ev.Raw, ev.EventID, ev.ResourceName)
	}
	for name, want := range map[string]string{"ConsoleLogin": lake.OutcomeDenied, "PasswordUpdated": lake.OutcomeDenied, "CheckMfa": lake.OutcomeSuccess} {
		resp := `"Success"`
		if want == lake.OutcomeDenied {
			resp = `"Failure"`
		}
		rec := `{"eventTime":"2026-07-01T09:00:00Z","eventSource":"signin.amazonaws.com","eventName":"` + name + `","responseElements":{"` + name + `":` + resp + `}}`
		if _, err := n.Normalize(Record{Raw: []byte(rec)}, "x", &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Outcome != want {
			t.Errorf("%s with %s: outcome %s, want %s", name, resp, ev.Outcome, want)
		}
	}
}

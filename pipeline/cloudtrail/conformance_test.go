package cloudtrail

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/auditlake/auditlake/pipeline/lake"
)

// conformanceDir is the third-party CloudTrail corpus (see its README.md).
const conformanceDir = "../../../shared/conformance/cloudtrail"

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

// isRecordFile reports whether a corpus file holds CloudTrail input rather
// than a sidecar (metadata, peer expectations, provenance).
func isRecordFile(name string) bool {
	switch {
	case strings.HasSuffix(name, ".meta.ndjson"), strings.HasSuffix(name, ".tests.ndjson"),
		strings.Contains(name, "expected"), name == "SOURCES.ndjson":
		return false
	}
	return strings.HasSuffix(name, ".ndjson") || strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".log")
}

// corpusFiles lists the record files, relative to the corpus directory.
func corpusFiles(tb testing.TB, dir string) []string {
	tb.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && isRecordFile(d.Name()) {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	sort.Strings(files)
	return files
}

// result is what one record turned into.
type result struct {
	Offset int64
	Raw    []byte // a copy of the record as read
	Kind   Kind
	Err    error // quarantine reason
	Event  lake.Event
}

// fileRun is one corpus file streamed through Reader and Normalizer.
type fileRun struct {
	Data      []byte
	Results   []result
	ValueErrs []*ValueError
	Syntax    *SyntaxError
	Skips     []*SkipError
}

func (f *fileRun) count(pred func(result) bool) int {
	n := 0
	for _, r := range f.Results {
		if pred(r) {
			n++
		}
	}
	return n
}

func (f *fileRun) events() []result {
	var out []result
	for _, r := range f.Results {
		if r.Err == nil && r.Kind == KindEvent {
			out = append(out, r)
		}
	}
	return out
}

// quarantineReasons are the errors Normalize may return.
var quarantineReasons = []error{ErrNotJSON, ErrNotObject, ErrNoTime, ErrBadTime, ErrNotEvent, ErrNotTrail}

// runRecords streams data through a Reader and a Normalizer, turning a
// panic into a test failure.
func runRecords(t *testing.T, name string, data []byte) (run *fileRun) {
	t.Helper()
	run = &fileRun{Data: data}
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("%s: panic after %d records: %v", name, len(run.Results), p)
		}
	}()
	r := NewReader(bytes.NewReader(data))
	var n Normalizer
	for i := 0; ; i++ {
		if i > len(data)+1 {
			t.Fatalf("%s: reader does not terminate", name)
		}
		rec, err := r.Next()
		if err == io.EOF {
			return run
		}
		var ve *ValueError
		if errors.As(err, &ve) {
			run.ValueErrs = append(run.ValueErrs, ve)
			continue
		}
		var sk *SkipError
		if errors.As(err, &sk) {
			run.Skips = append(run.Skips, sk)
			continue
		}
		if errors.As(err, &run.Syntax) {
			return run
		}
		if err != nil {
			t.Fatalf("%s: Next: %T %v", name, err, err)
		}
		res := result{Offset: rec.Offset, Raw: bytes.Clone(rec.Raw)}
		res.Kind, res.Err = n.Normalize(rec, name, &res.Event)
		run.Results = append(run.Results, res)
	}
}

func readCorpusFile(t *testing.T, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(corpusDir(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// lineStarts are the offsets of the non-blank lines of an NDJSON file.
func lineStarts(data []byte) []int64 {
	var out []int64
	off := 0
	for _, line := range bytes.SplitAfter(data, []byte("\n")) {
		if len(bytes.TrimSpace(line)) > 0 {
			out = append(out, int64(off+len(line)-len(bytes.TrimLeft(line, " \t\r\n"))))
		}
		off += len(line)
	}
	return out
}

// oracle is an independent reading of a record with encoding/json, for the
// fields the Normalizer copies as they are.
type oracle struct {
	EventID            string          `json:"eventID"`
	EventName          string          `json:"eventName"`
	EventSource        string          `json:"eventSource"`
	AWSRegion          string          `json:"awsRegion"`
	SourceIPAddress    string          `json:"sourceIPAddress"`
	ErrorCode          string          `json:"errorCode"`
	RecipientAccountID string          `json:"recipientAccountId"`
	RequestParameters  json.RawMessage `json:"requestParameters"`
	ResponseElements   json.RawMessage `json:"responseElements"`
	AdditionalData     json.RawMessage `json:"additionalEventData"`
	UserIdentity       *struct {
		Type      string `json:"type"`
		ARN       string `json:"arn"`
		AccountID string `json:"accountId"`
	} `json:"userIdentity"`
}

// checkAgainstOracle compares an event with encoding/json's reading of the
// same record, where the record uses the documented key spelling.
func checkAgainstOracle(t *testing.T, where string, raw []byte, ev *lake.Event) {
	t.Helper()
	var o oracle
	if err := json.Unmarshal(raw, &o); err != nil {
		return // odd types (a number where a string is expected): covered elsewhere
	}
	eq := func(field, got, want string) {
		if want != "" && got != want {
			t.Errorf("%s: %s = %q, want %q", where, field, got, want)
		}
	}
	eq("EventID", ev.EventID, o.EventID)
	eq("EventName", ev.EventName, o.EventName)
	eq("EventSource", ev.EventSource, o.EventSource)
	eq("Region", ev.Region, o.AWSRegion)
	eq("SourceIP", ev.SourceIP, o.SourceIPAddress) // verbatim, leading zeros and all
	eq("ErrorCode", ev.ErrorCode, o.ErrorCode)
	eq("AccountID", ev.AccountID, o.RecipientAccountID)
	if u := o.UserIdentity; u != nil {
		eq("PrincipalType", ev.PrincipalType, u.Type)
		eq("PrincipalAccountID", ev.PrincipalAccountID, u.AccountID)
		switch u.Type {
		case "IAMUser", "AssumedRole", "Role", "Root", "FederatedUser":
			eq("PrincipalARN", ev.PrincipalARN, u.ARN)
		}
	}
	for _, c := range []struct {
		name string
		got  string
		want json.RawMessage
	}{{"RequestParameters", ev.RequestParameters, o.RequestParameters},
		{"ResponseElements", ev.ResponseElements, o.ResponseElements},
		{"AdditionalEventData", ev.AdditionalEventData, o.AdditionalData}} {
		if len(c.want) == 0 || string(c.want) == "null" {
			if c.got != "" {
				t.Errorf("%s: %s = %s, want NULL", where, c.name, c.got)
			}
			continue
		}
		if strings.Contains(string(c.want), Redacted) || strings.Contains(ev.Raw, Redacted) {
			continue // compared after redaction below
		}
		if !jsonEqual(c.got, string(c.want)) {
			t.Errorf("%s: %s = %s, want %s", where, c.name, c.got, c.want)
		}
	}
}

func jsonEqual(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// TestConformanceCorpus streams every record file of the corpus: each record
// must normalize or give a quarantine reason, never panic, and keep the
// invariants of the events table.
func TestConformanceCorpus(t *testing.T) {
	dir := corpusDir(t)
	files := corpusFiles(t, dir)
	if len(files) < 75 {
		t.Fatalf("found %d record files in %s, want the ~90 the README lists", len(files), dir)
	}
	total, normalized := 0, 0
	for _, rel := range files {
		t.Run(rel, func(t *testing.T) {
			data := readCorpusFile(t, rel)
			run := runRecords(t, rel, data)
			if run.Syntax != nil {
				t.Errorf("SyntaxError in a file that is valid JSON: %v", run.Syntax)
			}
			if len(run.ValueErrs) > 0 {
				t.Errorf("%d values that are not objects, first: %v", len(run.ValueErrs), run.ValueErrs[0])
			}
			if len(run.Results) == 0 {
				t.Fatalf("no records read")
			}
			var starts []int64
			if strings.HasSuffix(rel, ".ndjson") || strings.HasSuffix(rel, ".log") {
				starts = lineStarts(data)
				if len(starts) != len(run.Results) {
					t.Errorf("read %d records from %d non-blank lines", len(run.Results), len(starts))
				}
			}
			for i, r := range run.Results {
				where := fmt.Sprintf("record %d at offset %d", i+1, r.Offset)
				if r.Offset < 0 || r.Offset >= int64(len(data)) || data[r.Offset] != '{' {
					t.Errorf("%s: offset does not point at a '{'", where)
				}
				if i < len(starts) && r.Offset != starts[i] {
					t.Errorf("%s: want offset %d, the start of its line", where, starts[i])
				}
				if strings.HasSuffix(rel, ".json") && !bytes.HasPrefix(data[r.Offset:], r.Raw) {
					t.Errorf("%s: Raw is not the input bytes at its offset", where)
				}
				if r.Err != nil {
					known := false
					for _, q := range quarantineReasons {
						known = known || errors.Is(r.Err, q)
					}
					if !known {
						t.Errorf("%s: unexpected error %v", where, r.Err)
					}
					continue
				}
				if r.Kind == KindInsight {
					continue
				}
				normalized++
				ev := &r.Event
				if ev.EventID == "" || ev.EventTime.IsZero() || ev.LogSource != lake.SourceCloudTrail ||
					ev.SourceOffset != r.Offset || ev.SourceObject != rel {
					t.Errorf("%s: EventID %q, EventTime %v, LogSource %q, SourceOffset %d, SourceObject %q",
						where, ev.EventID, ev.EventTime, ev.LogSource, ev.SourceOffset, ev.SourceObject)
				}
				switch ev.Outcome {
				case lake.OutcomeSuccess, lake.OutcomeDenied, lake.OutcomeError:
				default:
					t.Errorf("%s: Outcome %q", where, ev.Outcome)
				}
				// Sign-in failures carry no errorCode: {"ConsoleLogin":"Failure"}.
				signInFailure := strings.Contains(ev.ResponseElements, `"`+ev.EventName+`":"Failure"`)
				if (ev.ErrorCode == "") != (ev.Outcome == lake.OutcomeSuccess) && !signInFailure {
					t.Errorf("%s: ErrorCode %q with Outcome %q", where, ev.ErrorCode, ev.Outcome)
				}
				for name, s := range map[string]string{"Raw": ev.Raw, "RequestParameters": ev.RequestParameters,
					"ResponseElements": ev.ResponseElements, "AdditionalEventData": ev.AdditionalEventData} {
					if s != "" && !jsontext.Value(s).IsValid(jsontext.AllowDuplicateNames(true)) {
						t.Errorf("%s: %s is not valid JSON: %.200s", where, name, s)
					}
				}
				assertValidUTF8(t, ev)
				checkAgainstOracle(t, where, r.Raw, ev)
			}
			total += len(run.Results)
		})
	}
	t.Logf("%d files, %d records, %d events normalized", len(files), total, normalized)
}

// loadRun streams one corpus file, failing the test on a panic.
func loadRun(t *testing.T, rel string) *fileRun {
	t.Helper()
	return runRecords(t, rel, readCorpusFile(t, rel))
}

func TestConformanceLakeFormation(t *testing.T) {
	corpusDir(t)
	run := loadRun(t, "aws-lakeformation-best-practices/lake-formation-cloudtrail.ndjson")
	type want struct {
		heading                      string
		queryID, lfSession, lfSvc    string
		platform, job, sessionName   string
		lfPrincipalRole, sourceIPHas string
	}
	wants := []want{
		{"EMR Serverless FTA", "", "AWSLF-00-NA-111122223333-EXAMPLE01", "UNKNOWN", "EMR_SERVERLESS", "00exampleJob1/00exampleAttempt1", "00exampleJob1,00exampleAttempt1", "EmrServerlessRuntimeRole", "emr-serverless"},
		{"EMR Serverless FGAC", "11111111-2222-3333-4444-555555555555", "AWSLF-00-NA-111122223333-EXAMPLE02", "EMRSERVERLESS", "EMR_SERVERLESS", "00exampleJob2/00exampleAttempt2", "00exampleJob2,00exampleAttempt2", "EmrServerlessRuntimeRole-LF-FGAC", "emr-serverless"},
		{"EMR on EC2 FGAC", "22222222-3333-4444-5555-666666666666", "AWSLF-00-NA-111122223333-EXAMPLE03", "UNKNOWN", "EMR_ON_EC2", "j-EXAMPLECLUSTER/application_1234567890123_0001", "5000", "human-resource-runtime-role", "203.0.113.10"},
		{"Athena FGAC", "33333333-4444-5555-6666-777777777777", "AWSLF-00-AT-111122223333-EXAMPLE04", "ATHENA", "", "", "admin-session", "Admin", "athena.amazonaws.com"},
		{"Glue ETL FGAC", "44444444-5555-6666-7777-888888888888", "AWSLF-00-NA-111122223333-EXAMPLE05", "UNKNOWN", "GLUE_ETL", "EXAMPLE-glue-job-run-id/", "GlueJobRunnerSession", "GlueServiceRole-NoS3", ""},
		{"Redshift", "", "AWSLF-00-RE-111122223333-EXAMPLE06", "REDSHIFT", "", "", "admin-session", "Admin", "redshift"},
		{"Redshift Serverless (queryId NULL)", "", "AWSLF-00-RE-111122223333-EXAMPLE07", "UNKNOWN", "", "", "admin-session", "Admin", "redshift-serverless"},
	}
	evs := run.events()
	if len(run.Results) != 7 || len(evs) != 7 {
		t.Fatalf("%d records, %d events; want all 7 GetDataAccess records normalized", len(run.Results), len(evs))
	}
	for i, w := range wants {
		ev := evs[i].Event
		t.Run(w.heading, func(t *testing.T) {
			checkFields(t, &ev, map[string]any{
				"EventSource": "lakeformation.amazonaws.com", "EventName": "GetDataAccess", "Outcome": lake.OutcomeSuccess,
				"DatabaseName": "flights", "TableName": "flights_local", "QueryID": w.queryID,
				"LFSession": w.lfSession, "LFRequesterService": w.lfSvc, "LFPlatformType": w.platform, "LFJobID": w.job,
				"LFPrincipal": "arn:aws:iam::111122223333:role/" + w.lfPrincipalRole, "PrincipalType": "AssumedRole",
				"ResponseElements": "", "ReadOnly": true,
			})
			if ev.SessionName != w.sessionName || ev.RoleARN != ev.LFPrincipal {
				t.Errorf("SessionName = %q, want %q; RoleARN %q, want the LF principal %q", ev.SessionName, w.sessionName, ev.RoleARN, ev.LFPrincipal)
			}
			if !strings.Contains(ev.SourceIP, w.sourceIPHas) {
				t.Errorf("SourceIP = %q, want it to contain %q", ev.SourceIP, w.sourceIPHas)
			}
			// The loose Athena audit context is not JSON but is kept as text.
			if !strings.Contains(ev.RequestParameters, "additionalAuditContext") && w.platform != "" {
				t.Errorf("RequestParameters lost the audit context: %s", ev.RequestParameters)
			}
		})
	}
}

func TestConformanceAthenaQueries(t *testing.T) {
	corpusDir(t)
	run := loadRun(t, "awsdocs/amazon-athena-user-guide.ndjson")
	var sqe []lake.Event
	for _, r := range run.events() {
		if r.Event.EventName == "StartQueryExecution" {
			sqe = append(sqe, r.Event)
		}
	}
	if len(sqe) != 2 {
		t.Fatalf("%d StartQueryExecution events, want 2", len(sqe))
	}
	checkFields(t, &sqe[0], map[string]any{"QueryID": "b621c254-74e0-48e3-9630-78ed857782f9", "QueryText": "Select 10",
		"Outcome": lake.OutcomeSuccess, "SourceIP": "77.88.999.69", "PrincipalType": "IAMUser", "UserName": "johndoe"})
	// A failed StartQueryExecution has no query id (responseElements is null).
	checkFields(t, &sqe[1], map[string]any{"QueryID": "", "QueryText": "Select 10", "Outcome": lake.OutcomeError,
		"ErrorCode": "InvalidRequestException", "ResponseElements": ""})

	// Panther's copy: space-separated eventTime, very long multi-line query.
	run = loadRun(t, "panther-analysis/records.ndjson")
	r := run.Results[427] // line 428
	if r.Err != nil || r.Event.EventName != "StartQueryExecution" {
		t.Fatalf("panther line 428: %v %q", r.Err, r.Event.EventName)
	}
	checkFields(t, &r.Event, map[string]any{"QueryID": "fc62d701-d474-46a4-b6cf-de6bafdbdb3c", "Workgroup": "Panther",
		"EventTime": time.Date(2021, 10, 19, 4, 50, 27, 0, time.UTC), "RoleARN": "arn:aws:iam::123456789012:role/example-role",
		"SessionName": "example-user"})
	if !strings.HasPrefix(r.Event.QueryText, "-- Query 2 different time windows") || !strings.Contains(r.Event.QueryText, "\n") {
		t.Errorf("QueryText = %.80q", r.Event.QueryText)
	}
}

func TestConformancePanther(t *testing.T) {
	corpusDir(t)
	run := loadRun(t, "panther-analysis/records.ndjson")
	if len(run.Results) != 466 {
		t.Fatalf("%d records, want the 466 the README lists", len(run.Results))
	}
	evs := run.events()
	if len(evs)*100 < 95*len(run.Results) {
		t.Errorf("%d of %d records normalized, want at least 95%%", len(evs), len(run.Results))
	}
	for i, r := range run.Results {
		if r.Err != nil && !errors.Is(r.Err, ErrNoTime) && !errors.Is(r.Err, ErrBadTime) {
			t.Errorf("line %d: quarantined for %v; only records without a readable time may be", i+1, r.Err)
		}
	}
	// About 129 records have "2025-02-19 20:13:49"-style times (the README's
	// count; 127 in eventTime itself): all of them normalize.
	spaced, spacedOK := 0, 0
	for _, r := range run.Results {
		var o struct{ EventTime string }
		if json.Unmarshal(r.Raw, &o) == nil && len(o.EventTime) >= 19 && o.EventTime[10] == ' ' {
			spaced++
			if r.Err == nil {
				spacedOK++
			}
		}
	}
	if spaced < 120 || spacedOK != spaced {
		t.Errorf("%d of %d records with a space-separated eventTime normalized, want all of at least 120", spacedOK, spaced)
	}
	line := func(n int) *lake.Event {
		r := run.Results[n-1]
		if r.Err != nil {
			t.Fatalf("line %d: %v", n, r.Err)
		}
		return &r.Event
	}
	checkFields(t, line(100), map[string]any{"SourceIP": "06.237.252.245", "ErrorCode": "Client.UnauthorizedOperation", "Outcome": lake.OutcomeDenied})
	// Lower-case identity keys.
	for _, n := range []int{102, 106} {
		checkFields(t, line(n), map[string]any{"PrincipalType": "AssumedRole", "PrincipalID": "ARORJ4ULULLE0EEJAAKDO:alan",
			"PrincipalAccountID": "112233445566", "RoleARN": "arn:aws:iam::112233445566:role/TestAdmin", "SessionName": "alan"})
	}
	checkFields(t, line(106), map[string]any{"ErrorCode": "UnauthorizedOperation", "Outcome": lake.OutcomeDenied})
	// Misspelt accesKeyId is harmless.
	for _, n := range []int{152, 325} {
		if line(n).PrincipalType == "" {
			t.Errorf("line %d: no principal type", n)
		}
	}
}

func TestConformanceStratus(t *testing.T) {
	dir := corpusDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "stratus-red-team-detonation-logs", "*.json"))
	if len(files) != 35 {
		t.Fatalf("%d stratus files, want 35", len(files))
	}
	records, events := 0, 0
	outcomes := map[string]int{}
	leadingZero := 0
	for _, f := range files {
		rel, _ := filepath.Rel(dir, f)
		run := loadRun(t, rel)
		records += len(run.Results)
		evs := run.events()
		events += len(evs)
		if len(evs)*100 < 95*len(run.Results) {
			t.Errorf("%s: %d of %d records normalized, want at least 95%%", rel, len(evs), len(run.Results))
		}
		for _, r := range evs {
			outcomes[r.Event.Outcome]++
			if hasLeadingZeroOctet(r.Event.SourceIP) {
				leadingZero++
			}
		}
		if strings.HasSuffix(f, "sts-federation-token.json") {
			found := false
			for _, r := range evs {
				if r.Event.PrincipalType == "FederatedUser" {
					found = true
					if r.Event.SessionName == "" || r.Event.PrincipalARN == "" {
						t.Errorf("FederatedUser without session name or ARN: %+v", r.Event)
					}
				}
			}
			if !found {
				t.Errorf("%s: no FederatedUser event", rel)
			}
		}
	}
	if records != 310 || events*100 < 95*records {
		t.Errorf("%d records, %d events; want 310 records, at least 95%% normalized", records, events)
	}
	// 46 Client.UnauthorizedOperation + 5 AccessDenied; 1 EntityTemporarilyUnmodifiableException.
	if outcomes[lake.OutcomeDenied] != 51 || outcomes[lake.OutcomeError] != 1 {
		t.Errorf("outcomes %v, want 51 denied and 1 error", outcomes)
	}
	if leadingZero == 0 {
		t.Errorf("no anonymised leading-zero source IP was kept verbatim")
	}
}

// hasLeadingZeroOctet reports an IPv4-looking address with an octet such as
// "075" (anonymised stratus logs), which net/netip would reject.
func hasLeadingZeroOctet(ip string) bool {
	parts := strings.Split(ip, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if len(p) > 1 && p[0] == '0' {
			return true
		}
	}
	return false
}

func TestConformanceOTRF(t *testing.T) {
	corpusDir(t)
	run := loadRun(t, "otrf-security-datasets/ec2_proxy_s3_exfiltration_2020-09-14011940.ndjson")
	evs := run.events()
	if len(run.Results) != 103 || len(evs) != 103 {
		t.Fatalf("%d records, %d events; want all 103 normalized", len(run.Results), len(evs))
	}
	data, s3data := 0, 0
	for _, r := range evs {
		var o struct {
			Timestamp string `json:"@timestamp"`
			EventTime string `json:"eventTime"`
		}
		if err := json.Unmarshal(r.Raw, &o); err != nil || o.EventTime != "" || o.Timestamp == "" {
			t.Fatalf("record at %d: want @timestamp and no eventTime (%v)", r.Offset, err)
		}
		want, _ := time.Parse(time.RFC3339Nano, o.Timestamp)
		if !r.Event.EventTime.Equal(want) {
			t.Errorf("record at %d: EventTime %v, want @timestamp %v", r.Offset, r.Event.EventTime, want)
		}
		if r.Event.Category == "Data" {
			data++
			if r.Event.EventSource == "s3.amazonaws.com" && r.Event.S3Bucket != "" {
				s3data++
			}
		}
	}
	if data != 9 || s3data != 9 {
		t.Errorf("%d data events, %d with an S3 bucket; want 9 and 9", data, s3data)
	}
}

func TestConformanceAWSDocs(t *testing.T) {
	corpusDir(t)
	for _, prefix := range []string{"amazon-athena-user-guide", "amazon-s3-userguide", "amazon-sagemaker-developer-guide",
		"aws-cloudtrail-user-guide", "iam-user-guide"} {
		t.Run(prefix, func(t *testing.T) {
			run := loadRun(t, "awsdocs/"+prefix+".ndjson")
			meta := readNDJSON(t, "awsdocs/"+prefix+".meta.ndjson")
			if len(meta) != len(run.Results) {
				t.Fatalf("%d records, %d meta lines", len(run.Results), len(meta))
			}
			for i, r := range run.Results {
				kind, _ := meta[i]["kind"].(string)
				missing, _ := meta[i]["missing_top_level"].([]any)
				lacksIdentity := false
				for _, m := range missing {
					lacksIdentity = lacksIdentity || m == "eventTime" || m == "eventName"
				}
				switch {
				case kind == "insight":
					if r.Err != nil || r.Kind != KindInsight {
						t.Errorf("line %d (insight): %v, %v", i+1, r.Kind, r.Err)
					}
				case lacksIdentity:
					if r.Err == nil {
						t.Errorf("line %d: a fragment without eventTime/eventName normalized", i+1)
					}
				default: // records, and fragments that only lack eventID/eventType
					if r.Err != nil || r.Kind != KindEvent {
						t.Errorf("line %d (%s): %v, %v", i+1, kind, r.Kind, r.Err)
					}
				}
			}
		})
	}
	t.Run("sagemaker", func(t *testing.T) {
		run := loadRun(t, "awsdocs/amazon-sagemaker-developer-guide.ndjson")
		for _, r := range run.events() {
			if r.Event.EventSource != "sagemaker.amazonaws.com" || r.Event.ResourceName == "" {
				t.Errorf("%s: EventSource %q, ResourceName %q", r.Event.EventName, r.Event.EventSource, r.Event.ResourceName)
			}
		}
	})
	t.Run("log-files", func(t *testing.T) {
		files, _ := filepath.Glob(filepath.Join(conformanceDir, "awsdocs", "log-files", "*.json"))
		n := 0
		for _, f := range files {
			rel, _ := filepath.Rel(conformanceDir, f)
			run := loadRun(t, rel)
			if len(run.Results) == 0 || len(run.events()) != len(run.Results) {
				t.Errorf("%s: %d records, %d events", rel, len(run.Results), len(run.events()))
			}
			n += len(run.events())
		}
		if len(files) != 8 || n != 10 {
			t.Errorf("%d log files with %d events, want 8 with 10", len(files), n)
		}
	})
	t.Run("unparsed blocks are skipped or end in a SyntaxError", func(t *testing.T) {
		files, _ := filepath.Glob(filepath.Join(conformanceDir, "awsdocs", "*.unparsed_blocks.ndjson"))
		blocks := 0
		for _, f := range files {
			rel, _ := filepath.Rel(conformanceDir, f)
			for i, b := range readNDJSON(t, rel) {
				text, _ := b["text"].(string)
				run := runRecords(t, fmt.Sprintf("%s block %d", rel, i+1), []byte(text))
				if run.Syntax == nil && len(run.Skips) == 0 {
					t.Errorf("%s block %d (upstream: %v): read without a SyntaxError or a skip", rel, i+1, b["error"])
				}
				blocks++
			}
		}
		if blocks != 13 {
			t.Errorf("%d unparsed blocks, want 13", blocks)
		}
	})
	t.Run("userIdentity fragments", func(t *testing.T) {
		for i, f := range readNDJSON(t, "awsdocs/aws-cloudtrail-user-guide.userIdentity-fragments.ndjson") {
			text, _ := f["verbatim_text"].(string)
			ui, _ := f["userIdentity"].(map[string]any)
			raw := `{"eventTime":"2024-01-01T00:00:00Z","eventSource":"iam.amazonaws.com","eventName":"X",` + strings.TrimSpace(text) + `}`
			ev, kind, err := normalizeString(t, raw)
			if err != nil || kind != KindEvent {
				t.Fatalf("fragment %d: %v, %v", i+1, kind, err)
			}
			if ev.PrincipalType != ui["type"] || ev.PrincipalID != ui["principalId"] {
				t.Errorf("fragment %d: PrincipalType %q, PrincipalID %q; want %v, %v", i+1, ev.PrincipalType, ev.PrincipalID, ui["type"], ui["principalId"])
			}
			if ui["type"] == "AssumedRole" && (ev.RoleARN != "arn:aws:iam::123456789012:role/RoleToBeAssumed" || ev.SessionName != "MySessionName") {
				t.Errorf("fragment %d: RoleARN %q, SessionName %q", i+1, ev.RoleARN, ev.SessionName)
			}
		}
	})
}

func readNDJSON(t *testing.T, rel string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(readCorpusFile(t, rel)))
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		out = append(out, m)
	}
	return out
}

// TestConformanceElastic checks the elastic/integrations inputs against
// SOURCES.ndjson and, where transcribed, against Elastic's expected output.
func TestConformanceElastic(t *testing.T) {
	corpusDir(t)
	runs := map[string]*fileRun{}
	sources := readNDJSON(t, "elastic-integrations/SOURCES.ndjson")
	if len(sources) != 25 {
		t.Fatalf("%d SOURCES entries, want 25", len(sources))
	}
	events := 0
	for _, s := range sources {
		file := s["file"].(string)
		run := loadRun(t, "elastic-integrations/"+file)
		runs[file] = run
		if want := int(s["records"].(float64)); len(run.Results) != want {
			t.Errorf("%s: %d records, SOURCES says %d", file, len(run.Results), want)
		}
		names := s["eventNames"].([]any)
		for _, r := range run.Results {
			if names[0] == "<digest>" {
				if !errors.Is(r.Err, ErrNotEvent) {
					t.Errorf("%s: digest gave %v, want ErrNotEvent", file, r.Err)
				}
				continue
			}
			if r.Err != nil || r.Kind != KindEvent {
				t.Errorf("%s: event record at %d: %v, %v", file, r.Offset, r.Kind, r.Err)
				continue
			}
			events++
			found := false
			for _, n := range names {
				found = found || n == r.Event.EventName
			}
			if !found {
				t.Errorf("%s: EventName %q not in %v", file, r.Event.EventName, names)
			}
		}
	}
	if events != 30 {
		t.Errorf("%d events, want the 30 the README lists", events)
	}

	for _, exp := range readNDJSON(t, "elastic-integrations/expected-condensed.ndjson") {
		file, rec := exp["file"].(string), int(exp["record"].(float64))
		t.Run(fmt.Sprintf("%s#%d", file, rec), func(t *testing.T) {
			run := runs[file]
			if run == nil || rec > len(run.Results) || run.Results[rec-1].Err != nil {
				t.Fatalf("record %d of %s is missing or quarantined", rec, file)
			}
			ev := &run.Results[rec-1].Event
			n := compareElastic(t, ev, exp["assert"].(map[string]any))
			if n < 5 {
				t.Errorf("only %d expected fields map to ours; the comparison is too thin", n)
			}
		})
	}
}

// compareElastic compares our event with Elastic's expected ECS fields that
// have an equivalent column, and returns how many it compared.
func compareElastic(t *testing.T, ev *lake.Event, want map[string]any) int {
	t.Helper()
	n := 0
	str := func(key, got string) {
		if w, ok := want[key]; ok {
			n++
			if got != w {
				t.Errorf("%s: ours %q, Elastic %q", key, got, w)
			}
		}
	}
	str("aws.cloudtrail.user_identity.type", ev.PrincipalType)
	str("aws.cloudtrail.user_identity.arn", ev.PrincipalARN)
	str("aws.cloudtrail.user_identity.session_context.session_issuer.arn", ev.RoleARN)
	str("source.address", ev.SourceIP)
	str("event.id", ev.EventID)
	str("event.action", ev.EventName)
	str("event.provider", ev.EventSource)
	str("cloud.region", ev.Region)
	str("aws.cloudtrail.event_type", ev.EventType)
	str("aws.cloudtrail.event_category", ev.Category)
	str("aws.cloudtrail.request_id", ev.RequestID)
	str("aws.cloudtrail.recipient_account_id", ev.AccountID)
	if w, ok := want["@timestamp"].(string); ok {
		n++
		if ts, err := time.Parse(time.RFC3339Nano, w); err != nil || !ts.Equal(ev.EventTime) {
			t.Errorf("@timestamp: ours %v, Elastic %s", ev.EventTime, w)
		}
	}
	if w, ok := want["event.outcome"].(string); ok {
		n++
		if (w == "success") != (ev.Outcome == lake.OutcomeSuccess) {
			t.Errorf("event.outcome: ours %q, Elastic %q", ev.Outcome, w)
		}
	}
	if w, ok := want["aws.cloudtrail.read_only"].(bool); ok {
		n++
		if ev.ReadOnly == nil || *ev.ReadOnly != w {
			t.Errorf("read_only: ours %v, Elastic %v", ev.ReadOnly, w)
		}
	}
	blob := func(key, got string, moved map[string]string) {
		w, ok := want[key]
		if !ok {
			return
		}
		n++
		var g map[string]any
		if err := json.Unmarshal([]byte(got), &g); err != nil {
			t.Errorf("%s: ours is not a JSON object: %v: %s", key, err, got)
			return
		}
		// Elastic moves some members elsewhere; they must be there with our value.
		for member, to := range moved {
			if v, ok := g[member]; ok && v == want[to] {
				delete(g, member)
			}
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s:\n ours    %v\n Elastic %v", key, g, w)
		}
	}
	blob("aws.cloudtrail.flattened.request_parameters", ev.RequestParameters, nil)
	blob("aws.cloudtrail.flattened.response_elements", ev.ResponseElements, nil)
	blob("aws.cloudtrail.flattened.additional_eventdata", ev.AdditionalEventData, map[string]string{"UserName": "user.name"})
	for key, w := range want {
		member, ok := strings.CutPrefix(key, "aws.cloudtrail.flattened.additional_eventdata.")
		if !ok {
			continue
		}
		n++
		var g map[string]any
		if json.Unmarshal([]byte(ev.AdditionalEventData), &g) != nil || g[member] != w {
			t.Errorf("%s: ours %v, Elastic %v", key, g[member], w)
		}
	}
	if res, ok := want["aws.cloudtrail.resources"].([]any); ok {
		for _, r := range res {
			m := r.(map[string]any)
			if m["type"] == "AWS::S3::Bucket" {
				n++
				if b := strings.TrimPrefix(m["arn"].(string), "arn:aws:s3:::"); ev.S3Bucket != b {
					t.Errorf("S3Bucket %q, Elastic's bucket resource %q", ev.S3Bucket, b)
				}
			}
		}
	}
	return n
}

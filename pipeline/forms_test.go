package pipeline

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/auditlake/auditlake/pipeline/cloudtrail"
	"github.com/auditlake/auditlake/pipeline/lake"
)

// trailRecords reads the records of the scenario's trail objects (the
// CloudTrail/ folder: no digests, no Insights), each object's records
// apart.
func trailRecords(t *testing.T) [][]json.RawMessage {
	t.Helper()
	files, _ := filepath.Glob(scenario + "/trail-bucket/AWSLogs/*/CloudTrail/*/*/*/*/*")
	if len(files) == 0 {
		t.Fatal("no scenario trail objects")
	}
	var out [][]json.RawMessage
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if b, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		}
		rd := cloudtrail.NewReader(bytes.NewReader(b))
		var recs []json.RawMessage
		for {
			rec, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			recs = append(recs, json.RawMessage(bytes.Clone(rec.Raw)))
		}
		out = append(out, recs)
	}
	return out
}

func gz(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// mustJSON encodes v as AWS does: without escaping <, > and & (which
// encoding/json's Marshal does, also inside a RawMessage), so that every
// form carries a record's bytes as the trail file does.
func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// cwlPayload is a CloudWatch Logs subscription payload as the service
// sends it (its documented fields), holding records as log events.
func cwlPayload(t *testing.T, messageType string, messages []string) []byte {
	type logEvent struct {
		ID        string `json:"id"`
		Timestamp int64  `json:"timestamp"`
		Message   string `json:"message"`
	}
	p := struct {
		MessageType         string     `json:"messageType"`
		Owner               string     `json:"owner"`
		LogGroup            string     `json:"logGroup"`
		LogStream           string     `json:"logStream"`
		SubscriptionFilters []string   `json:"subscriptionFilters"`
		LogEvents           []logEvent `json:"logEvents"`
	}{messageType, "111122223333", "aws-cloudtrail-logs-111122223333", "111122223333_CloudTrail_us-east-1", []string{"to-firehose"}, nil}
	for i, m := range messages {
		p.LogEvents = append(p.LogEvents, logEvent{fmt.Sprintf("3795316660696698337880902507980421114328961542429822%04d", i), 1782893412000 + int64(i), m})
	}
	return mustJSON(t, p)
}

// eventBridge is the EventBridge event CloudTrail sends for a record.
func eventBridge(t *testing.T, rec json.RawMessage) []byte {
	var r struct {
		EventType   string `json:"eventType"`
		EventSource string `json:"eventSource"`
		EventTime   string `json:"eventTime"`
		AWSRegion   string `json:"awsRegion"`
		EventID     string `json:"eventID"`
	}
	if err := json.Unmarshal(rec, &r); err != nil {
		t.Fatal(err)
	}
	detailType := map[string]string{"AwsConsoleSignIn": "AWS Console Sign In via CloudTrail", "AwsServiceEvent": "AWS Service Event via CloudTrail"}[r.EventType]
	if detailType == "" {
		detailType = "AWS API Call via CloudTrail"
	}
	return mustJSON(t, map[string]any{
		"version": "0", "id": "eb-" + r.EventID, "detail-type": detailType,
		"source": "aws." + strings.TrimSuffix(r.EventSource, ".amazonaws.com"), "account": "111122223333",
		"time": r.EventTime, "region": r.AWSRegion, "resources": []string{}, "detail": rec,
	})
}

// TestDeliveryFormsIngestLikeTheTrail: the scenario's trail records,
// delivered as CloudWatch Logs subscription payloads (one gzip member each,
// concatenated by Firehose, with a CONTROL_MESSAGE among them, and once more
// gzipped whole) and as EventBridge events (one a line, and concatenated
// as Firehose writes them), ingest to the very events the trail files give,
// but for where they were read from; control messages are skipped and
// counted.
func TestDeliveryFormsIngestLikeTheTrail(t *testing.T) {
	objects := trailRecords(t)
	// One more record whose text holds what JSON encoders like to escape.
	objects[0] = append(objects[0], json.RawMessage(`{"eventVersion":"1.11","eventTime":"2026-07-01T09:30:00Z","eventSource":"athena.amazonaws.com",`+
		`"eventName":"StartQueryExecution","awsRegion":"us-east-1","eventID":"f0000000-0000-4000-8000-00000000003e","eventType":"AwsApiCall",`+
		`"requestParameters":{"queryString":"SELECT * FROM t WHERE a >= 4 AND b < 2 AND c <> '&'"}}`))
	// The plain trail files of the same records, written compact as
	// CloudTrail writes them (the scenario's are indented for reading).
	trailDir, plainLake := t.TempDir(), t.TempDir()
	var records int
	for i, recs := range objects {
		for j := range recs {
			var c bytes.Buffer
			if err := json.Compact(&c, recs[j]); err != nil {
				t.Fatal(err)
			}
			recs[j] = c.Bytes()
		}
		name := fmt.Sprintf("AWSLogs/111122223333/CloudTrail/us-east-1/2026/07/01/111122223333_CloudTrail_us-east-1_20260701T%02d00Z_x.json", i)
		os.MkdirAll(filepath.Join(trailDir, filepath.Dir(name)), 0o755)
		if err := os.WriteFile(filepath.Join(trailDir, name), mustJSON(t, map[string]any{"Records": recs}), 0o644); err != nil {
			t.Fatal(err)
		}
		records += len(recs)
	}
	plain := ingest(t, Options{Inputs: []string{trailDir}, Lake: plainLake})
	if plain.Read != int64(records) || plain.Written == 0 {
		t.Fatalf("the plain trail: %+v, want %d records read", plain, records)
	}

	var firehose, ndjson, concat []byte
	for i, recs := range objects {
		msgs := make([]string, len(recs))
		for j, r := range recs {
			msgs[j] = string(r)
			ndjson = append(append(ndjson, eventBridge(t, r)...), '\n')
			concat = append(concat, eventBridge(t, r)...)
		}
		firehose = append(firehose, gz(t, cwlPayload(t, "DATA_MESSAGE", msgs))...)
		if i == 1 {
			firehose = append(firehose, gz(t, cwlPayload(t, "CONTROL_MESSAGE", []string{"CWL CONTROL MESSAGE: Checking health of destination Firehose."}))...)
		}
	}
	forms := map[string][]byte{
		"cloudwatch-firehose.gz":    firehose,
		"cloudwatch-firehose-gz.gz": gz(t, firehose), // Firehose compression on top
		"eventbridge.ndjson":        ndjson,
		"eventbridge-firehose":      concat,
		"eventbridge-bom.ndjson":    append([]byte("\ufeff\r\n"), ndjson...), // a byte-order mark, then a blank line
	}
	want := eventsByID(t, plainLake)
	for name, body := range forms {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
				t.Fatal(err)
			}
			lakeDir := t.TempDir()
			sum := ingest(t, Options{Inputs: []string{dir}, Lake: lakeDir})
			control := int64(0)
			if strings.HasPrefix(name, "cloudwatch") {
				control = 1
			}
			if sum.Quarantined != 0 || sum.Skipped[SkipControlMessage] != control || sum.Written != plain.Written {
				t.Fatalf("summary %+v; want %d written, %d control message skipped, none quarantined", sum, plain.Written, control)
			}
			got := eventsByID(t, lakeDir)
			for id, w := range want {
				g, ok := got[id]
				if !ok {
					t.Errorf("event %s missing", id)
					continue
				}
				if !reflect.DeepEqual(g, w) {
					t.Errorf("event %s differs from the trail file's:\n got %+v\nwant %+v", id, g, w)
				}
			}
		})
	}
}

// eventsByID reads the committed events of a lake, without the columns
// that say where a record was read from.
func eventsByID(t *testing.T, dir string) map[string]lake.Event {
	t.Helper()
	rows, _ := committedRows[lake.Event](t, dir, lake.Events.Name)
	out := map[string]lake.Event{}
	for _, e := range rows {
		e.SourceObject, e.SourceOffset = "", 0
		out[e.EventID] = e
	}
	return out
}

package report

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/auditlake/auditlake/pipeline"
	"github.com/auditlake/auditlake/pipeline/policy"
	"github.com/auditlake/auditlake/queries"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const (
	trailDir  = "/logs/trail-bucket/AWSLogs/111122223333/CloudTrail/us-east-1/2026/07/01/"
	trail1105 = "111122223333_CloudTrail_us-east-1_20260701T1105Z_26c7563e2e13fe59.json"
	trail1005 = "111122223333_CloudTrail_us-east-1_20260701T1005Z_396663ab5d07e762.json"
)

var (
	windowSince = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	windowUntil = time.Date(2026, 7, 2, 0, 0, 0, 0, time.UTC)
)

// tempLake copies the scenario's logs to a temporary folder, lets edit
// change them, ingests them through the real path and opens the lake.
func tempLake(t *testing.T, edit func(logs string), opts ...func(*pipeline.Options)) *Report {
	t.Helper()
	tmp := t.TempDir()
	logs := filepath.Join(tmp, "logs")
	err := filepath.WalkDir(scenario+"/logs", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(scenario+"/logs", p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(logs, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(logs, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	edit(logs)
	dir := filepath.Join(tmp, "lake")
	ctx := context.Background()
	o := pipeline.Options{Inputs: []string{logs}, Lake: dir, Committer: mustWarehouse(dir)}
	for _, f := range opts {
		f(&o)
	}
	if _, err := pipeline.Ingest(ctx, o); err != nil {
		t.Fatal(err)
	}
	r, err := Open(ctx, Options{Lake: dir, Catalog: []string{scenario + "/catalog"}, Grants: []string{scenario + "/grants"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// gapSQL is the log_delivery_gap detection: the embedded one once it is in
// queries/, else the staged copy in testdata/.
func gapSQL(t *testing.T) string {
	t.Helper()
	if q, err := queries.Load("detections/log_delivery_gap"); err == nil {
		return q.SQL
	}
	b, err := os.ReadFile("testdata/detect_log_delivery_gap.sql")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func gapFindings(t *testing.T, r *Report) []string {
	t.Helper()
	ctx := context.Background()
	if err := r.LoadManifests(ctx); err != nil {
		t.Fatal(err)
	}
	rows, err := r.Query(ctx, "SELECT "+FindingColumns+" FROM ("+strings.TrimSuffix(strings.TrimSpace(gapSQL(t)), ";")+") ORDER BY ALL")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, v := range rows.Values {
		if ids, _ := v[7].([]any); len(ids) == 0 {
			t.Errorf("finding without ids: %v", v)
		}
		out = append(out, strings.Join([]string{text(v[0]), text(v[1]), text(v[2]), text(v[5])}, " "))
	}
	return out
}

func TestLoadManifests(t *testing.T) {
	r := openScenario(t)
	ctx := context.Background()
	for range 2 { // idempotent
		if err := r.LoadManifests(ctx); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := r.Query(ctx, `SELECT (SELECT count(*) FROM ingest_objects), (SELECT count(*) FROM ingest_objects WHERE format = 'cloudtrail'),
		(SELECT sum(events) FROM ingest_hours WHERE format = 'cloudtrail'), (SELECT count(*) FROM digest_files),
		(SELECT min(start) FROM digest_files), (SELECT max("end") FROM digest_files)`)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]string, len(rows.Values[0]))
	for i, v := range rows.Values[0] {
		got[i] = text(v)
	}
	if want := "10 6 37 6 2026-07-01T08:00:00Z 2026-07-01T15:00:00Z"; strings.Join(got, " ") != want {
		t.Errorf("manifest tables: %s, want %s", strings.Join(got, " "), want)
	}
}

// Must not fire: the digest lists exactly the six trail files ingested,
// and hour 12 (no CloudTrail event) is vouched for by the digest.
func TestLogDeliveryGapScenario(t *testing.T) {
	if got := gapFindings(t, openScenario(t)); len(got) != 0 {
		t.Errorf("log_delivery_gap fired on the scenario: %v", got)
	}
}

// Must fire: the 11:05 trail file the digest lists was never delivered.
func TestLogDeliveryGapMissingFile(t *testing.T) {
	r := tempLake(t, func(logs string) {
		if err := os.Remove(logs + strings.TrimPrefix(trailDir, "/logs") + trail1105); err != nil {
			t.Fatal(err)
		}
	})
	got := gapFindings(t, r)
	want := "log_delivery_gap high 2026-07-01T08:00:00Z s3://org-audit-trail-bucket/AWSLogs/111122223333/CloudTrail/us-east-1/2026/07/01/" + trail1105
	if strings.Join(got, "\n") != want {
		t.Errorf("log_delivery_gap:\n%s\nwant\n%s", strings.Join(got, "\n"), want)
	}
}

func compliance(t *testing.T, r *Report, format string) []byte {
	t.Helper()
	ctx := context.Background()
	p, err := policy.Parse([]byte(scenarioPolicy(t)), "policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.LoadManifests(ctx); err != nil { // before LoadPolicy: log_delivery_gap reads the tables
		t.Fatal(err)
	}
	if err := r.LoadPolicy(ctx, p); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := r.Compliance(ctx, windowSince, windowUntil, &b, format); err != nil {
		t.Fatal(err)
	}
	if !snapshotLine.Match(b.Bytes()) {
		t.Errorf("the %s report does not state the lake snapshot", format)
	}
	// Snapshot ids and times differ from lake to lake: the rest is compared.
	return snapshotLine.ReplaceAll(b.Bytes(), []byte("${1}SNAPSHOT"))
}

var snapshotLine = regexp.MustCompile(`(Lake snapshot: |"snapshot": ")[a-z_\\]+ (?:[0-9]+ \\?\([^)]*\)|empty)(?:, [a-z_\\]+ (?:[0-9]+ \\?\([^)]*\)|empty))*(?:, derived tables of build [0-9TZ.a-f]+-[0-9a-f]+)?`)

func TestComplianceGolden(t *testing.T) {
	r := openScenario(t)
	for _, format := range []string{"md", "json"} {
		t.Run(format, func(t *testing.T) {
			got := compliance(t, r, format)
			golden := filepath.Join("testdata", "compliance."+format)
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestComplianceGolden -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s (go test -run TestComplianceGolden -update to accept):\n%s", format, golden, got)
			}
		})
	}
}

// Same inputs, same bytes: twice on one report and once on a second one.
func TestComplianceDeterministic(t *testing.T) {
	r := openScenario(t)
	for _, format := range ComplianceFormats {
		a, b := compliance(t, r, format), compliance(t, r, format)
		r2, err := Open(context.Background(), Options{Lake: scenarioLake(t),
			Catalog: []string{scenario + "/catalog"}, Grants: []string{scenario + "/grants"}})
		if err != nil {
			t.Fatal(err)
		}
		c := compliance(t, r2, format)
		r2.Close()
		if !bytes.Equal(a, b) || !bytes.Equal(a, c) {
			t.Errorf("%s: two runs differ", format)
		}
	}
}

func TestComplianceErrors(t *testing.T) {
	r := openScenario(t)
	ctx := context.Background()
	var b bytes.Buffer
	if err := r.Compliance(ctx, windowSince, windowUntil, &b, "pdf"); err == nil {
		t.Error("unknown format accepted")
	}
	if err := r.Compliance(ctx, windowUntil, windowSince, &b, "md"); err == nil {
		t.Error("until before since accepted")
	}
}

// A denied call whose error code carries markup: the HTML report shows it
// as text, holds no script and loads nothing.
func TestComplianceHTMLEscapes(t *testing.T) {
	const evil = `AccessDeniedException<script>alert(1)</script><img src=x onerror=alert(2)>`
	r := tempLake(t, func(logs string) {
		f := logs + strings.TrimPrefix(trailDir, "/logs") + trail1005
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := strings.Replace(string(b), `"errorCode": "AccessDeniedException"`, `"errorCode": "`+strings.ReplaceAll(evil, `"`, `\"`)+`"`, 1)
		if s == string(b) {
			t.Fatal("no errorCode to replace")
		}
		if err := os.WriteFile(f, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	})
	out := string(compliance(t, r, "html"))
	if !strings.Contains(out, "AccessDeniedException&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;") {
		t.Errorf("injected value not shown escaped:\n%s", out)
	}
	lower := strings.ToLower(out)
	for _, bad := range []string{"<script", "<img", "<link", "src=\"", "href=", "http://", "https://", "@import", "url("} {
		if strings.Contains(lower, bad) {
			t.Errorf("HTML report holds %q", bad)
		}
	}
	md := string(compliance(t, r, "md"))
	if strings.Contains(md, "<script") {
		t.Error("Markdown report holds <script")
	}
}

// Control bytes from the logs (a user agent that clears the screen, a NUL)
// reach no output raw: CSV and HTML escape them as tables do.
func TestControlBytesNeverLeaveRaw(t *testing.T) {
	evil := "Boto3\x1b[2J\x00 \x07ua\ttab"
	rows := &Rows{Columns: []string{"user_agent"}, Values: [][]any{{evil}}}
	for _, format := range Formats {
		var b bytes.Buffer
		if err := Write(&b, format, rows); err != nil {
			t.Fatal(err)
		}
		if strings.ContainsAny(b.String(), "\x1b\x00\x07") {
			t.Errorf("--format %s writes raw control bytes: %q", format, b.String())
		}
	}
	doc := &complianceDoc{Snapshot: "events 1 (x)", Sections: []*complianceSection{{ID: "s", Title: "S", Columns: []string{"user_agent"}, Rows: [][]any{{evil}}}}}
	var h bytes.Buffer
	if err := complianceHTML.Execute(&h, doc.htmlView()); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(h.String(), "\x1b\x00\x07") || !strings.Contains(h.String(), `\x1b[2J`) {
		t.Errorf("HTML report carries raw control bytes or drops them: %q", h.String())
	}
}

// Records dated 0001 and 9999 (hostile or broken) must not make the hour
// series walk every hour between them: the gap detection and the
// completeness table stay as small as the hours that hold data.
func TestFarApartTimestampsBoundTheHourSeries(t *testing.T) {
	r := tempLake(t, func(logs string) {
		rec := func(id, at string) string {
			return `{"eventVersion":"1.09","eventTime":"` + at + `","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-east-1","eventID":"` + id + `","recipientAccountId":"111122223333","userIdentity":{"type":"Root","accountId":"111122223333"}}`
		}
		body := `{"Records":[` + rec("far-future", "9999-12-31T23:00:00Z") + "," + rec("far-past", "0001-01-01T00:00:00Z") + `]}`
		if err := os.WriteFile(filepath.Join(logs, "far-apart.json"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}, func(o *pipeline.Options) {
		// Let them in (ingest quarantines them by default) to test the SQL.
		o.NotBefore, o.NotAfter = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
	})
	ctx := context.Background()
	p, err := policy.Parse([]byte(scenarioPolicy(t)), "policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.LoadManifests(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.LoadPolicy(ctx, p); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := r.Findings(ctx); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := r.Compliance(ctx, time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 0, 0, time.UTC), &b, "json"); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Sections []struct {
			ID   string
			Rows []json.RawMessage
		}
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, s := range doc.Sections {
		if s.ID == "ingestion_by_hour" && len(s.Rows) > 200 {
			t.Errorf("ingestion_by_hour has %d rows for a lake of a dozen hours with data", len(s.Rows))
		}
	}
	t.Logf("findings and compliance over 0001–9999 in %s", time.Since(start))
}

package report

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
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
	trail1305 = "111122223333_CloudTrail_us-east-1_20260701T1305Z_e0ca09c60d510b32.json"
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
	if want := "10 6 49 6 2026-07-01T08:00:00Z 2026-07-01T15:00:00Z"; strings.Join(got, " ") != want {
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
	b := complianceRaw(t, r, format)
	if !snapshotLine.Match(b) {
		t.Errorf("the %s report does not state the lake snapshot", format)
	}
	// Snapshot ids and times differ from lake to lake: the rest is compared.
	return snapshotLine.ReplaceAll(b, []byte("${1}SNAPSHOT"))
}

// complianceRaw is the scenario policy's compliance report of the window.
func complianceRaw(t *testing.T, r *Report, format string) []byte {
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
	return b.Bytes()
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

// A denied call whose error code carries markup, and a caller whose ARN
// does: the HTML report shows both as text (in tables and in the SVG
// charts), holds no script and loads nothing.
func TestComplianceHTMLEscapes(t *testing.T) {
	const evil = `AccessDeniedException<script>alert(1)</script><img src=x onerror=alert(2)>`
	const bob = `"arn": "arn:aws:iam::111122223333:user/contractor-bob"`
	r := tempLake(t, func(logs string) {
		edit := func(name, old, new string) {
			f := logs + strings.TrimPrefix(trailDir, "/logs") + name
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			s := strings.ReplaceAll(string(b), old, new)
			if s == string(b) {
				t.Fatalf("%s: no %s to replace", name, old)
			}
			if err := os.WriteFile(f, []byte(s), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		edit(trail1005, `"errorCode": "AccessDeniedException"`, `"errorCode": "`+strings.ReplaceAll(evil, `"`, `\"`)+`"`)
		edit(trail1305, bob, strings.TrimSuffix(bob, `"`)+`<svg onload=alert(4)>"`)
	})
	out := string(compliance(t, r, "html"))
	for _, want := range []string{
		"AccessDeniedException&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;",
		"<title>user/contractor-bob&lt;svg onload=alert(4)&gt;</title>", // a label of the denied-attempts chart
	} {
		if !strings.Contains(out, want) {
			t.Errorf("injected value not shown escaped (%s):\n%s", want, out)
		}
	}
	lower := strings.ToLower(out)
	for _, bad := range []string{"<script", "<img", "<svg onload", "onload=", "<link", "src=\"", "href=", "http://", "https://", "@import", "url("} {
		if strings.Contains(strings.ReplaceAll(lower, "onload=alert(4)&gt;", ""), bad) {
			t.Errorf("HTML report holds %q", bad)
		}
	}
	md := string(compliance(t, r, "md"))
	if strings.Contains(md, "<script") || strings.Contains(md, "<svg") {
		t.Error("Markdown report holds markup")
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
	doc := &complianceDoc{Snapshot: "events 1 (x)", Sections: []*complianceSection{
		{ID: "s", Title: "S", Columns: []string{"user_agent"}, Rows: [][]any{{evil}}},
		{ID: "denied_by_profile", Title: "D", Columns: []string{"who", "denied_calls", "denied_columns"}, Rows: [][]any{{evil, int64(1), int64(0)}}},
	}}
	var h bytes.Buffer
	if err := doc.html(&h); err != nil {
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

// The summary's numbers are the same in the JSON, the Markdown and the
// HTML; the charts draw the numbers of their sections; and on the
// scenario they are the hand-checked ones.
func TestComplianceFormatsCarryTheSameNumbers(t *testing.T) {
	r := openScenario(t)
	var doc struct {
		Sections []struct {
			ID      string
			Columns []string
			Rows    []map[string]any
		}
	}
	if err := json.Unmarshal(compliance(t, r, "json"), &doc); err != nil {
		t.Fatal(err)
	}
	section := func(id string) []map[string]any {
		for _, s := range doc.Sections {
			if s.ID == id {
				return s.Rows
			}
		}
		t.Fatalf("no section %s", id)
		return nil
	}
	summary := section("summary")
	if len(summary) != 1 {
		t.Fatalf("summary rows: %v", summary)
	}
	jsonVal := map[string]string{}
	for k, v := range summary[0] {
		jsonVal[k] = fmt.Sprint(v)
	}
	// Hand-checked on the scenario (testdata/scenario, its README).
	// analyst-us adds 2 successful accesses (its two queries), a profile,
	// 3 data accesses (and its S3 read), 6 findings (4 medium permission
	// changes, its column outside the allow-list and Bob's delete, high).
	// 4 denied calls: Bob's refused GetObject is in CloudTrail and the
	// access log (request 10F26019864E5C6C) and is one call.
	for k, want := range map[string]string{"accesses": "11", "profiles": "5", "tables": "4", "sensitive_reads": "1",
		"findings": "21", "findings_high": "10", "findings_medium": "11", "findings_low": "0", "denied_calls": "4",
		"denied_columns": "5", "data_accesses": "19", "unattributed": "2", "unattributed_percent": "10.5",
		"sources": "3", "objects": "9", "gap_hours": "6", "digest_listed": "6", "digest_ingested": "6"} {
		if jsonVal[k] != want {
			t.Errorf("summary %s = %s, want %s", k, jsonVal[k], want)
		}
	}

	md := string(compliance(t, r, "md"))
	mdSummary, _, _ := strings.Cut(strings.SplitN(md, "## Summary\n", 2)[1], "\n## ")
	mdVal := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^- ([a-z\\_]+): (.*)$`).FindAllStringSubmatch(mdSummary, -1) {
		mdVal[strings.ReplaceAll(m[1], `\_`, "_")] = m[2]
	}
	html := string(compliance(t, r, "html"))
	htmlVal := map[string]string{}
	for _, m := range regexp.MustCompile(`data-measure="([a-z_]+)"[^>]*>([^<]*)<`).FindAllStringSubmatch(html, -1) {
		htmlVal[m[1]] = m[2]
	}
	if len(jsonVal) != 20 {
		t.Errorf("%d summary numbers, want 20: %v", len(jsonVal), jsonVal)
	}
	for k, v := range jsonVal {
		if mdVal[k] != v || htmlVal[k] != v {
			t.Errorf("summary %s: json %s, md %q, html %q", k, v, mdVal[k], htmlVal[k])
		}
	}

	// Each chart's marks say the numbers of its section.
	marks := func(chart string) []string {
		fig := regexp.MustCompile(`(?s)<figure id="` + chart + `">.*?</figure>`).FindString(html)
		var out []string
		for _, m := range regexp.MustCompile(`<rect class="mark"[^>]*><title>([^<]*)</title>`).FindAllStringSubmatch(fig, -1) {
			out = append(out, m[1])
		}
		return out
	}
	var want []string
	for _, row := range section("findings_by_day") {
		want = append(want, fmt.Sprintf("%s: %v %s findings", row["day"], row["findings"], row["severity"]))
	}
	if got := marks("chart-findings-per-day"); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("findings per day: %q, want %q", got, want)
	}
	want = nil
	for _, row := range section("access_by_table") {
		w := fmt.Sprintf("%s read %s: %v access", row["studio_profile"], row["table"], row["accesses"])
		if row["accesses"] != float64(1) {
			w += "es"
		}
		if n := row["sensitive_columns"]; n != float64(0) {
			w += fmt.Sprintf(", %v sensitive column", n)
		}
		want = append(want, w)
	}
	if got := marks("chart-access-heat-map"); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("heat map: %q, want %q", got, want)
	}
	n := 0
	for _, row := range section("ingestion_by_hour") {
		if row["gap"] == true {
			n++
		}
	}
	if got := strings.Count(strings.Join(marks("chart-ingestion"), "|"), "no events (a gap)"); got != n || n != 6 {
		t.Errorf("ingestion chart: %d gaps drawn, section has %d (want 6)", got, n)
	}
	calls := 0.0
	for _, row := range section("denied_by_profile") {
		calls += row["denied_calls"].(float64)
	}
	if got := len(marks("chart-denied")); calls != 4 || got != 6 { // 4 callers: 3 with calls refused, 3 with columns refused
		t.Errorf("denied chart: %d marks, %v calls refused", got, calls)
	}
}

// The HTML is read in this order: the summary, the charts, the access
// matrix (profiles × tables, each cell opening to its columns, sensitive
// ones marked), findings grouped by rule, then the tables.
func TestComplianceHTMLLayout(t *testing.T) {
	html := string(compliance(t, openScenario(t), "html"))
	order := []string{`<section id="summary">`, `class="cards"`, `<figure id="chart-findings-per-day">`, `<figure id="chart-access-heat-map">`,
		`<figure id="chart-ingestion">`, `<figure id="chart-denied">`, `<section id="matrix">`, `<table class="matrix">`,
		`<section id="findings">`, `<section id="denied">`, `<section id="attribution">`, `<section id="ingestion">`}
	at := -1
	for _, s := range order {
		i := strings.Index(html, s)
		if i <= at {
			t.Errorf("%s at %d, not after the part before (%d)", s, i, at)
		}
		at = i
	}
	matrix := regexp.MustCompile(`(?s)<table class="matrix">.*?</table>`).FindString(html)
	if got := strings.Count(matrix, `<th class="t"`); got != 4 {
		t.Errorf("matrix: %d tables, want 4", got)
	}
	if got := strings.Count(matrix, "<tr>") - 1; got != 6 {
		t.Errorf("matrix: %d profiles, want 6", got)
	}
	if got := strings.Count(matrix, "<details>"); got != 8 {
		t.Errorf("matrix: %d cells, want 8", got)
	}
	// A column read through a data cells filter shows its row filter.
	if !strings.Contains(matrix, `<li>star_rating: 1 (athena) <span class="rows">rows: marketplace = &#39;US&#39;</span></li>`) {
		t.Errorf("matrix: analyst-us's filtered column has no row filter:\n%s", matrix)
	}
	if !regexp.MustCompile(`data-scientist-full</th><td class="m h5"><details><summary[^>]*>4 <span class="badge sensitive">1 sensitive</span></summary>\s*<ul>[^\n]*<li>customer_id: 1 \(athena\) <span class="badge sensitive">sensitive</span></li>`).MatchString(matrix) {
		t.Errorf("matrix: the full profile's sensitive read is not marked:\n%s", matrix)
	}
	// One group per rule, the high ones first.
	var rules []string
	for _, m := range regexp.MustCompile(`<div class="group"><h3><span class="sev ([a-z]+)">[a-z]+</span> ([a-z0-9_]+) `).FindAllStringSubmatch(html, -1) {
		rules = append(rules, m[1]+" "+m[2])
	}
	// By severity, then the most findings (lf_permission_change: 6, one high), then by name.
	want := "high lf_permission_change|high audit_trail_tampering|high lf_bypass_s3_read|high s3_outside_vpc_endpoint|high sagemaker_job_without_vpc|" +
		"high column_outside_grant|medium sagemaker_without_kms|medium access_denied_burst|medium sagemaker_unapproved_instance_type|" +
		"medium sensitive_column_read|medium unattributed_data_access"
	if strings.Join(rules, "|") != want {
		t.Errorf("finding groups:\n%s\nwant\n%s", strings.Join(rules, "|"), want)
	}
	// A long ARN is shortened, the whole of it on hover and in print.
	if !strings.Contains(html, `<span class="short" title="arn:aws:iam::111122223333:user/contractor-bob">user/contractor-bob</span><span class="full">arn:aws:iam::111122223333:user/contractor-bob</span>`) {
		t.Error("no shortened ARN with its whole value")
	}
}

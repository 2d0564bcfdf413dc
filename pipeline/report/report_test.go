package report

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	scn "github.com/auditlake/auditlake/pipeline/testsupport/scenario"
	"github.com/auditlake/auditlake/pipeline/warehouse"
)

const scenario = scn.Dir

func scenarioLake(t *testing.T) string { return scn.Lake(t) }

func openScenario(t *testing.T) *Report {
	t.Helper()
	r, err := Open(context.Background(), Options{Lake: scenarioLake(t),
		Catalog: []string{scenario + "/catalog"}, Grants: []string{scenario + "/grants"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// access renders a column_access row for comparison.
func access(r *Rows, i int) string {
	get := func(name string) string {
		for j, c := range r.Columns {
			if c == name {
				return text(r.Values[i][j])
			}
		}
		return "?"
	}
	return fmt.Sprintf("%s %s %s.%s.%s %s %s %s", get("studio_profile"), get("engine"), get("database_name"), get("table_name"),
		get("column_name"), get("certainty"), get("outcome"), get("query_id"))
}

func accesses(t *testing.T, r *Report, f WhoFilter) []string {
	t.Helper()
	rows, err := r.Who(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := range rows.Values {
		out = append(out, access(rows, i))
	}
	sort.Strings(out)
	return out
}

const (
	q1 = "6f0c2d1e-3a4b-4c5d-8e9f-0a1b2c3d4e01" // full: named columns
	q2 = "6f0c2d1e-3a4b-4c5d-8e9f-0a1b2c3d4e02" // limited: SELECT *
	q3 = "6f0c2d1e-3a4b-4c5d-8e9f-0a1b2c3d4e03" // limited: names customer_id, fails
)

// The acceptance answer: exactly the profile and query that read
// customer_id; not the limited profile's SELECT *, whose grant excludes it.
func TestWhoReadCustomerID(t *testing.T) {
	r := openScenario(t)
	got := accesses(t, r, WhoFilter{Table: "amazon_reviews_db.amazon_reviews_parquet", Column: "customer_id"})
	want := []string{"data-scientist-full athena amazon_reviews_db.amazon_reviews_parquet.customer_id exact success " + q1}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("who read customer_id:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	got = accesses(t, r, WhoFilter{Column: "customer_id", Attempts: true})
	want = append(want, "data-scientist-limited athena amazon_reviews_db.amazon_reviews_parquet.customer_id exact denied "+q3)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("who tried customer_id:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// Scenario 1: the limited profile's SELECT * returns every column but the
// two its grant excludes.
func TestSelectStarIntersectsTheGrant(t *testing.T) {
	r := openScenario(t)
	got := accesses(t, r, WhoFilter{Profile: "data-scientist-limited"})
	var cols []string
	for _, g := range got {
		f := strings.Fields(g)
		if f[len(f)-1] != q2 {
			t.Errorf("limited profile read outside its SELECT *: %s", g)
			continue
		}
		cols = append(cols, strings.TrimPrefix(f[2], "amazon_reviews_db.amazon_reviews_parquet."))
	}
	want := "helpful_votes marketplace product_category product_id product_parent product_title review_body review_date review_headline star_rating total_votes verified_purchase vine year"
	if strings.Join(cols, " ") != want {
		t.Errorf("limited SELECT * columns:\n%s\nwant\n%s", strings.Join(cols, " "), want)
	}
}

// The scenario's Lake Formation additions (issue 11): analyst-us's
// SELECT * over tpc.dl_tpc_customer expands through its tag-based grant
// (classification=public, the database's tag from the LF-Tag listing) to
// the 11 columns not tagged pii at 08:04:20; its query through the data
// cells filter us_marketplace reads three columns of the US rows, and the
// row filter is kept beside them; Athena's S3 read for it, with vended
// credentials and through no VPC endpoint, is Athena's read.
func TestTagAndFilterGrantsOnScenario(t *testing.T) {
	r := openScenario(t)
	const q4, q5 = "6f0c2d1e-3a4b-4c5d-8e9f-0a1b2c3d4e04", "6f0c2d1e-3a4b-4c5d-8e9f-0a1b2c3d4e05"
	rows, err := r.Query(context.Background(), `SELECT query_id, table_name, column_name, coalesce(row_filter, '-')
		FROM column_access WHERE studio_profile = 'analyst-us' AND outcome = 'success' ORDER BY query_id, column_name`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range rows.Values {
		got = append(got, fmt.Sprintf("%s %s.%s %s", strings.TrimPrefix(text(v[0]), "6f0c2d1e-3a4b-4c5d-8e9f-0a1b2c3d4e"), v[1], v[2], v[3]))
	}
	want := []string{
		"04 dl_tpc_customer.c_birth_country -", "04 dl_tpc_customer.c_birth_year -", "04 dl_tpc_customer.c_current_addr_sk -",
		"04 dl_tpc_customer.c_current_cdemo_sk -", "04 dl_tpc_customer.c_current_hdemo_sk -", "04 dl_tpc_customer.c_customer_id -",
		"04 dl_tpc_customer.c_customer_sk -", "04 dl_tpc_customer.c_first_sales_date_sk -", "04 dl_tpc_customer.c_first_shipto_date_sk -",
		"04 dl_tpc_customer.c_last_review_date_sk -", "04 dl_tpc_customer.c_preferred_cust_flag -",
		"05 amazon_reviews_parquet.marketplace marketplace = 'US'", "05 amazon_reviews_parquet.product_title marketplace = 'US'",
		"05 amazon_reviews_parquet.star_rating marketplace = 'US'",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("analyst-us columns:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var vpce, via, engine, profile, query string
	var copied bool
	if err := r.DB.QueryRowContext(context.Background(), `SELECT coalesce(vpc_endpoint_id, '-'), via_service, engine, studio_profile, query_id,
		copy_event_id IS NOT NULL FROM s3_reads WHERE request_id = '5D1E7A3C9B2F4E60'`).Scan(&vpce, &via, &engine, &profile, &query, &copied); err != nil {
		t.Fatal(err)
	}
	if vpce != "-" || via != "athena.amazonaws.com" || engine != "athena" || profile != "analyst-us" || query != q5 || !copied {
		t.Errorf("the analyst's vended read: endpoint %s, via %s, engine %s, profile %s, query %s, access-log copy %v", vpce, via, engine, profile, query, copied)
	}
}

// Every engine and the table-level rows, for all five scenarios.
func TestColumnAccessAllEngines(t *testing.T) {
	r := openScenario(t)
	var tableLevel []string
	for _, a := range accesses(t, r, WhoFilter{Attempts: true}) {
		if !strings.Contains(a, " athena ") {
			tableLevel = append(tableLevel, a)
		}
	}
	want := []string{
		// scenario 2: EMR runtime roles, attributed through GetClusterSessionCredentials
		"david emr tpc.dl_tpc_customer. table success spark-a1b2c3",
		"david emr tpc.dl_tpc_customer_address. table denied ",
		"tina emr tpc.dl_tpc_item. table success ",
		"tina emr tpc.dl_tpc_web_sales. table success ",
		// scenario 3: credential vending, and the S3 read with the vended session
		"data-scientist-full other amazon_reviews_db.amazon_reviews_parquet. table success ",
		"data-scientist-full s3 amazon_reviews_db.amazon_reviews_parquet. table success ",
		// scenario 4: a presigned URL by the full profile's role, around Lake Formation
		"data-scientist-full s3 amazon_reviews_db.amazon_reviews_parquet. table success ",
		// scenario 4/5: a contractor reading the data bucket directly
		" s3 amazon_reviews_db.amazon_reviews_parquet. table denied ",
		" s3 amazon_reviews_db.amazon_reviews_parquet. table success ",
	}
	sort.Strings(want)
	if strings.Join(tableLevel, "\n") != strings.Join(want, "\n") {
		t.Errorf("non-Athena access:\n%s\nwant\n%s", strings.Join(tableLevel, "\n"), strings.Join(want, "\n"))
	}
	n := len(accesses(t, r, WhoFilter{}))
	if n != 39 { // 4 (q1) + 14 (q2) + 11 (q4) + 3 (q5) + 3 EMR + 1 vending + 3 S3 reads
		t.Errorf("%d successful accesses, want 39", n)
	}
}

// Every S3 read made with Lake Formation credentials is attributed to the
// profile that caused it (scenario 1 and 3); direct reads are bypasses.
func TestS3ReadsAttributed(t *testing.T) {
	r := openScenario(t)
	rows, err := r.Query(context.Background(), `
		SELECT s3_key, coalesce(studio_profile, ''), via_lake_formation, lf_bypass, coalesce(attributed_via, ''), log_source, outcome
		FROM s3_reads ORDER BY event_time, event_id`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range rows.Values {
		got = append(got, fmt.Sprintf("%s %s lf=%v bypass=%v via=%s %s %s",
			strings.TrimPrefix(text(v[0]), "parquet/product_category=Books/"), text(v[1]), v[2], v[3], text(v[4]), text(v[5]), text(v[6])))
	}
	want := []string{
		"part-00000-4d3c.snappy.parquet data-scientist-full lf=true bypass=false via=lf_session cloudtrail success",
		"part-00001-4d3c.snappy.parquet data-scientist-full lf=true bypass=false via=lf_session cloudtrail success",
		"part-00000-4d3c.snappy.parquet data-scientist-limited lf=true bypass=false via=lf_session cloudtrail success",
		"part-00001-4d3c.snappy.parquet data-scientist-limited lf=true bypass=false via=lf_session s3_access_log success",
		"part-00000-4d3c.snappy.parquet analyst-us lf=true bypass=false via=lf_session cloudtrail success",
		"part-00000-4d3c.snappy.parquet data-scientist-full lf=true bypass=false via=lf_session cloudtrail success",
		"part-00000-4d3c.snappy.parquet  lf=false bypass=true via= cloudtrail success",
		"part-00001-4d3c.snappy.parquet  lf=false bypass=true via= cloudtrail denied",
		"part-00000-4d3c.snappy.parquet data-scientist-full lf=false bypass=true via=caller s3_access_log success",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("s3_reads:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestFormatsEscapeLogContent(t *testing.T) {
	rows := &Rows{Columns: []string{"a", "b"}, Values: [][]any{{"=HYPERLINK(\"http://evil\")", "x|y\x1b[2J<script>"}}}
	var b bytes.Buffer
	Write(&b, "csv", rows)
	if !strings.Contains(b.String(), `'=HYPERLINK`) {
		t.Errorf("csv formula not defused: %q", b.String())
	}
	b.Reset()
	Write(&b, "table", rows)
	if strings.Contains(b.String(), "\x1b") {
		t.Errorf("table passes a terminal escape: %q", b.String())
	}
	b.Reset()
	Write(&b, "md", rows)
	if strings.Contains(b.String(), "<script>") || !strings.Contains(b.String(), `x\|y`) {
		t.Errorf("markdown not escaped: %q", b.String())
	}
	b.Reset()
	Write(&b, "json", rows)
	var obj map[string]string
	if json.Unmarshal(b.Bytes(), &obj) != nil || obj["b"] != "x|y\x1b[2J<script>" {
		t.Errorf("json did not round-trip: %q", b.String())
	}
	if err := Write(&b, "xml", rows); err == nil {
		t.Error("unknown format accepted")
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	scn.Cleanup()
	os.Exit(code)
}

// Scenarios 4 and 5: the guardrail facts are queryable per profile
// (detections over them are the reporter's policy rules).
func TestGuardrailScenarios(t *testing.T) {
	r := openScenario(t)
	ctx := context.Background()
	rows, err := r.Query(ctx, `
		SELECT event_name, resource_name, coalesce(studio_profile, coalesce(user_name, '')), in_vpc, coalesce(kms_key_id, ''), instance_type
		FROM events WHERE event_source = 'sagemaker.amazonaws.com' AND in_vpc IS NOT NULL ORDER BY event_time`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range rows.Values {
		got = append(got, fmt.Sprintf("%s %s %s vpc=%v kms=%v %s", v[0], v[1], v[2], v[3], text(v[4]) != "", v[5]))
	}
	want := []string{
		"CreateTrainingJob xgb-churn-2026-07-01-13-00 data-scientist-full vpc=false kms=false ml.p4d.24xlarge",
		"CreateProcessingJob feature-prep-2026-07-01 data-scientist-limited vpc=true kms=true ml.m5.xlarge",
		"CreateNotebookInstance bob-scratch contractor-bob vpc=false kms=false ml.t3.medium",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("SageMaker resources:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The domain turned sourceIdentity on, and a contractor later turned it
	// off and stopped the trail.
	rows, err = r.Query(ctx, `
		SELECT event_name, coalesce(user_name, ''), json_extract_string(request_parameters, '$.domainSettingsForUpdate.executionRoleIdentityConfig')
		FROM events WHERE event_name IN ('UpdateDomain', 'StopLogging') ORDER BY event_time`)
	if err != nil {
		t.Fatal(err)
	}
	got = got[:0]
	for _, v := range rows.Values {
		got = append(got, fmt.Sprintf("%s %s %s", v[0], v[1], text(v[2])))
	}
	want = []string{"UpdateDomain platform-admin USER_PROFILE_NAME", "StopLogging contractor-bob ", "UpdateDomain contractor-bob DISABLED"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit settings:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Per-project bucket activity: the model the full profile wrote, through
	// the project's VPC endpoint.
	var who, vpce string
	if err := r.DB.QueryRowContext(ctx, `SELECT studio_profile, vpc_endpoint_id FROM events
		WHERE s3_bucket = 'project-churn-111122223333' AND event_name = 'PutObject'`).Scan(&who, &vpce); err != nil {
		t.Fatal(err)
	}
	if who != "data-scientist-full" || vpce != "vpce-0a1b2c3d4e5f60002" {
		t.Errorf("project bucket write by %q through %q", who, vpce)
	}
}

func TestSQLIsReadOnly(t *testing.T) {
	r := openScenario(t)
	ctx := context.Background()
	rows, err := r.SQL(ctx, "SELECT engine, count(*) FROM column_access GROUP BY 1 ORDER BY 1")
	if err != nil || len(rows.Values) != 4 {
		t.Fatalf("SQL over the views = %v, %v", rows, err)
	}
	for q, want := range map[string]string{
		"DROP TABLE catalog_tables":                "only one SELECT",
		"SELECT 1; DROP TABLE catalog_tables":      "only one SELECT",
		"SELECT * FROM read_csv('/etc/passwd')":    "Permission",
		"COPY events TO '/tmp/auditlake-leak.csv'": "only one SELECT",
		"INSTALL httpfs":                           "only one SELECT",
	} {
		if _, err := r.SQL(ctx, q); err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "serialized to json") {
			t.Errorf("SQL(%q) = %v, want an error containing %q (and not DuckDB's serializer wording)", q, err, want)
		}
	}
	if _, err := r.Query(ctx, "SET enable_external_access = true"); err == nil {
		t.Error("configuration is not locked after SQL")
	}
	if n, _ := r.Query(ctx, "SELECT count(*) FROM catalog_tables"); n == nil || text(n.Values[0][0]) != "6" {
		t.Errorf("catalog_tables changed: %v", n)
	}
}

func TestProfileAndTrace(t *testing.T) {
	r := openScenario(t)
	ctx := context.Background()
	rows, err := r.Profile(ctx, "david", time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range rows.Values {
		got = append(got, fmt.Sprintf("%s %s %s %s", v[2], v[3], text(v[4]), v[6]))
	}
	want := []string{
		"GetClusterSessionCredentials success j-3KF8ZQ7W0EXAMPLE caller",
		"GetDataAccess success tpc.dl_tpc_customer emr_runtime_role",
		"GetDataAccess denied tpc.dl_tpc_customer_address emr_runtime_role",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("profile david:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// From an S3 request id logged only in the access log, back to the query and its person.
	trace, err := r.Trace(ctx, "710CA6592CC819F0") // the request id of the read only the access log has
	if err != nil {
		var ids []string
		rr, _ := r.Query(ctx, "SELECT request_id FROM s3_reads WHERE log_source = 's3_access_log' AND via_lake_formation")
		for _, v := range rr.Values {
			ids = append(ids, text(v[0]))
		}
		t.Fatalf("trace: %v (access-log request ids: %v)", err, ids)
	}
	steps := map[string]int{}
	for _, v := range trace.Values {
		steps[text(v[0])]++
		if text(v[0]) == "start" && text(v[2]) != "data-scientist-limited" {
			t.Errorf("trace starts with %v", v)
		}
	}
	if steps["start"] != 1 || steps["credentials"] != 1 || steps["read"] != 2 || steps["column"] != 14 {
		t.Errorf("trace steps = %v", steps)
	}
	if _, err := r.Trace(ctx, "no-such-id"); !errors.Is(err, ErrNotFound) {
		t.Errorf("trace of an unknown id = %v", err)
	}
}

// The read-only SQL cannot read files a user put in DuckDB's default
// temporary folder (./.tmp, which DuckDB allows besides the lake), and a
// query that runs too long is stopped.
func TestSQLSandboxHasNoTempSideDoor(t *testing.T) {
	r := openScenario(t)
	ctx := context.Background()
	t.Chdir(t.TempDir())
	os.MkdirAll(".tmp", 0o755)
	os.WriteFile(filepath.Join(".tmp", "secret.csv"), []byte("token\nhunter2\n"), 0o644)
	abs, _ := filepath.Abs(filepath.Join(".tmp", "secret.csv"))
	for _, q := range []string{"SELECT * FROM read_csv('.tmp/secret.csv')", "SELECT * FROM read_csv('" + abs + "')"} {
		if rows, err := r.SQL(ctx, q); err == nil {
			t.Errorf("SQL(%q) read %v from the temporary folder", q, rows.Values)
		}
	}
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := r.SQL(short, "SELECT count(*) FROM range(100000000000) a")
	if err == nil || time.Since(start) > 20*time.Second {
		t.Errorf("a long query was not stopped by its deadline: %v after %s", err, time.Since(start))
	}
}

func mustWarehouse(loc string) *warehouse.Warehouse { return scn.Warehouse(loc) }

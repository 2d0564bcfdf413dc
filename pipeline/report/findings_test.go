package report

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/auditlake/auditlake/pipeline/policy"
	"github.com/auditlake/auditlake/queries"
)

// findingsWith opens the scenario, loads the policy text and returns the
// findings rendered as "rule severity time profile resource", grouped by rule.
func findingsWith(t *testing.T, r *Report, policyText string) map[string][]string {
	t.Helper()
	p, err := policy.Parse([]byte(policyText), "policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := r.LoadPolicy(ctx, p); err != nil {
		t.Fatal(err)
	}
	rows, err := r.Findings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows.Columns, ", ") != FindingColumns {
		t.Fatalf("findings columns %v", rows.Columns)
	}
	out := map[string][]string{}
	for _, v := range rows.Values {
		ids, _ := v[7].([]any)
		if len(ids) == 0 {
			t.Errorf("finding without event ids: %v", v)
		}
		rule := text(v[0])
		out[rule] = append(out[rule], fmt.Sprintf("%s %s %s %s", text(v[1]), strings.TrimPrefix(text(v[2]), "2026-07-01T"), text(v[3]), text(v[5])))
	}
	return out
}

func scenarioPolicy(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(scenario + "/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func replace(t *testing.T, s, old, new string) string {
	t.Helper()
	if !strings.Contains(s, old) {
		t.Fatalf("policy has no %q", old)
	}
	return strings.Replace(s, old, new, 1)
}

const (
	obj0 = "s3://amazon-reviews-lake-111122223333/parquet/product_category=Books/part-00000-4d3c.snappy.parquet"
	bob  = "" // contractor-bob has no Studio profile
)

// On the bundled scenario with its policy, every detection fires exactly
// where the scenario plants a violation. The rows a rule must not fire on
// are in the comments; the exact match proves they do not.
func TestFindingsOnScenario(t *testing.T) {
	r := openScenario(t)
	got := findingsWith(t, r, scenarioPolicy(t))
	for _, tc := range []struct {
		rule string
		want []string
	}{
		// Policy allow-lists match the grants: Lake Formation enforced them
		// (limited's SELECT * dropped customer_id and review_id; its query
		// naming customer_id failed), but for one column: analyst-us's
		// SELECT * over tpc.dl_tpc_customer expands through its tag-based
		// grant (classification=public, the database's tag) to the 11
		// columns not tagged pii, c_birth_country among them, which its
		// allow-list leaves out. Not the 7 pii columns (not read), not its
		// filtered review columns (allowed).
		{"column_outside_grant", []string{"high 09:14:20Z analyst-us tpc.dl_tpc_customer.c_birth_country"}},
		// q1 read customer_id; not the limited profile's denied attempt.
		{"sensitive_column_read", []string{
			"medium 09:10:03Z data-scientist-full amazon_reviews_db.amazon_reviews_parquet.customer_id"}},
		// Bob's direct read and the full profile's presigned URL; not Bob's
		// denied read, not the reads with vended credentials.
		{"lf_bypass_s3_read", []string{
			"high 13:07:33Z " + bob + " " + obj0,
			"high 15:30:12Z data-scientist-full " + obj0}},
		// Bob's read from the internet, and his Multi-Object Delete of three
		// Music files (one finding: the data event names no key, the access
		// log has a line per object); not the Athena/vending reads through
		// vpce-…60001, not analyst-us's read that Athena made with Lake
		// Formation-vended credentials through no endpoint at 09:14:42 (a
		// service on the principal's behalf), not the model written through
		// vpce-…60002, not Bob's denied read, not the access-log-only
		// presigned read.
		{"s3_outside_vpc_endpoint", []string{"high 13:07:33Z " + bob + " " + obj0,
			"high 13:20:00Z " + bob + " s3://amazon-reviews-lake-111122223333/"}},
		// The training job and Bob's notebook; not the processing job in a VPC.
		{"sagemaker_job_without_vpc", []string{
			"high 13:00:10Z data-scientist-full xgb-churn-2026-07-01-13-00",
			"high 13:05:00Z " + bob + " bob-scratch"}},
		{"sagemaker_without_kms", []string{
			"medium 13:00:10Z data-scientist-full xgb-churn-2026-07-01-13-00",
			"medium 13:05:00Z " + bob + " bob-scratch"}},
		// ml.p4d.24xlarge; not ml.m5.xlarge nor ml.t3.medium.
		{"sagemaker_unapproved_instance_type", []string{
			"medium 13:00:10Z data-scientist-full xgb-churn-2026-07-01-13-00"}},
		// Bob stops the trail and turns sourceIdentity off; not the admin
		// turning it on.
		{"audit_trail_tampering", []string{
			"high 13:30:00Z " + bob + " arn:aws:cloudtrail:us-east-1:111122223333:trail/org-audit-trail",
			"high 13:40:00Z " + bob + " d-a1b2c3d4e5f6"}},
		// The LF-Tag on the customer PII columns, the tag-based grant and the
		// data cells filter (with the grant on it) for analyst-us, the column
		// grant to the vending role (all medium) and full-table external
		// access turned on (high); not the CreateLFTag, which gives nothing.
		{"lf_permission_change", []string{
			"medium 08:04:20Z  tpc.dl_tpc_customer",
			"medium 08:04:30Z  lf_tag_policy:classification=public",
			"medium 08:04:40Z  amazon_reviews_db.amazon_reviews_parquet",
			"medium 08:04:50Z  amazon_reviews_db.amazon_reviews_parquet",
			"medium 11:00:05Z data-scientist-full amazon_reviews_db.amazon_reviews_parquet",
			"high 11:20:00Z  data_lake_settings"}},
		// Two denied GetTable calls by the limited profile within 10m; not
		// David's single denied GetDataAccess, not Bob's one denied GetObject
		// (logged by CloudTrail and the access log: one request).
		{"access_denied_burst", []string{"medium 14:00:03Z data-scientist-limited data-scientist-limited"}},
		// Bob's direct read; not his denied one, not attributed reads.
		{"unattributed_data_access", []string{"medium 13:07:33Z " + bob + " amazon_reviews_db.amazon_reviews_parquet"}},
		// The vending grant names no sensitive column. Fires in the variants.
		{"sensitive_grant", nil},
		// The lake holds one day, less than the 30d look-back. Fires in the variants.
		{"first_time_table_access", nil},
		// The digest lists exactly the six trail files ingested. Fires in TestLogDeliveryGapMissingFile.
		{"log_delivery_gap", nil},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			if strings.Join(got[tc.rule], "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("%s:\n%s\nwant\n%s", tc.rule, strings.Join(got[tc.rule], "\n"), strings.Join(tc.want, "\n"))
			}
		})
		delete(got, tc.rule)
	}
	for rule, f := range got {
		t.Errorf("untested rule %s fired: %v", rule, f)
	}
	if rules := Rules(); len(rules) != 14 {
		t.Errorf("rules %v: a new detection needs a case here", rules)
	}

	// One finding per request, every record of it as evidence: Bob's read
	// (the data event and its access-log line) and his delete (the data
	// event, the access log's line for the request and one per object).
	ctx := context.Background()
	for _, c := range []struct {
		request, dataEvent string
		lines              int
	}{{"7B6BA1353C330890", "b86b7da3-0204-5994-ef8e-8c99a81d191d", 1}, {"3F8E1B2C4D5A6978", "4f8b0d2e-6a1c-4e3f-8b15-7c9e1a3b5d20", 4}} {
		rows, err := r.Query(ctx, `SELECT list_sort(event_ids) FROM findings WHERE rule = 's3_outside_vpc_endpoint' AND list_contains(event_ids, ?)`, c.dataEvent)
		if err != nil || len(rows.Values) != 1 {
			t.Fatalf("finding of %s: %v %v", c.dataEvent, rows, err)
		}
		lines, err := r.Query(ctx, `SELECT event_id FROM events WHERE request_id = ? AND log_source = 's3_access_log' ORDER BY 1`, c.request)
		if err != nil || len(lines.Values) != c.lines {
			t.Fatalf("access-log lines of %s: %v %v", c.request, lines, err)
		}
		want := []string{c.dataEvent}
		for _, v := range lines.Values {
			want = append(want, text(v[0]))
		}
		sort.Strings(want)
		if got := fmt.Sprint(rows.Values[0][0]); got != fmt.Sprint(want) {
			t.Errorf("evidence of request %s: %s, want %v", c.request, got, want)
		}
	}
}

// The must-fire cases the scenario's policy does not plant, and must-not
// cases where a policy setting is off.
func TestFindingsPolicyVariants(t *testing.T) {
	r := openScenario(t)
	base := scenarioPolicy(t)
	for _, tc := range []struct {
		name, rule string
		edit       func(string) string
		want       []string
	}{
		{"limited profile not allowed review_body", "column_outside_grant",
			func(s string) string { return replace(t, s, "review_headline, review_body,", "review_headline,") },
			[]string{"high 09:12:41Z data-scientist-limited amazon_reviews_db.amazon_reviews_parquet.review_body",
				"high 09:14:20Z analyst-us tpc.dl_tpc_customer.c_birth_country"}},
		{"tina not allowed the item table", "column_outside_grant",
			func(s string) string { return replace(t, s, "      tpc.dl_tpc_item: \"*\"\n", "") },
			[]string{"high 09:14:20Z analyst-us tpc.dl_tpc_customer.c_birth_country", "high 10:07:15Z tina tpc.dl_tpc_item"}},
		{"star_rating sensitive: the vending grant gives it", "sensitive_grant",
			func(s string) string {
				return replace(t, s, "[customer_id, review_id]", "[customer_id, review_id, star_rating]")
			},
			[]string{"high 11:00:05Z data-scientist-full amazon_reviews_db.amazon_reviews_parquet"}},
		{"2h look-back", "first_time_table_access",
			func(s string) string { return replace(t, s, "first_access_lookback: 30d", "first_access_lookback: 2h") },
			[]string{
				"low 10:01:30Z david tpc.dl_tpc_customer",
				"low 10:04:11Z tina tpc.dl_tpc_web_sales",
				"low 10:07:15Z tina tpc.dl_tpc_item",
				"low 15:30:12Z data-scientist-full amazon_reviews_db.amazon_reviews_parquet"}},
		{"burst threshold 3", "access_denied_burst",
			func(s string) string { return replace(t, s, "count: 2", "count: 3") }, nil},
		{"burst window 1s", "access_denied_burst",
			func(s string) string { return replace(t, s, "window: 10m", "window: 1s") }, nil},
		{"VPC not required", "sagemaker_job_without_vpc",
			func(s string) string { return replace(t, s, "require_vpc: true", "require_vpc: false") }, nil},
		{"KMS not required", "sagemaker_without_kms",
			func(s string) string { return replace(t, s, "require_kms: true", "require_kms: false") }, nil},
		{"p4d approved", "sagemaker_unapproved_instance_type",
			func(s string) string { return replace(t, s, "[ml.m5.xlarge,", "[ml.p4d.24xlarge, ml.m5.xlarge,") }, nil},
		{"attribution not required", "unattributed_data_access",
			func(s string) string {
				return replace(t, s, "require_source_identity: true", "require_source_identity: false")
			}, nil},
		{"reviews bucket not a data bucket", "s3_outside_vpc_endpoint",
			func(s string) string {
				return replace(t, s, "  - bucket: amazon-reviews-lake-111122223333\n    vpc_endpoints: [vpce-0a1b2c3d4e5f60001]\n", "")
			}, nil},
		{"project endpoint not approved", "s3_outside_vpc_endpoint",
			func(s string) string { return replace(t, s, "[vpce-0a1b2c3d4e5f60002]", "[vpce-0a1b2c3d4e5f60009]") },
			[]string{
				"high 13:07:33Z  " + obj0,
				"high 13:10:00Z data-scientist-full s3://project-churn-111122223333/output/xgb-churn-2026-07-01-13-00/model.tar.gz",
				"high 13:20:00Z  s3://amazon-reviews-lake-111122223333/"}},
		{"analyst-us allowed c_birth_country", "column_outside_grant",
			func(s string) string {
				return replace(t, s, "c_birth_year, c_last_review_date_sk]", "c_birth_year, c_birth_country, c_last_review_date_sk]")
			},
			nil},
		{"nothing sensitive", "sensitive_column_read",
			func(s string) string {
				return replace(t, s, "  amazon_reviews_db.amazon_reviews_parquet: [customer_id, review_id]\n", "")
			}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := findingsWith(t, r, tc.edit(base))[tc.rule]
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("%s:\n%s\nwant\n%s", tc.rule, strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestFindingsEmptyPolicy(t *testing.T) {
	r := openScenario(t)
	got := findingsWith(t, r, "")
	// No allow-lists (so none to be outside of), nothing sensitive, no
	// buckets, no SageMaker or attribution requirements.
	for _, rule := range []string{"column_outside_grant", "sensitive_column_read", "s3_outside_vpc_endpoint", "sagemaker_job_without_vpc",
		"sagemaker_without_kms", "sagemaker_unapproved_instance_type", "unattributed_data_access", "sensitive_grant"} {
		if len(got[rule]) != 0 {
			t.Errorf("%s fired with an empty policy: %v", rule, got[rule])
		}
	}
	if len(got["audit_trail_tampering"]) != 2 || len(got["lf_bypass_s3_read"]) == 0 {
		t.Errorf("empty policy findings: %v", got)
	}
}

// Every detection file has a title and a severity, and names its rule
// after the file.
func TestDetectionHeaders(t *testing.T) {
	for _, rule := range Rules() {
		q, err := queries.Load("detections/" + rule)
		if err != nil {
			t.Fatal(err)
		}
		if q.Header["title"] == "" || !map[string]bool{"low": true, "medium": true, "high": true}[q.Header["severity"]] {
			t.Errorf("detect_%s.sql header %v", rule, q.Header)
		}
		if !strings.Contains(q.SQL, "'"+rule+"' AS rule") {
			t.Errorf("detect_%s.sql does not select '%s' AS rule", rule, rule)
		}
	}
}

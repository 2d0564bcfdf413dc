package policy

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestScenarioPolicy(t *testing.T) {
	p, err := Load("../../testdata/scenario/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if p.Profiles["data-scientist-full"]["amazon_reviews_db.amazon_reviews_parquet"] != nil {
		t.Error(`"*" should allow every column (nil)`)
	}
	if got := p.Profiles["david"]["tpc.dl_tpc_customer"]; len(got) != 6 || got[0] != "c_customer_sk" {
		t.Errorf("david's columns %v", got)
	}
	if !reflect.DeepEqual(p.Sensitive["amazon_reviews_db.amazon_reviews_parquet"], []string{"customer_id", "review_id"}) {
		t.Errorf("sensitive %v", p.Sensitive)
	}
	if len(p.DataBuckets) != 2 || p.DataBuckets[1].Bucket != "project-churn-111122223333" ||
		!reflect.DeepEqual(p.DataBuckets[1].VPCEndpoints, []string{"vpce-0a1b2c3d4e5f60002"}) {
		t.Errorf("buckets %+v", p.DataBuckets)
	}
	if !p.SageMaker.RequireVPC || !p.SageMaker.RequireKMS || !p.RequireSourceIdentity ||
		len(p.SageMaker.ApprovedInstanceTypes) != 3 {
		t.Errorf("settings %+v", p)
	}
	if p.DeniedBurst != (Burst{Count: 2, Window: 10 * time.Minute}) || p.FirstAccessLookback != 30*24*time.Hour {
		t.Errorf("burst %+v look-back %v", p.DeniedBurst, p.FirstAccessLookback)
	}
}

func TestDefaults(t *testing.T) {
	for _, src := range []string{"", "# nothing\n", "profiles:\n"} {
		p, err := Parse([]byte(src), "p.yaml")
		if err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		if p.DeniedBurst.Count != 5 || p.DeniedBurst.Window != 10*time.Minute || p.FirstAccessLookback != 30*24*time.Hour ||
			p.RequireSourceIdentity || len(p.Profiles) != 0 {
			t.Errorf("%q: defaults %+v", src, p)
		}
	}
}

// Every error names the file, the line and the problem.
func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"profiles:\n  alice:\n    tables:\n      amazon_reviews_db.reviews: [a]\nsagemaker:\n  require_vpc: true\n  approved_instance_types: ml.m5.xlarge\n",
			"policy.yaml:7: sagemaker.approved_instance_types: want a list of strings"},
		{"sagemaker:\n  approved_instance_types: [ml.m5.xlarge, {a: b}]\n",
			"policy.yaml:2: sagemaker.approved_instance_types: want a list of strings"},
		{"require_source_identity: true\nbogus: 1\n", "policy.yaml:2: bogus: unknown key"},
		{"sagemaker:\n  require_vcp: true\n", "policy.yaml:2: sagemaker.require_vcp: unknown key"},
		{"require_source_identity: yes please\n", "policy.yaml:1: require_source_identity: want true or false"},
		{"denied_burst:\n  count: 2\n  window: ten minutes\n",
			`policy.yaml:3: denied_burst.window: want a positive duration such as 10m, 12h or 30d, got "ten minutes"`},
		{"denied_burst: {count: 0}\n", "policy.yaml:1: denied_burst.count: want a whole number ≥ 1"},
		{"first_access_lookback: -3d\n", "policy.yaml:1: first_access_lookback: want a positive duration"},
		{"sensitive:\n  customers: [email]\n", `policy.yaml:2: sensitive.customers: want a table name "database.table"`},
		{"sensitive:\n  crm.customers: email\n", "policy.yaml:2: sensitive.crm.customers: want a list of strings"},
		{"profiles:\n  bob:\n    tables:\n      crm.customers: all\n",
			`policy.yaml:4: profiles.bob.tables.crm.customers: want a list of column names or "*"`},
		{"profiles:\n  bob:\n    tables: {}\n    columns: []\n", "policy.yaml:4: profiles.bob.columns: unknown key"},
		{"profiles:\n  - bob\n", "policy.yaml:2: profiles: want a mapping"},
		{"data_buckets:\n  - bucket: b\n    vpc_endpoints: [endpoint-1]\n",
			`policy.yaml:3: data_buckets[0].vpc_endpoints: "endpoint-1" is not a VPC endpoint id`},
		{"data_buckets:\n  - vpc_endpoints: [vpce-1]\n", "policy.yaml:2: data_buckets[0]: missing bucket"},
		{"data_buckets: lake\n", "policy.yaml:1: data_buckets: want a list"},
		{"sensitive:\n  a.b: [x]\n  a.b: [y]\n", "policy.yaml:3: sensitive.a.b: duplicate key"},
		{"profiles: [unclosed\n", "policy.yaml:1: did not find expected"},
		{"a: b\n\tc: d\n", "policy.yaml:2: "},
	} {
		_, err := Parse([]byte(tc.src), "policy.yaml")
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want %q", tc.src, err, tc.want)
		}
	}
	if _, err := Load("/no/such/policy.yaml"); err == nil || !strings.Contains(err.Error(), "/no/such/policy.yaml") {
		t.Errorf("missing file: %v", err)
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"30d": 720 * time.Hour, "10m": 10 * time.Minute, "1h30m": 90 * time.Minute} {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("%s = %v, %v", in, got, err)
		}
	}
	if _, err := ParseDuration("xd"); err == nil {
		t.Error("xd parsed")
	}
}

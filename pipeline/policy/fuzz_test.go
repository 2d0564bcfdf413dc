package policy

import (
	"reflect"
	"strings"
	"testing"
)

// FuzzParse feeds the policy parser any YAML: an error that names the
// file, or a policy; never a panic. A policy parses the same way twice.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"profiles:\n  alice:\n    tables:\n      sales.customers: [customer_id, country]\n",
		"sensitive:\n  sales.customers: [email]\ndata_buckets:\n  - bucket: lake\n    vpc_endpoints: [vpce-1]\n",
		"sagemaker:\n  require_vpc: true\n  approved_instance_types: [ml.m5.xlarge]\n",
		"denied_burst: {count: 2, window: 10m}\nfirst_access_lookback: 30d\nrequire_source_identity: true\n",
		"profiles: [1, 2]\n", "a: &x [*x]\n", "", "{", "profiles:\n  alice:\n    tables:\n      nodot: \"*\"\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Parse(b, "fuzz.yaml")
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.yaml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		q, err := Parse(b, "fuzz.yaml")
		if err != nil || !reflect.DeepEqual(p, q) {
			t.Fatalf("parsed twice differently: %v", err)
		}
	})
}

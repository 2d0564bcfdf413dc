// Package infra holds the AWS SAM template that deploys auditlake, its
// build script and its linter set-up; this test reads the template as the
// deployment would and checks what a linter cannot: that every function's
// code exists and is built, and that no IAM statement grants a wildcard on
// data.
package infra

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

type template struct {
	Globals struct {
		Function map[string]any `yaml:"Function"`
	} `yaml:"Globals"`
	Resources map[string]struct {
		Type       string         `yaml:"Type"`
		Condition  string         `yaml:"Condition"`
		Properties map[string]any `yaml:"Properties"`
	} `yaml:"Resources"`
}

func load(t *testing.T) *template {
	t.Helper()
	b, err := os.ReadFile("template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var tpl template
	if err := yaml.Unmarshal(b, &tpl); err != nil {
		t.Fatal(err)
	}
	return &tpl
}

func (tpl *template) functions() map[string]map[string]any {
	out := map[string]map[string]any{}
	for name, r := range tpl.Resources {
		if r.Type == "AWS::Serverless::Function" {
			out[name] = r.Properties
		}
	}
	return out
}

// TestFunctionsHaveCode: every function's CodeUri is build/<name>/, where
// infra/build.sh puts the bootstrap built from lambda/<name>; every
// lambda/ folder is deployed; the runtime is provided.al2023 with the
// bootstrap handler; the CGO-free functions run on arm64, the DuckDB one
// on x86_64.
func TestFunctionsHaveCode(t *testing.T) {
	tpl := load(t)
	script, err := os.ReadFile("build.sh")
	if err != nil {
		t.Fatal(err)
	}
	if tpl.Globals.Function["Runtime"] != "provided.al2023" || tpl.Globals.Function["Handler"] != "bootstrap" {
		t.Errorf("Globals.Function: Runtime %v, Handler %v; want provided.al2023 and bootstrap", tpl.Globals.Function["Runtime"], tpl.Globals.Function["Handler"])
	}
	deployed := map[string]bool{}
	for name, p := range tpl.functions() {
		uri, _ := p["CodeUri"].(string)
		fn := strings.TrimSuffix(strings.TrimPrefix(uri, "build/"), "/")
		if uri != "build/"+fn+"/" || fn == "" {
			t.Errorf("%s: CodeUri %q, want build/<function>/", name, uri)
			continue
		}
		deployed[fn] = true
		if _, err := os.Stat(filepath.Join("..", "lambda", fn, "main.go")); err != nil {
			t.Errorf("%s: CodeUri %s, but there is no lambda/%s/main.go", name, uri, fn)
		}
		if !strings.Contains(string(script), fn+")") && !strings.Contains(string(script), fn+" |") && !strings.Contains(string(script), "| "+fn) {
			t.Errorf("%s: build.sh does not build %s", name, fn)
		}
		arch := fmt.Sprint(p["Architectures"])
		want := "[arm64]"
		if fn == "report" {
			want = "[x86_64]" // DuckDB through cgo
		}
		if arch != want {
			t.Errorf("%s: Architectures %s, want %s", name, arch, want)
		}
	}
	dirs, _ := filepath.Glob("../lambda/*/main.go")
	for _, d := range dirs {
		if fn := filepath.Base(filepath.Dir(d)); !deployed[fn] {
			t.Errorf("lambda/%s is not deployed by the template", fn)
		}
	}
	if len(deployed) != 4 {
		t.Errorf("%d functions deployed, want ingest, commit, athena and report", len(deployed))
	}
}

// dataServices are the services whose actions reach data or its keys.
var dataServices = []string{"s3", "glue", "lakeformation", "athena", "sqs", "sns", "kms", "dynamodb", "logs"}

// statements are the IAM statements of a policy document (a map with a
// Statement list) found anywhere below v, with where they were found.
func statements(v any, where string, out map[string][]map[string]any) {
	switch x := v.(type) {
	case map[string]any:
		if st, ok := x["Statement"].([]any); ok {
			for i, s := range st {
				if m, ok := s.(map[string]any); ok {
					out[fmt.Sprintf("%s[%d]", where, i)] = append(out[fmt.Sprintf("%s[%d]", where, i)], m)
				}
			}
		}
		for k, c := range x {
			statements(c, where+"."+k, out)
		}
	case []any:
		for i, c := range x {
			statements(c, fmt.Sprintf("%s[%d]", where, i), out)
		}
	}
}

func strs(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, strs(e)...)
		}
		return out
	}
	return nil
}

// TestNoWildcardOnData: no IAM statement (function policies, roles,
// bucket, queue and topic policies) allows a wildcard action ("*",
// "s3:*", "s3:Get*"), and none allows a data action on every resource.
// The KMS key policy is exempt: AWS requires the account root to hold
// kms:* on the key, or the key becomes unmanageable.
func TestNoWildcardOnData(t *testing.T) {
	tpl := load(t)
	found := map[string][]map[string]any{}
	for name, r := range tpl.Resources {
		if r.Type == "AWS::KMS::Key" {
			continue
		}
		statements(r.Properties, name, found)
	}
	if len(found) < 10 {
		t.Fatalf("found only %d IAM statements: the walk is broken", len(found))
	}
	for where, sts := range found {
		for _, s := range sts {
			if s["Effect"] != "Allow" {
				continue
			}
			actions := strs(s["Action"])
			if len(actions) == 0 {
				t.Errorf("%s: no Action", where)
			}
			resources := strs(s["Resource"])
			for _, a := range actions {
				if strings.Contains(a, "*") {
					t.Errorf("%s: wildcard action %q", where, a)
				}
				svc, _, _ := strings.Cut(a, ":")
				if slices.Contains(dataServices, svc) && slices.Contains(resources, "*") {
					t.Errorf("%s: %s on every resource", where, a)
				}
			}
			if _, ok := s["NotAction"]; ok {
				t.Errorf("%s: NotAction grants everything else", where)
			}
		}
	}
}

// TestDeliveryWiring: the ingest queue has a dead-letter queue with an
// alarm, the ingest function reports partial batch failures, the
// committer is the only one (reserved concurrency 1), every function has
// an error alarm, and queues, topic and lake bucket are encrypted with KMS.
func TestDeliveryWiring(t *testing.T) {
	tpl := load(t)
	fns := tpl.functions()
	ingest := fmt.Sprint(fns["IngestFunction"]["Events"])
	if !strings.Contains(ingest, "ReportBatchItemFailures") || !strings.Contains(ingest, "Type:SQS") {
		t.Errorf("IngestFunction events %s: want an SQS source with ReportBatchItemFailures", ingest)
	}
	if c := fns["CommitFunction"]["ReservedConcurrentExecutions"]; c != 1 {
		t.Errorf("CommitFunction reserved concurrency %v, want 1 (the single committer)", c)
	}
	if r := tpl.Resources["ObjectQueue"].Properties["RedrivePolicy"]; !strings.Contains(fmt.Sprint(r), "ObjectDeadLetterQueue") {
		t.Errorf("ObjectQueue redrive %v, want ObjectDeadLetterQueue", r)
	}
	alarmed := map[string]bool{}
	for _, r := range tpl.Resources {
		if r.Type == "AWS::CloudWatch::Alarm" {
			alarmed[fmt.Sprint(r.Properties["Dimensions"])] = true
			if !strings.Contains(fmt.Sprint(r.Properties["AlarmActions"]), "AlertTopic") {
				t.Errorf("alarm %v notifies nobody", r.Properties["AlarmDescription"])
			}
		}
	}
	var dims []string
	for d := range alarmed {
		dims = append(dims, d)
	}
	all := strings.Join(dims, " ")
	for _, want := range []string{"ObjectDeadLetterQueue", "AthenaDeadLetterQueue", "IngestFunction", "CommitFunction", "AthenaFunction", "ReportFunction"} {
		if !strings.Contains(all, want) {
			t.Errorf("no alarm on %s", want)
		}
	}
	for name, r := range tpl.Resources {
		switch r.Type {
		case "AWS::SQS::Queue", "AWS::SNS::Topic":
			if r.Properties["KmsMasterKeyId"] == nil {
				t.Errorf("%s is not encrypted with KMS", name)
			}
		}
	}
	if enc := fmt.Sprint(tpl.Resources["LakeBucket"].Properties["BucketEncryption"]); !strings.Contains(enc, "aws:kms") {
		t.Errorf("LakeBucket encryption %s, want aws:kms", enc)
	}
}

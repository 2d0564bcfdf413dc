package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/auditlake/auditlake/schemas"
)

// TestGeneratedCodeIsCurrent regenerates every file gen writes and fails
// when one differs from the repository's: the row structs, the wire twin
// and the README tables can only change through schemas/.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	files, err := Generate("../..")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(schemas.Tables())+3 {
		t.Errorf("gen writes %d files, want a row file per table, the wire twin, the spool codec and README.md", len(files))
	}
	for path, want := range files {
		got, err := os.ReadFile(filepath.Join("../..", path))
		if err != nil {
			t.Errorf("%s: %v (go generate ./schemas)", path, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is out of date: run go generate ./schemas", path)
		}
	}
}

func TestGoName(t *testing.T) {
	for col, want := range map[string]string{
		"event_id": "EventID", "principal_arn": "PrincipalARN", "s3_host_id": "S3HostID", "in_vpc": "InVPC",
		"kms_key_id": "KMSKeyID", "lf_job_id": "LFJobID", "total_time_ms": "TotalTimeMs", "acl_required": "ACLRequired",
		"http_status": "HTTPStatus", "request_uri": "RequestURI", "source_ip": "SourceIP", "tls_version": "TLSVersion",
	} {
		if got := GoName(col); got != want {
			t.Errorf("GoName(%q) = %q, want %q", col, got, want)
		}
	}
}

// A schema change shows in the generated code: a new column becomes a
// field and a README row.
func TestGenerateFollowsTheSchema(t *testing.T) {
	files, err := Generate("../..")
	if err != nil {
		t.Fatal(err)
	}
	ev := string(files[filepath.Join("pipeline", "row", "events_gen.go")])
	for _, c := range schemas.MustLoad("events").Columns {
		if !strings.Contains(ev, "\t"+GoName(c.Name)+" ") || !strings.Contains(ev, `parquet:"`+c.Name) {
			t.Errorf("events_gen.go lacks column %s", c.Name)
		}
	}
}

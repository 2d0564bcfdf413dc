package catalog

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// FuzzLoad feeds the Glue catalog loader anything: an error or tables,
// never a panic; a failed load adds nothing; what loads has names and
// versions that do not end before they start.
func FuzzLoad(f *testing.F) {
	for _, seed := range []string{
		`{"TableList":[{"Name":"t","DatabaseName":"db","StorageDescriptor":{"Columns":[{"Name":"a","Type":"string"}],"Location":"s3://b/p/"},"PartitionKeys":[{"Name":"dt","Type":"string"}],"CreateTime":"2026-06-01T00:00:00+00:00"}]}`,
		`{"Table":{"Name":"t","DatabaseName":"db","StorageDescriptor":{"Columns":[]},"CreateTime":1717200000}}`,
		`{"TableList":[]}`, `{"TableList":[{}]}`, ``, `{`, `{"Tables":[]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c := New()
		if err := c.Load(bytes.NewReader(data), "fuzz.json"); err != nil {
			if !strings.Contains(err.Error(), "fuzz.json") {
				t.Fatalf("error does not name the input: %v", err)
			}
			if n := len(c.Versions()); n != 0 {
				t.Fatalf("a failed load added %d versions", n)
			}
			return
		}
		for _, v := range c.Versions() {
			if v.Name == "" || v.Database == "" || (!v.To.IsZero() && v.To.Before(v.From)) {
				t.Fatalf("version %+v", v)
			}
		}
		c.Tables(time.Now())
		c.ByLocation("b", "p/x", time.Now())
	})
}

// FuzzApplyEvent replays any Glue table event: an error changes nothing.
func FuzzApplyEvent(f *testing.F) {
	f.Add("CreateTable", `{"databaseName":"db","tableInput":{"name":"t","storageDescriptor":{"columns":[{"name":"a","type":"int"}],"location":"s3://b/t/"}}}`)
	f.Add("UpdateTable", `{"databaseName":"db","tableInput":{"name":"t","partitionKeys":[{"name":"dt","type":"string"}]}}`)
	f.Add("DeleteTable", `{"databaseName":"db","name":"t"}`)
	f.Add("BatchDeleteTable", `{"databaseName":"db","tablesToDelete":["t","u"]}`)
	f.Fuzz(func(t *testing.T, name, params string) {
		c := New()
		at := time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)
		if err := c.ApplyEvent(GlueSource, name, at, "success", params); err != nil {
			if n := len(c.Versions()); n != 0 {
				t.Fatalf("an unreadable event added %d versions: %v", n, err)
			}
			return
		}
		for _, v := range c.Versions() {
			if v.Name == "" || (!v.To.IsZero() && v.To.Before(v.From)) {
				t.Fatalf("version %+v", v)
			}
		}
	})
}

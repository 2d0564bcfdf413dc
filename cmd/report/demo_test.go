package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestDemo(t *testing.T) {
	var out bytes.Buffer
	if err := Demo(context.Background(), "../../"+DemoScenario, "table", false, &out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{
		"records: 51 read = 49 written + 2 skipped (duplicate-event 2) + 0 quarantined",
		"data-scientist-full     athena  amazon_reviews_db.amazon_reviews_parquet  customer_id  exact      success",
		"data-scientist-limited  athena  amazon_reviews_db.amazon_reviews_parquet  customer_id  exact      denied",
		"audit_trail_tampering", "lf_bypass_s3_read", "sagemaker_unapproved_instance_type",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("demo output lacks %q:\n%s", want, s)
		}
	}
	if err := Demo(context.Background(), t.TempDir(), "table", false, &out); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("demo without a scenario = %v", err)
	}
}

package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/auditlake/auditlake/pipeline/report"
	"github.com/auditlake/auditlake/pipeline/terminal"
	"github.com/auditlake/auditlake/pipeline/testsupport/ptytest"
)

// wantSummary is what the demo's plain-language summary says about the
// bundled scenario.
var wantSummary = []string{
	"- data-scientist-full read customer_id of amazon_reviews_db.amazon_reviews_parquet once (query",
	"- data-scientist-limited tried to read customer_id of amazon_reviews_db.amazon_reviews_parquet once",
	"- The policy (../../testdata/scenario/policy.yaml) raised 21 findings: 10 high, 11 medium; high:",
	"- 2 of 19 data accesses could not be attributed to a Studio profile: 2 by",
}

// Into a pipe or a file the demo prints every value in full.
func TestDemo(t *testing.T) {
	var out bytes.Buffer
	if err := Demo(context.Background(), "../../"+DemoScenario, "table", report.Display{}, false, &out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range append([]string{
		"records: 70 read = 68 written + 2 skipped (duplicate-event 2) + 0 quarantined",
		"data-scientist-full     athena  amazon_reviews_db.amazon_reviews_parquet  customer_id  exact      success  6f0c2d1e-3a4b-4c5d-8e9f-0a1b2c3d4e01",
		"data-scientist-limited  athena  amazon_reviews_db.amazon_reviews_parquet  customer_id  exact      denied",
		"audit_trail_tampering", "lf_bypass_s3_read", "sagemaker_unapproved_instance_type",
		"arn:aws:sts::111122223333:assumed-role/SageMakerStudioExecutionRole_data-scientist-full/SageMaker",
		"== in short",
	}, wantSummary...) {
		if !strings.Contains(s, want) {
			t.Errorf("demo output lacks %q:\n%s", want, s)
		}
	}
	if strings.ContainsAny(s, "\x1b…") {
		t.Error("demo into a buffer holds escape sequences or shortened values")
	}
	if err := Demo(context.Background(), t.TempDir(), "table", report.Display{}, false, &out); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("demo without a scenario = %v", err)
	}
}

// On a terminal of 120 columns (a real pseudo-terminal) every line of the
// demo fits, severities are coloured, and the summary ends it; NO_COLOR
// turns the colour off.
func TestDemoFitsA120ColumnTerminal(t *testing.T) {
	t.Setenv("TERM", "xterm")
	for _, noColor := range []string{"", "1"} {
		t.Setenv("NO_COLOR", noColor)
		tty := ptytest.Open(t, 120, 50)
		var errb bytes.Buffer
		if code := Main(context.Background(), []string{"demo", "--scenario", "../../" + DemoScenario}, tty.TTY, &errb); code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		raw := tty.Output()
		lines := tty.Lines()
		for _, l := range lines {
			if w := terminal.StringWidth(l); w > 120 {
				t.Errorf("a line of %d columns: %q", w, l)
			}
		}
		screen := strings.Join(lines, "\n")
		for _, want := range append([]string{"== who read sensitive columns", "high · lf_bypass_s3_read (2)", "user/contractor-bob",
			"(--wide prints everything; not shown: certainty, query_id)", "== in short"}, wantSummary[1:3]...) {
			if !strings.Contains(screen, strings.TrimPrefix(want, "- ")) {
				t.Errorf("NO_COLOR=%q: the terminal lacks %q:\n%s", noColor, want, screen)
			}
		}
		// The summary comes last: only its points (and their continuations)
		// follow its heading.
		tail := strings.SplitN(screen, "== in short\n", 2)
		if len(tail) != 2 {
			t.Fatal("no summary")
		}
		for _, l := range strings.Split(strings.TrimRight(tail[1], "\n"), "\n") {
			if !strings.HasPrefix(l, "- ") && !strings.HasPrefix(l, "  ") {
				t.Errorf("after the summary: %q", l)
			}
		}
		if colored := strings.Contains(raw, "\x1b[31mhigh"); colored != (noColor == "") {
			t.Errorf("NO_COLOR=%q: coloured %v", noColor, colored)
		}
		if noColor != "" && strings.Contains(raw, "\x1b") {
			t.Errorf("NO_COLOR set, yet escape sequences: %q", raw)
		}
	}
}

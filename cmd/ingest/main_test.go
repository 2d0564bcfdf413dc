package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/auditlake/auditlake/pipeline/testsupport/awstest"
	"github.com/auditlake/auditlake/pipeline/testsupport/ptytest"
)

func TestRunUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"--lake"},
		{"--bogus", "x"},
		{"x", "--since", "yesterday"},
		{"x", "--until", "13/01/2026"},
		{"lookup"},
		{"lookup", "--region", "us-east-1"},
		{"lookup", "--since", "24h"},
		{"lookup", "--region", "us-east-1", "--since", "24h", "extra"},
		{"athena"},
		{"athena", "--file", "a.json", "--workgroup", "primary"},
		{"athena", "--workgroup", "primary"},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), args, &out, &errb)
		if code != 2 {
			t.Errorf("run(%q) = %d, want 2", args, code)
		}
		lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
		if len(lines) != 1 || !strings.Contains(errb.String(), "usage: ingest") && !strings.Contains(errb.String(), "invalid time") {
			t.Errorf("run(%q) printed %q, want a short usage message", args, errb.String())
		}
	}
}

func TestRunMissingInputIsAClearError(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"/no/such/place", "--lake", t.TempDir()}, &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "/no/such/place") || strings.Contains(errb.String(), "goroutine") {
		t.Errorf("code %d, stderr %q: want exit 1 and a message naming the path", code, errb.String())
	}
}

func TestRunFlagsAfterInputsAndJSON(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"../../testdata/scenario/logs", "--lake", t.TempDir(), "--json"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var sum struct {
		Read    int64 `json:"records_read"`
		Written int64 `json:"events_written"`
	}
	if err := json.Unmarshal(out.Bytes(), &sum); err != nil {
		t.Fatalf("--json output %q: %v", out.String(), err)
	}
	if sum.Read != 70 || sum.Written != 68 {
		t.Errorf("summary %+v, want 70 read and 68 written", sum)
	}
}

func awsEnv(t *testing.T, endpoint string) {
	t.Setenv("AWS_ENDPOINT_URL", endpoint)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

func TestRunLookupAgainstLocalEndpoint(t *testing.T) {
	rec := `{"eventVersion":"1.11","eventTime":"2026-07-01T09:10:03Z","eventSource":"athena.amazonaws.com","eventName":"StartQueryExecution","awsRegion":"us-east-1","requestParameters":{"queryString":"***OMITTED***"},"responseElements":{"queryExecutionId":"6f0c2d1e-3a4b-4c5d-8e9f-0a1b2c3d4e01"},"eventID":"lookup-cli-1"}`
	srv := awstest.NewServer(t, map[string]func([]byte) (int, any){
		"LookupEvents": func([]byte) (int, any) {
			return 200, map[string]any{"Events": []any{map[string]any{"EventId": "lookup-cli-1", "CloudTrailEvent": rec}}}
		},
	})
	awsEnv(t, srv.URL)
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"lookup", "--region", "us-east-1", "--since", "2026-07-01", "--until", "2026-07-02", "--lake", t.TempDir(), "--json"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var sum struct {
		Written int64 `json:"events_written"`
	}
	json.Unmarshal(out.Bytes(), &sum)
	if sum.Written != 1 || srv.Calls("LookupEvents") < 1 {
		t.Errorf("lookup wrote %d events with %d calls: %s", sum.Written, srv.Calls("LookupEvents"), out.String())
	}
}

func TestRunAthenaFile(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"athena", "--file", "../../testdata/scenario/logs/athena/batch-get-query-execution-primary-2026-07-01.json", "--lake", t.TempDir()}, &out, &errb)
	if code != 0 || !strings.Contains(out.String(), "5 read = 5 written") {
		t.Errorf("exit %d, out %q, err %q", code, out.String(), errb.String())
	}
}

func TestRunWarnsWhenNothingWasIngested(t *testing.T) {
	in := t.TempDir()
	os.WriteFile(filepath.Join(in, "empty.json"), nil, 0o644)
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{in, "--lake", t.TempDir()}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "warning: nothing was ingested (1 objects listed)") {
		t.Errorf("stderr = %q, want a warning that nothing was ingested", errb.String())
	}
}

// The maintenance commands through the command line: compact two runs'
// files into one, commit with nothing pending, migrate a lake that needs
// none, and refuse bad --day, --retention and time flags.
func TestRunMaintenanceCommands(t *testing.T) {
	ctx := context.Background()
	lakeDir := t.TempDir()
	logs := "../../testdata/scenario/logs"
	for _, in := range []string{logs + "/trail-bucket", logs} {
		var out, errb bytes.Buffer
		if code := run(ctx, []string{in, "--lake", lakeDir}, &out, &errb); code != 0 {
			t.Fatalf("ingest %s: exit %d: %s", in, code, errb.String())
		}
	}
	var out, errb bytes.Buffer
	if code := run(ctx, []string{"compact", "--lake", lakeDir}, &out, &errb); code != 0 ||
		!strings.Contains(out.String(), "events 2026-07-01: 2 files → 1, 63 rows") {
		t.Errorf("compact: exit %d, %q %q", code, out.String(), errb.String())
	}
	out.Reset()
	// A day that is one file is left alone, unless --force sorts it anew.
	if code := run(ctx, []string{"compact", "--lake", lakeDir}, &out, &errb); code != 0 || !strings.Contains(out.String(), "1 files, left alone") {
		t.Errorf("compact again: exit %d, %q %q", code, out.String(), errb.String())
	}
	out.Reset()
	if code := run(ctx, []string{"compact", "--force", "--lake", lakeDir}, &out, &errb); code != 0 || !strings.Contains(out.String(), "events 2026-07-01: 1 files → 1, 63 rows") {
		t.Errorf("compact --force: exit %d, %q %q", code, out.String(), errb.String())
	}
	out.Reset()
	if code := run(ctx, []string{"commit", "--lake", lakeDir, "--json"}, &out, &errb); code != 0 || !json.Valid(out.Bytes()) || !strings.Contains(out.String(), `"Requests":0`) {
		t.Errorf("commit: exit %d, %q", code, out.String())
	}
	out.Reset()
	if code := run(ctx, []string{"migrate", "--lake", lakeDir}, &out, &errb); code != 0 || !strings.Contains(out.String(), "migrated 0 v2 files") {
		t.Errorf("migrate of a v3 lake: exit %d, %q", code, out.String())
	}
	for _, args := range [][]string{
		{"compact", "--lake", lakeDir, "--day", "July 1st"},
		{"compact", "--lake", lakeDir, "--retention", "a week"},
		{"compact", "--lake", lakeDir, "extra"},
		{logs, "--lake", lakeDir, "--not-before", "long ago"},
	} {
		errb.Reset()
		if code := run(ctx, args, &out, &errb); code != 2 || strings.Count(strings.TrimSpace(errb.String()), "\n") != 0 {
			t.Errorf("run(%q) = %d, %q; want a one-line usage error", args, code, errb.String())
		}
	}
}

// --not-after moves the plausible range: events after it are quarantined.
func TestRunNotAfterQuarantines(t *testing.T) {
	var out, errb bytes.Buffer
	args := []string{"../../testdata/scenario/logs/trail-bucket", "--lake", t.TempDir(), "--not-after", "2026-06-30", "--json"}
	if code := run(context.Background(), args, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var sum struct {
		Written     int64 `json:"events_written"`
		Quarantined int64 `json:"quarantined"`
	}
	if err := json.Unmarshal(out.Bytes(), &sum); err != nil || sum.Written != 0 || sum.Quarantined != 50 {
		t.Errorf("summary %s (%v); want all 50 records of 2026-07-01 quarantined (the twice-delivered one too)", out.String(), err)
	}
}

// Progress (objects done of the total, bytes, time left) is drawn on stderr
// when it is a terminal, and never into a pipe or with --json; stdout gets
// the same summary either way. Compaction counts the files it rewrites.
func TestProgressOnATerminalOnly(t *testing.T) {
	ctx := context.Background()
	logs := "../../testdata/scenario/logs"

	tty := ptytest.Open(t, 120, 40)
	var out bytes.Buffer
	lakeDir := t.TempDir()
	if code := run(ctx, []string{logs + "/trail-bucket", "--lake", lakeDir}, &out, tty.TTY); code != 0 {
		t.Fatalf("exit %d", code)
	}
	screen := tty.Output()
	for _, want := range []string{"ingest 0/8 objects", " B/", "kB)", "[0s:"} {
		if !strings.Contains(screen, want) {
			t.Errorf("terminal lacks %q:\n%q", want, screen)
		}
	}
	if !strings.Contains(out.String(), "records: ") || strings.ContainsAny(out.String(), "\r\x1b") {
		t.Errorf("stdout: %q", out.String())
	}

	// The rest of the scenario, then compaction, on a terminal.
	tty = ptytest.Open(t, 120, 40)
	if code := run(ctx, []string{logs, "--lake", lakeDir}, &out, tty.TTY); code != 0 {
		t.Fatalf("exit %d", code)
	}
	tty.Output()
	tty = ptytest.Open(t, 120, 40)
	out.Reset()
	if code := run(ctx, []string{"compact", "--lake", lakeDir}, &out, tty.TTY); code != 0 {
		t.Fatalf("compact: exit %d", code)
	}
	if screen := tty.Output(); !strings.Contains(screen, "ingest compact 0/2 files") {
		t.Errorf("compaction progress: %q", screen)
	}
	if !strings.Contains(out.String(), "2 files → 1") {
		t.Errorf("compact stdout: %q", out.String())
	}

	// --json on a terminal, and a pipe: nothing but the summary.
	tty = ptytest.Open(t, 120, 40)
	out.Reset()
	if code := run(ctx, []string{logs, "--lake", t.TempDir(), "--json"}, &out, tty.TTY); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if screen := tty.Output(); screen != "" {
		t.Errorf("--json drew on the terminal: %q", screen)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	code := run(ctx, []string{logs, "--lake", t.TempDir()}, &out, w)
	w.Close()
	piped, _ := io.ReadAll(r)
	if code != 0 || len(piped) != 0 {
		t.Errorf("a pipe got %q (exit %d)", piped, code)
	}
}

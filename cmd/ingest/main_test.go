package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func TestRunUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"--lake"},
		{"--bogus", "x"},
		{"x", "--since", "yesterday"},
		{"x", "--until", "13/01/2026"},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), args, &out, &errb)
		if code != 2 {
			t.Errorf("run(%q) = %d, want 2", args, code)
		}
		lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
		if len(lines) > 2 || !strings.Contains(errb.String(), "usage: ingest") && !strings.Contains(errb.String(), "invalid time") {
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
	code := run(context.Background(), []string{"../../testdata/scenario", "--lake", t.TempDir(), "--json"}, &out, &errb)
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
	if sum.Read != 38 || sum.Written != 37 {
		t.Errorf("summary %+v, want 38 read and 37 written", sum)
	}
}

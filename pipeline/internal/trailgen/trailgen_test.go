package trailgen

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
)

type envelope struct {
	Records []map[string]any `json:"Records"`
}

func TestWriteValidAndDeterministic(t *testing.T) {
	const target = 2 << 20
	var a, b bytes.Buffer
	n, err := Write(&a, 7, target)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Write(&b, 7, target)
	if err != nil {
		t.Fatal(err)
	}
	if n != m || !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatalf("same seed gave different output: %d vs %d records, %d vs %d bytes", n, m, a.Len(), b.Len())
	}
	var c bytes.Buffer
	if _, err := Write(&c, 8, target); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a.Bytes(), c.Bytes()) {
		t.Fatal("different seeds gave the same output")
	}
	if got := int64(a.Len()); got < target || got > target+64<<10 {
		t.Errorf("size %d, want about %d", got, target)
	}

	if !json.Valid(a.Bytes()) {
		t.Fatal("output is not valid JSON")
	}
	var env envelope
	if err := json.Unmarshal(a.Bytes(), &env); err != nil {
		t.Fatal(err)
	}
	if len(env.Records) != n {
		t.Fatalf("Write said %d records, file has %d", n, len(env.Records))
	}
	ids := map[string]bool{}
	sources := map[string]int{}
	denied, withSI := 0, 0
	for i, r := range env.Records {
		id, _ := r["eventID"].(string)
		if len(id) != 36 || ids[id] {
			t.Fatalf("record %d: bad or duplicate eventID %q", i, id)
		}
		ids[id] = true
		et, _ := r["eventTime"].(string)
		if !strings.HasPrefix(et, "2026-07-01T") && !strings.HasPrefix(et, "2026-07-02T") {
			t.Fatalf("record %d: eventTime %q outside the window", i, et)
		}
		for _, k := range []string{"eventSource", "eventName", "userIdentity", "awsRegion", "eventCategory"} {
			if r[k] == nil {
				t.Fatalf("record %d: no %s", i, k)
			}
		}
		sources[r["eventSource"].(string)]++
		if c, _ := r["errorCode"].(string); strings.Contains(c, "AccessDenied") || strings.Contains(c, "Unauthorized") {
			denied++
		}
		if ui, ok := r["userIdentity"].(map[string]any); ok {
			if sc, ok := ui["sessionContext"].(map[string]any); ok && sc["sourceIdentity"] != nil {
				withSI++
			}
		}
	}
	share := func(src string) float64 { return float64(sources[src]) / float64(n) }
	for src, want := range map[string]float64{
		"s3.amazonaws.com": 0.35 + 0.06, "lakeformation.amazonaws.com": 0.15, "athena.amazonaws.com": 0.10,
		"kms.amazonaws.com": 0.10, "sts.amazonaws.com": 0.10, "sagemaker.amazonaws.com": 0.05, "glue.amazonaws.com": 0.05,
	} {
		if got := share(src); got < want*0.7 || got > want*1.3 {
			t.Errorf("%s: %.3f of records, want about %.2f", src, got, want)
		}
	}
	if d := float64(denied) / float64(n); d < 0.015 || d > 0.05 {
		t.Errorf("denied share %.3f, want about 0.03", d)
	}
	if withSI == 0 {
		t.Error("no record carries a sourceIdentity")
	}
	avg := a.Len() / n
	if avg < 1000 || avg > 3000 {
		t.Errorf("average record %d bytes, want 1–3 KB", avg)
	}
}

func TestNDJSONSameRecords(t *testing.T) {
	var env, nd bytes.Buffer
	n, err := Write(&env, 3, 256<<10)
	if err != nil {
		t.Fatal(err)
	}
	m, err := WriteNDJSON(&nd, 3, 256<<10)
	if err != nil {
		t.Fatal(err)
	}
	if n != m {
		t.Fatalf("%d records in the envelope, %d in NDJSON", n, m)
	}
	lines := bytes.Split(bytes.TrimSuffix(nd.Bytes(), []byte("\n")), []byte("\n"))
	if len(lines) != n {
		t.Fatalf("%d lines, want %d", len(lines), n)
	}
	joined := `{"Records":[` + string(bytes.Join(lines, []byte(","))) + "]}\n"
	if joined != env.String() {
		t.Fatal("NDJSON records differ from the envelope's")
	}
}

func TestWriteGzip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trail.json.gz")
	raw, n, err := WriteGzip(path, 1, 512<<10)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(bufio.NewReader(f))
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	if _, err := body.ReadFrom(zr); err != nil {
		t.Fatal(err)
	}
	if int64(body.Len()) != raw {
		t.Fatalf("WriteGzip said %d raw bytes, file has %d", raw, body.Len())
	}
	var plain bytes.Buffer
	if m, _ := Write(&plain, 1, 512<<10); m != n || !bytes.Equal(plain.Bytes(), body.Bytes()) {
		t.Fatal("gzip content differs from Write's output")
	}
}

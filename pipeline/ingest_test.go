package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/auditlake/auditlake/pipeline/lake"
	"github.com/auditlake/auditlake/pipeline/store"
	"github.com/auditlake/auditlake/pipeline/testsupport/s3test"
	"github.com/auditlake/auditlake/pipeline/warehouse"
)

const scenario = "../testdata/scenario/logs"

type fileState struct {
	data  []byte
	mtime time.Time
}

func snapshot(t *testing.T, root string) map[string]fileState {
	t.Helper()
	out := map[string]fileState{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		fi, _ := d.Info()
		rel, _ := filepath.Rel(root, p)
		out[filepath.ToSlash(rel)] = fileState{b, fi.ModTime()}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func ingest(t *testing.T, opt Options) *Summary {
	t.Helper()
	sum, err := Ingest(context.Background(), committing(t, opt))
	if err != nil {
		t.Fatalf("Ingest: %v", err)
	}
	if sum.Requests > 0 && !sum.Committed {
		t.Errorf("the run's %d commit requests were not committed", sum.Requests)
	}
	if !sum.Reconciles() {
		t.Errorf("counts do not reconcile: %+v", sum)
	}
	return sum
}

func TestIngestScenario(t *testing.T) {
	lakeDir := t.TempDir()
	sum := ingest(t, Options{Inputs: []string{scenario}, Lake: lakeDir})
	// 6 trail files (50 records, one delivered twice), a digest, an Insights
	// file, 2 access-log objects (15 lines, one duplicated across them) and
	// one Athena CLI file (5 executions).
	want := Summary{Objects: 11, ObjectsIngested: 10, Digests: 1, Read: 70, Written: 68, Quarantined: 0,
		ObjectsSkipped: map[string]int{SkipInsightObject: 1}, Skipped: map[string]int64{SkipDuplicate: 2}}
	if sum.Objects != want.Objects || sum.ObjectsIngested != want.ObjectsIngested || sum.Digests != want.Digests ||
		sum.Read != want.Read || sum.Written != want.Written || sum.Quarantined != want.Quarantined ||
		sum.ObjectsSkipped[SkipInsightObject] != 1 || sum.Skipped[SkipDuplicate] != 2 || len(sum.Skipped) != 1 {
		t.Errorf("summary = %+v\nwant      %+v", sum, want)
	}

	// One committed data file per table and day, however many objects and
	// profiles; nothing left pending.
	events, files := committedRows[lake.Event](t, lakeDir, lake.Events.Name)
	if len(files) != 1 || files[0].Day != "2026-07-01" || files[0].Rows != 63 {
		t.Errorf("events data files = %+v, want one file of 63 rows for 2026-07-01", files)
	}
	if reqs, _ := filepath.Glob(filepath.Join(lakeDir, lake.CommitsDir, "*")); len(reqs) != 0 {
		t.Errorf("commit requests left pending: %v", reqs)
	}
	profiles := map[string]bool{}
	for i, e := range events {
		profiles[e.StudioProfile] = true
		if i > 0 && lake.Less(&e, &events[i-1]) {
			t.Errorf("row %d (%s) is out of the table's sort order", i, e.EventID)
		}
	}
	for _, p := range []string{"data-scientist-full", "data-scientist-limited", "david", "tina", "analyst-us", ""} {
		if !profiles[p] {
			t.Errorf("no events of profile %q", p)
		}
	}
	// The digest is recorded with the log files it vouches for.
	var digest *lake.Manifest
	manifests, _ := filepath.Glob(filepath.Join(lakeDir, "_manifest", "*.json"))
	for _, f := range manifests {
		b, _ := os.ReadFile(f)
		var m lake.Manifest
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		if m.Format == lake.FormatCloudTrailDigest {
			digest = &m
		}
	}
	if digest == nil || digest.Digest == nil || len(digest.Digest.LogFiles) != 6 {
		t.Fatalf("digest manifest = %+v, want 6 log files listed", digest)
	}

	// Everything written is readable and holds no credential from the scenario.
	if len(events) != 63 {
		t.Fatalf("lake holds %d events, want 63 (49 CloudTrail, 14 access-log lines)", len(events))
	}
	bySource := map[string]int{}
	for _, e := range events {
		bySource[e.LogSource]++
		if e.LogSource == lake.SourceS3AccessLog && e.RoleARN == "arn:aws:iam::111122223333:role/SageMakerStudioExecutionRole_data-scientist-full" && e.StudioProfile != "data-scientist-full" {
			t.Errorf("access-log line by the full profile's role resolved to profile %q", e.StudioProfile)
		}
	}
	if bySource[lake.SourceCloudTrail] != 49 || bySource[lake.SourceS3AccessLog] != 14 {
		t.Errorf("events by source = %v", bySource)
	}
	qs, qfiles := committedRows[lake.AthenaQuery](t, lakeDir, lake.AthenaQueries.Name)
	if len(qfiles) != 1 || qfiles[0].Day != "2026-07-01" {
		t.Fatalf("athena_queries files = %v", qfiles)
	}
	if len(qs) != 5 || qs[2].State != lake.QueryFailed || qs[0].QueryID != "6f0c2d1e-3a4b-4c5d-8e9f-0a1b2c3d4e01" {
		t.Errorf("athena_queries = %+v", qs)
	}
	for _, e := range events {
		for _, secret := range []string{"Tz9!secret-emr-session-pass", "IQoJb3JpZ2luX2VjEXAMPLE", "wJalrXUtnFEMI", "c2VjcmV0LXN0dWRpby10b2tlbi1mb3ItYWxpY2U", "IQoJb3JpZ2luX2VjEPRESIGNED", "3f2a9c0d5e7b1a4c6d8e0f2a4b6c8d0e"} {
			if strings.Contains(e.Raw+e.RequestParameters+e.ResponseElements+e.RequestURI, secret) {
				t.Errorf("event %s %s stores a credential (%s)", e.EventName, e.EventID, secret)
			}
		}
	}

	// A second run changes no file.
	before := snapshot(t, lakeDir)
	again := ingest(t, Options{Inputs: []string{scenario}, Lake: lakeDir})
	if again.Written != 0 || again.ObjectsSkipped[SkipAlreadyIngested] != 10 {
		t.Errorf("second run = %+v, want every object already ingested", again)
	}
	after := snapshot(t, lakeDir)
	if len(before) != len(after) {
		t.Errorf("second run changed the number of files: %d → %d", len(before), len(after))
	}
	for k, v := range before {
		if w, ok := after[k]; !ok || !bytes.Equal(v.data, w.data) || !v.mtime.Equal(w.mtime) {
			t.Errorf("second run changed %s", k)
		}
	}
}

// Re-ingesting after the ledger and the dedupe index were lost writes the
// same data files (named after their bytes), which the committer does not
// add twice. (With the index kept, its commit markers make the re-run
// skip every row as a duplicate instead.)
func TestReingestAfterManifestLossWritesTheSameFiles(t *testing.T) {
	lakeDir := t.TempDir()
	ingest(t, Options{Inputs: []string{scenario}, Lake: lakeDir})
	before := snapshot(t, lakeDir)
	for _, d := range []string{lake.ManifestDir, lake.IndexDir} {
		if err := os.RemoveAll(filepath.Join(lakeDir, d)); err != nil {
			t.Fatal(err)
		}
	}
	sum := ingest(t, Options{Inputs: []string{scenario}, Lake: lakeDir})
	if sum.Written != 68 || sum.Skipped[SkipDuplicate] != 2 {
		t.Errorf("re-ingest wrote %d rows (%v), want 68 and the two duplicates skipped", sum.Written, sum.Skipped)
	}
	after := snapshot(t, lakeDir)
	for k, v := range after {
		if strings.Contains(k, "/metadata/") {
			continue // the commit that records the requests
		}
		b, ok := before[k]
		if !ok {
			t.Errorf("re-ingest created a new file %s", k)
		} else if !bytes.Equal(b.data, v.data) {
			t.Errorf("re-ingest wrote different bytes to %s", k)
		}
	}
	events, _ := committedRows[lake.Event](t, lakeDir, lake.Events.Name)
	if len(events) != 63 {
		t.Errorf("after the re-ingest the table holds %d events, want the same 63", len(events))
	}
}

func TestIngestBadInputs(t *testing.T) {
	lakeDir := t.TempDir()
	sum := ingest(t, Options{Inputs: []string{"../testdata/bad"}, Lake: lakeDir})
	if sum.ObjectsSkipped[SkipZeroByte] != 1 {
		t.Errorf("empty file not skipped as zero-byte: %v", sum.ObjectsSkipped)
	}
	var entries []lake.QuarantineEntry
	qs, _ := filepath.Glob(filepath.Join(lakeDir, "_quarantine", "*.ndjson"))
	for _, f := range qs {
		b, _ := os.ReadFile(f)
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			var e lake.QuarantineEntry
			if err := json.Unmarshal([]byte(line), &e); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			entries = append(entries, e)
		}
	}
	if int64(len(entries)) != sum.Quarantined {
		t.Errorf("%d quarantine entries on disk, summary says %d", len(entries), sum.Quarantined)
	}
	want := map[string]string{ // object → a reason it must be quarantined for
		"truncated.json.gz":   "unreadable from here",
		"invalid-middle.json": "invalid JSON",
		"garbage.bin":         "unrecognized format",
		"mixed.ndjson":        "record has an unreadable eventTime",
	}
	for obj, reason := range want {
		found := false
		for _, e := range entries {
			if strings.HasSuffix(e.Object, obj) && strings.Contains(e.Reason, reason) && e.Offset >= 0 {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no quarantine entry with reason %q", obj, reason)
		}
	}
	// Records before the break in a truncated gzip are kept, as is the
	// record with a 100 KB field and the one with invalid UTF-8.
	if sum.Written < 15 {
		t.Errorf("only %d events written from the bad inputs: readable records were lost", sum.Written)
	}
}

func TestIngestWindow(t *testing.T) {
	since := time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC)
	until := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	sum := ingest(t, Options{Inputs: []string{scenario}, Lake: t.TempDir(), Since: since, Until: until})
	if sum.Written != 13 || sum.Skipped[SkipOutsideWindow] != 57 {
		t.Errorf("window 10:00–12:00 wrote %d, skipped %v; want 13 written (12 CloudTrail, 1 access log), 57 outside", sum.Written, sum.Skipped)
	}
}

func TestParseTime(t *testing.T) {
	now := time.Date(2026, 7, 10, 0, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"2026-07-01T10:00:00Z": time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC),
		"2026-07-01":           time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC),
		"24h":                  now.Add(-24 * time.Hour),
		"7d":                   now.Add(-7 * 24 * time.Hour),
	} {
		got, err := ParseTime(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"yesterday", "-3d", "2026-13-01"} {
		if _, err := ParseTime(bad, now); err == nil {
			t.Errorf("ParseTime(%q) accepted", bad)
		}
	}
}

// TestIngestS3 reads a trail bucket from a real S3 server and writes the
// lake to another bucket on it.
func TestIngestS3(t *testing.T) {
	srv := s3test.Start(t)
	srv.Env(t)
	ctx := context.Background()
	client := srv.Client(t)
	srv.CreateBucket(t, "trail-bucket")
	srv.CreateBucket(t, "lake-bucket")
	src := filepath.Join(scenario, "trail-bucket")
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		_, err = client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("trail-bucket"), Key: aws.String(filepath.ToSlash(rel)), Body: bytes.NewReader(b)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// A folder marker, as the console creates.
	if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("trail-bucket"), Key: aws.String("AWSLogs/111122223333/CloudTrail/"), Body: bytes.NewReader(nil)}); err != nil {
		t.Fatal(err)
	}

	opt := Options{Inputs: []string{"s3://trail-bucket/AWSLogs/"}, Lake: "s3://lake-bucket/audit"}
	sum := ingest(t, opt)
	if sum.Written != 49 || sum.Digests != 1 || sum.ObjectsSkipped[SkipInsightObject] != 1 {
		t.Errorf("S3 ingest = %+v, want 49 events, 1 digest, 1 insight object skipped", sum)
	}
	if sum.ObjectsSkipped[SkipFolderMarker]+sum.ObjectsSkipped[SkipZeroByte] != 1 {
		t.Errorf("folder marker not skipped: %v", sum.ObjectsSkipped)
	}
	rows, files := committedRows[lake.Event](t, opt.Lake, lake.Events.Name)
	for _, r := range rows {
		if !strings.HasPrefix(r.SourceObject, "s3://trail-bucket/AWSLogs/") {
			t.Errorf("source_object = %q, want the s3:// location", r.SourceObject)
		}
	}
	if len(rows) != 49 || len(files) != 1 || !strings.HasPrefix(files[0].URI, "s3://lake-bucket/audit/auditlake/events/data/event_time_day=2026-07-01/") {
		t.Errorf("S3 lake holds %d events in %+v, want 49 in one file below s3://lake-bucket/audit/auditlake/events/data/", len(rows), files)
	}
	again := ingest(t, opt)
	if again.Written != 0 || again.ObjectsSkipped[SkipAlreadyIngested] != 7 {
		t.Errorf("second S3 run = %+v, want everything already ingested", again)
	}
}

// TestProfilesFile: with no trail events to learn from, a profiles file
// attributes access-log lines made with a Studio execution role.
func TestProfilesFile(t *testing.T) {
	profiles := filepath.Join(t.TempDir(), "profiles.json")
	os.WriteFile(profiles, []byte(`{"arn:aws:iam::111122223333:role/SageMakerStudioExecutionRole_data-scientist-full": "data-scientist-full"}`), 0o644)
	lakeDir := t.TempDir()
	ingest(t, Options{Inputs: []string{filepath.Join(scenario, "access-log-bucket")}, Lake: lakeDir, ProfilesFile: profiles})
	all, _ := committedRows[lake.Event](t, lakeDir, lake.Events.Name)
	var rows []lake.Event
	for _, e := range all {
		if e.StudioProfile == "data-scientist-full" {
			rows = append(rows, e)
		}
	}
	if len(rows) != 1 || rows[0].ProfileSource != "role_map" || rows[0].LogSource != lake.SourceS3AccessLog {
		t.Errorf("rows = %+v; want the presigned access-log read, attributed by the role map", rows)
	}
	if _, err := Ingest(context.Background(), Options{Inputs: []string{scenario}, Lake: t.TempDir(), ProfilesFile: "/no/such/profiles.json"}); err == nil {
		t.Error("a missing profiles file was accepted")
	}
}

func TestHourKey(t *testing.T) {
	var in ingester
	for _, tm := range []time.Time{
		time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC),
		time.Date(2026, 7, 1, 9, 59, 59, 999, time.UTC),
		time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC),
		time.Date(2026, 7, 1, 10, 30, 0, 0, time.FixedZone("x", 5400)), // 09:00 UTC
		time.Date(1969, 12, 31, 23, 30, 0, 0, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 22, 59, 0, 0, time.UTC),
	} {
		if got, want := in.hourKey(tm), tm.UTC().Format("2006-01-02T15"); got != want {
			t.Errorf("hourKey(%v) = %q, want %q", tm, got, want)
		}
	}
}

// TestIngestMemoryLimitCoversIndex: with Options.MemoryLimit set, the run
// leaves the soft memory limit above it by what the dedupe index holds.
func TestIngestMemoryLimitCoversIndex(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(old)
	const base = 1 << 40
	sum, err := Ingest(context.Background(), Options{Inputs: []string{scenario}, Lake: t.TempDir(), MemoryLimit: base})
	if err != nil {
		t.Fatal(err)
	}
	ids := sum.Written // every written row's id is held (far below IndexKeep)
	if got, want := debug.SetMemoryLimit(-1), int64(base)+ids*indexBytesPerID; got != want {
		t.Errorf("memory limit after the run = %d, want %d (base + %d ids × %d)", got, want, ids, indexBytesPerID)
	}
}

// Two runs that learn different Studio profiles at the same time both keep
// theirs: a later run resolves the roles of both (each run writes its own
// _identity/ file and readers merge them).
func TestConcurrentRunsKeepEveryLearnedProfile(t *testing.T) {
	ctx := context.Background()
	lakeDir := t.TempDir()
	var ins []*ingester
	for _, p := range []string{"alice", "bob"} {
		in, err := newIngester(ctx, committing(t, Options{Lake: lakeDir}))
		if err != nil {
			t.Fatal(err)
		}
		// What the run learns from a SageMaker CreateUserProfile event.
		in.profiles.Learn("sagemaker.amazonaws.com", "CreateUserProfile",
			`{"domainId":"d-1","userProfileName":"`+p+`","userSettings":{"ExecutionRole":"arn:aws:iam::111122223333:role/Studio-`+p+`"}}`)
		ins = append(ins, in)
	}
	for _, in := range ins { // both started before either finished
		if err := in.done(ctx); err != nil {
			t.Fatal(err)
		}
	}
	later, err := newIngester(ctx, Options{Lake: lakeDir})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"alice", "bob"} {
		if got, how := later.profiles.Resolve("", "arn:aws:iam::111122223333:role/Studio-"+p); got != p || how != "role_map" {
			t.Errorf("role of %s resolves to %q (%s) after two concurrent runs", p, got, how)
		}
	}
}

// Links to files are read as the files; FIFOs, links to folders and
// broken links are counted as skipped with their reason, never passed over.
func TestInputLinksAndSpecialFiles(t *testing.T) {
	in := t.TempDir()
	trail, _ := filepath.Abs(filepath.Join(scenario, "trail-bucket/AWSLogs/111122223333/CloudTrail/us-east-1/2026/07/01/111122223333_CloudTrail_us-east-1_20260701T0805Z_403cbadc92acb274.json"))
	if err := os.Symlink(trail, filepath.Join(in, "linked-trail.json")); err != nil {
		t.Fatal(err)
	}
	os.Symlink(t.TempDir(), filepath.Join(in, "linked-folder"))
	os.Symlink(filepath.Join(in, "nowhere"), filepath.Join(in, "broken"))
	if err := syscall.Mkfifo(filepath.Join(in, "pipe"), 0o600); err != nil {
		t.Fatal(err)
	}
	sum := ingest(t, Options{Inputs: []string{in}, Lake: t.TempDir()})
	if sum.ObjectsIngested != 1 || sum.Written == 0 {
		t.Errorf("the linked trail file was not ingested: %+v", sum)
	}
	for _, reason := range []string{store.SkipNotRegular, store.SkipLinkToFolder, store.SkipBrokenLink} {
		if sum.ObjectsSkipped[reason] != 1 {
			t.Errorf("skipped %v, want one %s", sum.ObjectsSkipped, reason)
		}
	}
	if sum.Objects != 4 {
		t.Errorf("%d objects listed, want 4", sum.Objects)
	}
	// A FIFO named directly is skipped too, not opened (which would block).
	one := ingest(t, Options{Inputs: []string{filepath.Join(in, "pipe")}, Lake: t.TempDir()})
	if one.ObjectsSkipped[store.SkipNotRegular] != 1 {
		t.Errorf("FIFO named as the input: %+v", one)
	}
}

// Event times no real log can hold are quarantined with the reason and
// their place, by default: before 2006, or more than a day ahead.
func TestImplausibleEventTimesAreQuarantined(t *testing.T) {
	in := t.TempDir()
	rec := func(id, at string) string {
		return `{"eventVersion":"1.09","eventTime":"` + at + `","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-east-1","eventID":"` + id + `","recipientAccountId":"111122223333","userIdentity":{"type":"Root","accountId":"111122223333"}}`
	}
	body := `{"Records":[` + rec("ok", "2026-07-01T10:00:00Z") + "," + rec("future", "9999-12-31T23:00:00Z") + "," + rec("past", "0001-01-01T00:00:00Z") + `]}`
	os.WriteFile(filepath.Join(in, "t.json"), []byte(body), 0o644)
	lakeDir := t.TempDir()
	sum := ingest(t, Options{Inputs: []string{in}, Lake: lakeDir})
	if sum.Written != 1 || sum.Quarantined != 2 {
		t.Fatalf("summary %+v, want 1 written and 2 quarantined", sum)
	}
	qs, _ := filepath.Glob(filepath.Join(lakeDir, lake.QuarantineDir, "*.ndjson"))
	b, _ := os.ReadFile(qs[0])
	if strings.Count(string(b), "implausible event time") != 2 || !strings.Contains(string(b), "9999-12-31T23:00:00Z") {
		t.Errorf("quarantine = %s", b)
	}
}

// committing returns opt with the lake's committer set, as the CLI runs.
func committing(t testing.TB, opt Options) Options {
	t.Helper()
	if opt.Committer == nil {
		w, err := warehouse.Open(context.Background(), opt.Lake)
		if err != nil {
			t.Fatal(err)
		}
		opt.Committer = w
	}
	return opt
}

// committedRows reads the rows of table's current snapshot in the lake at
// loc (a folder or s3://…), and the snapshot's data files.
func committedRows[R any](t testing.TB, loc string, table string) ([]R, []warehouse.File) {
	t.Helper()
	ctx := context.Background()
	w, err := warehouse.Open(ctx, loc)
	if err != nil {
		t.Fatal(err)
	}
	rows, files, err := warehouse.Rows[R](ctx, w, table)
	if err != nil {
		t.Fatal(err)
	}
	return rows, files
}

// TestBadRecordLosesOnlyItself: a record with a syntax error, and one
// larger than the reader holds (a 20 MB userAgent), are each quarantined
// with their offset and reason; the records after them are written, and
// the object's ledger entry counts the bytes skipped.
func TestBadRecordLosesOnlyItself(t *testing.T) {
	rec := func(id, extra string) string {
		return `{"eventVersion":"1.11","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333"},` +
			`"eventTime":"2026-07-02T10:00:40Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-east-1",` +
			`"eventID":"` + id + `","eventType":"AwsApiCall","recipientAccountId":"111122223333"` + extra + `}`
	}
	huge := `,"userAgent":"` + strings.Repeat("A", 20<<20) + `"`
	body := `{"Records":[` + rec("ok-1", "") + "," + rec("broken", `,"x":tru`) + "," + rec("ok-2", "") + "," +
		rec("huge", huge) + "," + rec("ok-3", "") + `]}`
	dir := t.TempDir()
	in := filepath.Join(dir, "AWSLogs", "111122223333", "CloudTrail", "us-east-1", "2026", "07", "02", "111122223333_CloudTrail_us-east-1_20260702T1000Z_bad.json")
	os.MkdirAll(filepath.Dir(in), 0o755)
	if err := os.WriteFile(in, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	lakeDir := t.TempDir()
	sum := ingest(t, Options{Inputs: []string{dir}, Lake: lakeDir})
	if sum.Written != 3 || sum.Quarantined != 2 || sum.Read != 5 || !sum.Reconciles() {
		t.Errorf("summary %+v: want 3 written, 2 quarantined of 5 read", sum)
	}
	qs, _ := filepath.Glob(filepath.Join(lakeDir, "_quarantine", "*.ndjson"))
	var reasons []string
	for _, f := range qs {
		b, _ := os.ReadFile(f)
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			var e lake.QuarantineEntry
			json.Unmarshal([]byte(line), &e)
			reasons = append(reasons, fmt.Sprintf("%d %s", e.Offset, e.Reason))
		}
	}
	// A skip starts where the bad record's element begins: at the comma before it.
	brokenAt := len(`{"Records":[`) + len(rec("ok-1", ""))
	hugeAt := strings.Index(body, rec("ok-2", "")) + len(rec("ok-2", ""))
	if len(reasons) != 2 || !strings.HasPrefix(reasons[0], fmt.Sprintf("%d ", brokenAt)) || !strings.Contains(reasons[0], "invalid JSON") ||
		!strings.HasPrefix(reasons[1], fmt.Sprintf("%d ", hugeAt)) || !strings.Contains(reasons[1], "larger than 8 MiB") {
		t.Errorf("quarantine %v; want the broken record at %d and the huge one at %d", reasons, brokenAt, hugeAt)
	}
	ms, _ := filepath.Glob(filepath.Join(lakeDir, lake.ManifestDir, "*.json"))
	if len(ms) != 1 {
		t.Fatalf("%d ledger entries", len(ms))
	}
	var m lake.Manifest
	b, _ := os.ReadFile(ms[0])
	json.Unmarshal(b, &m)
	if m.BytesSkipped < 20<<20 {
		t.Errorf("ledger entry counts %d bytes skipped, want at least the 20 MB record", m.BytesSkipped)
	}
}

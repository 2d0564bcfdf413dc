package pipeline

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/auditlake/auditlake/pipeline/lake"
	"github.com/auditlake/auditlake/pipeline/store"
)

// failingStore is a real local store whose object reads break after a
// number of bytes, as a dropped S3 connection does.
type failingStore struct {
	*store.Dir
	after int64
}

type brokenReader struct {
	r    io.ReadCloser
	left int64
}

func (b *brokenReader) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, errors.New("connection reset by peer")
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *brokenReader) Close() error { return b.r.Close() }

func (f *failingStore) Open(ctx context.Context, key string) (io.ReadCloser, store.Object, error) {
	rc, o, err := f.Dir.Open(ctx, key)
	if err != nil {
		return nil, o, err
	}
	return &brokenReader{r: rc, left: f.after}, o, nil
}

// A read that fails part-way fails the object without a manifest, so the
// next run retries it; the unread bytes are not quarantined as bad content.
func TestReadFailureIsRetriedNotQuarantined(t *testing.T) {
	ctx := context.Background()
	src := "../testdata/scenario/logs/trail-bucket/AWSLogs/111122223333/CloudTrail/us-east-1/2026/07/01/111122223333_CloudTrail_us-east-1_20260701T1305Z_e0ca09c60d510b32.json"
	dir, _ := store.NewDir(filepath.Dir(src))
	lakeDir := t.TempDir()
	lk, _ := store.NewDir(lakeDir)
	in, err := newIngester(ctx, Options{Lake: lakeDir})
	if err != nil {
		t.Fatal(err)
	}
	fs := &failingStore{Dir: dir, after: 3000}
	var obj store.Object
	fs.List(ctx, filepath.Base(src), func(o store.Object) error { obj = o; return nil })
	fs.after = 1 << 40 // let the content hash read the whole file
	tag, _ := contentTag(ctx, fs, obj)
	obj.ETag = tag
	fs.after = 3000
	err = in.object(ctx, fs, obj)
	if err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("object() = %v, want the read error", err)
	}
	if m, _ := filepath.Glob(filepath.Join(lakeDir, "_manifest", "*")); len(m) != 0 {
		t.Errorf("a manifest was written for an object that could not be read: %v", m)
	}
	if q, _ := filepath.Glob(filepath.Join(lakeDir, "_quarantine", "*")); len(q) != 0 {
		t.Errorf("unread bytes were quarantined: %v", q)
	}
	// A failed object fails its run, which commits nothing; the next run
	// reads the whole object.
	if err := in.request(ctx, true); err == nil {
		t.Error("a run whose object failed wrote a commit request")
	}
	if reqs, _ := lake.PendingRequests(ctx, lk); len(reqs) != 0 {
		t.Errorf("the failed object left a commit request: %+v", reqs[0])
	}
	if in, err = newIngester(ctx, Options{Lake: lakeDir}); err != nil {
		t.Fatal(err)
	}
	fs.after = 1 << 40
	if err := in.object(ctx, fs, obj); err != nil {
		t.Fatal(err)
	}
	if in.sum.Written != 10 {
		t.Errorf("retry wrote %d events, want the file's 10", in.sum.Written)
	}
}

// An object that fails part-way gives back the event ids it claimed: the
// next object of the same run (IngestEach: one request per object) that
// holds one of those events writes it, and nothing is lost.
func TestFailedObjectReleasesItsEventIDs(t *testing.T) {
	ctx := context.Background()
	day := "../testdata/scenario/logs/trail-bucket/AWSLogs/111122223333/CloudTrail/us-east-1/2026/07/01/"
	// Both objects carry event ced8e373-… (CloudTrail delivered it twice).
	first := "111122223333_CloudTrail_us-east-1_20260701T0915Z_0cde5ba82f4ad472.json.gz"
	second := "111122223333_CloudTrail_us-east-1_20260701T1405Z_e442bcafe96e3b75.json.gz"
	dir, _ := store.NewDir(day)
	lakeDir := t.TempDir()
	in, err := newIngester(ctx, Options{Lake: lakeDir})
	if err != nil {
		t.Fatal(err)
	}
	var obj store.Object
	dir.List(ctx, first, func(o store.Object) error { obj = o; return nil })
	fs := &failingStore{Dir: dir, after: 1 << 40}
	tag, _ := contentTag(ctx, fs, obj)
	obj.ETag = tag
	fs.after = obj.Size - 8 // the gzip trailer: every record was read and claimed
	if err := in.object(ctx, fs, obj); err == nil {
		t.Fatal("object() = nil, want the read error")
	}
	in.broken = nil
	if err := in.one(ctx, filepath.Join(day, second), in.lakeRoot()); err != nil {
		t.Fatal(err)
	}
	if in.sum.Written != 3 || in.sum.Skipped[SkipDuplicate] != 0 {
		t.Errorf("second object: %d written, %d skipped as duplicates; want all 3 written (the failed object's claim given back)", in.sum.Written, in.sum.Skipped[SkipDuplicate])
	}
}

package store_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/auditlake/auditlake/pipeline/store"
	"github.com/auditlake/auditlake/pipeline/testsupport/s3test"
)

// backend makes an empty store and tells how its locations look.
type backend struct {
	name string
	open func(t *testing.T) (s store.Store, loc func(key string) string)
}

var backends = []backend{
	{"local", func(t *testing.T) (store.Store, func(string) string) {
		root := t.TempDir()
		d, err := store.NewDir(root)
		if err != nil {
			t.Fatal(err)
		}
		return d, func(key string) string {
			if key == "" {
				return root
			}
			return filepath.Join(root, filepath.FromSlash(key))
		}
	}},
	{"s3", func(t *testing.T) (store.Store, func(string) string) {
		srv := s3test.Start(t)
		bucket := srv.CreateBucket(t, "lake")
		return store.NewS3WithClient(srv.Client(t), bucket), func(key string) string {
			if key == "" {
				return "s3://lake"
			}
			return "s3://lake/" + key
		}
	}},
}

// forEach runs f against every backend, each with a fresh, empty store.
func forEach(t *testing.T, f func(t *testing.T, s store.Store, loc func(string) string, kind string)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			s, loc := b.open(t)
			f(t, s, loc, b.name)
		})
	}
}

func put(t *testing.T, s store.Store, key, data string) {
	t.Helper()
	if err := s.Put(context.Background(), key, []byte(data)); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
}

func read(t *testing.T, s store.Store, key string) (string, store.Object) {
	t.Helper()
	rc, o, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("Open(%q): %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("reading %q: %v", key, err)
	}
	return string(b), o
}

func list(t *testing.T, s store.Store, prefix string) []string {
	t.Helper()
	keys := []string{}
	err := s.List(context.Background(), prefix, func(o store.Object) error {
		keys = append(keys, o.Key)
		return nil
	})
	if err != nil {
		t.Fatalf("List(%q): %v", prefix, err)
	}
	return keys
}

func TestRoundTrip(t *testing.T) {
	forEach(t, func(t *testing.T, s store.Store, loc func(string) string, kind string) {
		ctx := context.Background()
		data := `{"eventName":"GetObject"}` + "\n"
		before := time.Now().Add(-time.Minute)
		put(t, s, "2024/01/a.json", data)

		st, err := s.Stat(ctx, "2024/01/a.json")
		if err != nil {
			t.Fatalf("Stat: %v", err)
		}
		if st.Key != "2024/01/a.json" || st.Size != int64(len(data)) {
			t.Errorf("Stat = %+v, want key 2024/01/a.json size %d", st, len(data))
		}
		if st.ModTime.Location() != time.UTC || st.ModTime.Before(before) || st.ModTime.After(time.Now().Add(time.Minute)) {
			t.Errorf("Stat ModTime = %v, want about now, in UTC", st.ModTime)
		}
		if kind == "s3" {
			sum := md5.Sum([]byte(data))
			if want := hex.EncodeToString(sum[:]); st.ETag != want {
				t.Errorf("Stat ETag = %q, want unquoted MD5 %q", st.ETag, want)
			}
		}

		got, o := read(t, s, "2024/01/a.json")
		if got != data {
			t.Errorf("Open read %q, want %q", got, data)
		}
		if o.Key != st.Key || o.Size != st.Size || o.ETag != st.ETag || !o.ModTime.Equal(st.ModTime) {
			t.Errorf("Open object = %+v, Stat = %+v", o, st)
		}

		// An empty object round-trips too.
		put(t, s, "empty", "")
		if got, o := read(t, s, "empty"); got != "" || o.Size != 0 {
			t.Errorf("empty object: read %q size %d", got, o.Size)
		}
	})
}

func TestOverwrite(t *testing.T) {
	forEach(t, func(t *testing.T, s store.Store, loc func(string) string, kind string) {
		put(t, s, "k/v.json", "first version, longer")
		put(t, s, "k/v.json", "second")
		if got, o := read(t, s, "k/v.json"); got != "second" || o.Size != 6 {
			t.Errorf("after overwrite read %q (size %d), want %q", got, o.Size, "second")
		}
		if keys := list(t, s, ""); !slices.Equal(keys, []string{"k/v.json"}) {
			t.Errorf("after overwrite List = %q, want one object (no temporary leftovers)", keys)
		}
	})
}

func TestList(t *testing.T) {
	forEach(t, func(t *testing.T, s store.Store, loc func(string) string, kind string) {
		for _, k := range []string{
			"logs/2024/02/b.json", "a.json.bak", "logs/2024/01/z.json", "a.json",
			"logs/2024/01/a.json", "b/c", "logs/2024/10/x.json",
		} {
			put(t, s, k, "data of "+k)
		}
		cases := []struct {
			prefix string
			want   []string
		}{
			{"", []string{"a.json", "a.json.bak", "b/c", "logs/2024/01/a.json", "logs/2024/01/z.json", "logs/2024/02/b.json", "logs/2024/10/x.json"}},
			{"a.json", []string{"a.json"}},         // names one object: exactly it
			{"a.json.bak", []string{"a.json.bak"}}, // likewise
			{"logs/2024/01/a.json", []string{"logs/2024/01/a.json"}},
			{"logs/", []string{"logs/2024/01/a.json", "logs/2024/01/z.json", "logs/2024/02/b.json", "logs/2024/10/x.json"}},
			{"logs/2024/01/", []string{"logs/2024/01/a.json", "logs/2024/01/z.json"}},
			{"logs/2024/01", []string{"logs/2024/01/a.json", "logs/2024/01/z.json"}}, // a "folder" without the slash
			{"logs", []string{"logs/2024/01/a.json", "logs/2024/01/z.json", "logs/2024/02/b.json", "logs/2024/10/x.json"}},
			{"logs/2024/1", []string{"logs/2024/10/x.json"}}, // a plain key prefix filters
			{"a.js", []string{"a.json", "a.json.bak"}},
			{"nothing", []string{}},
			{"nothing/", []string{}},
			{"logs/2025/", []string{}},
			{"logs/2024/01/a.json.gz", []string{}},
		}
		for _, c := range cases {
			if got := list(t, s, c.prefix); !slices.Equal(got, c.want) {
				t.Errorf("List(%q) = %q, want %q", c.prefix, got, c.want)
			}
		}

		// The objects carry their metadata.
		var objs []store.Object
		if err := s.List(context.Background(), "b/", func(o store.Object) error {
			objs = append(objs, o)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(objs) != 1 || objs[0].Size != int64(len("data of b/c")) || objs[0].ModTime.IsZero() || objs[0].ModTime.Location() != time.UTC {
			t.Errorf("List(b/) objects = %+v", objs)
		}
		if kind == "s3" && (objs[0].ETag == "" || strings.Contains(objs[0].ETag, `"`)) {
			t.Errorf("List ETag = %q, want an unquoted tag", objs[0].ETag)
		}

		// An error from fn stops the listing and is returned.
		stop := errors.New("stop")
		n := 0
		err := s.List(context.Background(), "logs/", func(store.Object) error {
			n++
			return stop
		})
		if !errors.Is(err, stop) || n != 1 {
			t.Errorf("List with failing fn: err %v after %d calls, want %v after 1", err, n, stop)
		}
	})
}

func TestMissing(t *testing.T) {
	forEach(t, func(t *testing.T, s store.Store, loc func(string) string, kind string) {
		ctx := context.Background()
		put(t, s, "dir/present.json", "x")
		for _, key := range []string{"absent.json", "dir/absent.json", "nodir/absent.json", "dir/present.json.bak"} {
			if _, err := s.Stat(ctx, key); !errors.Is(err, store.ErrNotExist) {
				t.Errorf("Stat(%q) error = %v, want ErrNotExist", key, err)
			} else if !strings.Contains(err.Error(), loc(key)) {
				t.Errorf("Stat(%q) error %q does not name %s", key, err, loc(key))
			}
			rc, _, err := s.Open(ctx, key)
			if !errors.Is(err, store.ErrNotExist) {
				t.Errorf("Open(%q) error = %v, want ErrNotExist", key, err)
			}
			if rc != nil {
				rc.Close()
				t.Errorf("Open(%q) returned a reader with error %v", key, err)
			}
		}
	})
}

func TestLocation(t *testing.T) {
	forEach(t, func(t *testing.T, s store.Store, loc func(string) string, kind string) {
		for _, key := range []string{"", "a.json", "x/y/z.json"} {
			if got, want := s.Location(key), loc(key); got != want {
				t.Errorf("Location(%q) = %q, want %q", key, got, want)
			}
		}
	})
	d, err := store.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Location("x/y"); !filepath.IsAbs(got) || got != filepath.Join(d.Root(), "x", "y") {
		t.Errorf("Dir.Location(x/y) = %q, want an absolute path under %s", got, d.Root())
	}
}

func TestSub(t *testing.T) {
	forEach(t, func(t *testing.T, s store.Store, loc func(string) string, kind string) {
		ctx := context.Background()
		put(t, s, "tenant/a/old.json", "old")
		put(t, s, "tenant/ab/other.json", "other")
		sub := store.Sub(s, "/tenant/a/")

		if err := sub.Put(ctx, "new.json", []byte("new")); err != nil {
			t.Fatal(err)
		}
		if got, _ := read(t, s, "tenant/a/new.json"); got != "new" {
			t.Errorf("Sub.Put wrote %q under the parent, want %q", got, "new")
		}
		if got, o := read(t, sub, "old.json"); got != "old" || o.Key != "old.json" {
			t.Errorf("Sub.Open(old.json) = %q, key %q", got, o.Key)
		}
		if o, err := sub.Stat(ctx, "old.json"); err != nil || o.Key != "old.json" || o.Size != 3 {
			t.Errorf("Sub.Stat(old.json) = %+v, %v", o, err)
		}
		if _, err := sub.Stat(ctx, "other.json"); !errors.Is(err, store.ErrNotExist) {
			t.Errorf("Sub.Stat of a sibling prefix's key: %v, want ErrNotExist", err)
		}
		if keys := list(t, sub, ""); !slices.Equal(keys, []string{"new.json", "old.json"}) {
			t.Errorf("Sub.List = %q, want [new.json old.json] (not tenant/ab)", keys)
		}
		if keys := list(t, sub, "old.json"); !slices.Equal(keys, []string{"old.json"}) {
			t.Errorf("Sub.List(old.json) = %q", keys)
		}
		if got, want := sub.Location("x.json"), loc("tenant/a/x.json"); got != want {
			t.Errorf("Sub.Location = %q, want %q", got, want)
		}
		if store.Sub(s, "") != s || store.Sub(s, "/") != s {
			t.Error("Sub with an empty prefix should return the store itself")
		}
	})
}

// TestDirKeysStayInside checks that keys with ".." cannot reach outside the
// root of a local store.
func TestDirKeysStayInside(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir()
	root := filepath.Join(base, "a", "b", "root")
	d, err := store.NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"../x", "../../x", "../../../../../../../../x", "sub/../../x", "/../x"} {
		err := d.Put(ctx, key, []byte("escape?"))
		for _, outside := range []string{
			filepath.Join(base, "x"), filepath.Join(base, "a", "x"), filepath.Join(base, "a", "b", "x"),
		} {
			if _, serr := os.Stat(outside); serr == nil {
				t.Fatalf("Put(%q) wrote %s outside the root", key, outside)
			}
		}
		if err != nil {
			continue // refusing is fine
		}
		if b, err := os.ReadFile(filepath.Join(root, "x")); err != nil || string(b) != "escape?" {
			t.Errorf("Put(%q) succeeded but %s holds %q, %v", key, filepath.Join(root, "x"), b, err)
		}
		if got, _ := read(t, d, key); got != "escape?" {
			t.Errorf("Open(%q) = %q", key, got)
		}
	}
	// Every key resolved to the same file inside the root, nothing else.
	if keys := list(t, d, ""); !slices.Equal(keys, []string{"x"}) {
		t.Errorf("root holds %q, want [x]", keys)
	}
	for _, key := range []string{"", "/", ".", "..", "a\x00b"} {
		if err := d.Put(ctx, key, []byte("bad")); err == nil {
			t.Errorf("Put(%q) succeeded, want an invalid-key error", key)
		}
	}
}

func TestOpenLocation(t *testing.T) {
	ctx := context.Background()

	t.Run("s3", func(t *testing.T) {
		srv := s3test.Start(t)
		srv.Env(t)
		bucket := srv.CreateBucket(t, "audit-bucket")

		s, prefix, err := store.Open(ctx, "s3://"+bucket+"/some/prefix")
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		s3s, ok := s.(*store.S3)
		if !ok {
			t.Fatalf("Open returned %T, want *store.S3", s)
		}
		if prefix != "some/prefix" || s3s.Bucket() != bucket {
			t.Errorf("Open gave bucket %q prefix %q, want %q and some/prefix", s3s.Bucket(), prefix, bucket)
		}
		// The store built from the environment really talks to the server
		// (endpoint, credentials, path-style addressing).
		if err := s.Put(ctx, prefix+"/e.json", []byte("env")); err != nil {
			t.Fatalf("Put through the environment-configured client: %v", err)
		}
		out, err := srv.Client(t).HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("some/prefix/e.json")})
		if err != nil || aws.ToInt64(out.ContentLength) != 3 {
			t.Fatalf("object written through store.Open not on the server: %v", err)
		}
		if _, err := os.Stat(filepath.Join(srv.Dir, bucket, "some", "prefix", "e.json")); err != nil {
			t.Errorf("posix backend has no file for the object: %v", err)
		}
		if got := list(t, s, prefix+"/"); !slices.Equal(got, []string{"some/prefix/e.json"}) {
			t.Errorf("List = %q", got)
		}
		if got := s.Location(prefix); got != "s3://audit-bucket/some/prefix" {
			t.Errorf("Location(prefix) = %q", got)
		}

		s, prefix, err = store.Open(ctx, "s3://"+bucket)
		if err != nil || prefix != "" {
			t.Fatalf("Open(s3://bucket) = prefix %q, %v", prefix, err)
		}
		if got := list(t, s, prefix); !slices.Equal(got, []string{"some/prefix/e.json"}) {
			t.Errorf("List of the whole bucket = %q", got)
		}

		// A missing bucket is an error, not an empty listing or ErrNotExist.
		s, _, err = store.Open(ctx, "s3://no-such-bucket/x")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.List(ctx, "x/", func(store.Object) error { return nil }); err == nil {
			t.Error("List in a missing bucket succeeded")
		}
		if _, _, err := s.Open(ctx, "x"); err == nil || errors.Is(err, store.ErrNotExist) {
			t.Errorf("Open in a missing bucket: %v, want an error other than ErrNotExist", err)
		}
	})

	t.Run("invalid", func(t *testing.T) {
		for _, loc := range []string{"s3://", "s3:///x", "s3:///"} {
			if s, _, err := store.Open(ctx, loc); err == nil {
				t.Errorf("Open(%q) = %T, want an error", loc, s)
			}
			if _, _, err := store.ParseS3URL(loc); err == nil {
				t.Errorf("ParseS3URL(%q) succeeded", loc)
			}
		}
		b, p, err := store.ParseS3URL("s3://b/p/q/")
		if err != nil || b != "b" || p != "p/q/" {
			t.Errorf("ParseS3URL(s3://b/p/q/) = %q %q %v", b, p, err)
		}
	})

	t.Run("local", func(t *testing.T) {
		dir := t.TempDir()
		d, err := store.NewDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		put(t, d, "f.json", "local")
		s, prefix, err := store.Open(ctx, filepath.Join(dir, "f.json"))
		if err != nil || prefix != "f.json" {
			t.Fatalf("Open(file) = prefix %q, %v", prefix, err)
		}
		if got := list(t, s, prefix); !slices.Equal(got, []string{"f.json"}) {
			t.Errorf("List(file) = %q", got)
		}
		s, prefix, err = store.Open(ctx, dir)
		if err != nil || prefix != "" || s.Location("") != d.Root() {
			t.Fatalf("Open(dir) = %q prefix %q, %v", s.Location(""), prefix, err)
		}
		if _, _, err := store.Open(ctx, filepath.Join(dir, "missing")); err == nil {
			t.Error("Open of a missing local path succeeded")
		}
	})
}

// TestS3OpenStreams checks that Open does not buffer the object: the body
// is readable piece by piece and a large object round-trips.
func TestS3OpenStreams(t *testing.T) {
	srv := s3test.Start(t)
	s := store.NewS3WithClient(srv.Client(t), srv.CreateBucket(t, "big"))
	ctx := context.Background()
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	if err := s.Put(ctx, "big.bin", data); err != nil {
		t.Fatal(err)
	}
	rc, o, err := s.Open(ctx, "big.bin")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if o.Size != int64(len(data)) {
		t.Errorf("size %d, want %d", o.Size, len(data))
	}
	head := make([]byte, 16)
	if _, err := io.ReadFull(rc, head); err != nil || string(head) != "0123456789abcdef" {
		t.Fatalf("first bytes %q, %v", head, err)
	}
	rest, err := io.ReadAll(rc)
	if err != nil || !bytes.Equal(append(head, rest...), data) {
		t.Errorf("streamed body differs (%d bytes, %v)", 16+len(rest), err)
	}
}

func TestPutFileAndDelete(t *testing.T) {
	forEach(t, func(t *testing.T, s store.Store, loc func(string) string, kind string) {
		ctx := context.Background()
		src := filepath.Join(t.TempDir(), "spool.bin")
		os.WriteFile(src, []byte("spooled bytes"), 0o600)
		if err := s.PutFile(ctx, "d/f.parquet", src); err != nil {
			t.Fatalf("PutFile: %v", err)
		}
		if got, _ := read(t, s, "d/f.parquet"); got != "spooled bytes" {
			t.Errorf("PutFile stored %q", got)
		}
		if _, err := os.Stat(src); !os.IsNotExist(err) {
			t.Errorf("PutFile left the local file: %v", err)
		}
		if err := s.Delete(ctx, "d/f.parquet"); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if _, err := s.Stat(ctx, "d/f.parquet"); !errors.Is(err, store.ErrNotExist) {
			t.Errorf("after Delete, Stat = %v", err)
		}
		if err := s.Delete(ctx, "never/was"); err != nil {
			t.Errorf("Delete of a missing key = %v, want nil", err)
		}
		if keys := list(t, s, ""); len(keys) != 0 {
			t.Errorf("leftovers: %q", keys)
		}
	})
}

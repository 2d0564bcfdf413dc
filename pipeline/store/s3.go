package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// ParseS3URL splits s3://bucket/prefix into its bucket and key prefix.
func ParseS3URL(loc string) (bucket, prefix string, err error) {
	u, err := url.Parse(loc)
	if err != nil || u.Scheme != "s3" || u.Host == "" {
		return "", "", fmt.Errorf("invalid S3 location %q: want s3://bucket/prefix", loc)
	}
	return u.Host, strings.TrimPrefix(u.Path, "/"), nil
}

// S3 is a Store over one S3 bucket. Keys are object keys in the bucket.
type S3 struct {
	client *s3.Client
	bucket string
}

var _ Store = (*S3)(nil)

// NewS3 returns a store over bucket, configured from the environment and
// the shared AWS config files like any AWS SDK client. The region defaults
// to us-east-1 when none is configured. When a custom endpoint is set with
// AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL (a local or S3-compatible
// server), requests use path-style addressing, since such servers usually
// cannot serve virtual-host buckets.
func NewS3(ctx context.Context, bucket string) (*S3, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("s3://%s: loading AWS configuration: %w", bucket, err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	pathStyle := os.Getenv("AWS_ENDPOINT_URL_S3") != "" || os.Getenv("AWS_ENDPOINT_URL") != ""
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if pathStyle {
			o.UsePathStyle = true
		}
	})
	return NewS3WithClient(client, bucket), nil
}

// NewS3WithClient returns a store over bucket that uses client.
func NewS3WithClient(client *s3.Client, bucket string) *S3 {
	return &S3{client: client, bucket: bucket}
}

// Bucket is the bucket the store reads and writes.
func (s *S3) Bucket() string { return s.bucket }

// List lists the objects whose keys start with prefix, in lexical order.
// When prefix (non-empty, not ending in "/") is the exact key of an object,
// only that object is listed, not its siblings such as prefix+".bak".
func (s *S3) List(ctx context.Context, prefix string, fn func(Object) error) error {
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		o, err := s.Stat(ctx, prefix)
		switch {
		case err == nil:
			return fn(o)
		case !errors.Is(err, ErrNotExist):
			return err
		}
	}
	in := &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket)}
	if prefix != "" {
		in.Prefix = aws.String(prefix)
	}
	p := s3.NewListObjectsV2Paginator(s.client, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("listing %s: %w", s.Location(prefix), err)
		}
		for _, c := range page.Contents {
			o := Object{
				Key:  aws.ToString(c.Key),
				Size: aws.ToInt64(c.Size),
				ETag: trimETag(aws.ToString(c.ETag)),
			}
			if c.LastModified != nil {
				o.ModTime = c.LastModified.UTC()
			}
			if err := fn(o); err != nil {
				return err
			}
		}
	}
	return nil
}

// Open streams an object; the caller must close the reader.
func (s *S3) Open(ctx context.Context, key string) (io.ReadCloser, Object, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(key),
	})
	if err != nil {
		return nil, Object{}, s.wrap(key, err)
	}
	o := Object{
		Key:  key,
		Size: aws.ToInt64(out.ContentLength),
		ETag: trimETag(aws.ToString(out.ETag)),
	}
	if out.LastModified != nil {
		o.ModTime = out.LastModified.UTC()
	}
	return out.Body, o, nil
}

// Stat describes an object with HeadObject.
func (s *S3) Stat(ctx context.Context, key string) (Object, error) {
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(key),
	})
	if err != nil {
		return Object{}, s.wrap(key, err)
	}
	o := Object{
		Key:  key,
		Size: aws.ToInt64(out.ContentLength),
		ETag: trimETag(aws.ToString(out.ETag)),
	}
	if out.LastModified != nil {
		o.ModTime = out.LastModified.UTC()
	}
	return o, nil
}

// Put stores data with a single PutObject, which S3 makes visible
// atomically: readers see the old object or the whole new one.
func (s *S3) Put(ctx context.Context, key string, data []byte) error {
	_, err := s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(s.bucket),
		Key:           aws.String(key),
		Body:          bytes.NewReader(data),
		ContentLength: aws.Int64(int64(len(data))),
	})
	if err != nil {
		return fmt.Errorf("writing %s: %w", s.Location(key), err)
	}
	return nil
}

// PutFile uploads the local file at path with a single PutObject (up to
// 5 GB) streamed from disk, then removes the file.
func (s *S3) PutFile(ctx context.Context, key, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	_, err = s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(s.bucket),
		Key:           aws.String(key),
		Body:          f,
		ContentLength: aws.Int64(fi.Size()),
	})
	if err != nil {
		return fmt.Errorf("writing %s: %w", s.Location(key), err)
	}
	f.Close()
	return os.Remove(path)
}

// Delete removes the object at key (S3 answers success for a missing key).
func (s *S3) Delete(ctx context.Context, key string) error {
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("deleting %s: %w", s.Location(key), err)
	}
	return nil
}

// Location is the s3:// URL of key.
func (s *S3) Location(key string) string {
	if key == "" {
		return "s3://" + s.bucket
	}
	return "s3://" + s.bucket + "/" + key
}

// wrap annotates err with the object's location and maps "not found"
// answers (NoSuchKey from GetObject, a bare 404 from HeadObject) to
// ErrNotExist. A missing bucket is not mapped where S3 says so
// (NoSuchBucket); HeadObject's body-less 404 cannot tell the two apart.
func (s *S3) wrap(key string, err error) error {
	if isNotFound(err) {
		return fmt.Errorf("%s: %w: %w", s.Location(key), ErrNotExist, err)
	}
	return fmt.Errorf("%s: %w", s.Location(key), err)
}

func isNotFound(err error) bool {
	var nsb *types.NoSuchBucket
	var nsk *types.NoSuchKey
	var nf *types.NotFound
	var re *smithyhttp.ResponseError
	var ae smithy.APIError
	switch {
	case errors.As(err, &nsb), errors.As(err, &ae) && ae.ErrorCode() == "NoSuchBucket":
		return false
	case errors.As(err, &nsk), errors.As(err, &nf):
		return true
	case errors.As(err, &re):
		return re.HTTPStatusCode() == http.StatusNotFound
	}
	return false
}

func trimETag(s string) string { return strings.Trim(s, `"`) }

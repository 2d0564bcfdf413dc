// Package store reads and writes objects in a local folder or an S3 bucket
// through one small interface, so that every part of the pipeline treats
// `s3://bucket/prefix` and `/some/dir` alike.
//
// Writes are atomic: a local write goes to a temporary file that is renamed
// into place, an S3 write is a single PutObject, so a partial object is
// never visible to readers.
package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// ErrNotExist is returned (wrapped) when an object does not exist.
var ErrNotExist = errors.New("object does not exist")

// Object describes one stored object.
type Object struct {
	Key     string    // key relative to the store root, '/'-separated
	Size    int64     // bytes
	ETag    string    // content tag: the S3 ETag, or a content hash for local files when known
	ModTime time.Time // last modification
	// Skip, when set, says why this entry is not an object to read (a
	// FIFO, a socket, a link to a folder or to nothing): a store opened
	// on an input location (Open) lists such entries so that they are
	// counted, never silently passed over.
	Skip string
}

// Reasons an input entry is skipped (Object.Skip).
const (
	SkipNotRegular   = "not-a-regular-file"
	SkipLinkToFolder = "link-to-folder"
	SkipBrokenLink   = "broken-link"
)

// Store is a flat namespace of objects addressed by '/'-separated keys.
type Store interface {
	// List calls fn for every object whose key starts with prefix, in
	// lexical key order. A prefix that names a single object lists it.
	List(ctx context.Context, prefix string, fn func(Object) error) error
	// Open opens an object for streaming.
	Open(ctx context.Context, key string) (io.ReadCloser, Object, error)
	// Stat describes an object; it returns an error wrapping ErrNotExist
	// when there is none.
	Stat(ctx context.Context, key string) (Object, error)
	// Put stores data under key atomically, replacing any earlier object.
	// It does not keep data after it returns (callers reuse the buffer).
	Put(ctx context.Context, key string, data []byte) error
	// PutFile stores the local file at path under key atomically and
	// removes the file: large objects are written to a local file first
	// and never held in memory.
	PutFile(ctx context.Context, key, path string) error
	// Delete removes an object; removing one that does not exist is no error.
	Delete(ctx context.Context, key string) error
	// Location renders a key for people and for the lake's source_object
	// column: an absolute path or an s3:// URL.
	Location(key string) string
}

// ReadAll reads a whole object (for small ones: metadata, ledger entries).
func ReadAll(ctx context.Context, s Store, key string) ([]byte, error) {
	rc, _, err := s.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", s.Location(key), err)
	}
	return b, nil
}

// IsS3 reports whether loc is an s3:// URL.
func IsS3(loc string) bool { return strings.HasPrefix(loc, "s3://") }

// Open resolves a location (a local file or folder, or s3://bucket/prefix)
// into a store and the key prefix inside it that the location names.
func Open(ctx context.Context, loc string) (Store, string, error) {
	if IsS3(loc) {
		bucket, prefix, err := ParseS3URL(loc)
		if err != nil {
			return nil, "", err
		}
		s, err := NewS3(ctx, bucket)
		if err != nil {
			return nil, "", err
		}
		return s, prefix, nil
	}
	return openLocal(loc)
}

// Sub returns a view of s in which every key is prefixed with prefix.
func Sub(s Store, prefix string) Store {
	prefix = strings.Trim(prefix, "/")
	if prefix == "" {
		return s
	}
	return &sub{s: s, p: prefix + "/"}
}

type sub struct {
	s Store
	p string
}

func (s *sub) List(ctx context.Context, prefix string, fn func(Object) error) error {
	return s.s.List(ctx, s.p+prefix, func(o Object) error {
		o.Key = strings.TrimPrefix(o.Key, s.p)
		return fn(o)
	})
}

func (s *sub) Open(ctx context.Context, key string) (io.ReadCloser, Object, error) {
	rc, o, err := s.s.Open(ctx, s.p+key)
	o.Key = key
	return rc, o, err
}

func (s *sub) Stat(ctx context.Context, key string) (Object, error) {
	o, err := s.s.Stat(ctx, s.p+key)
	o.Key = key
	return o, err
}

func (s *sub) Put(ctx context.Context, key string, data []byte) error {
	return s.s.Put(ctx, s.p+key, data)
}

func (s *sub) PutFile(ctx context.Context, key, path string) error {
	return s.s.PutFile(ctx, s.p+key, path)
}

func (s *sub) Delete(ctx context.Context, key string) error { return s.s.Delete(ctx, s.p+key) }

func (s *sub) Location(key string) string { return s.s.Location(s.p + key) }

package store

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Dir is a Store over a local folder.
type Dir struct {
	root   string // absolute
	inputs bool   // opened on an input location: list what cannot be read too (Object.Skip)
}

// NewDir returns a store rooted at dir, creating it when needed.
func NewDir(dir string) (*Dir, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, err
	}
	return &Dir{root: abs}, nil
}

// openLocal resolves a local path: a folder becomes the store root with an
// empty prefix, a file becomes its folder with the file's name as prefix.
func openLocal(loc string) (Store, string, error) {
	abs, err := filepath.Abs(loc)
	if err != nil {
		return nil, "", err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", loc, err)
	}
	if fi.IsDir() {
		return &Dir{root: abs, inputs: true}, "", nil
	}
	return &Dir{root: filepath.Dir(abs), inputs: true}, filepath.Base(abs), nil
}

func (d *Dir) path(key string) (string, error) {
	clean := filepath.Clean("/" + filepath.FromSlash(key))
	if clean == "/" || strings.Contains(key, "\x00") {
		return "", fmt.Errorf("invalid key %q", key)
	}
	return filepath.Join(d.root, clean), nil
}

func (d *Dir) info(key string, fi fs.FileInfo) Object {
	return Object{Key: key, Size: fi.Size(), ModTime: fi.ModTime().UTC()}
}

// List walks the folder. A prefix naming a file lists that file; a prefix
// naming a folder lists everything below it; any other prefix filters keys.
func (d *Dir) List(ctx context.Context, prefix string, fn func(Object) error) error {
	start := d.root
	if prefix != "" {
		p, err := d.path(prefix)
		if err != nil {
			return err
		}
		if fi, err := os.Stat(p); err == nil {
			if !fi.IsDir() {
				if !fi.Mode().IsRegular() {
					if d.inputs {
						return fn(Object{Key: prefix, Skip: SkipNotRegular})
					}
					return nil
				}
				return fn(d.info(prefix, fi))
			}
			start = p
		} else {
			start = filepath.Dir(p)
		}
	}
	var objs []Object
	err := filepath.WalkDir(start, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) && p == start {
				return fs.SkipAll
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, _ := filepath.Rel(d.root, p)
		key := filepath.ToSlash(rel)
		if de.IsDir() {
			if strings.HasPrefix(de.Name(), ".tmp-") {
				return fs.SkipDir
			}
			return nil
		}
		if strings.HasPrefix(de.Name(), ".tmp-") || !strings.HasPrefix(key, prefix) {
			return nil
		}
		fi, err := de.Info()
		if err != nil {
			return err
		}
		if fi.Mode()&fs.ModeSymlink != 0 && d.inputs {
			// A link to a file is read as that file (WalkDir follows no
			// link to a folder, so no loop can form).
			target, err := os.Stat(p)
			switch {
			case err != nil:
				objs = append(objs, Object{Key: key, Skip: SkipBrokenLink})
			case target.IsDir():
				objs = append(objs, Object{Key: key, Skip: SkipLinkToFolder})
			case target.Mode().IsRegular():
				objs = append(objs, d.info(key, target))
			default:
				objs = append(objs, Object{Key: key, Skip: SkipNotRegular})
			}
			return nil
		}
		if !fi.Mode().IsRegular() {
			if d.inputs {
				objs = append(objs, Object{Key: key, Skip: SkipNotRegular})
			}
			return nil
		}
		objs = append(objs, d.info(key, fi))
		return nil
	})
	if err != nil {
		return err
	}
	sort.Slice(objs, func(i, j int) bool { return objs[i].Key < objs[j].Key })
	for _, o := range objs {
		if err := fn(o); err != nil {
			return err
		}
	}
	return nil
}

// Open opens a file for reading.
func (d *Dir) Open(ctx context.Context, key string) (io.ReadCloser, Object, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, Object{}, err
	}
	f, err := os.Open(p)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, Object{}, fmt.Errorf("%s: %w", d.Location(key), ErrNotExist)
		}
		return nil, Object{}, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, Object{}, err
	}
	return f, d.info(key, fi), nil
}

// Stat describes a file.
func (d *Dir) Stat(ctx context.Context, key string) (Object, error) {
	p, err := d.path(key)
	if err != nil {
		return Object{}, err
	}
	fi, err := os.Stat(p)
	if err != nil {
		if os.IsNotExist(err) {
			return Object{}, fmt.Errorf("%s: %w", d.Location(key), ErrNotExist)
		}
		return Object{}, err
	}
	return d.info(key, fi), nil
}

// Put writes to a temporary file in the target folder and renames it into
// place, so readers see either the old file or the whole new one.
func (d *Dir) Put(ctx context.Context, key string, data []byte) error {
	return d.write(key, bytes.NewReader(data))
}

// write copies r into a temporary file beside key's and renames it into place.
func (d *Dir) write(key string, r io.Reader) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".tmp-"+filepath.Base(p)+"-")
	if err != nil {
		return err
	}
	_, err = io.Copy(tmp, r)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), p)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// PutFile moves the file at path to key: a rename when both are on one file
// system, else a copy through a temporary file beside the target.
func (d *Dir) PutFile(ctx context.Context, key, path string) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	if err := os.Chmod(path, 0o644); err != nil {
		return err
	}
	if err := os.Rename(path, p); err == nil {
		return nil
	}
	src, err := os.Open(path)
	if err != nil {
		return err
	}
	defer src.Close()
	if err := d.write(key, src); err != nil {
		return err
	}
	return os.Remove(path)
}

// Delete removes the file at key.
func (d *Dir) Delete(ctx context.Context, key string) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
		return err
	}
	return nil
}

// Location is the absolute path of key.
func (d *Dir) Location(key string) string {
	if key == "" {
		return d.root
	}
	return filepath.Join(d.root, filepath.FromSlash(key))
}

// Root is the folder the store is rooted at.
func (d *Dir) Root() string { return d.root }

package core

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// maxSuffix bounds the " (n)" suffixes tried before giving up.
const maxSuffix = 1000

// writeFileNoClobber writes data into dir under name, never half-written and
// never over a different file unless overwrite is set:
//   - a file of that name with the same content is reused (reused = true);
//   - a different one is replaced when overwrite is set, otherwise the data
//     goes to "name (2).ext", "name (3).ext", ... (each checked the same way);
//   - the data is written to a temporary file in dir, synced, then moved into
//     place: by a hard link where the file system has them, which fails
//     rather than replace a file another process created meanwhile, else by
//     a rename after checking the name is free.
//
// google/renameio does the same for replacing, but it does not build on
// Windows, where this program runs too.
func writeFileNoClobber(dir, name string, data []byte, overwrite bool) (path string, reused bool, err error) {
	if name != filepath.Base(name) || name == "." || name == ".." {
		return "", false, fmt.Errorf("refusing to write %q: not a plain file name", name)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", false, fmt.Errorf("creating the folder %s: %w", dir, err)
	}
	tmp, err := writeTemp(dir, data)
	if err != nil {
		return "", false, err
	}
	defer os.Remove(tmp) // gone already after a rename; after a link, drops the extra name

	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	for n := 1; n <= maxSuffix; n++ {
		candidate := name
		if n > 1 {
			candidate = fmt.Sprintf("%s (%d)%s", stem, n, ext)
		}
		path = filepath.Join(dir, candidate)
		// A name may be taken between the check and the link: look again.
		for range 3 {
			same, exists, err := sameContent(path, data)
			if err != nil {
				return "", false, err
			}
			switch {
			case same:
				return path, true, nil
			case exists && overwrite && n == 1:
				if err := replaceFile(tmp, path); err != nil {
					return "", false, err
				}
				return path, false, nil
			case exists:
				// Different content: try the next suffix.
			default:
				err := linkNoClobber(tmp, path)
				if err == nil {
					syncDir(dir)
					return path, false, nil
				}
				if !errors.Is(err, fs.ErrExist) {
					return "", false, fmt.Errorf("saving %s: %w", path, err)
				}
				continue // created meanwhile: compare with it
			}
			break
		}
	}
	return "", false, fmt.Errorf("saving %s in %s: %d files of that name exist already", name, dir, maxSuffix)
}

// writeTemp writes data to a new temporary file in dir, synced to disk, with
// the permissions of an ordinary document. Certificates and profiles hold no
// secret.
func writeTemp(dir string, data []byte) (string, error) {
	f, err := os.CreateTemp(dir, ".asckeys-*.tmp")
	if err != nil {
		return "", fmt.Errorf("writing into %s: %w", dir, err)
	}
	name := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(name, 0o644)
	}
	if err != nil {
		os.Remove(name)
		return "", fmt.Errorf("writing into %s: %w", dir, err)
	}
	return name, nil
}

// sameContent reports whether path holds exactly data, and whether anything
// is there. Symbolic links and folders count as different content, so a
// download never writes through a link.
func sameContent(path string, data []byte) (same, exists bool, err error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, false, nil
	}
	if err != nil {
		return false, false, fmt.Errorf("looking at %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() || fi.Size() != int64(len(data)) {
		return false, true, nil
	}
	old, err := os.ReadFile(path)
	if err != nil {
		return false, true, fmt.Errorf("reading %s: %w", path, err)
	}
	return bytes.Equal(old, data), true, nil
}

// linkNoClobber gives tmp the name path unless path exists. Hard links fail on
// an existing name, atomically; file systems without them (FAT, some network
// shares) fall back to a check then a rename.
func linkNoClobber(tmp, path string) error {
	err := os.Link(tmp, path)
	if err == nil || errors.Is(err, fs.ErrExist) {
		return err
	}
	if _, serr := os.Lstat(path); serr == nil {
		return fs.ErrExist
	}
	return os.Rename(tmp, path)
}

// replaceFile moves tmp over path in one step.
func replaceFile(tmp, path string) error {
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("replacing %s: %w", path, err)
	}
	syncDir(filepath.Dir(path))
	return nil
}

// syncDir makes a new name in dir durable. Windows cannot sync folders and
// does not need to; failures elsewhere only weaken durability, so they are
// ignored.
func syncDir(dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

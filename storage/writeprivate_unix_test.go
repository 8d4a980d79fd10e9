//go:build !windows

package storage

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestWriteFilePrivateOnlyWritesRegularFiles: an export goes to a regular
// file or a new path, never through a final symbolic link and never over a
// device, a pipe or a folder (a rename over /dev/stdout as root once put a
// 0600 file holding the private key in its place). Each refusal leaves the
// target as it was.
func TestWriteFilePrivateOnlyWritesRegularFiles(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "existing.json")
	if err := os.WriteFile(file, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	linkToFile := filepath.Join(dir, "link.json")
	linkToDevice := filepath.Join(dir, "stdout")
	fifo := filepath.Join(dir, "fifo")
	folder := filepath.Join(dir, "folder")
	for _, err := range []error{os.Symlink(file, linkToFile), os.Symlink("/dev/null", linkToDevice), syscall.Mkfifo(fifo, 0o600), os.Mkdir(folder, 0o700)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	refused := map[string]string{linkToFile: "symbolic link", linkToDevice: "symbolic link", fifo: "named pipe", folder: "folder"}
	// A device of our own (root may make one; /dev/null itself is never
	// risked), else /dev/null where this user cannot replace it anyway.
	device := filepath.Join(dir, "null")
	if err := syscall.Mknod(device, syscall.S_IFCHR|0o666, 1<<8|3); err == nil {
		refused[device] = "device"
	} else if os.Geteuid() != 0 {
		refused["/dev/null"] = "device"
	}
	for path, kind := range refused {
		before, _ := os.Lstat(path)
		err := WriteFilePrivate(path, []byte("secret"))
		if err == nil {
			t.Errorf("WriteFilePrivate(%s) wrote through a %s", path, kind)
		} else {
			containsAll(t, err.Error(), path, kind, "regular file or a new path")
		}
		after, lerr := os.Lstat(path)
		if lerr != nil || after.Mode() != before.Mode() || !os.SameFile(before, after) {
			t.Errorf("%s was replaced: %v -> %v (%v)", path, before.Mode(), after, lerr)
		}
	}
	if got, _ := os.ReadFile(file); string(got) != "old" {
		t.Errorf("the link's target was written: %q", got)
	}
	// A regular file and a new path are written, 0600.
	for _, path := range []string{file, filepath.Join(dir, "new.json")} {
		if err := WriteFilePrivate(path, []byte("secret")); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Lstat(path); err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", path, fi.Mode(), err)
		}
	}
	if err := WriteFilePrivate(filepath.Join(dir, "missing", "x.json"), nil); err == nil || errors.Is(err, os.ErrExist) {
		t.Errorf("a path in a missing folder: %v", err)
	}
}

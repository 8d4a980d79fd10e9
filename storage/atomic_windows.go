package storage

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

const isWindows = true

// Win32 errors a rename meets while another process has the file open.
const (
	errorSharingViolation = syscall.Errno(32)
	errorLockViolation    = syscall.Errno(33)
)

// writeFileAtomic writes a temporary file in path's folder, flushes it and
// renames it over path (MoveFileEx with MOVEFILE_REPLACE_EXISTING, which
// replaces the file in one step on NTFS). renameio does not support Windows;
// a reader holding the file open makes the rename fail for a moment, so it
// is retried briefly.
func writeFileAtomic(path string, data []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = os.Remove(f.Name())
		}
	}()
	atomicStep(path, "temp-created")
	if _, err = f.Write(data); err != nil {
		f.Close()
		return err
	}
	atomicStep(path, "temp-written")
	if err = f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		err = os.Rename(f.Name(), path)
		if err == nil {
			atomicStep(path, "renamed")
			return nil
		}
		if attempt == 20 || !retryable(err) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func retryable(err error) bool {
	var errno syscall.Errno
	return errors.As(err, &errno) && (errno == syscall.ERROR_ACCESS_DENIED || errno == errorSharingViolation || errno == errorLockViolation)
}

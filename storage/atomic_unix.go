//go:build !windows

package storage

import (
	"os"
	"path/filepath"

	"github.com/google/renameio/v2"
)

const isWindows = false

// writeFileAtomic writes a temporary file in path's folder, fsyncs it,
// renames it over path and fsyncs the folder, so the rename itself survives
// a power cut. The file is 0600 whatever the umask or the old file's mode.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	t, err := renameio.NewPendingFile(path, renameio.WithTempDir(dir), renameio.WithStaticPermissions(0o600))
	if err != nil {
		return err
	}
	defer t.Cleanup()
	atomicStep(path, "temp-created")
	if _, err := t.Write(data); err != nil {
		return err
	}
	atomicStep(path, "temp-written")
	if err := t.CloseAtomicallyReplace(); err != nil {
		return err
	}
	atomicStep(path, "renamed")
	return syncDir(dir)
}

// syncDir makes a rename in dir durable; renameio leaves this to the caller.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

package storage

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// maxListSize bounds keys.json and its backup: thousands of keys fit in far
// less, and a read through the limit cannot fill memory.
const maxListSize = 16 << 20

// The files of the vault's folder (keys.json, its backup, its lock) are only
// ever regular files, opened without following a link: a link there could
// make ASC Keys chmod, create or read a file elsewhere, and a named pipe or
// a device would block a read forever or never end it.

// checkVaultFile refuses, naming path and what to do, a file of the vault's
// folder that is a symbolic link, a folder, a pipe, a device or a socket. fi
// comes from os.Lstat or from the opened file's Stat.
func checkVaultFile(path string, fi fs.FileInfo) error {
	switch mode := fi.Mode(); {
	case mode.IsRegular():
		return nil
	case mode&fs.ModeSymlink != 0:
		target, _ := os.Readlink(path)
		return fmt.Errorf("%s is a symbolic link (to %s), and ASC Keys does not follow links in its folder: replace the link with the file itself (mv %s %s) or remove it, then try again", path, target, target, path)
	}
	return fmt.Errorf("%s is %s, not a regular file: move it aside (ASC Keys keeps its key list in a regular file there), then try again", path, fileKind(fi))
}

// fileKind names what a file that is not a regular file is.
func fileKind(fi fs.FileInfo) string {
	mode := fi.Mode()
	switch {
	case mode&fs.ModeSymlink != 0:
		return "a symbolic link"
	case mode.IsDir():
		return "a folder"
	case mode&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case mode&fs.ModeDevice != 0:
		return "a device"
	case mode&fs.ModeSocket != 0:
		return "a socket"
	}
	return "an unusual file"
}

// lstatVaultFile checks path as checkVaultFile does; a missing file is
// fs.ErrNotExist.
func lstatVaultFile(path string) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	return checkVaultFile(path, fi)
}

// openVaultFile opens a file of the vault's folder with flag, refusing a
// link or anything but a regular file (checkVaultFile): before the open, so
// that a pipe is never opened; by the open itself, which does not follow a
// link put there meanwhile (O_NOFOLLOW where the system has it); and on the
// opened file.
func openVaultFile(path string, flag int) (*os.File, error) {
	if err := lstatVaultFile(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	f, err := os.OpenFile(path, flag|noFollowFlags, 0o600)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.EMLINK) {
			// A link appeared between the Lstat and the open.
			if lerr := lstatVaultFile(path); lerr != nil {
				return nil, lerr
			}
		}
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil {
		err = checkVaultFile(path, fi)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// readVaultFile reads keys.json or its backup through openVaultFile, at
// most maxListSize bytes.
func readVaultFile(path string) ([]byte, error) {
	f, err := openVaultFile(path, os.O_RDONLY)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxListSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxListSize {
		return nil, fmt.Errorf("%s is larger than %d MiB, far more than any key list: move it aside, then try again", path, maxListSize>>20)
	}
	return data, nil
}

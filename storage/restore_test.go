package storage

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestRestoreBackupOnlyReplacesADamagedList: a keys.json that cannot be
// read (here a folder in its place, which stops root too) is not damaged:
// restoring the older backup over it would drop the keys added since and
// leave their private keys orphaned in the keychain. RestoreBackup refuses,
// says why and what to do, and changes nothing; nor does it touch a healthy
// list.
func TestRestoreBackupOnlyReplacesADamagedList(t *testing.T) {
	ctx := context.Background()
	kc := NewMemKeychain()
	v := openTest(t, kc)
	mustAdd(t, v, "A", "AAAAA11111")
	mustAdd(t, v, "B", "BBBBB22222")
	bak, err := os.ReadFile(v.backup)
	if err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(v.Path())
	if err != nil {
		t.Fatal(err)
	}

	// Healthy: nothing to restore.
	if err := v.RestoreBackup(); err == nil {
		t.Error("RestoreBackup replaced a healthy list")
	} else {
		containsAll(t, err.Error(), v.Path(), "nothing to restore")
	}
	if now, _ := os.ReadFile(v.Path()); !bytes.Equal(now, good) {
		t.Fatal("a healthy list was changed")
	}

	// Unreadable: a folder where the file should be.
	moved := v.Path() + ".real"
	if err := os.Rename(v.Path(), moved); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(v.Path(), 0o700); err != nil {
		t.Fatal(err)
	}
	_, err = v.List(ctx)
	if !errors.Is(err, ErrConfigUnreadable) || errors.Is(err, ErrCorruptConfig) {
		t.Errorf("List with a folder as keys.json: %v, want ErrConfigUnreadable", err)
	}
	err = v.RestoreBackup()
	if err == nil {
		t.Fatal("RestoreBackup replaced a list it could not read")
	}
	containsAll(t, err.Error(), v.Path(), "is a folder", "not restored")
	if fi, err := os.Lstat(v.Path()); err != nil || !fi.IsDir() {
		t.Errorf("keys.json was replaced: %v", err)
	}
	if now, _ := os.ReadFile(v.backup); !bytes.Equal(now, bak) {
		t.Error("the backup was changed")
	}
	if aside, _ := filepath.Glob(v.Path() + ".replaced-*"); len(aside) != 0 {
		t.Errorf("copies made: %v", aside)
	}

	// Unreadable as for another user or after chmod 000 (root reads those,
	// so the open error is injected).
	vaultFaults.reads.Store(v, func(path string) ([]byte, error) {
		if path == v.Path() {
			return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrPermission}
		}
		return readVaultFile(path)
	})
	err = v.RestoreBackup()
	vaultFaults.reads.Delete(v)
	if err == nil {
		t.Fatal("RestoreBackup replaced a list it may not read")
	}
	containsAll(t, err.Error(), v.Path(), "permission denied", "chmod 600", "not restored")
	if fi, err := os.Lstat(v.Path()); err != nil || !fi.IsDir() {
		t.Errorf("keys.json was replaced: %v", err)
	}

	// Damaged: restored, the damaged file kept beside it.
	if err := os.Remove(v.Path()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(v.Path(), []byte("{ damaged"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := v.RestoreBackup(); err != nil {
		t.Fatal(err)
	}
	aside, _ := filepath.Glob(v.Path() + ".replaced-*")
	if len(aside) != 1 {
		t.Fatalf("the damaged file was not kept: %v", aside)
	}
	if kept, _ := os.ReadFile(aside[0]); string(kept) != "{ damaged" {
		t.Errorf("kept %q", kept)
	}
	if keys := list(t, v); len(keys) != 1 || keys[0].Name != "A" {
		t.Errorf("after restoring: %v", keys)
	}
}

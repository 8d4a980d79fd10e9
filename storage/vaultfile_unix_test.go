//go:build !windows

package storage

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestVaultFilesAreNeverFollowedOrBlockedOn: a symbolic link in place of
// keys.json, its backup or its lock is refused by name and its target left
// as it was (not chmodded, not created); a named pipe there gives a clear
// error instead of a read or an open that waits for a writer forever. A hang
// here fails the test through the test binary's timeout.
func TestVaultFilesAreNeverFollowedOrBlockedOn(t *testing.T) {
	ctx := context.Background()
	for _, name := range []string{FileName, BackupName, lockName} {
		t.Run(name+" symlink", func(t *testing.T) {
			kc := NewMemKeychain()
			v := openTest(t, kc)
			mustAdd(t, v, "A", "AAAAA11111")
			mustAdd(t, v, "B", "BBBBB22222") // so there is a backup
			outside := filepath.Join(t.TempDir(), "elsewhere")
			if name != lockName {
				if err := os.WriteFile(outside, []byte("not yours"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			link := filepath.Join(v.Dir(), name)
			if err := os.Remove(link); err != nil && !errors.Is(err, os.ErrNotExist) {
				t.Fatal(err)
			}
			if err := os.Symlink(outside, link); err != nil {
				t.Fatal(err)
			}
			_, openErr := Open(Options{Dir: v.Dir(), Keychain: kc})
			_, listErr := v.List(ctx)
			_, _, addErr := v.Add(ctx, func() NewKey { nk, _ := newKey(t, "C", "CCCCC33333"); return nk }())
			err := errors.Join(openErr, listErr, addErr)
			if openErr == nil || (name != BackupName && addErr == nil) {
				t.Fatalf("a %s link was accepted: Open %v, List %v, Add %v", name, openErr, listErr, addErr)
			}
			containsAll(t, err.Error(), link, "symbolic link", "does not follow")
			fi, statErr := os.Stat(outside)
			switch {
			case name == lockName && !errors.Is(statErr, os.ErrNotExist):
				t.Errorf("the lock link's target was created: %v", statErr)
			case name != lockName && (statErr != nil || fi.Mode().Perm() != 0o644):
				t.Errorf("the link's target was changed: %v %v", fi.Mode(), statErr)
			}
			if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
				t.Errorf("the link itself was replaced: %v", err)
			}
		})
		t.Run(name+" named pipe", func(t *testing.T) {
			kc := NewMemKeychain()
			v := openTest(t, kc)
			mustAdd(t, v, "A", "AAAAA11111")
			mustAdd(t, v, "B", "BBBBB22222")
			p := filepath.Join(v.Dir(), name)
			if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
				t.Fatal(err)
			}
			if err := syscall.Mkfifo(p, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Open(Options{Dir: v.Dir(), Keychain: kc})
			if err == nil {
				t.Fatal("Open accepted a named pipe")
			}
			containsAll(t, err.Error(), p, "named pipe", "move it aside")
			if errors.Is(err, ErrCorruptConfig) {
				t.Errorf("a pipe is not a damaged list to restore: %v", err)
			}
			if _, err := v.List(ctx); name == FileName && err == nil {
				t.Error("List read a named pipe")
			}
			if err := v.Rename(ctx, "x", "y"); name != BackupName && (err == nil || errors.Is(err, ErrKeyNotFound)) {
				t.Errorf("Rename with a pipe as %s: %v", name, err)
			}
		})
	}
}

package storage

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofrs/flock"

	"github.com/asckeys/asckeys/core/keyfile/keyfiletest"
)

var errDiskFull = errors.New("no space left on device (simulated)")

// testFaults is the faults hook of the tests: per vault, a replacement for
// its file writes and reads and a step at which its operations die; per path, a look
// at each step of its atomic writes.
type testFaults struct{ writes, reads, crashes, steps sync.Map } // *Vault or path → func

func (f *testFaults) atomicStep(path, step string) {
	if s, ok := f.steps.Load(path); ok {
		s.(func(string))(step)
	}
}

func (f *testFaults) writeFile(v *Vault, path string, data []byte) error {
	if w, ok := f.writes.Load(v); ok {
		return w.(func(string, []byte) error)(path, data)
	}
	return writeFileAtomic(path, data)
}

func (f *testFaults) readFile(v *Vault, path string) ([]byte, error) {
	if r, ok := f.reads.Load(v); ok {
		return r.(func(string) ([]byte, error))(path)
	}
	return readVaultFile(path)
}

func (f *testFaults) crash(v *Vault, step string) bool {
	c, ok := f.crashes.Load(v)
	return ok && c.(func(string) bool)(step)
}

var vaultFaults = &testFaults{}

// The hook is set before any test runs, and never changes.
func init() { faults = vaultFaults }

// failWrite makes the vault's nth write (counting from now) of the file named
// base fail; other writes go through.
func failWrite(v *Vault, base string, nth int32) {
	var n atomic.Int32
	vaultFaults.writes.Store(v, func(path string, data []byte) error {
		if filepath.Base(path) == base && n.Add(1) == nth {
			return errDiskFull
		}
		return writeFileAtomic(path, data)
	})
}

func crashAt(v *Vault, step string) {
	vaultFaults.crashes.Store(v, func(s string) bool { return s == step })
}

func keychainErr(op Op, kind error) error { return &KeychainError{Op: op, Kind: kind} }

// holdLock takes the vault's file lock as another process would.
func holdLock(t *testing.T, v *Vault) (release func()) {
	t.Helper()
	other := flock.New(filepath.Join(v.Dir(), lockName))
	if err := other.Lock(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Unlock() })
	return func() { other.Unlock() }
}

func shortCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	t.Cleanup(cancel)
	return ctx
}

// TestAddFaults fails each step of Add in turn. Whatever fails, the keys added
// before stay intact, keys.json is unchanged or holds only bookkeeping, no
// listed key lacks its private key, no private key is left in the keychain
// unlisted once the vault is opened again, and adding the key again works.
func TestAddFaults(t *testing.T) {
	for _, tc := range []struct {
		name      string
		inject    func(t *testing.T, v *Vault, kc *MemKeychain) (release func())
		ctx       func(t *testing.T) context.Context
		is        error
		msg       string
		unchanged bool // keys.json must be byte-identical afterwards
		late      bool // the new key's secret may be there until the next start cleans it up
	}{
		{name: "keychain refuses the secret", inject: func(t *testing.T, v *Vault, kc *MemKeychain) func() {
			kc.Inject(Fault{Op: OpSet, Err: keychainErr(OpSet, ErrKeychainLocked)})
			return nil
		}, is: ErrKeychainLocked, msg: "unlock", unchanged: true},
		{name: "keychain times out but stores the secret later", inject: func(t *testing.T, v *Vault, kc *MemKeychain) func() {
			kc.Inject(Fault{Op: OpSet, Apply: true, Err: keychainErr(OpSet, ErrKeychainTimeout)})
			return nil
		}, is: ErrKeychainTimeout, msg: "did not answer in time", late: true},
		{name: "keychain reports success but keeps nothing", inject: func(t *testing.T, v *Vault, kc *MemKeychain) func() {
			kc.Inject(Fault{Op: OpSet, Silent: true})
			return nil
		}, msg: "did not keep it", unchanged: true},
		{name: "reading the secret back fails", inject: func(t *testing.T, v *Vault, kc *MemKeychain) func() {
			kc.Inject(Fault{Op: OpGet, Err: keychainErr(OpGet, ErrKeychainFailed)})
			return nil
		}, is: ErrKeychainFailed, unchanged: true},
		{name: "writing the backup fails", inject: func(t *testing.T, v *Vault, kc *MemKeychain) func() {
			failWrite(v, BackupName, 1)
			return nil
		}, is: errDiskFull, msg: BackupName + " failed", unchanged: true},
		{name: "writing keys.json fails", inject: func(t *testing.T, v *Vault, kc *MemKeychain) func() {
			failWrite(v, FileName, 1)
			return nil
		}, is: errDiskFull, msg: "nothing was changed", unchanged: true},
		{name: "writing keys.json fails after the secret is stored", inject: func(t *testing.T, v *Vault, kc *MemKeychain) func() {
			failWrite(v, FileName, 2)
			return nil
		}, is: errDiskFull, msg: "nothing was changed"},
		{name: "writing keys.json and taking the secret back both fail", inject: func(t *testing.T, v *Vault, kc *MemKeychain) func() {
			failWrite(v, FileName, 2)
			kc.Inject(Fault{Op: OpDelete, Err: keychainErr(OpDelete, ErrKeychainLocked)})
			return nil
		}, is: errDiskFull, msg: "stays in the keychain, unused, until ASC Keys next starts", late: true},
		{name: "process dies after storing the secret", inject: func(t *testing.T, v *Vault, kc *MemKeychain) func() {
			crashAt(v, "add:secret-stored")
			return nil
		}, is: errCrashed, late: true},
		{name: "another process holds the lock", inject: func(t *testing.T, v *Vault, kc *MemKeychain) func() {
			return holdLock(t, v)
		}, ctx: shortCtx, is: ErrBusy, msg: "another ASC Keys window or command", unchanged: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kc := NewMemKeychain()
			v := openTest(t, kc)
			_, a := mustAdd(t, v, "A", "AAAAA11111")
			_, b := mustAdd(t, v, "B", "BBBBB22222")
			before, err := os.ReadFile(v.Path())
			if err != nil {
				t.Fatal(err)
			}
			release := tc.inject(t, v, kc)
			ctx := context.Background()
			if tc.ctx != nil {
				ctx = tc.ctx(t)
			}
			nk, c := newKey(t, "C", "CCCCC33333")
			_, _, err = v.Add(ctx, nk)
			if release != nil {
				release()
			}
			if err == nil {
				t.Fatal("Add succeeded despite the fault")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
			if tc.msg != "" {
				containsAll(t, err.Error(), tc.msg)
			}
			keyfiletest.AssertNoKeyMaterial(t, err.Error(), a, b, c)
			after, _ := os.ReadFile(v.Path())
			if tc.unchanged && !bytes.Equal(after, before) {
				t.Error("keys.json changed")
			}
			if n := len(kc.Accounts()); n != 2 && !tc.late {
				t.Errorf("%d secrets in the keychain, want the 2 listed ones", n)
			}
			kc.ClearFaults()
			assertConsistent(t, v.Dir(), kc, a, b) // reopening also runs CleanUp
			if n := len(kc.Accounts()); n != 2 {
				t.Errorf("after reopening, %d secrets in the keychain, want 2", n)
			}
			v = reopen(t, v.Dir(), kc)
			if _, _, err := v.Add(context.Background(), nk); err != nil {
				t.Fatalf("adding the key again after the fault: %v", err)
			}
			assertConsistent(t, v.Dir(), kc, a, b, c)
		})
	}
}

// TestRenameFaults: a failed rename changes nothing.
func TestRenameFaults(t *testing.T) {
	for _, tc := range []struct {
		name   string
		inject func(t *testing.T, v *Vault) (release func())
		ctx    func(t *testing.T) context.Context
		is     error
	}{
		{"writing the backup fails", func(t *testing.T, v *Vault) func() { failWrite(v, BackupName, 1); return nil }, nil, errDiskFull},
		{"writing keys.json fails", func(t *testing.T, v *Vault) func() { failWrite(v, FileName, 1); return nil }, nil, errDiskFull},
		{"another process holds the lock", func(t *testing.T, v *Vault) func() { return holdLock(t, v) }, shortCtx, ErrBusy},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kc := NewMemKeychain()
			v := openTest(t, kc)
			a, ka := mustAdd(t, v, "A", "AAAAA11111")
			before, _ := os.ReadFile(v.Path())
			release := tc.inject(t, v)
			ctx := context.Background()
			if tc.ctx != nil {
				ctx = tc.ctx(t)
			}
			err := v.Rename(ctx, a.ID, "Renamed")
			if release != nil {
				release()
			}
			if !errors.Is(err, tc.is) {
				t.Fatalf("Rename = %v, want %v", err, tc.is)
			}
			if after, _ := os.ReadFile(v.Path()); !bytes.Equal(after, before) {
				t.Error("keys.json changed")
			}
			if got, _ := v.Get(context.Background(), a.ID); got.Name != "A" {
				t.Errorf("name is %q", got.Name)
			}
			assertConsistent(t, v.Dir(), kc, ka)
		})
	}
}

// TestRemoveFaults fails each step of Remove. The other key is never touched;
// the removed key either stays listed with its secret (nothing happened) or
// is unlisted with its secret deleted at the latest on the next start.
func TestRemoveFaults(t *testing.T) {
	for _, tc := range []struct {
		name    string
		inject  func(t *testing.T, v *Vault, kc *MemKeychain) (release func())
		is      error // nil: Remove succeeds
		removed bool  // the key is unlisted afterwards
	}{
		{"writing the backup fails", func(t *testing.T, v *Vault, kc *MemKeychain) func() { failWrite(v, BackupName, 1); return nil }, errDiskFull, false},
		{"recording the removal fails", func(t *testing.T, v *Vault, kc *MemKeychain) func() { failWrite(v, FileName, 1); return nil }, errDiskFull, false},
		{"keychain refuses the delete", func(t *testing.T, v *Vault, kc *MemKeychain) func() {
			kc.Inject(Fault{Op: OpDelete, Err: keychainErr(OpDelete, ErrKeychainLocked)})
			return nil
		}, ErrCleanupPending, true},
		{"keychain times out but deletes later", func(t *testing.T, v *Vault, kc *MemKeychain) func() {
			kc.Inject(Fault{Op: OpDelete, Apply: true, Err: keychainErr(OpDelete, ErrKeychainTimeout)})
			return nil
		}, ErrKeychainTimeout, true},
		{"process dies after recording the removal", func(t *testing.T, v *Vault, kc *MemKeychain) func() { crashAt(v, "remove:recorded"); return nil }, errCrashed, true},
		{"process dies after deleting the secret", func(t *testing.T, v *Vault, kc *MemKeychain) func() { crashAt(v, "remove:secret-deleted"); return nil }, errCrashed, true},
		{"clearing the record fails", func(t *testing.T, v *Vault, kc *MemKeychain) func() { failWrite(v, FileName, 2); return nil }, nil, true},
		{"another process holds the lock", func(t *testing.T, v *Vault, kc *MemKeychain) func() { return holdLock(t, v) }, ErrBusy, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kc := NewMemKeychain()
			v := openTest(t, kc)
			a, ka := mustAdd(t, v, "A", "AAAAA11111")
			_, kb := mustAdd(t, v, "B", "BBBBB22222")
			release := tc.inject(t, v, kc)
			ctx := context.Background()
			if errors.Is(tc.is, ErrBusy) {
				ctx = shortCtx(t)
			}
			err := v.Remove(ctx, a.ID)
			if release != nil {
				release()
			}
			if tc.is == nil && err != nil || tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("Remove = %v, want %v", err, tc.is)
			}
			if err != nil {
				keyfiletest.AssertNoKeyMaterial(t, err.Error(), ka, kb)
			}
			kc.ClearFaults()
			if tc.removed {
				assertConsistent(t, v.Dir(), kc, kb)
				v2 := reopen(t, v.Dir(), kc)
				if _, err := v2.Get(context.Background(), a.ID); !errors.Is(err, ErrKeyNotFound) {
					t.Errorf("the removed key is still listed: %v", err)
				}
				if _, ok := kc.Secret(a.ID); ok {
					t.Error("the removed key's private key survived a restart")
				}
				if doc := readDoc(t, v2); len(doc.PendingDeletes) != 0 {
					t.Errorf("pending deletes after a restart: %v", doc.PendingDeletes)
				}
			} else {
				assertConsistent(t, v.Dir(), kc, ka, kb)
			}
		})
	}
}

// TestOpenDeletesTheSecretOfAnInterruptedAdd: a process killed after storing
// a new key's private key and before listing the key leaves the secret in
// the keychain under an id nothing lists (go-keyring cannot list entries to
// find it). The add recorded the id first, so the next Open deletes it.
func TestOpenDeletesTheSecretOfAnInterruptedAdd(t *testing.T) {
	kc := NewMemKeychain()
	v := openTest(t, kc)
	a, ka := mustAdd(t, v, "A", "AAAAA11111")
	crashAt(v, "add:secret-stored")
	nk, _ := newKey(t, "C", "CCCCC33333")
	if _, _, err := v.Add(context.Background(), nk); !errors.Is(err, errCrashed) {
		t.Fatalf("Add = %v, want the simulated crash", err)
	}
	var orphan string
	for _, account := range kc.Accounts() {
		if account != a.ID {
			orphan = account
		}
	}
	if orphan == "" {
		t.Fatal("the crash came before the secret was stored: the test proves nothing")
	}
	if keys := list(t, v); len(keys) != 1 {
		t.Fatalf("the interrupted key is listed: %v", keys)
	}
	v = reopen(t, v.Dir(), kc)
	if _, ok := kc.Secret(orphan); ok {
		t.Error("the next Open left the interrupted add's private key in the keychain")
	}
	if doc := readDoc(t, v); len(doc.PendingDeletes) != 0 {
		t.Errorf("records left after Open: %v", doc.PendingDeletes)
	}
	assertConsistent(t, v.Dir(), kc, ka)
}

// TestOpenRemovesStaleTempFiles: a kill mid-write leaves the temporary file
// of the atomic write beside keys.json; Open deletes such files, but only
// under the lock, since another process's write in progress has one too.
func TestOpenRemovesStaleTempFiles(t *testing.T) {
	kc := NewMemKeychain()
	v := openTest(t, kc)
	_, ka := mustAdd(t, v, "A", "AAAAA11111")
	stale := []string{".keys.json8437264", ".keys.json.bak17", ".keys.json-123456", ".keys.json.replaced-20250304T050607Z99"}
	kept := []string{"keys.json.notes", ".keys.jsonx", "AuthKey_AAAAA11111.p8", ".keys.json.lock"}
	for _, name := range append(append([]string{}, stale...), kept...) {
		if err := os.WriteFile(filepath.Join(v.Dir(), name), []byte("{"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	release := holdLock(t, v)
	reopen(t, v.Dir(), kc)
	if got := vaultTemps(t, v.Dir()); len(got) != len(stale)+2 { // plus .keys.jsonx and .keys.json.lock
		t.Errorf("with the lock held by another process, Open deleted files: %v left", got)
	}
	release()
	reopen(t, v.Dir(), kc)
	for _, name := range stale {
		if _, err := os.Stat(filepath.Join(v.Dir(), name)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s survived Open: %v", name, err)
		}
	}
	for _, name := range kept {
		if _, err := os.Stat(filepath.Join(v.Dir(), name)); err != nil {
			t.Errorf("%s, not a temporary file, is gone: %v", name, err)
		}
	}
	assertConsistent(t, v.Dir(), kc, ka)
}

// TestInterruptedWriteLeavesOldOrNew stops a save of keys.json (its backup
// first, then the file) at every step of each atomic write and at every byte
// of each temporary file, as a kill there would leave the folder: keys.json
// is always the old or the new version in full, never a mix, and the next
// Open lists exactly that version and deletes the temporary file.
func TestInterruptedWriteLeavesOldOrNew(t *testing.T) {
	ctx := context.Background()
	kc := NewMemKeychain()
	v := openTest(t, kc)
	a, _ := mustAdd(t, v, "A", "AAAAA11111")
	mustAdd(t, v, "B", "BBBBB22222") // so that keys.json.bak exists, and is replaced too
	oldRaw, err := os.ReadFile(v.Path())
	if err != nil {
		t.Fatal(err)
	}
	type snapshot struct {
		step  string
		files map[string][]byte
	}
	var snaps []snapshot
	look := func(path string) func(string) {
		return func(step string) {
			files := map[string][]byte{}
			entries, _ := os.ReadDir(v.Dir())
			for _, e := range entries {
				if data, err := os.ReadFile(filepath.Join(v.Dir(), e.Name())); err == nil {
					files[e.Name()] = data
				}
			}
			snaps = append(snaps, snapshot{filepath.Base(path) + " " + step, files})
		}
	}
	for _, p := range []string{v.Path(), v.backup} {
		vaultFaults.steps.Store(p, look(p))
		defer vaultFaults.steps.Delete(p)
	}
	if err := v.Rename(ctx, a.ID, "Renamed"); err != nil {
		t.Fatal(err)
	}
	newRaw, _ := os.ReadFile(v.Path())
	if len(snaps) != 6 {
		t.Fatalf("saw %d steps, want 3 for each of two writes", len(snaps))
	}

	stops := 0
	for _, snap := range snaps {
		var temps []string
		for name := range snap.files {
			if staleTempRE.MatchString(name) {
				temps = append(temps, name)
			}
		}
		// A kill while a temporary file is being written leaves any prefix
		// of it; once written, all of it.
		cut := []int{-1} // no temporary file: nothing to cut
		if len(temps) == 1 {
			cut = nil
			for n := 0; n <= len(snap.files[temps[0]]); n++ {
				cut = append(cut, n)
			}
		} else if len(temps) > 1 {
			t.Fatalf("%s: several temporary files %v", snap.step, temps)
		}
		for _, n := range cut {
			stops++
			dir := filepath.Join(t.TempDir(), "asckeys")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			for name, data := range snap.files {
				if n >= 0 && name == temps[0] {
					data = data[:n]
				}
				if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			raw := snap.files[FileName]
			want := "A"
			switch {
			case bytes.Equal(raw, newRaw):
				want = "Renamed"
			case !bytes.Equal(raw, oldRaw):
				t.Fatalf("%s: keys.json is neither the old nor the new version:\n%s", snap.step, raw)
			}
			if _, err := decode(snap.files[BackupName]); err != nil {
				t.Fatalf("%s: the backup does not parse: %v", snap.step, err)
			}
			w := reopen(t, dir, kc)
			got, err := w.Get(ctx, a.ID)
			if err != nil || got.Name != want {
				t.Fatalf("%s, temporary file cut at %d: the key is %q (%v), want %q", snap.step, n, got.Name, err, want)
			}
			if left := vaultTemps(t, dir); len(left) != 0 {
				t.Fatalf("%s: Open left %v", snap.step, left)
			}
		}
	}
	t.Logf("%d interruptions checked", stops)
}

package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofrs/flock"
)

// fileKeychain is a Keychain in one JSON file guarded by a file lock, so
// several test processes can share it. For tests only: it stores secrets in
// a plain file, which the program itself must never do.
type fileKeychain struct {
	mu   sync.Mutex
	path string
	lock *flock.Flock
}

func newFileKeychain(dir string) *fileKeychain {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		panic(err)
	}
	return &fileKeychain{path: filepath.Join(dir, "secrets.json"), lock: flock.New(filepath.Join(dir, "secrets.lock"))}
}

func (f *fileKeychain) update(ctx context.Context, op Op, fn func(m map[string]string) (bool, error)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ok, err := f.lock.TryLockContext(ctx, 2*time.Millisecond); !ok || err != nil {
		return contextError(op, ctx.Err())
	}
	defer f.lock.Unlock()
	m := map[string]string{}
	raw, err := os.ReadFile(f.path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return &KeychainError{Op: op, Kind: ErrKeychainFailed, Err: err}
	}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			return &KeychainError{Op: op, Kind: ErrKeychainFailed, Err: err}
		}
	}
	changed, err := fn(m)
	if err != nil || !changed {
		return err
	}
	raw, _ = json.Marshal(m)
	return writeFileAtomic(f.path, raw)
}

func (f *fileKeychain) Set(ctx context.Context, account, secret string) error {
	return f.update(ctx, OpSet, func(m map[string]string) (bool, error) { m[account] = secret; return true, nil })
}

func (f *fileKeychain) Get(ctx context.Context, account string) (string, error) {
	var out string
	err := f.update(ctx, OpGet, func(m map[string]string) (bool, error) {
		s, ok := m[account]
		if !ok {
			return false, &KeychainError{Op: OpGet, Kind: ErrSecretNotFound}
		}
		out = s
		return false, nil
	})
	return out, err
}

func (f *fileKeychain) Delete(ctx context.Context, account string) error {
	return f.update(ctx, OpDelete, func(m map[string]string) (bool, error) {
		if _, ok := m[account]; !ok {
			return false, &KeychainError{Op: OpDelete, Kind: ErrSecretNotFound}
		}
		delete(m, account)
		return true, nil
	})
}

// TestHelperProcess is not a test: the tests below run their own binary with
// -test.run=^TestHelperProcess$ and ASCKEYS_HELPER set, to get a second
// process. Without ASCKEYS_HELPER it does nothing.
func TestHelperProcess(t *testing.T) {
	switch os.Getenv("ASCKEYS_HELPER") {
	case "":
		return
	case "add":
		helperAdd(t, os.Getenv("ASCKEYS_HELPER_DIR"), os.Getenv("ASCKEYS_HELPER_WORKER"))
	case "system-keychain":
		helperSystemKeychain()
	default:
		t.Fatalf("unknown helper %q", os.Getenv("ASCKEYS_HELPER"))
	}
}

const helperAdds = 50

func helperAdd(t *testing.T, dir, worker string) {
	v, err := Open(Options{Dir: filepath.Join(dir, "vault"), Keychain: newFileKeychain(filepath.Join(dir, "keychain"))})
	if err != nil {
		t.Fatal(err)
	}
	for i := range helperAdds {
		nk, _ := newKey(t, fmt.Sprintf("%s-%02d", worker, i), fmt.Sprintf("%s%09d", worker, i))
		if _, _, err := v.Add(context.Background(), nk); err != nil {
			t.Fatalf("add %d: %v", i, err)
		}
	}
}

// helperCommand runs this test binary as a helper process with env added.
func helperCommand(t *testing.T, env []string, drop ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		keep := true
		for _, d := range drop {
			keep = keep && name != d
		}
		if keep {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	return cmd
}

// TestTwoProcessesShareOneVault runs two processes that each add 50 keys to
// one vault at the same time, as the window and the command line might. The
// file lock must keep either from overwriting the other's keys.
func TestTwoProcessesShareOneVault(t *testing.T) {
	dir := t.TempDir()
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	for _, worker := range []string{"A", "B"} {
		cmd := helperCommand(t, []string{"ASCKEYS_HELPER=add", "ASCKEYS_HELPER_DIR=" + dir, "ASCKEYS_HELPER_WORKER=" + worker})
		out := new(bytes.Buffer)
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, cmd), append(outs, out)
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("helper %d failed: %v\n%s", i, err, outs[i])
		}
	}
	vaultDir := filepath.Join(dir, "vault")
	raw, err := os.ReadFile(filepath.Join(vaultDir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := decode(raw); err != nil {
		t.Fatalf("keys.json after two writers: %v", err)
	}
	v := reopen(t, vaultDir, newFileKeychain(filepath.Join(dir, "keychain")))
	keys := list(t, v)
	names := map[string]bool{}
	for _, k := range keys {
		names[k.Name] = true
		if _, err := v.Credentials(context.Background(), k.ID); err != nil {
			t.Errorf("%s: %v", k.Name, err)
		}
	}
	for _, worker := range []string{"A", "B"} {
		for i := range helperAdds {
			if name := fmt.Sprintf("%s-%02d", worker, i); !names[name] {
				t.Errorf("%s is missing", name)
			}
		}
	}
	if len(keys) != 2*helperAdds {
		t.Errorf("%d keys, want %d", len(keys), 2*helperAdds)
	}
	assertPrivateModes(t, vaultDir)
}

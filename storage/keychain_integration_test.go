package storage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/keyfile/keyfiletest"
)

// These tests use the real system keychain (on Linux, the Secret Service
// that make test starts in a throwaway D-Bus session), under a service name
// of their own so they never touch a user's keys. Without a usable keychain
// they skip, unless ASCKEYS_REQUIRE_KEYCHAIN=1 (set by make test and CI),
// where they fail and say why.

// realKeychain returns the real keychain under a fresh test service, after
// checking that it works.
func realKeychain(t *testing.T) (Keychain, string) {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	service := core.AppID + ".test-" + hex.EncodeToString(b[:])
	kc := NewSystemKeychain(service)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err := kc.Set(ctx, "probe", "probe")
	if err == nil {
		var got string
		got, err = kc.Get(ctx, "probe")
		if err == nil && got != "probe" {
			err = fmt.Errorf("read back %q", got)
		}
		if derr := kc.Delete(ctx, "probe"); err == nil {
			err = derr
		}
	}
	if err != nil {
		if os.Getenv("ASCKEYS_REQUIRE_KEYCHAIN") == "1" {
			t.Fatalf("the real keychain is required (ASCKEYS_REQUIRE_KEYCHAIN=1) but cannot be used: %v", err)
		}
		t.Skipf("no usable system keychain (%v); set ASCKEYS_REQUIRE_KEYCHAIN=1 to make this a failure, as make test does", err)
	}
	return kc, service
}

func TestSystemKeychainRoundTrip(t *testing.T) {
	kc, _ := realKeychain(t)
	ctx, cancel := WithInteractiveTimeout(context.Background())
	defer cancel()
	k := keyfiletest.New(t)
	big := strings.Repeat("0123456789abcdef", 256) // 4 KiB
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		big = big[:maxSecretBytes]
	}
	for name, secret := range map[string]string{"pem": string(k.PKCS8), "big": big, "unicode": "päss wörd ✓"} {
		account := "acct-" + name
		t.Cleanup(func() { kc.Delete(context.Background(), account) })
		if err := kc.Set(ctx, account, "first"); err != nil {
			t.Fatal(err)
		}
		if err := kc.Set(ctx, account, secret); err != nil {
			t.Fatalf("overwriting: %v", err)
		}
		got, err := kc.Get(ctx, account)
		if err != nil || got != secret {
			t.Fatalf("%s: read back %d bytes, %v", name, len(got), err)
		}
		if err := kc.Delete(ctx, account); err != nil {
			t.Fatal(err)
		}
		if _, err := kc.Get(ctx, account); !errors.Is(err, ErrSecretNotFound) {
			t.Errorf("after delete: %v", err)
		}
		if err := kc.Delete(ctx, account); !errors.Is(err, ErrSecretNotFound) {
			t.Errorf("deleting twice: %v", err)
		}
	}
	if _, err := kc.Get(ctx, "never-set"); !errors.Is(err, ErrSecretNotFound) {
		t.Errorf("never set: %v", err)
	}
}

func TestSystemKeychainVault(t *testing.T) {
	kc, service := realKeychain(t)
	ctx, cancel := WithInteractiveTimeout(context.Background())
	defer cancel()
	dir := filepath.Join(t.TempDir(), "asckeys")
	v, err := Open(Options{Dir: dir, Service: service}) // the default keychain, under the test service
	if err != nil {
		t.Fatal(err)
	}
	nk, k := newKey(t, "Real", "REAL000001")
	entry, _, err := v.Add(ctx, nk)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { kc.Delete(context.Background(), entry.ID) })
	secret, err := kc.Get(ctx, entry.ID)
	if err != nil || secret != string(k.PKCS8) {
		t.Fatalf("the keychain holds %d bytes, %v", len(secret), err)
	}
	creds, err := v.Credentials(ctx, entry.ID)
	if err != nil {
		t.Fatal(err)
	}
	keyfiletest.AssertSigns(t, creds.PrivateKey, k.Priv)
	if status, err := v.CheckSecrets(ctx); err != nil || status[entry.ID] != nil {
		t.Errorf("CheckSecrets = %v, %v", status, err)
	}
	assertNoSecretsOnDisk(t, dir, k)
	if err := v.Remove(ctx, entry.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := kc.Get(ctx, entry.ID); !errors.Is(err, ErrSecretNotFound) {
		t.Errorf("after Remove the keychain still answers: %v", err)
	}
}

// TestSystemKeychainWithoutBus runs the system keychain in a child process
// that has no D-Bus session, as on a server or a bare container: the error
// must be ErrNoKeychain and say how to get a Secret Service.
func TestSystemKeychainWithoutBus(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the Secret Service and D-Bus exist only on Linux")
	}
	empty := t.TempDir()
	for name, env := range map[string][]string{
		"bus address pointing nowhere":   {"DBUS_SESSION_BUS_ADDRESS=unix:path=" + filepath.Join(empty, "no-such-bus")},
		"no bus address, no dbus-launch": {"XDG_RUNTIME_DIR=" + empty, "PATH=" + empty},
	} {
		t.Run(name, func(t *testing.T) {
			cmd := helperCommand(t, append(env, "ASCKEYS_HELPER=system-keychain"), "DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR", "PATH")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("helper: %v\n%s", err, out)
			}
			containsAll(t, string(out), "kind=no-keychain", "GNOME Keyring", "KeePassXC")
		})
	}
}

// TestSystemKeychainLocked starts a Secret Service of its own, in a D-Bus
// session of its own, without unlocking it (as after a login without the
// keyring password): the error must be ErrKeychainLocked and say to unlock.
func TestSystemKeychainLocked(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the Secret Service and D-Bus exist only on Linux")
	}
	for _, tool := range []string{"dbus-run-session", "gnome-keyring-daemon"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("ASCKEYS_REQUIRE_KEYCHAIN") == "1" {
				t.Fatalf("%s is required (ASCKEYS_REQUIRE_KEYCHAIN=1) but missing: install dbus-daemon and gnome-keyring", tool)
			}
			t.Skipf("%s is missing: install dbus-daemon and gnome-keyring to run this test", tool)
		}
	}
	tmp := t.TempDir()
	data, run := filepath.Join(tmp, "data"), filepath.Join(tmp, "run")
	for _, d := range []string{data, run} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	helper := helperCommand(t, []string{"ASCKEYS_HELPER=system-keychain", "XDG_DATA_HOME=" + data, "XDG_RUNTIME_DIR=" + run},
		"DBUS_SESSION_BUS_ADDRESS", "XDG_DATA_HOME", "XDG_RUNTIME_DIR")
	cmd := exec.CommandContext(ctx, "dbus-run-session", "--", "sh", "-c",
		`gnome-keyring-daemon --start --components=secrets >/dev/null 2>&1; exec "$@"`, "sh")
	cmd.Args = append(cmd.Args, helper.Args...)
	cmd.Env = helper.Env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	containsAll(t, string(out), "kind=locked", "unlock it")
}

// helperSystemKeychain reports what the system keychain says in this
// process's environment.
func helperSystemKeychain() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := NewSystemKeychain(core.AppID+".test-helper").Get(ctx, "x")
	kind := "other"
	for name, k := range map[string]error{"no-keychain": ErrNoKeychain, "locked": ErrKeychainLocked, "timeout": ErrKeychainTimeout, "not-found": ErrSecretNotFound} {
		if errors.Is(err, k) {
			kind = name
		}
	}
	fmt.Printf("kind=%s\nmessage=%v\n", kind, err)
}

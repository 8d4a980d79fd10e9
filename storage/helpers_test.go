package storage

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/keyfile"
	"github.com/asckeys/asckeys/core/keyfile/keyfiletest"
)

const testIssuer = "57246542-96fe-1a63-e053-0824d011072a"

// testNow is the clock of every test vault.
var testNow = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

// openTest opens a vault in a new temporary folder on kc.
func openTest(t *testing.T, kc Keychain) *Vault {
	t.Helper()
	return reopen(t, filepath.Join(t.TempDir(), "asckeys"), kc)
}

// reopen opens the vault in dir, as a new process would.
func reopen(t *testing.T, dir string, kc Keychain) *Vault {
	t.Helper()
	v, err := Open(Options{Dir: dir, Keychain: kc, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// newKey returns a NewKey for a fresh key, and the key.
func newKey(t *testing.T, name, keyID string) (NewKey, keyfiletest.Key) {
	t.Helper()
	k := keyfiletest.New(t)
	return NewKey{Name: name, KeyID: keyID, IssuerID: testIssuer, Kind: core.KindTeam, Data: k.PKCS8}, k
}

// mustAdd adds a fresh key and returns its entry and the key.
func mustAdd(t *testing.T, v *Vault, name, keyID string) (Key, keyfiletest.Key) {
	t.Helper()
	nk, k := newKey(t, name, keyID)
	got, _, err := v.Add(context.Background(), nk)
	if err != nil {
		t.Fatalf("adding %s: %v", name, err)
	}
	return got, k
}

// addFastlane links the key in a fastlane API key JSON file as the window
// and the command line do, named name (the Key ID when empty).
func addFastlane(ctx context.Context, v *Vault, data []byte, name string) (Key, []string, error) {
	nk, err := ParseKeyData("api_key.json", data)
	if err != nil {
		return Key{}, nil, err
	}
	nk.Name = name
	return v.Add(ctx, nk)
}

// recordSuccess records that Apple accepted the key.
func recordSuccess(ctx context.Context, v *Vault, id string, at time.Time) error {
	_, err := v.RecordCheck(ctx, id, at, nil)
	return err
}

func list(t *testing.T, v *Vault) []Key {
	t.Helper()
	keys, err := v.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// assertConsistent checks what a user relies on: keys.json parses, every
// listed key's private key is in the keychain and is that key, every key in
// want is listed, and the modes are private.
func assertConsistent(t *testing.T, dir string, kc *MemKeychain, want ...keyfiletest.Key) {
	t.Helper()
	v := reopen(t, dir, kc)
	keys := list(t, v)
	byFP := map[string]Key{}
	for _, k := range keys {
		secret, ok := kc.Secret(k.ID)
		if !ok {
			t.Errorf("%s is listed but its private key is not in the keychain", k)
			continue
		}
		parsed, err := keyfile.Parse([]byte(secret))
		if err != nil || parsed.Fingerprint != k.Fingerprint {
			t.Errorf("%s: the keychain holds another or a damaged key (%v)", k, err)
		}
		byFP[k.Fingerprint] = k
	}
	for _, w := range want {
		fp, err := keyfile.Fingerprint(&w.Priv.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		k, ok := byFP[fp]
		if !ok {
			t.Errorf("a key the user added is lost")
			continue
		}
		creds, err := v.Credentials(context.Background(), k.ID)
		if err != nil {
			t.Errorf("%s: %v", k, err)
			continue
		}
		keyfiletest.AssertSigns(t, creds.PrivateKey, w.Priv)
	}
	assertPrivateModes(t, dir)
}

// assertPrivateModes checks the folder is 0700 and every file in it 0600.
func assertPrivateModes(t *testing.T, dir string) {
	t.Helper()
	if isWindows {
		return
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("folder %s has mode %o, want 700", dir, fi.Mode().Perm())
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %o, want 600", e.Name(), info.Mode().Perm())
		}
	}
}

// assertNoSecretsOnDisk checks that no file in dir holds key material.
func assertNoSecretsOnDisk(t *testing.T, dir string, keys ...keyfiletest.Key) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), "-----BEGIN") {
			t.Errorf("%s holds a PEM block", e.Name())
		}
		keyfiletest.AssertNoKeyMaterial(t, string(data), keys...)
	}
}

func containsAll(t *testing.T, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%q lacks %q", text, w)
		}
	}
}

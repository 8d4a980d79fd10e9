package storage

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func init() { scryptWorkFactor = 10 } // age's default takes a second a call

// passphrases answers PassphraseFunc calls with pass and records them.
type passphrases struct {
	mu    sync.Mutex
	pass  string
	asked []bool // creating, per call
}

func (p *passphrases) ask(_ context.Context, _ string, creating bool) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.asked = append(p.asked, creating)
	return p.pass, nil
}

func openFileTest(t *testing.T, dir string, kc Keychain, pass string) (*Vault, *passphrases) {
	t.Helper()
	p := &passphrases{pass: pass}
	v, err := Open(Options{Dir: dir, Keychain: kc, Now: func() time.Time { return testNow }, Passphrase: p.ask})
	if err != nil {
		t.Fatal(err)
	}
	return v, p
}

func TestFileVaultKeepsTheKeyOutOfTheKeychain(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "asckeys")
	kc := NewMemKeychain()
	v, asked := openFileTest(t, dir, kc, "correct horse")
	if v.FileVault().Exists() {
		t.Fatal("the encrypted file exists before any key was kept in it")
	}
	nk, k := newKey(t, "Acme", "ABCDE12345")
	nk.Store = StoreFile
	added, _, err := v.Add(ctx, nk)
	if err != nil {
		t.Fatal(err)
	}
	if added.Where() != StoreFile {
		t.Fatalf("the key lives in %q, want file", added.Where())
	}
	if len(kc.Accounts()) != 0 {
		t.Fatalf("the keychain holds %v, want nothing", kc.Accounts())
	}
	if len(asked.asked) != 1 || !asked.asked[0] {
		t.Fatalf("passphrase asks %v, want one, for a new file", asked.asked)
	}
	path := filepath.Join(dir, FileVaultName)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("PRIVATE KEY")) || !bytes.HasPrefix(raw, []byte("age-encryption.org/v1")) {
		t.Fatal("the file is not an age file, or holds the key in the clear")
	}
	if fi, _ := os.Stat(path); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
	}
	if fi, _ := os.Stat(dir); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o700 {
		t.Fatalf("folder mode %v, want 0700", fi.Mode().Perm())
	}

	// Another process, the right passphrase: the key signs.
	v2, asked2 := openFileTest(t, dir, kc, "correct horse")
	creds, err := v2.Credentials(ctx, added.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !creds.PrivateKey.Equal(k.Priv) {
		t.Fatal("the file gave back another key")
	}
	if len(asked2.asked) != 1 || asked2.asked[0] {
		t.Fatalf("passphrase asks %v, want one, for an existing file", asked2.asked)
	}
	listed, err := v2.List(ctx)
	if err != nil || len(listed) != 1 || listed[0].Where() != StoreFile {
		t.Fatalf("keys.json lists %v (%v), want the key in the file", listed, err)
	}

	// Removing it deletes it from the file.
	if err := v2.Remove(ctx, added.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := v2.FileVault().Get(ctx, added.ID); !errors.Is(err, ErrSecretNotFound) {
		t.Fatalf("after removal the file still answers %v", err)
	}
}

func TestFileVaultWrongPassphraseChangesNothing(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "asckeys")
	v, _ := openFileTest(t, dir, NewMemKeychain(), "right one")
	nk, _ := newKey(t, "Acme", "ABCDE12345")
	nk.Store = StoreFile
	first, _, err := v.Add(ctx, nk)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, FileVaultName)
	before, _ := os.ReadFile(path)
	keysBefore, _ := os.ReadFile(filepath.Join(dir, FileName))

	wrong, _ := openFileTest(t, dir, NewMemKeychain(), "wrong one")
	_, err = wrong.Credentials(ctx, first.ID)
	if !errors.Is(err, ErrWrongPassphrase) || !strings.Contains(err.Error(), "passphrase is wrong, and nothing was changed") {
		t.Fatalf("reading with a wrong passphrase: %v", err)
	}
	nk2, _ := newKey(t, "Other", "FGHIJ67890")
	nk2.Store = StoreFile
	if _, _, err := wrong.Add(ctx, nk2); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("adding with a wrong passphrase: %v", err)
	}
	if err := wrong.Remove(ctx, first.ID); err == nil {
		t.Fatal("removing with a wrong passphrase reported success")
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Fatal("a wrong passphrase changed the encrypted file")
	}
	keysAfter, _ := os.ReadFile(filepath.Join(dir, FileName))
	if !bytes.Equal(keysBefore, keysAfter) {
		t.Fatalf("a wrong passphrase changed keys.json:\n%s\n->\n%s", keysBefore, keysAfter)
	}
}

func TestFileVaultSigningKeysLiveWithTheirTeamKey(t *testing.T) {
	ctx := context.Background()
	kc := NewMemKeychain()
	v, _ := openFileTest(t, filepath.Join(t.TempDir(), "asckeys"), kc, "pass")
	nk, _ := newKey(t, "Acme", "ABCDE12345")
	nk.Store = StoreFile
	team, _, err := v.Add(ctx, nk)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	spki, err := v.StoreIdentityKey(ctx, team.ID, rsaKey)
	if err != nil {
		t.Fatal(err)
	}
	if len(kc.Accounts()) != 0 {
		t.Fatalf("the keychain holds %v: a file key's signing key must stay in the file", kc.Accounts())
	}
	if _, err := v.FileVault().Get(ctx, identityAccount(spki)); err != nil {
		t.Fatalf("the signing key is not in the file: %v", err)
	}
	got, err := v.IdentityKey(ctx, spki)
	if err != nil {
		t.Fatal(err)
	}
	if !rsaKey.Equal(got) {
		t.Fatal("the file gave back another signing key")
	}
	has, err := v.HasIdentity(ctx, []string{spki})
	if err != nil || !has[spki] {
		t.Fatalf("HasIdentity = %v, %v", has, err)
	}
	if err := v.RemoveIdentity(ctx, spki); err == nil || !errors.Is(err, ErrIdentityInUse) {
		// Just made: within IdentityGrace it is refused, as in the keychain.
		t.Fatalf("RemoveIdentity right after storing: %v", err)
	}
}

func TestFileVaultWithoutPassphrase(t *testing.T) {
	ctx := context.Background()
	v, err := Open(Options{Dir: filepath.Join(t.TempDir(), "asckeys"), Keychain: NewMemKeychain()})
	if err != nil {
		t.Fatal(err)
	}
	nk, _ := newKey(t, "Acme", "ABCDE12345")
	nk.Store = StoreFile
	_, _, err = v.Add(ctx, nk)
	if !errors.Is(err, ErrNoPassphrase) || !strings.Contains(err.Error(), PassphraseEnv) {
		t.Fatalf("adding to the file with no way to ask: %v", err)
	}
	if v.FileVault().Exists() {
		t.Fatal("the file was created without a passphrase")
	}
	if keys, _ := v.List(ctx); len(keys) != 0 {
		t.Fatalf("listed %v", keys)
	}
}

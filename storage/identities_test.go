package storage

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/asckeys/asckeys/core/identity"
	"github.com/asckeys/asckeys/core/identity/identitytest"
)

// signingKey is one of three RSA-2048 signing keys.
var signingKey = identitytest.Key

// openAt opens the vault in dir with the clock at now, as a later process.
func openAt(t *testing.T, dir string, kc Keychain, now time.Time) *Vault {
	t.Helper()
	v, err := Open(Options{Dir: dir, Keychain: kc, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// identityVault is a vault with one team key linked; it returns the key's
// vault id.
func identityVault(t *testing.T, kc Keychain) (*Vault, string) {
	t.Helper()
	v := openTest(t, kc)
	k, _ := mustAdd(t, v, "Team", "ABCDE12345")
	return v, k.ID
}

// storedIdentity is identityVault with signingKey(0) stored; it returns the
// key's SPKI hash too.
func storedIdentity(t *testing.T, kc Keychain) (v *Vault, team, spki string) {
	t.Helper()
	v, team = identityVault(t, kc)
	spki, err := v.StoreIdentityKey(context.Background(), team, signingKey(0))
	if err != nil {
		t.Fatal(err)
	}
	return v, team, spki
}

func sameKey(a, b crypto.Signer) bool {
	return a != nil && b != nil && identity.SPKIHash(a.Public()) == identity.SPKIHash(b.Public())
}

func TestStoreIdentityKey(t *testing.T) {
	ctx := context.Background()
	kc := NewMemKeychain()
	v, team := identityVault(t, kc)
	key := signingKey(0)
	spki, err := v.StoreIdentityKey(ctx, team, key)
	if err != nil {
		t.Fatal(err)
	}
	if spki != identity.SPKIHash(key.Public()) {
		t.Fatalf("spki %s is not the key's SPKI hash", spki)
	}
	secret, ok := kc.Secret("identity:" + spki)
	if !ok || !strings.HasPrefix(secret, "-----BEGIN PRIVATE KEY-----") {
		t.Fatalf("keychain account identity:%s holds %t", spki, ok)
	}
	got, err := v.IdentityKey(ctx, spki)
	if err != nil || !sameKey(got, key) {
		t.Fatalf("IdentityKey: %v", err)
	}
	ids, err := v.Identities(ctx)
	if err != nil || len(ids) != 1 {
		t.Fatalf("Identities: %v %v", ids, err)
	}
	if want := (Identity{SPKI: spki, TeamKeyID: team, CreatedAt: testNow}); ids[0] != want {
		t.Errorf("recorded %+v, want %+v", ids[0], want)
	}
	fi, err := os.Stat(filepath.Join(v.Dir(), IdentitiesName))
	if err != nil {
		t.Fatal(err)
	}
	if !isWindows && fi.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %o, want 0600", IdentitiesName, fi.Mode().Perm())
	}
	data, _ := os.ReadFile(filepath.Join(v.Dir(), IdentitiesName))
	if strings.Contains(string(data), "PRIVATE") || strings.Contains(string(data), secret[40:80]) {
		t.Errorf("%s holds key material", IdentitiesName)
	}

	// Storing it again changes nothing; if the keychain lost it, it is put back.
	if again, err := v.StoreIdentityKey(ctx, team, key); err != nil || again != spki {
		t.Fatalf("storing again: %s %v", again, err)
	}
	kc.Delete(ctx, "identity:"+spki)
	if _, err := v.StoreIdentityKey(ctx, team, key); err != nil {
		t.Fatal(err)
	}
	if _, ok := kc.Secret("identity:" + spki); !ok {
		t.Error("the key was not put back")
	}
	if ids, _ := v.Identities(ctx); len(ids) != 1 {
		t.Errorf("%d records after storing the same key thrice, want 1", len(ids))
	}

	// The certificate once Apple answered.
	if err := v.RecordIdentityCertificate(ctx, spki, "CERT1234AB"); err != nil {
		t.Fatal(err)
	}
	if ids, _ := v.Identities(ctx); ids[0].CertificateID != "CERT1234AB" {
		t.Errorf("certificate id not recorded: %+v", ids[0])
	}
	for _, bad := range []string{"", "a b", "X\n", strings.Repeat("A", 41), "MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQDCQiMx1mexjZqz"} {
		if err := v.RecordIdentityCertificate(ctx, spki, bad); err == nil {
			t.Errorf("certificate id %q accepted", bad)
		}
	}
	if err := v.RecordIdentityCertificate(ctx, identity.SPKIHash(signingKey(1).Public()), "X"); !errors.Is(err, ErrIdentityNotFound) {
		t.Errorf("recording for an unknown key: %v", err)
	}
}

func TestStoreIdentityKeyRefuses(t *testing.T) {
	ctx := context.Background()
	kc := NewMemKeychain()
	v, _ := identityVault(t, kc)
	if _, err := v.StoreIdentityKey(ctx, "0123456789abcdef", signingKey(0)); !errors.Is(err, ErrKeyNotFound) {
		t.Errorf("unknown team key: %v, want ErrKeyNotFound", err)
	}
	if _, err := v.StoreIdentityKey(ctx, "", nil); err == nil {
		t.Error("nil key stored")
	}
	if n := len(kc.Accounts()); n != 1 {
		t.Errorf("%d secrets, want only the team key's", n)
	}
}

func TestIdentityKeyErrors(t *testing.T) {
	ctx := context.Background()
	kc := NewMemKeychain()
	v, _, spki := storedIdentity(t, kc)
	other := identity.SPKIHash(signingKey(1).Public())
	if _, err := v.IdentityKey(ctx, other); !errors.Is(err, ErrIdentityNotFound) || !strings.Contains(err.Error(), "import-p12") {
		t.Errorf("missing key: %v, want ErrIdentityNotFound saying how to import", err)
	}
	if _, err := v.IdentityKey(ctx, "not a hash"); !errors.Is(err, ErrIdentityNotFound) {
		t.Errorf("malformed spki: %v", err)
	}
	otherPEM, _ := identity.MarshalKeyPEM(signingKey(1))
	kc.Set(ctx, "identity:"+spki, string(otherPEM))
	if _, err := v.IdentityKey(ctx, spki); !errors.Is(err, ErrSecretMismatch) {
		t.Errorf("another key in the entry: %v, want ErrSecretMismatch", err)
	}
	kc.Set(ctx, "identity:"+spki, string(otherPEM[:100]))
	if _, err := v.IdentityKey(ctx, spki); !errors.Is(err, ErrSecretDamaged) {
		t.Errorf("damaged entry: %v, want ErrSecretDamaged", err)
	}
	kc.SetLocked(true)
	if _, err := v.IdentityKey(ctx, spki); !errors.Is(err, ErrKeychainLocked) {
		t.Errorf("locked keychain: %v, want ErrKeychainLocked", err)
	}
}

func TestHasIdentity(t *testing.T) {
	ctx := context.Background()
	kc := NewMemKeychain()
	v, _, a := storedIdentity(t, kc)
	b := identity.SPKIHash(signingKey(1).Public())
	reads := kc.Calls(OpGet)
	got, err := v.HasIdentity(ctx, []string{a, b, a, b, a, "junk"})
	if err != nil {
		t.Fatal(err)
	}
	if !got[a] || got[b] || got["junk"] || len(got) != 3 {
		t.Errorf("HasIdentity = %v", got)
	}
	if n := kc.Calls(OpGet) - reads; n != 2 {
		t.Errorf("%d keychain reads for 2 distinct well-formed keys", n)
	}

	// A locked keychain: one read, everything false, and the error says so.
	kc.SetLocked(true)
	reads = kc.Calls(OpGet)
	got, err = v.HasIdentity(ctx, []string{a, b})
	if !errors.Is(err, ErrKeychainLocked) || got[a] || got[b] {
		t.Errorf("locked: %v %v", got, err)
	}
	if n := kc.Calls(OpGet) - reads; n != 1 {
		t.Errorf("%d reads of a locked keychain, want 1", n)
	}
}

func TestImportIdentity(t *testing.T) {
	ctx := context.Background()
	kc := NewMemKeychain()
	v, team := identityVault(t, kc)
	spki, err := v.ImportIdentity(ctx, team, signingKey(2))
	if err != nil {
		t.Fatal(err)
	}
	got, err := v.HasIdentity(ctx, []string{spki})
	if err != nil || !got[spki] {
		t.Fatalf("imported key not found: %v %v", got, err)
	}
	later := openAt(t, v.Dir(), kc, testNow.Add(24*time.Hour))
	unused, err := later.UnusedIdentities(ctx, team, nil)
	if err != nil || len(unused) != 0 {
		t.Errorf("an imported key reported unused: %v %v", unused, err)
	}
}

// TestUnusedIdentities: the reuse-or-remove rule. A key without a
// certificate counts as unused only once Apple's listing lacks it and its
// request can no longer be under way.
func TestUnusedIdentities(t *testing.T) {
	ctx := context.Background()
	kc := NewMemKeychain()
	v, team := identityVault(t, kc)
	other, _ := mustAdd(t, v, "Other team", "OTHER12345")
	failed, _ := v.StoreIdentityKey(ctx, team, signingKey(0))
	issued, _ := v.StoreIdentityKey(ctx, team, signingKey(1))
	otherTeams, _ := v.StoreIdentityKey(ctx, other.ID, signingKey(2))
	listed := []string{issued}

	if unused, _ := v.UnusedIdentities(ctx, team, listed); len(unused) != 0 {
		t.Errorf("keys just stored reported unused: %v", unused)
	}
	if err := v.RemoveIdentity(ctx, failed); !errors.Is(err, ErrIdentityInUse) {
		t.Errorf("removing a key whose request may be under way: %v, want ErrIdentityInUse", err)
	}

	later := openAt(t, v.Dir(), kc, testNow.Add(IdentityGrace))
	unused, err := later.UnusedIdentities(ctx, team, listed)
	if err != nil || len(unused) != 1 || unused[0].SPKI != failed {
		t.Fatalf("unused = %v, %v; want only the failed request's key", unused, err)
	}
	if unused, _ := later.UnusedIdentities(ctx, other.ID, nil); len(unused) != 1 || unused[0].SPKI != otherTeams {
		t.Errorf("other team: %v", unused)
	}

	// Reuse marks it in use again: another window can neither remove nor
	// reuse it while the new request runs.
	key, err := later.ReuseIdentity(ctx, failed)
	if err != nil || !sameKey(key, signingKey(0)) {
		t.Fatalf("ReuseIdentity: %v", err)
	}
	if err := later.RemoveIdentity(ctx, failed); !errors.Is(err, ErrIdentityInUse) {
		t.Errorf("removing a key picked for reuse: %v, want ErrIdentityInUse", err)
	}
	if _, err := later.ReuseIdentity(ctx, failed); !errors.Is(err, ErrIdentityInUse) {
		t.Errorf("reusing a key twice: %v, want ErrIdentityInUse", err)
	}
	if unused, _ := later.UnusedIdentities(ctx, team, listed); len(unused) != 0 {
		t.Errorf("a key picked for reuse reported unused: %v", unused)
	}

	// Its request failed too: later still, it is removed.
	muchLater := openAt(t, v.Dir(), kc, testNow.Add(3*IdentityGrace))
	if err := muchLater.RemoveIdentity(ctx, failed); err != nil {
		t.Fatal(err)
	}
	if _, ok := kc.Secret("identity:" + failed); ok {
		t.Error("removed key still in the keychain")
	}
	if unused, _ := muchLater.UnusedIdentities(ctx, team, listed); len(unused) != 0 {
		t.Errorf("after removal: %v", unused)
	}
	if err := muchLater.RemoveIdentity(ctx, failed); !errors.Is(err, ErrIdentityNotFound) {
		t.Errorf("removing twice: %v, want ErrIdentityNotFound", err)
	}
	// A key with its certificate recorded is not unused even when the
	// listing misses it, and can be removed at once (revoke --delete-key).
	if err := muchLater.RecordIdentityCertificate(ctx, issued, "CERT1"); err != nil {
		t.Fatal(err)
	}
	if unused, _ := muchLater.UnusedIdentities(ctx, team, nil); len(unused) != 0 {
		t.Errorf("a certified key reported unused: %v", unused)
	}
	if _, err := muchLater.ReuseIdentity(ctx, issued); !errors.Is(err, ErrIdentityInUse) {
		t.Errorf("reusing a certified key: %v", err)
	}
	if err := v.RemoveIdentity(ctx, issued); err != nil {
		t.Errorf("removing a certified key: %v", err)
	}
}

func TestRemoveIdentityKeychainFails(t *testing.T) {
	ctx := context.Background()
	kc := NewMemKeychain()
	v, _, spki := storedIdentity(t, kc)
	v = openAt(t, v.Dir(), kc, testNow.Add(IdentityGrace))
	before, _ := os.ReadFile(filepath.Join(v.Dir(), IdentitiesName))
	kc.Inject(Fault{Op: OpDelete, Err: keychainErr(OpDelete, ErrKeychainLocked)})
	if err := v.RemoveIdentity(ctx, spki); !errors.Is(err, ErrKeychainLocked) {
		t.Fatalf("%v, want ErrKeychainLocked", err)
	}
	after, _ := os.ReadFile(filepath.Join(v.Dir(), IdentitiesName))
	if !bytes.Equal(before, after) {
		t.Error("the record changed though the key could not be deleted")
	}
	if _, ok := kc.Secret("identity:" + spki); !ok {
		t.Error("the key is gone")
	}
}

// TestIdentityCrashes kills StoreIdentityKey (through the crash hook, as
// the vault's other fault tests do) at each step, and a whole certificate
// request after Apple answered: the next process always finds the private
// key of any request that could have been sent, and lists what is left over.
func TestIdentityCrashes(t *testing.T) {
	ctx := context.Background()
	key := signingKey(0)
	spki := identity.SPKIHash(key.Public())
	for _, tc := range []struct {
		step     string
		keyThere bool // the private key is in the keychain afterwards
	}{
		{"identity:recorded", false},  // record written, key not yet stored
		{"identity:key-stored", true}, // key stored and checked, the caller not yet told
	} {
		t.Run(tc.step, func(t *testing.T) {
			kc := NewMemKeychain()
			v, team := identityVault(t, kc)
			crashAt(v, tc.step)
			got, err := v.StoreIdentityKey(ctx, team, key)
			if !errors.Is(err, errCrashed) || got != "" {
				t.Fatalf("StoreIdentityKey = %q, %v; want the simulated crash and no spki, so no request is sent", got, err)
			}
			next := openAt(t, v.Dir(), kc, testNow.Add(IdentityGrace))
			ids, err := next.Identities(ctx)
			if err != nil || len(ids) != 1 || ids[0].SPKI != spki {
				t.Fatalf("after the crash the record is %v, %v", ids, err)
			}
			has, err := next.HasIdentity(ctx, []string{spki})
			if err != nil || has[spki] != tc.keyThere {
				t.Errorf("HasIdentity = %v, %v; want %v", has, err, tc.keyThere)
			}
			unused, _ := next.UnusedIdentities(ctx, team, nil)
			if len(unused) != 1 {
				t.Fatalf("the left-over key is not listed as unused: %v", unused)
			}
			if tc.keyThere {
				reused, err := next.ReuseIdentity(ctx, spki)
				if err != nil || !sameKey(reused, key) {
					t.Fatalf("reusing the stored key: %v", err)
				}
				return
			}
			if err := next.RemoveIdentity(ctx, spki); err != nil {
				t.Fatalf("removing the record of a key never stored: %v", err)
			}
			if _, err := next.StoreIdentityKey(ctx, team, key); err != nil {
				t.Fatalf("storing the key after the crash: %v", err)
			}
		})
	}

	t.Run("after Apple answered, before the certificate was recorded", func(t *testing.T) {
		kc := NewMemKeychain()
		v, team := identityVault(t, kc)
		got, err := v.StoreIdentityKey(ctx, team, key)
		if err != nil {
			t.Fatal(err)
		}
		// The request is sent and answered here; the process dies before
		// RecordIdentityCertificate.
		next := openAt(t, v.Dir(), kc, testNow.Add(time.Hour))
		has, err := next.HasIdentity(ctx, []string{got})
		if err != nil || !has[got] {
			t.Fatalf("the certificate's key is not found: %v %v", has, err)
		}
		if unused, _ := next.UnusedIdentities(ctx, team, []string{got}); len(unused) != 0 {
			t.Errorf("the listed certificate's key reported unused: %v", unused)
		}
		// Even with identities.json lost, the certificate finds its key.
		if err := os.Remove(filepath.Join(v.Dir(), IdentitiesName)); err != nil {
			t.Fatal(err)
		}
		if k, err := next.IdentityKey(ctx, got); err != nil || !sameKey(k, key) {
			t.Errorf("without identities.json: %v", err)
		}
	})

	t.Run("the key is removed, then the process dies", func(t *testing.T) {
		kc := NewMemKeychain()
		v, team := identityVault(t, kc)
		v.StoreIdentityKey(ctx, team, key)
		v = openAt(t, v.Dir(), kc, testNow.Add(IdentityGrace))
		crashAt(v, "identity:key-deleted")
		if err := v.RemoveIdentity(ctx, spki); !errors.Is(err, errCrashed) {
			t.Fatal(err)
		}
		next := openAt(t, v.Dir(), kc, testNow.Add(IdentityGrace))
		if unused, _ := next.UnusedIdentities(ctx, team, nil); len(unused) != 1 {
			t.Fatalf("the record of the deleted key is not listed to clear: %v", unused)
		}
		if err := next.RemoveIdentity(ctx, spki); err != nil {
			t.Fatalf("finishing the removal: %v", err)
		}
		if ids, _ := next.Identities(ctx); len(ids) != 0 {
			t.Errorf("records left: %v", ids)
		}
	})
}

// TestStoreIdentityKeyFaults: whatever fails, StoreIdentityKey returns an
// error (so no request is sent), and nothing is left that no record lists.
func TestStoreIdentityKeyFaults(t *testing.T) {
	key := signingKey(0)
	spki := identity.SPKIHash(key.Public())
	for _, tc := range []struct {
		name   string
		inject func(t *testing.T, v *Vault, kc *MemKeychain) (release func())
		ctx    func(t *testing.T) context.Context
		is     error
		msg    string
		record bool // a record stays (the key may be there: next listing shows it)
	}{
		{name: "keychain refuses the key", inject: func(t *testing.T, v *Vault, kc *MemKeychain) func() {
			kc.Inject(Fault{Op: OpSet, Err: keychainErr(OpSet, ErrKeychainLocked)})
			return nil
		}, is: ErrKeychainLocked, msg: "unlock"},
		{name: "keychain times out but stores the key later", inject: func(t *testing.T, v *Vault, kc *MemKeychain) func() {
			kc.Inject(Fault{Op: OpSet, Apply: true, Err: keychainErr(OpSet, ErrKeychainTimeout)})
			return nil
		}, is: ErrKeychainTimeout, record: true},
		{name: "keychain reports success but keeps nothing", inject: func(t *testing.T, v *Vault, kc *MemKeychain) func() {
			kc.Inject(Fault{Op: OpSet, Silent: true})
			return nil
		}, msg: "did not keep it"},
		{name: "writing identities.json fails", inject: func(t *testing.T, v *Vault, kc *MemKeychain) func() {
			failWrite(v, IdentitiesName, 1)
			return nil
		}, is: errDiskFull, msg: "nothing was changed"},
		{name: "another process holds the lock", inject: func(t *testing.T, v *Vault, kc *MemKeychain) func() {
			return holdLock(t, v)
		}, ctx: shortCtx, is: ErrBusy},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kc := NewMemKeychain()
			v, team := identityVault(t, kc)
			release := tc.inject(t, v, kc)
			ctx := context.Background()
			if tc.ctx != nil {
				ctx = tc.ctx(t)
			}
			got, err := v.StoreIdentityKey(ctx, team, key)
			if release != nil {
				release()
			}
			if err == nil || got != "" {
				t.Fatalf("StoreIdentityKey = %q, %v despite the fault", got, err)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
			if tc.msg != "" && !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not say %q", err, tc.msg)
			}
			kc.ClearFaults()
			ids, _ := v.Identities(context.Background())
			_, keyThere := kc.Secret("identity:" + spki)
			switch {
			case tc.record && len(ids) != 1:
				t.Errorf("the record of a key that may have landed is gone: %v", ids)
			case !tc.record && (len(ids) != 0 || keyThere):
				t.Errorf("left behind: records %v, key in keychain %v", ids, keyThere)
			}
			if got, err := v.StoreIdentityKey(context.Background(), team, key); err != nil || got != spki {
				t.Fatalf("storing the key after the fault: %v", err)
			}
		})
	}
}

func TestIdentitiesFileDamaged(t *testing.T) {
	ctx := context.Background()
	kc := NewMemKeychain()
	v, team, spki := storedIdentity(t, kc)
	path := filepath.Join(v.Dir(), IdentitiesName)
	for name, content := range map[string]string{
		"empty":        "",
		"not JSON":     "{",
		"no schema":    `{"identities": []}`,
		"bad spki":     `{"schemaVersion": 1, "identities": [{"spki": "xyz"}]}`,
		"repeated key": `{"schemaVersion": 1, "identities": [{"spki": "` + spki + `"}, {"spki": "` + spki + `"}]}`,
	} {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := v.Identities(ctx); !errors.Is(err, ErrIdentitiesDamaged) || !strings.Contains(err.Error(), "move it aside") {
			t.Errorf("%s: %v, want ErrIdentitiesDamaged", name, err)
		}
		if _, err := v.StoreIdentityKey(ctx, team, signingKey(1)); !errors.Is(err, ErrIdentitiesDamaged) {
			t.Errorf("%s: storing into a damaged list: %v", name, err)
		}
		if data, _ := os.ReadFile(path); string(data) != content {
			t.Errorf("%s: the damaged file was overwritten", name)
		}
		// The keychain still answers for the certificate.
		if has, err := v.HasIdentity(ctx, []string{spki}); err != nil || !has[spki] {
			t.Errorf("%s: HasIdentity %v %v", name, has, err)
		}
	}
	newer := `{"schemaVersion": 2, "identities": [{"spki": "` + spki + `"}]}`
	os.WriteFile(path, []byte(newer), 0o600)
	if ids, err := v.Identities(ctx); err != nil || len(ids) != 1 {
		t.Errorf("a newer file cannot be read: %v %v", ids, err)
	}
	if _, err := v.StoreIdentityKey(ctx, team, signingKey(1)); !errors.Is(err, ErrNewerSchema) {
		t.Errorf("writing a newer file: %v, want ErrNewerSchema", err)
	}
}

func TestStaleIdentityTempsRemoved(t *testing.T) {
	ctx := context.Background()
	kc := NewMemKeychain()
	v, team := identityVault(t, kc)
	stale := filepath.Join(v.Dir(), "."+IdentitiesName+"123456")
	keep := filepath.Join(v.Dir(), "."+IdentitiesName+"x")
	for _, p := range []string{stale, keep} {
		if err := os.WriteFile(p, []byte("{"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := v.StoreIdentityKey(ctx, team, signingKey(0)); err != nil {
		t.Fatal(err)
	}
	reopen(t, v.Dir(), kc) // as the next process: Open tidies under the lock
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Error("the temporary file of an interrupted write is still there")
	}
	if _, err := os.Stat(keep); err != nil {
		t.Error("a file that is not such a temporary was removed")
	}
}

// assertNoSigningKey fails when text holds any piece of key: a 16-character
// stretch of its PEM body, or the start of its private exponent or primes in
// decimal or hex.
func assertNoSigningKey(t *testing.T, text string, keys ...*rsa.PrivateKey) {
	t.Helper()
	for _, key := range keys {
		pemText, _ := identity.MarshalKeyPEM(key)
		lines := strings.Split(strings.TrimSpace(string(pemText)), "\n")
		body := strings.Join(lines[1:len(lines)-1], "")
		for i := 0; i+16 <= len(body); i += 8 {
			if strings.Contains(text, body[i:i+16]) {
				t.Errorf("key material in %q", text)
				return
			}
		}
		for _, n := range append([]string{key.D.String(), key.D.Text(16)}, key.Primes[0].String(), key.Primes[1].Text(16)) {
			if strings.Contains(text, n[:20]) {
				t.Errorf("key number in %q", text)
				return
			}
		}
	}
}

// TestNoSigningKeyInAnyMessage gathers every error of the signing-key calls
// (keychain failures, damaged and foreign keychain entries, damaged lists,
// the key pasted where an id goes) and what fmt prints, and checks none
// holds a piece of a signing key.
func TestNoSigningKeyInAnyMessage(t *testing.T) {
	ctx := context.Background()
	key, key2 := signingKey(0), signingKey(1)
	pemText, _ := identity.MarshalKeyPEM(key)
	pem2, _ := identity.MarshalKeyPEM(key2)
	lines := strings.Split(strings.TrimSpace(string(pemText)), "\n")
	var texts []string
	expectErr := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Errorf("%s: no error", what)
			return
		}
		texts = append(texts, what+": "+err.Error())
	}

	kc := NewMemKeychain()
	v, team := identityVault(t, kc)
	for _, kind := range []error{ErrKeychainLocked, ErrKeychainTimeout, ErrNoKeychain, ErrKeychainFailed} {
		kc.Inject(Fault{Op: OpSet, Err: keychainErr(OpSet, kind)})
		_, err := v.StoreIdentityKey(ctx, team, key)
		expectErr("StoreIdentityKey with "+kind.Error(), err)
		kc.ClearFaults()
		kc.Inject(Fault{Op: OpGet, Err: keychainErr(OpGet, kind)})
		_, err = v.IdentityKey(ctx, identity.SPKIHash(key.Public()))
		expectErr("IdentityKey with "+kind.Error(), err)
		_, err = v.HasIdentity(ctx, []string{identity.SPKIHash(key.Public())})
		expectErr("HasIdentity with "+kind.Error(), err)
		kc.ClearFaults()
	}
	kc.Inject(Fault{Op: OpSet, Silent: true})
	_, err := v.StoreIdentityKey(ctx, team, key)
	expectErr("StoreIdentityKey, keychain keeps nothing", err)
	kc.ClearFaults()
	_, err = v.StoreIdentityKey(ctx, lines[1], key)
	expectErr("StoreIdentityKey, key line as the team", err)

	spki, err := v.StoreIdentityKey(ctx, team, key)
	if err != nil {
		t.Fatal(err)
	}
	for name, secret := range map[string]string{"another key": string(pem2), "cut": string(pemText[:len(pemText)/2]), "garbage": lines[2], "labelled RSA": strings.ReplaceAll(string(pemText), "PRIVATE KEY", "RSA PRIVATE KEY")} {
		kc.Set(ctx, "identity:"+spki, secret)
		_, err := v.IdentityKey(ctx, spki)
		expectErr("IdentityKey, entry "+name, err)
		_, err = v.ReuseIdentity(ctx, spki)
		expectErr("ReuseIdentity, entry "+name, err)
	}
	kc.Set(ctx, "identity:"+spki, string(pemText))
	for name, ref := range map[string]string{"a key line": lines[1], "the PEM": string(pemText), "two lines": lines[1] + lines[2]} {
		_, err := v.IdentityKey(ctx, ref)
		expectErr("IdentityKey of "+name, err)
		expectErr("RemoveIdentity of "+name, v.RemoveIdentity(ctx, ref))
		expectErr("RecordIdentityCertificate as "+name, v.RecordIdentityCertificate(ctx, spki, ref))
		expectErr("RecordIdentityCertificate for "+name, v.RecordIdentityCertificate(ctx, ref, "CERT1"))
	}
	expectErr("RemoveIdentity in flight", v.RemoveIdentity(ctx, spki))
	later := openAt(t, v.Dir(), kc, testNow.Add(IdentityGrace))
	kc.Inject(Fault{Op: OpDelete, Err: keychainErr(OpDelete, ErrKeychainLocked)})
	expectErr("RemoveIdentity, locked", later.RemoveIdentity(ctx, spki))
	kc.ClearFaults()
	ids, _ := v.Identities(ctx)
	for _, id := range ids {
		texts = append(texts, fmt.Sprintf("%v %+v %#v", id, id, id))
	}
	file, _ := os.ReadFile(filepath.Join(v.Dir(), IdentitiesName))
	texts = append(texts, string(file))

	// The key pasted into identities.json.
	path := filepath.Join(v.Dir(), IdentitiesName)
	for name, content := range map[string]string{
		"a key instead": string(pemText),
		"a key inside":  `{"schemaVersion": 1, "identities": [{"spki": ` + jsonString(lines[1]) + `}]}`,
		"cut in a key":  `{"schemaVersion": 1, "identities": [{"spki": "` + lines[1][:50],
	} {
		os.WriteFile(path, []byte(content), 0o600)
		_, err := v.Identities(ctx)
		expectErr("Identities of "+name, err)
		_, err = v.StoreIdentityKey(ctx, team, key2)
		expectErr("StoreIdentityKey into "+name, err)
	}

	// core/identity's own messages, on the same keys.
	cert := identitytest.Cert(t, key, "Apple Distribution: Example (ABCDE12345)", nil, nil)
	p12, err := identity.EncodeP12(cert, key, "secret", false)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"wrong password": p12, "cut": p12[:len(p12)/2], "a PEM key": pemText} {
		_, err := identity.DecodeP12(data, "Secret")
		expectErr("DecodeP12 "+name, err)
	}
	_, err = identity.EncodeP12(cert, key2, "secret", false)
	expectErr("EncodeP12 of another key", err)
	_, err = identity.EncodeP12(cert, key, "", true)
	expectErr("EncodeP12 without a password", err)
	_, err = identity.ParseKeyPEM(pemText[:len(pemText)-40])
	expectErr("ParseKeyPEM of a cut key", err)
	id := identity.Identity{Certificate: cert, Key: key}
	texts = append(texts, fmt.Sprintf("%v %+v %#v %s", id, id, id, &id))

	if len(texts) < 50 {
		t.Fatalf("only %d texts gathered", len(texts))
	}
	for _, text := range texts {
		assertNoSigningKey(t, text, key, key2)
	}
}

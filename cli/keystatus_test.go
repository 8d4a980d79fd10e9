package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/keyfile/keyfiletest"
	"github.com/asckeys/asckeys/storage"
)

// TestKeyStatusNamesKeychainFailures: `keys list` tells a key whose private
// key is gone (add the .p8 again) from a keychain that is locked, not
// running or not answering, where the key is fine and re-adding it would be
// the wrong advice.
func TestKeyStatusNamesKeychainFailures(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		setup func(kc *storage.MemKeychain, id string)
		want  []string
	}{
		{"locked", func(kc *storage.MemKeychain, _ string) { kc.SetLocked(true) }, []string{"keychain locked", "unlock", "the key is fine"}},
		{"not running", func(kc *storage.MemKeychain, _ string) {
			kc.Inject(storage.Fault{Err: &storage.KeychainError{Op: storage.OpGet, Kind: storage.ErrNoKeychain}})
		}, []string{"no keychain running", "the key is fine"}},
		{"no answer", func(kc *storage.MemKeychain, _ string) {
			kc.Inject(storage.Fault{Err: &storage.KeychainError{Op: storage.OpGet, Kind: storage.ErrKeychainTimeout}})
		}, []string{"keychain did not answer", "prompt"}},
		{"failing", func(kc *storage.MemKeychain, _ string) { kc.Inject(storage.Fault{}) }, []string{"keychain not reachable", "try again"}},
		{"missing", func(kc *storage.MemKeychain, id string) { _ = kc.Delete(ctx, id) }, []string{"private key missing from the keychain", "add the .p8 again"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kc := storage.NewMemKeychain()
			v, err := storage.Open(storage.Options{Dir: t.TempDir(), Keychain: kc})
			if err != nil {
				t.Fatal(err)
			}
			k := keyfiletest.New(t)
			key, _, err := v.Add(ctx, storage.NewKey{KeyID: "ABCDE12345", IssuerID: "57246542-96fe-1a63-e053-0824d011072a", Kind: core.KindTeam, Data: k.PKCS8})
			if err != nil {
				t.Fatal(err)
			}
			tc.setup(kc, key.ID)
			secrets, err := v.CheckSecrets(ctx)
			if err != nil {
				t.Fatal(err)
			}
			got := keyStatus(key, secrets[key.ID])
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("status %q does not say %q", got, w)
				}
			}
			if tc.name != "missing" && strings.Contains(got, ".p8") {
				t.Errorf("a keychain failure asks for the .p8 again: %q", got)
			}
		})
	}
}

// TestKeyStatusNamesWhereTheKeyIsKept: a key kept in the encrypted file is
// not said to be missing from, or different in, the keychain.
func TestKeyStatusNamesWhereTheKeyIsKept(t *testing.T) {
	for _, tc := range []struct {
		store storage.Store
		err   error
		want  string
	}{
		{storage.StoreFile, storage.ErrSecretNotFound, "private key missing from the encrypted key file"},
		{storage.StoreFile, storage.ErrSecretMismatch, "the encrypted key file holds a different private key"},
		{storage.StoreFile, storage.ErrSecretDamaged, "private key damaged in the encrypted key file"},
		{storage.StoreKeychain, storage.ErrSecretNotFound, "private key missing from the keychain"},
		{"", storage.ErrSecretDamaged, "private key damaged in the keychain"},
	} {
		got := keyStatus(storage.Key{Name: "Acme", Store: tc.store}, tc.err)
		if !strings.HasPrefix(got, tc.want) || !strings.Contains(got, "add the .p8 again") {
			t.Errorf("store %q, %v: status %q, want it to start %q and say to add the .p8 again", tc.store, tc.err, got, tc.want)
		}
	}
}

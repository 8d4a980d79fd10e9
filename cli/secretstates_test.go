package cli

import (
	"context"
	"testing"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/keyfile/keyfiletest"
	"github.com/asckeys/asckeys/storage"
)

// `keys list` reads no private key unless asked (--check): the keychain's
// last answer, kept by storage, is told with its time; keys never checked
// are checked.
func TestKeysListReadsTheKeychainOnlyWhenAsked(t *testing.T) {
	ctx := context.Background()
	kc := storage.NewMemKeychain()
	v, err := storage.Open(storage.Options{Dir: t.TempDir(), Keychain: kc})
	if err != nil {
		t.Fatal(err)
	}
	var keys []storage.Key
	for _, id := range []string{"ABCDE12345", "ABCDE12346", "ABCDE12347"} {
		key, _, err := v.Add(ctx, storage.NewKey{KeyID: id, IssuerID: "57246542-96fe-1a63-e053-0824d011072a", Kind: core.KindTeam, Data: keyfiletest.New(t).PKCS8})
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, key)
	}
	gets := kc.Calls(storage.OpGet)
	states, at, err := secretStates(ctx, v, keys, false)
	if err != nil || len(states) != 3 || len(at) != 3 {
		t.Fatalf("%d states, %d times: %v", len(states), len(at), err)
	}
	if n := kc.Calls(storage.OpGet) - gets; n != 0 {
		t.Errorf("listing read %d private keys from the keychain; want none", n)
	}
	_, _, err = secretStates(ctx, v, keys, true)
	if n := kc.Calls(storage.OpGet) - gets; err != nil || n != 3 {
		t.Errorf("--check read %d private keys; want 3 (%v)", n, err)
	}
}

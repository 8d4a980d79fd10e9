package storage

import (
	"context"
	"errors"
	"testing"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/keyfile/keyfiletest"
)

// A key's last keychain check is kept: told without asking the keychain,
// renewed by CheckSecrets, and a keychain failure does not overwrite it.
func TestLastSecretChecks(t *testing.T) {
	ctx := context.Background()
	kc := NewMemKeychain()
	v, err := Open(Options{Dir: t.TempDir(), Keychain: kc})
	if err != nil {
		t.Fatal(err)
	}
	k := keyfiletest.New(t)
	key, _, err := v.Add(ctx, NewKey{KeyID: "ABCDE12345", IssuerID: "57246542-96fe-1a63-e053-0824d011072a", Kind: core.KindTeam, Data: k.PKCS8})
	if err != nil {
		t.Fatal(err)
	}
	keys := []Key{key}
	got := v.LastSecretChecks(keys)[key.ID]
	if got.CheckedAt.IsZero() || got.Err != nil {
		t.Fatalf("after adding: %+v, want present, checked when it was stored", got)
	}

	_ = kc.Delete(ctx, key.ID)
	gets := kc.Calls(OpGet)
	if c := v.LastSecretChecks(keys)[key.ID]; c.Err != nil || kc.Calls(OpGet) != gets {
		t.Errorf("the last check was not told as it was, without the keychain: %+v, %d reads", c, kc.Calls(OpGet)-gets)
	}
	if _, err := v.CheckSecrets(ctx); err != nil {
		t.Fatal(err)
	}
	c := v.LastSecretChecks(keys)[key.ID]
	if !errors.Is(c.Err, ErrSecretNotFound) || c.CheckedAt.Before(got.CheckedAt) {
		t.Fatalf("after CheckSecrets: %+v, want missing", c)
	}

	kc.SetLocked(true)
	if _, err := v.CheckSecrets(ctx); err != nil {
		t.Fatal(err)
	}
	if c := v.LastSecretChecks(keys)[key.ID]; !errors.Is(c.Err, ErrSecretNotFound) {
		t.Errorf("a locked keychain replaced what was known of the key: %+v", c)
	}
}

package storage

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/asckeys/asckeys/core/keyfile"
	"github.com/asckeys/asckeys/core/keyfile/keyfiletest"
)

const hostileKeyID = "X;touch${IFS}~/PWNED;#"

// TestKeyIDsFromFilesMustBeApples: a Key ID that is not Apple's shape is
// only a warning when the user typed it; from a fastlane JSON file it is
// refused, and a keys.json entry holding one (or a bad Issuer ID) is not
// exported, since an export is read by shells and CI files.
func TestKeyIDsFromFilesMustBeApples(t *testing.T) {
	ctx := context.Background()
	k := keyfiletest.New(t)
	in, _ := json.Marshal(map[string]any{"key_id": hostileKeyID, "issuer_id": testIssuer, "key": string(k.PKCS8)})
	_, err := ParseKeyData("api_key.json", in)
	if FieldErrors(err)[FieldFile] == nil {
		t.Fatalf("a fastlane file with the Key ID %q was accepted: %v", hostileKeyID, err)
	}
	containsAll(t, err.Error(), "key_id", "10 upper-case letters and digits")
	if strings.Contains(err.Error(), "touch") {
		t.Errorf("the refusal echoes the hostile value: %q", err)
	}

	// Typed: a warning, and the key is linked.
	kc := NewMemKeychain()
	v := openTest(t, kc)
	typed, warnings, err := v.Add(ctx, NewKey{Name: "Typed", KeyID: "lower12345", IssuerID: testIssuer, Data: k.PKCS8})
	if err != nil || len(warnings) == 0 {
		t.Fatalf("a typed unusual Key ID: %v, warnings %q", err, warnings)
	}
	for name, export := range map[string]func() error{
		"ExportFastlane": func() error { _, err := v.ExportFastlane(ctx, typed.ID); return err },
		"PrivateKeyPEM":  func() error { _, err := v.PrivateKeyPEM(ctx, typed.ID); return err },
	} {
		if err := export(); err == nil {
			t.Errorf("%s exported a key whose Key ID is not Apple's shape", name)
		} else {
			containsAll(t, err.Error(), "Typed", "not exported", "10 upper-case letters and digits")
		}
	}

	// keys.json edited by hand: a bad Issuer ID is refused too.
	k2 := keyfiletest.New(t)
	good, _ := mustAddKey(t, v, "Good", "GOOD123456", k2)
	raw, err := os.ReadFile(v.Path())
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(raw), testIssuer, "57246542-96fe-1a63-e053-0824d011072a$(id)", -1)
	if err := os.WriteFile(v.Path(), []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := v.PrivateKeyPEM(ctx, good.ID); !errors.Is(err, keyfile.ErrIssuerIDInvalid) {
		t.Errorf("exported a key whose Issuer ID in keys.json is not a UUID: %v", err)
	}
}

// mustAddKey links the key k under name and Key ID.
func mustAddKey(t *testing.T, v *Vault, name, keyID string, k keyfiletest.Key) (Key, []string) {
	t.Helper()
	got, warnings, err := v.Add(context.Background(), NewKey{Name: name, KeyID: keyID, IssuerID: testIssuer, Data: k.PKCS8})
	if err != nil {
		t.Fatal(err)
	}
	return got, warnings
}

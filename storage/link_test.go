package storage

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/keyfile"
	"github.com/asckeys/asckeys/core/keyfile/keyfiletest"
)

// TestPrepareReportsEveryBadField: a form learns of every bad field at once.
func TestPrepareReportsEveryBadField(t *testing.T) {
	ctx := context.Background()
	v := openTest(t, NewMemKeychain())
	k := keyfiletest.New(t)
	_, err := v.Prepare(ctx, NewKey{Name: "a\nb", KeyID: "ABC 123", IssuerID: "12345", Data: k.PKCS8})
	fields := FieldErrors(err)
	if len(fields) != 3 {
		t.Fatalf("FieldErrors = %v, want the name, the Key ID and the Issuer ID", fields)
	}
	for f, kind := range map[Field]error{FieldName: keyfile.ErrNameInvalid, FieldKeyID: keyfile.ErrKeyIDInvalid, FieldIssuerID: keyfile.ErrIssuerIDInvalid} {
		if !errors.Is(fields[f], kind) {
			t.Errorf("%s: %v, want %v", f, fields[f], kind)
		}
	}
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Field != FieldName {
		t.Errorf("errors.As finds %v, want the first bad field, the name", ve)
	}
	if !errors.Is(err, keyfile.ErrIssuerIDInvalid) {
		t.Error("errors.Is does not see the later fields")
	}
	msg := err.Error()
	containsAll(t, msg, "line breaks", "Key ID is not valid", "not a UUID")
	if strings.Contains(msg, "\n") {
		t.Errorf("the message is not one line: %q", msg)
	}

	// A blank name follows the Key ID: a bad Key ID is one problem, not two.
	_, err = v.Prepare(ctx, NewKey{IssuerID: testIssuer, Data: []byte("not a key")})
	if fields := FieldErrors(err); len(fields) != 2 || fields[FieldKeyID] == nil || fields[FieldFile] == nil {
		t.Errorf("no Key ID and no key: %v", fields)
	}
	if FieldErrors(errors.New("disk full")) != nil {
		t.Error("FieldErrors of an error about no field")
	}
}

func TestLinkVerifiesFirst(t *testing.T) {
	ctx := context.Background()
	kc := NewMemKeychain()
	v := openTest(t, kc)
	nk, k := newKey(t, "Acme", "ABCDE12345")
	p, err := v.Prepare(ctx, nk)
	if err != nil {
		t.Fatal(err)
	}

	// Apple refuses: nothing is saved, and the error says what Apple said.
	refusal := &core.APIError{StatusCode: 401}
	var seen core.Credentials
	_, _, err = v.Link(ctx, p, func(_ context.Context, c core.Credentials) error { seen = c; return refusal })
	var verr *VerifyError
	if !errors.As(err, &verr) || !errors.Is(err, refusal) || err.Error() != refusal.Error() {
		t.Fatalf("Link with a refusing check = %v, want a VerifyError with Apple's message", err)
	}
	if seen.KeyID != "ABCDE12345" || seen.IssuerID != testIssuer || seen.Kind != core.KindTeam {
		t.Errorf("verify got %v", seen)
	}
	keyfiletest.AssertSigns(t, seen.PrivateKey, k.Priv)
	if kc.Calls(OpSet) != 0 || len(list(t, v)) != 0 {
		t.Error("a key that failed its check reached the keychain or the list")
	}
	if _, err := os.Stat(v.Path()); !errors.Is(err, os.ErrNotExist) {
		t.Error("a key that failed its check wrote keys.json")
	}

	// The check passes and the caller's context ends right after: the key
	// is saved all the same, and its check recorded.
	cctx, cancel := context.WithCancel(ctx)
	got, warnings, err := v.Link(cctx, p, func(context.Context, core.Credentials) error { cancel(); return nil })
	if err != nil {
		t.Fatalf("Link after a passed check and a cancel: %v", err)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings: %q", warnings)
	}
	if stored, _ := v.Get(ctx, got.ID); stored.Verification() != Verified || !stored.LastVerified.Equal(testNow) {
		t.Errorf("the passed check is not recorded: %+v", stored)
	}
	assertConsistent(t, v.Dir(), kc, k)

	// Linked now: Prepare refuses it again, naming the entry.
	if _, err := v.Prepare(ctx, nk); !errors.Is(err, ErrDuplicate) || FieldErrors(err)[FieldFile] == nil {
		t.Errorf("Prepare of a linked key: %v", err)
	}
}

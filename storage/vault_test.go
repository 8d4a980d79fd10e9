package storage

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/keyfile"
	"github.com/asckeys/asckeys/core/keyfile/keyfiletest"
)

func TestAddThenLoad(t *testing.T) {
	ctx := context.Background()
	kc := NewMemKeychain()
	v := openTest(t, kc)
	nk, k := newKey(t, "  Acme Inc ", "ABCDE12345")
	got, warnings, err := v.Add(ctx, nk)
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings for a clean key: %q", warnings)
	}
	fp, _ := keyfile.Fingerprint(&k.Priv.PublicKey)
	want := Key{ID: got.ID, Name: "Acme Inc", KeyID: "ABCDE12345", IssuerID: testIssuer, Kind: core.KindTeam, AddedAt: testNow, Fingerprint: fp}
	if got != want {
		t.Errorf("Add returned %+v, want %+v", got, want)
	}
	if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(got.ID) {
		t.Errorf("id %q is not 16 hex digits", got.ID)
	}
	if keys := list(t, v); len(keys) != 1 || keys[0] != want {
		t.Errorf("List = %+v", keys)
	}
	for _, ref := range []string{got.ID, "acme inc", "ACME INC", "ABCDE12345", "abcde12345", " Acme Inc "} {
		found, err := v.Find(ctx, ref)
		if err != nil || found.ID != got.ID {
			t.Errorf("Find(%q) = %v, %v", ref, found, err)
		}
	}
	if byID, err := v.Get(ctx, got.ID); err != nil || byID != want {
		t.Errorf("Get = %v, %v", byID, err)
	}
	creds, err := v.Credentials(ctx, got.ID)
	if err != nil {
		t.Fatal(err)
	}
	if creds.KeyID != "ABCDE12345" || creds.IssuerID != testIssuer || creds.Kind != core.KindTeam {
		t.Errorf("credentials %v", creds)
	}
	keyfiletest.AssertSigns(t, creds.PrivateKey, k.Priv)
	if secret, _ := kc.Secret(got.ID); secret != string(k.PKCS8) {
		t.Error("the keychain does not hold the key's PKCS#8 PEM under the key's id")
	}
	assertNoSecretsOnDisk(t, v.Dir(), k)
	assertPrivateModes(t, v.Dir())
}

func TestAddDefaultsAndWarnings(t *testing.T) {
	ctx := context.Background()
	v := openTest(t, NewMemKeychain())
	k := keyfiletest.New(t)
	quoted := []byte(`"` + strings.ReplaceAll(string(k.PKCS8), "\n", `\n`) + `"`)
	got, warnings, err := v.Add(ctx, NewKey{Kind: core.KindIndividual, Data: quoted, FileName: "/tmp/AuthKey_D485S484.p8"})
	if err != nil {
		t.Fatal(err)
	}
	if got.KeyID != "D485S484" || got.Name != "D485S484" || got.Kind != core.KindIndividual || got.IssuerID != "" {
		t.Errorf("defaults not applied: %+v", got)
	}
	joined := strings.Join(warnings, "\n")
	containsAll(t, joined, "10 upper-case letters and digits", "removed surrounding quotes", `literal \n`)
	got2, _, err := v.Add(ctx, NewKey{IssuerID: testIssuer, Data: keyfiletest.New(t).SEC1, FileName: "AuthKey_2X9R4HXF34.p8"})
	if err != nil {
		t.Fatal(err)
	}
	if got2.Kind != core.KindTeam {
		t.Errorf("kind defaults to %s", got2.Kind)
	}
}

func TestAddValidation(t *testing.T) {
	ctx := context.Background()
	k := keyfiletest.New(t)
	p384 := p384PEM(t)
	for _, tc := range []struct {
		name  string
		nk    NewKey
		field Field
		kind  error
		msg   string
	}{
		{"no Key ID", NewKey{IssuerID: testIssuer, Data: k.PKCS8, FileName: "key.p8"}, FieldKeyID, keyfile.ErrKeyIDMissing, "enter the Key ID"},
		{"Key ID with a space", NewKey{KeyID: "ABC 123", IssuerID: testIssuer, Data: k.PKCS8}, FieldKeyID, keyfile.ErrKeyIDInvalid, "no spaces"},
		{"team key without Issuer ID", NewKey{KeyID: "ABCDE12345", Data: k.PKCS8}, FieldIssuerID, keyfile.ErrIssuerIDMissing, "above the keys table"},
		{"Issuer ID not a UUID", NewKey{KeyID: "ABCDE12345", IssuerID: "12345", Data: k.PKCS8}, FieldIssuerID, keyfile.ErrIssuerIDInvalid, "not a UUID"},
		{"individual key with Issuer ID", NewKey{KeyID: "ABCDE12345", IssuerID: testIssuer, Kind: core.KindIndividual, Data: k.PKCS8}, FieldIssuerID, keyfile.ErrIssuerIDUnexpected, "leave it empty"},
		{"unknown kind", NewKey{KeyID: "ABCDE12345", IssuerID: testIssuer, Kind: "personal", Data: k.PKCS8}, FieldKind, keyfile.ErrKindInvalid, "Team, Individual or Enterprise"},
		{"name too long", NewKey{Name: strings.Repeat("n", 65), KeyID: "ABCDE12345", IssuerID: testIssuer, Data: k.PKCS8}, FieldName, keyfile.ErrNameInvalid, "keep it to 64"},
		{"name with a line break", NewKey{Name: "a\nb", KeyID: "ABCDE12345", IssuerID: testIssuer, Data: k.PKCS8}, FieldName, keyfile.ErrNameInvalid, "line breaks"},
		{"empty file", NewKey{KeyID: "ABCDE12345", IssuerID: testIssuer}, FieldFile, keyfile.ErrEmpty, "empty"},
		{"P-384 key", NewKey{KeyID: "ABCDE12345", IssuerID: testIssuer, Data: p384}, FieldFile, keyfile.ErrCurve, "P-384"},
		{"public key", NewKey{KeyID: "ABCDE12345", IssuerID: testIssuer, Data: []byte("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")}, FieldFile, keyfile.ErrPublicKey, "public key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kc := NewMemKeychain()
			v := openTest(t, kc)
			_, _, err := v.Add(ctx, tc.nk)
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != tc.field {
				t.Fatalf("error %v, want a ValidationError on %s", err, tc.field)
			}
			if !errors.Is(err, tc.kind) {
				t.Errorf("error %v is not %v", err, tc.kind)
			}
			containsAll(t, err.Error(), tc.msg)
			if _, prepErr := v.Prepare(ctx, tc.nk); prepErr == nil || prepErr.Error() != err.Error() {
				t.Errorf("Prepare = %v, Add = %v", prepErr, err)
			}
			if kc.Calls(OpSet) != 0 || len(list(t, v)) != 0 {
				t.Error("a refused key reached the keychain or the list")
			}
			if _, statErr := os.Stat(v.Path()); !errors.Is(statErr, os.ErrNotExist) {
				t.Error("a refused key wrote keys.json")
			}
		})
	}
}

func TestAddRefusesDuplicatesNamingTheEntry(t *testing.T) {
	ctx := context.Background()
	kc := NewMemKeychain()
	v := openTest(t, kc)
	first, k := mustAdd(t, v, "Acme", "ABCDE12345")
	other := keyfiletest.New(t)
	for _, tc := range []struct {
		name  string
		nk    NewKey
		field Field
		msg   []string
	}{
		{"same key, other name and Key ID", NewKey{Name: "Other", KeyID: "ZZZZZ99999", IssuerID: testIssuer, Data: k.PKCS8}, FieldFile, []string{`already linked as "Acme"`, "ABCDE12345"}},
		{"same key in SEC1 form", NewKey{Name: "Other", KeyID: "ZZZZZ99999", IssuerID: testIssuer, Data: k.SEC1}, FieldFile, []string{`already linked as "Acme"`}},
		{"same Key ID, other key", NewKey{Name: "Other", KeyID: "abcde12345", IssuerID: testIssuer, Data: other.PKCS8}, FieldKeyID, []string{"Key ID ABCDE12345", `"Acme"`, "different private key"}},
		{"same name in other case", NewKey{Name: "ACME", KeyID: "ZZZZZ99999", IssuerID: testIssuer, Data: other.PKCS8}, FieldName, []string{`name "Acme"`, "ABCDE12345", "choose another name"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sets := kc.Calls(OpSet)
			_, _, err := v.Add(ctx, tc.nk)
			var dup *DuplicateError
			var ve *ValidationError
			if !errors.Is(err, ErrDuplicate) || !errors.As(err, &dup) || !errors.As(err, &ve) {
				t.Fatalf("error %v, want a duplicate", err)
			}
			if dup.Existing.ID != first.ID || ve.Field != tc.field {
				t.Errorf("names %v on %s, want %v on %s", dup.Existing, ve.Field, first, tc.field)
			}
			containsAll(t, err.Error(), tc.msg...)
			if kc.Calls(OpSet) != sets || len(list(t, v)) != 1 {
				t.Error("the duplicate reached the keychain or the list")
			}
		})
	}
}

func TestMissingSecretStaysListedAndReimportRestoresIt(t *testing.T) {
	ctx := context.Background()
	kc := NewMemKeychain()
	v := openTest(t, kc)
	entry, k := mustAdd(t, v, "Acme", "ABCDE12345")
	if err := kc.Delete(ctx, entry.ID); err != nil {
		t.Fatal(err)
	}
	if keys := list(t, v); len(keys) != 1 {
		t.Fatalf("a key whose secret is missing was dropped: %v", keys)
	}
	_, err := v.Credentials(ctx, entry.ID)
	var se *SecretError
	if !errors.Is(err, ErrSecretNotFound) || !errors.As(err, &se) || se.Key.ID != entry.ID {
		t.Fatalf("Credentials = %v, want a SecretError for the missing key", err)
	}
	containsAll(t, err.Error(), `"Acme"`, "missing from the keychain", "re-import", "asckeys keys add --p8 AuthKey_ABCDE12345.p8")
	status, err := v.CheckSecrets(ctx)
	if err != nil || !errors.Is(status[entry.ID], ErrSecretNotFound) {
		t.Errorf("CheckSecrets = %v, %v", status, err)
	}
	// The message says to add the .p8 again: Prepare must not refuse that
	// as a duplicate, and Link (verified) puts the private key back.
	p, err := v.Prepare(ctx, NewKey{Name: "Whatever", KeyID: "ABCDE12345", IssuerID: testIssuer, Data: k.PKCS8})
	if err != nil {
		t.Fatalf("preparing the re-import: %v", err)
	}
	if p.Name() != "Acme" {
		t.Errorf("the re-import will be linked as %q, want the entry's name", p.Name())
	}
	back, warnings, err := v.Link(ctx, p, func(context.Context, core.Credentials) error { return nil })
	if err != nil {
		t.Fatalf("re-importing the key: %v", err)
	}
	if back.ID != entry.ID || back.Name != "Acme" {
		t.Errorf("re-import made %v, want the existing %v", back, entry)
	}
	containsAll(t, strings.Join(warnings, " "), "put back")
	assertConsistent(t, v.Dir(), kc, k)
	if _, _, err := v.Add(ctx, NewKey{Name: "Again", KeyID: "ABCDE12345", IssuerID: testIssuer, Data: k.PKCS8}); !errors.Is(err, ErrDuplicate) {
		t.Errorf("adding it a third time: %v", err)
	}
}

func TestCheckSecrets(t *testing.T) {
	ctx := context.Background()
	kc := NewMemKeychain()
	v := openTest(t, kc)
	good, _ := mustAdd(t, v, "Good", "GOOD000001")
	missing, _ := mustAdd(t, v, "Missing", "MISS000001")
	swapped, _ := mustAdd(t, v, "Swapped", "SWAP000001")
	damaged, _ := mustAdd(t, v, "Damaged", "DAMA000001")
	kc.Delete(ctx, missing.ID)
	kc.Set(ctx, swapped.ID, string(keyfiletest.New(t).PKCS8))
	kc.Set(ctx, damaged.ID, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
	status, err := v.CheckSecrets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if status[good.ID] != nil {
		t.Errorf("good key: %v", status[good.ID])
	}
	for id, want := range map[string]error{missing.ID: ErrSecretNotFound, swapped.ID: ErrSecretMismatch, damaged.ID: ErrSecretDamaged} {
		if !errors.Is(status[id], want) {
			t.Errorf("%s: %v, want %v", id, status[id], want)
		}
		containsAll(t, status[id].Error(), "re-import")
	}

	kc.SetLocked(true)
	before := kc.Calls(OpGet)
	status, err = v.CheckSecrets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := kc.Calls(OpGet) - before; got != 1 {
		t.Errorf("a locked keychain was probed %d times, want once", got)
	}
	for _, k := range []Key{good, missing, swapped, damaged} {
		if !errors.Is(status[k.ID], ErrKeychainLocked) {
			t.Errorf("%s with a locked keychain: %v", k.Name, status[k.ID])
		}
	}
	if len(list(t, v)) != 4 {
		t.Error("keys were dropped")
	}
}

func TestRename(t *testing.T) {
	ctx := context.Background()
	v := openTest(t, NewMemKeychain())
	a, _ := mustAdd(t, v, "Acme", "AAAAA11111")
	mustAdd(t, v, "Beta", "BBBBB22222")
	if err := v.Rename(ctx, a.ID, "  Acme Corp "); err != nil {
		t.Fatal(err)
	}
	if got, _ := v.Get(ctx, a.ID); got.Name != "Acme Corp" {
		t.Errorf("name is %q", got.Name)
	}
	if err := v.Rename(ctx, a.ID, "ACME CORP"); err != nil {
		t.Errorf("changing the case of its own name: %v", err)
	}
	err := v.Rename(ctx, a.ID, "beta")
	if !errors.Is(err, ErrDuplicate) {
		t.Errorf("renaming to another key's name: %v", err)
	}
	containsAll(t, err.Error(), `"Beta"`, "BBBBB22222")
	if err := v.Rename(ctx, a.ID, " "); !errors.Is(err, keyfile.ErrNameMissing) {
		t.Errorf("blank name: %v", err)
	}
	if err := v.Rename(ctx, "0000000000000000", "X"); !errors.Is(err, ErrKeyNotFound) {
		t.Errorf("unknown id: %v", err)
	}
}

func TestRemove(t *testing.T) {
	ctx := context.Background()
	kc := NewMemKeychain()
	v := openTest(t, kc)
	a, _ := mustAdd(t, v, "Acme", "AAAAA11111")
	_, b := mustAdd(t, v, "Beta", "BBBBB22222")
	if err := v.Remove(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok := kc.Secret(a.ID); ok {
		t.Error("the removed key's private key is still in the keychain")
	}
	if keys := list(t, v); len(keys) != 1 || keys[0].Name != "Beta" {
		t.Errorf("after removal: %v", keys)
	}
	if doc := readDoc(t, v); len(doc.PendingDeletes) != 0 {
		t.Errorf("pending deletes left: %v", doc.PendingDeletes)
	}
	if err := v.Remove(ctx, a.ID); !errors.Is(err, ErrKeyNotFound) {
		t.Errorf("removing it again: %v", err)
	}
	assertConsistent(t, v.Dir(), kc, b)
}

func readDoc(t *testing.T, v *Vault) document {
	t.Helper()
	raw, err := os.ReadFile(v.Path())
	if err != nil {
		t.Fatal(err)
	}
	var doc document
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestRecordCheck(t *testing.T) {
	ctx := context.Background()
	v := openTest(t, NewMemKeychain())
	a, k := mustAdd(t, v, "Acme", "AAAAA11111")
	never, _ := mustAdd(t, v, "Never", "NEVER11111")
	if a.Verification() != NotVerified {
		t.Errorf("new key: %v", a.Verification())
	}
	t1 := testNow.Add(time.Hour)
	if recorded, err := v.RecordCheck(ctx, a.ID, t1, nil); err != nil || !recorded {
		t.Fatalf("RecordCheck(success) = %v, %v", recorded, err)
	}
	got, _ := v.Get(ctx, a.ID)
	if !got.LastVerified.Equal(t1) || got.LastError != "" || got.Verification() != Verified {
		t.Errorf("after success: %+v", got)
	}

	// What never reached Apple, or was Apple's answer about something other
	// than the key, says nothing about the key: neither the
	// verified key nor the never-checked one changes, not by a byte.
	t2 := t1.Add(time.Hour)
	before, _ := os.ReadFile(v.Path())
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}
	for name, err := range map[string]error{
		"connection refused": fmt.Errorf("asking App Store Connect: %w", dial),
		"DNS":                &net.DNSError{Err: "no such host", Name: "api.appstoreconnect.apple.com", IsNotFound: true},
		"deadline":           fmt.Errorf("asking App Store Connect: %w", context.DeadlineExceeded),
		"cancelled":          context.Canceled,
		"TLS":                &tls.CertificateVerificationError{Err: errors.New("x509: certificate signed by unknown authority")},
		// Apple answered, but about its budget or itself, not the key.
		"429": fmt.Errorf("asking App Store Connect: %w", &core.APIError{StatusCode: 429, Errors: []core.ErrorItem{{Status: "429", Code: "RATE_LIMIT_EXCEEDED"}}}),
		"503": &core.APIError{StatusCode: 503, ContentType: "text/html"},
	} {
		for _, id := range []string{a.ID, never.ID} {
			recorded, rerr := v.RecordCheck(ctx, id, t2, err)
			if rerr != nil || recorded {
				t.Errorf("%s: RecordCheck = %v, %v; want nothing recorded", name, recorded, rerr)
			}
		}
	}
	if after, _ := os.ReadFile(v.Path()); !bytes.Equal(after, before) {
		t.Errorf("a check that never reached Apple changed keys.json:\n%s", after)
	}

	// Apple's own answer rejects the key, its message cleaned.
	leaky := fmt.Errorf("token eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl, key %s: %w", k.PKCS8,
		&core.APIError{StatusCode: 401, Errors: []core.ErrorItem{{Status: "401", Code: "NOT_AUTHORIZED", Title: "Authentication credentials are missing or invalid."}}})
	if recorded, err := v.RecordCheck(ctx, a.ID, t2, leaky); err != nil || !recorded {
		t.Fatalf("RecordCheck(Apple's 401) = %v, %v", recorded, err)
	}
	got, _ = v.Get(ctx, a.ID)
	if got.Verification() != Rejected || !got.LastErrorAt.Equal(t2) || !got.LastVerified.Equal(t1) {
		t.Errorf("after Apple's refusal: %+v", got)
	}
	containsAll(t, got.LastError, "401 NOT_AUTHORIZED", "rejected the key", "[token removed]", "[key removed]")
	keyfiletest.AssertNoKeyMaterial(t, got.LastError, k)
	assertNoSecretsOnDisk(t, v.Dir(), k)
	if _, err := v.RecordCheck(ctx, "0000000000000000", t2, nil); !errors.Is(err, ErrKeyNotFound) {
		t.Errorf("unknown id: %v", err)
	}
}

func TestFindErrors(t *testing.T) {
	ctx := context.Background()
	v := openTest(t, NewMemKeychain())
	mustAdd(t, v, "Acme", "ABCDE12345")
	mustAdd(t, v, "abcde12345", "ZZZZZ99999")
	_, err := v.Find(ctx, "ABCDE12345")
	if !errors.Is(err, ErrAmbiguous) {
		t.Fatalf("a name equal to another key's Key ID: %v", err)
	}
	containsAll(t, err.Error(), `"Acme"`, `"abcde12345"`, "by its id")
	_, err = v.Find(ctx, "Nope")
	if !errors.Is(err, ErrKeyNotFound) {
		t.Fatalf("unknown name: %v", err)
	}
	containsAll(t, err.Error(), `"Nope"`, "asckeys keys list")
}

func TestModes(t *testing.T) {
	if isWindows {
		t.Skip("Windows has no Unix file modes")
	}
	dir := filepath.Join(t.TempDir(), "asckeys")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	kc := NewMemKeychain()
	v := reopen(t, dir, kc)
	mustAdd(t, v, "A", "AAAAA11111")
	mustAdd(t, v, "B", "BBBBB22222")
	assertPrivateModes(t, dir)
	// An older version or the user loosened them: Open tightens them again.
	for _, p := range []string{dir, v.Path(), v.backup} {
		mode := os.FileMode(0o644)
		if p == dir {
			mode = 0o755
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
	}
	reopen(t, dir, kc)
	assertPrivateModes(t, dir)
}

func TestBackupKeepsThePreviousVersion(t *testing.T) {
	v := openTest(t, NewMemKeychain())
	a, _ := mustAdd(t, v, "A", "AAAAA11111")
	if _, err := os.Stat(v.backup); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a backup of nothing: %v", err)
	}
	before, err := os.ReadFile(v.Path())
	if err != nil {
		t.Fatal(err)
	}
	mustAdd(t, v, "B", "BBBBB22222")
	bak, err := os.ReadFile(v.backup)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bak, before) {
		t.Error("keys.json.bak is not the version before the last change")
	}
	doc, err := decode(bak)
	if err != nil || len(doc.Keys) != 1 || doc.Keys[0].ID != a.ID {
		t.Errorf("backup holds %v, %v", doc, err)
	}
}

func TestCorruptFileIsNeverOverwritten(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		damage  func(path string) error
		why     string
		restore bool
	}{
		{"garbage", func(p string) error { return os.WriteFile(p, []byte("{\"schemaVersion\": 1, \"keys\": [ {"), 0o600) }, "not valid JSON", true},
		{"empty after a crash", func(p string) error { return os.WriteFile(p, nil, 0o600) }, "empty", true},
		{"no schemaVersion", func(p string) error { return os.WriteFile(p, []byte(`{"keys": []}`), 0o600) }, "no schemaVersion", true},
		{"repeated id", func(p string) error {
			return os.WriteFile(p, []byte(`{"schemaVersion":1,"keys":[{"id":"a","keyId":"X","kind":"team","fingerprint":"ab"},{"id":"a","keyId":"Y","kind":"team","fingerprint":"cd"}]}`), 0o600)
		}, "missing or repeated id", true},
		{"deleted", os.Remove, "missing but its backup is there", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kc := NewMemKeychain()
			v := openTest(t, kc)
			_, a := mustAdd(t, v, "A", "AAAAA11111")
			_, b := mustAdd(t, v, "B", "BBBBB22222")
			if err := tc.damage(v.Path()); err != nil {
				t.Fatal(err)
			}
			damaged, _ := os.ReadFile(v.Path())
			_, err := v.List(ctx)
			var ce *CorruptConfigError
			if !errors.As(err, &ce) || !errors.Is(err, ErrCorruptConfig) {
				t.Fatalf("List = %v, want a CorruptConfigError", err)
			}
			if ce.Path != v.Path() || ce.Backup != v.backup {
				t.Errorf("error names %q and %q", ce.Path, ce.Backup)
			}
			containsAll(t, err.Error(), v.Path(), v.backup, tc.why, "asckeys keys restore-backup", "Restore backup")
			sets := kc.Calls(OpSet)
			nk, _ := newKey(t, "C", "CCCCC33333")
			if _, _, err := v.Add(ctx, nk); !errors.Is(err, ErrCorruptConfig) {
				t.Errorf("Add on a damaged list: %v", err)
			}
			if err := v.Rename(ctx, "x", "y"); !errors.Is(err, ErrCorruptConfig) {
				t.Errorf("Rename on a damaged list: %v", err)
			}
			if now, _ := os.ReadFile(v.Path()); !bytes.Equal(now, damaged) || kc.Calls(OpSet) != sets {
				t.Fatal("the damaged file was changed or the keychain was written")
			}
			if _, err := Open(Options{Dir: v.Dir(), Keychain: kc}); err != nil {
				t.Errorf("Open must still give a Vault to restore with: %v", err)
			}
			if err := v.RestoreBackup(); err != nil {
				t.Fatal(err)
			}
			keys := list(t, v)
			if len(keys) != 1 || keys[0].Name != "A" {
				t.Errorf("after restoring: %v", keys)
			}
			if len(damaged) > 0 {
				aside, _ := filepath.Glob(v.Path() + ".replaced-*")
				if len(aside) != 1 {
					t.Errorf("the damaged file was not kept aside: %v", aside)
				} else if kept, _ := os.ReadFile(aside[0]); !bytes.Equal(kept, damaged) {
					t.Error("the kept copy differs from the damaged file")
				}
			}
			// B's metadata was in the damaged file only: re-adding its .p8
			// brings it back (its secret was still in the keychain).
			if _, _, err := v.Add(ctx, NewKey{Name: "B", KeyID: "BBBBB22222", IssuerID: testIssuer, Data: b.PKCS8}); err != nil {
				t.Fatal(err)
			}
			assertConsistent(t, v.Dir(), kc, a, b)
		})
	}
}

func TestCorruptWithoutBackup(t *testing.T) {
	v := openTest(t, NewMemKeychain())
	if err := os.WriteFile(v.Path(), []byte("nonsense"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := v.List(context.Background())
	var ce *CorruptConfigError
	if !errors.As(err, &ce) || ce.Backup != "" {
		t.Fatalf("List = %v", err)
	}
	containsAll(t, err.Error(), "there is no backup", "add your .p8 files again")
	err = v.RestoreBackup()
	if err == nil {
		t.Fatal("restored a backup that does not exist")
	}
	containsAll(t, err.Error(), "no backup", v.backup)
	if now, _ := os.ReadFile(v.Path()); string(now) != "nonsense" {
		t.Error("the damaged file was changed")
	}
}

func TestNewerSchemaIsReadButNeverWritten(t *testing.T) {
	ctx := context.Background()
	kc := NewMemKeychain()
	v := openTest(t, kc)
	newer := `{"schemaVersion": 2, "keys": [{"id": "0123456789abcdef", "name": "Future", "keyId": "FFFFF00000", "kind": "team", "addedAt": "2030-01-01T00:00:00Z", "fingerprint": "ab", "somethingNew": true}], "moreNew": 1}` + "\n"
	if err := os.WriteFile(v.Path(), []byte(newer), 0o600); err != nil {
		t.Fatal(err)
	}
	if keys := list(t, v); len(keys) != 1 || keys[0].Name != "Future" {
		t.Errorf("List of a newer file: %v", keys)
	}
	nk, _ := newKey(t, "New", "NNNNN11111")
	_, _, err := v.Add(ctx, nk)
	if !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("Add = %v", err)
	}
	containsAll(t, err.Error(), "newer version of ASC Keys", "update ASC Keys")
	for _, err := range []error{
		v.Rename(ctx, "0123456789abcdef", "X"),
		v.Remove(ctx, "0123456789abcdef"),
		recordSuccess(ctx, v, "0123456789abcdef", testNow),
	} {
		if !errors.Is(err, ErrNewerSchema) {
			t.Errorf("a change to a newer file: %v", err)
		}
	}
	if now, _ := os.ReadFile(v.Path()); string(now) != newer || kc.Calls(OpSet)+kc.Calls(OpDelete) != 0 {
		t.Error("the newer file or the keychain was changed")
	}
}

func TestFastlaneImportExport(t *testing.T) {
	ctx := context.Background()
	kc := NewMemKeychain()
	v := openTest(t, kc)
	k := keyfiletest.New(t)
	in, _ := json.Marshal(map[string]any{"key_id": "FAST000001", "issuer_id": testIssuer, "key": string(k.SEC1), "in_house": true})
	got, warnings, err := addFastlane(ctx, v, in, "")
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "FAST000001" || got.Kind != core.KindEnterprise || got.IssuerID != testIssuer {
		t.Errorf("imported %+v", got)
	}
	containsAll(t, strings.Join(warnings, " "), "SEC1")
	if _, _, err := addFastlane(ctx, v, in, "Again"); !errors.Is(err, ErrDuplicate) {
		t.Errorf("importing it twice: %v", err)
	}
	if _, _, err := addFastlane(ctx, v, []byte(`{"key_id": "X"`), "Bad"); !errors.Is(err, keyfile.ErrFastlaneJSON) {
		t.Errorf("bad JSON: %v", err)
	}

	out, err := v.ExportFastlane(ctx, got.ID)
	if err != nil {
		t.Fatal(err)
	}
	back, err := keyfile.ParseFastlane(out)
	if err != nil {
		t.Fatal(err)
	}
	if back.KeyID != "FAST000001" || back.Kind != core.KindEnterprise || back.IssuerID != testIssuer {
		t.Errorf("exported %v", back)
	}
	keyfiletest.AssertSigns(t, back.Key.PrivateKey, k.Priv)

	path := filepath.Join(t.TempDir(), "fastlane.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := v.WriteFastlane(ctx, got.ID, path); err != nil {
		t.Fatal(err)
	}
	written, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(written, out) {
		t.Errorf("written file differs: %v", err)
	}
	if fi, _ := os.Stat(path); !isWindows && fi.Mode().Perm() != 0o600 {
		t.Errorf("export has mode %o, want 600", fi.Mode().Perm())
	}
	pemOut, err := v.PrivateKeyPEM(ctx, got.ID)
	if err != nil || !bytes.Equal(pemOut, k.PKCS8) {
		t.Errorf("PrivateKeyPEM: %v", err)
	}
	kc.Delete(ctx, got.ID)
	if _, err := v.ExportFastlane(ctx, got.ID); !errors.Is(err, ErrSecretNotFound) {
		t.Errorf("exporting a key whose secret is missing: %v", err)
	}
}

func TestCleanUpOnOpen(t *testing.T) {
	ctx := context.Background()
	kc := NewMemKeychain()
	v := openTest(t, kc)
	a, _ := mustAdd(t, v, "A", "AAAAA11111")
	kc.Inject(Fault{Op: OpDelete, Err: &KeychainError{Op: OpDelete, Kind: ErrKeychainLocked}})
	err := v.Remove(ctx, a.ID)
	if !errors.Is(err, ErrCleanupPending) || !errors.Is(err, ErrKeychainLocked) {
		t.Fatalf("Remove with a locked keychain: %v", err)
	}
	containsAll(t, err.Error(), `"A" was removed`, "still in the keychain", "next time")
	if len(list(t, v)) != 0 {
		t.Error("the key is still listed")
	}
	if doc := readDoc(t, v); len(doc.PendingDeletes) != 1 || doc.PendingDeletes[0].ID != a.ID {
		t.Errorf("pending: %v", doc.PendingDeletes)
	}
	if err := v.CleanUp(ctx); !errors.Is(err, ErrCleanupPending) {
		t.Errorf("CleanUp with the keychain still locked: %v", err)
	}
	kc.ClearFaults()
	v = reopen(t, v.Dir(), kc)
	if _, ok := kc.Secret(a.ID); ok {
		t.Error("Open did not delete the leftover private key")
	}
	if doc := readDoc(t, v); len(doc.PendingDeletes) != 0 {
		t.Errorf("pending after clean-up: %v", doc.PendingDeletes)
	}
}

func TestConcurrentUse(t *testing.T) {
	ctx := context.Background()
	kc := NewMemKeychain()
	v := openTest(t, kc)
	twin := reopen(t, v.Dir(), kc) // a second Vault on the same folder, as another window would hold
	var wg sync.WaitGroup
	var mu sync.Mutex
	var added []keyfiletest.Key
	errs := make(chan error, 100)
	for w := range 6 {
		wg.Go(func() {
			vault := v
			if w%2 == 1 {
				vault = twin
			}
			for i := range 4 {
				nk, k := newKey(t, fmt.Sprintf("w%d-%d", w, i), fmt.Sprintf("W%dK%07d", w, i))
				if _, _, err := vault.Add(ctx, nk); err != nil {
					errs <- err
					return
				}
				mu.Lock()
				added = append(added, k)
				mu.Unlock()
				if _, err := vault.List(ctx); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(list(t, v)); n != 24 {
		t.Errorf("%d keys, want 24", n)
	}
	assertConsistent(t, v.Dir(), kc, added...)
}

func TestCancelledContext(t *testing.T) {
	kc := NewMemKeychain()
	v := openTest(t, kc)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	nk, _ := newKey(t, "A", "AAAAA11111")
	if _, _, err := v.Add(ctx, nk); !errors.Is(err, context.Canceled) {
		t.Errorf("Add with a cancelled context: %v", err)
	}
	if kc.Calls(OpSet) != 0 || len(list(t, v)) != 0 {
		t.Error("a cancelled Add changed something")
	}
}

func TestFormattingHidesSecrets(t *testing.T) {
	kc := NewMemKeychain()
	v := openTest(t, kc)
	nk, k := newKey(t, "Acme", "ABCDE12345")
	entry, _, err := v.Add(context.Background(), nk)
	if err != nil {
		t.Fatal(err)
	}
	creds, err := v.Credentials(context.Background(), entry.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, x := range []any{entry, nk, &nk, creds} {
			keyfiletest.AssertNoKeyMaterial(t, fmt.Sprintf(verb, x), k)
		}
	}
}

func p384PEM(t *testing.T) []byte {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

package storage

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/keyfile"
	"github.com/asckeys/asckeys/core/keyfile/keyfiletest"
)

// TestNoKeyMaterialInAnyMessage gathers the text of every error and warning
// the vault and the key parser produce from inputs made of a real key (damaged
// files, keys pasted into the wrong fields, keychain failures, damaged
// key lists) and checks that none holds any piece of the key.
func TestNoKeyMaterialInAnyMessage(t *testing.T) {
	ctx := context.Background()
	k, k2 := keyfiletest.New(t), keyfiletest.New(t)
	pemText := string(k.PKCS8)
	lines := strings.Split(strings.TrimSpace(pemText), "\n")
	body := strings.Join(lines[1:len(lines)-1], "")
	var texts []string
	expectErr := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Errorf("%s: no error", what)
			return
		}
		texts = append(texts, what+": "+err.Error())
	}

	damaged := map[string]string{
		"truncated":             strings.Join(lines[:2], "\n"),
		"one character changed": strings.Replace(pemText, lines[1][10:11], "!", 1),
		"end cut off":           pemText[:len(pemText)/2] + "\n-----END PRIVATE KEY-----\n",
		"two keys":              pemText + string(k2.PKCS8),
		"labelled encrypted":    strings.ReplaceAll(pemText, "PRIVATE KEY", "ENCRYPTED PRIVATE KEY"),
		"legacy encrypted":      lines[0] + "\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\n" + body + "\n" + lines[len(lines)-1] + "\n",
		"labelled public":       strings.ReplaceAll(pemText, "PRIVATE KEY", "PUBLIC KEY"),
		"labelled certificate":  strings.ReplaceAll(pemText, "PRIVATE KEY", "CERTIFICATE"),
		"body only, cut":        body[:100],
		"base64 of a cut key":   b64(pemText[:150]),
		"binary with the key":   "\x00\x01" + pemText,
		"huge":                  strings.Repeat(pemText, 300),
	}
	for name, in := range damaged {
		_, err := keyfile.Parse([]byte(in))
		expectErr("Parse "+name, err)
		v := openTest(t, NewMemKeychain())
		_, _, err = v.Add(ctx, NewKey{Name: "X", KeyID: "ABCDE12345", IssuerID: testIssuer, Data: []byte(in)})
		expectErr("Add "+name, err)
	}

	for name, in := range map[string]string{
		"syntax error after the key": `{"key_id": "ABCDE12345", "key": ` + jsonString(pemText) + `,, }`,
		"cut inside the key":         `{"key_id": "ABCDE12345", "key": ` + jsonString(pemText)[:120],
		"damaged key":                `{"key_id": "ABCDE12345", "issuer_id": "` + testIssuer + `", "key": ` + jsonString(damaged["truncated"]) + `}`,
		"base64 flag on a PEM":       `{"key_id": "ABCDE12345", "issuer_id": "` + testIssuer + `", "key": ` + jsonString(pemText) + `, "is_key_content_base64": true}`,
		"key as a number":            `{"key_id": "ABCDE12345", "key": 12345}`,
		"key in key_id":              `{"key_id": ` + jsonString(body) + `, "key": ` + jsonString(pemText) + `}`,
	} {
		_, err := keyfile.ParseFastlane([]byte(in))
		expectErr("ParseFastlane "+name, err)
		v := openTest(t, NewMemKeychain())
		_, _, err = addFastlane(ctx, v, []byte(in), "X")
		expectErr("ReadKeyData and Add "+name, err)
	}

	// The key pasted into the wrong field.
	v := openTest(t, NewMemKeychain())
	for name, nk := range map[string]NewKey{
		"key in the name":      {Name: pemText, KeyID: "ABCDE12345", IssuerID: testIssuer, Data: k.PKCS8},
		"key line in the name": {Name: lines[1] + lines[2], KeyID: "ABCDE12345", IssuerID: testIssuer, Data: k.PKCS8},
		"key in the Key ID":    {Name: "X", KeyID: body, IssuerID: testIssuer, Data: k.PKCS8},
		"key in the Issuer ID": {Name: "X", KeyID: "ABCDE12345", IssuerID: lines[1], Data: k.PKCS8},
		"key in the file name": {Name: "X", IssuerID: testIssuer, Data: k.PKCS8, FileName: lines[1] + ".p8"},
	} {
		_, _, err := v.Add(ctx, nk)
		expectErr(name, err)
	}
	_, warnings, err := v.Add(ctx, NewKey{Name: "Short", KeyID: lines[1][:12], IssuerID: testIssuer, Data: []byte(`"` + strings.ReplaceAll(pemText, "\n", `\n`) + `"`)})
	if err != nil {
		t.Fatal(err)
	}
	texts = append(texts, warnings...)
	_, err = v.Find(ctx, lines[1])
	expectErr("Find by a key line", err)
	_, err = v.Get(ctx, body)
	expectErr("Get by the key", err)

	// Keychain failures and secrets gone wrong.
	kc := NewMemKeychain()
	v = openTest(t, kc)
	entry, _, err := v.Add(ctx, NewKey{Name: "Real", KeyID: "ABCDE12345", IssuerID: testIssuer, Data: k.PKCS8})
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []error{ErrKeychainLocked, ErrKeychainTimeout, ErrNoKeychain, ErrKeychainFailed} {
		kc.Inject(Fault{Err: &KeychainError{Op: OpGet, Kind: kind}})
		_, err := v.Credentials(ctx, entry.ID)
		expectErr(fmt.Sprint("Credentials with ", kind), err)
		kc.ClearFaults()
		kc.Inject(Fault{Op: OpSet, Err: &KeychainError{Op: OpSet, Kind: kind}})
		_, _, err = v.Add(ctx, NewKey{Name: "Other", KeyID: "OTHER12345", IssuerID: testIssuer, Data: k2.PKCS8})
		expectErr(fmt.Sprint("Add with ", kind), err)
		kc.ClearFaults()
	}
	leaky := &KeychainError{Op: OpSet, Kind: ErrKeychainFailed, Err: errors.New("org.freedesktop.Secret.Error: bad secret " + pemText)}
	expectErr("scrubbed keychain error", scrub(leaky, pemText))
	for name, secret := range map[string]string{"another key": string(k2.PKCS8), "damaged": damaged["truncated"], "garbage": body[:40]} {
		kc.Set(ctx, entry.ID, secret)
		_, err := v.Credentials(ctx, entry.ID)
		expectErr("Credentials, secret "+name, err)
		_, err = v.ExportFastlane(ctx, entry.ID)
		expectErr("ExportFastlane, secret "+name, err)
		status, err := v.CheckSecrets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		expectErr("CheckSecrets, secret "+name, status[entry.ID])
	}
	kc.Delete(ctx, entry.ID)
	_, err = v.Credentials(ctx, entry.ID)
	expectErr("Credentials, secret missing", err)
	kc.Set(ctx, entry.ID, pemText)
	if _, err := v.RecordCheck(ctx, entry.ID, testNow, fmt.Errorf("Apple said no to %s: %w", pemText, &core.APIError{StatusCode: 401})); err != nil {
		t.Fatal(err)
	}
	stored, _ := v.Get(ctx, entry.ID)
	texts = append(texts, stored.LastError, stored.String())
	kc.Inject(Fault{Op: OpDelete, Err: &KeychainError{Op: OpDelete, Kind: ErrKeychainLocked}})
	expectErr("Remove with a locked keychain", v.Remove(ctx, entry.ID))
	expectErr("CleanUp with a locked keychain", v.CleanUp(ctx))
	kc.ClearFaults()

	// A key list damaged by pasting a key into it.
	v = openTest(t, NewMemKeychain())
	mustAdd(t, v, "A", "AAAAA11111")
	mustAdd(t, v, "B", "BBBBB22222")
	for name, content := range map[string]string{
		"a key instead": pemText,
		"a key inside":  `{"schemaVersion": 1, "keys": [{"id": ` + jsonString(body) + `, "name": "x"}]}`,
		"cut in a key":  `{"schemaVersion": 1, "keys": [{"id": "` + body[:60],
	} {
		if err := os.WriteFile(v.Path(), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := v.List(ctx)
		expectErr("List of "+name, err)
	}

	// What fmt prints.
	parsed, err := keyfile.Parse(k.PKCS8)
	if err != nil {
		t.Fatal(err)
	}
	creds := core.Credentials{KeyID: "ABCDE12345", Kind: core.KindTeam, PrivateKey: k.Priv}
	for _, x := range []any{parsed, *parsed, &keyfile.FastlaneKey{Key: parsed}, NewKey{Data: k.PKCS8}, creds} {
		texts = append(texts, fmt.Sprintf("%v %+v %#v %s", x, x, x, x))
	}

	if len(texts) < 60 {
		t.Fatalf("only %d texts gathered", len(texts))
	}
	for _, text := range texts {
		keyfiletest.AssertNoKeyMaterial(t, text, k, k2)
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

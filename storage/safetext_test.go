package storage

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/keyfile/keyfiletest"
)

// TestStoredTextIsSafe: a name that is not plain text is refused (keyfile's
// CheckName), and Apple's error text reaches keys.json only through
// core.SafeText, so nothing stored can drive a terminal (ESC) or make text
// read backwards (U+202E) when it is printed later.
func TestStoredTextIsSafe(t *testing.T) {
	ctx := context.Background()
	v := openTest(t, NewMemKeychain())
	k := keyfiletest.New(t)
	if _, _, err := v.Add(ctx, NewKey{Name: "evil\u202etxt.exe", KeyID: "SAFE123456", IssuerID: testIssuer, Data: k.PKCS8}); FieldErrors(err)[FieldName] == nil {
		t.Fatalf("a name with a bidi override was not refused as a name: %v", err)
	}
	added, _, err := v.Add(ctx, NewKey{Name: "Plain", KeyID: "SAFE123456", IssuerID: testIssuer, Data: k.PKCS8})
	if err != nil {
		t.Fatal(err)
	}
	refusal := &core.APIError{StatusCode: 401, Errors: []core.ErrorItem{{Status: "401", Code: "NOT_AUTHORIZED", Title: "bad\x1b[2J\x1b]0;owned\x07 \u202ekey"}}}
	if _, err := v.RecordCheck(ctx, added.ID, testNow, refusal); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(v.Path())
	if err != nil {
		t.Fatal(err)
	}
	got, _ := v.Get(ctx, added.ID)
	for what, s := range map[string]string{"name": got.Name, "lastError": got.LastError, "keys.json": string(raw)} {
		// keys.json's JSON escapes \u001b and \u0007 decode to the raw ones.
		if strings.ContainsAny(s, "\x1b\x07\u202e") || strings.Contains(s, `\u001b`) || strings.Contains(s, `\u0007`) {
			t.Errorf("%s holds raw control or bidi characters: %q", what, s)
		}
	}
	if !strings.Contains(got.LastError, core.SafeText("bad\x1b[2J")) {
		t.Errorf("stored %q, want Apple's text through core.SafeText", got.LastError)
	}
}

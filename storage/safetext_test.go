package storage

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/keyfile/keyfiletest"
)

// TestStoredTextIsSafe: a name and Apple's error text reach keys.json only
// through core.SafeText, so nothing stored can drive a terminal (ESC) or make
// text read backwards (U+202E) when it is printed later.
func TestStoredTextIsSafe(t *testing.T) {
	ctx := context.Background()
	v := openTest(t, NewMemKeychain())
	k := keyfiletest.New(t)
	added, _, err := v.Add(ctx, NewKey{Name: "evil\u202etxt.exe", KeyID: "SAFE123456", IssuerID: testIssuer, Data: k.PKCS8})
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
	if got.Name != core.SafeText("evil\u202etxt.exe") || !strings.Contains(got.LastError, core.SafeText("bad\x1b[2J")) {
		t.Errorf("stored %q and %q, want them through core.SafeText", got.Name, got.LastError)
	}
}

package keyfile

import (
	"bytes"
	"encoding/base64"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/keyfile/keyfiletest"
)

// base64Run finds long runs of base64 characters: any such run of the input
// appearing in a message would be a snippet of a key.
var base64Run = regexp.MustCompile(`[A-Za-z0-9+/=]{20,}`)

// FuzzParse checks that Parse is total and consistent: it never panics, every
// refusal is an *Error that quotes nothing of the input, and every accepted
// key round-trips through its stored PEM unchanged. The committed corpus
// (testdata/fuzz/FuzzParse) holds no private keys; seeds with keys are made
// fresh here.
func FuzzParse(f *testing.F) {
	k := keyfiletest.New(f)
	s := string(k.PKCS8)
	for _, seed := range [][]byte{
		k.PKCS8, k.SEC1, k.DER,
		[]byte(`"` + strings.ReplaceAll(s, "\n", `\n`) + `"`),
		[]byte(base64.StdEncoding.EncodeToString(k.PKCS8)),
		[]byte(strings.ReplaceAll(s, "\n", "\r\n")),
		[]byte(strings.ReplaceAll(s, "\n", " ")),
		append(bytes.Clone(k.PKCS8), k.SEC1...),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		key, err := Parse(data)
		if err != nil {
			checkRefusal(t, err, data)
			return
		}
		if key == nil || key.PrivateKey == nil || len(key.Fingerprint) != 64 {
			t.Fatalf("accepted without a usable key: %v", key)
		}
		again, err := Parse(key.PEM)
		if err != nil {
			t.Fatalf("the stored PEM does not parse again: %v", err)
		}
		if len(again.Repairs) != 0 || !bytes.Equal(again.PEM, key.PEM) || again.Fingerprint != key.Fingerprint || !again.PrivateKey.Equal(key.PrivateKey) {
			t.Fatalf("the stored PEM is not stable: repairs %q", again.Repairs)
		}
		if len(key.Repairs) == 0 && !bytes.Equal(bytes.TrimSuffix(key.PEM, []byte("\n")), bytes.TrimSuffix(data, []byte("\n"))) {
			t.Fatalf("input was changed but no repair reported")
		}
	})
}

// checkRefusal checks what a parser's refusal of data says: a *keyfile.Error
// with its sentinel, and nothing of the key (no PEM type line, no base64 run
// of the input).
func checkRefusal(t *testing.T, err error, data []byte) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Kind == nil || err.Error() == "" {
		t.Fatalf("refusal %T %q is not a *keyfile.Error with a sentinel", err, err)
	}
	msg := err.Error()
	if core.SafeText(msg) != msg {
		t.Fatalf("message holds text unfit for a terminal: %q", msg)
	}
	if strings.Contains(msg, "PRIVATE KEY") {
		t.Fatalf("message contains a PEM type line: %q", msg)
	}
	for _, run := range base64Run.FindAllString(string(data), -1) {
		if strings.Contains(msg, run) {
			t.Fatalf("message quotes the input %q: %q", run, msg)
		}
	}
}

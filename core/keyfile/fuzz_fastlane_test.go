package keyfile

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/keyfile/keyfiletest"
)

// FuzzParseFastlane checks that ParseFastlane is total and consistent: it
// never panics; every refusal is an *Error with a sentinel that quotes
// nothing of the input (the key in it least of all); every accepted file has
// a usable key, a valid Key ID, a kind that agrees with its Issuer ID, a
// duration Apple accepts, and exports back (MarshalFastlane) to a file that
// reads as the same key. The committed corpus (testdata/fuzz/FuzzParseFastlane)
// holds no private keys; seeds with keys are made fresh here.
func FuzzParseFastlane(f *testing.F) {
	k := keyfiletest.New(f)
	pemText := string(k.PKCS8)
	quoted, _ := json.Marshal(pemText)
	b64 := base64.StdEncoding.EncodeToString(k.PKCS8)
	const issuer = `"57246542-96fe-1a63-e053-0824d011072a"`
	for _, seed := range []string{
		`{"key_id":"2X9R4HXF34","issuer_id":` + issuer + `,"key":` + string(quoted) + `,"in_house":false}`,
		`{"key_id":"2X9R4HXF34","key":` + string(quoted) + `}`,
		`{"key_id":"2X9R4HXF34","issuer_id":` + issuer + `,"key":` + string(quoted) + `,"in_house":true,"duration":1200}`,
		`{"key_id":"2X9R4HXF34","issuer_id":` + issuer + `,"key":"` + b64 + `","is_key_content_base64":true}`,
		"\xEF\xBB\xBF" + `{"key_id":" 2X9R4HXF34 ","issuer_id":` + issuer + `,"key":` + strings.ReplaceAll(string(quoted), `\n`, `\r\n`) + `}`,
		`{"key_id":"2X9R4HXF34","issuer_id":` + issuer + `,"key":` + string(quoted) + `,"duration":1200.5}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fk, err := ParseFastlane(data)
		if err != nil {
			checkRefusal(t, err, data)
			return
		}
		if fk == nil || fk.Key == nil || fk.Key.PrivateKey == nil || len(fk.Key.Fingerprint) != 64 {
			t.Fatalf("accepted without a usable key: %v", fk)
		}
		if _, err := CheckKeyID(fk.KeyID); err != nil || core.SafeText(fk.KeyID) != fk.KeyID {
			t.Fatalf("accepted the Key ID %q: %v", fk.KeyID, err)
		}
		switch {
		case fk.Kind == core.KindIndividual && fk.IssuerID != "",
			fk.Kind != core.KindIndividual && CheckIssuerID(fk.Kind, fk.IssuerID) != nil:
			t.Fatalf("kind %s with Issuer ID %q", fk.Kind, fk.IssuerID)
		}
		if fk.Duration < 0 || fk.Duration > MaxTokenDuration {
			t.Fatalf("accepted a duration of %d s", fk.Duration)
		}
		if s := fk.String(); strings.Contains(s, "PRIVATE KEY") || strings.Contains(s, string(fk.Key.PEM)) {
			t.Fatalf("String prints the key: %q", s)
		}
		out, err := MarshalFastlane(fk)
		if err != nil {
			t.Fatalf("an accepted key does not export: %v", err)
		}
		again, err := ParseFastlane(out)
		if err != nil {
			t.Fatalf("the export does not read back: %v", err)
		}
		if again.KeyID != fk.KeyID || again.IssuerID != fk.IssuerID || again.Kind != fk.Kind ||
			again.Duration != fk.Duration || again.Key.Fingerprint != fk.Key.Fingerprint {
			t.Fatalf("exported and read back as %v, was %v", again, fk)
		}
	})
}

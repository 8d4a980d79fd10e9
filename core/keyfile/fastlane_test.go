package keyfile

import (
	"bytes"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/keyfile/keyfiletest"
	"github.com/asckeys/asckeys/internal/sharedtest"
)

const testIssuer = "57246542-96fe-1a63-e053-0824d011072a"

func fastlaneJSON(t *testing.T, fields map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(fields)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseFastlane(t *testing.T) {
	k := keyfiletest.New(t)
	pkcs8 := string(k.PKCS8)
	for _, tc := range []struct {
		name     string
		fields   map[string]any
		kind     core.KeyKind
		issuer   string
		duration int
	}{
		{"team", map[string]any{"key_id": "ABCDE12345", "issuer_id": testIssuer, "key": pkcs8}, core.KindTeam, testIssuer, 0},
		{"individual without issuer_id", map[string]any{"key_id": "ABCDE12345", "key": pkcs8}, core.KindIndividual, "", 0},
		{"individual with null issuer_id", map[string]any{"key_id": "ABCDE12345", "issuer_id": nil, "key": pkcs8}, core.KindIndividual, "", 0},
		{"enterprise", map[string]any{"key_id": "ABCDE12345", "issuer_id": testIssuer, "key": pkcs8, "in_house": true}, core.KindEnterprise, testIssuer, 0},
		{"in_house false", map[string]any{"key_id": "ABCDE12345", "issuer_id": testIssuer, "key": pkcs8, "in_house": false}, core.KindTeam, testIssuer, 0},
		{"duration", map[string]any{"key_id": "ABCDE12345", "issuer_id": testIssuer, "key": pkcs8, "duration": 1200}, core.KindTeam, testIssuer, 1200},
		{"base64 key content", map[string]any{"key_id": "ABCDE12345", "issuer_id": testIssuer, "key": base64.StdEncoding.EncodeToString(k.PKCS8), "is_key_content_base64": true}, core.KindTeam, testIssuer, 0},
		{"SEC1 key", map[string]any{"key_id": "ABCDE12345", "issuer_id": testIssuer, "key": string(k.SEC1)}, core.KindTeam, testIssuer, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseFastlane(fastlaneJSON(t, tc.fields))
			if err != nil {
				t.Fatal(err)
			}
			if got.KeyID != "ABCDE12345" || got.Kind != tc.kind || got.IssuerID != tc.issuer || got.Duration != tc.duration {
				t.Errorf("got %v", got)
			}
			keyfiletest.AssertSigns(t, got.Key.PrivateKey, k.Priv)
		})
	}
}

func TestParseFastlaneRefusals(t *testing.T) {
	k := keyfiletest.New(t)
	p384 := pkcs8Of(t, ecKey(t, elliptic.P384()))
	for _, tc := range []struct {
		name string
		in   []byte
		kind error
		msg  string
	}{
		{"empty", []byte("  "), ErrEmpty, "empty"},
		{"not JSON", k.PKCS8, ErrFastlaneJSON, "not a JSON object"},
		{"JSON array", []byte(`[1,2]`), ErrFastlaneJSON, "not a JSON object"},
		{"syntax error after the key", []byte(`{"key": "` + strings.ReplaceAll(string(k.PKCS8), "\n", `\n`) + `", "key_id": }`), ErrFastlaneJSON, "syntax error at byte"},
		{"truncated in the key", []byte(`{"key_id": "ABCDE12345", "key": "` + strings.ReplaceAll(string(k.PKCS8), "\n", `\n`)[:100]), ErrFastlaneJSON, "not valid JSON"},
		{"no key_id", fastlaneJSON(t, map[string]any{"issuer_id": testIssuer, "key": string(k.PKCS8)}), ErrFastlaneField, `no "key_id"`},
		{"no key", fastlaneJSON(t, map[string]any{"key_id": "ABCDE12345", "issuer_id": testIssuer}), ErrFastlaneField, `no "key"`},
		{"filepath instead of key", fastlaneJSON(t, map[string]any{"key_id": "ABCDE12345", "issuer_id": testIssuer, "filepath": "./AuthKey.p8"}), ErrFastlaneField, "filepath"},
		{"in_house not a bool", fastlaneJSON(t, map[string]any{"key_id": "ABCDE12345", "issuer_id": testIssuer, "key": string(k.PKCS8), "in_house": "yes"}), ErrFastlaneField, `"in_house" must be true or false`},
		{"duration too long", fastlaneJSON(t, map[string]any{"key_id": "ABCDE12345", "issuer_id": testIssuer, "key": string(k.PKCS8), "duration": 1201}), ErrFastlaneField, "1 to 1200"},
		{"key_id with a bidi override", fastlaneJSON(t, map[string]any{"key_id": "ABCDE\u202e12345", "issuer_id": testIssuer, "key": string(k.PKCS8)}), ErrKeyIDInvalid, `"key_id"`},
		{"key_id with escapes", fastlaneJSON(t, map[string]any{"key_id": "ABC\x1b[2JDE", "issuer_id": testIssuer, "key": string(k.PKCS8)}), ErrKeyIDInvalid, `"key_id"`},
		{"bad issuer", fastlaneJSON(t, map[string]any{"key_id": "ABCDE12345", "issuer_id": "nope", "key": string(k.PKCS8)}), ErrIssuerIDInvalid, `"issuer_id"`},
		{"in_house without issuer", fastlaneJSON(t, map[string]any{"key_id": "ABCDE12345", "key": string(k.PKCS8), "in_house": true}), ErrIssuerIDMissing, "Enterprise keys need"},
		{"base64 flag on plain key", fastlaneJSON(t, map[string]any{"key_id": "ABCDE12345", "issuer_id": testIssuer, "key": string(k.PKCS8), "is_key_content_base64": true}), ErrFastlaneField, "not base64"},
		{"P-384 key", fastlaneJSON(t, map[string]any{"key_id": "ABCDE12345", "issuer_id": testIssuer, "key": string(p384)}), ErrCurve, `the "key" in the fastlane JSON: the file holds an EC key on the P-384 curve`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseFastlane(tc.in)
			if !errors.Is(err, tc.kind) {
				t.Fatalf("error %v, want %v", err, tc.kind)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("message %q lacks %q", err, tc.msg)
			}
			keyfiletest.AssertNoKeyMaterial(t, err.Error(), k)
		})
	}
}

func TestMarshalFastlaneRoundTrip(t *testing.T) {
	k := keyfiletest.New(t)
	key, err := Parse(k.PKCS8)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []FastlaneKey{
		{KeyID: "ABCDE12345", IssuerID: testIssuer, Kind: core.KindTeam, Key: key},
		{KeyID: "ABCDE12345", Kind: core.KindIndividual, Key: key},
		{KeyID: "ABCDE12345", IssuerID: testIssuer, Kind: core.KindEnterprise, Key: key, Duration: 600},
	} {
		out, err := MarshalFastlane(&f)
		if err != nil {
			t.Fatal(err)
		}
		var fields map[string]any
		if err := json.Unmarshal(out, &fields); err != nil {
			t.Fatal(err)
		}
		if fields["in_house"] != (f.Kind == core.KindEnterprise) {
			t.Errorf("%s: in_house = %v", f.Kind, fields["in_house"])
		}
		if _, has := fields["issuer_id"]; has != (f.Kind != core.KindIndividual) {
			t.Errorf("%s: issuer_id present = %v", f.Kind, has)
		}
		back, err := ParseFastlane(out)
		if err != nil {
			t.Fatal(err)
		}
		if back.KeyID != f.KeyID || back.IssuerID != f.IssuerID || back.Kind != f.Kind || back.Duration != f.Duration || !bytes.Equal(back.Key.PEM, k.PKCS8) || len(back.Key.Repairs) != 0 {
			t.Errorf("round trip changed it: %v -> %v", &f, back)
		}
	}
	if _, err := MarshalFastlane(&FastlaneKey{KeyID: "ABCDE12345", Kind: core.KindTeam, Key: key}); !errors.Is(err, ErrIssuerIDMissing) {
		t.Errorf("a team key without Issuer ID exported: %v", err)
	}
}

// sharedFixtures is /work/shared/fixtures/keys: public test keys collected
// from other tools, never copied into this repository.
func sharedFixtures(t *testing.T) string {
	dir := filepath.Join("..", "..", "..", "shared", "fixtures", "keys")
	if _, err := os.Stat(dir); err != nil {
		sharedtest.Missing(t, "shared fixtures not found at %s (they live beside the repository in ../shared): %v", dir, err)
	}
	return dir
}

func TestSharedFixtureKeys(t *testing.T) {
	dir := sharedFixtures(t)
	apple, err := os.ReadFile(filepath.Join(dir, "codemagic_AuthKeyMock_pkcs8.p8"))
	if err != nil {
		t.Fatal(err)
	}
	key, err := Parse(apple)
	if err != nil {
		t.Fatalf("a PKCS#8 key as Apple ships it: %v", err)
	}
	if len(key.Repairs) != 0 || !bytes.Equal(bytes.TrimSuffix(key.PEM, []byte("\n")), bytes.TrimSuffix(apple, []byte("\n"))) {
		t.Errorf("Apple's format must be stored as it is (bar the final newline), got repairs %q", key.Repairs)
	}
	sec1, err := os.ReadFile(filepath.Join(dir, "fastlane_asc_key_sec1.p8"))
	if err != nil {
		t.Fatal(err)
	}
	fromSEC1, err := Parse(sec1)
	if err != nil {
		t.Fatalf("fastlane's SEC1 key: %v", err)
	}

	for name, want := range map[string]core.KeyKind{
		"fastlane_asc_key.json":            core.KindTeam,
		"fastlane_asc_individual_key.json": core.KindIndividual,
		"fastlane_asc_key_in_house.json":   core.KindEnterprise,
	} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		f, err := ParseFastlane(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if f.Kind != want || f.KeyID != "D485S484" {
			t.Errorf("%s: got %v, want kind %s", name, f, want)
		}
		if f.Key.Fingerprint != fromSEC1.Fingerprint {
			t.Errorf("%s: the JSON's key differs from fastlane_asc_key_sec1.p8", name)
		}
		if warning, _ := CheckKeyID(f.KeyID); warning == "" {
			t.Errorf("%s: the 8-character Key ID got no warning", name)
		}
	}
}

package identity

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/asckeys/asckeys/core/identity/identitytest"
)

// The keys and certificates of the tests.
var (
	testKey  = func() *rsa.PrivateKey { return identitytest.Key(0) }
	otherKey = func() *rsa.PrivateKey { return identitytest.Key(1) }
	newCert  = identitytest.Cert
)

func TestNewKeyIsRSA2048(t *testing.T) {
	k, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	if k.N.BitLen() != 2048 {
		t.Fatalf("key is %d bits, want 2048", k.N.BitLen())
	}
	if err := k.Validate(); err != nil {
		t.Fatal(err)
	}
	if other, _ := NewKey(); other.Equal(k) {
		t.Fatal("two calls made the same key")
	}
}

func TestCSR(t *testing.T) {
	key := testKey()
	text, err := CSR(key)
	if err != nil {
		t.Fatal(err)
	}
	block, rest := pem.Decode(text)
	if block == nil || block.Type != "CERTIFICATE REQUEST" || len(rest) != 0 {
		t.Fatalf("CSR is not one PEM CERTIFICATE REQUEST block:\n%s", text)
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if csr.Version != 0 {
		t.Errorf("version %d, want 0 (Apple refuses version 1)", csr.Version)
	}
	if csr.SignatureAlgorithm != x509.SHA256WithRSA {
		t.Errorf("signature algorithm %v, want SHA256-RSA", csr.SignatureAlgorithm)
	}
	pub, ok := csr.PublicKey.(*rsa.PublicKey)
	if !ok || pub.N.BitLen() != 2048 {
		t.Fatalf("public key %T, want RSA 2048", csr.PublicKey)
	}
	if !pub.Equal(key.Public()) {
		t.Error("the CSR carries another public key")
	}
	if err := csr.CheckSignature(); err != nil {
		t.Errorf("signature does not check: %v", err)
	}
	if SPKIHash(csr.PublicKey) != SPKIHash(key.Public()) {
		t.Error("SPKIHash of the CSR's key differs from the key's")
	}
}

func TestCSRRefusesWhatAppleRefuses(t *testing.T) {
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for name, key := range map[string]crypto.Signer{"RSA-1024": small, "ECDSA P-256": ec, "nil": nil} {
		_, err := CSR(key)
		if err == nil {
			t.Errorf("%s: CSR made, want a refusal", name)
			continue
		}
		if key != nil && (!strings.Contains(err.Error(), "RSA-2048") || !strings.Contains(err.Error(), name)) {
			t.Errorf("%s: message %q should name what Apple accepts and what the key is", name, err)
		}
	}
}

func TestSPKIHashAndMatches(t *testing.T) {
	key, other := testKey(), otherKey()
	cert := newCert(t, key, "Apple Distribution: Example (ABCDE12345)", nil, nil)
	h := SPKIHash(cert.PublicKey)
	if !IsSPKIHash(h) {
		t.Fatalf("SPKIHash %q is not 64 lowercase hex digits", h)
	}
	if h != SPKIHash(key.Public()) || h != SPKIHash(&key.PublicKey) {
		t.Error("the certificate's and the key's hashes differ")
	}
	if h == SPKIHash(other.Public()) {
		t.Error("two keys hash the same")
	}
	if !Matches(cert, key) || Matches(cert, other) || Matches(nil, key) || Matches(cert, nil) {
		t.Error("Matches is wrong")
	}
	// The name plays no part: another certificate with the same name and
	// another key does not match.
	if Matches(newCert(t, other, cert.Subject.CommonName, nil, nil), key) {
		t.Error("matched by name")
	}
	if SPKIHash(nil) != "" || SPKIHash(struct{}{}) != "" {
		t.Error("an unencodable key must hash to the empty string")
	}
	for _, s := range []string{"", strings.Repeat("A", 64), strings.Repeat("0", 63), strings.Repeat("g", 64), h + "0"} {
		if IsSPKIHash(s) {
			t.Errorf("IsSPKIHash(%q) = true", s)
		}
	}
}

func TestKeyPEMRoundTrip(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	for name, key := range map[string]crypto.Signer{"RSA": testKey(), "ECDSA": ec, "Ed25519": ed} {
		text, err := MarshalKeyPEM(key)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !strings.HasPrefix(string(text), "-----BEGIN PRIVATE KEY-----\n") {
			t.Errorf("%s: not PKCS#8 PEM", name)
		}
		got, err := ParseKeyPEM(text)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if SPKIHash(got.Public()) != SPKIHash(key.Public()) {
			t.Errorf("%s: parsed back another key", name)
		}
	}
	// What the keychain holds must fit macOS's 2048-byte bound (storage).
	if text, _ := MarshalKeyPEM(testKey()); len(text) > 2000 {
		t.Errorf("an RSA-2048 key's PEM is %d bytes", len(text))
	}
}

func TestParseKeyPEMRefusesAndLeaksNothing(t *testing.T) {
	text, _ := MarshalKeyPEM(testKey())
	lines := strings.Split(strings.TrimSpace(string(text)), "\n")
	body := strings.Join(lines[1:len(lines)-1], "")
	for name, in := range map[string]string{
		"empty":      "",
		"not PEM":    body,
		"wrong type": strings.ReplaceAll(string(text), "PRIVATE KEY", "RSA PRIVATE KEY"),
		"two blocks": string(text) + string(text),
		"cut":        lines[0] + "\n" + strings.Join(lines[1:5], "\n") + "\n" + lines[len(lines)-1] + "\n",
		"headers":    lines[0] + "\nProc-Type: 4,ENCRYPTED\n\n" + strings.Join(lines[1:], "\n") + "\n",
	} {
		_, err := ParseKeyPEM([]byte(in))
		if err == nil {
			t.Errorf("%s: parsed", name)
			continue
		}
		for _, l := range lines[1 : len(lines)-1] {
			if strings.Contains(err.Error(), l[:16]) {
				t.Errorf("%s: error %q holds key material", name, err)
			}
		}
	}
}

func TestP12RoundTrip(t *testing.T) {
	key := testKey()
	cert := newCert(t, key, "Apple Development: Example (ABCDE12345)", nil, nil)
	for _, modern := range []bool{false, true} {
		t.Run(fmt.Sprint("modern=", modern), func(t *testing.T) {
			pw := GeneratePassword()
			data, err := EncodeP12(cert, key, pw, modern)
			if err != nil {
				t.Fatal(err)
			}
			id, err := DecodeP12(data, pw)
			if err != nil {
				t.Fatal(err)
			}
			if !id.Certificate.Equal(cert) || !key.PublicKey.Equal(id.Key.Public()) || len(id.CACerts) != 0 {
				t.Fatalf("round trip gave %v", id)
			}
			if id.SPKI() != SPKIHash(key.Public()) {
				t.Error("SPKI differs")
			}
			if _, err := DecodeP12(data, pw+"x"); !errors.Is(err, ErrWrongPassword) || !strings.Contains(err.Error(), "wrong password") {
				t.Errorf("wrong password: %v, want ErrWrongPassword", err)
			}
		})
	}
}

func TestEncodeP12Refuses(t *testing.T) {
	key := testKey()
	cert := newCert(t, key, "Apple Distribution: Example (ABCDE12345)", nil, nil)
	for _, tc := range []struct {
		name     string
		cert     *x509.Certificate
		key      crypto.Signer
		password string
		is       error
	}{
		{"empty password", cert, key, "", ErrEmptyPassword},
		{"another key", cert, otherKey(), "pw", ErrKeyMismatch},
		{"no certificate", nil, key, "pw", ErrNoCertificate},
		{"no key", cert, nil, "pw", ErrNoKey},
		{"emoji password", cert, key, "pw\U0001F511", ErrBadPassword},
	} {
		for _, modern := range []bool{false, true} {
			data, err := EncodeP12(tc.cert, tc.key, tc.password, modern)
			if !errors.Is(err, tc.is) || data != nil {
				t.Errorf("%s (modern %v): %v, want %v", tc.name, modern, err, tc.is)
			}
		}
	}
}

// berOuter turns a DER .p12 into BER by giving its outer SEQUENCE an
// indefinite length, as Java's keytool and old macOS write.
func berOuter(t testing.TB, der []byte) []byte {
	t.Helper()
	if der[0] != 0x30 || der[1] != 0x82 {
		t.Fatalf("unexpected DER start % x", der[:4])
	}
	out := append([]byte{0x30, 0x80}, der[4:]...)
	return append(out, 0, 0)
}

func TestDecodeP12Errors(t *testing.T) {
	key := testKey()
	cert := newCert(t, key, "Apple Distribution: Example (ABCDE12345)", nil, nil)
	good, err := EncodeP12(cert, key, "secret", false)
	if err != nil {
		t.Fatal(err)
	}
	trustStore, err := pkcs12LegacyTrustStore(cert, "secret")
	if err != nil {
		t.Fatal(err)
	}
	modern, err := EncodeP12(cert, key, "secret", true)
	if err != nil {
		t.Fatal(err)
	}
	for _, der := range [][]byte{good, modern} {
		if hasIndefiniteLength(der) {
			t.Error("a DER .p12 is taken for BER")
		}
	}
	if !hasIndefiniteLength(berOuter(t, modern)) {
		t.Error("a BER .p12 is not seen as BER")
	}
	pemText, _ := MarshalKeyPEM(key)
	for _, tc := range []struct {
		name     string
		data     []byte
		password string
		is       error
		msg      string
	}{
		{"wrong password", good, "Secret", ErrWrongPassword, "wrong password"},
		{"BER", berOuter(t, good), "secret", ErrBER, "BER-encoded"},
		{"empty file", nil, "secret", ErrNotP12, "not a .p12"},
		{"PEM key", pemText, "secret", ErrNotP12, "not a .p12"},
		{"cut", good[:len(good)/2], "secret", ErrNotP12, "not a .p12"},
		{"certificate only", trustStore, "secret", ErrNoKey, "no usable private key"},
		{"emoji password", good, "\U0001F511", ErrBadPassword, "emoji"},
	} {
		_, err := DecodeP12(tc.data, tc.password)
		if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %v, want %v saying %q", tc.name, err, tc.is, tc.msg)
		}
		if err != nil && strings.Contains(err.Error(), tc.password) && tc.password != "" {
			t.Errorf("%s: the error holds the password", tc.name)
		}
	}
}

func TestDecodeP12FindsTheLeafWhereverItIs(t *testing.T) {
	caKey, leafKey := otherKey(), testKey()
	ca := newCert(t, caKey, "Apple Worldwide Developer Relations CA", nil, nil)
	leaf := newCert(t, leafKey, "Apple Distribution: Example (ABCDE12345)", ca, caKey)
	// The CA first: go-pkcs12 alone would take it for the leaf.
	data, err := pkcs12LegacyEncode(leafKey, ca, []*x509.Certificate{leaf}, "secret")
	if err != nil {
		t.Fatal(err)
	}
	id, err := DecodeP12(data, "secret")
	if err != nil {
		t.Fatal(err)
	}
	if !id.Certificate.Equal(leaf) || len(id.CACerts) != 1 || !id.CACerts[0].Equal(ca) {
		t.Fatalf("got %v with %d CA certificates", id, len(id.CACerts))
	}
	// A key that belongs to none of the certificates.
	data, err = pkcs12LegacyEncode(leafKey, ca, nil, "secret")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeP12(data, "secret"); !errors.Is(err, ErrKeyMismatch) {
		t.Errorf("mismatched key: %v, want ErrKeyMismatch", err)
	}
}

func TestIdentityPrintsNoKey(t *testing.T) {
	key := testKey()
	id := Identity{Certificate: newCert(t, key, "Apple Development: X (ABCDE12345)", nil, nil), Key: key}
	d := key.D.String()[:20]
	p := key.Primes[0].String()[:20]
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(verb, id) + fmt.Sprintf(verb, &id) + fmt.Sprintf(verb, []Identity{id})
		if strings.Contains(out, d) || strings.Contains(out, p) {
			t.Errorf("%s prints the private key", verb)
		}
		if !strings.Contains(out, "redacted") {
			t.Errorf("%s: %q, want the redacted form", verb, out)
		}
	}
}

func TestGeneratePassword(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		pw := GeneratePassword()
		if len(pw) < 20 {
			t.Fatalf("password %q is short", pw)
		}
		for _, c := range pw {
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
				t.Fatalf("password %q has %q, not a letter or digit", pw, c)
			}
		}
		if seen[pw] {
			t.Fatalf("password %q repeated", pw)
		}
		seen[pw] = true
	}
}

// withMACIterations rewrites a .p12's MAC iteration count, as a damaged or
// hostile file could state it. The MAC no longer verifies, but go-pkcs12
// would run the rounds to find that out.
func withMACIterations(t *testing.T, p12 []byte, n int) []byte {
	t.Helper()
	var pfx struct {
		Version  int
		AuthSafe asn1.RawValue
		MacData  struct {
			Mac        asn1.RawValue
			Salt       []byte
			Iterations int `asn1:"optional,default:1"`
		}
	}
	if rest, err := asn1.Unmarshal(p12, &pfx); err != nil || len(rest) != 0 {
		t.Fatalf("reading the .p12's outer structure: %v", err)
	}
	pfx.MacData.Iterations = n
	out, err := asn1.Marshal(pfx)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDecodeP12RefusesEndlessKeyDerivation(t *testing.T) {
	key := testKey()
	cert := newCert(t, key, "Apple Distribution: Example (ABCDE12345)", nil, nil)
	for _, modern := range []bool{false, true} {
		good, err := EncodeP12(cert, key, "secret", modern)
		if err != nil {
			t.Fatal(err)
		}
		var s berScan
		s.walk(good, 0)
		if s.iterations != 2048 {
			t.Errorf("modern %v: scan saw %d rounds, want 2048 (go-pkcs12's count)", modern, s.iterations)
		}
		for _, n := range []int{maxP12Iterations + 1, 1 << 40} {
			_, err = DecodeP12(withMACIterations(t, good, n), "secret")
			if !errors.Is(err, ErrUnsupportedP12) || !strings.Contains(err.Error(), "key-derivation rounds") {
				t.Errorf("modern %v, %d rounds: %v, want ErrUnsupportedP12", modern, n, err)
			}
		}
		// A count within the bound goes on to the MAC, which now fails.
		if _, err := DecodeP12(withMACIterations(t, good, 3), "secret"); !errors.Is(err, ErrWrongPassword) {
			t.Errorf("modern %v, 3 rounds: %v, want the MAC to fail as a wrong password", modern, err)
		}
	}
}

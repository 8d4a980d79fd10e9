// Package keyfiletest makes throwaway App Store Connect-style keys for tests
// and checks that text holds no trace of them. Keys are generated on each
// run, so no private key is ever committed.
package keyfiletest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// Key is a freshly generated P-256 key and its encodings.
type Key struct {
	Priv  *ecdsa.PrivateKey
	PKCS8 []byte // canonical PKCS#8 PEM, as keyfile.Parse stores it
	SEC1  []byte // SEC1 ("EC") PEM
	DER   []byte // PKCS#8 DER
}

// New generates a key.
func New(t testing.TB) Key {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	sec, err := x509.MarshalECPrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return Key{
		Priv:  priv,
		DER:   der,
		PKCS8: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}),
		SEC1:  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec}),
	}
}

// AssertSigns checks that got is want's key: equal, and an ES256 token signed
// with got verifies with want's public key.
func AssertSigns(t testing.TB, got, want *ecdsa.PrivateKey) {
	t.Helper()
	if got == nil || !got.Equal(want) {
		t.Fatal("the key differs from the original")
	}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{"aud": "appstoreconnect-v1"}).SignedString(got)
	if err != nil {
		t.Fatalf("signing with the key: %v", err)
	}
	_, err = jwt.Parse(signed, func(*jwt.Token) (any, error) { return &want.PublicKey, nil }, jwt.WithValidMethods([]string{"ES256"}))
	if err != nil {
		t.Fatalf("a token signed with the key does not verify with the original public key: %v", err)
	}
}

// Fragments lists what must never appear in a message: every base64 line of
// the key's PEM encodings, overlapping 12-character windows of their bodies,
// the private scalar in hex and base64, and the PEM type words.
func Fragments(k Key) []string {
	frags := []string{"PRIVATE KEY"}
	d, err := k.Priv.Bytes()
	if err != nil {
		panic(err) // a P-256 key from New always encodes
	}
	dh := hex.EncodeToString(d)
	frags = append(frags, dh, strings.ToUpper(dh),
		base64.StdEncoding.EncodeToString(d), base64.RawURLEncoding.EncodeToString(d))
	for i := 0; i+16 <= len(dh); i += 8 {
		frags = append(frags, dh[i:i+16])
	}
	for _, p := range [][]byte{k.PKCS8, k.SEC1} {
		body := ""
		for _, line := range strings.Split(string(p), "\n") {
			if line != "" && !strings.HasPrefix(line, "-----") {
				frags = append(frags, line)
				body += line
			}
		}
		for i := 0; i+12 <= len(body); i += 4 {
			frags = append(frags, body[i:i+12])
		}
	}
	return frags
}

// AssertNoKeyMaterial fails when msg holds any fragment of the keys.
func AssertNoKeyMaterial(t testing.TB, msg string, keys ...Key) {
	t.Helper()
	for _, k := range keys {
		for _, f := range Fragments(k) {
			if strings.Contains(msg, f) {
				t.Fatalf("text leaks key material %q: %s", f, msg)
			}
		}
	}
}

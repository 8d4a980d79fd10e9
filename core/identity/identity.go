// Package identity makes and reads code-signing identities: the RSA key and
// certificate signing request for a new App Store Connect certificate, the
// public-key hash that matches a certificate to its private key, and PKCS#12
// (.p12) files of a certificate with its key. It touches neither the keychain
// nor the disk.
//
// Apple never sees the private key and never gives it back, so a certificate
// is only usable where its key is: matching is by public key (SPKIHash),
// never by name, because Apple writes its own subject into the certificate.
package identity

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
)

// KeyBits is the only key size Apple accepts in a certificate request
// (409 "CSR algorithm/size incorrect. Expected: RSA(2048)").
const KeyBits = 2048

// csrSubject is what the request says about its owner. Apple ignores it and
// writes "<type>: <team name> (<team id>)", so nothing about the user goes in.
var csrSubject = pkix.Name{CommonName: "ASC Keys"}

// NewKey generates a private key for a new certificate: RSA, KeyBits.
func NewKey() (*rsa.PrivateKey, error) {
	key, err := rsa.GenerateKey(rand.Reader, KeyBits)
	if err != nil {
		return nil, fmt.Errorf("generating an RSA-%d key: %w", KeyBits, err)
	}
	return key, nil
}

// CSR returns a certificate signing request for key as PEM text, as
// csrContent takes it: signed with SHA-256 and RSA, version 0 (Apple refuses
// version 1), a neutral subject. key must be RSA 2048, which is all Apple
// accepts; anything else is refused here rather than by Apple.
func CSR(key crypto.Signer) ([]byte, error) {
	if key == nil {
		return nil, errors.New("making a certificate request: no private key")
	}
	pub, ok := key.Public().(*rsa.PublicKey)
	if !ok || pub.N.BitLen() != KeyBits {
		return nil, fmt.Errorf("making a certificate request: Apple accepts only RSA-%d keys, and this key is %s", KeyBits, describeKey(key.Public()))
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject:            csrSubject,
		SignatureAlgorithm: x509.SHA256WithRSA,
	}, key)
	if err != nil {
		return nil, fmt.Errorf("making a certificate request: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}), nil
}

// SPKIHash is the rule that matches a certificate to a private key: the
// lowercase hex SHA-256 of the DER SubjectPublicKeyInfo of pub (a
// certificate's PublicKey, or a private key's Public()). Both sides are
// re-encoded from the parsed key, so equal keys always hash equal. It is ""
// for a key type x509 cannot encode, which matches nothing.
func SPKIHash(pub crypto.PublicKey) string {
	if pub == nil {
		return ""
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// IsSPKIHash reports whether s has the form of an SPKIHash: 64 lowercase hex
// digits. Storage uses it to refuse anything else as a keychain account.
func IsSPKIHash(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Matches reports whether key is the private key of cert's public key.
func Matches(cert *x509.Certificate, key crypto.Signer) bool {
	if cert == nil || key == nil {
		return false
	}
	h := SPKIHash(cert.PublicKey)
	return h != "" && h == SPKIHash(key.Public())
}

// MarshalKeyPEM encodes key as PKCS#8 PEM ("PRIVATE KEY"), the form kept in
// the keychain. Never log or show the result.
func MarshalKeyPEM(key crypto.Signer) ([]byte, error) {
	if key == nil {
		return nil, errors.New("encoding the signing key: no private key")
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encoding the signing key (%s): %w", describeKey(key.Public()), err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParseKeyPEM decodes what MarshalKeyPEM made: one PKCS#8 PEM block holding
// a signing key (RSA, ECDSA or Ed25519). Errors never quote the input.
func ParseKeyPEM(data []byte) (crypto.Signer, error) {
	block, rest := pem.Decode(data)
	switch {
	case block == nil:
		return nil, errors.New("the signing key is not PEM text")
	case block.Type != "PRIVATE KEY":
		return nil, fmt.Errorf("the signing key is a PEM %q block, not a PKCS#8 \"PRIVATE KEY\"", pemType(block.Type))
	case len(block.Headers) != 0:
		return nil, errors.New("the signing key's PEM block has headers (is it encrypted?)")
	}
	if next, _ := pem.Decode(rest); next != nil {
		return nil, errors.New("the signing key's text holds more than one PEM block")
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		// x509's messages name the structure, never the bytes.
		return nil, fmt.Errorf("the signing key does not parse as PKCS#8: %w", err)
	}
	signer, ok := parsed.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("the key is a %T, which cannot sign", parsed)
	}
	return signer, nil
}

// pemType bounds a PEM type taken from input before it goes into a message.
func pemType(t string) string {
	if len(t) > 40 {
		return t[:40] + "…"
	}
	return t
}

// describeKey names a key's algorithm and size for messages.
func describeKey(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA-%d", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case ed25519.PublicKey:
		return "Ed25519"
	case nil:
		return "missing"
	}
	return fmt.Sprintf("%T", pub)
}

// GeneratePassword returns a random password for a .p12: 26 letters and
// digits (about 130 bits), because import tools are reported to break on
// `$` and `#` in a password typed at their prompts.
func GeneratePassword() string { return rand.Text() }

// Package keyfile reads App Store Connect API keys: .p8 files (PKCS#8 or SEC1
// PEM holding an EC P-256 private key) and fastlane's API key JSON. It repairs
// the damage CI secrets and copy-paste do to keys, refuses everything else
// with a message that says what is wrong and what to do, and checks the Key
// ID, Issuer ID and name that go with a key. It touches neither the disk nor
// the keychain, and no message it produces contains key material.
package keyfile

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"strings"
)

// MaxFileSize is the largest input Parse and ParseFastlane read. A .p8 is
// about 250 bytes; anything near this limit is some other file.
const MaxFileSize = 64 << 10

// Key is a parsed App Store Connect API private key. Its String and Format
// print only the fingerprint and the repairs, never key material.
type Key struct {
	// PrivateKey is the EC P-256 private key.
	PrivateKey *ecdsa.PrivateKey
	// PEM is the key in the one form this program stores: PKCS#8 PEM
	// (a PEM block of type "PRIVATE KEY"), 64-character lines, ending in a newline.
	PEM []byte
	// Repairs says, in words for the user, what was changed to get PEM from
	// the input ("removed surrounding quotes"). It is empty exactly when PEM
	// equals the input, apart from a final newline (Apple's files lack one).
	Repairs []string
	// Fingerprint identifies the key without revealing it: the SHA-256 of the
	// public key's DER SubjectPublicKeyInfo, as 64 lower-case hex digits.
	Fingerprint string
}

// String describes the key without any key material.
func (k Key) String() string {
	return fmt.Sprintf("keyfile.Key{P-256, Fingerprint: %s, Repairs: %q, PrivateKey: [redacted]}", k.Fingerprint, k.Repairs)
}

// GoString keeps %#v from printing the private key.
func (k Key) GoString() string { return k.String() }

// Format makes every fmt verb print the redacted form.
func (k Key) Format(f fmt.State, _ rune) { fmt.Fprint(f, k.String()) }

// Fingerprint returns the SHA-256 of the public key's DER SubjectPublicKeyInfo
// as 64 lower-case hex digits. The same key always has the same fingerprint,
// whatever file format it came in.
func Fingerprint(pub *ecdsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("computing the key's fingerprint: %w", err)
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:]), nil
}

// Parse reads a .p8 file's contents: PKCS#8 or SEC1 PEM holding an EC P-256
// private key. It repairs surrounding quotes, literal \n sequences, CRLF line
// endings, stray whitespace and indentation, base64 of the whole file, a body
// on one line, a missing -----END line and binary DER, and adds the final
// newline Apple's files lack; Key.Repairs lists what it changed. Anything else
// is refused with an *Error whose Kind is one of the package's sentinels.
// Parse never panics, whatever the input.
func Parse(data []byte) (*Key, error) {
	if len(data) == 0 {
		return nil, newError(ErrEmpty, "the key file is empty: %s", chooseOriginal)
	}
	if len(data) > MaxFileSize {
		return nil, newError(ErrTooLarge, "the file is %s, too large to be an App Store Connect key (a .p8 is about 250 bytes): %s", humanSize(len(data)), chooseOriginal)
	}
	var rep repairs
	text, isText := decodeText(data, &rep)
	var (
		p    parsed
		kerr *Error
	)
	if !isText {
		p, kerr = parseBinary(data, &rep, "converted the key from binary DER to PEM")
	} else {
		p, kerr = parseText(text, &rep)
	}
	if kerr != nil {
		return nil, kerr
	}
	return finish(data, p, &rep)
}

// finish builds the stored form of a parsed key and completes the repairs.
func finish(input []byte, p parsed, rep *repairs) (*Key, error) {
	der := p.der
	if p.format == formatSEC1 {
		var err error
		if der, err = x509.MarshalPKCS8PrivateKey(p.key); err != nil {
			return nil, errDamaged("its data is not a valid P-256 key")
		}
		rep.add("converted the key from SEC1 (EC) format to PKCS#8")
	}
	out := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	// Apple's own files end without a newline, so adding one is no repair
	// worth telling the user about.
	same := bytes.Equal(out, input) || bytes.Equal(out, append(bytes.Clone(input), '\n'))
	if !same && len(rep.list) == 0 {
		rep.add("normalised the PEM formatting")
	}
	if same {
		rep.list = nil
	}
	fp, err := Fingerprint(&p.key.PublicKey)
	if err != nil {
		return nil, errDamaged("its public key cannot be encoded")
	}
	return &Key{PrivateKey: p.key, PEM: out, Repairs: rep.list, Fingerprint: fp}, nil
}

// parseBinary handles input that is not text: DER of a key is accepted, DER of
// a certificate or public key is named, anything else is binary garbage.
func parseBinary(der []byte, rep *repairs, repair string) (parsed, *Error) {
	p, kerr := parseKeyDER(der)
	if kerr == errUnrecognisedDER {
		if named := classifyNonKeyDER(der); named != nil {
			return parsed{}, named
		}
		return parsed{}, errBinary()
	}
	if kerr != nil {
		return parsed{}, kerr
	}
	rep.add(repair)
	return p, nil
}

// repairs is an ordered set of repair descriptions.
type repairs struct{ list []string }

func (r *repairs) add(s string) {
	for _, have := range r.list {
		if have == s {
			return
		}
	}
	r.list = append(r.list, s)
}

func humanSize(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// trimmedEmpty reports whether s holds nothing but blank space and quotes.
func trimmedEmpty(s string) bool {
	return strings.TrimFunc(s, func(r rune) bool { return isSpace(r) || strings.ContainsRune(quoteChars, r) }) == ""
}

package keyfile

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/asckeys/asckeys/core/keyfile/keyfiletest"
)

// Keys of the wrong kinds, made once: RSA generation is slow under -race.
var (
	wrongOnce sync.Once
	rsaKey    *rsa.PrivateKey
)

func rsaTestKey(t *testing.T) *rsa.PrivateKey {
	wrongOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return rsaKey
}

func pemOf(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// must is for test set-up that cannot fail unless the machine is broken.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func pkcs8Of(t *testing.T, key any) []byte {
	return pemOf("PRIVATE KEY", must(x509.MarshalPKCS8PrivateKey(key)))
}

func ecKey(t *testing.T, c elliptic.Curve) *ecdsa.PrivateKey {
	return must(ecdsa.GenerateKey(c, rand.Reader))
}

func selfSigned(t *testing.T, k *ecdsa.PrivateKey) []byte {
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(42),
		Subject:      pkix.Name{CommonName: "Apple Distribution: Example Corp (A1B2C3D4E5)"},
		NotBefore:    time.Now(), NotAfter: time.Now().Add(time.Hour),
	}
	return must(x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k))
}

func body(p []byte) string {
	var out []string
	for _, l := range strings.Split(string(p), "\n") {
		if l != "" && !strings.HasPrefix(l, "-----") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "")
}

func utf16LE(s string) []byte {
	out := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

// TestParseTable feeds Parse damaged and wrong inputs built from real keys.
// Refusals must carry their own sentinel and a message that says what to do;
// repairable inputs must give back exactly the original key, which must sign.
func TestParseTable(t *testing.T) {
	k := keyfiletest.New(t)
	for !bytes.Contains(k.PKCS8, []byte("/")) { // the escaped-slash case needs one
		k = keyfiletest.New(t)
	}
	other := keyfiletest.New(t)
	s := string(k.PKCS8)
	sec := string(k.SEC1)
	p384 := ecKey(t, elliptic.P384())
	p521 := ecKey(t, elliptic.P521())
	p224 := ecKey(t, elliptic.P224())
	x25519 := must(ecdh.X25519().GenerateKey(rand.Reader))
	_, edPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaK := rsaTestKey(t)
	cert := selfSigned(t, k.Priv)
	csr := must(x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "x"}}, k.Priv))
	pub := pemOf("PUBLIC KEY", must(x509.MarshalPKIXPublicKey(&k.Priv.PublicKey)))
	secp256k1 := pemOf("EC PRIVATE KEY", must(asn1.Marshal(ecPrivateKey{Version: 1, PrivateKey: bytes.Repeat([]byte{7}, 32), NamedCurveOID: asn1.ObjectIdentifier{1, 3, 132, 0, 10}})))
	encDER := must(asn1.Marshal(encryptedPKCS8{
		Algo:          pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}},
		EncryptedData: bytes.Repeat([]byte{9}, 138),
	}))
	otherSEC := must(x509.MarshalECPrivateKey(other.Priv))
	var mismatched ecPrivateKey
	must(asn1.Unmarshal(must(x509.MarshalECPrivateKey(k.Priv)), &mismatched))
	var otherParsed ecPrivateKey
	must(asn1.Unmarshal(otherSEC, &otherParsed))
	mismatched.PublicKey = otherParsed.PublicKey
	mismatchedPEM := pemOf("EC PRIVATE KEY", must(asn1.Marshal(mismatched)))
	lines := strings.Split(strings.TrimSpace(s), "\n")
	garbage := make([]byte, 300)
	rand.Read(garbage)
	garbage[10] = 0
	b64 := base64.StdEncoding.EncodeToString

	const remedy = "AuthKey_XXXXXXXXXX.p8"
	refusals := []struct {
		name string
		in   []byte
		kind error
		msg  []string
	}{
		{"empty file", nil, ErrEmpty, []string{"is empty", remedy}},
		{"only blank space", []byte(" \n\t\r\n"), ErrEmpty, []string{"blank space", remedy}},
		{"only quotes", []byte(`""`), ErrEmpty, []string{"blank space or quotes", remedy}},
		{"over 64 KiB", bytes.Repeat([]byte("A"), MaxFileSize+1), ErrTooLarge, []string{"64 KiB", "too large", remedy}},
		{"binary garbage", garbage, ErrBinary, []string{"binary data", ".p12"}},
		{"plain text", []byte("this is not a key, just a note\n"), ErrNotPEM, []string{"no -----BEGIN line", remedy}},
		{"base64 of plain text", []byte(b64([]byte("hello, this is certainly not a key at all"))), ErrNotPEM, []string{"not a .p8 key", remedy}},
		{"encrypted PKCS#8", pemOf("ENCRYPTED PRIVATE KEY", encDER), ErrEncrypted, []string{"encrypted with a passphrase", "openssl pkey"}},
		{"encrypted PKCS#8 under a plain label", pemOf("PRIVATE KEY", encDER), ErrEncrypted, []string{"encrypted", "openssl pkey"}},
		{"legacy Proc-Type encrypted SEC1", []byte("-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n" + body(k.SEC1) + "\n-----END EC PRIVATE KEY-----\n"), ErrEncrypted, []string{"encrypted", "openssl pkey"}},
		{"public key", pub, ErrPublicKey, []string{"public key", "private key", remedy}},
		{"certificate", pemOf("CERTIFICATE", cert), ErrCertificate, []string{"a certificate", remedy}},
		{"certificate as binary DER", cert, ErrCertificate, []string{"a certificate", remedy}},
		{"certificate signing request", pemOf("CERTIFICATE REQUEST", csr), ErrCertificate, []string{"certificate signing request", remedy}},
		{"RSA key in PKCS#8", pkcs8Of(t, rsaK), ErrRSA, []string{"RSA key", "P-256", remedy}},
		{"RSA key in PKCS#1", pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaK)), ErrRSA, []string{"RSA key", remedy}},
		{"Ed25519 key", pkcs8Of(t, edPriv), ErrEd25519, []string{"Ed25519", "P-256", remedy}},
		{"X25519 key", pkcs8Of(t, x25519), ErrUnsupportedKey, []string{"X25519", "P-256", remedy}},
		{"OpenSSH key", []byte("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n"), ErrUnsupportedKey, []string{"OpenSSH", remedy}},
		{"P-384 key in PKCS#8", pkcs8Of(t, p384), ErrCurve, []string{"P-384 curve", "use P-256", remedy}},
		{"P-521 key in SEC1", pemOf("EC PRIVATE KEY", must(x509.MarshalECPrivateKey(p521))), ErrCurve, []string{"P-521 curve", remedy}},
		{"P-224 key", pkcs8Of(t, p224), ErrCurve, []string{"P-224 curve", remedy}},
		{"secp256k1 key", secp256k1, ErrCurve, []string{"secp256k1 curve", remedy}},
		{"two keys in one file", append(bytes.Clone(k.PKCS8), other.PKCS8...), ErrMultipleKeys, []string{"2 keys", "exactly one", remedy}},
		{"truncated body", []byte(strings.Join(slices.Concat(lines[:2], lines[len(lines)-1:]), "\n") + "\n"), ErrDamaged, []string{"damaged", "revoke the key", remedy}},
		{"cut off before the END line", []byte(strings.Join(lines[:2], "\n")), ErrDamaged, []string{"-----END line is missing", remedy}},
		{"invalid base64 in body", []byte(strings.Replace(s, lines[1][:8], "!!!!!!!!", 1)), ErrDamaged, []string{"base64 text does not decode", remedy}},
		{"nothing between BEGIN and END", []byte("-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n"), ErrDamaged, []string{"no data", remedy}},
		{"private and public halves differ", mismatchedPEM, ErrDamaged, []string{"halves do not match", remedy}},
		{"only Diffie-Hellman parameters", pemOf("DH PARAMETERS", []byte{0x30, 0}), ErrNotKey, []string{"Diffie-Hellman", "not a key", remedy}},
	}
	if len(refusals) < 20 {
		t.Fatalf("only %d refusal cases", len(refusals))
	}
	for _, tc := range refusals {
		t.Run("refuse/"+tc.name, func(t *testing.T) {
			got, err := Parse(tc.in)
			if err == nil {
				t.Fatalf("Parse accepted it (%v)", got)
			}
			if !errors.Is(err, tc.kind) {
				t.Fatalf("error %q is not %v", err, tc.kind)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *keyfile.Error", err)
			}
			for _, want := range tc.msg {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("message %q lacks %q", err, want)
				}
			}
			keyfiletest.AssertNoKeyMaterial(t, err.Error(), k, other)
			if strings.Contains(fmt.Sprintf("%v %+v %#v", err, err, err), "PRIVATE KEY") {
				t.Error("formatted error contains a PEM type line")
			}
		})
	}

	indented := "    " + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n    ") + "\n"
	paramsBlock := "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"
	secLines := strings.Split(strings.TrimSpace(sec), "\n")
	secNoPad := secLines[0] + "\n" + strings.TrimRight(strings.Join(secLines[1:len(secLines)-1], ""), "=") + "\n" + secLines[len(secLines)-1] + "\n"
	repairs := []struct {
		name    string
		in      []byte
		repairs []string // each must be among Key.Repairs; none means no repairs at all
	}{
		{"canonical PKCS#8", k.PKCS8, nil},
		{"SEC1", k.SEC1, []string{"SEC1"}},
		{"double quotes", []byte(`"` + s + `"`), []string{"removed surrounding quotes"}},
		{"single quotes and blank space", []byte(" '" + s + "' \n"), []string{"removed surrounding quotes"}},
		{"smart quotes from a word processor", []byte("“" + s + "”"), []string{"removed surrounding quotes"}},
		{"literal \\n as CI secrets store it", []byte(`"` + strings.ReplaceAll(s, "\n", `\n`) + `"`), []string{"removed surrounding quotes", `literal \n`}},
		{"literal \\r\\n", []byte(strings.ReplaceAll(s, "\n", `\r\n`)), []string{`literal \n`}},
		{"doubly escaped \\\\n", []byte(`"` + strings.ReplaceAll(s, "\n", `\\n`) + `"`), []string{`literal \n`}},
		{"JSON with escaped slashes", []byte(`"` + strings.ReplaceAll(strings.ReplaceAll(s, "/", `\/`), "\n", `\n`) + `"`), []string{"JSON escapes"}},
		{"CRLF line endings", []byte(strings.ReplaceAll(s, "\n", "\r\n")), []string{"CRLF"}},
		{"indented as in YAML", []byte(indented), []string{"stray whitespace"}},
		{"trailing spaces and blank lines", []byte(strings.ReplaceAll(s, "\n", "  \n\n")), []string{"stray whitespace"}},
		{"base64 of the whole PEM", []byte(b64(k.PKCS8)), []string{"decoded base64 of the whole file"}},
		{"base64 of the whole PEM, wrapped", []byte(strings.Join(chunk(b64(k.PKCS8), 76), "\n")), []string{"decoded base64"}},
		{"base64 of a quoted PEM with literal \\n", []byte(b64([]byte(`"` + strings.ReplaceAll(s, "\n", `\n`) + `"`))), []string{"decoded base64", "removed surrounding quotes", `literal \n`}},
		{"no trailing newline, as Apple ships it", bytes.TrimSuffix(k.PKCS8, []byte("\n")), nil},
		{"all on one line", []byte(strings.Join(lines, " ")), []string{"one line"}},
		{"body on one long line", []byte(lines[0] + "\n" + body(k.PKCS8) + "\n" + lines[len(lines)-1] + "\n"), []string{"one line"}},
		{"body without BEGIN and END lines", []byte(body(k.PKCS8) + "\n"), []string{"missing -----BEGIN and -----END"}},
		{"binary DER", k.DER, []string{"binary DER"}},
		{"UTF-8 byte-order mark", append([]byte("\xEF\xBB\xBF"), k.PKCS8...), []string{"byte-order mark"}},
		{"UTF-16 from Notepad", utf16LE(s), []string{"UTF-16"}},
		{"openssl ecparam output with EC PARAMETERS", []byte(paramsBlock + sec), []string{"ignored an EC PARAMETERS block", "SEC1"}},
		{"key next to its certificate", append(bytes.Clone(k.PKCS8), pemOf("CERTIFICATE", cert)...), []string{"ignored a certificate"}},
		{"lost dashes and lower case", []byte(strings.ToLower(lines[0][1:len(lines[0])-1]) + "\n" + strings.Join(lines[1:len(lines)-1], "\n") + "\n----END PRIVATE KEY----\n"), []string{"repaired the -----BEGIN and -----END lines"}},
		{"missing END line", []byte(strings.Join(lines[:len(lines)-1], "\n") + "\n"), []string{"missing -----END line"}},
		{"missing base64 padding", []byte(secNoPad), []string{"padding"}},
		{"text around the key", []byte("Bag Attributes\n    friendlyName: key\n" + s), []string{"ignored text"}},
	}
	for _, tc := range repairs {
		t.Run("repair/"+tc.name, func(t *testing.T) {
			got, err := Parse(tc.in)
			if err != nil {
				t.Fatalf("Parse refused a repairable key: %v", err)
			}
			keyfiletest.AssertSigns(t, got.PrivateKey, k.Priv)
			if !bytes.Equal(got.PEM, k.PKCS8) {
				t.Errorf("stored PEM is not the canonical PKCS#8 of the key")
			}
			if want := must(Fingerprint(&k.Priv.PublicKey)); got.Fingerprint != want || len(want) != 64 {
				t.Errorf("fingerprint %q, want %q", got.Fingerprint, want)
			}
			if len(tc.repairs) == 0 && len(got.Repairs) != 0 {
				t.Errorf("repairs %q on an undamaged key", got.Repairs)
			}
			if len(tc.repairs) != 0 && len(got.Repairs) == 0 {
				t.Errorf("no repairs reported")
			}
			for _, want := range tc.repairs {
				found := false
				for _, r := range got.Repairs {
					found = found || strings.Contains(r, want)
				}
				if !found {
					t.Errorf("repairs %q lack %q", got.Repairs, want)
				}
			}
			for _, r := range got.Repairs {
				keyfiletest.AssertNoKeyMaterial(t, r, k)
			}
		})
	}
}

func chunk(s string, n int) []string {
	var out []string
	for len(s) > n {
		out = append(out, s[:n])
		s = s[n:]
	}
	return append(out, s)
}

// TestKeyFormatRedacts checks that no fmt verb prints key material.
func TestKeyFormatRedacts(t *testing.T) {
	k := keyfiletest.New(t)
	got, err := Parse(k.SEC1)
	if err != nil {
		t.Fatal(err)
	}
	f := &FastlaneKey{KeyID: "ABCDE12345", Kind: "individual", Key: got}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		for _, v := range []any{got, *got, f, *f} {
			out := fmt.Sprintf(verb, v)
			keyfiletest.AssertNoKeyMaterial(t, out, k)
			if !strings.Contains(out, "redacted") {
				t.Errorf("%s of %T = %q, want the redacted form", verb, v, out)
			}
		}
	}
}

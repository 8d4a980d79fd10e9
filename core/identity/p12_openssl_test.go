package identity

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"software.sslmate.com/src/go-pkcs12"
)

// pkcs12LegacyEncode writes a .p12 with go-pkcs12 directly, for layouts
// EncodeP12 refuses to make.
func pkcs12LegacyEncode(key crypto.Signer, cert *x509.Certificate, cas []*x509.Certificate, password string) ([]byte, error) {
	return pkcs12.LegacyDES.Encode(key, cert, cas, password)
}

// pkcs12LegacyTrustStore writes a .p12 holding cert and no key.
func pkcs12LegacyTrustStore(cert *x509.Certificate, password string) ([]byte, error) {
	return pkcs12.LegacyDES.EncodeTrustStore([]*x509.Certificate{cert}, password)
}

// opensslPath finds OpenSSL, or skips: it is in Debian's base system and on
// macOS, but a test must not fail for lack of a tool.
func opensslPath(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not found on PATH: the .p12 compatibility checks need it (apt-get install openssl)")
	}
	return path
}

// openssl runs OpenSSL with a password on its command line: a test password.
func openssl(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(opensslPath(t), args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// opensslHasLegacy reports whether OpenSSL 3's legacy provider (RC2) loads.
func opensslHasLegacy(t *testing.T) bool {
	out, err := openssl(t, "list", "-providers", "-provider", "legacy")
	return err == nil && strings.Contains(out, "legacy")
}

// TestP12OpensWithOpenSSL checks what APPLE-API.md says about .p12 files:
// OpenSSL 3 reads both encodings without -legacy (and with it), the legacy
// one being 3DES with a SHA-1 MAC and the modern one AES-256 with SHA-256,
// and the key OpenSSL takes out is the certificate's. go-pkcs12's RC2
// encoder is the control: without -legacy OpenSSL 3 must refuse it, or
// this test could not tell the encodings apart.
func TestP12OpensWithOpenSSL(t *testing.T) {
	opensslPath(t)
	key := testKey()
	cert := newCert(t, key, "Apple Distribution: Example Team (ABCDE12345)", nil, nil)
	dir := t.TempDir()
	pw := GeneratePassword()
	for _, tc := range []struct {
		modern bool
		info   []string // in OpenSSL's -info output
	}{
		{false, []string{"MAC: sha1", "pbeWithSHA1And3-KeyTripleDES-CBC"}},
		{true, []string{"MAC: sha256", "AES-256-CBC"}},
	} {
		t.Run(fmt.Sprint("modern=", tc.modern), func(t *testing.T) {
			data, err := EncodeP12(cert, key, pw, tc.modern)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(dir, fmt.Sprintf("id-%v.p12", tc.modern))
			if err := os.WriteFile(file, data, 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := openssl(t, "pkcs12", "-info", "-nokeys", "-in", file, "-passin", "pass:"+pw)
			if err != nil {
				t.Fatalf("openssl pkcs12 -info (no -legacy) failed: %v\n%s", err, out)
			}
			for _, want := range append(tc.info, "Example Team") {
				if !strings.Contains(out, want) {
					t.Errorf("openssl -info output lacks %q:\n%s", want, out)
				}
			}
			if opensslHasLegacy(t) {
				if out, err := openssl(t, "pkcs12", "-legacy", "-info", "-nokeys", "-in", file, "-passin", "pass:"+pw); err != nil {
					t.Errorf("openssl pkcs12 -legacy -info failed: %v\n%s", err, out)
				}
			}
			if out, err := openssl(t, "pkcs12", "-info", "-nokeys", "-in", file, "-passin", "pass:wrong"); err == nil {
				t.Errorf("openssl opened the file with a wrong password:\n%s", out)
			}
			keyPEM, err := openssl(t, "pkcs12", "-nocerts", "-nodes", "-in", file, "-passin", "pass:"+pw)
			if err != nil {
				t.Fatalf("openssl could not take the key out: %v", err)
			}
			got, err := ParseKeyPEM([]byte(keyPEM[strings.Index(keyPEM, "-----BEGIN"):]))
			if err != nil {
				t.Fatalf("the key OpenSSL took out: %v", err)
			}
			if !Matches(cert, got) {
				t.Error("OpenSSL took out another key")
			}
		})
	}

	t.Run("control: RC2 needs -legacy", func(t *testing.T) {
		data, err := pkcs12.LegacyRC2.Encode(key, cert, nil, pw)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, "rc2.p12")
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := openssl(t, "version"); err != nil || !strings.HasPrefix(out, "OpenSSL 3") {
			t.Skipf("not OpenSSL 3 (%q): RC2 is read without -legacy", strings.TrimSpace(out))
		}
		if out, err := openssl(t, "pkcs12", "-info", "-nokeys", "-in", file, "-passin", "pass:"+pw); err == nil {
			t.Errorf("OpenSSL 3 read RC2 without -legacy: the checks above prove nothing:\n%s", out)
		}
		if !opensslHasLegacy(t) {
			return
		}
		if out, err := openssl(t, "pkcs12", "-legacy", "-info", "-nokeys", "-in", file, "-passin", "pass:"+pw); err != nil {
			t.Errorf("openssl -legacy could not read RC2: %v\n%s", err, out)
		}
		// And DecodeP12 reads what other tools wrote with RC2.
		if _, err := DecodeP12(data, pw); err != nil {
			t.Errorf("DecodeP12 of an RC2 file: %v", err)
		}
	})
}

// TestSPKIHashAgreesWithOpenSSL: the matching rule is the SHA-256 of the
// DER SubjectPublicKeyInfo as OpenSSL writes it, so a hash can be checked by
// hand: openssl x509 -pubkey -noout | openssl pkey -pubin -outform DER | sha256sum.
func TestSPKIHashAgreesWithOpenSSL(t *testing.T) {
	opensslPath(t)
	cert := newCert(t, testKey(), "Apple Development: X (ABCDE12345)", nil, nil)
	dir := t.TempDir()
	certFile, derFile := filepath.Join(dir, "c.cer"), filepath.Join(dir, "spki.der")
	if err := os.WriteFile(certFile, cert.Raw, 0o600); err != nil {
		t.Fatal(err)
	}
	pubPEM := filepath.Join(dir, "pub.pem")
	if out, err := openssl(t, "x509", "-inform", "DER", "-in", certFile, "-pubkey", "-noout", "-out", pubPEM); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if out, err := openssl(t, "pkey", "-pubin", "-in", pubPEM, "-outform", "DER", "-out", derFile); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	der, err := os.ReadFile(derFile)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(der)
	if got, want := SPKIHash(cert.PublicKey), hex.EncodeToString(sum[:]); got != want {
		t.Errorf("SPKIHash %s, OpenSSL's SPKI hashes to %s", got, want)
	}
}

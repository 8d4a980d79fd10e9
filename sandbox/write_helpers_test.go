package sandbox

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// write sends a JSON request document, as a client of Apple's API does.
func (c *client) write(method, path string, doc any) response {
	c.t.Helper()
	res, err := c.tryWrite(method, path, doc)
	if err != nil {
		c.t.Fatal(err)
	}
	return res
}

// tryWrite is write for goroutines other than the test's.
func (c *client) tryWrite(method, path string, doc any) (response, error) {
	b, err := json.Marshal(doc)
	if err != nil {
		return response{}, err
	}
	req, err := http.NewRequest(method, c.url(path), bytes.NewReader(b))
	if err != nil {
		return response{}, err
	}
	req.Header.Set("Authorization", "Bearer "+c.tok)
	req.Header.Set("Content-Type", "application/json")
	return exchange(c.hc, req)
}

// obj is a JSON object literal, to keep request documents readable.
type obj = map[string]any

func link(typ, id string) obj { return obj{"data": obj{"type": typ, "id": id}} }

func links(typ string, ids ...string) obj {
	data := []obj{}
	for _, id := range ids {
		data = append(data, obj{"type": typ, "id": id})
	}
	return obj{"data": data}
}

func certRequest(certType, csr string) obj {
	return obj{"data": obj{"type": "certificates", "attributes": obj{"certificateType": certType, "csrContent": csr}}}
}

func profileRequest(name, profileType, bundle string, certs, devices []string) obj {
	rels := obj{"bundleId": link("bundleIds", bundle), "certificates": links("certificates", certs...)}
	if devices != nil {
		rels["devices"] = links("devices", devices...)
	}
	return obj{"data": obj{"type": "profiles", "attributes": obj{"name": name, "profileType": profileType}, "relationships": rels}}
}

func deviceRequest(name, udid, platform string) obj {
	return obj{"data": obj{"type": "devices", "attributes": obj{"name": name, "udid": udid, "platform": platform}}}
}

func bundleRequest(identifier, name, platform string) obj {
	return obj{"data": obj{"type": "bundleIds", "attributes": obj{"identifier": identifier, "name": name, "platform": platform}}}
}

// One RSA 2048 key serves every test CSR: making them is slow under -race.
var (
	rsaOnce sync.Once
	rsaKey  *rsa.PrivateKey
)

func testRSAKey(t testing.TB) *rsa.PrivateKey {
	rsaOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return rsaKey
}

// csrDER makes a CSR as crypto/x509 does, signed by key with alg (0: the
// default for the key).
func csrDER(t testing.TB, key crypto.Signer, alg x509.SignatureAlgorithm) []byte {
	t.Helper()
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: "ignored by Apple", Country: []string{"US"}}, SignatureAlgorithm: alg,
	}, key)
	if err != nil {
		t.Fatalf("making a CSR: %v", err)
	}
	return der
}

func csrPEM(der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
}

// goodCSR is what Apple takes: RSA 2048, SHA-256, version 0, in PEM.
func goodCSR(t testing.TB) string { return csrPEM(csrDER(t, testRSAKey(t), 0)) }

// csrASN1 is a CSR's outer structure, to re-sign an edited request.
type csrASN1 struct {
	TBS asn1.RawValue
	Alg pkix.AlgorithmIdentifier
	Sig asn1.BitString
}

// resignedCSR edits the to-be-signed part of a good CSR, signs it again with
// SHA-256 and returns the PEM: a well-signed request that breaks one rule.
func resignedCSR(t testing.TB, edit func(tbs []byte) []byte) string {
	t.Helper()
	var c csrASN1
	if _, err := asn1.Unmarshal(csrDER(t, testRSAKey(t), 0), &c); err != nil {
		t.Fatal(err)
	}
	tbs := edit(bytes.Clone(c.TBS.FullBytes))
	sum := sha256.Sum256(tbs)
	sig, err := rsa.SignPKCS1v15(rand.Reader, testRSAKey(t), crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	der, err := asn1.Marshal(csrASN1{TBS: asn1.RawValue{FullBytes: tbs}, Alg: c.Alg, Sig: asn1.BitString{Bytes: sig, BitLength: len(sig) * 8}})
	if err != nil {
		t.Fatal(err)
	}
	return csrPEM(der)
}

// versionOneCSR is a good CSR that says version 1 (the INTEGER right after
// the outer SEQUENCE header of the to-be-signed part).
func versionOneCSR(t testing.TB) string {
	return resignedCSR(t, func(tbs []byte) []byte {
		i := bytes.Index(tbs, []byte{0x02, 0x01, 0x00})
		if i < 0 || i > 5 {
			t.Fatalf("no version 0 at the start of the CSR: % x", tbs[:8])
		}
		tbs[i+2] = 1
		return tbs
	})
}

// badSignatureCSR is a good CSR with one bit of its signature flipped.
func badSignatureCSR(t testing.TB) string {
	var c csrASN1
	if _, err := asn1.Unmarshal(csrDER(t, testRSAKey(t), 0), &c); err != nil {
		t.Fatal(err)
	}
	c.Sig.Bytes[10] ^= 1
	der, err := asn1.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return csrPEM(der)
}

func ecCSR(t testing.TB) string {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return csrPEM(csrDER(t, k, 0))
}

func b64(der []byte) string { return base64.StdEncoding.EncodeToString(der) }

// apiErr is the first error of an answer, or fails the test.
func (r response) apiErr(t *testing.T) (status, code, title, detail, pointer string) {
	t.Helper()
	d := r.doc(t)
	if len(d.Errors) == 0 {
		t.Fatalf("%d without errors: %.300s", r.status, r.body)
	}
	e := d.Errors[0]
	return e.Status, e.Code, e.Title, e.Detail, e.Source["pointer"]
}

// wantError checks an answer's status and code, and that its detail starts
// with detail (Apple's sentence; some carry advice after it).
func wantError(t *testing.T, what string, r response, status int, code, detail string) {
	t.Helper()
	if r.status != status {
		t.Errorf("%s: status %d, want %d: %.400s", what, r.status, status, r.body)
		return
	}
	_, gotCode, _, gotDetail, _ := r.apiErr(t)
	if gotCode != code || !strings.HasPrefix(gotDetail, detail) {
		t.Errorf("%s: %s %q, want %s %q", what, gotCode, gotDetail, code, detail)
	}
}

package provision_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/smallstep/pkcs7"
	"howett.net/plist"
)

var (
	signerOnce sync.Once
	signerCert *x509.Certificate
	signerKey  *ecdsa.PrivateKey
)

// signed wraps content in CMS signed data, as a profile is, with a
// throwaway self-signed certificate.
func signed(t testing.TB, content []byte) []byte {
	t.Helper()
	signerOnce.Do(func() {
		signerKey, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "test signer"},
			NotBefore: time.Now().AddDate(-1, 0, 0), NotAfter: time.Now().AddDate(1, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature}
		der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &signerKey.PublicKey, signerKey)
		signerCert, _ = x509.ParseCertificate(der)
	})
	sd, err := pkcs7.NewSignedData(content)
	if err != nil {
		t.Fatal(err)
	}
	sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
	if err := sd.AddSigner(signerCert, signerKey, pkcs7.SignerInfoConfig{}); err != nil {
		t.Fatal(err)
	}
	out, err := sd.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// plistWith is a minimal profile property list.
func plistWith(uuid, name string) []byte {
	return profilePlist(uuid, name, "TEAM123456", time.Now().AddDate(0, 0, -1), time.Now().AddDate(1, 0, 0))
}

func profilePlist(uuid, name, team string, created, expires time.Time) []byte {
	b, err := plist.MarshalIndent(map[string]any{
		"UUID": uuid, "Name": name, "TeamIdentifier": []string{team}, "Platform": []string{"iOS"},
		"CreationDate": created.UTC().Truncate(time.Second), "ExpirationDate": expires.UTC().Truncate(time.Second),
		"Entitlements": map[string]any{"application-identifier": team + ".com.example.app"},
	}, plist.XMLFormat, "\t")
	if err != nil {
		panic(err)
	}
	return b
}

package provision_test

import (
	"crypto/x509"
	"sync"
	"testing"
	"time"

	"github.com/smallstep/pkcs7"
	"howett.net/plist"

	"github.com/asckeys/asckeys/core/identity/identitytest"
)

var (
	signerOnce sync.Once
	signerCert *x509.Certificate
)

// signed wraps content in CMS signed data, as a profile is, signed by a
// self-signed certificate of no one in particular.
func signed(t testing.TB, content []byte) []byte {
	t.Helper()
	key := identitytest.Key(0)
	signerOnce.Do(func() { signerCert = identitytest.Cert(t, key, "test signer", nil, nil) })
	sd, err := pkcs7.NewSignedData(content)
	if err != nil {
		t.Fatal(err)
	}
	sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
	if err := sd.AddSigner(signerCert, key, pkcs7.SignerInfoConfig{}); err != nil {
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

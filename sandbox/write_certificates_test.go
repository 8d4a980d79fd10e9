package sandbox

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asckeys/asckeys/core"
)

// emptyTeam is a sandbox without certificates, so that limits start at zero.
var emptyTeam = Config{Seed: 30, Certificates: -1}

func TestCreateCertificateIssuesOverTheCSRsKey(t *testing.T) {
	srv, c := teamClient(t, emptyTeam)
	ca, err := srv.CA()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ certType, csr, cn string }{
		{"DISTRIBUTION", goodCSR(t), "Apple Distribution: Example Corp (A1B2C3D4E5)"},
		{"IOS_DISTRIBUTION", goodCSR(t), "iPhone Distribution: Example Corp (A1B2C3D4E5)"},
		// csrContent may also be the base64 of the DER.
		{"DEVELOPMENT", b64(csrDER(t, testRSAKey(t), 0)), "Apple Development: Created via API (A1B2C3D4E5)"},
	} {
		before := time.Now().Add(-time.Second)
		res := c.write(http.MethodPost, "/v1/certificates", certRequest(tc.certType, tc.csr))
		if res.status != http.StatusCreated {
			t.Fatalf("%s: %d %s", tc.certType, res.status, res.body)
		}
		r := res.doc(t).one(t)
		der, err := base64.StdEncoding.DecodeString(r.str("certificateContent"))
		if err != nil {
			t.Fatalf("%s: certificateContent: %v", tc.certType, err)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatalf("%s: not a certificate: %v", tc.certType, err)
		}
		if !testRSAKey(t).PublicKey.Equal(cert.PublicKey) {
			t.Errorf("%s: the certificate does not hold the CSR's public key", tc.certType)
		}
		if err := cert.CheckSignatureFrom(ca); err != nil {
			t.Errorf("%s: not issued by the sandbox CA: %v", tc.certType, err)
		}
		if cert.Subject.CommonName != tc.cn || !slices.Equal(cert.Subject.OrganizationalUnit, []string{defaultTeamID}) {
			t.Errorf("%s: subject %q, want %q", tc.certType, cert.Subject, tc.cn)
		}
		if got := strings.ToUpper(cert.SerialNumber.Text(16)); got != r.str("serialNumber") || r.str("certificateType") != tc.certType {
			t.Errorf("%s: serial %s, listed %s, type %s", tc.certType, got, r.str("serialNumber"), r.str("certificateType"))
		}
		if cert.NotBefore.Before(before) || cert.NotAfter.Sub(cert.NotBefore) != 365*day {
			t.Errorf("%s: valid %v to %v, want a year from now", tc.certType, cert.NotBefore, cert.NotAfter)
		}
		if exp, _ := time.Parse("2006-01-02T15:04:05.000-0700", r.str("expirationDate")); !exp.Equal(cert.NotAfter) {
			t.Errorf("%s: expirationDate %s, certificate %v", tc.certType, r.str("expirationDate"), cert.NotAfter)
		}
		kept, err := srv.Certificate(r.ID)
		if err != nil || !bytes.Equal(kept.DER, der) {
			t.Errorf("%s: Certificate(%s) = %v, other bytes than the answer", tc.certType, r.ID, err)
		}
		if got := c.get("/v1/certificates/" + r.ID + "?fields[certificates]=certificateContent").doc(t).one(t).str("certificateContent"); got != r.str("certificateContent") {
			t.Errorf("%s: GET serves other content than the POST answered", tc.certType)
		}
	}
	if n := len(c.get("/v1/certificates").doc(t).list(t)); n != 3 {
		t.Errorf("list has %d certificates, want the 3 created", n)
	}
}

func TestCreateCertificateRefusesWhatAppleRefuses(t *testing.T) {
	srv, c := teamClient(t, emptyTeam)
	rsa4096, err := rsa.GenerateKey(rand.Reader, 4096)
	if err != nil {
		t.Fatal(err)
	}
	const invalid = "ENTITY_ERROR.ATTRIBUTE.INVALID"
	for _, tc := range []struct{ what, csr, detail string }{
		{"EC P-256", ecCSR(t), "CSR algorithm/size incorrect. Expected: RSA(2048)"},
		{"RSA 4096", csrPEM(csrDER(t, rsa4096, 0)), "CSR algorithm/size incorrect. Expected: RSA(2048)"},
		{"SHA-1", csrPEM(csrDER(t, testRSAKey(t), x509.SHA1WithRSA)), "The certificate request is invalid"},
		{"SHA-512", csrPEM(csrDER(t, testRSAKey(t), x509.SHA512WithRSA)), "The certificate request is invalid"},
		{"version 1", versionOneCSR(t), "The certificate request is invalid"},
		{"bad signature", badSignatureCSR(t), "The certificate request is invalid"},
		{"not a CSR", "hello", "The certificate request is invalid"},
		{"a certificate", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "The certificate request is invalid"},
	} {
		res := c.write(http.MethodPost, "/v1/certificates", certRequest("DISTRIBUTION", tc.csr))
		wantError(t, tc.what, res, http.StatusConflict, invalid, tc.detail)
		if _, _, _, _, ptr := res.apiErr(t); ptr != "/data/attributes/csrContent" {
			t.Errorf("%s: pointer %q", tc.what, ptr)
		}
	}
	if resignedCSR(t, func(b []byte) []byte { return b }) == "" || c.write(http.MethodPost, "/v1/certificates",
		certRequest("DISTRIBUTION", resignedCSR(t, func(b []byte) []byte { return b }))).status != http.StatusCreated {
		t.Error("the re-signing helper itself makes CSRs Apple refuses: the version and signature cases prove nothing")
	}

	for _, ct := range []string{"DEVELOPER_ID_APPLICATION", "DEVELOPER_ID_APPLICATION_G2", "DEVELOPER_ID_KEXT", "DEVELOPER_ID_INSTALLER"} {
		wantError(t, ct, c.write(http.MethodPost, "/v1/certificates", certRequest(ct, goodCSR(t))),
			http.StatusForbidden, "FORBIDDEN_ERROR", "This operation can only be performed by the Account Holder")
	}
	wantError(t, "an unknown type", c.write(http.MethodPost, "/v1/certificates", certRequest("APNS_PRODUCTION", goodCSR(t))),
		http.StatusConflict, invalid, "'APNS_PRODUCTION' is not a valid value for the attribute 'certificateType'")
	wantError(t, "a pass certificate without its pass type", c.write(http.MethodPost, "/v1/certificates", certRequest("PASS_TYPE_ID", goodCSR(t))),
		http.StatusConflict, "ENTITY_ERROR.RELATIONSHIP.REQUIRED", "The relationship 'passTypeId' is required")
	wantError(t, "no csrContent", c.write(http.MethodPost, "/v1/certificates",
		obj{"data": obj{"type": "certificates", "attributes": obj{"certificateType": "DEVELOPMENT"}}}),
		http.StatusConflict, "ENTITY_ERROR.ATTRIBUTE.REQUIRED", "You must provide a value for the attribute 'csrContent' with this request")
	if res := c.write(http.MethodPost, "/v1/certificates", "not a document"); res.status != http.StatusUnprocessableEntity {
		t.Errorf("a string as the body: %d", res.status)
	}

	dev := newClient(t, srv, srv.NewKey(core.KindTeam, RoleDeveloper))
	wantError(t, "a Developer key making a distribution certificate", dev.write(http.MethodPost, "/v1/certificates", certRequest("DISTRIBUTION", goodCSR(t))),
		http.StatusForbidden, "FORBIDDEN_ERROR", "You are not allowed to perform this operation")
	if res := dev.write(http.MethodPost, "/v1/certificates", certRequest("DEVELOPMENT", goodCSR(t))); res.status != http.StatusCreated {
		t.Errorf("a Developer key making a development certificate: %d %s", res.status, res.body)
	}
	ind := newClient(t, srv, srv.NewKey(core.KindIndividual, RoleAdmin))
	if res := ind.write(http.MethodPost, "/v1/certificates", certRequest("DEVELOPMENT", goodCSR(t))); res.status != http.StatusForbidden {
		t.Errorf("an individual key: %d", res.status)
	}
	if n := len(srv.CertificateIDs()); n != 2 {
		t.Errorf("%d certificates after the refusals, want the 2 made", n)
	}
}

// TestCertificateLimitsCountRevokedOnes: 3 distribution certificates per
// team, 2 on the Enterprise listener, 2 development per type; a revoked one
// still counts until it expires.
func TestCertificateLimitsCountRevokedOnes(t *testing.T) {
	srv, c := teamClient(t, emptyTeam)
	create := func(c *client, ct string) response {
		t.Helper()
		return c.write(http.MethodPost, "/v1/certificates", certRequest(ct, goodCSR(t)))
	}
	var first string
	for i := range 3 {
		res := create(c, "DISTRIBUTION")
		if res.status != http.StatusCreated {
			t.Fatalf("distribution certificate %d: %d %s", i+1, res.status, res.body)
		}
		if i == 0 {
			first = res.doc(t).one(t).ID
		}
	}
	full := create(c, "DISTRIBUTION")
	wantError(t, "a fourth distribution certificate", full, http.StatusConflict, "ENTITY_ERROR",
		"You already have a current Distribution certificate or a pending certificate request.")
	if _, _, title, detail, _ := full.apiErr(t); title+" - "+detail != "There is a problem with the request entity - You already have a current Distribution certificate or a pending certificate request." {
		t.Errorf("title and detail read %q", title+" - "+detail)
	}
	if res := c.do(http.MethodDelete, "/v1/certificates/"+first); res.status != http.StatusNoContent {
		t.Fatalf("revoking: %d", res.status)
	}
	if !slices.Equal(srv.RevokedCertificateIDs(), []string{first}) {
		t.Errorf("RevokedCertificateIDs = %v", srv.RevokedCertificateIDs())
	}
	if info, err := srv.Certificate(first); err != nil || info.DER == nil {
		t.Errorf("a revoked certificate's DER: %v", err)
	}
	if res := create(c, "DISTRIBUTION"); res.status != http.StatusConflict {
		t.Errorf("after revoking one, the revoked one should still count: %d", res.status)
	}
	for i := range 2 {
		if res := create(c, "IOS_DEVELOPMENT"); res.status != http.StatusCreated {
			t.Fatalf("development certificate %d: %d %s", i+1, res.status, res.body)
		}
	}
	wantError(t, "a third iOS development certificate", create(c, "IOS_DEVELOPMENT"), http.StatusConflict, "ENTITY_ERROR",
		"You already have a current iOS Development certificate or a pending certificate request.")
	if res := create(c, "MAC_APP_DEVELOPMENT"); res.status != http.StatusCreated {
		t.Errorf("another platform family's development certificate: %d %s", res.status, res.body)
	}

	ent := newClient(t, srv, srv.NewKey(core.KindEnterprise, RoleAdmin))
	for i := range 2 {
		if res := create(ent, "IOS_DISTRIBUTION"); res.status != http.StatusCreated {
			t.Fatalf("enterprise distribution certificate %d: %d %s", i+1, res.status, res.body)
		}
	}
	wantError(t, "a third enterprise distribution certificate", create(ent, "IOS_DISTRIBUTION"), http.StatusConflict, "ENTITY_ERROR",
		"You already have a current iOS Distribution certificate or a pending certificate request.")
}

// TestExpiredCertificatesDoNotCount: a year and a day later, certificates
// made (and revoked) today have expired and leave room.
func TestExpiredCertificatesDoNotCount(t *testing.T) {
	var later atomic.Bool
	clock := func() time.Time {
		if later.Load() {
			return time.Now().Add(366 * day)
		}
		return time.Now()
	}
	srv, c := teamClient(t, Config{Seed: 31, Certificates: -1, Now: clock})
	for range 3 {
		if res := c.write(http.MethodPost, "/v1/certificates", certRequest("DISTRIBUTION", goodCSR(t))); res.status != http.StatusCreated {
			t.Fatalf("%d %s", res.status, res.body)
		}
	}
	_ = c.do(http.MethodDelete, "/v1/certificates/"+srv.CertificateIDs()[0])
	if res := c.write(http.MethodPost, "/v1/certificates", certRequest("DISTRIBUTION", goodCSR(t))); res.status != http.StatusConflict {
		t.Fatalf("at the limit: %d", res.status)
	}
	later.Store(true)
	c.tok = token(t, c.key, clock(), nil)
	if res := c.write(http.MethodPost, "/v1/certificates", certRequest("DISTRIBUTION", goodCSR(t))); res.status != http.StatusCreated {
		t.Errorf("a year and a day later: %d %s", res.status, res.body)
	}
}

// TestPassTypeCertificates: a pass type certificate is issued to the pass
// type ID named in its relationship.
func TestPassTypeCertificates(t *testing.T) {
	srv, c := teamClient(t, emptyTeam)
	pass := srv.data.passes.items[0]
	req := certRequest("PASS_TYPE_ID", goodCSR(t))
	req["data"].(obj)["relationships"] = obj{"passTypeId": link("passTypeIds", pass.id)}
	res := c.write(http.MethodPost, "/v1/certificates", req)
	if res.status != http.StatusCreated {
		t.Fatalf("%d %s", res.status, res.body)
	}
	r := res.doc(t).one(t)
	if r.str("name") != "Pass Type ID: "+pass.identifier {
		t.Errorf("name %q", r.str("name"))
	}
	if got := c.get("/v1/certificates/" + r.ID + "?include=passTypeId").doc(t); len(got.Included) != 1 || got.Included[0].ID != pass.id {
		t.Errorf("included %+v", got.Included)
	}
	req["data"].(obj)["relationships"] = obj{"passTypeId": link("passTypeIds", "NOSUCHPASS")}
	wantError(t, "an unknown pass type ID", c.write(http.MethodPost, "/v1/certificates", req), http.StatusConflict,
		"ENTITY_ERROR.RELATIONSHIP.INVALID", "There is no Pass Type ID with ID 'NOSUCHPASS' on this team")
	wantError(t, "Apple Pay without a merchant ID", c.write(http.MethodPost, "/v1/certificates", certRequest("APPLE_PAY", goodCSR(t))),
		http.StatusConflict, "ENTITY_ERROR.RELATIONSHIP.REQUIRED", "The relationship 'merchantId' is required")
}

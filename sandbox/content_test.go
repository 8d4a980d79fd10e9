package sandbox

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/smallstep/pkcs7"
	"howett.net/plist"
)

// TestCertificateContentIsARealCertificate downloads one certificate of every
// type and checks what a client checks before writing a .cer: the DER parses
// and its serial is the listed one.
func TestCertificateContentIsARealCertificate(t *testing.T) {
	srv, c := teamClient(t, Config{Seed: 11})
	ca, err := srv.CA()
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	done := map[string]bool{}
	for _, info := range srv.Certificates() {
		if done[info.CertificateType] {
			continue
		}
		done[info.CertificateType] = true
		r := c.get("/v1/certificates/" + info.ID + "?fields[certificates]=certificateContent,serialNumber,name,expirationDate").doc(t).one(t)
		der, err := base64.StdEncoding.DecodeString(r.str("certificateContent"))
		if err != nil {
			t.Fatalf("%s: content is not base64: %v", info.CertificateType, err)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatalf("%s: content is not a certificate: %v", info.CertificateType, err)
		}
		if got := strings.ToUpper(cert.SerialNumber.Text(16)); got != r.str("serialNumber") {
			t.Errorf("%s: serial %s, listed %s", info.CertificateType, got, r.str("serialNumber"))
		}
		kept, err := srv.Certificate(info.ID)
		if err != nil || !bytes.Equal(kept.DER, der) {
			t.Errorf("%s: downloaded bytes differ from the sandbox's (%v)", info.CertificateType, err)
		}
		label, _, _ := strings.Cut(r.str("name"), ":")
		if cn := cert.Subject.CommonName; !strings.Contains(cn, ": "+info.DisplayName) || (info.CertificateType == "DEVELOPMENT" && !strings.HasPrefix(cn, label)) {
			t.Errorf("%s: subject CN %q does not match name %q", info.CertificateType, cn, r.str("name"))
		}
		if !slices.Equal(cert.Subject.OrganizationalUnit, []string{defaultTeamID}) || cert.Issuer.CommonName != caSubject.CommonName {
			t.Errorf("%s: subject %v, issuer %v", info.CertificateType, cert.Subject, cert.Issuer)
		}
		if !cert.NotAfter.Equal(info.ExpirationDate.Truncate(time.Second)) {
			t.Errorf("%s: NotAfter %v, listed %v", info.CertificateType, cert.NotAfter, info.ExpirationDate)
		}
		_, err = cert.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: cert.NotBefore.Add(time.Hour), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
		if err != nil {
			t.Errorf("%s: does not chain to the sandbox CA: %v", info.CertificateType, err)
		}
	}
	if len(done) != len(certificateTypes) {
		t.Errorf("checked %d certificate types, want %d", len(done), len(certificateTypes))
	}
	dev, _ := srv.Certificate(srv.Certificates()[0].ID)
	if c, _ := x509.ParseCertificate(dev.DER); !strings.HasPrefix(c.Subject.CommonName, "Apple Development: ") || !strings.HasSuffix(c.Subject.CommonName, ")") {
		t.Errorf("first certificate's CN = %q, want Apple Development: Name (ID)", c.Subject.CommonName)
	}
}

// TestProfileContentIsASignedProfile downloads profiles and checks them the
// way Xcode's tools read them: CMS SignedData holding a plist whose UUID,
// certificates and devices are the listed ones.
func TestProfileContentIsASignedProfile(t *testing.T) {
	srv, c := teamClient(t, Config{Seed: 12})
	ca, _ := srv.CA()
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	done := map[string]bool{}
	for _, info := range srv.Profiles() {
		if done[info.ProfileType] {
			continue
		}
		done[info.ProfileType] = true
		r := c.get("/v1/profiles/" + info.ID + "?fields[profiles]=profileContent,uuid,name").doc(t).one(t)
		blob, err := base64.StdEncoding.DecodeString(r.str("profileContent"))
		if err != nil {
			t.Fatalf("%s: content is not base64: %v", info.ProfileType, err)
		}
		p7, err := pkcs7.Parse(blob)
		if err != nil {
			t.Fatalf("%s: content is not CMS: %v", info.ProfileType, err)
		}
		if err := p7.VerifyWithChain(roots); err != nil {
			t.Errorf("%s: signature does not verify against the sandbox CA: %v", info.ProfileType, err)
		}
		var pp provisioningProfile
		if _, err := plist.Unmarshal(p7.Content, &pp); err != nil {
			t.Fatalf("%s: signed content is not a plist: %v", info.ProfileType, err)
		}
		if pp.UUID != r.str("uuid") || pp.Name != r.str("name") || pp.Version != 1 || !slices.Equal(pp.TeamIdentifier, []string{defaultTeamID}) {
			t.Errorf("%s: plist UUID %s name %q version %d team %v; listed %s %q", info.ProfileType, pp.UUID, pp.Name, pp.Version, pp.TeamIdentifier, r.str("uuid"), r.str("name"))
		}
		if !pp.ExpirationDate.Equal(info.ExpirationDate.Truncate(time.Second)) {
			t.Errorf("%s: ExpirationDate %v, listed %v", info.ProfileType, pp.ExpirationDate, info.ExpirationDate)
		}
		if len(pp.DeveloperCertificates) != len(info.CertificateIDs) {
			t.Fatalf("%s: %d DeveloperCertificates for %d certificates", info.ProfileType, len(pp.DeveloperCertificates), len(info.CertificateIDs))
		}
		for i, id := range info.CertificateIDs {
			kept, _ := srv.Certificate(id)
			if !bytes.Equal(pp.DeveloperCertificates[i], kept.DER) {
				t.Errorf("%s: DeveloperCertificates[%d] is not certificate %s", info.ProfileType, i, id)
			}
		}
		var udids []string
		for _, d := range srv.Devices() {
			if slices.Contains(info.DeviceIDs, d.ID) {
				udids = append(udids, d.UDID)
			}
		}
		if !slices.Equal(pp.ProvisionedDevices, udids) {
			t.Errorf("%s: ProvisionedDevices %d, want %d", info.ProfileType, len(pp.ProvisionedDevices), len(udids))
		}
		appID := pp.Entitlements["application-identifier"]
		if strings.HasPrefix(info.ProfileType, "MAC_") {
			appID = pp.Entitlements["com.apple.application-identifier"]
		}
		if appID != defaultTeamID+"."+info.BundleIdentifier || pp.Entitlements["com.apple.developer.team-identifier"] != defaultTeamID {
			t.Errorf("%s: entitlements %v", info.ProfileType, pp.Entitlements)
		}
		kept, _ := srv.Profile(info.ID)
		if !bytes.Equal(kept.Content, blob) {
			t.Errorf("%s: downloaded bytes differ from the sandbox's", info.ProfileType)
		}
	}
	if len(done) != len(profileTypes) {
		t.Errorf("checked %d profile types, want %d", len(done), len(profileTypes))
	}
}

package sandbox

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/smallstep/pkcs7"
	"howett.net/plist"

	"github.com/asckeys/asckeys/core"
)

// provisioningTeam is an empty team with what profiles need, made through
// the API: a bundle ID, two certificates and two devices.
type provisioningTeam struct {
	srv                  *Server
	c                    *client
	bundle, dev, dist    string
	iphone, mac, stopped string
}

func newProvisioningTeam(t *testing.T) *provisioningTeam {
	t.Helper()
	srv, c := teamClient(t, Config{Seed: 60, Certificates: -1, Profiles: -1, BundleIDs: -1, Devices: -1, Apps: -1})
	id := func(res response) string {
		t.Helper()
		if res.status != http.StatusCreated {
			t.Fatalf("setting up: %d %s", res.status, res.body)
		}
		return res.doc(t).one(t).ID
	}
	pt := &provisioningTeam{srv: srv, c: c,
		bundle: id(c.write(http.MethodPost, "/v1/bundleIds", bundleRequest("com.example.made", "Made", "UNIVERSAL"))),
		dev:    id(c.write(http.MethodPost, "/v1/certificates", certRequest("DEVELOPMENT", goodCSR(t)))),
		dist:   id(c.write(http.MethodPost, "/v1/certificates", certRequest("DISTRIBUTION", goodCSR(t)))),
		iphone: id(c.write(http.MethodPost, "/v1/devices", deviceRequest("iPhone", "00008030-001A35E11A88003A", "IOS"))),
		mac:    id(c.write(http.MethodPost, "/v1/devices", deviceRequest("Mac", "00008103-000A1B2C3D4E5F60", "MAC_OS"))),
	}
	pt.stopped = id(c.write(http.MethodPost, "/v1/devices", deviceRequest("Old iPhone", "0123456789abcdef0123456789abcdef01234567", "IOS")))
	if res := c.write(http.MethodPatch, "/v1/devices/"+pt.stopped, obj{"data": obj{"type": "devices", "id": pt.stopped, "attributes": obj{"status": "DISABLED"}}}); res.status != http.StatusOK {
		t.Fatalf("disabling: %d %s", res.status, res.body)
	}
	return pt
}

func TestCreateProfileMakesASignedProfile(t *testing.T) {
	pt := newProvisioningTeam(t)
	srv, c := pt.srv, pt.c
	res := c.write(http.MethodPost, "/v1/profiles", profileRequest("Made Development", "IOS_APP_DEVELOPMENT", pt.bundle, []string{pt.dev}, []string{pt.iphone}))
	if res.status != http.StatusCreated {
		t.Fatalf("%d %s", res.status, res.body)
	}
	r := res.doc(t).one(t)
	if r.str("name") != "Made Development" || r.str("profileType") != "IOS_APP_DEVELOPMENT" || r.str("profileState") != "ACTIVE" || r.str("platform") != "IOS" {
		t.Errorf("answered %v", r.Attributes)
	}
	blob, err := base64.StdEncoding.DecodeString(r.str("profileContent"))
	if err != nil {
		t.Fatalf("profileContent: %v", err)
	}
	p7, err := pkcs7.Parse(blob)
	if err != nil {
		t.Fatalf("not CMS: %v", err)
	}
	ca, _ := srv.CA()
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	if err := p7.VerifyWithChain(roots); err != nil {
		t.Errorf("signature: %v", err)
	}
	var pp provisioningProfile
	if _, err := plist.Unmarshal(p7.Content, &pp); err != nil {
		t.Fatal(err)
	}
	cert, _ := srv.Certificate(pt.dev)
	if pp.UUID != r.str("uuid") || pp.Name != "Made Development" || len(pp.DeveloperCertificates) != 1 || !bytes.Equal(pp.DeveloperCertificates[0], cert.DER) ||
		!slices.Equal(pp.ProvisionedDevices, []string{"00008030-001A35E11A88003A"}) || pp.Entitlements["application-identifier"] != defaultTeamID+".com.example.made" {
		t.Errorf("plist: UUID %s (listed %s), name %q, %d certificates, devices %v, entitlements %v",
			pp.UUID, r.str("uuid"), pp.Name, len(pp.DeveloperCertificates), pp.ProvisionedDevices, pp.Entitlements)
	}
	// A year from now, or with its certificate, whichever comes first: here
	// the certificate, made a moment earlier.
	if !pp.ExpirationDate.Equal(cert.ExpirationDate) || pp.ExpirationDate.After(time.Now().Add(365*day)) {
		t.Errorf("ExpirationDate %v, certificate's %v", pp.ExpirationDate, cert.ExpirationDate)
	}
	kept, err := srv.Profile(r.ID)
	if err != nil || !bytes.Equal(kept.Content, blob) || kept.BundleID != pt.bundle || !slices.Equal(kept.CertificateIDs, []string{pt.dev}) {
		t.Errorf("Profile(%s): bundle %s, certificates %v, %d bytes of content, %v", r.ID, kept.BundleID, kept.CertificateIDs, len(kept.Content), err)
	}
	if b := c.get("/v1/bundleIds/" + pt.bundle + "/profiles").doc(t).list(t); len(b) != 1 || b[0].ID != r.ID {
		t.Errorf("the bundle ID does not link the new profile")
	}

	// Regenerating: delete, then create with the same name; the new profile
	// has a new UUID.
	if res := c.do(http.MethodDelete, "/v1/profiles/"+r.ID); res.status != http.StatusNoContent {
		t.Fatalf("DELETE: %d", res.status)
	}
	again := c.write(http.MethodPost, "/v1/profiles", profileRequest("Made Development", "IOS_APP_DEVELOPMENT", pt.bundle, []string{pt.dev}, []string{pt.iphone}))
	if again.status != http.StatusCreated || again.doc(t).one(t).str("uuid") == r.str("uuid") {
		t.Errorf("create after delete: %d, same UUID: %s", again.status, again.body)
	}

	// Revoking its certificate turns it INVALID.
	store := c.write(http.MethodPost, "/v1/profiles", profileRequest("Made Store", "IOS_APP_STORE", pt.bundle, []string{pt.dist}, nil))
	if store.status != http.StatusCreated {
		t.Fatalf("App Store profile: %d %s", store.status, store.body)
	}
	if len(c.get("/v1/profiles/"+store.doc(t).one(t).ID+"?include=devices").doc(t).Included) != 0 {
		t.Error("an App Store profile with devices")
	}
	_ = c.do(http.MethodDelete, "/v1/certificates/"+pt.dist)
	if got := c.get("/v1/profiles/" + store.doc(t).one(t).ID).doc(t).one(t).str("profileState"); got != "INVALID" {
		t.Errorf("after revoking its certificate: %s", got)
	}
}

func TestCreateProfileRefusals(t *testing.T) {
	pt := newProvisioningTeam(t)
	c := pt.c
	if res := c.write(http.MethodPost, "/v1/profiles", profileRequest("Taken", "IOS_APP_ADHOC", pt.bundle, []string{pt.dist}, []string{pt.iphone})); res.status != http.StatusCreated {
		t.Fatalf("%d %s", res.status, res.body)
	}
	const rel = "ENTITY_ERROR.RELATIONSHIP.INVALID"
	for _, tc := range []struct {
		what                      string
		name, typ, bundle         string
		certs, devices            []string
		status                    int
		code, detail, wantPointer string
	}{
		{"development without devices", "A", "IOS_APP_DEVELOPMENT", pt.bundle, []string{pt.dev}, nil, 409,
			"ENTITY_ERROR.RELATIONSHIP.REQUIRED", "The relationship 'devices' is required", "/data/relationships/devices"},
		{"ad hoc with an empty device list", "A", "IOS_APP_ADHOC", pt.bundle, []string{pt.dist}, []string{}, 409,
			"ENTITY_ERROR.RELATIONSHIP.REQUIRED", "The relationship 'devices' is required", "/data/relationships/devices"},
		{"App Store with devices", "A", "IOS_APP_STORE", pt.bundle, []string{pt.dist}, []string{pt.iphone}, 409,
			"ENTITY_ERROR.RELATIONSHIP.NOT_ALLOWED", "No devices can be associated to Provisioning Profiles for the App Store.", "/data/relationships/devices"},
		{"Mac App Store with devices", "A", "MAC_APP_STORE", pt.bundle, []string{pt.dist}, []string{pt.mac}, 409,
			"ENTITY_ERROR.RELATIONSHIP.NOT_ALLOWED", "No devices can be associated to Provisioning Profiles for the App Store.", "/data/relationships/devices"},
		{"an unknown bundle ID", "A", "IOS_APP_STORE", "NOSUCHAPPID", []string{pt.dist}, nil, 409,
			"ENTITY_ERROR", "There is no App ID with ID 'NOSUCHAPPID' on this team.", "/data/relationships/bundleId"},
		{"a name already used", "Taken", "IOS_APP_STORE", pt.bundle, []string{pt.dist}, nil, 409,
			"ENTITY_ERROR.ATTRIBUTE.INVALID", "Multiple profiles found with the name 'Taken'.  Please remove the duplicate profiles and try again.", "/data/attributes/name"},
		{"a development certificate in an App Store profile", "A", "IOS_APP_STORE", pt.bundle, []string{pt.dev}, nil, 409,
			rel, "The certificate '" + pt.dev + "' is of type DEVELOPMENT, which IOS_APP_STORE profiles cannot use", "/data/relationships/certificates/data/0"},
		{"a distribution certificate in a Developer ID profile", "A", "MAC_APP_DIRECT", pt.bundle, []string{pt.dist}, nil, 409,
			rel, "The certificate '" + pt.dist + "' is of type DISTRIBUTION, which MAC_APP_DIRECT profiles cannot use", "/data/relationships/certificates/data/0"},
		{"an unknown certificate", "A", "IOS_APP_STORE", pt.bundle, []string{"NOSUCHCERT"}, nil, 409,
			rel, "There is no certificate with ID 'NOSUCHCERT' on this team.", "/data/relationships/certificates/data/0"},
		{"no certificate", "A", "IOS_APP_STORE", pt.bundle, []string{}, nil, 409,
			"ENTITY_ERROR.RELATIONSHIP.REQUIRED", "The relationship 'certificates' is required", "/data/relationships/certificates"},
		{"a disabled device", "A", "IOS_APP_DEVELOPMENT", pt.bundle, []string{pt.dev}, []string{pt.iphone, pt.stopped}, 409,
			rel, "The device '" + pt.stopped + "' is disabled", "/data/relationships/devices/data/1"},
		{"an unknown device", "A", "IOS_APP_DEVELOPMENT", pt.bundle, []string{pt.dev}, []string{"NOSUCHDEV"}, 409,
			rel, "There is no device with ID 'NOSUCHDEV' on this team.", "/data/relationships/devices/data/0"},
		{"an unknown profile type", "A", "IOS_APP_BETA", pt.bundle, []string{pt.dev}, nil, 409,
			"ENTITY_ERROR.ATTRIBUTE.INVALID", "'IOS_APP_BETA' is not a valid value for the attribute 'profileType'", "/data/attributes/profileType"},
	} {
		res := c.write(http.MethodPost, "/v1/profiles", profileRequest(tc.name, tc.typ, tc.bundle, tc.certs, tc.devices))
		wantError(t, tc.what, res, tc.status, tc.code, tc.detail)
		if res.status == tc.status {
			if _, _, _, _, ptr := res.apiErr(t); ptr != tc.wantPointer {
				t.Errorf("%s: pointer %q, want %q", tc.what, ptr, tc.wantPointer)
			}
		}
	}
	dev := newClient(t, pt.srv, pt.srv.NewKey(core.KindTeam, RoleDeveloper))
	wantError(t, "a Developer key making an App Store profile",
		dev.write(http.MethodPost, "/v1/profiles", profileRequest("B", "IOS_APP_STORE", pt.bundle, []string{pt.dist}, nil)),
		http.StatusForbidden, "FORBIDDEN_ERROR", "You are not allowed to perform this operation")
	if res := dev.write(http.MethodPost, "/v1/profiles", profileRequest("B", "MAC_APP_DEVELOPMENT", pt.bundle, []string{pt.dev}, []string{pt.mac})); res.status != http.StatusCreated {
		t.Errorf("a Developer key making a development profile: %d %s", res.status, res.body)
	}
	if n := len(pt.srv.ProfileIDs()); n != 2 {
		t.Errorf("%d profiles after the refusals, want 2", n)
	}
	// Deleting the App ID would delete its ad hoc profile with it.
	wantError(t, "a Developer key deleting an App ID with a distribution profile", dev.do(http.MethodDelete, "/v1/bundleIds/"+pt.bundle),
		http.StatusForbidden, "FORBIDDEN_ERROR", "You are not allowed to perform this operation")
}

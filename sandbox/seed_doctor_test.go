package sandbox

import (
	"strings"
	"testing"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox/apispec"
)

// The Doctor seed is what its comment promises (three bundle IDs, the
// certificates and profiles that make every problem), and what it serves
// matches Apple's spec, profile content included.
func TestDoctorSeed(t *testing.T) {
	srv := StartTest(t, Config{Seed: 17, Doctor: true, Spec: apispec.New(specPath(t))})
	var bundles []string
	for _, b := range srv.BundleIDs() {
		bundles = append(bundles, b.Identifier+" "+b.Platform)
	}
	if got := strings.Join(bundles, ", "); got != "com.example.doctor.notes IOS, com.example.doctor.maps IOS, com.example.doctor.desk MAC_OS" {
		t.Errorf("bundle IDs: %s", got)
	}
	certs := srv.Certificates()
	if len(certs) != 2 || certs[0].CertificateType != "IOS_DEVELOPMENT" || !certs[0].ExpirationDate.After(srv.cfg.Now()) ||
		certs[1].CertificateType != "IOS_DISTRIBUTION" || certs[1].ExpirationDate.After(srv.cfg.Now()) {
		t.Errorf("certificates: %+v", certs)
	}
	states := map[string]string{}
	for _, p := range srv.Profiles() {
		states[p.Name] = p.ProfileState
		full, err := srv.Profile(p.ID)
		if err != nil || len(full.Content) == 0 {
			t.Errorf("%s has no content: %v", p.Name, err)
		}
	}
	if len(states) != 4 || states["Notes Development"] != "INVALID" || states["Maps Development"] != "ACTIVE" {
		t.Errorf("profiles: %v", states)
	}
	c := newClient(t, srv, srv.NewKey(core.KindTeam, RoleAdmin))
	for _, p := range []string{"/v1/certificates", "/v1/profiles?include=bundleId,certificates,devices", "/v1/bundleIds", "/v1/devices",
		"/v1/profiles/" + srv.ProfileIDs()[0] + "?fields[profiles]=profileContent,uuid"} {
		if res := c.get(p); res.status != 200 {
			t.Errorf("%s: %d", p, res.status)
		}
	}
	if v := srv.SpecViolations(); len(v) != 0 {
		t.Errorf("%d violations:\n%s", len(v), strings.Join(v, "\n"))
	}
}

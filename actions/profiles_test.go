package actions

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox"
)

// seeded picks from the sandbox a bundle ID, a certificate of each kind that
// fits development and store profiles, and a profile.
type seeded struct {
	bundle            sandbox.BundleIDInfo
	devCert, distCert sandbox.CertInfo
	profile           sandbox.ProfileInfo
}

func pickSeed(t *testing.T, srv *sandbox.Server) seeded {
	t.Helper()
	var s seeded
	s.bundle = srv.BundleIDs()[0]
	now := time.Now()
	for _, c := range srv.Certificates() {
		if c.ExpirationDate.Before(now) {
			continue
		}
		switch c.CertificateType {
		case "IOS_DEVELOPMENT":
			s.devCert = c
		case "IOS_DISTRIBUTION":
			s.distCert = c
		}
	}
	s.profile = srv.Profiles()[0]
	if s.devCert.ID == "" || s.distCert.ID == "" {
		t.Fatal("the seed lacks valid iOS development or distribution certificates")
	}
	return s
}

func TestPlanProfileRefusesBeforeAnyPOST(t *testing.T) {
	l, srv := testLists(t, sandbox.Config{Seed: 5})
	s := pickSeed(t, srv)
	dev := srv.DeviceIDs()[0]
	cases := []struct {
		name string
		np   NewProfile
		want string
	}{
		{"devices for a store type", NewProfile{Name: "n1", Type: "IOS_APP_STORE", BundleID: s.bundle.Identifier, DeviceIDs: []string{dev}}, "cannot list devices"},
		{"all devices for a store type", NewProfile{Name: "n1", Type: "IOS_APP_STORE", BundleID: s.bundle.Identifier, AllDevices: true}, "cannot list devices"},
		{"certificate of another type", NewProfile{Name: "n1", Type: "IOS_APP_STORE", BundleID: s.bundle.Identifier, CertificateIDs: []string{s.devCert.ID}}, "cannot sign"},
		{"unknown certificate", NewProfile{Name: "n1", Type: "IOS_APP_STORE", BundleID: s.bundle.Identifier, CertificateIDs: []string{"NOPE12345"}}, "no certificate with id"},
		{"name taken", NewProfile{Name: s.profile.Name, Type: "IOS_APP_STORE", BundleID: s.bundle.Identifier}, "already exists"},
		{"unknown bundle ID", NewProfile{Name: "n1", Type: "IOS_APP_STORE", BundleID: "com.example.nothere"}, "no bundle ID"},
		{"unknown bundle ID id", NewProfile{Name: "n1", Type: "IOS_APP_STORE", BundleID: "ZZZZ999999"}, "no bundle ID"},
		{"bad type", NewProfile{Name: "n1", Type: "IOS_APP_NOPE", BundleID: s.bundle.Identifier}, "not a profile type"},
		{"empty name", NewProfile{Name: " ", Type: "IOS_APP_STORE", BundleID: s.bundle.Identifier}, "needs a name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv.ResetStats()
			_, err := PlanProfile(context.Background(), l, tc.np)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			for route, n := range srv.Stats().ByRoute {
				if !strings.HasPrefix(route, "GET ") && n > 0 {
					t.Errorf("%s sent %d times", route, n)
				}
			}
		})
	}
}

func TestPlanProfileNoDeviceForDevelopment(t *testing.T) {
	l, srv := testLists(t, sandbox.Config{Seed: 5, Devices: -1})
	s := pickSeed(t, srv)
	_, err := PlanProfile(context.Background(), l, NewProfile{Name: "n", Type: "IOS_APP_DEVELOPMENT", BundleID: s.bundle.ID})
	if err == nil || !strings.Contains(err.Error(), "at least one device") {
		t.Fatalf("err = %v", err)
	}
}

func TestCreateProfileDefaults(t *testing.T) {
	l, srv := testLists(t, sandbox.Config{Seed: 5})
	s := pickSeed(t, srv)
	// One device disabled: the default leaves it out.
	off := ""
	for _, d := range srv.Devices() {
		if d.Platform == "IOS" && d.Status == "ENABLED" {
			off = d.ID
			break
		}
	}
	if _, err := SetDevicesStatus(context.Background(), l, "DISABLED", []string{off}); err != nil {
		t.Fatal(err)
	}
	plan, err := PlanProfile(context.Background(), l, NewProfile{Name: "Dev all", Type: "ios_app_development", BundleID: s.bundle.Identifier})
	if err != nil {
		t.Fatal(err)
	}
	created, err := CreateProfile(context.Background(), l, plan)
	if err != nil {
		t.Fatal(err)
	}
	got, err := srv.Profile(created.ID)
	if err != nil {
		t.Fatal(err)
	}
	var wantDevices, wantCerts []string
	for _, d := range srv.Devices() {
		if d.Platform == "IOS" && d.Status == "ENABLED" {
			wantDevices = append(wantDevices, d.ID)
		}
	}
	for _, c := range srv.Certificates() {
		if slices.Contains(core.CertificateTypesForProfile("IOS_APP_DEVELOPMENT"), c.CertificateType) && c.ExpirationDate.After(time.Now()) {
			wantCerts = append(wantCerts, c.ID)
		}
	}
	slices.Sort(wantDevices)
	slices.Sort(wantCerts)
	gotDevices, gotCerts := slices.Sorted(slices.Values(got.DeviceIDs)), slices.Sorted(slices.Values(got.CertificateIDs))
	if !slices.Equal(gotDevices, wantDevices) || slices.Contains(gotDevices, off) {
		t.Errorf("devices = %v, want every enabled iOS device %v", gotDevices, wantDevices)
	}
	if !slices.Equal(gotCerts, wantCerts) {
		t.Errorf("certificates = %v, want %v", gotCerts, wantCerts)
	}
	if created.UUID == "" || len(created.Content) == 0 || created.Name != "Dev all" || created.ProfileType != "IOS_APP_DEVELOPMENT" {
		t.Errorf("created %+v", created.Profile)
	}
}

func TestCreateProfileRequestsWithCache(t *testing.T) {
	l, srv := testLists(t, sandbox.Config{Seed: 5})
	s := pickSeed(t, srv)
	cache := withCache(t, l)
	srv.ResetStats()
	plan, err := PlanProfile(context.Background(), l, NewProfile{Name: "Store", Type: "IOS_APP_STORE", BundleID: s.bundle.Identifier})
	if err != nil {
		t.Fatal(err)
	}
	created, err := CreateProfile(context.Background(), l, plan)
	if err != nil {
		t.Fatal(err)
	}
	if st := srv.Stats(); st.Requests > 3 || st.ByRoute["POST /v1/profiles"] != 1 {
		t.Errorf("%d requests with fresh lists: %v", st.Requests, st.ByRoute)
	}
	// The cache learnt the new profile: the same name is refused without asking Apple.
	if cl := cache.Load("vault1"); !slices.ContainsFunc(cl.Profiles.Items, func(p core.Profile) bool { return p.ID == created.ID }) {
		t.Error("the new profile is not in the cached list")
	}
	srv.ResetStats()
	if _, err := PlanProfile(context.Background(), l, NewProfile{Name: "Store", Type: "IOS_APP_STORE", BundleID: s.bundle.Identifier}); err == nil {
		t.Error("the name just created was accepted again")
	}

	// Stale lists are not trusted: each is asked for, filtered.
	l.MaxAge = time.Nanosecond
	srv.ResetStats()
	if _, err := PlanProfile(context.Background(), l, NewProfile{Name: "Store 2", Type: "IOS_APP_STORE", BundleID: s.bundle.Identifier,
		CertificateIDs: []string{s.distCert.ID}}); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests without fresh lists, want name, bundle ID and certificates: %v", len(reqs), reqs)
	}
	if reqs[0].Query.Get("filter[name]") != "Store 2" && reqs[1].Query.Get("filter[identifier]") != s.bundle.Identifier {
		t.Errorf("lookups were not filtered: %v", reqs)
	}
}

func TestDeleteProfiles(t *testing.T) {
	l, srv := testLists(t, sandbox.Config{Seed: 5, Profiles: 6})
	ps := srv.Profiles()
	found, err := FindProfiles(context.Background(), l, []string{ps[0].ID, strings.ToLower(ps[1].UUID), ps[0].ID})
	if err != nil || len(found) != 2 {
		t.Fatalf("found %v, %v", found, err)
	}
	if _, err := FindProfiles(context.Background(), l, []string{"NOPE"}); err == nil {
		t.Error("an unknown profile was found")
	}
	srv.ResetStats()
	done, err := DeleteProfiles(context.Background(), l, found)
	if err != nil || len(done) != 2 {
		t.Fatal(done, err)
	}
	if st := srv.Stats(); st.Requests != 2 || st.ByRoute["DELETE /v1/profiles/{id}"] != 2 || len(srv.Profiles()) != 4 {
		t.Errorf("requests %v, %d profiles left", st.ByRoute, len(srv.Profiles()))
	}
}

package actions

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/asckeys/asckeys/sandbox"
	"github.com/asckeys/asckeys/storage"
)

func testRegenerator(t *testing.T, cfg sandbox.Config) (*Regenerator, *sandbox.Server, *storage.Vault) {
	t.Helper()
	l, srv := testLists(t, cfg)
	v, err := storage.Open(storage.Options{Dir: filepath.Join(t.TempDir(), "vault"), Keychain: storage.NewMemKeychain()})
	if err != nil {
		t.Fatal(err)
	}
	return &Regenerator{Lists: l, Pending: v, KeyID: "key1"}, srv, v
}

func TestRegenerateKeepsTheDefinitionAndReplacesRevokedCertificates(t *testing.T) {
	r, srv, v := testRegenerator(t, sandbox.Config{Seed: 6, Profiles: 30})
	ctx := context.Background()
	now := time.Now()
	// A development profile whose certificates are all valid and one of them
	// will be revoked, and a store profile.
	var dev, store sandbox.ProfileInfo
	for _, p := range srv.Profiles() {
		if !p.ExpirationDate.After(now) {
			continue
		}
		switch {
		case p.ProfileType == "IOS_APP_DEVELOPMENT" && dev.ID == "" && len(p.DeviceIDs) > 1:
			dev = p
		case p.ProfileType == "IOS_APP_STORE" && store.ID == "":
			store = p
		}
	}
	if dev.ID == "" || store.ID == "" {
		t.Fatal("the seed lacks the profiles the test needs")
	}
	revoked := dev.CertificateIDs[0]
	if _, err := r.Lists.Client.Certificates.Revoke(ctx, revoked); err != nil {
		t.Fatal(err)
	}
	disabled := dev.DeviceIDs[0]
	if _, err := SetDevicesStatus(ctx, r.Lists, "DISABLED", []string{disabled}); err != nil {
		t.Fatal(err)
	}
	found, err := FindProfiles(ctx, r.Lists, []string{dev.ID, store.UUID})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := r.Plan(ctx, found)
	if err != nil {
		t.Fatal(err)
	}
	srv.ResetStats()
	got, err := r.Run(ctx, plan)
	if err != nil || len(got) != 2 {
		t.Fatalf("regenerated %+v, %v", got, err)
	}
	if st := srv.Stats(); st.ByRoute["DELETE /v1/profiles/{id}"] != 2 || st.ByRoute["POST /v1/profiles"] != 2 || st.Requests != 4 {
		t.Errorf("requests: %v", st.ByRoute)
	}
	for _, g := range got {
		old := map[string]sandbox.ProfileInfo{dev.Name: dev, store.Name: store}[g.Name]
		if g.OldUUID != old.UUID || g.NewUUID == old.UUID || g.ID == "" {
			t.Errorf("regenerated %+v from %s", g, old.UUID)
		}
		p, err := srv.Profile(g.ID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Name != old.Name || p.ProfileType != old.ProfileType || p.BundleID != old.BundleID {
			t.Errorf("new profile %+v differs from %+v", p, old)
		}
		if _, err := srv.Profile(old.ID); err == nil {
			t.Errorf("the old profile %s is still there", old.ID)
		}
		if old.ID == dev.ID {
			if slices.Contains(p.CertificateIDs, revoked) || len(p.CertificateIDs) == 0 {
				t.Errorf("certificates %v: the revoked %s is not replaced", p.CertificateIDs, revoked)
			}
			enabled := map[string]bool{}
			for _, d := range srv.Devices() {
				enabled[d.ID] = d.Status == "ENABLED"
			}
			want := slices.DeleteFunc(slices.Clone(dev.DeviceIDs), func(id string) bool { return !enabled[id] })
			if slices.Contains(want, disabled) || len(want) == 0 {
				t.Fatalf("the test's device %s is not disabled", disabled)
			}
			if !slices.Equal(slices.Sorted(slices.Values(p.DeviceIDs)), slices.Sorted(slices.Values(want))) {
				t.Errorf("devices %v, want %v (the same less the disabled one)", p.DeviceIDs, want)
			}
		} else if !slices.Equal(p.CertificateIDs, old.CertificateIDs) || len(p.DeviceIDs) != 0 {
			t.Errorf("store profile: certificates %v (want %v), devices %v", p.CertificateIDs, old.CertificateIDs, p.DeviceIDs)
		}
	}
	if left, err := v.PendingProfiles("key1"); err != nil || len(left) != 0 {
		t.Errorf("definitions left after success: %v, %v", left, err)
	}
}

func TestRegenerateFailedCreateIsResumed(t *testing.T) {
	r, srv, v, target, plan := planOneStoreProfile(t)
	ctx := context.Background()
	srv.InjectFaults(sandbox.Fault{Kind: sandbox.FaultStatus, Status: http.StatusUnprocessableEntity, Times: 5,
		Match: func(req *http.Request) bool { return req.Method == http.MethodPost && req.URL.Path == "/v1/profiles" }})
	got, err := r.Run(ctx, plan)
	var re *RegenerateError
	if len(got) != 0 || !errors.As(err, &re) || !re.Deleted || !strings.Contains(err.Error(), "--resume") || !strings.Contains(err.Error(), target.Name) {
		t.Fatalf("regenerated %v, err %v; want a deleted-but-not-created error naming --resume", got, err)
	}
	kept, err := v.PendingProfiles("key1")
	if err != nil || len(kept) != 1 || kept[0].OldID != target.ID || kept[0].Name != target.Name || kept[0].BundleIDID != target.BundleID ||
		!slices.Equal(kept[0].CertificateIDs, target.CertificateIDs) {
		t.Fatalf("kept %+v, %v", kept, err)
	}
	if others, _ := v.PendingProfiles("another key"); len(others) != 0 {
		t.Errorf("another key sees %v", others)
	}
	srv.ClearFaults()
	srv.ResetStats()
	done, err := r.Resume(ctx)
	if err != nil || len(done) != 1 || done[0].Name != target.Name || done[0].OldUUID != target.UUID {
		t.Fatalf("resume: %+v, %v", done, err)
	}
	if st := srv.Stats(); st.ByRoute["DELETE /v1/profiles/{id}"] != 0 || st.ByRoute["POST /v1/profiles"] != 1 {
		t.Errorf("resume sent %v", st.ByRoute)
	}
	if kept, _ := v.PendingProfiles("key1"); len(kept) != 0 {
		t.Errorf("kept after resume: %v", kept)
	}
	if done, err := r.Resume(ctx); err != nil || len(done) != 0 {
		t.Errorf("a second resume did %v, %v", done, err)
	}
}

func TestRegenerateRefusesBeforeDeleting(t *testing.T) {
	r, srv, v := testRegenerator(t, sandbox.Config{Seed: 6, Profiles: 20})
	ctx := context.Background()
	dev := validProfile(t, srv, "IOS_APP_DEVELOPMENT")
	if _, err := SetDevicesStatus(ctx, r.Lists, "DISABLED", dev.DeviceIDs); err != nil {
		t.Fatal(err)
	}
	found, _ := FindProfiles(ctx, r.Lists, []string{dev.ID})
	srv.ResetStats()
	if _, err := r.Plan(ctx, found); err == nil || !strings.Contains(err.Error(), "--all-devices") {
		t.Fatalf("err = %v", err)
	}
	if st := srv.Stats(); st.ByRoute["DELETE /v1/profiles/{id}"] != 0 {
		t.Errorf("deleted: %v", st.ByRoute)
	}
	if kept, _ := v.PendingProfiles("key1"); len(kept) != 0 {
		t.Errorf("kept %v", kept)
	}
	r.AllDevices = true
	plan, err := r.Plan(ctx, found)
	if err != nil || len(plan.Definitions[0].DeviceIDs) == 0 {
		t.Fatalf("with --all-devices: %+v, %v", plan, err)
	}
}

// validProfile is the sandbox's first unexpired profile of profileType.
func validProfile(t *testing.T, srv *sandbox.Server, profileType string) sandbox.ProfileInfo {
	t.Helper()
	for _, p := range srv.Profiles() {
		if p.ProfileType == profileType && p.ExpirationDate.After(time.Now()) {
			return p
		}
	}
	t.Fatalf("the seed has no valid %s profile", profileType)
	return sandbox.ProfileInfo{}
}

// A DELETE whose answer was lost may have deleted the profile: its
// definition is kept, and resume deletes it if it is still there.
func TestRegenerateDeleteOfUnknownOutcomeKeepsTheDefinition(t *testing.T) {
	r, srv, v, target, plan := planOneStoreProfile(t)
	ctx := context.Background()
	srv.InjectFaults(sandbox.Fault{Kind: sandbox.FaultDrop, Times: 10,
		Match: func(req *http.Request) bool { return req.Method == http.MethodDelete }})
	_, err := r.Run(ctx, plan)
	var re *RegenerateError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "--resume") {
		t.Fatalf("err = %v; want one that names --resume", err)
	}
	if kept, _ := v.PendingProfiles("key1"); len(kept) != 1 {
		t.Fatalf("the definition of a profile that may be deleted was dropped: %v", kept)
	}
	srv.ClearFaults()
	done, err := r.Resume(ctx)
	if err != nil || len(done) != 1 {
		t.Fatalf("resume: %v, %v", done, err)
	}
	if _, err := srv.Profile(target.ID); err == nil {
		t.Error("resume left the old profile")
	}
}

// planOneStoreProfile plans the regeneration of a valid App Store profile.
func planOneStoreProfile(t *testing.T) (*Regenerator, *sandbox.Server, *storage.Vault, sandbox.ProfileInfo, RegeneratePlan) {
	t.Helper()
	r, srv, v := testRegenerator(t, sandbox.Config{Seed: 6, Profiles: 30})
	target := validProfile(t, srv, "IOS_APP_STORE")
	found, err := FindProfiles(context.Background(), r.Lists, []string{target.ID})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := r.Plan(context.Background(), found)
	if err != nil {
		t.Fatal(err)
	}
	return r, srv, v, target, plan
}

package actions

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox"
)

// renewWorld is a team with one distribution certificate made here, two
// store profiles that include it (one with a second certificate) and one
// that does not.
func renewWorld(t *testing.T) (*sandbox.Server, Deps, *Lists, CreatedCertificate, CreatedCertificate) {
	t.Helper()
	srv := sandbox.StartTest(t, sandbox.Config{Seed: 71, Certificates: -1, Profiles: -1, BundleIDs: 2, Devices: 2})
	d := testDeps(t, srv, core.KindTeam)
	ctx := context.Background()
	old, err := CreateCertificate(ctx, d, "DISTRIBUTION", "")
	if err != nil {
		t.Fatal(err)
	}
	other, err := CreateCertificate(ctx, d, "IOS_DISTRIBUTION", "")
	if err != nil {
		t.Fatal(err)
	}
	b := srv.BundleIDs()[0]
	for _, pc := range []core.ProfileCreate{
		{Name: "Store A", Type: "IOS_APP_STORE", BundleIDID: b.ID, CertificateIDs: []string{old.ID}},
		{Name: "Store B", Type: "IOS_APP_STORE", BundleIDID: b.ID, CertificateIDs: []string{old.ID, other.ID}},
		{Name: "Other", Type: "IOS_APP_STORE", BundleIDID: b.ID, CertificateIDs: []string{other.ID}},
	} {
		if _, _, err := d.Client.Profiles.Create(ctx, pc); err != nil {
			t.Fatal(err)
		}
	}
	return srv, d, &Lists{Client: d.Client}, old, other
}

// The plan sends only GETs and names the two profiles; the renewal makes a
// new certificate with its key here, regenerates exactly those two with the
// new certificate instead of the old (the other certificate kept), and
// revokes the old one last.
func TestRenewRegeneratesDependentProfilesAndRevokesLast(t *testing.T) {
	srv, d, l, old, other := renewWorld(t)
	ctx := context.Background()
	srv.ResetStats()
	plan, err := PlanRenew(ctx, d, old.SerialNumber)
	if err != nil {
		t.Fatal(err)
	}
	for route := range srv.StatsSettled().ByRoute {
		if !strings.HasPrefix(route, "GET ") {
			t.Errorf("the plan sent %s", route)
		}
	}
	var names []string
	for _, p := range plan.Profiles {
		names = append(names, p.Name)
	}
	slices.Sort(names)
	if plan.Old.ID != old.ID || !slices.Equal(names, []string{"Store A", "Store B"}) {
		t.Fatalf("plan: %s, profiles %v", plan.Old.ID, names)
	}
	plan.RevokeOld = true
	if lines := strings.Join(plan.Lines(), "\n"); !strings.Contains(lines, "Store B") || !strings.Contains(lines, "then revoke") {
		t.Errorf("the plan's lines:\n%s", lines)
	}
	res, err := Renew(ctx, d, l, d.Vault, plan)
	if err != nil {
		t.Fatal(err)
	}
	if res.NewID == "" || res.NewID == old.ID || !res.Revoked || len(res.Regenerated) != 2 {
		t.Fatalf("result %+v", res)
	}
	if !slices.Contains(srv.RevokedCertificateIDs(), old.ID) {
		t.Error("the old certificate was not revoked")
	}
	listed, err := WithPrivateKeys(ctx, d, []core.Certificate{{ID: res.NewID}})
	if err != nil || !listed[0].HasPrivateKey {
		t.Errorf("the new certificate's key is not here: %v", err)
	}
	for _, p := range srv.Profiles() {
		switch p.Name {
		case "Store A":
			if !slices.Equal(p.CertificateIDs, []string{res.NewID}) {
				t.Errorf("Store A has %v, want only the new certificate", p.CertificateIDs)
			}
		case "Store B":
			if ids := slices.Sorted(slices.Values(p.CertificateIDs)); !slices.Equal(ids, slices.Sorted(slices.Values([]string{res.NewID, other.ID}))) {
				t.Errorf("Store B has %v, want the new certificate and the other one", p.CertificateIDs)
			}
		case "Other":
			if p.ProfileState != "ACTIVE" {
				t.Errorf("the profile without the old certificate was touched: %s", p.ProfileState)
			}
		}
	}
}

// At the type's limit nothing is changed and the message offers the order
// that works, naming what stops working in between.
func TestRenewAtTheLimitOffersRevokeFirst(t *testing.T) {
	srv, d, l, old, _ := renewWorld(t)
	ctx := context.Background()
	for range 2 {
		if _, err := CreateCertificate(ctx, d, "DISTRIBUTION", ""); err != nil {
			t.Fatal(err)
		}
	}
	plan, err := PlanRenew(ctx, d, old.ID)
	if err != nil {
		t.Fatal(err)
	}
	srv.ResetStats()
	_, err = Renew(ctx, d, l, d.Vault, plan)
	var limit *RenewLimitError
	if !errors.As(err, &limit) {
		t.Fatalf("at the limit: %v", err)
	}
	for _, want := range []string{"--revoke-first", "Store A", "Store B", "nothing was changed", old.ID} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the message does not say %q: %v", want, err)
		}
	}
	st := srv.StatsSettled()
	if st.ByRoute["DELETE /v1/certificates/{id}"]+st.ByRoute["DELETE /v1/profiles/{id}"] != 0 {
		t.Errorf("something was deleted at the limit: %v", st.ByRoute)
	}
}

// --revoke-first revokes before it creates, then regenerates the profiles
// (INVALID in between) with the new certificate.
func TestRenewRevokeFirst(t *testing.T) {
	srv, d, l, old, _ := renewWorld(t)
	ctx := context.Background()
	plan, err := PlanRenew(ctx, d, old.ID)
	if err != nil {
		t.Fatal(err)
	}
	plan.RevokeFirst = true
	srv.ResetStats()
	res, err := Renew(ctx, d, l, d.Vault, plan)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Revoked || res.NewID == "" || len(res.Regenerated) != 2 {
		t.Fatalf("revoke first: %+v", res)
	}
	var order []string
	for _, r := range srv.Requests() {
		if r.Method != "GET" {
			order = append(order, r.Route)
		}
	}
	if len(order) < 2 || order[0] != "DELETE /v1/certificates/{id}" || order[1] != "POST /v1/certificates" {
		t.Errorf("writes in order %v, want the revoke before the create", order)
	}
}

// A Developer ID certificate cannot be made with an API key: refused in the
// plan, before anything is sent but the listing.
func TestRenewRefusesDeveloperID(t *testing.T) {
	srv := sandbox.StartTest(t, sandbox.Config{Seed: 72, Certificates: 60, Profiles: -1, BundleIDs: 1, Devices: 1})
	d := testDeps(t, srv, core.KindTeam)
	var id string
	for _, c := range srv.Certificates() {
		if strings.HasPrefix(c.CertificateType, "DEVELOPER_ID_APPLICATION") {
			id = c.ID
		}
	}
	if id == "" {
		t.Skip("the seed has no Developer ID certificate")
	}
	_, err := PlanRenew(context.Background(), d, id)
	if err == nil || !strings.Contains(err.Error(), "Apple's website or in Xcode") {
		t.Errorf("renewing a Developer ID certificate: %v", err)
	}
}

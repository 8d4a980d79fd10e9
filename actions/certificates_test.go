package actions

import (
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/identity"
	"github.com/asckeys/asckeys/sandbox"
	"github.com/asckeys/asckeys/storage"
)

// testDeps links a sandbox key of kind in a vault on a memory keychain.
func testDeps(t *testing.T, srv *sandbox.Server, kind core.KeyKind) Deps {
	t.Helper()
	key := srv.NewKey(kind, sandbox.RoleAdmin)
	v, err := storage.Open(storage.Options{Dir: t.TempDir(), Keychain: storage.NewMemKeychain()})
	if err != nil {
		t.Fatal(err)
	}
	k, _, err := v.Add(context.Background(), storage.NewKey{Name: "Test", KeyID: key.KeyID, IssuerID: key.IssuerID, Kind: kind, Data: key.PEM})
	if err != nil {
		t.Fatal(err)
	}
	creds, err := v.Credentials(context.Background(), k.ID)
	if err != nil {
		t.Fatal(err)
	}
	return Deps{Vault: v, Key: k, Client: core.NewClient(creds, core.WithBaseURL(srv.URL()))}
}

// Each refusal says its own thing and sends nothing.
func TestCertificateRefusalsSendNoRequest(t *testing.T) {
	srv := sandbox.StartTest(t, sandbox.Config{Seed: 51, Certificates: -1, Profiles: -1, BundleIDs: 1, Devices: 1})
	team := testDeps(t, srv, core.KindTeam)
	individual := testDeps(t, srv, core.KindIndividual)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		do   func() error
		want string
	}{
		{"developer id", func() error { _, err := CreateCertificate(ctx, team, "DEVELOPER_ID_APPLICATION", ""); return err }, "Apple's website or in Xcode"},
		{"push", func() error { _, err := CreateCertificate(ctx, team, "APNS_PUSH", ""); return err }, "push"},
		{"unknown type", func() error { _, err := CreateCertificate(ctx, team, "NOPE", ""); return err }, "choose one of"},
		{"individual create", func() error { _, err := CreateCertificate(ctx, individual, "DEVELOPMENT", ""); return err }, "individual"},
		{"individual revoke", func() error { _, err := PlanRevoke(ctx, individual, []string{"ABC"}); return err }, "individual"},
		{"individual export", func() error {
			_, err := ExportP12(ctx, individual, "ABC", filepath.Join(t.TempDir(), "x.p12"), "pw", false)
			return err
		}, "individual"},
		{"individual import", func() error { _, err := ImportP12(ctx, individual, []byte("x"), "pw"); return err }, "individual"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := srv.Stats().Requests
			err := tc.do()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
			if got := srv.Stats().Requests - before; got != 0 {
				t.Errorf("%d requests sent", got)
			}
		})
	}
}

// Apple's 409 at the limit lists the type's certificates as candidates; the
// key made for the refused request is kept, and the next request reuses it.
func TestCreateCertificateAtTheLimit(t *testing.T) {
	srv := sandbox.StartTest(t, sandbox.Config{Seed: 52, Certificates: -1, Profiles: -1, BundleIDs: 1, Devices: 1})
	d := testDeps(t, srv, core.KindTeam)
	ctx := context.Background()
	var serials []string
	for range 2 {
		made, err := CreateCertificate(ctx, d, "DEVELOPMENT", "")
		if err != nil {
			t.Fatal(err)
		}
		serials = append(serials, made.SerialNumber)
	}
	_, err := CreateCertificate(ctx, d, "DEVELOPMENT", "")
	var limit *LimitError
	if !errors.As(err, &limit) || len(limit.Existing) != 2 {
		t.Fatalf("at the limit: %v", err)
	}
	for _, s := range append(serials, "DEVELOPMENT", "limit is reached") {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("the limit message does not say %q: %v", s, err)
		}
	}
	ids, _ := d.Vault.Identities(ctx)
	if len(ids) != 3 {
		t.Errorf("%d keys recorded, want 3 (the refused request's kept)", len(ids))
	}
}

// Revoking: the plan (by id or serial) sends only GETs and finds the profile
// that includes both certificates; the revoke is one DELETE each, and
// deleteKeys removes both private keys.
func TestRevokePlanAndDeletes(t *testing.T) {
	srv := sandbox.StartTest(t, sandbox.Config{Seed: 53, Certificates: -1, Profiles: -1, BundleIDs: 2, Devices: 1})
	d := testDeps(t, srv, core.KindTeam)
	ctx := context.Background()
	a, err := CreateCertificate(ctx, d, "DISTRIBUTION", "")
	if err != nil {
		t.Fatal(err)
	}
	b, err := CreateCertificate(ctx, d, "IOS_DISTRIBUTION", "")
	if err != nil {
		t.Fatal(err)
	}
	bundle := srv.BundleIDs()[0]
	p, _, err := d.Client.Profiles.Create(ctx, core.ProfileCreate{Name: "Both", Type: "IOS_APP_STORE", BundleIDID: bundle.ID, CertificateIDs: []string{a.ID, b.ID}})
	if err != nil {
		t.Fatal(err)
	}
	before := len(srv.Requests())
	plan, err := PlanRevoke(ctx, d, []string{a.ID, b.SerialNumber})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range srv.Requests()[before:] {
		if r.Method != "GET" {
			t.Errorf("the plan sent %s %s", r.Method, r.Path)
		}
	}
	if len(plan.Certificates) != 2 || len(plan.Affected) != 2 || plan.Affected[0].UUID != p.UUID {
		t.Fatalf("plan %+v", plan)
	}
	if _, err := PlanRevoke(ctx, d, []string{"NOSUCH"}); err == nil || !strings.Contains(err.Error(), "NOSUCH") {
		t.Errorf("an unknown id: %v", err)
	}
	res, err := Revoke(ctx, d, plan, true)
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.Stats().ByRoute["DELETE /v1/certificates/{id}"]; n != 2 || len(res.Revoked) != 2 || res.KeysDeleted != 2 {
		t.Errorf("%d DELETEs, result %+v", n, res)
	}
}

// A .p12 of another team's certificate is refused with nothing stored; a
// wrong password says so.
func TestImportP12Refusals(t *testing.T) {
	srv := sandbox.StartTest(t, sandbox.Config{Seed: 54, Certificates: -1, Profiles: -1, BundleIDs: 1, Devices: 1})
	d := testDeps(t, srv, core.KindTeam)
	other := sandbox.StartTest(t, sandbox.Config{Seed: 55, Certificates: -1, Profiles: -1, BundleIDs: 1, Devices: 1})
	od := testDeps(t, other, core.KindTeam)
	ctx := context.Background()
	made, err := CreateCertificate(ctx, od, "DEVELOPMENT", "")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "other.p12")
	if _, err := ExportP12(ctx, od, made.ID, path, "secret password", false); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if _, err := ImportP12(ctx, d, data, "not it"); !errors.Is(err, identity.ErrWrongPassword) || !strings.HasPrefix(err.Error(), "wrong password") {
		t.Errorf("a wrong password: %v", err)
	}
	if _, err := ImportP12(ctx, d, data, "secret password"); err == nil || !strings.Contains(err.Error(), "nothing was stored") {
		t.Errorf("another team's certificate: %v", err)
	}
	if ids, _ := d.Vault.Identities(ctx); len(ids) != 0 {
		t.Errorf("a refused import stored %d keys", len(ids))
	}
	if _, err := ExportP12(ctx, od, made.ID, path, "secret password", false); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("exporting over a file: %v", err)
	}
}

// actions is below the window and the command line: it never imports them,
// nor Fyne.
func TestActionsImportsNoFrontEnd(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/asckeys/asckeys/actions").Output()
	if err != nil {
		t.Fatalf("go list -deps ./actions: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "fyne.io/") || dep == "github.com/asckeys/asckeys/gui" || dep == "github.com/asckeys/asckeys/cli" {
			t.Errorf("actions depends on %s", dep)
		}
	}
}

// A create whose answer never came is an unknown outcome: the error says so
// and how to check, nothing is sent again, and the certificate Apple issued
// meanwhile is listed with its key here.
func TestCreateCertificateUnknownOutcome(t *testing.T) {
	srv := sandbox.StartTest(t, sandbox.Config{Seed: 56, Certificates: -1, Profiles: -1, BundleIDs: 1, Devices: 1})
	d := testDeps(t, srv, core.KindTeam)
	srv.InjectFaults(sandbox.Fault{Kind: sandbox.FaultStall, Stall: time.Minute,
		Match: func(r *http.Request) bool { return r.Method == http.MethodPost && r.URL.Path == "/v1/certificates" }})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for len(srv.Certificates()) == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel() // Apple issued it; the answer is still under way
	}()
	_, err := CreateCertificate(ctx, d, "DEVELOPMENT", "")
	if err == nil || !strings.Contains(err.Error(), "certs list") {
		t.Fatalf("an unanswered create: %v", err)
	}
	// The cancelled POST is counted when its handler ends, which may be just
	// after CreateCertificate returned.
	if n := srv.StatsSettled().ByRoute["POST /v1/certificates"]; n != 1 {
		t.Errorf("%d POSTs, want 1: a create that may have reached Apple is never sent again", n)
	}
	certs, _, err := d.Client.Certificates.List(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := WithPrivateKeys(context.Background(), d, certs)
	if err != nil || len(rows) != 1 || !rows[0].HasPrivateKey {
		t.Errorf("after the unknown outcome: %v, %+v", err, rows)
	}
}

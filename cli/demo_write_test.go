package cli

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/asckeys/asckeys/actions"
	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox"
	"github.com/asckeys/asckeys/storage"
)

// The demo account lets the window's write buttons work: a development
// certificate, a development profile with it, a device and a bundle ID can
// be made, and a distribution certificate is refused at Apple's limit, which
// the window explains.
func TestDemoAccountHasRoomForEveryWrite(t *testing.T) {
	srv := sandbox.StartTest(t, demoConfig)
	ctx := context.Background()
	vault, err := storage.Open(storage.Options{Dir: filepath.Join(t.TempDir(), "config"), Keychain: storage.NewMemKeychain()})
	if err != nil {
		t.Fatal(err)
	}
	tk := srv.NewKey(core.KindTeam, sandbox.RoleAdmin)
	k, _, err := vault.Add(ctx, storage.NewKey{Name: "Example Corp", KeyID: tk.KeyID, IssuerID: tk.IssuerID, Kind: core.KindTeam, Data: tk.PEM})
	if err != nil {
		t.Fatal(err)
	}
	client := core.NewClient(core.Credentials{KeyID: tk.KeyID, IssuerID: tk.IssuerID, Kind: tk.Kind, PrivateKey: tk.PrivateKey},
		core.WithBaseURL(srv.URL()))
	d := actions.Deps{Vault: vault, Key: k, Client: client}
	lists := &actions.Lists{Client: client}

	var limit *actions.LimitError
	if _, err := actions.CreateCertificate(ctx, d, "DISTRIBUTION", ""); !errors.As(err, &limit) {
		t.Errorf("the demo's distribution certificates are not at Apple's limit: %v", err)
	}
	cert, err := actions.CreateCertificate(ctx, d, "DEVELOPMENT", "")
	if err != nil {
		t.Fatalf("the demo cannot create a development certificate: %v", err)
	}
	b, err := actions.CreateBundleID(ctx, lists, actions.NewBundleID{Identifier: "com.example.demo.new", Name: "Demo"})
	if err != nil {
		t.Fatalf("the demo cannot register a bundle ID: %v", err)
	}
	if _, err := actions.RegisterDevice(ctx, lists, actions.NewDevice{Name: "Demo iPhone", UDID: "00008030-001A35E11A88003A"}); err != nil {
		t.Fatalf("the demo cannot register a device: %v", err)
	}
	plan, err := actions.PlanProfile(ctx, lists, actions.NewProfile{Name: "Demo Development", Type: "IOS_APP_DEVELOPMENT",
		BundleID: b.Identifier, CertificateIDs: []string{cert.ID}})
	if err != nil {
		t.Fatalf("the demo cannot plan a development profile: %v", err)
	}
	created, err := actions.CreateProfile(ctx, lists, plan)
	if err != nil {
		t.Fatalf("the demo cannot create a development profile: %v", err)
	}
	if !slices.ContainsFunc(srv.Profiles(), func(p sandbox.ProfileInfo) bool { return p.ID == created.ID }) {
		t.Error("the created profile is not in the sandbox")
	}
}

package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/identity"
	"github.com/asckeys/asckeys/core/identity/identitytest"
	"github.com/asckeys/asckeys/core/provision"
	"github.com/asckeys/asckeys/sandbox"
	"github.com/asckeys/asckeys/storage"
)

// inspected is `profiles inspect --json` as the contract names it.
type inspected struct {
	UUID, Name, TeamIdentifier, TeamName, AppIDName, BundleIdentifier, Platform, Kind string
	CreationDate, ExpirationDate                                                      time.Time
	Expired                                                                           bool
	Entitlements                                                                      map[string]any
	Devices                                                                           []string
	ProvisionsAllDevices                                                              bool
	Certificates                                                                      []struct {
		CommonName, SerialNumber, SHA1 string
		ExpirationDate                 time.Time
		HasPrivateKey                  bool
	}
	SignatureValid bool
}

type localProfile struct {
	UUID, Name, BundleIdentifier, Kind, State string
	ExpirationDate                            time.Time
	Folders                                   []string
}

// TestEndToEndProfilesOnThisMachine: inspect (by id, file and installed
// UUID), install into both folders superseding the older profile of the same
// name, local and local clean, with HOME a throwaway folder.
func TestEndToEndProfilesOnThisMachine(t *testing.T) {
	// The sandbox's clock moves only when told, so the second profile is
	// created later than the first by construction.
	var clockMu sync.Mutex
	clock := time.Now()
	now := func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return clock }
	advance := func(d time.Duration) { clockMu.Lock(); clock = clock.Add(d); clockMu.Unlock() }
	w := newWorld(t, sandbox.Config{Seed: 11, Certificates: 10, Profiles: 30, BundleIDs: 6, Devices: 8, Now: now})
	home := filepath.Join(w.dir, "home")
	w.env = append(w.env, "HOME="+home)
	folders := provision.Folders(home)
	key := w.srv.NewKey(core.KindTeam, sandbox.RoleAdmin)
	w.ok("keys", "add", "--p8", w.writeKey(key), "--issuer-id", key.IssuerID)
	var keys []struct{ ID string }
	if err := json.Unmarshal([]byte(w.ok("keys", "list", "--json").stdout), &keys); err != nil || len(keys) != 1 {
		t.Fatal(keys, err)
	}

	// A certificate whose private key this machine holds, in a new profile.
	ctx := context.Background()
	vault, err := storage.Open(storage.Options{Dir: filepath.Join(w.dir, "config", "asckeys"), Service: w.service})
	if err != nil {
		t.Fatal(err)
	}
	signer := identitytest.Key(1)
	if _, err := vault.StoreIdentityKey(ctx, keys[0].ID, signer); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = vault.RemoveIdentity(context.Background(), identity.SPKIHash(signer.Public())) })
	csr, err := identity.CSR(signer)
	if err != nil {
		t.Fatal(err)
	}
	c := core.NewClient(core.Credentials{KeyID: key.KeyID, IssuerID: key.IssuerID, Kind: key.Kind, PrivateKey: key.PrivateKey},
		core.WithBaseURL(w.srv.URL()), core.WithHTTPClient(w.srv.HTTPClient()))
	cert, _, err := c.Certificates.Create(ctx, "IOS_DISTRIBUTION", string(csr))
	if err != nil {
		t.Fatal(err)
	}
	bundle := w.srv.BundleIDs()[0]
	create := func(name string) core.CreatedProfile {
		p, _, err := c.Profiles.Create(ctx, core.ProfileCreate{Name: name, Type: "IOS_APP_STORE", BundleIDID: bundle.ID, CertificateIDs: []string{cert.ID}})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	first := create("E2E Store")

	// inspect by id: every field, and the key is here.
	var got inspected
	if err := json.Unmarshal([]byte(w.ok("profiles", "inspect", first.ID, "--json").stdout), &got); err != nil {
		t.Fatal(err)
	}
	if !strings.EqualFold(got.UUID, first.UUID) || got.Name != "E2E Store" || got.Kind != "appstore" || got.BundleIdentifier != bundle.Identifier ||
		got.TeamIdentifier == "" || got.TeamName == "" || got.AppIDName == "" || got.Platform == "" || got.CreationDate.IsZero() ||
		got.Expired || len(got.Entitlements) == 0 || !got.SignatureValid || got.ProvisionsAllDevices || len(got.Devices) != 0 {
		t.Errorf("inspect --json = %+v", got)
	}
	if len(got.Certificates) != 1 || !got.Certificates[0].HasPrivateKey || got.Certificates[0].SHA1 == "" || got.Certificates[0].SerialNumber == "" {
		t.Errorf("certificates = %+v", got.Certificates)
	}
	// A sandbox profile whose certificate's key is nowhere.
	other := w.srv.Profiles()[0]
	if err := json.Unmarshal([]byte(w.ok("profiles", "inspect", other.UUID, "--json").stdout), &got); err != nil {
		t.Fatal(err)
	}
	for _, c := range got.Certificates {
		if c.HasPrivateKey {
			t.Errorf("%s: hasPrivateKey without the key", c.CommonName)
		}
	}

	// install: byte-identical into both folders.
	r := w.ok("profiles", "install", first.ID)
	firstContent, err := os.ReadFile(filepath.Join(folders[0], first.UUID+".mobileprovision"))
	if err != nil {
		t.Fatalf("install printed %q: %v", r.stdout, err)
	}
	if again, _ := os.ReadFile(filepath.Join(folders[1], first.UUID+".mobileprovision")); !bytes.Equal(again, firstContent) {
		t.Error("the two folders' files differ")
	}
	if info, _ := w.srv.Profile(first.ID); !bytes.Equal(firstContent, info.Content) {
		t.Error("the installed file is not Apple's content byte for byte")
	}
	// inspect by installed UUID and by file agree.
	if r := w.ok("profiles", "inspect", first.UUID); !strings.Contains(r.stdout, "E2E Store") || !strings.Contains(r.stdout, " yes\n") {
		t.Errorf("inspect by UUID:\n%s", r.stdout)
	}

	// Regenerated (Apple refuses a second profile of the same name, so
	// deleted, then made again): the newer one supersedes the installed
	// one; --keep-old keeps it.
	if _, err := c.Profiles.Delete(ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	advance(2 * time.Second) // the plist's dates are whole seconds
	second := create("E2E Store")
	w.ok("profiles", "install", "--keep-old", second.UUID)
	var local []localProfile
	if err := json.Unmarshal([]byte(w.ok("profiles", "local", "--json").stdout), &local); err != nil {
		t.Fatal(err)
	}
	states := map[string]localProfile{}
	for _, l := range local {
		states[strings.ToLower(l.UUID)] = l
	}
	if s := states[strings.ToLower(first.UUID)]; s.State != "superseded" || len(s.Folders) != 2 {
		t.Errorf("the older profile: %+v", s)
	}
	if s := states[strings.ToLower(second.UUID)]; s.State != "valid" {
		t.Errorf("the newer profile: %+v", s)
	}

	// clean: --dry-run changes nothing; without --yes and no terminal it
	// refuses; with --yes it removes from both folders.
	r = w.ok("profiles", "local", "clean", "--superseded", "--dry-run")
	if strings.Count(r.stdout, "would remove") != 2 {
		t.Errorf("dry run said:\n%s", r.stdout)
	}
	if _, err := os.Stat(filepath.Join(folders[1], first.UUID+".mobileprovision")); err != nil {
		t.Error("--dry-run removed a file")
	}
	w.fails(2, []string{"profiles", "local", "clean", "--superseded"}, "--yes")
	w.fails(2, []string{"profiles", "local", "clean"}, "--expired")
	w.ok("profiles", "local", "clean", "--superseded", "--yes")
	for _, dir := range folders {
		if _, err := os.Stat(filepath.Join(dir, first.UUID+".mobileprovision")); !os.IsNotExist(err) {
			t.Errorf("the superseded profile is still in %s", dir)
		}
		if _, err := os.Stat(filepath.Join(dir, second.UUID+".mobileprovision")); err != nil {
			t.Errorf("clean removed the valid profile from %s", dir)
		}
	}

	// Installing the older one again and then the newer without --keep-old
	// removes the older, printing it.
	file := filepath.Join(w.dir, "first.mobileprovision")
	if err := os.WriteFile(file, firstContent, 0o644); err != nil {
		t.Fatal(err)
	}
	w.ok("profiles", "install", file)
	r = w.ok("profiles", "install", second.ID)
	if !strings.Contains(r.stdout, "removed E2E Store ("+first.UUID) {
		t.Errorf("install did not say what it removed:\n%s", r.stdout)
	}

	// Hostile files: one clear line, exit 1, nothing written.
	bad := filepath.Join(w.dir, "truncated.mobileprovision")
	if err := os.WriteFile(bad, firstContent[:len(firstContent)/3], 0o644); err != nil {
		t.Fatal(err)
	}
	w.fails(1, []string{"profiles", "inspect", bad}, "not a provisioning profile")
	w.fails(1, []string{"profiles", "install", bad}, "not a provisioning profile")
	w.fails(1, []string{"profiles", "inspect", filepath.Join(w.dir, "nothing-here")}, "nothing-here")
	if runtime.GOOS != "windows" {
		outside := filepath.Join(w.dir, "outside.mobileprovision")
		if err := os.WriteFile(outside, firstContent, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(outside, filepath.Join(folders[0], "link.mobileprovision")); err != nil {
			t.Fatal(err)
		}
		r = w.ok("profiles", "local")
		if !strings.Contains(r.stderr, "symbolic link") {
			t.Errorf("local said nothing of the link:\n%s", r.stderr)
		}
		w.ok("profiles", "local", "clean", "--expired", "--superseded", "--yes")
		if _, err := os.Lstat(filepath.Join(folders[0], "link.mobileprovision")); err != nil {
			t.Error("clean removed the link it was not asked to")
		}
		if got, _ := os.ReadFile(outside); !bytes.Equal(got, firstContent) {
			t.Error("the file outside the folders changed")
		}
	}
	for _, dir := range folders {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".tmp") {
				t.Errorf("a temporary file was left in %s: %s", dir, e.Name())
			}
		}
	}
}

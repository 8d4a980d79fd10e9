package gui

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	fstorage "fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/identity"
	"github.com/asckeys/asckeys/core/identity/identitytest"
	"github.com/asckeys/asckeys/core/provision"
	"github.com/asckeys/asckeys/sandbox"
)

// profileHome points HOME at a throwaway folder, so that the two Xcode
// folders the window installs into are the test's own, and returns them.
func profileHome(t *testing.T) []string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	return provision.Folders(home)
}

// sandboxProfile is one of the sandbox's profiles with its signed content,
// decoded: the first for which keep holds.
func (h *harness) sandboxProfile(keep func(*provision.Profile) bool) (sandbox.ProfileInfo, *provision.Profile) {
	h.t.Helper()
	for _, info := range h.srv.Profiles() {
		full, err := h.srv.Profile(info.ID)
		if err != nil {
			h.t.Fatal(err)
		}
		p, err := provision.Decode(full.Content, time.Now())
		if err != nil {
			h.t.Fatalf("the sandbox's profile %s does not decode: %v", info.ID, err)
		}
		if keep(p) {
			return full, p
		}
	}
	h.t.Fatal("the sandbox has no such profile")
	return sandbox.ProfileInfo{}, nil
}

// waitDialog waits for a dialog on top whose texts include want, and
// returns it.
func (h *harness) waitDialog(want string) fyne.CanvasObject {
	h.t.Helper()
	var top fyne.CanvasObject
	h.waitFor("a dialog saying "+want, func() bool {
		top = h.win.Canvas().Overlays().Top()
		return top != nil && strings.Contains(strings.Join(texts(top), "\n"), want)
	}, h.screenText)
	return top
}

// tapIn taps the button labelled label in o, failing when there is none.
func (h *harness) tapIn(o fyne.CanvasObject, label string) {
	h.t.Helper()
	h.do(func() {
		b := findButton(o, label)
		if b == nil || b.Disabled() {
			h.t.Fatalf("no enabled %q button in %v", label, texts(o))
		}
		test.Tap(b)
	})
}

// installedFile checks that both folders hold data as <uuid>.mobileprovision.
func installedFile(t *testing.T, folders []string, uuid string, data []byte) {
	t.Helper()
	for _, dir := range folders {
		got, err := os.ReadFile(filepath.Join(dir, uuid+provision.Ext))
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("%s in %s: not the profile's bytes (%v)", uuid, dir, err)
		}
	}
}

func TestDroppingProfilesOpensAnInspectorEachWithInstallAndReveal(t *testing.T) {
	folders := profileHome(t)
	h := newHarness(t, sandbox.Config{Seed: 31, Certificates: 6, Profiles: 10})
	h.open()
	info, p := h.sandboxProfile(func(p *provision.Profile) bool { return len(p.Devices) > 0 && len(p.Entitlements) > 0 })
	good := h.writeFile("Dev.mobileprovision", info.Content)
	bad := h.writeFile("Broken.mobileprovision", []byte("not a profile"))
	otherInfo, other := h.sandboxProfile(func(o *provision.Profile) bool { return o.UUID != p.UUID })
	second := h.writeFile("Other.MOBILEPROVISION", otherInfo.Content)
	var opened []string
	h.do(func() {
		h.u.downloads.openURL = func(u *url.URL) error { opened = append(opened, u.String()); return nil }
		h.u.handleDrop([]fyne.URI{fstorage.NewFileURI(bad), fstorage.NewFileURI(good), fstorage.NewFileURI(second)})
	})

	// The bad file first, named, then the good one's inspector.
	top := h.waitDialog("Not a Provisioning Profile")
	h.do(func() {
		if s := strings.Join(texts(top), "\n"); !strings.Contains(s, "Broken.mobileprovision") {
			t.Errorf("the message does not name the file:\n%s", s)
		}
	})
	h.tapIn(top, "OK")
	top = h.waitDialog(p.UUID)
	h.do(func() {
		s := strings.Join(texts(top), "\n")
		for _, want := range []string{p.Name, p.BundleIdentifier, p.TeamIdentifier, date(p.ExpirationDate), "Signature: verifies",
			"the chain up to Apple's root is not checked"} {
			if !strings.Contains(s, want) {
				t.Errorf("the inspector does not show %q:\n%s", want, s)
			}
		}
		tabs := findAll[*container.AppTabs](top)
		if len(tabs) != 1 {
			t.Fatalf("%d tab sets in the inspector", len(tabs))
		}
		tabs[0].SelectIndex(1)
		trees := findAll[*widget.Tree](top)
		if len(trees) != 1 {
			t.Fatal("no entitlements tree")
		}
		if s := strings.Join(texts(trees[0]), "\n"); !strings.Contains(s, "application-identifier: ") {
			t.Errorf("the entitlements tree shows:\n%s", s)
		}
		tabs[0].SelectIndex(2)
		if s := strings.Join(texts(top), "\n"); !strings.Contains(s, p.Devices[0]) {
			t.Errorf("the devices tab does not show %s:\n%s", p.Devices[0], s)
		}
		tabs[0].SelectIndex(3)
		// The vault holds no signing identity: every key is missing.
		if s := strings.Join(texts(top), "\n"); !strings.Contains(s, "Private key: missing") || !strings.Contains(s, p.Certificates[0].SHA1) {
			t.Errorf("the certificates tab does not mark the missing key:\n%s", s)
		}
	})

	h.tapIn(top, "Reveal")
	if want := fstorage.NewFileURI(filepath.Dir(good)).String(); !slices.Contains(opened, want) {
		t.Errorf("Reveal opened %v, want %s", opened, want)
	}
	h.tapIn(top, "Install")
	res := h.waitDialog("Installed 1 Profile")
	h.do(func() {
		s := strings.Join(texts(res), "\n")
		for _, dir := range folders {
			if !strings.Contains(s, "written: "+filepath.Join(dir, p.UUID+provision.Ext)) {
				t.Errorf("the result does not list the file in %s:\n%s", dir, s)
			}
		}
	})
	installedFile(t, folders, p.UUID, info.Content)

	// The next file's inspector opens once this one is closed.
	h.tapIn(res, "Done")
	h.tapIn(top, "Close")
	h.waitDialog(other.UUID)
}

func TestInstallingSelectedProfilesFromTheProfilesTab(t *testing.T) {
	folders := profileHome(t)
	h := newHarness(t, sandbox.Config{Seed: 32, Certificates: 6, Profiles: 6})
	h.link("Example Corp", core.KindTeam, sandbox.RoleAdmin)
	h.open()
	h.waitLoaded()
	var chosen []core.Profile
	h.do(func() {
		h.u.view.tabs.SelectIndex(1)
		tab := h.u.view.profiles
		checks := findAll[*widget.Check](tab.item.Content)
		test.Tap(checks[1])
		test.Tap(checks[2])
		chosen = tab.table.Selected()
		// Download stays offered beside Install.
		if b := findButton(tab.item.Content, "Download 2 profiles"); b == nil || b.Disabled() {
			t.Errorf("Download 2 profiles is gone: %v", texts(tab.item.Content))
		}
	})
	h.tapIn(h.u.view.profiles.item.Content, "Install 2 profiles")
	res := h.waitDialog("Installed 2 Profiles")
	h.do(func() {
		s := strings.Join(texts(res), "\n")
		for _, p := range chosen {
			if !strings.Contains(s, p.UUID) {
				t.Errorf("the result does not name %s:\n%s", p.UUID, s)
			}
		}
		if n := len(h.u.view.profiles.table.Selected()); n != 0 {
			t.Errorf("%d profiles still selected after they were all installed", n)
		}
	})
	for _, p := range chosen {
		want, err := h.srv.Profile(p.ID)
		if err != nil {
			t.Fatal(err)
		}
		installedFile(t, folders, p.UUID, want.Content)
	}
}

func TestOnThisMacListsTheInstalledProfilesAndCleansUpTheExpired(t *testing.T) {
	folders := profileHome(t)
	h := newHarness(t, sandbox.Config{Seed: 33, Certificates: 6, Profiles: 12})
	expiredInfo, expired := h.sandboxProfile(func(p *provision.Profile) bool { return p.Expired })
	validInfo, valid := h.sandboxProfile(func(p *provision.Profile) bool { return !p.Expired })
	for _, data := range [][]byte{expiredInfo.Content, validInfo.Content} {
		if _, err := provision.Install(folders, data, true, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	// A file that is no profile is listed as a problem, not a crash.
	if err := os.WriteFile(filepath.Join(folders[0], "junk"+provision.Ext), []byte("junk"), 0o644); err != nil {
		t.Fatal(err)
	}
	h.open()
	h.do(func() { test.Tap(findButton(h.win.Canvas().Content(), "On This Mac")) })
	h.waitFor("the inventory", func() bool { return len(h.u.local.table.All()) == 2 && !h.u.local.scanning }, h.screenText)
	h.do(func() {
		s := h.screenText()
		for _, want := range []string{expired.Name, valid.Name, "expired", "valid", "both", "Skipped: ", "junk.mobileprovision",
			"2 profiles: 1 valid, 1 expired, 0 superseded"} {
			if !strings.Contains(s, want) {
				t.Errorf("the inventory does not show %q:\n%s", want, s)
			}
		}
		h.u.local.superseded.SetChecked(false)
	})
	h.tapIn(h.win.Canvas().Content(), "Clean Up…")
	ask := h.waitDialog("Remove Installed Profiles?")
	h.do(func() {
		s := strings.Join(texts(ask), "\n")
		if !strings.Contains(s, expired.UUID) || strings.Contains(s, valid.UUID) {
			t.Errorf("the confirmation does not list exactly the expired profile:\n%s", s)
		}
	})
	h.tapIn(ask, "Remove")
	h.waitFor("the inventory read again", func() bool { return len(h.u.local.table.All()) == 1 && !h.u.local.scanning }, h.screenText)
	for _, dir := range folders {
		if _, err := os.Stat(filepath.Join(dir, expired.UUID+provision.Ext)); !os.IsNotExist(err) {
			t.Errorf("the expired profile is still in %s (%v)", dir, err)
		}
		if _, err := os.Stat(filepath.Join(dir, valid.UUID+provision.Ext)); err != nil {
			t.Errorf("the valid profile was removed from %s: %v", dir, err)
		}
	}
}

func TestTheInspectorMarksACertificateWhosePrivateKeyIsHere(t *testing.T) {
	profileHome(t)
	h := newHarness(t, sandbox.Config{Seed: 34, Certificates: 4, Profiles: 4, BundleIDs: 2})
	k, tk := h.link("Example Corp", core.KindTeam, sandbox.RoleAdmin)
	ctx := context.Background()
	signer := identitytest.Key(1)
	if _, err := h.vault.StoreIdentityKey(ctx, k.ID, signer); err != nil {
		t.Fatal(err)
	}
	csr, err := identity.CSR(signer)
	if err != nil {
		t.Fatal(err)
	}
	c := h.opts.NewClient(core.Credentials{KeyID: tk.KeyID, IssuerID: tk.IssuerID, Kind: tk.Kind, PrivateKey: tk.PrivateKey})
	cert, _, err := c.Certificates.Create(ctx, "IOS_DISTRIBUTION", string(csr))
	if err != nil {
		t.Fatal(err)
	}
	created, _, err := c.Profiles.Create(ctx, core.ProfileCreate{Name: "Mine", Type: "IOS_APP_STORE", BundleIDID: h.srv.BundleIDs()[0].ID, CertificateIDs: []string{cert.ID}})
	if err != nil {
		t.Fatal(err)
	}
	full, err := h.srv.Profile(created.ID)
	if err != nil {
		t.Fatal(err)
	}
	path := h.writeFile("Mine.mobileprovision", full.Content)
	h.open()
	h.do(func() { h.u.handleDrop([]fyne.URI{fstorage.NewFileURI(path)}) })
	top := h.waitDialog("Signature:")
	h.do(func() {
		findAll[*container.AppTabs](top)[0].SelectIndex(3)
		if s := strings.Join(texts(top), "\n"); !strings.Contains(s, "Private key: here") || strings.Contains(s, "Private key: missing") {
			t.Errorf("the certificate's key is in the vault, but the inspector says:\n%s", s)
		}
	})
}

func TestInstallingWithADeveloperKeySaysPerProfileWhatFailed(t *testing.T) {
	folders := profileHome(t)
	h := newHarness(t, sandbox.Config{Seed: 35, Certificates: 8, Profiles: 12})
	h.link("CI (Developer)", core.KindTeam, sandbox.RoleDeveloper)
	h.open()
	h.waitLoaded()
	var store, dev *core.Profile
	for _, row := range read(h, func() []core.Profile { return h.u.view.profiles.table.Rows() }) {
		switch {
		case row.ProfileType == "IOS_APP_STORE" && store == nil:
			store = &row
		case strings.HasSuffix(row.ProfileType, "_DEVELOPMENT") && dev == nil:
			dev = &row
		}
	}
	if store == nil || dev == nil {
		t.Fatal("the sandbox has no store and development profiles to try")
	}
	h.do(func() {
		h.u.view.install([]core.Profile{*store, *dev}, func() { t.Error("done ran although one install failed") })
	})
	res := h.waitDialog("Installed 1 of 2 Profiles")
	h.do(func() {
		s := strings.Join(texts(res), "\n")
		if !strings.Contains(s, "✗ ") || !strings.Contains(s, "403") || !strings.Contains(s, "✓ ") || !strings.Contains(s, dev.UUID) {
			t.Errorf("the result does not say which failed and why:\n%s", s)
		}
	})
	want, err := h.srv.Profile(dev.ID)
	if err != nil {
		t.Fatal(err)
	}
	installedFile(t, folders, dev.UUID, want.Content)
	if _, err := os.Stat(filepath.Join(folders[0], store.UUID+provision.Ext)); !os.IsNotExist(err) {
		t.Errorf("a refused profile was installed (%v)", err)
	}
}

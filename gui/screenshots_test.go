package gui

import (
	"image"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	fstorage "fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/identity/identitytest"

	"github.com/asckeys/asckeys/core/provision"
	"github.com/asckeys/asckeys/sandbox"
)

// variantTheme is the window's theme in one variant, whatever the test
// app's settings say, for screenshots of both.
type variantTheme struct {
	fyne.Theme
	variant fyne.ThemeVariant
}

func (t variantTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return t.Theme.Color(n, t.variant)
}

// inBothThemes runs shoot once in the dark theme (file suffix "") and once
// in the light one ("-light") when ASCKEYS_SCREENSHOTS names the folder to
// draw into (scripts/screenshots.sh), and skips otherwise.
func inBothThemes(t *testing.T, shoot func(t *testing.T, out, suffix string, variant fyne.ThemeVariant)) {
	out := os.Getenv("ASCKEYS_SCREENSHOTS")
	if out == "" {
		t.Skip("set ASCKEYS_SCREENSHOTS to a folder to draw the screenshots")
	}
	for _, v := range []struct {
		suffix  string
		variant fyne.ThemeVariant
	}{{"", theme.VariantDark}, {"-light", theme.VariantLight}} {
		t.Run("variant"+v.suffix, func(t *testing.T) { shoot(t, out, v.suffix, v.variant) })
	}
}

// useTheme gives the window the app's theme in variant.
func (h *harness) useTheme(variant fyne.ThemeVariant) {
	h.do(func() { fyne.CurrentApp().Settings().SetTheme(variantTheme{newTheme(), variant}) })
}

// capture writes the window as drawn by the test driver to dir/name.
func (h *harness) capture(dir, name string) {
	h.t.Helper()
	img := read(h, func() image.Image { return h.win.Canvas().Capture() })
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		h.t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		h.t.Fatal(err)
	}
}

// TestScreenshotsOfProfilesOnThisMac draws the profile inspector and the
// On This Mac inventory for the README when ASCKEYS_SCREENSHOTS names the
// folder to write them to (scripts/screenshots.sh does). The window's other
// shots come from the real binary; these need a dropped file and a HOME of
// installed profiles, which only a test can arrange.
func TestScreenshotsOfProfilesOnThisMac(t *testing.T) {
	inBothThemes(t, func(t *testing.T, out, suffix string, variant fyne.ThemeVariant) {
		folders := profileHome(t)
		h := newHarness(t, sandbox.Config{Seed: 7, Certificates: 8, Profiles: 14})
		var drop string
		for _, info := range h.srv.Profiles() {
			full, err := h.srv.Profile(info.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := provision.Install(folders, full.Content, true, time.Now()); err != nil {
				t.Fatal(err)
			}
			if p, err := provision.Decode(full.Content, time.Now()); err == nil && drop == "" && !p.Expired && len(p.Devices) > 0 {
				drop = h.writeFile(info.Name+provision.Ext, full.Content)
			}
		}
		h.useTheme(variant)
		h.open()
		h.do(func() { test.Tap(findButton(h.win.Canvas().Content(), "On This Mac")) })
		h.waitFor("the inventory", func() bool { return len(h.u.local.table.All()) > 0 && !h.u.local.scanning })
		h.capture(out, "on-this-mac"+suffix+".png")
		h.do(func() { h.u.handleDrop([]fyne.URI{fstorage.NewFileURI(drop)}) })
		h.waitDialog("Signature:")
		h.capture(out, "inspector"+suffix+".png")
	})
}

// TestScreenshotsOfTheWriteDialogs draws each dialog of the write side for
// the README (scripts/screenshots.sh), on a sandbox account like the
// demo's, when ASCKEYS_SCREENSHOTS names the folder to write them to.
func TestScreenshotsOfTheWriteDialogs(t *testing.T) {
	inBothThemes(t, func(t *testing.T, out, suffix string, variant fyne.ThemeVariant) {
		h := newHarness(t, sandbox.Config{Seed: 2026, Certificates: 30, Profiles: 40, BundleIDs: 16, Devices: 24})
		k, tk := h.link("Example Corp", core.KindTeam, sandbox.RoleAdmin)
		mine := h.madeHere(k, tk, identitytest.Key(0), "DEVELOPMENT")
		h.useTheme(variant)
		h.open()
		h.waitLoaded()
		w := h.u.view.writes
		h.waitFor("the Private Key column", func() bool { return w.keysHere != nil })
		// The test driver lays out again only on a resize: the key's
		// facts and the result line, set after the first layout, need one.
		relayout := func() {
			h.do(func() {
				h.win.Resize(fyne.NewSize(1100, 700))
				h.win.Resize(fyne.NewSize(1180, 740))
			})
		}
		shot := func(name string, open func(), want string) {
			t.Helper()
			relayout()
			h.do(open)
			h.waitDialog(want)
			h.capture(out, name+suffix+".png")
			h.do(func() {
				for h.win.Canvas().Overlays().Top() != nil {
					h.win.Canvas().Overlays().Top().Hide()
				}
			})
		}
		shot("create-certificate", func() {
			w.openCreateCertificate()
			radio := findAll[*widget.RadioGroup](h.win.Canvas().Overlays().Top())[0]
			radio.SetSelected(labelOf(radio.Options, "(DEVELOPMENT)"))
		}, "Not offered")
		shot("export-p12", func() { w.openExportP12(mine) }, "protected by this password")
		shot("import-p12", func() { w.askP12Password("Distribution.p12", nil) }, "Import the private key")
		// A certificate that profiles include, so that the question names them.
		var used core.Certificate
		h.do(func() {
			count := map[string]int{}
			for _, p := range h.u.view.profiles.table.All() {
				for _, id := range p.CertificateIDs {
					count[id]++
				}
			}
			for _, c := range h.u.view.certs.table.All() {
				if n := count[c.ID]; n >= 2 && n <= 4 && strings.Contains(c.CertificateType, "DISTRIBUTION") {
					used = c
				}
			}
		})
		shot("revoke", func() { w.planRevoke([]core.Certificate{used}) }, "stop working")
		shot("new-profile", func() {
			w.openNewProfile()
			top := h.win.Canvas().Overlays().Top()
			sel := findAll[*widget.Select](top)[0]
			sel.SetSelected(labelOf(sel.Options, "(IOS_APP_DEVELOPMENT)"))
			findAll[*dialogEntry](top)[0].SetText("Notes Development")
			findAll[*dialogEntry](top)[1].SetText("notes")
			findAll[*widget.List](top)[0].Select(0)
		}, "devices chosen")
		var adhoc []core.Profile
		h.do(func() {
			for _, p := range h.u.view.profiles.table.All() {
				if strings.Contains(p.ProfileType, "ADHOC") && len(adhoc) < 3 {
					adhoc = append(adhoc, p)
				}
			}
		})
		shot("regenerate", func() { w.askRegenerate(adhoc) }, "Each gets a new UUID")
		shot("register-device", func() {
			w.openRegisterDevice()
			e := findAll[*dialogEntry](h.win.Canvas().Overlays().Top())
			e[0].SetText("Jane's iPhone 15")
			e[1].SetText("00008030-001A35E11A88003A")
		}, "A valid UDID")
		var known sandbox.DeviceInfo
		for _, d := range h.srv.Devices() {
			if len(d.UDID) != 36 {
				known = d
				break
			}
		}
		devices := h.writeFile("devices.txt", deviceFile(4, known))
		shot("import-devices", func() { w.previewDeviceFile(devices) }, "Will be registered")
		shot("new-bundle-id", func() {
			w.openNewBundleID()
			e := findAll[*dialogEntry](h.win.Canvas().Overlays().Top())
			e[0].SetText("com.example.notes.watch")
			e[1].SetText("Notes for Watch")
		}, "A valid identifier")
		var withProfiles core.BundleID
		h.do(func() {
			for _, b := range h.u.view.bundles.table.All() {
				for _, p := range h.u.view.profiles.table.All() {
					if p.BundleIDID == b.ID && withProfiles.ID == "" {
						withProfiles = b
					}
				}
			}
		})
		shot("delete-bundle-id", func() { w.planBundleIDDelete(withProfiles) }, "Apple deletes its")
		// The progress of a long regeneration, held mid-way.
		release := make(chan struct{})
		h.srv.InjectFaults(sandbox.Fault{Kind: sandbox.FaultStall, Until: release, Times: 100,
			Match: func(r *http.Request) bool { return r.Method == http.MethodDelete }})
		var many []core.Profile
		h.do(func() {
			for _, p := range h.u.view.profiles.table.All() {
				if p.ProfileType == "IOS_APP_STORE" || p.ProfileType == "IOS_APP_ADHOC" {
					many = append(many, p)
				}
			}
			w.regenerate(many, false)
		})
		h.waitDialog("Regenerating profiles…")
		relayout()
		h.capture(out, "regenerate-progress"+suffix+".png")
		h.tapIn(read(h, func() fyne.CanvasObject { return h.win.Canvas().Overlays().Top() }), "Cancel")
		close(release)
		h.waitDialog("Regeneration Finished")
		relayout()
		h.capture(out, "regenerate-summary"+suffix+".png")
	})
}

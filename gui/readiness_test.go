package gui

import (
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/asckeys/asckeys/actions"
	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox"
)

// openReadiness opens the window on the Doctor sandbox with one team key
// and selects the Readiness tab, waiting for its first check.
func openReadiness(t *testing.T) (*harness, []string) {
	t.Helper()
	folders := profileHome(t)
	h := newHarness(t, sandbox.Config{Seed: 17, Doctor: true})
	h.link("Example Corp", core.KindTeam, sandbox.RoleAdmin)
	h.open()
	h.waitLoaded()
	h.do(func() { h.u.view.tabs.Select(h.u.view.readiness.tabItem()) })
	h.waitChecked()
	return h, folders
}

func (h *harness) waitChecked() {
	h.t.Helper()
	h.waitFor("the readiness check", func() bool { r := h.u.view.readiness; return r.checked && !r.busy }, h.screenText)
}

// cellView is the grid's cell of bundle x kind.
func (h *harness) cellView(bundle, kind string) *statusCell {
	h.t.Helper()
	for _, v := range h.u.view.readiness.views {
		if v.cell.BundleIdentifier == bundle && v.cell.Kind == kind {
			return v
		}
	}
	h.t.Fatalf("no cell %s x %s on screen", bundle, kind)
	return nil
}

// tinted is a theme colour as the grid paints a cell with it: green
// (success) ready, amber (warning) only not installed, red (error).
func tinted(name fyne.ThemeColorName) color.Color {
	r, g, b, _ := theme.Color(name).RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0x55}
}

func sameColor(a, b interface{ RGBA() (r, g, b, a uint32) }) bool {
	ar, ag, ab, aa := a.RGBA()
	br, bg, bb, ba := b.RGBA()
	return ar == br && ag == bg && ab == bb && aa == ba
}

// The Readiness tab shows bundle IDs as rows and the team's kinds as
// columns, each cell coloured by its state with its problem in words on
// hover and on tap; Fix on a row asks first, listing what it will do, and
// leaves that row green; Fix All then the rest.
func TestReadinessTabShowsCellsAndFixesThem(t *testing.T) {
	h, folders := openReadiness(t)
	h.do(func() {
		s := h.screenText()
		for _, want := range []string{"Bundle ID", "Development", "Ad Hoc", "App Store", "com.example.doctor.desk", "com.example.doctor.maps",
			"No certificate", "Key not here +", "0 of 8 bundle ID × kind cells are ready"} {
			if !strings.Contains(s, want) {
				t.Errorf("the Readiness tab does not show %q:\n%s", want, s)
			}
		}
		if strings.Contains(s, "In-House") || strings.Contains(s, "Developer ID") {
			t.Errorf("a team without a Developer ID certificate shows in-house or Developer ID columns:\n%s", s)
		}
		desk := h.cellView("com.example.doctor.desk", "development")
		if !sameColor(desk.bg.FillColor, tinted(theme.ColorNameError)) {
			t.Errorf("a cell with no certificate is not red: %v", desk.bg.FillColor)
		}
		desk.MouseIn(&desktop.MouseEvent{})
		if got := h.u.view.readiness.hover.Text; !strings.Contains(got, "the team has no certificate that signs Mac Development profiles") {
			t.Errorf("hovering the cell shows %q", got)
		}
		desk.MouseOut()
		test.Tap(h.cellView("com.example.doctor.maps", "development"))
	})
	h.tapIn(h.waitDialog("lacks 1 enabled device(s): John’s iPad"), "OK")
	h.waitFor("the dialog to close", func() bool { return h.win.Canvas().Overlays().Top() == nil })

	// Fix one row: the confirmation lists what will be done.
	writesBefore := writeCount(h.srv)
	h.do(func() {
		var row *fyne.Container
		for _, o := range h.u.view.readiness.grid.Objects {
			if c, ok := o.(*fyne.Container); ok && strings.Contains(strings.Join(texts(c), " "), "com.example.doctor.notes") {
				row = c
			}
		}
		test.Tap(findButton(row, "Fix Row…"))
	})
	dlg := h.waitDialog("This will:")
	text := strings.Join(texts(dlg), "\n")
	for _, want := range []string{"create a new Apple Development certificate (DEVELOPMENT)", "create a new Apple Distribution certificate (DISTRIBUTION)",
		`regenerate the iOS Development profile "Notes Development"`, "install the 3 profile(s) made into both Xcode folders"} {
		if !strings.Contains(text, want) {
			t.Errorf("the confirmation does not say %q:\n%s", want, text)
		}
	}
	if n := writeCount(h.srv); n != writesBefore {
		t.Fatalf("%d writes before the confirmation", n-writesBefore)
	}
	h.tapIn(dlg, "Fix")
	h.waitFor("the row fixed", func() bool {
		r := h.u.view.readiness
		return !r.busy && strings.Contains(r.status.Text, "Fixed:")
	}, h.screenText)
	h.do(func() {
		for _, kind := range []string{"development", "adhoc", "appstore"} {
			if v := h.cellView("com.example.doctor.notes", kind); !v.cell.Ready || !sameColor(v.bg.FillColor, tinted(theme.ColorNameSuccess)) {
				t.Errorf("after its row's fix, notes x %s: %s", kind, v.cell.Summary())
			}
		}
		if h.cellView("com.example.doctor.maps", "adhoc").cell.Ready {
			t.Error("fixing the notes row fixed maps too")
		}
	})
	// Remove one installed copy: that cell is amber, nothing to do at Apple.
	h.do(func() {
		c := h.cellView("com.example.doctor.notes", "appstore").cell
		os.Remove(filepath.Join(folders[0], c.Profile.UUID+".mobileprovision"))
		os.Remove(filepath.Join(folders[1], c.Profile.UUID+".mobileprovision"))
		test.Tap(h.u.view.readiness.check)
	})
	h.waitChecked()
	h.do(func() {
		if v := h.cellView("com.example.doctor.notes", "appstore"); v.cell.Severity() != 1 || !sameColor(v.bg.FillColor, tinted(theme.ColorNameWarning)) || v.label.Text != "Not installed" {
			t.Errorf("a cell only missing its installation: severity %d, %q", v.cell.Severity(), v.label.Text)
		}
		test.Tap(h.u.view.readiness.fixAll)
	})
	dlg = h.waitDialog("This will:")
	h.tapIn(dlg, "Fix")
	h.waitFor("every cell ready", func() bool {
		r := h.u.view.readiness
		return !r.busy && strings.Contains(r.status.Text, "8 of 8")
	}, h.screenText)
}

func writeCount(srv *sandbox.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method != "GET" {
			n++
		}
	}
	return n
}

// Renew sits beside the certificate that expires within 30 days; it asks
// first, naming the profiles it regenerates, and then replaces it.
func TestReadinessRenewsAnExpiringCertificate(t *testing.T) {
	h, _ := openReadiness(t)
	var old string
	for _, c := range h.srv.Certificates() {
		if c.CertificateType == "IOS_DEVELOPMENT" {
			old = c.ID
		}
	}
	h.do(func() {
		if s := strings.Join(texts(h.u.view.readiness.expiring), "\n"); !strings.Contains(s, "iOS Development: Jane Appleseed") || !strings.Contains(s, "expires in") {
			t.Fatalf("the expiring certificate is not shown: %q", s)
		}
		test.Tap(findButton(h.u.view.readiness.expiring, "Renew…"))
	})
	dlg := h.waitDialog("Maps Development")
	if text := strings.Join(texts(dlg), "\n"); !strings.Contains(text, "Notes Development") || !strings.Contains(text, "create a new iOS Development certificate") {
		t.Errorf("the renewal's confirmation:\n%s", text)
	}
	h.tapIn(dlg, "Renew")
	h.waitFor("the renewal", func() bool {
		r := h.u.view.readiness
		return !r.busy && strings.Contains(r.status.Text, "Renewed:")
	}, h.screenText)
	n := 0
	for _, c := range h.srv.Certificates() {
		if c.CertificateType == "IOS_DEVELOPMENT" && c.ID != old {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d new iOS Development certificates, want 1", n)
	}
	for _, p := range h.srv.Profiles() {
		if strings.HasSuffix(p.Name, "Development") && p.ProfileType == "IOS_APP_DEVELOPMENT" {
			for _, id := range p.CertificateIDs {
				if id == old {
					t.Errorf("%s still includes the old certificate", p.Name)
				}
			}
		}
	}
}

// TestScreenshotOfReadiness draws the Readiness tab for the README when
// ASCKEYS_SCREENSHOTS names the folder (scripts/screenshots.sh): one row
// fixed (green), one cell only missing its installation (amber), the rest
// red, and the expiring certificate with its Renew button.
func TestScreenshotOfReadiness(t *testing.T) {
	inBothThemes(t, func(t *testing.T, out, suffix string, variant fyne.ThemeVariant) {
		h, folders := openReadiness(t)
		h.useTheme(variant)
		r := h.u.view.readiness
		var notes []actions.Cell
		h.do(func() {
			for _, c := range r.cells {
				if c.BundleIdentifier == "com.example.doctor.notes" {
					notes = append(notes, c)
				}
			}
			r.runFix(actions.PlanFix(notes, r.usable(), true))
		})
		h.waitFor("the fix", func() bool { return !r.busy && strings.Contains(r.status.Text, "Fixed:") })
		h.do(func() {
			c := h.cellView("com.example.doctor.notes", "adhoc").cell
			for _, f := range folders {
				os.Remove(filepath.Join(f, c.Profile.UUID+".mobileprovision"))
			}
			r.recheck(false, "")
		})
		h.waitChecked()
		h.do(func() { h.cellView("com.example.doctor.maps", "development").MouseIn(&desktop.MouseEvent{}) })
		h.capture(out, "readiness"+suffix+".png")
	})
}

// Choosing another key with the Readiness tab shown checks that key; an
// individual key says why it cannot be checked, and offers no Check.
func TestReadinessFollowsTheChosenKey(t *testing.T) {
	profileHome(t)
	h := newHarness(t, sandbox.Config{Seed: 17, Doctor: true})
	team, _ := h.link("Example Corp", core.KindTeam, sandbox.RoleAdmin)
	mine, _ := h.link("Mine", core.KindIndividual, sandbox.RoleAdmin)
	h.open()
	h.do(func() { h.u.chooseKey(team.ID) })
	h.waitLoaded()
	h.do(func() { h.u.view.tabs.Select(h.u.view.readiness.tabItem()) })
	h.waitChecked()
	h.do(func() { h.u.chooseKey(mine.ID) })
	h.waitFor("the individual key's explanation", func() bool {
		r := h.u.view.readiness
		return strings.Contains(r.status.Text, "Individual keys cannot use provisioning") && r.check.Disabled() && len(r.views) == 0
	}, h.screenText)
	h.do(func() { h.u.chooseKey(team.ID) })
	h.waitFor("the team key checked again", func() bool {
		r := h.u.view.readiness
		return r.checked && !r.busy && len(r.views) == 8
	}, h.screenText)
}

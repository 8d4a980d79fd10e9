package gui

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	fstorage "fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

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
	out := os.Getenv("ASCKEYS_SCREENSHOTS")
	if out == "" {
		t.Skip("set ASCKEYS_SCREENSHOTS to a folder to draw the screenshots")
	}
	for _, v := range []struct {
		suffix  string
		variant fyne.ThemeVariant
	}{{"", theme.VariantDark}, {"-light", theme.VariantLight}} {
		t.Run("variant"+v.suffix, func(t *testing.T) {
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
			h.do(func() { fyne.CurrentApp().Settings().SetTheme(variantTheme{newTheme(), v.variant}) })
			h.open()
			h.do(func() { test.Tap(findButton(h.win.Canvas().Content(), "On This Mac")) })
			h.waitFor("the inventory", func() bool { return len(h.u.local.table.All()) > 0 && !h.u.local.scanning })
			h.capture(out, "on-this-mac"+v.suffix+".png")
			h.do(func() { h.u.handleDrop([]fyne.URI{fstorage.NewFileURI(drop)}) })
			h.waitDialog("Signature:")
			h.capture(out, "inspector"+v.suffix+".png")
		})
	}
}

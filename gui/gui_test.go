package gui

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox"
	"github.com/asckeys/asckeys/storage"
)

// texts gathers every piece of text a person can read in o: what is
// visible, in labels, buttons, rich text and cards.
func texts(o fyne.CanvasObject) []string {
	var out []string
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch w := o.(type) {
		case *widget.Label:
			out = append(out, w.Text)
		case *widget.Button:
			out = append(out, w.Text)
		case *dialogButton:
			out = append(out, w.Text)
		case *widget.RichText:
			out = append(out, segmentsText(w.Segments))
		case *widget.Card:
			out = append(out, w.Title, w.Subtitle)
			if w.Content != nil {
				walk(w.Content)
			}
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		}
		if r := test.WidgetRenderer(asWidget(o)); r != nil {
			for _, c := range r.Objects() {
				walk(c)
			}
		}
	}
	walk(o)
	return out
}

// segmentsText is the text of rich-text segments, list items included.
func segmentsText(segs []widget.RichTextSegment) string {
	return strings.TrimSpace(rawSegmentsText(segs))
}

func rawSegmentsText(segs []widget.RichTextSegment) string {
	var b strings.Builder
	for _, s := range segs {
		switch s := s.(type) {
		case *widget.ListSegment:
			b.WriteString(rawSegmentsText(s.Items))
		case *widget.ParagraphSegment:
			b.WriteString(rawSegmentsText(s.Texts))
		default:
			b.WriteString(s.Textual())
		}
		b.WriteString(" ")
	}
	return b.String()
}

func asWidget(o fyne.CanvasObject) fyne.Widget {
	switch w := o.(type) {
	case *widget.Label, *widget.Button, *dialogButton, *widget.RichText, *widget.Card:
		return nil // their text is read above
	case fyne.Widget:
		return w
	}
	return nil
}

func findButton(o fyne.CanvasObject, label string) *widget.Button {
	var found *widget.Button
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if found != nil || o == nil || !o.Visible() {
			return
		}
		switch w := o.(type) {
		case *widget.Button:
			if w.Text == label {
				found = w
				return
			}
		case *dialogButton:
			if w.Text == label {
				found = &w.Button
				return
			}
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
			return
		}
		if w, ok := o.(fyne.Widget); ok {
			for _, c := range test.WidgetRenderer(w).Objects() {
				walk(c)
			}
		}
	}
	walk(o)
	return found
}

func TestEmptyWindowTeachesHowToLinkAKey(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 1})
	h.opts.Hint = "Demo: try AuthKey_TESTKEY123.p8"
	h.open()
	h.waitFor("the key list to be read", func() bool { return h.u.keysShown() })

	all := read(h, h.screenText)
	for _, want := range []string{
		"App Store Connect API Keys",
		"No keys linked yet.",
		"Users and Access",
		"Integrations",
		"App Store Connect API",
		"Admin",
		"only once",
		"Drop your AuthKey_XXXXXXXXXX.p8 here",
		"Demo: try AuthKey_TESTKEY123.p8",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("the empty window does not say %q; it shows:\n%s", want, all)
		}
	}
	// Both Add New buttons (the panel's and the empty state's) open the dialog.
	for _, label := range []string{"Add New", "Add New…"} {
		h.do(func() {
			b := findButton(h.win.Canvas().Content(), label)
			if b == nil {
				t.Fatalf("the empty window has no %q button", label)
			}
			if b.Disabled() {
				t.Fatalf("%q is disabled in the empty state", label)
			}
			test.Tap(b)
		})
		h.waitFor("the Add New dialog", func() bool { return h.u.add != nil })
		h.do(func() { h.u.add.onCancel() })
		h.waitFor("the Add New dialog to close", func() bool { return h.u.add == nil })
	}
}

// The window can be made as narrow as half a 1920 px screen, with a key
// shown and its lists loaded.
func TestTheWindowFitsHalfAFullHDScreen(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 30, Certificates: 5, Profiles: 5})
	h.link("Example Corp With A Long Team Name", core.KindTeam, sandbox.RoleAdmin)
	h.open()
	h.waitLoaded()
	h.do(func() {
		for i := range 4 {
			h.u.view.tabs.SelectIndex(i)
			if w := h.win.Content().MinSize().Width; w > 900 {
				t.Errorf("with tab %d shown the window needs %v px, more than 900", i, w)
			}
		}
	})
}

// Hovering a key in the panel shows its whole name and Key ID, which a
// narrow panel cuts.
func TestHoveringAKeyShowsItsWholeName(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 31})
	_, tk := h.link("Example Corp Production Distribution Key", core.KindTeam, sandbox.RoleAdmin)
	h.open()
	h.waitFor("the key in the panel", func() bool { return len(findAll[*keyRow](h.win.Canvas().Content())) > 0 })
	h.do(func() {
		row := findAll[*keyRow](h.win.Canvas().Content())[0]
		row.MouseIn(&desktop.MouseEvent{})
		if s := h.screenText(); !strings.Contains(s, "Example Corp Production Distribution Key · "+tk.KeyID) {
			t.Errorf("hovering the key does not show its whole name and Key ID:\n%s", s)
		}
	})
}

// With no Secret Service the window says so once, at the top, with the fix
// and without the raw Go error; Add New says it before the form is filled.
func TestNoKeychainIsSaidOnceAtStart(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 32})
	h.link("First", core.KindTeam, sandbox.RoleAdmin)
	h.link("Second", core.KindTeam, sandbox.RoleAdmin)
	h.kc.Inject(storage.Fault{Op: storage.OpGet, Err: &storage.KeychainError{Op: storage.OpGet, Kind: storage.ErrNoKeychain,
		Err: errors.New(`exec: "dbus-launch": executable file not found in $PATH`)}})
	h.open()
	h.waitFor("the banner", func() bool { return h.u.bannerBox.Visible() }, h.screenText)
	// The lists need the private key too: they fail, and must not repeat it.
	h.waitFor("the certificates to fail", func() bool { return h.u.view.certs.problemText.Text != "" }, h.screenText)
	h.do(func() {
		s := h.screenText()
		if n := strings.Count(s, "no Secret Service is running"); n != 1 {
			t.Errorf("the window says there is no Secret Service %d times, want once:\n%s", n, s)
		}
		if strings.Contains(h.u.banner.Text, "dbus-launch") {
			t.Errorf("the banner shows the raw error: %q", h.u.banner.Text)
		}
		if !h.u.banner.toggle.Visible() {
			t.Error("the raw error is not behind Details")
		}
	})
	d := h.openAddDialog()
	h.do(func() {
		if !strings.Contains(d.result.Text, "Secret Service") {
			t.Errorf("Add New opens without saying the key cannot be saved: %q", d.result.Text)
		}
	})
}

// Export warns first, then writes fastlane's JSON with the private key,
// readable only by the user.
func TestExportWritesFastlaneJSONAfterAWarning(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 33})
	k, tk := h.link("Example Corp", core.KindTeam, sandbox.RoleAdmin)
	h.open()
	h.waitFor("the key list", func() bool { return h.u.keysShown() })
	h.do(func() {
		h.u.exportKey(k)
		if s := h.screenText(); !strings.Contains(s, "private key in plain text") {
			t.Errorf("Export does not warn what the file holds:\n%s", s)
		}
	})
	path := filepath.Join(t.TempDir(), "AuthKey_"+tk.KeyID+".json")
	h.do(func() { h.u.exportTo(k, path) }) // as the save dialog does
	h.waitFor("the export to finish", func() bool { return strings.Contains(h.screenText(), "Key Exported") }, h.screenText)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), tk.KeyID) || !strings.Contains(string(data), "PRIVATE KEY") {
		t.Errorf("the export does not hold the Key ID and private key: %.80s…", data)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the export's mode is %v, want 0600 (%v)", fi.Mode().Perm(), err)
	}
}

package gui

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	fstorage "fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox"
	"github.com/asckeys/asckeys/storage"
)

// chooseFolder answers the folder chooser with dir, as the user does.
func (h *harness) chooseFolder(dir string) {
	h.t.Helper()
	h.waitFor("the folder chooser", func() bool { return h.u.downloads.onFolder != nil })
	h.do(func() {
		l, err := fstorage.ListerForURI(fstorage.NewFileURI(dir))
		if err != nil {
			h.t.Fatal(err)
		}
		// As the chooser does: it hides, then calls back.
		h.u.downloads.folder.fd.Hide()
		h.u.downloads.folder.answer(l, nil)
	})
}

// shownResult is what the download's result dialog says: a line per file,
// ✓ written or ✗ failed.
type shownResult struct {
	lines           []string
	written, failed int
}

// waitResult waits for the download's result dialog and reads it.
func (h *harness) waitResult() shownResult {
	h.t.Helper()
	var r shownResult
	h.waitFor("the download's result", func() bool {
		r = shownResult{}
		top := h.win.Canvas().Overlays().Top()
		if top == nil || findButton(top, "Done") == nil {
			return false
		}
		for _, s := range texts(top) {
			switch {
			case strings.HasPrefix(s, "✓"):
				r.written++
			case strings.HasPrefix(s, "✗"):
				r.failed++
			default:
				continue
			}
			r.lines = append(r.lines, s)
		}
		return true
	}, h.screenText)
	return r
}

func TestDownloadingWritesTheFilesAppleServes(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 20, Certificates: 8, Profiles: 8})
	h.link("Example Corp", core.KindTeam, sandbox.RoleAdmin)
	h.open()
	h.waitLoaded()
	dir := t.TempDir()

	// Two certificates, chosen with their checkboxes, then Download.
	var chosen []core.Certificate
	h.do(func() {
		tab := h.u.view.certs
		checks := findAll[*widget.Check](tab.item.Content)
		if len(checks) < 3 {
			t.Fatalf("the certificates tab shows %d checkboxes", len(checks))
		}
		test.Tap(checks[1]) // checks[0] is the header's "select all"
		test.Tap(checks[2])
		chosen = tab.table.Selected()
		b := findButton(tab.item.Content, "Download 2 certificates")
		if b == nil || b.Disabled() {
			t.Fatalf("no enabled Download 2 certificates button: %v", texts(tab.item.Content))
		}
		test.Tap(b)
	})
	h.chooseFolder(dir)
	res := h.waitResult()
	h.do(func() {
		if res.written != 2 || res.failed != 0 || !strings.Contains(h.screenText(), "Downloaded 2 Files") {
			t.Errorf("result: %d written, %d failed:\n%s", res.written, res.failed, h.screenText())
		}
		if findButton(h.win.Canvas().Overlays().Top(), "Open Folder") == nil {
			t.Error("the result offers no Open Folder")
		}
		// The choice is done with once every file is on disk.
		if n := len(h.u.view.certs.table.Selected()); n != 0 {
			t.Errorf("after a successful download %d certificates are still selected", n)
		}
	})
	for _, c := range chosen {
		want, err := h.srv.Certificate(c.ID)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dir, core.CertificateFileName(c)))
		if err != nil || !bytes.Equal(got, want.DER) {
			t.Errorf("%s: the file does not hold the certificate's DER (%v)", c.Name, err)
		}
		if !containsLine(res.lines, core.CertificateFileName(c)) || !containsLine(res.lines, c.Name) {
			t.Errorf("the result does not list %s by name and file: %v", c.Name, res.lines)
		}
	}

	// A profile through its row's download button; the folder chooser
	// remembers the last folder.
	h.do(func() { test.Tap(findButton(h.win.Canvas().Overlays().Top(), "Done")) })
	var p core.Profile
	h.do(func() {
		p = h.u.view.profiles.table.Rows()[0]
		h.u.view.profiles.onDownloadRow(p)
	})
	h.chooseFolder(dir)
	h.waitResult()
	want, err := h.srv.Profile(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, p.UUID+".mobileprovision"))
	if err != nil || !bytes.Equal(got, want.Content) {
		t.Errorf("the profile file does not hold the profile (%v)", err)
	}
	if st := storage.NewStateStore(h.stateDir).Load(); st.DownloadDir != dir {
		t.Errorf("the window remembers %q as the last folder, want %s", st.DownloadDir, dir)
	}
}

func containsLine(lines []string, s string) bool {
	for _, l := range lines {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

func TestDeveloperKeyDownloadingADistributionCertificateShows403InWords(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 21, Certificates: 12})
	h.link("CI (Developer)", core.KindTeam, sandbox.RoleDeveloper)
	h.open()
	h.waitLoaded()
	var dist, dev *core.Certificate
	for _, c := range h.srv.Certificates() {
		for _, row := range read(h, func() []core.Certificate { return h.u.view.certs.table.Rows() }) {
			if row.ID != c.ID {
				continue
			}
			if c.Development && dev == nil {
				dev = &row
			} else if !c.Development && dist == nil {
				dist = &row
			}
		}
	}
	if dist == nil || dev == nil {
		t.Fatal("the sandbox has no distribution and development certificates to try")
	}
	dir := t.TempDir()
	h.do(func() {
		h.u.view.download([]core.DownloadItem{{Certificate: dist}, {Certificate: dev}}, nil)
	})
	h.chooseFolder(dir)
	res := h.waitResult()
	h.do(func() {
		s := h.screenText()
		for _, want := range []string{"Downloaded 1 of 2 Files", "(403", "only Admin keys may download distribution certificates"} {
			if !strings.Contains(s, want) {
				t.Errorf("the result does not say %q:\n%s", want, s)
			}
		}
		if res.written != 1 || res.failed != 1 {
			t.Errorf("result: %d written, %d failed; want the development one written", res.written, res.failed)
		}
	})
	// The development certificate still downloaded.
	if _, err := os.Stat(filepath.Join(dir, core.CertificateFileName(*dev))); err != nil {
		t.Errorf("the development certificate was not written: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, core.CertificateFileName(*dist))); err == nil {
		t.Error("a refused certificate left a file")
	}
}

func TestCancellingADownloadStopsIt(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 22, Certificates: 8})
	h.link("Example Corp", core.KindTeam, sandbox.RoleAdmin)
	h.open()
	h.waitLoaded()
	// Content downloads stall, so Cancel is what ends them.
	h.srv.InjectFaults(sandbox.Fault{Kind: sandbox.FaultStall, Stall: waitTimeout, Times: 100, Match: sandbox.MatchContent()})
	h.do(func() {
		rows := h.u.view.certs.table.Rows()
		items := make([]core.DownloadItem, len(rows))
		for i := range rows {
			items[i] = core.DownloadItem{Certificate: &rows[i]}
		}
		h.u.view.download(items, nil)
	})
	h.chooseFolder(t.TempDir())
	h.waitFor("the progress dialog", func() bool { return h.u.downloads.progress != nil })
	h.do(func() {
		if !strings.Contains(h.screenText(), "0 of 8") {
			t.Errorf("the progress does not say 0 of 8:\n%s", h.screenText())
		}
		h.u.downloads.onCancel()
	})
	res := h.waitResult()
	h.do(func() {
		if !strings.Contains(h.screenText(), "Download Cancelled") || res.written != 0 {
			t.Errorf("after Cancel the result says:\n%s", h.screenText())
		}
	})
}

// When nothing was written, the result offers no folder to open and keeps
// the selection for another try.
func TestAFailedDownloadOffersNoFolder(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 23, Certificates: 12})
	h.link("CI (Developer)", core.KindTeam, sandbox.RoleDeveloper)
	h.open()
	h.waitLoaded()
	var dist *core.Certificate
	for _, c := range h.srv.Certificates() {
		if !c.Development {
			for _, row := range read(h, func() []core.Certificate { return h.u.view.certs.table.Rows() }) {
				if row.ID == c.ID {
					dist = &row
				}
			}
			break
		}
	}
	if dist == nil {
		t.Fatal("the sandbox has no distribution certificate")
	}
	done := false
	h.do(func() { h.u.view.download([]core.DownloadItem{{Certificate: dist}}, func() { done = true }) })
	h.chooseFolder(t.TempDir())
	res := h.waitResult()
	h.do(func() {
		if res.failed != 1 || !strings.Contains(h.screenText(), "Download Failed") {
			t.Errorf("result: %v:\n%s", res.lines, h.screenText())
		}
		if findButton(h.win.Canvas().Overlays().Top(), "Open Folder") != nil {
			t.Error("a download that wrote nothing offers Open Folder")
		}
		if done {
			t.Error("a failed download reported success")
		}
		// Rows of the refused type no longer offer a download that fails.
		if h.u.view.refusedReason(core.DownloadItem{Certificate: dist}) == "" {
			t.Error("after Apple's 403 the certificate's type is not marked as refused")
		}
		var disabled int
		for _, b := range findAll[*widget.Button](h.u.view.certs.item.Content) {
			if b.Icon != nil && b.Icon.Name() == theme.DownloadIcon().Name() && b.Text == "" && b.Disabled() {
				disabled++
			}
		}
		if disabled == 0 {
			t.Error("no row's Download button is disabled after Apple refused its type")
		}
	})
}

package gui

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox"
	"github.com/asckeys/asckeys/storage"
)

// closedPort is a loopback address nobody listens on: a request to it fails
// at once with "connection refused", as when the network is down.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// findMenuItem finds the tappable item of a pop-up menu whose label is
// label: menu items draw their label as canvas text.
func findMenuItem(o fyne.CanvasObject, label string) fyne.Tappable {
	var found fyne.Tappable
	var walk func(o fyne.CanvasObject, item fyne.Tappable)
	walk = func(o fyne.CanvasObject, item fyne.Tappable) {
		if found != nil || o == nil || !o.Visible() {
			return
		}
		if tp, ok := o.(fyne.Tappable); ok {
			item = tp
		}
		switch w := o.(type) {
		case *canvas.Text:
			if w.Text == label && item != nil {
				found = item
			}
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c, item)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(w).Objects() {
				walk(c, item)
			}
		}
	}
	walk(o, nil)
	return found
}

// verifyFromMenu selects the key with vault id id and presses Verify with
// Apple in its row's "…" menu, as the user does.
func (h *harness) verifyFromMenu(id string) {
	h.t.Helper()
	h.do(func() {
		h.u.selectKey(id)
		for _, row := range findAll[*keyRow](h.u.org.list) {
			if row.id == id {
				test.Tap(row.more)
				return
			}
		}
		h.t.Fatalf("no row in the panel for key %s", id)
	})
	h.waitFor("the key's menu", func() bool {
		top := h.win.Canvas().Overlays().Top()
		return top != nil && findMenuItem(top, "Verify with Apple") != nil
	})
	h.do(func() { test.Tap(findMenuItem(h.win.Canvas().Overlays().Top(), "Verify with Apple")) })
}

func TestOfflineVerifyLeavesTheKeysStateAsItWas(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 30})
	checked, _ := h.link("Checked Key", core.KindTeam, sandbox.RoleAdmin)
	fresh, _ := h.link("Fresh Key", core.KindTeam, sandbox.RoleAdmin)
	verifiedAt := time.Now().Add(-2 * time.Hour).UTC().Truncate(time.Second)
	if _, err := h.vault.RecordCheck(context.Background(), checked.ID, verifiedAt, nil); err != nil {
		t.Fatal(err)
	}
	// Offline: every request fails before it reaches Apple.
	offline := "http://" + closedPort(t)
	h.opts.NewClient = func(c core.Credentials) *core.Client {
		return core.NewClient(c, core.WithBaseURL(offline), core.WithRetry(core.RetryPolicy{MaxAttempts: 1}))
	}
	h.open()
	h.waitFor("the key list to be read", func() bool { return h.u.keysShown() && len(h.u.keys) == 2 })

	for _, tc := range []struct {
		key          storage.Key
		status       string
		state        storage.Verification
		lastVerified time.Time
	}{
		{checked, "Verified 2 hours ago", storage.Verified, verifiedAt},
		{fresh, "Not yet verified", storage.NotVerified, time.Time{}},
	} {
		h.verifyFromMenu(tc.key.ID)
		// Pressing Verify showed "Checking…" with a spinner; the check is
		// over when the spinner goes.
		h.waitFor("the check of "+tc.key.Name+" to end", func() bool {
			v := h.u.view
			return v.showing(tc.key.ID) && !(v.notice.Visible() && v.noticeIcon.Visible())
		}, func() string { return "notice: " + h.u.view.noticeText.Text })
		// The check is recorded (or not) before the outcome is shown, so
		// the vault already holds what the next read of the list shows.
		got, err := h.vault.Get(context.Background(), tc.key.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Verification() != tc.state || got.LastError != "" || !got.LastVerified.Equal(tc.lastVerified) {
			t.Errorf("%s after an offline check: %v, last verified %v, last error %q; want it as it was (%v)",
				tc.key.Name, got.Verification(), got.LastVerified, got.LastError, tc.state)
		}
		h.do(func() {
			if text := h.u.view.noticeText.Text; !strings.Contains(strings.ToLower(text), "could not reach app store connect") || !strings.Contains(text, "check your connection") {
				t.Errorf("%s: the header says %q, want that the network failed", tc.key.Name, text)
			}
			s := h.screenText()
			if !strings.Contains(s, tc.status) || strings.Contains(s, "Key rejected by Apple") {
				t.Errorf("%s: the panel does not show %q (or shows a rejection):\n%s", tc.key.Name, tc.status, s)
			}
		})
	}
}

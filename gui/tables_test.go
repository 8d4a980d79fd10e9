package gui

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox"
	"github.com/asckeys/asckeys/storage"
)

// waitLoaded waits until every tab of the key view holds a fresh list.
func (h *harness) waitLoaded() {
	h.t.Helper()
	h.waitFor("the four lists to load", func() bool {
		for _, t := range []interface{ isFresh() bool }{h.u.view.certs, h.u.view.profiles, h.u.view.bundles, h.u.view.devices} {
			if !t.isFresh() {
				return false
			}
		}
		return true
	}, h.screenText)
}

func (t *resourceTab[T]) isFresh() bool { return t.fresh && !t.loading }

// findTappable finds a visible tappable object whose text is text, such as
// a table's header cell.
func findTappable(o fyne.CanvasObject, text string) fyne.Tappable {
	var found fyne.Tappable
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if found != nil || o == nil || !o.Visible() {
			return
		}
		if tp, ok := o.(fyne.Tappable); ok {
			// A table (widget.Table or one embedding it) holds every text.
			if _, isTable := o.(interface{ SetColumnWidth(int, float32) }); !isTable && slices.Contains(texts(o), text) {
				found = tp
				return
			}
		}
		switch w := o.(type) {
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(w).Objects() {
				walk(c)
			}
		}
	}
	walk(o)
	return found
}

// findAll lists the visible objects of type W under o, in tree order.
func findAll[W any](o fyne.CanvasObject) []W {
	var out []W
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		if w, ok := o.(W); ok {
			out = append(out, w)
		}
		switch w := o.(type) {
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(w).Objects() {
				walk(c)
			}
		}
	}
	walk(o)
	return out
}

func TestSelectingAKeyFillsTheTablesFromAppleAndRemembersIt(t *testing.T) {
	cfg := sandbox.Config{Seed: 10, Certificates: 30, Profiles: 450, BundleIDs: 25, Devices: 60}
	h := newHarness(t, cfg)
	first, _ := h.link("First Team", core.KindTeam, sandbox.RoleAdmin)
	second, tk2 := h.link("Second Team", core.KindTeam, sandbox.RoleAdmin)
	h.open()
	h.waitLoaded()

	want := map[string]int{
		"certificates": len(h.srv.Certificates()),
		"profiles":     len(h.srv.Profiles()),
		"bundle IDs":   len(h.srv.BundleIDs()),
		"devices":      len(h.srv.Devices()),
	}
	// Two keys: the Overview comes first, the first key's lists behind it;
	// choosing the key in the panel shows them.
	h.do(func() {
		if h.u.right.Objects[0] != h.u.overview.content {
			t.Error("with two keys, the Overview is not the first view")
		}
		h.u.org.list.Select(0)
	})
	h.do(func() {
		v := h.u.view
		if !v.showing(first.ID) || h.u.right.Objects[0] != v.content {
			t.Fatalf("the first key is not shown (showing %q)", v.key.Name)
		}
		got := map[string]int{
			"certificates": len(v.certs.table.Rows()),
			"profiles":     len(v.profiles.table.Rows()),
			"bundle IDs":   len(v.bundles.table.Rows()),
			"devices":      len(v.devices.table.Rows()),
		}
		for what, n := range want {
			if got[what] != n {
				t.Errorf("%s: %d rows, the sandbox has %d", what, got[what], n)
			}
		}
		// The count a person reads above the table says the same.
		if s := h.screenText(); !strings.Contains(s, count(want["certificates"])+" certificates") {
			t.Errorf("the certificates tab does not say %d certificates:\n%s", want["certificates"], s)
		}
		if !strings.Contains(v.budget.Text, "of 3,600 this hour") {
			t.Errorf("the header shows %q for the requests left", v.budget.Text)
		}
		// Select the second key in the panel, as a click does.
		h.u.org.list.Select(1)
	})
	h.waitFor("the second key's header", func() bool { return h.u.view.keyID.Text == tk2.KeyID })
	h.waitLoaded()
	h.do(func() {
		if n := len(h.u.view.profiles.table.Rows()); n != want["profiles"] {
			t.Errorf("the second key shows %d profiles, want %d", n, want["profiles"])
		}
	})

	// The choice survives a restart.
	h.close()
	h.u = nil
	h2 := newHarness(t, cfg)
	h2.vault, h2.opts.Vault, h2.opts.StateDir = h.vault, h.vault, h.stateDir
	h2.open()
	h2.waitFor("the remembered key to be selected at start", func() bool { return h2.u.view.showing(second.ID) },
		func() string { return "showing " + h2.u.view.key.Name })
}

func TestSortingAndFilteringATab(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 11, Certificates: 40})
	h.link("Example Corp", core.KindTeam, sandbox.RoleAdmin)
	h.open()
	h.waitLoaded()

	certs := h.u.view.certs
	h.do(func() {
		// Tapping the Expires header sorts by date, not by the text of the
		// cells ("1 Jan" would sort before "9 Dec" as text).
		hdr := findTappable(certs.item.Content, "Expires")
		if hdr == nil {
			t.Fatal("no Expires header to tap")
		}
		test.Tap(hdr)
		rows := certs.table.Rows()
		if !slices.IsSortedFunc(rows, func(a, b core.Certificate) int { return a.ExpirationDate.Compare(b.ExpirationDate.Time) }) {
			t.Error("tapping Expires did not sort the certificates by expiry date")
		}
		// The first row is the one that expired longest ago, shown in red.
		first := rows[0]
		if core.ExpiryOf(first.ExpirationDate.Time, time.Now()).State != core.ExpiryExpired {
			t.Errorf("the earliest certificate (%s) is not expired; the sandbox seeds some expired ones", first.ExpirationDate)
		}
		test.Tap(hdr)
		rows = certs.table.Rows()
		if !slices.IsSortedFunc(rows, func(a, b core.Certificate) int { return b.ExpirationDate.Compare(a.ExpirationDate.Time) }) {
			t.Error("a second tap on Expires did not reverse the order")
		}

		// Typing in the search box filters as you type.
		var search fyne.Focusable
		for _, f := range findAll[fyne.Focusable](certs.item.Content) {
			if w, ok := f.(fyne.Widget); ok && slices.Contains(texts(w), "Search certificates") {
				search = f
				break
			}
		}
		if search == nil {
			t.Fatal("the certificates tab has no search box")
		}
		test.Type(search, "distribution")
	})
	h.do(func() {
		rows := certs.table.Rows()
		var want int
		for _, c := range h.srv.Certificates() {
			if strings.Contains(strings.ToLower(c.Name+" "+core.CertificateTypeLabel(c.CertificateType)), "distribution") {
				want++
			}
		}
		if len(rows) != want || want == 0 {
			t.Errorf("the search for \"distribution\" shows %d rows, want %d", len(rows), want)
		}
		for _, r := range rows {
			if !strings.Contains(strings.ToLower(r.Label()+core.CertificateTypeLabel(r.CertificateType)), "distribution") {
				t.Errorf("the search shows %q", r.Label())
			}
		}
	})
}

func TestRowsAreColouredByExpiry(t *testing.T) {
	now := time.Now()
	day := 24 * time.Hour
	for _, tc := range []struct {
		exp  time.Time
		tone string
	}{
		{now.Add(-day), "Danger"},
		{now.Add(10 * day), "Warning"},
		{now.Add(29 * day), "Warning"},
		{now.Add(90 * day), "Normal"},
	} {
		got := map[int]string{0: "Normal", 1: "Warning", 2: "Danger", 3: "Muted"}[int(expiryTone(tc.exp))]
		if got != tc.tone {
			t.Errorf("a row expiring %s is %s, want %s", tc.exp.Format(time.DateOnly), got, tc.tone)
		}
	}
	p := core.Profile{ProfileState: "ACTIVE", ExpirationDate: core.NewTime(now.Add(-day))}
	if s := profileStatus(p); s != "Expired" {
		t.Errorf("an expired profile that Apple calls ACTIVE shows %q, want Expired", s)
	}
}

func TestIndividualKeyExplainsAndSendsNoRequest(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 12})
	h.link("Just Me", core.KindIndividual, sandbox.RoleAdmin)
	h.open()
	h.waitFor("the explanation in the tabs", func() bool {
		return strings.Contains(h.screenText(), "Individual keys cannot use provisioning")
	}, h.screenText)
	for i, title := range []string{"Certificates", "Profiles", "Bundle IDs", "Devices"} {
		h.do(func() {
			h.u.view.tabs.SelectIndex(i)
			s := h.screenText()
			for _, want := range []string{"Apple does not let individual keys use provisioning", "Team Keys", "Admin"} {
				if !strings.Contains(s, want) {
					t.Errorf("the %s tab does not say %q:\n%s", title, want, s)
				}
			}
		})
	}
	h.close()
	h.u = nil
	if n := h.srv.Stats().Requests; n != 0 {
		t.Errorf("opening an individual key sent %d requests; Apple would refuse them all", n)
	}
}

func TestRevokedKeyShowsAppleRefusalInWordsWithRetry(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 13})
	k, tk := h.link("Old Key", core.KindTeam, sandbox.RoleAdmin)
	h.srv.RevokeKey(tk.KeyID)
	h.open()
	want := "App Store Connect rejected the key (401"
	h.waitFor("the 401 in words in the tab", func() bool { return strings.Contains(h.screenText(), want) }, h.screenText)
	h.do(func() {
		s := h.screenText()
		for _, w := range []string{"Could not load the certificates", "revoked", "Retry"} {
			if !strings.Contains(s, w) {
				t.Errorf("the tab does not say %q:\n%s", w, s)
			}
		}
		// Verify records the refusal, and the panel marks the key.
		test.Tap(h.u.view.verify)
	})
	h.waitFor("the key marked as rejected", func() bool {
		return strings.Contains(h.screenText(), "Key rejected by Apple")
	}, h.screenText)
	got, _ := h.vault.Get(context.Background(), k.ID)
	if got.Verification() != storage.Rejected {
		t.Errorf("the vault did not record the refusal: %+v", got)
	}
}

func TestMissingPrivateKeyIsMarkedAndExplained(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 14})
	k, _ := h.link("Lost Key", core.KindTeam, sandbox.RoleAdmin)
	if err := h.kc.Delete(context.Background(), k.ID); err != nil {
		t.Fatal(err)
	}
	h.open()
	h.waitFor("the key marked as missing its private key", func() bool {
		return strings.Contains(h.screenText(), "Private key missing from the keychain")
	}, h.screenText)
	h.waitFor("the remedy in the tab", func() bool {
		return strings.Contains(strings.ToLower(h.screenText()), "re-import")
	}, h.screenText)
}

func TestCachedListsShowAtOnceOnReopenWithTheirAge(t *testing.T) {
	cfg := sandbox.Config{Seed: 15, Certificates: 12, Profiles: 30}
	h := newHarness(t, cfg)
	h.link("Example Corp", core.KindTeam, sandbox.RoleAdmin)
	h.open()
	h.waitLoaded()
	h.close()
	h.u = nil

	// The cache is private: 0600 files in a 0700 folder.
	dir := filepath.Join(h.stateDir, "lists")
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("cache folder: %v, %v; want mode 0700", fi, err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) != 1 {
		t.Fatalf("cache files %v, want one", files)
	}
	if fi, _ := os.Stat(files[0]); fi.Mode().Perm() != 0o600 {
		t.Errorf("cache file mode %v, want 0600", fi.Mode().Perm())
	}
	var cl storage.CachedLists
	data, _ := os.ReadFile(files[0])
	if err := json.Unmarshal(data, &cl); err != nil || cl.Profiles == nil || len(cl.Profiles.Items) != 30 {
		t.Fatalf("the cache holds %v (%v), want 30 profiles", cl.Profiles, err)
	}

	// Apple is now too slow to answer before the test looks: what shows
	// must come from the cache.
	h.srv.SetLatency(time.Hour)
	h2 := newHarness(t, cfg)
	h2.srv = h.srv
	h2.vault, h2.opts.Vault, h2.opts.StateDir, h2.opts.NewClient = h.vault, h.vault, h.stateDir, h.opts.NewClient
	h2.open()
	h2.waitFor("the cached profiles", func() bool { return len(h2.u.view.profiles.table.Rows()) == 30 }, h2.screenText)
	h2.do(func() {
		s := h2.u.view.profiles.status.Text
		if !strings.Contains(s, "Showing the cached list from just now, refreshing") {
			t.Errorf("the profiles tab says %q, want its age and that it refreshes", s)
		}
	})
}

func TestCorruptKeyListOffersToRestoreTheBackup(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 16})
	h.link("First", core.KindTeam, sandbox.RoleAdmin)
	h.link("Second", core.KindTeam, sandbox.RoleAdmin) // makes a backup holding First
	if err := os.WriteFile(h.vault.Path(), []byte("{ this is not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	h.open()
	h.waitFor("the damaged list explained", func() bool {
		return strings.Contains(h.screenText(), "The list of linked keys cannot be read")
	}, h.screenText)
	h.do(func() {
		if !strings.Contains(h.screenText(), storage.BackupName) {
			t.Errorf("the message does not name the backup:\n%s", h.screenText())
		}
		if !h.u.org.addNew.Disabled() {
			t.Error("Add New is enabled while the key list is damaged")
		}
		test.Tap(h.u.corrupt.restore)
	})
	h.waitFor("the restored key list", func() bool { return len(h.u.keys) == 1 && h.u.keys[0].Name == "First" },
		h.screenText)
	h.do(func() {
		if h.u.org.addNew.Disabled() {
			t.Error("Add New stays disabled after the restore")
		}
	})
}

func TestRenameAndRemoveAKey(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 17})
	k, _ := h.link("Example Corp", core.KindTeam, sandbox.RoleAdmin)
	h.link("Other", core.KindTeam, sandbox.RoleAdmin)
	h.open()
	h.waitFor("the keys", func() bool { return len(h.u.keys) == 2 })

	h.do(func() { h.u.renameKey(k) })
	// The rename dialog is the top overlay; find its entry.
	h.do(func() {
		entries := findAll[*dialogEntry](h.win.Canvas().Overlays().Top())
		if len(entries) != 1 {
			t.Fatalf("the rename dialog has %d entries", len(entries))
		}
		e := entries[0]
		retype(e, "other")
		if s := h.screenText(); !strings.Contains(s, `Another key is already called "Other"`) {
			t.Errorf("a taken name is not refused:\n%s", s)
		}
		retype(e, "Example Corp (CI)")
		e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	})
	h.waitFor("the dialog to close and the new name to show", func() bool {
		return h.win.Canvas().Overlays().Top() == nil && strings.Contains(h.screenText(), "Example Corp (CI)")
	}, h.screenText)
	if got, _ := h.vault.Get(context.Background(), k.ID); got.Name != "Example Corp (CI)" {
		t.Errorf("the vault calls the key %q after the rename", got.Name)
	}

	h.do(func() { h.u.removeKey(k) })
	h.do(func() {
		s := h.screenText()
		for _, want := range []string{"deleted from this computer's keychain", "cannot be downloaded again", "AuthKey_" + k.KeyID + ".p8"} {
			if !strings.Contains(s, want) {
				t.Errorf("the confirmation does not say %q:\n%s", want, s)
			}
		}
		b := findButton(h.win.Canvas().Overlays().Top(), "Remove Key")
		if b == nil {
			t.Fatal("no Remove Key button")
		}
		test.Tap(b)
	})
	h.waitFor("the key to leave the panel", func() bool { return len(h.u.keys) == 1 })
	if _, ok := h.kc.Secret(k.ID); ok {
		t.Error("the removed key's private key is still in the keychain")
	}
}

func TestLoadingShowsProgressAndAFailedRefreshOffersRetry(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 18, Profiles: 450, BundleIDs: 30})
	h.link("Example Corp", core.KindTeam, sandbox.RoleAdmin)
	// The sandbox holds the second page of profiles until the test has seen
	// the progress after the first page, however slow the machine.
	held := make(chan struct{})
	release := sync.OnceFunc(func() { close(held) })
	t.Cleanup(release)
	h.srv.InjectFaults(sandbox.Fault{Kind: sandbox.FaultStall, Until: held, Match: func(r *http.Request) bool {
		return r.URL.Path == "/v1/profiles" && r.URL.Query().Get("cursor") != ""
	}})
	h.open()
	// No list is cached: the first page's rows are on screen while the
	// second is held, with how many of how many there are.
	p := h.u.view.profiles
	h.waitFor("the first page's rows and the count", func() bool {
		return len(p.body.Objects) == 1 && p.body.Objects[0] == p.table.Widget() && p.statusBar.Visible() &&
			strings.Contains(p.status.Text, "Loading 200 of 450 profiles")
	}, func() string { return p.status.Text + " / " + p.loadingText.Text })
	byExpiry := func(a, b core.Profile) int { return a.ExpirationDate.Compare(b.ExpirationDate.Time) }
	h.do(func() {
		shown := p.table.Rows()
		firstPage := slices.Sorted(slices.Values(h.srv.ProfileIDs()[:200]))
		var got []string
		for _, r := range shown {
			got = append(got, r.ID)
		}
		if slices.Sort(got); !slices.Equal(got, firstPage) {
			t.Errorf("%d rows shown while page 2 is held; want the first page's 200", len(got))
		}
		// Sorting works on the rows that are there, and holds as more come.
		h.u.view.tabs.SelectIndex(1)
		hdr := findTappable(p.item.Content, "Expires")
		if hdr == nil {
			t.Fatal("no Expires header to tap")
		}
		test.Tap(hdr)
		if !slices.IsSortedFunc(p.table.Rows(), byExpiry) {
			t.Error("tapping Expires did not sort the first page's rows by expiry date")
		}
	})
	release()
	h.waitLoaded()
	h.do(func() {
		if rows := p.table.Rows(); len(rows) != 450 || !slices.IsSortedFunc(rows, byExpiry) {
			t.Errorf("once every page came: %d rows, sorted by expiry %v; want 450, sorted", len(rows), slices.IsSortedFunc(rows, byExpiry))
		}
		if strings.Contains(p.status.Text, "Loading") {
			t.Errorf("the status still says %q", p.status.Text)
		}
	})

	// Refresh while Apple fails: the rows stay, the error shows above them.
	h.srv.InjectFaults(sandbox.Fault{Kind: sandbox.FaultStatus, Status: 503, Times: 10, Match: sandbox.MatchPath("/v1/bundleIds")})
	h.do(func() { test.Tap(h.u.view.refresh) })
	b := h.u.view.bundles
	h.waitFor("the failed refresh in words", func() bool {
		return b.problemBar.Visible() && strings.Contains(b.problemLine.Text, "Apple's servers had a problem (503")
	}, func() string { return b.problemLine.Text })
	h.do(func() {
		if n := len(b.table.Rows()); n != 30 {
			t.Errorf("the failed refresh left %d bundle IDs on screen, want the 30 shown before", n)
		}
		h.srv.ClearFaults()
		retry := findButton(b.problemBar, "Retry")
		if retry == nil {
			t.Fatal("no Retry next to the error")
		}
		test.Tap(retry)
	})
	h.waitFor("Retry to reload", func() bool { return !b.problemBar.Visible() && b.isFresh() && !b.loading })
}

// At the window's opening width of 1180 px the Profiles tab shows each row's
// Download button without a sideways scroll, and the Name column, which
// takes what the others leave, is wide enough for a match-style name.
func TestProfilesFitTheOpeningWidth(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 21, Profiles: 20})
	h.link("Team", core.KindTeam, sandbox.RoleAdmin)
	h.open()
	h.waitLoaded()
	h.do(func() {
		h.u.view.tabs.SelectIndex(1)
		content := h.u.view.profiles.item.Content
		var buttons int
		for _, b := range findAll[*widget.Button](content) {
			if !b.Visible() || b.Icon == nil || b.Icon.Name() != theme.DownloadIcon().Name() || b.Text != "" {
				continue
			}
			buttons++
			if right := fyne.CurrentApp().Driver().AbsolutePositionForObject(b).X + b.Size().Width; right > 1180 {
				t.Fatalf("a row's Download button ends at x=%v, past the 1180 px window", right)
			}
		}
		if buttons == 0 {
			t.Fatal("no row Download button is in view at 1180 px")
		}
		var nameWidth float32
		for _, r := range findAll[*widget.RichText](content) {
			if r.Visible() && strings.HasPrefix(r.String(), "match ") {
				nameWidth = max(nameWidth, r.Size().Width)
			}
		}
		// "match AppStore com.example.tasks.widget" is about 290 px wide.
		if nameWidth < 300 {
			t.Errorf("the Name column is %v px wide at 1180 px, too narrow for a match-style name", nameWidth)
		}
	})
}

// Enter on a profile row opens its details: the UUID and counts the table
// no longer shows, with a button that copies the UUID.
func TestProfileDetailsShowWhatTheTableDoesNot(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 22, Profiles: 5})
	h.link("Team", core.KindTeam, sandbox.RoleAdmin)
	h.open()
	h.waitLoaded()
	h.do(func() {
		h.u.view.tabs.SelectIndex(1)
		first := h.u.view.profiles.table.Rows()[0]
		var grid fyne.Focusable
		for _, f := range findAll[fyne.Focusable](h.u.view.profiles.item.Content) {
			if _, entry := f.(interface{ SetText(string) }); !entry {
				grid = f
			}
		}
		if grid == nil {
			t.Fatal("no focusable table in the Profiles tab")
		}
		h.win.Canvas().Focus(grid)
		grid.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		s := h.screenText()
		for _, want := range []string{first.UUID, first.Name, "Certificates", "Devices", strconv.Itoa(first.DeviceCount)} {
			if !strings.Contains(s, want) {
				t.Errorf("the details do not show %q:\n%s", want, s)
			}
		}
		var copied bool
		for _, b := range findAll[*widget.Button](h.win.Canvas().Overlays().Top()) {
			if b.Icon != nil && b.Icon.Name() == theme.ContentCopyIcon().Name() {
				b.OnTapped()
				if fyne.CurrentApp().Clipboard().Content() == first.UUID {
					copied = true
				}
			}
		}
		if !copied {
			t.Error("no copy button in the details copies the UUID")
		}
	})
}

// A certificate's details show its SHA-1, fetched when the dialog opens (the
// list leaves the content out), and name the profiles that include it; a
// profile's details name its certificates and devices, from the other tabs.
func TestDetailsNameWhatTheRowIsLinkedTo(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 23, Certificates: 8, Profiles: 30, Devices: 12})
	h.link("Team", core.KindTeam, sandbox.RoleAdmin)
	h.open()
	h.waitLoaded()
	var cert core.Certificate
	var using core.Profile
	h.do(func() {
		certs := map[string]core.Certificate{}
		for _, c := range h.u.view.certs.table.All() {
			certs[c.ID] = c
		}
		for _, p := range h.u.view.profiles.table.All() {
			for _, id := range p.CertificateIDs {
				if c, ok := certs[id]; ok && using.ID == "" {
					cert, using = c, p
				}
			}
		}
	})
	if using.ID == "" {
		t.Fatal("the sandbox's profiles include none of its listed certificates: nothing to check")
	}
	info, err := h.srv.Certificate(cert.ID)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha1.Sum(info.DER)
	want := strings.ToUpper(hex.EncodeToString(sum[:]))

	h.do(func() { h.u.view.onDetails("certificate", certificateDetails(cert, h.u.view.related())) })
	h.waitFor("the certificate's SHA-1", func() bool { return strings.Contains(h.screenText(), want) }, h.screenText)
	h.do(func() {
		if s := h.screenText(); !strings.Contains(s, using.Name) {
			t.Errorf("the certificate's details do not name %q, a profile that includes it:\n%s", using.Name, s)
		}
		h.win.Canvas().Overlays().Top().Hide()
		h.win.Canvas().Overlays().Remove(h.win.Canvas().Overlays().Top())
		h.u.view.onDetails("profile", profileDetails(using, h.u.view.related()))
		if s := h.screenText(); !strings.Contains(s, cert.SerialNumber) {
			t.Errorf("the profile's details do not name its certificate (serial %s):\n%s", cert.SerialNumber, s)
		}
	})
}

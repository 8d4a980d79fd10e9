package gui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"github.com/asckeys/asckeys/actions"
	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox"
	"github.com/asckeys/asckeys/storage"
)

// recordingApp keeps every notification sent (the test app keeps only the
// last one).
type recordingApp struct {
	fyne.App
	mu    sync.Mutex
	notes []fyne.Notification
}

func (a *recordingApp) SendNotification(n *fyne.Notification) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.notes = append(a.notes, *n)
}

func (a *recordingApp) sent() []fyne.Notification {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]fyne.Notification(nil), a.notes...)
}

// recordNotifications makes the window about to open send its
// notifications to the returned recorder.
func (h *harness) recordNotifications() *recordingApp {
	rec := &recordingApp{App: fyne.CurrentApp()}
	fyne.SetCurrentApp(rec)
	return rec
}

// expectedCounts counts the sandbox's certificates and profiles as the
// Overview should: from their dates.
func expectedCounts(srv *sandbox.Server, now time.Time) (certs, profiles actions.ExpiryCounts) {
	add := func(c *actions.ExpiryCounts, exp time.Time) {
		switch core.ExpiryOf(exp, now).State {
		case core.ExpiryExpired:
			c.Expired++
		case core.ExpiryExpiringSoon:
			c.Soon++
		case core.ExpiryValid:
			c.Fine++
		}
	}
	for _, c := range srv.Certificates() {
		add(&certs, c.ExpirationDate)
	}
	for _, p := range srv.Profiles() {
		add(&profiles, p.ExpirationDate)
	}
	return certs, profiles
}

func (h *harness) overviewReady() {
	h.t.Helper()
	h.waitFor("the Overview to list every key", func() bool {
		return len(h.u.overview.loading) == 0 && len(h.u.overview.found) == len(h.u.keys) && len(h.u.keys) > 0
	}, h.screenText)
}

func TestOverviewComesFirstWithSeveralKeysAndOpensWhatIsClicked(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 21, Certificates: 16, Profiles: 30})
	alpha, _ := h.link("Alpha Team", core.KindTeam, sandbox.RoleAdmin)
	h.link("Beta Team", core.KindTeam, sandbox.RoleAdmin)
	h.open()
	h.waitFor("the Overview first", func() bool { return h.u.right.Objects[0] == h.u.overview.content })
	h.waitLoaded() // the key view lists the selected key behind it
	h.overviewReady()

	certs, profiles := expectedCounts(h.srv, time.Now())
	if certs.Expired == 0 || certs.Soon == 0 || profiles.Expired == 0 || profiles.Fine == 0 {
		t.Fatalf("the seed should have expired, expiring and fine items: %+v %+v", certs, profiles)
	}
	h.do(func() {
		s := h.screenText()
		for _, want := range []string{"Alpha Team", "Beta Team", "The next 12 months",
			count(certs.Expired) + " expired", count(certs.Soon) + " within 30 days", count(certs.Fine) + " fine",
			count(profiles.Expired) + " expired", count(profiles.Fine) + " fine", "lists from just now"} {
			if !strings.Contains(s, want) {
				t.Errorf("the Overview does not say %q:\n%s", want, s)
			}
		}
		// One lane per key, a mark per dated certificate and profile.
		tl := h.u.overview.timeline
		if len(tl.lanes) != 2 || len(tl.marks) != 2*(len(h.srv.Certificates())+len(h.srv.Profiles())) {
			t.Errorf("the timeline has %d lanes and %d marks", len(tl.lanes), len(tl.marks))
		}
	})

	// Point at a mark: the line below names it; click it: its key's tab
	// shows it.
	var it actions.ExpiringItem
	h.do(func() {
		tl := h.u.overview.timeline
		var pos fyne.Position
		for _, m := range tl.marks {
			if m.item.Kind == actions.KindProfile && m.item.Expiry.State == core.ExpiryExpiringSoon && m.item.KeyID == alpha.ID {
				it, pos = m.item, m.pos
				break
			}
		}
		if it.ID == "" {
			t.Fatal("no profile of Alpha Team expiring within 30 days on the timeline")
		}
		// Apple says ACTIVE or not, the mark's colour follows the date.
		if markColor(it) != markColor(actions.ExpiringItem{Expiry: core.Expiry{State: core.ExpiryExpiringSoon}}) {
			t.Errorf("an expiring profile is drawn in %s", markColor(it))
		}
		tl.MouseMoved(&desktop.MouseEvent{PointEvent: fyne.PointEvent{Position: pos}})
		if got := h.u.overview.hovered.Text; !strings.Contains(got, it.Name) || !strings.Contains(got, "key Alpha Team") {
			t.Errorf("hovering the mark of %q says %q", it.Name, got)
		}
		test.TapAt(tl, pos)
	})
	h.waitFor("the profile in Alpha Team's Profiles tab", func() bool {
		v := h.u.view
		rows := v.profiles.table.Rows()
		return h.u.right.Objects[0] == v.content && v.showing(alpha.ID) && v.tabs.Selected() == v.profiles.tabItem() &&
			len(rows) == 1 && rows[0].ID == it.ID
	}, h.screenText)

	// The panel's Overview button brings it back.
	h.do(func() { test.Tap(findButton(h.win.Canvas().Content(), "Overview")) })
	h.waitFor("the Overview again", func() bool { return h.u.right.Objects[0] == h.u.overview.content })
}

func TestOverviewOfflineShowsTheCachedListsAndTheirAge(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 22, Certificates: 10, Profiles: 12})
	a, _ := h.link("Alpha Team", core.KindTeam, sandbox.RoleAdmin)
	b, _ := h.link("Beta Team", core.KindTeam, sandbox.RoleAdmin)
	// Lists cached two days ago, then no network at all.
	h.open()
	h.waitLoaded()
	h.overviewReady()
	h.close()
	h.u = nil
	cache := storage.NewListCache(h.stateDir)
	for _, id := range []string{a.ID, b.ID} {
		if err := cache.Update(id, func(cl *storage.CachedLists) {
			cl.Certificates.FetchedAt = time.Now().Add(-50 * time.Hour)
			cl.Profiles.FetchedAt = time.Now().Add(-50 * time.Hour)
		}); err != nil {
			t.Fatal(err)
		}
	}
	h.srv.Close()

	h2 := newHarness(t, sandbox.Config{Seed: 22})
	h2.vault, h2.opts.Vault, h2.opts.StateDir, h2.opts.NewClient = h.vault, h.vault, h.stateDir, h.opts.NewClient
	h2.open()
	h2.waitFor("the offline Overview", func() bool {
		// Both: the one the Overview lists, and the one the key view lists.
		return strings.Contains(h2.screenText(), "Apple could not be reached for 2 keys")
	}, h2.screenText)
	h2.do(func() {
		s := h2.screenText()
		if n := strings.Count(s, "offline: the lists cached 2 days ago"); n != 2 {
			t.Errorf("%d offline keys say how old their lists are, want 2:\n%s", n, s)
		}
		if n := len(h2.u.overview.timeline.marks); n != 2*(len(h.srv.Certificates())+len(h.srv.Profiles())) {
			t.Errorf("offline, the timeline has %d marks, want every cached item of both keys", n)
		}
	})
}

func TestOneKeyOpensOnItsListsAndTheNotificationsSettingIsSaved(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 23, Certificates: 8, Profiles: 8})
	k, _ := h.link("Example Corp", core.KindTeam, sandbox.RoleAdmin)
	h.open()
	h.waitLoaded()
	h.do(func() {
		if h.u.right.Objects[0] != h.u.view.content || !h.u.view.showing(k.ID) {
			t.Error("with one key, its lists are not the first view")
		}
	})
	// A second key linked later is shown itself, not the Overview.
	second, _ := h.link("Second Corp", core.KindTeam, sandbox.RoleAdmin)
	h.do(func() { h.u.reloadKeys(second.ID) })
	h.waitFor("the second key", func() bool { return len(h.u.keys) == 2 && h.u.view.showing(second.ID) })
	h.do(func() {
		if h.u.right.Objects[0] != h.u.view.content {
			t.Error("the key just linked is not shown")
		}
		test.Tap(findButton(h.win.Canvas().Content(), "Overview"))
	})
	h.waitFor("the Overview", func() bool { return h.u.right.Objects[0] == h.u.overview.content })
	h.overviewReady()
	h.do(func() {
		if !h.u.overview.notifyOn.Checked {
			t.Fatal("notifications are off by default")
		}
		test.Tap(h.u.overview.notifyOn)
	})
	settings := storage.NewSettingsStore(h.vault.Dir())
	h.waitFor("the setting to be saved", func() bool {
		st, _ := settings.Load()
		return st.NotificationsOff
	})
}

// TestNotificationsOncePerItemAndThreshold: a fake clock walks an item
// towards its expiry; each threshold is announced once, naming the item
// and its key, across runs (a new notifier on the same folder); the
// setting turns them off.
func TestNotificationsOncePerItemAndThreshold(t *testing.T) {
	test.NewTempApp(t)
	dir := t.TempDir()
	settings := storage.NewSettingsStore(filepath.Join(dir, "config"))
	clock := time.Date(2026, 3, 1, 10, 0, 0, 0, time.Local)
	newNotifier := func() *notifier {
		return &notifier{send: fyne.CurrentApp().SendNotification, sent: storage.NewNotifiedStore(filepath.Join(dir, "state")),
			settings: settings, now: func() time.Time { return clock }}
	}
	key := storage.Key{ID: "v1", Name: "Example Corp", Kind: core.KindTeam}
	expiry := time.Date(2026, 3, 11, 18, 0, 0, 0, time.Local) // 10 days after the clock's start
	profile := core.Profile{ID: "P1", Name: "Notes App Store", ProfileState: "ACTIVE", ExpirationDate: core.NewTime(expiry)}
	lists := func() []actions.KeyExpiry {
		return []actions.KeyExpiry{{Key: key, Items: actions.ItemsOf(key, nil, []core.Profile{profile}, clock)}}
	}

	test.AssertNotificationSent(t, fyne.NewNotification("Profile expires in 10 days",
		"Notes App Store (key Example Corp) expires on 11 Mar 2026."), func() { newNotifier().notify(lists()) })
	// The same day, another start: nothing new.
	test.AssertNotificationSent(t, nil, func() { newNotifier().notify(lists()) })
	// Three days later it crossed 7 days.
	clock = clock.AddDate(0, 0, 3)
	test.AssertNotificationSent(t, fyne.NewNotification("Profile expires in 7 days",
		"Notes App Store (key Example Corp) expires on 11 Mar 2026."), func() { newNotifier().notify(lists()) })
	clock = clock.AddDate(0, 0, 1)
	test.AssertNotificationSent(t, nil, func() { newNotifier().notify(lists()) })
	// Off: nothing, even as it crosses 3 days...
	if _, err := settings.Update(func(s *storage.Settings) { s.NotificationsOff = true }); err != nil {
		t.Fatal(err)
	}
	clock = clock.AddDate(0, 0, 3)
	test.AssertNotificationSent(t, nil, func() { newNotifier().notify(lists()) })
	// ...and on again, on its expiry day.
	if _, err := settings.Update(func(s *storage.Settings) { s.NotificationsOff = false }); err != nil {
		t.Fatal(err)
	}
	clock = time.Date(2026, 3, 11, 9, 0, 0, 0, time.Local)
	test.AssertNotificationSent(t, fyne.NewNotification("Profile expires today",
		"Notes App Store (key Example Corp) expires on 11 Mar 2026."), func() { newNotifier().notify(lists()) })
	clock = clock.Add(10 * time.Hour)
	test.AssertNotificationSent(t, nil, func() { newNotifier().notify(lists()) })
}

func TestTheWindowNotifiesAtStartNamingItemAndKey(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 24, Certificates: 12, Profiles: 20})
	h.link("Example Corp", core.KindTeam, sandbox.RoleAdmin)
	rec := h.recordNotifications()
	h.open()
	h.waitLoaded()
	h.overviewReady()
	due := read(h, func() []actions.ExpiryNotice {
		var found []actions.KeyExpiry
		for _, ke := range h.u.overview.found {
			found = append(found, ke)
		}
		return actions.DueNotices(found)
	})
	if len(due) == 0 {
		t.Fatal("the seed has nothing due")
	}
	want := min(len(due), maxNotices+1)
	h.waitFor("the notifications", func() bool { return len(rec.sent()) >= want })
	notes := rec.sent()
	if len(notes) != want {
		t.Errorf("%d notifications for %d due, want %d", len(notes), len(due), want)
	}
	if !strings.Contains(notes[0].Content, "(key Example Corp)") || notes[0].Title == "" {
		t.Errorf("the first notification %+v does not name the key", notes[0])
	}
	data, err := os.ReadFile(filepath.Join(h.stateDir, "notified.json"))
	var doc struct{ Sent map[string]time.Time }
	if err != nil || json.Unmarshal(data, &doc) != nil || len(doc.Sent) != len(due) {
		t.Errorf("notified.json remembers %d of %d (%v)", len(doc.Sent), len(due), err)
	}

	// Refresh All lists again: what was announced is not announced again.
	rounds := h.u.overview.notify.rounds.Load()
	h.do(func() { test.Tap(h.u.overview.refresh) })
	h.waitFor("the refresh to have looked for notices", func() bool { return h.u.overview.notify.rounds.Load() > rounds })
	h.do(func() {}) // what it queued for the UI goroutine has run
	if n := len(rec.sent()); n != want {
		t.Errorf("a refresh sent %d more notifications", n-want)
	}
}

// TestScreenshotsOfTheOverview draws the Overview of three keys for the
// README when ASCKEYS_SCREENSHOTS names the folder (scripts/screenshots.sh):
// the first key's lists from the sandbox, the two others' from their cache,
// each a different share of the account so that the lanes differ.
func TestScreenshotsOfTheOverview(t *testing.T) {
	inBothThemes(t, func(t *testing.T, out, suffix string, variant fyne.ThemeVariant) {
		h := newHarness(t, sandbox.Config{Seed: 7, Certificates: 24, Profiles: 40})
		h.link("Example Corp", core.KindTeam, sandbox.RoleAdmin)
		_, tk := h.link("Example Corp (Clients)", core.KindTeam, sandbox.RoleAdmin)
		third, _ := h.link("Side Project LLC", core.KindEnterprise, sandbox.RoleAdmin)
		keys, _ := h.vault.List(t.Context())
		c := h.opts.NewClient(core.Credentials{KeyID: tk.KeyID, IssuerID: tk.IssuerID, Kind: tk.Kind, PrivateKey: tk.PrivateKey})
		certs, _, err1 := c.Certificates.List(t.Context(), nil)
		profiles, _, err2 := c.Profiles.List(t.Context(), nil)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		cache := storage.NewListCache(h.stateDir)
		for i, k := range keys[1:] {
			var cs []core.Certificate
			var ps []core.Profile
			for j, c := range certs {
				if j%3 == i {
					cs = append(cs, c)
				}
			}
			for j, p := range profiles {
				if j%(3+i) == 0 {
					ps = append(ps, p)
				}
			}
			fetched := time.Now().Add(-time.Duration(40*(i+1)) * time.Minute)
			if k.ID == third.ID {
				fetched = time.Now().Add(-26 * time.Hour)
			}
			if err := cache.Update(k.ID, func(cl *storage.CachedLists) {
				cl.Certificates = &storage.CachedList[core.Certificate]{FetchedAt: fetched, Items: cs}
				cl.Profiles = &storage.CachedList[core.Profile]{FetchedAt: fetched, Items: ps}
			}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := storage.NewSettingsStore(h.vault.Dir()).Update(func(s *storage.Settings) {
			s.ExpiryMaxAge = storage.Duration(7 * 24 * time.Hour)
		}); err != nil {
			t.Fatal(err)
		}
		h.useTheme(variant)
		h.open()
		h.waitLoaded()
		h.overviewReady()
		h.do(func() {
			tl := h.u.overview.timeline
			for _, m := range tl.marks {
				if m.item.Expiry.State == core.ExpiryExpiringSoon && m.item.Kind == actions.KindProfile {
					tl.MouseMoved(&desktop.MouseEvent{PointEvent: fyne.PointEvent{Position: m.pos}})
					break
				}
			}
		})
		h.capture(out, "overview"+suffix+".png")
	})
}

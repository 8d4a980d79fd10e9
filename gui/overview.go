package gui

import (
	"context"
	"errors"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/asckeys/asckeys/actions"
	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/storage"
)

// overviewAges are the choices of how old cached lists the Overview (and
// 'asckeys expiring') may use before asking Apple again.
var overviewAges = []struct {
	label string
	age   time.Duration
}{
	{"1 hour", time.Hour},
	{"6 hours", storage.DefaultExpiryMaxAge},
	{"1 day", 24 * time.Hour},
	{"1 week", 7 * 24 * time.Hour},
}

// overview is every key at once: per key, how many certificates and
// profiles have expired, expire within 30 days or are fine, and the
// timeline of the next 12 months. It is the first view when more than one
// key is linked, and the organization panel's Overview button shows it.
// Its lists come from actions.ExpirySource (the cache when fresh enough,
// else Apple); what it finds is also what the notifications announce.
type overview struct {
	work     *worker
	cache    *storage.ListCache
	client   func(ctx context.Context, id string) (*core.Client, error)
	settings *storage.SettingsStore // nil: the defaults, not saved
	notify   *notifier
	// onOpen opens an item in its key's tab.
	onOpen func(actions.ExpiringItem)
	now    func() time.Time

	content  fyne.CanvasObject
	summary  *fyne.Container
	body     *fyne.Container
	scroll   *container.Scroll
	timeline *timeline
	hovered  *widget.Label
	status   *widget.Label
	refresh  *widget.Button
	notifyOn *widget.Check
	maxAge   *widget.Select

	// The fields below belong to the UI goroutine.
	keys    []storage.Key
	found   map[string]actions.KeyExpiry // by vault id
	loading map[string]bool              // vault ids being listed
	// listErrs are why the key view could not fetch a key's certificates
	// or profiles (by vault id, then kind): its cached lists are offline.
	listErrs map[string]map[string]error
	// applying suppresses the settings' callbacks while they are shown.
	applying bool
}

func (o *overview) buildUI() {
	if o.now == nil {
		o.now = time.Now
	}
	o.found, o.loading, o.listErrs = map[string]actions.KeyExpiry{}, map[string]bool{}, map[string]map[string]error{}
	title := &widget.Label{Text: "Overview", TextStyle: fyne.TextStyle{Bold: true}, SizeName: theme.SizeNameSubHeadingText}
	o.refresh = widget.NewButtonWithIcon("Refresh All", theme.ViewRefreshIcon(), func() { o.load(o.keys, "", true) })
	o.status = &widget.Label{SizeName: theme.SizeNameCaptionText, Importance: widget.LowImportance, Wrapping: fyne.TextWrapWord}
	o.summary = container.NewVBox()
	o.timeline = newTimeline(o.onHover, func(it actions.ExpiringItem) { o.onOpen(it) })
	o.hovered = &widget.Label{Text: timelineHint, Wrapping: fyne.TextWrapWord, SizeName: theme.SizeNameCaptionText}

	o.notifyOn = widget.NewCheck("Notify me 30, 15, 7, 3 and 1 days before something expires, and on the day", o.onNotifyChanged)
	labels := make([]string, len(overviewAges))
	for i, a := range overviewAges {
		labels[i] = a.label
	}
	o.maxAge = widget.NewSelect(labels, o.onMaxAgeChanged)
	ageRow := container.NewHBox(widget.NewLabel("Ask Apple again when the lists are older than"), o.maxAge)

	header := container.NewBorder(nil, nil, nil, o.refresh, title)
	legend := &widget.Label{Text: "■ certificate   ● profile   red: expired   amber: within 30 days", SizeName: theme.SizeNameCaptionText, Importance: widget.LowImportance}
	timelineBox := container.NewVBox(
		widget.NewLabelWithStyle("The next 12 months", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewHScroll(o.timeline), legend, o.hovered)
	settings := container.NewVBox(widget.NewSeparator(), o.notifyOn, ageRow)
	o.body = container.NewVBox(o.status, o.summary, widget.NewSeparator(), timelineBox, settings)
	o.scroll = container.NewVScroll(container.NewPadded(o.body))
	o.content = container.NewBorder(container.NewPadded(header), nil, nil, nil, o.scroll)
	o.showSettings(storage.Settings{})
	o.readSettings()
}

// timelineHint is what the line under the timeline says with no mark
// under the pointer.
const timelineHint = "Point at a mark to see what it is; click it to open it in its key's tab."

// readSettings shows the saved settings, read in the background.
func (o *overview) readSettings() {
	if o.settings == nil {
		return
	}
	o.work.background(func(context.Context) {
		st, _ := o.settings.Load()
		fyne.Do(func() { o.showSettings(st) })
	})
}

func (o *overview) showSettings(st storage.Settings) {
	o.applying = true
	defer func() { o.applying = false }()
	o.notifyOn.SetChecked(!st.NotificationsOff)
	age := st.ExpiryCacheAge()
	sel := overviewAges[1].label
	for _, a := range overviewAges {
		if a.age == age {
			sel = a.label
		}
	}
	o.maxAge.SetSelected(sel)
}

func (o *overview) onNotifyChanged(on bool) {
	if !o.applying {
		o.saveSettings(func(st *storage.Settings) { st.NotificationsOff = !on })
	}
}

func (o *overview) onMaxAgeChanged(label string) {
	if o.applying {
		return
	}
	for _, a := range overviewAges {
		if a.label == label {
			o.saveSettings(func(st *storage.Settings) { st.ExpiryMaxAge = storage.Duration(a.age) })
		}
	}
}

func (o *overview) saveSettings(change func(*storage.Settings)) {
	if o.settings == nil {
		return
	}
	o.work.background(func(context.Context) {
		// A setting that cannot be saved is back to its old value next
		// run; nothing else depends on it.
		_, _ = o.settings.Update(change)
	})
}

// setKeys follows the key list. Keys new to it are listed; viewing is the
// key the key view lists anyway, which the Overview then only reads from
// the cache (keyListed brings the fresh lists).
func (o *overview) setKeys(keys []storage.Key, viewing string) {
	o.keys = keys
	var added []storage.Key
	for _, k := range keys {
		if _, ok := o.found[k.ID]; !ok && !o.loading[k.ID] {
			added = append(added, k)
		}
	}
	for id := range o.found {
		if _, ok := findKey(keys, id); !ok {
			delete(o.found, id)
		}
	}
	o.show()
	if len(added) > 0 {
		o.load(added, viewing, false)
	}
}

// load lists keys in the background: from the cache when fresh enough,
// else from Apple (refresh: always from Apple). The key viewing is read
// from the cache only, unless refreshing. Then the notifications due go
// out.
func (o *overview) load(keys []storage.Key, viewing string, refresh bool) {
	if len(keys) == 0 {
		return
	}
	for _, k := range keys {
		o.loading[k.ID] = true
	}
	o.show()
	o.work.background(func(ctx context.Context) {
		var st storage.Settings
		if o.settings != nil {
			st, _ = o.settings.Load()
		}
		src := o.source(st.ExpiryCacheAge())
		if refresh {
			src.MaxAge = -1
		}
		var others []storage.Key
		var found []actions.KeyExpiry
		for _, k := range keys {
			if k.ID == viewing && !refresh {
				cached := src
				cached.CacheOnly = true
				found = append(found, cached.Key(ctx, k))
			} else {
				others = append(others, k)
			}
		}
		found = append(found, src.Keys(ctx, others)...)
		if ctx.Err() != nil {
			return
		}
		fyne.Do(func() { o.showFound(found) })
		o.notify.notify(found)
	})
}

// keyListed reads again, from the cache, the lists of a key the key view
// has just fetched (what), and announces what they newly show; when the
// fetch failed (err), the cached lists are shown as offline. It may be
// called from any goroutine.
func (o *overview) keyListed(id, what string, err error) {
	if (what != actions.KindCertificate && what != actions.KindProfile) || errors.Is(err, context.Canceled) {
		return // not about expiry, or another key was chosen meanwhile
	}
	fyne.Do(func() {
		k, ok := findKey(o.keys, id)
		if !ok {
			return
		}
		if o.listErrs[id] == nil {
			o.listErrs[id] = map[string]error{}
		}
		o.listErrs[id][what] = err
		o.work.background(func(ctx context.Context) {
			src := o.source(0)
			src.CacheOnly = true
			ke := src.Key(ctx, k)
			fyne.Do(func() { o.showFound([]actions.KeyExpiry{ke}) })
			o.notify.notify([]actions.KeyExpiry{ke})
		})
	})
}

func (o *overview) source(maxAge time.Duration) actions.ExpirySource {
	return actions.ExpirySource{
		Cache:  o.cache,
		Client: func(ctx context.Context, k storage.Key) (*core.Client, error) { return o.client(ctx, k.ID) },
		MaxAge: maxAge,
		Now:    o.now,
	}
}

func (o *overview) showFound(found []actions.KeyExpiry) {
	for _, ke := range found {
		delete(o.loading, ke.Key.ID)
		if !ke.FromCache && ke.Err == nil {
			delete(o.listErrs, ke.Key.ID) // Apple just answered
		}
		for _, err := range o.listErrs[ke.Key.ID] {
			if err != nil && ke.Err == nil && !ke.Individual {
				ke.Err = err
			}
		}
		if _, ok := findKey(o.keys, ke.Key.ID); ok {
			o.found[ke.Key.ID] = ke
		}
	}
	o.show()
}

// tick keeps "lists from 3 hours ago" true.
func (o *overview) tick() { o.show() }

// show draws the summary and the timeline from what was found.
func (o *overview) show() {
	now := o.now()
	o.summary.Objects = o.summary.Objects[:0]
	var lanes []timelineLane
	offline := 0
	for _, k := range o.keys {
		ke, ok := o.found[k.ID]
		o.summary.Add(o.keySummary(k, ke, ok, now))
		if ok && ke.Offline() {
			offline++
		}
		if ok && !ke.Individual {
			// The items were computed when listed; as of now for the
			// colours, since days pass while the window stays open.
			items := slices.Clone(ke.Items)
			for i := range items {
				items[i].Expiry = core.ExpiryOf(items[i].ExpirationDate.Time, now)
			}
			lanes = append(lanes, timelineLane{name: k.Name, items: items})
		}
	}
	o.timeline.set(lanes, now)
	// The blocks and lanes may have changed in number: lay out again.
	o.body.Refresh()
	o.scroll.Refresh()
	switch {
	case len(o.keys) == 0:
		o.status.SetText("No key is linked yet.")
	case len(o.loading) > 0:
		o.status.SetText("Listing " + plural(len(o.loading), "key", "keys") + "…")
	case offline > 0:
		o.status.SetText("Apple could not be reached for " + plural(offline, "key", "keys") + ": their cached lists are shown, with their age.")
	default:
		o.status.SetText("Every linked key, expiry from the dates (Apple's profile state lags behind them).")
	}
}

// keySummary is one key's block: its name and where its lists come from,
// then its certificates and profiles counted.
func (o *overview) keySummary(k storage.Key, ke actions.KeyExpiry, ok bool, now time.Time) fyne.CanvasObject {
	name := &widget.Label{Text: k.Name, TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis}
	source := &widget.Label{SizeName: theme.SizeNameCaptionText, Importance: widget.LowImportance}
	var rows []fyne.CanvasObject
	switch {
	case !ok:
		source.SetText("listing…")
	case ke.FetchedAt.IsZero() && ke.Err == nil && !ke.Individual:
		// Read from the cache only, as the key view lists it.
		source.SetText("waiting for its lists")
	case ke.Individual:
		source.SetText("an individual key: Apple lists no certificates or profiles to it")
	case ke.Offline():
		source.Importance = widget.WarningImportance
		source.SetText("offline: the lists cached " + ago(ke.FetchedAt, now))
	case ke.Err != nil:
		source.Importance = widget.DangerImportance
		text, _ := explain(ke.Err)
		if errors.Is(ke.Err, storage.ErrNoKeychain) {
			// The window's banner explains it and the fix, once.
			text = "the private key cannot be read: no keychain is available (see the top of the window)"
		}
		source.SetText("not listed: " + text)
		source.Wrapping = fyne.TextWrapWord
	default:
		source.SetText("lists from " + ago(ke.FetchedAt, now))
	}
	if ok && !ke.Individual && (ke.Err == nil || ke.FromCache) && !ke.FetchedAt.IsZero() {
		// Side by side, or one below the other in a narrow window.
		rows = append(rows, container.New(&flowLayout{},
			countsRow("Certificates", ke.Counts(actions.KindCertificate)),
			countsRow("Profiles", ke.Counts(actions.KindProfile))))
	}
	head := container.NewBorder(nil, nil, nil, source, name)
	return container.NewVBox(append([]fyne.CanvasObject{head}, rows...)...)
}

// countsRow reads "Certificates  2 expired  1 within 30 days  14 fine",
// the first two in the tables' red and amber when there are any.
func countsRow(what string, c actions.ExpiryCounts) fyne.CanvasObject {
	cell := func(text string, n int, imp widget.Importance) *widget.Label {
		l := &widget.Label{Text: text}
		if n > 0 {
			l.Importance = imp
			l.TextStyle.Bold = imp != widget.MediumImportance
		}
		return l
	}
	return container.NewHBox(
		container.New(&minWidth{95}, &widget.Label{Text: what, Importance: widget.LowImportance}),
		container.New(&minWidth{95}, cell(count(c.Expired)+" expired", c.Expired, widget.DangerImportance)),
		container.New(&minWidth{160}, cell(count(c.Soon)+" within 30 days", c.Soon, widget.WarningImportance)),
		container.New(&minWidth{90}, cell(count(c.Fine)+" fine", c.Fine, widget.MediumImportance)))
}

// onHover names the mark under the pointer below the timeline.
func (o *overview) onHover(it *actions.ExpiringItem) {
	if it == nil {
		o.hovered.SetText(timelineHint)
		return
	}
	what := "Certificate"
	if it.Kind == actions.KindProfile {
		what = "Profile"
	}
	o.hovered.SetText(what + " " + it.Name + " (" + it.Type + ", key " + it.KeyName + ") · " + expiresText(it.ExpirationDate.Time))
}

// newOverview makes the Overview of window u: its lists through u's
// clients and cache, its settings beside the vault, its notifications
// through a's SendNotification. It hears from u's key view when a key's
// lists were fetched.
func newOverview(a fyne.App, u *ui, opts Options) *overview {
	var settings *storage.SettingsStore
	if u.vault != nil {
		settings = storage.NewSettingsStore(u.vault.Dir())
	}
	o := &overview{
		work: u.work, cache: u.cache, client: u.clients.get, settings: settings,
		notify: &notifier{send: a.SendNotification, sent: storage.NewNotifiedStore(stateDir(opts)), settings: settings, now: time.Now},
		onOpen: u.openItem,
		now:    time.Now,
	}
	u.view.onListed = o.keyListed
	return o
}

// showOverview shows the Overview on the right; choosing a key in the
// panel shows that key again.
func (u *ui) showOverview() {
	u.overviewShown, u.localShown = true, false
	u.org.selectKey("")
	u.setRight(u.overview.content)
}

// openItem shows an item of the Overview in its key's tab, found by its
// serial number or UUID in the tab's search box.
func (u *ui) openItem(it actions.ExpiringItem) {
	if _, ok := u.keyByID(it.KeyID); !ok {
		return
	}
	u.chooseKey(it.KeyID)
	find := it.Ref
	if find == "" {
		find = it.Name
	}
	if it.Kind == actions.KindCertificate {
		u.view.tabs.Select(u.view.certs.tabItem())
		u.view.certs.table.SetFilter(find)
	} else {
		u.view.tabs.Select(u.view.profiles.tabItem())
		u.view.profiles.table.SetFilter(find)
	}
}

package gui

import (
	"context"
	"errors"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/storage"
)

// keyView is the right-hand side for the selected key: a header with what
// is known about the key and its Verify and Refresh buttons, and the tabs
// Certificates, Profiles, Bundle IDs and Devices.
type keyView struct {
	work   *worker
	cache  *storage.ListCache
	client func(ctx context.Context, id string) (*core.Client, error)
	// What the view reports: Verify pressed, Add New (an individual key's
	// tabs offer it), and rows to download with the key shown.
	onVerify   func(storage.Key)
	onAddNew   func()
	onDownload func(keyID string, items []core.DownloadItem, done func())
	// onInstall installs profiles of the key shown into both Xcode folders.
	onInstall func(keyID string, rows []core.Profile, done func())
	// onDetails shows a row's details; what is "certificate", "profile"…
	onDetails func(what string, fields []detail)
	// onListed (may be nil) says a key's list of what ("certificate",
	// "profile"…) was fetched and cached, or why not (err); it is called
	// off the UI goroutine.
	onListed func(keyID, what string, err error)

	// dialogs and vault are for the write actions (writes.go), which
	// change things at Apple with the key shown.
	dialogs *dialogs
	vault   *storage.Vault
	writes  *writes

	content fyne.CanvasObject

	title    *widget.Label
	kind     *badge
	keyID    *widget.Label
	issuer   *widget.Label
	added    *widget.Label
	verified *widget.Label
	budget   *widget.Label
	problem  *detailedMessage
	verify   *widget.Button
	refresh  *widget.Button

	notice     *fyne.Container
	noticeIcon *widget.Activity
	noticeText *detailedMessage

	tabs     *container.AppTabs
	certs    *resourceTab[core.Certificate]
	profiles *resourceTab[core.Profile]
	bundles  *resourceTab[core.BundleID]
	devices  *resourceTab[core.Device]
	// readiness is the Readiness tab (readiness.go), made by newUI.
	readiness *readinessPane

	// The key shown, and the generation of its lists: each open or refresh
	// starts a new one, and answers for an older one are dropped.
	key        storage.Key
	secretErr  error
	isOpen     bool
	gen        int
	loadCtx    context.Context
	cancelLoad context.CancelFunc
	// pending is shown when its key is next opened.
	pending *notice
	// refused holds, per vault key id, the kinds of item (see refusedKind)
	// Apple refused to download to that key: its role does not allow them.
	refused map[string]map[string]bool
}

// refusedKind groups the items a key's role allows or not: Apple decides
// by the certificate's or profile's type.
func refusedKind(it core.DownloadItem) string {
	switch {
	case it.Certificate != nil:
		return "certificate " + it.Certificate.CertificateType
	case it.Profile != nil:
		return "profile " + it.Profile.ProfileType
	}
	return ""
}

// markForbidden remembers that Apple refused items to the key keyID, so
// rows of the same types no longer offer a download that would fail.
func (v *keyView) markForbidden(keyID string, items []core.DownloadItem) {
	if v.refused == nil {
		v.refused = map[string]map[string]bool{}
	}
	if v.refused[keyID] == nil {
		v.refused[keyID] = map[string]bool{}
	}
	for _, it := range items {
		v.refused[keyID][refusedKind(it)] = true
	}
	v.certs.table.Redraw()
	v.profiles.table.Redraw()
}

// refusedReason says why the key shown cannot download it, or "".
func (v *keyView) refusedReason(it core.DownloadItem) string {
	if v.isOpen && v.refused[v.key.ID][refusedKind(it)] {
		return "Apple refused this type to this key (403): only Admin keys may download distribution items. Use an Admin key."
	}
	return ""
}

// notice is a message waiting for a key to be shown, such as what adding it
// found out.
type notice struct {
	keyID string
	tone  tone
	text  string
}

// related gathers what a row's details name from the other lists on screen,
// and a way to this key's client for what they leave out.
func (v *keyView) related() related {
	rel := related{certificates: map[string]core.Certificate{}, devices: map[string]core.Device{}, profiles: v.profiles.table.All()}
	for _, c := range v.certs.table.All() {
		rel.certificates[c.ID] = c
	}
	for _, d := range v.devices.table.All() {
		rel.devices[d.ID] = d
	}
	id := v.key.ID
	rel.client = func(ctx context.Context) (*core.Client, error) { return v.client(ctx, id) }
	return rel
}

// allTabs lists the tabs, in order, behind their common interface.
func (v *keyView) allTabs() []resourcePane {
	return []resourcePane{v.certs, v.profiles, v.bundles, v.devices}
}

func (v *keyView) buildUI() {
	v.writes = &writes{v: v}
	v.certs = newResourceTab(v, certificateSpec(v.writes.privateKeyText))
	v.profiles = newResourceTab(v, profileSpec())
	v.bundles = newResourceTab(v, bundleIDSpec())
	v.devices = newResourceTab(v, deviceSpec())
	v.writes.buildUI()
	// A long name is cut rather than widen the window; the panel on the
	// left shows it whole on hover.
	v.title = &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, SizeName: theme.SizeNameSubHeadingText, Truncation: fyne.TextTruncateEllipsis}
	v.kind = newBadge("Team", theme.ColorNamePrimary)
	v.verify = widget.NewButtonWithIcon("Verify", theme.ConfirmIcon(), v.onVerifyTapped)
	v.refresh = widget.NewButtonWithIcon("Refresh", theme.ViewRefreshIcon(), v.onRefresh)

	fact := func(caption string, mono bool) (*widget.Label, fyne.CanvasObject) {
		c := &widget.Label{Text: caption, SizeName: theme.SizeNameCaptionText, Importance: widget.LowImportance}
		val := &widget.Label{TextStyle: fyne.TextStyle{Monospace: mono}, Selectable: mono}
		return val, container.New(&tightVBox{}, c, val)
	}
	var keyIDBox, issuerBox, addedBox, verifiedBox, budgetBox fyne.CanvasObject
	v.keyID, keyIDBox = fact("Key ID", true)
	v.issuer, issuerBox = fact("Issuer ID", true)
	v.added, addedBox = fact("Added", false)
	v.verified, verifiedBox = fact("Last verified", false)
	v.budget, budgetBox = fact("API requests left", false)
	// The facts wrap onto a second line in a narrow window rather than
	// set its least width.
	facts := container.New(&flowLayout{}, keyIDBox, issuerBox, addedBox, verifiedBox, budgetBox)

	v.problem = newDetailedMessage()
	v.noticeIcon = widget.NewActivity()
	v.noticeText = newDetailedMessage()
	v.noticeText.SizeName = theme.SizeNameText
	closeNotice := &widget.Button{Icon: theme.CancelIcon(), Importance: widget.LowImportance, OnTapped: v.clearNotice}
	v.notice = container.NewBorder(nil, nil, v.noticeIcon, closeNotice, v.noticeText.box)
	v.notice.Hide()

	titleRow := container.NewBorder(nil, nil, nil,
		container.NewHBox(v.verify, v.refresh),
		container.NewBorder(nil, nil, nil, container.NewCenter(v.kind), v.title))
	header := container.NewVBox(titleRow, facts, v.problem.box, v.notice)

	v.tabs = container.NewAppTabs()
	for _, t := range v.allTabs() {
		v.tabs.Append(t.tabItem())
	}
	v.addReadiness()
	v.content = container.NewBorder(container.NewPadded(header), nil, nil, nil, v.tabs)
}

// showing reports whether the view shows the key with vault id id.
func (v *keyView) showing(id string) bool { return v.isOpen && v.key.ID == id }

// open shows key k, whose private key check said secretErr, and loads its
// lists: from the cache at once, then from Apple.
func (v *keyView) open(k storage.Key, secretErr error) {
	v.stop()
	v.isOpen = true
	v.clearNotice()
	v.setKey(k, secretErr)
	v.readiness.show(k)
	v.budget.SetText("—")
	if p := v.pending; p != nil && p.keyID == k.ID {
		v.setNotice(p.tone, p.text, false)
		v.pending = nil
	}
	for _, t := range v.allTabs() {
		t.reset()
	}
	if !k.Kind.CanProvision() {
		// Apple refuses every provisioning request of an individual key:
		// say why instead of sending them.
		v.refresh.Disable()
		for _, t := range v.allTabs() {
			t.showIndividual()
		}
		return
	}
	v.refresh.Enable()
	v.load(v.allTabs(), true)
}

// setKey shows what is known about k without reloading its lists.
func (v *keyView) setKey(k storage.Key, secretErr error) {
	v.key, v.secretErr = k, secretErr
	v.title.SetText(k.Name)
	v.kind.set(k.Kind.Label(), kindBadgeColor(k.Kind))
	v.keyID.SetText(k.KeyID)
	if k.IssuerID != "" {
		v.issuer.SetText(k.IssuerID)
	} else {
		v.issuer.SetText("none (individual key)")
	}
	v.added.SetText(date(k.AddedAt))
	now := time.Now()
	switch {
	case !k.LastVerified.IsZero():
		v.verified.SetText(ago(k.LastVerified, now))
	default:
		v.verified.SetText("never")
	}
	switch {
	case errors.Is(secretErr, storage.ErrNoKeychain):
		// The window's banner says it, once, for every key.
		v.problem.clear()
	case secretErr != nil:
		v.problem.setError(secretErr)
	case k.Verification() == storage.Rejected:
		v.problem.set(toneError, "Last check, "+ago(k.LastErrorAt, now)+": "+errText(errors.New(k.LastError)))
	default:
		v.problem.clear()
	}
	if v.problem.Text == "" {
		v.problem.box.Hide()
	} else {
		v.problem.box.Show()
	}
}

// stop cancels the lists loading for the key shown, as when another key is
// selected or the window closes.
func (v *keyView) stop() {
	v.gen++
	if v.cancelLoad != nil {
		v.cancelLoad()
		v.cancelLoad = nil
	}
}

// close stops loading and forgets the key, as when it was removed.
func (v *keyView) close() {
	v.stop()
	v.isOpen = false
}

// focusSearch puts the focus in the search box of the tab shown.
func (v *keyView) focusSearch() {
	if !v.isOpen {
		return
	}
	for _, t := range v.allTabs() {
		if t.tabItem() == v.tabs.Selected() {
			t.focusSearch()
		}
	}
}

// load fetches the lists of tabs from Apple, side by side, first showing
// the cached ones when fromCache is set. Everything slow runs in the
// background; answers come back through fyne.Do and are dropped if another
// key was selected meanwhile.
func (v *keyView) load(tabs []resourcePane, fromCache bool) {
	if v.cancelLoad == nil {
		var ctx context.Context
		ctx, v.cancelLoad = context.WithCancel(v.work.ctx)
		v.loadCtx = ctx
	}
	ctx, gen, id := v.loadCtx, v.gen, v.key.ID
	for _, t := range tabs {
		t.beginLoad()
	}
	v.work.background(func(context.Context) {
		if fromCache {
			cl := v.cache.Load(id)
			fyne.Do(func() {
				if v.gen == gen {
					for _, t := range tabs {
						t.showCached(&cl)
					}
				}
			})
		}
		client, err := v.client(ctx, id)
		if err != nil {
			fyne.Do(func() {
				if v.gen == gen {
					for _, t := range tabs {
						t.fail(err)
					}
				}
			})
			return
		}
		for _, t := range tabs {
			t.fetch(ctx, gen, id, client)
		}
	})
}

// current reports whether gen is still the generation shown.
func (v *keyView) current(gen int) bool { return v.isOpen && v.gen == gen }

func (v *keyView) onRefresh() {
	if !v.isOpen || !v.key.Kind.CanProvision() {
		return
	}
	v.stop()
	v.load(v.allTabs(), false)
}

func (v *keyView) onVerifyTapped() {
	if v.isOpen {
		v.onVerify(v.key)
	}
}

// download asks to download items with the key shown; done (may be nil)
// runs when every item was written.
func (v *keyView) download(items []core.DownloadItem, done func()) {
	if len(items) > 0 && v.isOpen {
		v.onDownload(v.key.ID, items, done)
	}
}

// install installs profiles of the key shown on this machine.
func (v *keyView) install(rows []core.Profile, done func()) {
	if len(rows) > 0 && v.isOpen {
		v.onInstall(v.key.ID, rows, done)
	}
}

// showOnOpen keeps n to show when its key is next opened, as when Add New
// linked the key and the list is being read again.
func (v *keyView) showOnOpen(n notice) { v.pending = &n }

// setRateLimit shows how much of the key's hourly request budget is left.
func (v *keyView) setRateLimit(rl core.RateLimit) {
	if rl.Known {
		v.budget.SetText(count(rl.Remaining) + " of " + count(rl.Limit) + " this hour")
	}
}

// rateLimitFrom shows the rate limit client last saw, if the key with vault
// id keyID is still the one shown. It may be called from any goroutine.
func (v *keyView) rateLimitFrom(keyID string, client *core.Client) {
	rl := client.LastRateLimit()
	fyne.Do(func() {
		if v.showing(keyID) {
			v.setRateLimit(rl)
		}
	})
}

// setNotice shows a message about the key, such as the outcome of a check;
// busy shows a spinner while the work it announces runs.
func (v *keyView) setNotice(t tone, text string, busy bool) {
	if text == "" {
		v.clearNotice()
		return
	}
	v.noticeText.set(t, text)
	if busy {
		v.noticeIcon.Show()
		v.noticeIcon.Start()
	} else {
		v.noticeIcon.Stop()
		v.noticeIcon.Hide()
	}
	v.notice.Show()
}

func (v *keyView) clearNotice() {
	v.noticeIcon.Stop()
	v.noticeText.clear()
	v.notice.Hide()
}

// tick refreshes what depends on the clock: "Updated 3 minutes ago".
func (v *keyView) tick() {
	if !v.isOpen {
		return
	}
	v.setKey(v.key, v.secretErr)
	for _, t := range v.allTabs() {
		t.tick()
	}
}

// individualExplanation is what the tabs of an individual key say instead
// of lists: Apple refuses them provisioning, and what to create instead.
const individualExplanation = "Apple does not let individual keys use provisioning: certificates, profiles, bundle IDs " +
	"and devices are closed to them, whatever their role.\n\n" +
	"To see and download them, create a team key: in App Store Connect open Users and Access > Integrations > " +
	"App Store Connect API > Team Keys, press +, give the key the Admin role (Developer keys see development " +
	"items only), download it and add it here with Add New."

// newIndividualPane builds the explanation shown in each tab of an
// individual key.
func newIndividualPane(onAddNew func()) fyne.CanvasObject {
	title := widget.NewLabelWithStyle("Individual keys cannot use provisioning", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	text := widget.NewLabel(individualExplanation)
	text.Wrapping = fyne.TextWrapWord
	add := widget.NewButtonWithIcon("Add New…", theme.ContentAddIcon(), func() { onAddNew() })
	column := container.NewVBox(
		container.NewBorder(nil, nil, widget.NewIcon(theme.InfoIcon()), nil, title),
		text, container.NewHBox(add, layout.NewSpacer()))
	return container.NewCenter(container.New(&minWidth{520}, column))
}

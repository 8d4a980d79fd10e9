package gui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/gui/datatable"
	"github.com/asckeys/asckeys/storage"
)

// resourcePane is what the key view does with each of its four tabs,
// whatever the rows they hold.
type resourcePane interface {
	tabItem() *container.TabItem
	// reset empties the tab for another key.
	reset()
	// showIndividual explains why an individual key has no such list.
	showIndividual()
	// beginLoad shows that the list is being fetched.
	beginLoad()
	// showCached shows the list cached on disk, unless a fresh one came.
	showCached(cl *storage.CachedLists)
	// fetch lists the rows from Apple in the background.
	fetch(ctx context.Context, gen int, keyID string, client *core.Client)
	// fail shows why the list could not be fetched, with Retry.
	fail(err error)
	// tick refreshes texts that depend on the clock.
	tick()
	// focusSearch puts the focus in the tab's search box.
	focusSearch()
}

// tabSpec describes one kind of list: its columns, how to colour a row, how
// to fetch it, where it lives in the cache and what a row downloads as.
type tabSpec[T any] struct {
	title            string // "Certificates"
	singular, plural string // "certificate", "certificates"
	columns          []datatable.Column[T]
	searchText       func(T) string // more text the search matches; may be nil
	copy             []datatable.CopyField[T]
	details          func(T, related) []detail // the lines of a row's detail dialog
	tone             func(T) datatable.Tone
	key              func(T) string
	list             func(ctx context.Context, c *core.Client, opt core.ListOptions, onRows func([]T)) ([]T, error) // onRows: page by page
	cached           func(*storage.CachedLists) **storage.CachedList[T]
	// download makes a row's download item; nil for lists with nothing to
	// download.
	download func(T) core.DownloadItem
	// install makes a row the profile to install on this machine; nil for
	// lists of anything else.
	install func(T) core.Profile
	// selectable gives rows a check box even with nothing to download, for
	// the tab's toolbar actions (see addTool).
	selectable bool
}

// resourceTab is one tab of the key view: a datatable of rows of type T, with
// what stands in for it while the list loads, fails, or cannot exist.
type resourceTab[T any] struct {
	v    *keyView
	spec tabSpec[T]
	item *container.TabItem

	table       *datatable.Table[T]
	body        *fyne.Container
	loadingBox  fyne.CanvasObject
	loadingText *widget.Label
	loadingBar  *widget.ProgressBar
	problemBox  fyne.CanvasObject
	problemText *widget.Label
	problemBar  *fyne.Container
	problemLine *widget.Label
	individual  fyne.CanvasObject
	status      *widget.Label
	statusBar   *widget.ProgressBar
	downloadSel *widget.Button
	installSel  *widget.Button
	// toolbar holds the tab's write actions (addTool); onRows and
	// onSelection hear of the rows shown and the rows chosen.
	toolbar     *fyne.Container
	onRows      []func(rows []T)
	onSelection []func(selected []T)

	// hasRows: rows are shown (cached or fresh); fresh: they came from
	// Apple in this session; loading: a fetch is running.
	hasRows, fresh, loading bool
	fetchedAt               time.Time
	done, total             int
	// streaming: the rows shown are the first pages of the running fetch.
	streaming bool
}

func newResourceTab[T any](v *keyView, spec tabSpec[T]) *resourceTab[T] {
	t := &resourceTab[T]{v: v, spec: spec}
	t.buildUI()
	return t
}

func (t *resourceTab[T]) buildUI() {
	opts := datatable.Options[T]{
		Columns:     t.spec.columns,
		Tone:        t.spec.tone,
		Key:         t.spec.key,
		SearchText:  t.spec.searchText,
		Copy:        t.spec.copy,
		Placeholder: "Search " + strings.ToLower(t.spec.title),
		Singular:    t.spec.singular,
		Plural:      t.spec.plural,
		EmptyText:   t.emptyText(),
	}
	if t.spec.details != nil {
		opts.OnDetails = func(row T) { t.v.onDetails(t.spec.singular, t.spec.details(row, t.v.related())) }
	}
	if t.spec.download != nil || t.spec.selectable {
		opts.Selectable = true
		opts.OnSelectionChanged = t.onSelectionChanged
	}
	if t.spec.download != nil {
		opts.RowAction = &datatable.Action[T]{Icon: theme.DownloadIcon(), OnTap: t.onDownloadRow,
			Unavailable: func(row T) string { return t.v.refusedReason(t.spec.download(row)) }}
	}
	t.table = datatable.New(opts)

	t.loadingText = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{})
	t.loadingBar = widget.NewProgressBar()
	t.loadingBar.TextFormatter = func() string { return "" }
	t.loadingBox = container.NewCenter(container.New(&minWidth{360}, container.NewVBox(t.loadingText, t.loadingBar)))

	t.problemText = widget.NewLabel("")
	t.problemText.Wrapping = fyne.TextWrapWord
	title := widget.NewLabelWithStyle("Could not load the "+strings.ToLower(t.spec.title), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	retry := widget.NewButtonWithIcon("Retry", theme.ViewRefreshIcon(), t.onRetry)
	retry.Importance = widget.HighImportance
	t.problemBox = container.NewCenter(container.New(&minWidth{480}, container.NewVBox(
		container.NewBorder(nil, nil, widget.NewIcon(theme.ErrorIcon()), nil, title),
		t.problemText, container.NewHBox(retry, layout.NewSpacer()))))

	// With cached rows on screen, a failed refresh is a line above them.
	t.problemLine = widget.NewLabel("")
	t.problemLine.Wrapping = fyne.TextWrapWord
	t.problemLine.Importance = widget.DangerImportance
	t.problemBar = container.NewBorder(nil, nil, widget.NewIcon(theme.ErrorIcon()),
		widget.NewButtonWithIcon("Retry", theme.ViewRefreshIcon(), t.onRetry), t.problemLine)
	t.problemBar.Hide()

	t.individual = newIndividualPane(t.v.onAddNew)

	t.status = &widget.Label{SizeName: theme.SizeNameCaptionText, Importance: widget.LowImportance, Truncation: fyne.TextTruncateEllipsis}
	t.statusBar = widget.NewProgressBar()
	t.statusBar.TextFormatter = func() string { return "" }
	t.statusBar.Hide()
	var right fyne.CanvasObject = layout.NewSpacer()
	if t.spec.download != nil {
		t.downloadSel = widget.NewButtonWithIcon("Download Selected", theme.DownloadIcon(), t.onDownloadSelected)
		t.downloadSel.Disable()
		right = t.downloadSel
	}
	if t.spec.install != nil {
		t.installSel = widget.NewButtonWithIcon("Install Selected", theme.ComputerIcon(), t.onInstallSelected)
		t.installSel.Disable()
		right = container.NewHBox(t.installSel, right)
	}
	footer := container.NewBorder(nil, nil, nil, right,
		container.NewBorder(nil, nil, nil, container.New(&minWidth{160}, container.NewCenter(t.statusBar)), t.status))

	// The toolbar wraps onto a second line in a narrow window rather than
	// set its least width.
	t.toolbar = container.New(&flowLayout{gap: theme.Padding()})
	t.toolbar.Hide()

	t.body = container.NewStack(t.table.Widget())
	t.item = container.NewTabItem(t.spec.title, container.NewBorder(container.NewVBox(t.problemBar, t.toolbar), footer, nil, nil, t.body))
}

func (t *resourceTab[T]) tabItem() *container.TabItem { return t.item }

// addTool adds a button (or anything) to the tab's toolbar, above the rows.
func (t *resourceTab[T]) addTool(obj fyne.CanvasObject) {
	t.toolbar.Add(obj)
	t.toolbar.Show()
}

// emptyText is what the table says when the account has none.
func (t *resourceTab[T]) emptyText() string {
	return fmt.Sprintf("No %s in this account yet.", t.spec.plural)
}

// setBody shows obj as the tab's main content, over the ones before it
// (see beginLoad).
func (t *resourceTab[T]) setBody(obj ...fyne.CanvasObject) {
	if slices.Equal(t.body.Objects, obj) {
		return
	}
	t.body.Objects = obj
	t.body.Refresh()
}

func (t *resourceTab[T]) reset() {
	t.hasRows, t.fresh, t.loading, t.streaming = false, false, false, false
	t.fetchedAt = time.Time{}
	t.table.ClearSelection()
	t.table.SetRows(nil)
	t.problemBar.Hide()
	if len(t.toolbar.Objects) > 0 {
		t.toolbar.Show()
	}
	t.setBody(t.table.Widget())
	t.updateStatus()
}

func (t *resourceTab[T]) showIndividual() {
	t.toolbar.Hide() // nothing to change: Apple refuses it all
	t.setBody(t.individual)
	t.updateStatus()
}

func (t *resourceTab[T]) beginLoad() {
	t.loading = true
	t.done, t.total = 0, 0
	t.problemBar.Hide()
	if !t.hasRows {
		// The empty table stays under the progress, so that it is built
		// and laid out before the first rows come: showing it only then
		// took the UI goroutine tens of milliseconds just as they arrived.
		t.table.SetEmptyText("")
		t.setBody(t.table.Widget(), t.loadingBox)
	}
	t.updateProgress()
}

// progress shows how far the listing got, from the client's page callback.
func (t *resourceTab[T]) progress(done, total int) {
	t.done, t.total = done, total
	t.updateProgress()
}

func (t *resourceTab[T]) updateProgress() {
	text := fmt.Sprintf("Loading %s…", t.spec.plural)
	if t.done > 0 || t.total > 0 {
		text = fmt.Sprintf("Loading %s… %s", t.spec.plural, progressText(t.done, t.total))
	}
	t.loadingText.SetText(text)
	for _, bar := range []*widget.ProgressBar{t.loadingBar, t.statusBar} {
		if t.total > 0 {
			bar.Max = float64(t.total)
			bar.SetValue(float64(min(t.done, t.total)))
		} else {
			bar.Max = 1
			bar.SetValue(0)
		}
	}
	t.updateStatus()
}

func (t *resourceTab[T]) showCached(cl *storage.CachedLists) {
	c := *t.spec.cached(cl)
	if c == nil || t.fresh {
		return // nothing cached, or Apple answered first
	}
	t.show(c.Items, c.FetchedAt, false)
}

// show puts rows on screen: fresh ones from Apple, or cached ones.
func (t *resourceTab[T]) show(rows []T, fetchedAt time.Time, fresh bool) {
	t.table.SetEmptyText(t.emptyText())
	t.table.SetRows(rows)
	t.hasRows, t.fetchedAt, t.streaming = true, fetchedAt, false
	if fresh {
		t.fresh, t.loading = true, false
		t.problemBar.Hide()
	}
	t.setBody(t.table.Widget())
	t.updateStatus()
	for _, f := range t.onRows {
		f(rows)
	}
}

// streamRows shows the first pages of a list that has no rows on screen yet,
// as they arrive: the table sorts and filters them as it does a whole list,
// and the status says how many of how many are there. Rows already shown
// (cached ones) stay until the whole fresh list has come.
func (t *resourceTab[T]) streamRows(rows []T) {
	switch {
	case t.hasRows && !t.streaming:
		return
	case t.streaming:
		t.table.AppendRows(rows)
	default:
		t.table.SetRows(rows)
		t.hasRows, t.streaming = true, true
		t.table.SetEmptyText(t.emptyText())
		t.setBody(t.table.Widget())
	}
	t.updateStatus()
}

func (t *resourceTab[T]) fetch(ctx context.Context, gen int, keyID string, client *core.Client) {
	t.v.work.background(func(context.Context) {
		rows, err := t.spec.list(ctx, client, core.ListOptions{OnPage: func(done, total int) {
			fyne.Do(func() {
				if t.v.current(gen) {
					t.progress(done, total)
				}
			})
		}}, func(page []T) {
			fyne.Do(func() {
				if t.v.current(gen) {
					t.streamRows(page)
				}
			})
		})
		now := time.Now()
		if err == nil {
			// A cache that cannot be written costs only speed next time.
			_ = t.v.cache.Update(keyID, func(cl *storage.CachedLists) {
				*t.spec.cached(cl) = &storage.CachedList[T]{FetchedAt: now, Items: rows}
			})
		}
		if t.v.onListed != nil {
			t.v.onListed(keyID, t.spec.singular, err)
		}
		rl := client.LastRateLimit()
		fyne.Do(func() {
			if !t.v.current(gen) {
				return
			}
			t.v.setRateLimit(rl)
			if err != nil {
				t.fail(err)
				return
			}
			t.show(rows, now, true)
		})
	})
}

func (t *resourceTab[T]) fail(err error) {
	t.loading = false
	if t.streaming {
		// Part of a list is not the list: say why instead.
		t.hasRows, t.streaming = false, false
		t.table.SetRows(nil)
	}
	text, _ := explain(err)
	if errors.Is(err, storage.ErrNoKeychain) {
		// The window's banner explains it and the fix, once.
		text = "The private key cannot be read: no keychain is available (see the top of the window)."
	}
	t.table.SetEmptyText(t.emptyText())
	if t.hasRows {
		t.problemLine.SetText(text)
		t.problemBar.Show()
	} else {
		t.problemText.SetText(text)
		t.setBody(t.problemBox)
	}
	t.updateStatus()
}

func (t *resourceTab[T]) onRetry() {
	t.v.load([]resourcePane{t}, false)
}

func (t *resourceTab[T]) tick() { t.updateStatus() }

func (t *resourceTab[T]) focusSearch() { t.table.FocusSearch() }

// updateStatus says how old the rows are and whether a refresh runs.
func (t *resourceTab[T]) updateStatus() {
	now := time.Now()
	var text string
	switch {
	case t.loading && t.streaming:
		text = fmt.Sprintf("Loading %s %s…", progressText(t.table.Len(), t.total), t.spec.plural)
	case t.loading && t.hasRows && !t.fresh:
		text = fmt.Sprintf("Showing the cached list from %s, refreshing… %s", ago(t.fetchedAt, now), progressText(t.done, t.total))
	case t.loading && t.hasRows:
		text = "Refreshing… " + progressText(t.done, t.total)
	case t.hasRows && t.fresh:
		text = "Updated " + ago(t.fetchedAt, now)
	case t.hasRows:
		text = "Showing the cached list from " + ago(t.fetchedAt, now)
	}
	t.status.SetText(text)
	if t.loading && t.hasRows {
		t.statusBar.Show()
	} else {
		t.statusBar.Hide()
	}
}

func (t *resourceTab[T]) onSelectionChanged(selected []T) {
	for _, f := range t.onSelection {
		f(selected)
	}
	for verb, b := range map[string]*widget.Button{"Download": t.downloadSel, "Install": t.installSel} {
		switch {
		case b == nil:
		case len(selected) == 0:
			b.SetText(verb + " Selected")
			b.Disable()
		default:
			b.SetText(fmt.Sprintf("%s %s", verb, plural(len(selected), t.spec.singular, t.spec.plural)))
			b.Enable()
		}
	}
}

func (t *resourceTab[T]) onDownloadRow(row T) {
	t.v.download([]core.DownloadItem{t.spec.download(row)}, nil)
}

func (t *resourceTab[T]) onDownloadSelected() {
	rows := t.table.Selected()
	items := make([]core.DownloadItem, len(rows))
	for i, r := range rows {
		items[i] = t.spec.download(r)
	}
	// Once they are all on disk the choice is done with; after a failure
	// it stays, to try again.
	t.v.download(items, t.table.ClearSelection)
}

// onInstallSelected installs the profiles chosen into both Xcode folders;
// the choice is cleared once every one was installed.
func (t *resourceTab[T]) onInstallSelected() {
	rows := t.table.Selected()
	profiles := make([]core.Profile, len(rows))
	for i, r := range rows {
		profiles[i] = t.spec.install(r)
	}
	t.v.install(profiles, t.table.ClearSelection)
}

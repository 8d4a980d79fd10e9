package gui

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/asckeys/asckeys/actions"
	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/provision"
	"github.com/asckeys/asckeys/storage"
)

// readinessPane is the key view's Readiness tab: can each bundle ID be
// signed and shipped from this machine? Rows are bundle IDs, columns the
// kinds the account has; each cell is green (ready), amber (only its
// installation here is missing) or red, with its problems in words below
// the grid on hover and in a dialog on tap. Fix per cell and per row asks
// first, listing what will be done; Renew sits beside every certificate
// that expires within 30 days. The check and the fix are actions' (the
// same code doctor runs); everything slow runs in the background.
type readinessPane struct {
	work    *worker
	dialogs *dialogs
	vault   *storage.Vault
	cache   *storage.ListCache
	client  func(ctx context.Context, id string) (*core.Client, error)
	folders func() ([]string, error)
	// onChanged runs after a fix or a renewal changed something at Apple,
	// so that the other tabs list it; isSelected says whether the tab is
	// the one shown.
	onChanged  func()
	isSelected func() bool

	item     *container.TabItem
	status   *widget.Label
	hover    *widget.Label
	check    *widget.Button
	fixAll   *widget.Button
	expiring *fyne.Container
	grid     *fyne.Container

	// The fields below belong to the UI goroutine.
	key     storage.Key
	isOpen  bool
	gen     int
	busy    bool
	checked bool
	cells   []actions.Cell
	certs   []actions.ListedCertificate
	views   []*statusCell
}

func newReadinessPane(work *worker, d *dialogs, vault *storage.Vault, cache *storage.ListCache,
	client func(context.Context, string) (*core.Client, error), folders func() ([]string, error)) *readinessPane {
	r := &readinessPane{work: work, dialogs: d, vault: vault, cache: cache, client: client, folders: folders}
	r.buildUI()
	return r
}

func (r *readinessPane) buildUI() {
	r.status = widget.NewLabel("")
	r.status.Wrapping = fyne.TextWrapWord
	r.hover = &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance}
	r.check = widget.NewButtonWithIcon("Check", theme.ViewRefreshIcon(), r.runCheck)
	r.fixAll = widget.NewButtonWithIcon("Fix All…", theme.ConfirmIcon(), func() { r.askFix("every bundle ID", r.cells) })
	r.fixAll.Disable()
	r.expiring = container.NewVBox()
	r.grid = container.NewVBox()
	top := container.NewBorder(nil, nil, nil, container.NewHBox(r.fixAll, r.check), r.status)
	body := container.NewVScroll(container.NewVBox(r.expiring, r.grid))
	r.item = container.NewTabItem("Readiness", container.NewBorder(container.NewPadded(top), container.NewPadded(r.hover), nil, nil, body))
}

func (r *readinessPane) tabItem() *container.TabItem { return r.item }

// addReadiness appends the Readiness tab to the key view's tabs: it checks
// when first selected for a key, and a change it makes refreshes the lists.
func (v *keyView) addReadiness() {
	v.readiness.onChanged = v.onRefresh
	v.readiness.isSelected = func() bool { return v.tabs.Selected() == v.readiness.tabItem() }
	v.tabs.Append(v.readiness.tabItem())
	v.tabs.OnSelected = func(it *container.TabItem) {
		if it == v.readiness.tabItem() {
			v.readiness.selected()
		}
	}
}

// show forgets the last check: k is the key shown now. The check runs when
// the tab is selected.
func (r *readinessPane) show(k storage.Key) {
	r.gen++
	r.key, r.isOpen, r.busy, r.checked = k, k.Kind.CanProvision(), false, false
	r.cells, r.certs, r.views = nil, nil, nil
	r.grid.Objects, r.expiring.Objects = nil, nil
	r.grid.Refresh()
	r.expiring.Refresh()
	r.hover.SetText("")
	r.fixAll.Disable()
	if !r.isOpen {
		r.check.Disable()
		r.status.SetText("Individual keys cannot use provisioning, so readiness cannot be checked with this key.")
		return
	}
	r.check.Enable()
	r.status.SetText("Checks each bundle ID for a certificate whose key is here, a profile that includes it and every enabled device, installed for Xcode.")
	if r.isSelected != nil && r.isSelected() {
		r.selected() // another key chosen with the tab shown
	}
}

// selected runs the first check of the key shown.
func (r *readinessPane) selected() {
	if r.isOpen && !r.checked && !r.busy {
		r.runCheck()
	}
}

// readinessState is what one check found.
type readinessState struct {
	cells []actions.Cell
	certs []actions.ListedCertificate
}

// deps are what the actions need for key k. Off the UI goroutine.
func (r *readinessPane) deps(ctx context.Context, k storage.Key) (actions.Deps, *actions.Lists, []string, error) {
	client, err := r.client(ctx, k.ID)
	if err != nil {
		return actions.Deps{}, nil, nil, err
	}
	folders, err := r.folders()
	if err != nil {
		return actions.Deps{}, nil, nil, err
	}
	return actions.Deps{Vault: r.vault, Key: k, Client: client}, &actions.Lists{Client: client, Cache: r.cache, VaultID: k.ID}, folders, nil
}

// gather lists (the cache when fresh, unless freshLists), reads which keys
// are here and what is installed, and checks. Off the UI goroutine. A
// keychain that cannot be read comes back as the error beside the cells.
func (r *readinessPane) gather(ctx context.Context, k storage.Key, freshLists bool) (readinessState, error) {
	d, l, folders, err := r.deps(ctx, k)
	if err != nil {
		return readinessState{}, err
	}
	if freshLists {
		l = &actions.Lists{Client: d.Client}
	}
	in, warning, err := actions.GatherReadiness(ctx, d, l, folders)
	if err != nil {
		return readinessState{}, err
	}
	return readinessState{cells: actions.CheckReadiness(in, actions.ReadinessFilter{}), certs: in.Certificates}, warning
}

func (r *readinessPane) runCheck() { r.recheck(false, "") }

// recheck checks again in the background; done, if set, is said after.
func (r *readinessPane) recheck(freshLists bool, done string) {
	if !r.isOpen || r.busy {
		return
	}
	r.begin("Checking…")
	gen, k := r.gen, r.key
	r.work.background(func(ctx context.Context) {
		st, err := r.gather(ctx, k, freshLists)
		fyne.Do(func() { r.finish(gen, st, err, done) })
	})
}

// begin shows what runs; the buttons that would start more wait for it.
func (r *readinessPane) begin(what string) {
	r.busy = true
	r.status.SetText(what)
	r.check.Disable()
	r.fixAll.Disable()
	for _, b := range findButtons(r.grid, r.expiring) {
		b.Disable()
	}
	for _, v := range r.views {
		if v.fix != nil {
			v.fix.Disable()
		}
	}
}

// findButtons are the buttons in objs, containers walked.
func findButtons(objs ...fyne.CanvasObject) []*widget.Button {
	var out []*widget.Button
	for _, o := range objs {
		switch w := o.(type) {
		case *widget.Button:
			out = append(out, w)
		case *fyne.Container:
			out = append(out, findButtons(w.Objects...)...)
		}
	}
	return out
}

// finish shows a check's answer, if gen is still the key shown.
func (r *readinessPane) finish(gen int, st readinessState, err error, done string) {
	if gen != r.gen {
		return
	}
	r.busy = false
	r.check.Enable()
	if st.cells == nil && err != nil {
		r.status.SetText("Could not check: " + errText(err))
		return
	}
	r.checked = true
	r.cells, r.certs = st.cells, st.certs
	r.render()
	ready := 0
	for _, c := range r.cells {
		if c.Ready {
			ready++
		}
	}
	text := fmt.Sprintf("%d of %d bundle ID × kind cells are ready to sign and ship from this machine.", ready, len(r.cells))
	if done != "" {
		text = done + " " + text
	}
	if err != nil {
		// The keychain could not be read: the cells say no key is here.
		text += " " + errText(err)
	}
	r.status.SetText(text)
	if ready < len(r.cells) {
		r.fixAll.Enable()
	}
}

// render draws the expiring certificates and the grid.
func (r *readinessPane) render() {
	r.expiring.Objects = nil
	now := time.Now()
	for _, c := range r.certs {
		if e := c.Expiry(now); e.State != core.ExpiryExpiringSoon {
			continue
		}
		cert := c.Certificate
		text := fmt.Sprintf("%q (%s) expires in %s", cert.Label(), core.CertificateTypeLabel(cert.CertificateType), plural(daysLeft(cert.ExpirationDate.Time, now), "day", "days"))
		renew := widget.NewButtonWithIcon("Renew…", theme.HistoryIcon(), func() { r.askRenew(cert) })
		if core.CheckCertificateCreatable(cert.CertificateType) != nil {
			renew.Disable() // Developer ID: only on Apple's website
		}
		r.expiring.Add(container.NewBorder(nil, nil, widget.NewIcon(theme.WarningIcon()), renew, widget.NewLabel(text)))
	}
	r.expiring.Refresh()

	var kinds []string
	for _, k := range actions.Kinds {
		if slices.ContainsFunc(r.cells, func(c actions.Cell) bool { return c.Kind == k }) {
			kinds = append(kinds, k)
		}
	}
	r.views = nil
	r.grid.Objects = nil
	if len(r.cells) == 0 {
		r.grid.Add(widget.NewLabel("No bundle ID to check: register one in the Bundle IDs tab or with 'asckeys bundle-ids create'."))
		r.grid.Refresh()
		return
	}
	header := []fyne.CanvasObject{&widget.Label{Text: "Bundle ID", TextStyle: fyne.TextStyle{Bold: true}}}
	for _, k := range kinds {
		header = append(header, &widget.Label{Text: provision.KindLabel(k), TextStyle: fyne.TextStyle{Bold: true}})
	}
	header = append(header, layout.NewSpacer())
	r.grid.Add(container.New(readinessRow{}, header...))
	var row []actions.Cell
	flush := func() {
		if len(row) == 0 {
			return
		}
		cells := slices.Clone(row)
		objs := []fyne.CanvasObject{&widget.Label{Text: cells[0].BundleIdentifier, Truncation: fyne.TextTruncateEllipsis}}
		for _, k := range kinds {
			i := slices.IndexFunc(cells, func(c actions.Cell) bool { return c.Kind == k })
			if i < 0 {
				objs = append(objs, widget.NewLabel("—"))
				continue
			}
			v := newStatusCell(r, cells[i])
			r.views = append(r.views, v)
			objs = append(objs, v)
		}
		if slices.ContainsFunc(cells, func(c actions.Cell) bool { return !c.Ready }) {
			objs = append(objs, widget.NewButton("Fix Row…", func() { r.askFix(cells[0].BundleIdentifier, cells) }))
		} else {
			objs = append(objs, layout.NewSpacer())
		}
		r.grid.Add(container.New(readinessRow{}, objs...))
		row = nil
	}
	for _, c := range r.cells {
		if len(row) > 0 && row[0].BundleIdentifier != c.BundleIdentifier {
			flush()
		}
		row = append(row, c)
	}
	flush()
	r.grid.Refresh()
}

func daysLeft(t, now time.Time) int { return int(t.Sub(now).Hours()/24) + 1 }

// usable are the certificates of the last check whose key is here.
func (r *readinessPane) usable() []actions.ListedCertificate {
	now := time.Now()
	var out []actions.ListedCertificate
	for _, c := range r.certs {
		if c.HasPrivateKey && c.ExpirationDate.After(now) {
			out = append(out, c)
		}
	}
	return out
}

// askFix asks before fixing cells (of what, in words), listing every step.
func (r *readinessPane) askFix(what string, cells []actions.Cell) {
	var todo []actions.Cell
	for _, c := range cells {
		if !c.Ready {
			todo = append(todo, c)
		}
	}
	plan := actions.PlanFix(todo, r.usable(), true)
	if plan.Empty() {
		msg := "Nothing can be fixed from here."
		if len(plan.Manual) > 0 {
			msg += "\n\n" + strings.Join(plan.Manual, "\n")
		}
		r.dialogs.showMessage("Fix "+what, msg, theme.InfoIcon())
		return
	}
	text := "This will:\n\n• " + strings.Join(plan.Lines(), "\n• ")
	if plan.ChangesApple() {
		text += "\n\nRegenerated profiles get new UUIDs; copies installed elsewhere must be replaced."
	}
	r.dialogs.askWarning("Fix "+what+"?", text, "Fix", theme.ConfirmIcon(), func() { r.runFix(plan) })
}

func (r *readinessPane) runFix(plan actions.FixPlan) {
	if !r.isOpen || r.busy {
		return
	}
	r.begin("Fixing…")
	gen, k := r.gen, r.key
	r.work.background(func(ctx context.Context) {
		d, l, folders, err := r.deps(ctx, k)
		var res actions.FixResult
		if err == nil {
			f := &actions.Fixer{Deps: d, Lists: l, Pending: r.vault, Folders: folders}
			res, err = f.Run(ctx, plan)
		}
		st, cerr := r.gather(ctx, k, true)
		done := fmt.Sprintf("Fixed: %d certificate(s) and %d profile(s) created, %d profile(s) regenerated, %d installed.",
			len(res.Certificates), len(res.Created), len(res.Regenerated), len(res.Installed))
		fyne.Do(func() {
			r.finish(gen, st, cerr, done)
			if r.onChanged != nil {
				r.onChanged()
			}
		})
		r.dialogs.showError("Some of the fix failed", err)
	})
}

// askRenew plans the renewal of cert (GETs only) and asks before doing it.
func (r *readinessPane) askRenew(cert core.Certificate) {
	if !r.isOpen || r.busy {
		return
	}
	r.begin("Finding the profiles that include " + cert.Label() + "…")
	gen, k := r.gen, r.key
	r.work.background(func(ctx context.Context) {
		d, _, _, err := r.deps(ctx, k)
		var plan actions.RenewPlan
		if err == nil {
			plan, err = actions.PlanRenew(ctx, d, cert.ID)
		}
		fyne.Do(func() {
			if gen != r.gen {
				return
			}
			// As before the plan was asked for, its buttons enabled again.
			r.finish(gen, readinessState{cells: r.cells, certs: r.certs}, nil, "")
			if err != nil {
				r.dialogs.showMessage("Cannot renew", errText(err), theme.ErrorIcon())
				return
			}
			text := "This will:\n\n• " + strings.Join(plan.Lines(), "\n• ") +
				"\n\nThe old certificate stays valid until it expires; revoke it in the Certificates tab once nothing uses it."
			r.dialogs.askWarning("Renew "+cert.Label()+"?", text, "Renew", theme.HistoryIcon(), func() { r.runRenew(plan) })
		})
	})
}

func (r *readinessPane) runRenew(plan actions.RenewPlan) {
	if !r.isOpen || r.busy {
		return
	}
	r.begin("Renewing " + plan.Old.Label() + "…")
	gen, k := r.gen, r.key
	r.work.background(func(ctx context.Context) {
		d, l, _, err := r.deps(ctx, k)
		var res actions.RenewResult
		if err == nil {
			res, err = actions.Renew(ctx, d, l, r.vault, plan)
		}
		st, cerr := r.gather(ctx, k, true)
		done := ""
		if res.NewID != "" {
			done = fmt.Sprintf("Renewed: the new certificate %s, %d profile(s) regenerated.", res.NewID, len(res.Regenerated))
		}
		var limit *actions.RenewLimitError
		fyne.Do(func() {
			r.finish(gen, st, cerr, done)
			if res.NewID != "" && r.onChanged != nil {
				r.onChanged()
			}
			if errors.As(err, &limit) {
				first := plan
				first.RevokeFirst, first.RevokeOld = true, true
				text := errText(err) + "\n\nRevoke first and renew:\n\n• " + strings.Join(first.Lines(), "\n• ")
				r.dialogs.askWarning("The certificate type is at Apple's limit", text, "Revoke First and Renew", theme.DeleteIcon(), func() { r.runRenew(first) })
			}
		})
		if limit == nil {
			r.dialogs.showError("The renewal failed", err)
		}
	})
}

// describe is a cell's problems and fix in words, for hover and tap.
func describe(c actions.Cell) string {
	head := c.BundleIdentifier + " · " + provision.KindLabel(c.Kind) + ": "
	if c.Ready {
		return head + "ready: a certificate whose key is here, a profile that includes it and every enabled device, installed for Xcode."
	}
	return head + c.Summary() + "."
}

// statusCell is one cell of the grid: its state as a colour and a word, a
// Fix button when it is not ready; hover shows its problems below the
// grid, a tap shows them in a dialog.
type statusCell struct {
	widget.BaseWidget
	pane  *readinessPane
	cell  actions.Cell
	bg    *canvas.Rectangle
	label *widget.Label
	fix   *widget.Button
}

func newStatusCell(r *readinessPane, c actions.Cell) *statusCell {
	s := &statusCell{pane: r, cell: c, bg: canvas.NewRectangle(severityColor(c.Severity())),
		label: &widget.Label{Text: cellWord(c), Truncation: fyne.TextTruncateEllipsis}}
	s.bg.CornerRadius = theme.InputRadiusSize()
	if !c.Ready {
		s.fix = &widget.Button{Text: "Fix", Importance: widget.LowImportance, OnTapped: func() { r.askFix(c.BundleIdentifier+" ("+provision.KindLabel(c.Kind)+")", []actions.Cell{c}) }}
	}
	s.ExtendBaseWidget(s)
	return s
}

func (s *statusCell) CreateRenderer() fyne.WidgetRenderer {
	var right fyne.CanvasObject
	if s.fix != nil {
		right = s.fix
	}
	return widget.NewSimpleRenderer(container.NewStack(s.bg, container.NewBorder(nil, nil, nil, right, s.label)))
}

// Tapped shows the cell's problems and fix in a dialog.
func (s *statusCell) Tapped(*fyne.PointEvent) {
	c := s.cell
	text := describe(c)
	if len(c.Fix) > 0 {
		text += "\n\nThe fix:\n• " + strings.Join(c.Fix, "\n• ")
	}
	s.pane.dialogs.showMessage(c.BundleIdentifier+" · "+provision.KindLabel(c.Kind), text, severityIcon(c.Severity()))
}

// MouseIn shows the cell's problems in words below the grid.
func (s *statusCell) MouseIn(*desktop.MouseEvent) { s.pane.hover.SetText(describe(s.cell)) }

// MouseMoved is part of desktop.Hoverable.
func (s *statusCell) MouseMoved(*desktop.MouseEvent) {}

// MouseOut clears what MouseIn showed.
func (s *statusCell) MouseOut() { s.pane.hover.SetText("") }

// cellWord is a cell's state in a word or two.
func cellWord(c actions.Cell) string {
	if c.Ready {
		return "Ready"
	}
	words := map[string]string{
		actions.ProblemNoCertificate:      "No certificate",
		actions.ProblemNoPrivateKey:       "Key not here",
		actions.ProblemCertificateExpired: "Certificate expired",
		actions.ProblemNoProfile:          "No profile",
		actions.ProblemProfileExpired:     "Profile expired",
		actions.ProblemProfileInvalid:     "Profile invalid",
		actions.ProblemMissingCertificate: "Needs certificate",
		actions.ProblemMissingDevices:     "Needs devices",
		actions.ProblemNotInstalled:       "Not installed",
		actions.ProblemInstalledStale:     "Old copy installed",
	}
	w := words[c.Problems[0].Code]
	if n := len(c.Problems) - 1; n > 0 {
		w += fmt.Sprintf(" +%d", n)
	}
	return w
}

// severityColor is a cell's background: green, amber or red, light enough
// for the text on it in both themes.
func severityColor(sev int) color.Color {
	name := []fyne.ThemeColorName{theme.ColorNameSuccess, theme.ColorNameWarning, theme.ColorNameError}[sev]
	r, g, b, _ := theme.Color(name).RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0x55}
}

func severityIcon(sev int) fyne.Resource {
	return []fyne.Resource{theme.ConfirmIcon(), theme.WarningIcon(), theme.ErrorIcon()}[sev]
}

// readinessRow lays out a row of the grid: the bundle ID's identifier gets
// 1.6 times the width of a kind's cell (identifiers are long), the row's Fix
// button three quarters of it.
type readinessRow struct{}

func (readinessRow) weights(n int) []float32 {
	w := make([]float32, n)
	for i := range w {
		w[i] = 1
	}
	if n > 0 {
		w[0] = 1.6
	}
	if n > 2 {
		w[n-1] = 0.75
	}
	return w
}

func (l readinessRow) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	w := l.weights(len(objs))
	var total float32
	for _, x := range w {
		total += x
	}
	pad := theme.Padding()
	avail := size.Width - pad*float32(len(objs)-1)
	x := float32(0)
	for i, o := range objs {
		width := avail * w[i] / total
		o.Move(fyne.NewPos(x, 0))
		o.Resize(fyne.NewSize(width, size.Height))
		x += width + pad
	}
}

func (l readinessRow) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var h, w float32
	for _, o := range objs {
		m := o.MinSize()
		h = max(h, m.Height)
		w = max(w, m.Width)
	}
	// Each cell may shrink to its least width; the row then needs that of
	// its widest at weight 1 (labels truncate).
	return fyne.NewSize(w*float32(len(objs))/2, h)
}

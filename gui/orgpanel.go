package gui

import (
	"errors"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/asckeys/asckeys/storage"
)

// orgPanel is the left-hand organization panel: the linked App Store Connect
// API keys, each with its kind and status, and the Add New button.
type orgPanel struct {
	u      *ui
	addNew *widget.Button
	list   *widget.List
	none   *fyne.Container

	// keys mirrors ui.keys for the list's callbacks; selecting suppresses
	// OnSelected while the panel itself moves the selection.
	keys      []storage.Key
	selecting bool
}

func newOrgPanel(u *ui) *orgPanel { return &orgPanel{u: u} }

func (p *orgPanel) buildUI() fyne.CanvasObject {
	title := widget.NewLabelWithStyle("App Store Connect API Keys", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	p.addNew = widget.NewButtonWithIcon("Add New", theme.ContentAddIcon(), p.onAddNew)
	p.addNew.Importance = widget.HighImportance

	p.list = widget.NewList(
		func() int { return len(p.keys) },
		func() fyne.CanvasObject { return newKeyRow(p.onMore) },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			k := p.keys[i]
			o.(*keyRow).set(k, p.u.secrets[k.ID])
		},
	)
	p.list.OnSelected = p.onSelected

	noneTitle := widget.NewLabel("No keys linked yet.")
	noneText := widget.NewLabel("Press Add New, or drop an AuthKey_XXXXXXXXXX.p8 file anywhere on this window.")
	noneText.Wrapping = fyne.TextWrapWord
	p.none = container.NewVBox(noneTitle, noneText)
	p.none.Hide() // until the list was read

	top := container.NewVBox(title, widget.NewSeparator())
	bottom := container.NewPadded(p.addNew)
	return container.NewBorder(top, bottom, nil, nil, container.NewStack(p.list, p.none))
}

// setKeys shows keys, keeping the selection on the same key.
func (p *orgPanel) setKeys(keys []storage.Key) {
	p.keys = keys
	if len(keys) == 0 && p.u.loaded {
		p.none.Show()
	} else {
		p.none.Hide()
	}
	p.list.Refresh()
	p.selectKey(p.u.selected)
}

// setBlocked disables Add New while the key list cannot be read: a new key
// could not be saved, and the damaged file must not be replaced.
func (p *orgPanel) setBlocked(blocked bool) {
	if blocked {
		p.addNew.Disable()
		p.none.Hide()
	} else {
		p.addNew.Enable()
	}
}

// selectKey moves the list's selection to the key with vault id id.
func (p *orgPanel) selectKey(id string) {
	p.selecting = true
	defer func() { p.selecting = false }()
	for i, k := range p.keys {
		if k.ID == id {
			p.list.Select(i)
			return
		}
	}
	p.list.UnselectAll()
}

func (p *orgPanel) onSelected(i widget.ListItemID) {
	if p.selecting || i < 0 || i >= len(p.keys) {
		return
	}
	p.u.selectKey(p.keys[i].ID)
}

// onAddNew opens an empty Add New dialog.
func (p *orgPanel) onAddNew() {
	p.u.openAddDialog(addPrefill{})
}

// onMore opens the menu of a key's row: rename, verify, remove.
func (p *orgPanel) onMore(row *keyRow) {
	k, ok := p.u.keyByID(row.id)
	if !ok {
		return
	}
	menu := fyne.NewMenu("",
		&fyne.MenuItem{Label: "Rename…", Icon: theme.DocumentCreateIcon(), Action: func() { p.u.renameKey(k) }},
		&fyne.MenuItem{Label: "Verify with Apple", Icon: theme.ConfirmIcon(), Action: func() { p.u.verifyKey(k) }},
		fyne.NewMenuItemSeparator(),
		&fyne.MenuItem{Label: "Remove…", Icon: theme.DeleteIcon(), Action: func() { p.u.removeKey(k) }},
	)
	widget.ShowPopUpMenuAtRelativePosition(menu, p.u.win.Canvas(), fyne.NewPos(0, row.more.Size().Height), row.more)
}

// keyRow is one key in the organization panel: its name and kind on the
// first line, its Key ID and status on the second, and a "…" menu button.
type keyRow struct {
	widget.BaseWidget
	id     string
	name   *widget.Label
	keyID  *widget.Label
	status *widget.Label
	kind   *badge
	more   *widget.Button
}

func newKeyRow(onMore func(*keyRow)) *keyRow {
	r := &keyRow{
		name:   &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis},
		keyID:  &widget.Label{TextStyle: fyne.TextStyle{Monospace: true}, SizeName: theme.SizeNameCaptionText},
		status: &widget.Label{SizeName: theme.SizeNameCaptionText, Truncation: fyne.TextTruncateEllipsis},
		kind:   newBadge("Team", theme.ColorNamePrimary),
	}
	r.more = &widget.Button{Icon: theme.MoreHorizontalIcon(), Importance: widget.LowImportance, OnTapped: func() { onMore(r) }}
	r.ExtendBaseWidget(r)
	return r
}

// set shows key k, whose private key check said secretErr.
func (r *keyRow) set(k storage.Key, secretErr error) {
	r.id = k.ID
	r.name.SetText(k.Name)
	r.keyID.SetText(k.KeyID)
	r.kind.set(k.Kind.Label(), kindBadgeColor(k.Kind))
	text, t := keyStatus(k, secretErr, time.Now())
	r.status.Importance = toneImportance(t)
	r.status.SetText(text)
}

// CreateRenderer lays the row out in two lines.
func (r *keyRow) CreateRenderer() fyne.WidgetRenderer {
	first := container.NewBorder(nil, nil, nil, r.kind, r.name)
	second := container.NewBorder(nil, nil, r.keyID, nil, r.status)
	lines := container.New(&tightVBox{}, first, second)
	return widget.NewSimpleRenderer(container.NewBorder(nil, nil, nil, container.NewCenter(r.more), lines))
}

// keyStatus is the short status of a key shown in its row: whether its
// private key is where it should be, and what Apple said last time.
func keyStatus(k storage.Key, secretErr error, now time.Time) (string, tone) {
	if secretErr != nil {
		switch {
		case errors.Is(secretErr, storage.ErrSecretNotFound):
			return "Private key missing from the keychain", toneError
		case errors.Is(secretErr, storage.ErrKeychainLocked):
			return "Keychain locked", toneWarning
		case errors.Is(secretErr, storage.ErrKeychainTimeout):
			return "Keychain did not answer", toneWarning
		case errors.Is(secretErr, storage.ErrNoKeychain):
			return "No keychain available", toneError
		case errors.Is(secretErr, storage.ErrSecretMismatch), errors.Is(secretErr, storage.ErrSecretDamaged):
			return "Private key damaged in the keychain", toneError
		}
		return "Keychain error", toneError
	}
	switch k.Verification() {
	case storage.Verified:
		return "Verified " + ago(k.LastVerified, now), toneSuccess
	case storage.Rejected:
		return "Key rejected by Apple", toneError
	}
	return "Not yet verified", toneNote
}

// toneImportance maps a tone to the label importance that colours it.
func toneImportance(t tone) widget.Importance {
	switch t {
	case toneError:
		return widget.DangerImportance
	case toneWarning:
		return widget.WarningImportance
	case toneSuccess:
		return widget.SuccessImportance
	case toneNote:
		return widget.LowImportance
	}
	return widget.MediumImportance
}

// tightVBox stacks objects without padding between them, for the two lines
// of a row, which carry their own inner padding.
type tightVBox struct{}

func (tightVBox) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		m := o.MinSize()
		s.Width = fyne.Max(s.Width, m.Width)
		s.Height += m.Height
	}
	// The labels' own padding is generous; overlapping them slightly keeps
	// two lines together as one item.
	return s.SubtractWidthHeight(0, theme.Padding()*float32(len(objs)-1)*2)
}

func (tightVBox) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	y := float32(0)
	overlap := theme.Padding() * 2
	for _, o := range objs {
		h := o.MinSize().Height
		o.Move(fyne.NewPos(0, y))
		o.Resize(fyne.NewSize(size.Width, h))
		y += h - overlap
	}
}

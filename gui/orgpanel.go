package gui

import (
	"errors"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/asckeys/asckeys/storage"
)

// orgPanel is the left-hand organization panel: the linked App Store Connect
// API keys, each with its kind and status, and the Add New button.
type orgPanel struct {
	win fyne.Window // the key menu pops up on its canvas

	// What the panel reports: a key chosen in the list, Add New, and the
	// items of a key's "…" menu.
	onSelect                     func(id string)
	onAddNew                     func()
	onRename, onVerify, onRemove func(storage.Key)
	onExport                     func(storage.Key)
	// onLocal shows the provisioning profiles installed on this machine.
	onLocal func()
	// onOverview shows every key's expiry at once.
	onOverview func()

	addNew *widget.Button
	// hovered is the whole name and Key ID of the key under the pointer,
	// for names the narrow panel cuts.
	hovered *widget.Label
	list    *widget.List
	none    *fyne.Container

	// keys and secrets are what the list shows, selected the vault id of
	// the key selected; selecting suppresses OnSelected while the panel
	// itself moves the selection.
	keys      []storage.Key
	secrets   map[string]error
	selected  string
	selecting bool
}

func (p *orgPanel) buildUI() fyne.CanvasObject {
	title := widget.NewLabelWithStyle("App Store Connect API Keys", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	p.addNew = widget.NewButtonWithIcon("Add New", theme.ContentAddIcon(), func() { p.onAddNew() })
	p.addNew.Importance = widget.HighImportance

	p.list = widget.NewList(
		func() int { return len(p.keys) },
		func() fyne.CanvasObject { return newKeyRow(p.onMore, p.onHover) },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			k := p.keys[i]
			o.(*keyRow).set(k, p.secrets[k.ID])
		},
	)
	p.list.OnSelected = p.onSelected

	noneTitle := widget.NewLabel("No keys linked yet.")
	noneText := widget.NewLabel("Press Add New, or drop an AuthKey_XXXXXXXXXX.p8 file anywhere on this window.")
	noneText.Wrapping = fyne.TextWrapWord
	p.none = container.NewVBox(noneTitle, noneText)
	p.none.Hide() // until the list was read

	top := container.NewVBox(title, widget.NewSeparator())
	p.hovered = &widget.Label{Wrapping: fyne.TextWrapWord, SizeName: theme.SizeNameCaptionText}
	p.hovered.Hide()
	// The installed profiles belong to no key: the panel reaches them.
	local := widget.NewButtonWithIcon("On This Mac", theme.ComputerIcon(), func() { p.onLocal() })
	// Above Add New rather than beside it, so the panel stays narrow.
	overview := widget.NewButtonWithIcon("Overview", theme.GridIcon(), func() { p.onOverview() })
	bottom := container.NewVBox(p.hovered, container.NewPadded(container.NewVBox(overview, local, p.addNew)))
	return container.NewBorder(top, bottom, nil, nil, container.NewStack(p.list, p.none))
}

// setKeys shows keys, with what the keychain check said of each key's
// private key (secrets, by vault id), keeping the selection on the same key.
func (p *orgPanel) setKeys(keys []storage.Key, secrets map[string]error) {
	p.keys, p.secrets = keys, secrets
	if len(keys) == 0 {
		p.none.Show()
	} else {
		p.none.Hide()
	}
	p.list.Refresh()
	p.selectKey(p.selected)
}

// onHover shows the whole name of the key row under the pointer ("" when
// it left).
func (p *orgPanel) onHover(text string) {
	p.hovered.SetText(text)
	if text == "" {
		p.hovered.Hide()
	} else {
		p.hovered.Show()
	}
}

// blocked reports whether Add New is disabled (see setBlocked).
func (p *orgPanel) blocked() bool { return p.addNew.Disabled() }

// tick refreshes the rows' "Verified 3 minutes ago".
func (p *orgPanel) tick() { p.list.Refresh() }

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
	p.selected = id
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
	p.onSelect(p.keys[i].ID)
}

// onMore opens the menu of a key's row: rename, verify, remove.
func (p *orgPanel) onMore(row *keyRow) {
	k, ok := findKey(p.keys, row.id)
	if !ok {
		return
	}
	menu := fyne.NewMenu("",
		&fyne.MenuItem{Label: "Rename…", Icon: theme.DocumentCreateIcon(), Action: func() { p.onRename(k) }},
		&fyne.MenuItem{Label: "Verify with Apple", Icon: theme.ConfirmIcon(), Action: func() { p.onVerify(k) }},
		&fyne.MenuItem{Label: "Export for fastlane…", Icon: theme.DocumentSaveIcon(), Action: func() { p.onExport(k) }},
		fyne.NewMenuItemSeparator(),
		&fyne.MenuItem{Label: "Remove…", Icon: theme.DeleteIcon(), Action: func() { p.onRemove(k) }},
	)
	widget.ShowPopUpMenuAtRelativePosition(menu, p.win.Canvas(), fyne.NewPos(0, row.more.Size().Height), row.more)
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

	onHover func(text string)
}

func newKeyRow(onMore func(*keyRow), onHover func(string)) *keyRow {
	r := &keyRow{
		name:   &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis},
		keyID:  &widget.Label{TextStyle: fyne.TextStyle{Monospace: true}, SizeName: theme.SizeNameCaptionText},
		status: &widget.Label{SizeName: theme.SizeNameCaptionText, Truncation: fyne.TextTruncateEllipsis},
		kind:   newBadge("Team", theme.ColorNamePrimary),
	}
	r.more = &widget.Button{Icon: theme.MoreHorizontalIcon(), Importance: widget.LowImportance, OnTapped: func() { onMore(r) }}
	r.onHover = onHover
	r.ExtendBaseWidget(r)
	return r
}

// MouseIn shows the row's whole name and Key ID below the list, so keys
// with similar long names can be told apart in a narrow panel.
func (r *keyRow) MouseIn(*desktop.MouseEvent) {
	r.onHover(r.name.Text + " · " + r.keyID.Text)
}

// MouseMoved is part of desktop.Hoverable.
func (r *keyRow) MouseMoved(*desktop.MouseEvent) {}

// MouseOut clears what MouseIn showed.
func (r *keyRow) MouseOut() { r.onHover("") }

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

package gui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/asckeys/asckeys/core"
)

// Fyne sends a key press only to the focused widget, and its entries and
// buttons ignore Escape. The dialogs' own widgets below pass Escape on, so
// that Escape cancels a dialog wherever the focus is, as on every desktop.

// dialogEntry is a single-line entry that cancels its dialog on Escape and
// submits it on Enter (through OnSubmitted).
type dialogEntry struct {
	widget.Entry
	onEscape func()
}

func newDialogEntry(placeholder string) *dialogEntry {
	e := &dialogEntry{}
	e.PlaceHolder = placeholder
	e.Wrapping = fyne.TextWrapOff
	e.Scroll = container.ScrollHorizontalOnly
	e.ExtendBaseWidget(e)
	return e
}

// TypedKey passes Escape to the dialog and everything else to the entry.
func (e *dialogEntry) TypedKey(ev *fyne.KeyEvent) {
	if ev.Name == fyne.KeyEscape && e.onEscape != nil {
		e.onEscape()
		return
	}
	e.Entry.TypedKey(ev)
}

// dialogButton is a button that cancels its dialog on Escape and is pressed
// by Enter as well as Space when focused.
type dialogButton struct {
	widget.Button
	onEscape func()
}

func newDialogButton(label string, icon fyne.Resource, tapped func()) *dialogButton {
	b := &dialogButton{}
	b.Text, b.Icon, b.OnTapped = label, icon, tapped
	b.ExtendBaseWidget(b)
	return b
}

// TypedKey handles Escape and Enter, and leaves Space to the button.
func (b *dialogButton) TypedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyEscape:
		if b.onEscape != nil {
			b.onEscape()
		}
	case fyne.KeyReturn, fyne.KeyEnter:
		if !b.Disabled() && b.OnTapped != nil {
			b.OnTapped()
		}
	default:
		b.Button.TypedKey(ev)
	}
}

// segmented is a row of buttons of which one is chosen, like a segmented
// control on macOS: the three key kinds fit it, and unlike radio buttons its
// buttons pass Escape on to the dialog.
type segmented struct {
	options  []string
	buttons  []*dialogButton
	selected string
	// OnChanged is called with the new choice when the user makes one.
	OnChanged func(string)
	row       *fyne.Container
}

func newSegmented(options []string, onEscape func()) *segmented {
	s := &segmented{options: options}
	for _, o := range options {
		b := newDialogButton(o, nil, func() { s.choose(o, true) })
		b.onEscape = onEscape
		s.buttons = append(s.buttons, b)
	}
	objs := make([]fyne.CanvasObject, len(s.buttons))
	for i, b := range s.buttons {
		objs[i] = b
	}
	s.row = container.NewGridWithColumns(len(objs), objs...)
	return s
}

// choose selects option and, when the user made the choice, tells OnChanged.
func (s *segmented) choose(option string, byUser bool) {
	s.selected = option
	for i, b := range s.buttons {
		if s.options[i] == option {
			b.Importance = widget.HighImportance
		} else {
			b.Importance = widget.MediumImportance
		}
		b.Refresh()
	}
	if byUser && s.OnChanged != nil {
		s.OnChanged(option)
	}
}

func (s *segmented) setDisabled(disabled bool) {
	for _, b := range s.buttons {
		if disabled {
			b.Disable()
		} else {
			b.Enable()
		}
	}
}

// badge is a small rounded label, such as the kind of a key.
type badge struct {
	widget.BaseWidget
	text  *canvas.Text
	back  *canvas.Rectangle
	color fyne.ThemeColorName
}

func newBadge(text string, colorName fyne.ThemeColorName) *badge {
	b := &badge{color: colorName}
	b.text = canvas.NewText(text, color.White)
	b.text.TextSize = theme.CaptionTextSize()
	b.text.TextStyle = fyne.TextStyle{Bold: true}
	b.back = canvas.NewRectangle(color.Transparent)
	b.back.CornerRadius = 4
	b.back.StrokeWidth = 1
	b.ExtendBaseWidget(b)
	return b
}

// set changes the badge's text and colour.
func (b *badge) set(text string, colorName fyne.ThemeColorName) {
	b.text.Text, b.color = text, colorName
	b.Refresh()
}

// CreateRenderer draws the text over a tinted rounded rectangle.
func (b *badge) CreateRenderer() fyne.WidgetRenderer {
	return &badgeRenderer{b: b}
}

type badgeRenderer struct{ b *badge }

func (r *badgeRenderer) Destroy() {}

func (r *badgeRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.b.back, r.b.text}
}

func (r *badgeRenderer) padding() fyne.Size {
	return fyne.NewSize(theme.Padding()*1.5, theme.Padding()/2)
}

func (r *badgeRenderer) MinSize() fyne.Size {
	p := r.padding()
	return r.b.text.MinSize().Add(fyne.NewSize(2*p.Width, 2*p.Height))
}

func (r *badgeRenderer) Layout(size fyne.Size) {
	min := r.MinSize()
	// Keep the badge its natural size, centred vertically, wherever a
	// layout stretches it.
	pos := fyne.NewPos(0, (size.Height-min.Height)/2)
	r.b.back.Move(pos)
	r.b.back.Resize(min)
	p := r.padding()
	r.b.text.Move(pos.Add(fyne.NewPos(p.Width, p.Height)))
	r.b.text.Resize(r.b.text.MinSize())
}

// badgeWashAlpha is how strongly a badge's colour fills it behind its text.
const badgeWashAlpha = 0x26

func (r *badgeRenderer) Refresh() {
	th := r.b.Theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	c := th.Color(r.b.color, v)
	r.b.text.Color = c
	r.b.text.TextSize = th.Size(theme.SizeNameCaptionText)
	cr, cg, cb, _ := c.RGBA()
	r.b.back.FillColor = color.NRGBA{R: uint8(cr >> 8), G: uint8(cg >> 8), B: uint8(cb >> 8), A: badgeWashAlpha}
	r.b.back.StrokeColor = color.NRGBA{R: uint8(cr >> 8), G: uint8(cg >> 8), B: uint8(cb >> 8), A: 0x80}
	r.b.back.Refresh()
	r.b.text.Refresh()
}

// kindBadgeColor tells the kinds apart at a glance: team keys are the common
// case, individual keys cannot provision at all, enterprise keys talk to
// another server.
func kindBadgeColor(k core.KeyKind) fyne.ThemeColorName {
	switch k {
	case core.KindIndividual:
		return theme.ColorNameWarning
	case core.KindEnterprise:
		return theme.ColorNameSuccess
	}
	return theme.ColorNamePrimary
}

// message is a line of text under a field or in a pane: an error, a warning
// or a note, in the colour that says which. Empty, it keeps its line, so
// that a dialog does not jump as messages come and go.
type message struct {
	*widget.Label
}

func newMessage() message {
	l := widget.NewLabel("")
	l.Wrapping = fyne.TextWrapWord
	l.SizeName = theme.SizeNameCaptionText
	return message{l}
}

// tone is the kind of a message.
type tone int

const (
	toneNone tone = iota
	toneError
	toneWarning
	toneSuccess
	toneNote
)

func (m message) set(t tone, text string) {
	m.Importance = toneImportance(t)
	m.Label.SetText(text)
}

func (m message) clear() { m.set(toneNone, "") }

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

// minWidth lays out one object at least w wide, so that wrapped text in a
// dialog gets a readable line length instead of Fyne's narrowest fit.
type minWidth struct{ w float32 }

func (l *minWidth) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		s = s.Max(o.MinSize())
	}
	return s.Max(fyne.NewSize(l.w, 0))
}

func (l *minWidth) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

// newDropZone frames content like a drop target: a tinted, rounded area
// with a primary-coloured outline.
func newDropZone(content fyne.CanvasObject) fyne.CanvasObject {
	primary := theme.Color(theme.ColorNamePrimary)
	r, g, b, _ := primary.RGBA()
	frame := canvas.NewRectangle(color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0x14})
	frame.StrokeColor = color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0xa0}
	frame.StrokeWidth = 2
	frame.CornerRadius = theme.InputRadiusSize() * 2
	return container.NewStack(frame, container.New(layout.NewCustomPaddedLayout(16, 16, 16, 16), content))
}

// flowLayout sets its objects side by side at their minimum sizes, as many
// as fit in a line, then on the next line, so that a row of facts still fits
// a narrow window. Its minimum height follows the width it was last given.
type flowLayout struct {
	width float32 // the width of the last Layout, 0 before the first
	gap   float32 // between objects and lines: 0 for the facts, padding for toolbars
}

func (l *flowLayout) lines(objs []fyne.CanvasObject, width float32, place bool) fyne.Size {
	var x, y, lineH, widest float32
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		m := o.MinSize()
		if x > 0 && width > 0 && x+m.Width > width {
			x, y = 0, y+lineH+l.gap
			lineH = 0
		}
		if place {
			o.Move(fyne.NewPos(x, y))
			o.Resize(m)
		}
		x += m.Width + l.gap
		lineH = max(lineH, m.Height)
		widest = max(widest, m.Width)
	}
	return fyne.NewSize(widest, y+lineH)
}

func (l *flowLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	return l.lines(objs, l.width, false)
}

func (l *flowLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	l.width = size.Width
	l.lines(objs, size.Width, true)
}

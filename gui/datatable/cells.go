package datatable

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// owner is what the cell widgets call back into. It is not generic, so the
// widgets need not be either.
type owner interface {
	toggleRow(row int, on bool)
	actOnRow(row int)
	headerTapped(col int)
	setVisibleSelected(on bool)
	// hovered shows the full text of a cell the pointer is over when the
	// cell cuts it short; "" when it is not cut or the pointer left.
	hovered(full string)
	// showMenu opens the copy menu for a cell at an absolute position.
	showMenu(row, col int, at fyne.Position)
}

// actionLook is the row action's button face, the same on every row.
type actionLook struct {
	label string
	icon  fyne.Resource
}

// TintAlpha is how strongly a Warning or Danger row is tinted: enough to see
// at a glance in a long list, light enough that the coloured text on it stays
// readable on a light and on a dark background.
const TintAlpha = 0x30

// cell is the one template widget.Table recycles for every body cell: it
// holds a text, a checkbox and an action button and shows the one its column
// needs, so scrolling, sorting and filtering never create widgets.
type cell struct {
	widget.BaseWidget
	owner owner
	row   int // the index into the table's view this cell shows, or -1
	col   int // the display column

	bg     *canvas.Rectangle
	focus  *canvas.Rectangle // the band over the row the keyboard is on
	text   *widget.RichText
	check  *widget.Check
	action *widget.Button
	reason string // why the action is disabled, "" when it is not
}

func newCell(o owner, look actionLook) *cell {
	c := &cell{owner: o, row: -1}
	c.bg = canvas.NewRectangle(color.Transparent)
	c.focus = canvas.NewRectangle(color.Transparent)
	c.focus.Hide()
	c.text = widget.NewRichText(&widget.TextSegment{Style: widget.RichTextStyleInline})
	c.check = widget.NewCheck("", func(on bool) { c.owner.toggleRow(c.row, on) })
	c.check.Hide()
	c.action = widget.NewButtonWithIcon(look.label, look.icon, func() { c.owner.actOnRow(c.row) })
	c.action.Importance = widget.LowImportance
	c.action.Hide()
	c.ExtendBaseWidget(c)
	return c
}

// CreateRenderer lays out the cell's parts.
func (c *cell) CreateRenderer() fyne.WidgetRenderer {
	return &cellRenderer{c: c, objects: []fyne.CanvasObject{c.bg, c.focus, c.text, c.check, c.action}}
}

// MouseIn shows the whole text of a cut cell below the table.
func (c *cell) MouseIn(*desktop.MouseEvent) {
	switch {
	case c.text.Visible() && c.text.Truncation != fyne.TextTruncateOff:
		c.owner.hovered(c.text.String())
	case c.action.Visible() && c.reason != "":
		c.owner.hovered(c.reason)
	}
}

// MouseMoved is part of desktop.Hoverable.
func (c *cell) MouseMoved(*desktop.MouseEvent) {}

// MouseOut clears what MouseIn showed.
func (c *cell) MouseOut() { c.owner.hovered("") }

// TappedSecondary opens the copy menu for the cell under a right click.
func (c *cell) TappedSecondary(e *fyne.PointEvent) {
	if c.row >= 0 {
		c.owner.showMenu(c.row, c.col, e.AbsolutePosition)
	}
}

// setFocused shows or hides the band of the row the keyboard is on; the
// colour is the theme's focus colour, as for a focused entry.
func (c *cell) setFocused(on bool) {
	if !on {
		c.focus.Hide()
		return
	}
	fill := c.Theme().Color(theme.ColorNameFocus, fyne.CurrentApp().Settings().ThemeVariant())
	if c.focus.FillColor != fill || !c.focus.Visible() {
		c.focus.FillColor = fill
		c.focus.Show()
		c.focus.Refresh()
	}
}

func (c *cell) showText(s string, mono bool, align fyne.TextAlign, tone Tone) {
	c.check.Hide()
	c.action.Hide()
	seg := c.text.Segments[0].(*widget.TextSegment)
	colour := toneTextColor(tone)
	changed := seg.Text != s || seg.Style.TextStyle.Monospace != mono ||
		seg.Style.Alignment != align || seg.Style.ColorName != colour
	seg.Text = s
	seg.Style.TextStyle.Monospace = mono
	seg.Style.Alignment = align
	seg.Style.ColorName = colour
	if c.fitText(c.Size().Width) || changed || !c.text.Visible() {
		c.text.Show()
		c.text.Refresh()
	}
}

// fitText turns on ellipsis truncation only for a text wider than the cell
// and reports whether it changed. Fyne shapes the whole text with HarfBuzz,
// uncached, every time it lays out a truncating label, even when the text
// fits; measuring is cached. Truncating only what overflows made a search
// keystroke on 10,000 rows several times faster (see bench_test.go).
func (c *cell) fitText(width float32) bool {
	th := c.Theme()
	seg := c.text.Segments[0].(*widget.TextSegment)
	avail := width - 2*th.Size(theme.SizeNameInnerPadding)
	trunc := fyne.TextTruncateOff
	if fyne.MeasureText(seg.Text, th.Size(theme.SizeNameText), seg.Style.TextStyle).Width > avail {
		trunc = fyne.TextTruncateEllipsis
	}
	if c.text.Truncation == trunc {
		return false
	}
	c.text.Truncation = trunc
	return true
}

func (c *cell) showCheck(on bool) {
	c.text.Hide()
	c.action.Hide()
	// Set the field, not SetChecked: that would call OnChanged and toggle
	// the row that is merely being drawn.
	if c.check.Checked != on {
		c.check.Checked = on
		c.check.Refresh()
	}
	c.check.Show()
}

func (c *cell) showAction(reason string) {
	c.text.Hide()
	c.check.Hide()
	c.reason = reason
	if reason != "" {
		c.action.Disable()
	} else {
		c.action.Enable()
	}
	c.action.Show()
}

// setTone tints the cell's background. The colour is looked up on every
// redraw, so it follows a change of theme or of light and dark variant.
func (c *cell) setTone(tone Tone) {
	tint := toneTint(tone, c.Theme())
	if c.bg.FillColor != tint {
		c.bg.FillColor = tint
		c.bg.Refresh()
	}
}

// toneTextColor is the theme colour of a row's text. Muted rows use the
// placeholder colour rather than ColorNameDisabled, which the default theme
// makes almost invisible as text (#e3e3e3 on white, #39393a on near-black).
func toneTextColor(tone Tone) fyne.ThemeColorName {
	switch tone {
	case Warning:
		return theme.ColorNameWarning
	case Danger:
		return theme.ColorNameError
	case Muted:
		return theme.ColorNamePlaceHolder
	}
	return theme.ColorNameForeground
}

// toneTint is a row's background: a translucent wash of the theme's warning
// or error colour, so it reads as pale on a light theme and deep on a dark
// one, or transparent.
func toneTint(tone Tone, th fyne.Theme) color.Color {
	var name fyne.ThemeColorName
	switch tone {
	case Warning:
		name = theme.ColorNameWarning
	case Danger:
		name = theme.ColorNameError
	default:
		return color.Transparent
	}
	c := color.NRGBAModel.Convert(th.Color(name, fyne.CurrentApp().Settings().ThemeVariant())).(color.NRGBA)
	c.A = uint8(uint16(c.A) * TintAlpha / 0xff)
	return c
}

type cellRenderer struct {
	c       *cell
	objects []fyne.CanvasObject
}

func (r *cellRenderer) Layout(size fyne.Size) {
	// The tint spans the gap between columns too, so a row reads as one
	// band; the rows' separators stay visible.
	pad := r.c.Theme().Size(theme.SizeNamePadding)
	r.c.bg.Move(fyne.NewPos(-pad/2, 0))
	r.c.bg.Resize(fyne.NewSize(size.Width+pad, size.Height))
	r.c.focus.Move(r.c.bg.Position())
	r.c.focus.Resize(r.c.bg.Size())
	r.c.text.Move(fyne.NewPos(0, 0))
	// A column made narrower may now need the ellipsis, a wider one may
	// not. Resize alone does not redo the lines: RichText skips that once
	// its cached minimum fits, and would keep the old "…".
	truncation := r.c.fitText(size.Width)
	r.c.text.Resize(size)
	if truncation {
		r.c.text.Refresh()
	}
	centre(r.c.check, size)
	centre(r.c.action, size)
}

func (r *cellRenderer) MinSize() fyne.Size {
	return r.c.text.MinSize().Max(r.c.check.MinSize()).Max(r.c.action.MinSize())
}

func (r *cellRenderer) Refresh() {
	r.Layout(r.c.Size())
	r.c.bg.Refresh()
}

func (r *cellRenderer) Objects() []fyne.CanvasObject { return r.objects }

func (r *cellRenderer) Destroy() {}

// centre places o at its minimum size in the middle of a box of size.
func centre(o fyne.CanvasObject, size fyne.Size) {
	min := o.MinSize()
	o.Resize(min)
	o.Move(fyne.NewPos((size.Width-min.Width)/2, (size.Height-min.Height)/2))
}

// headerCell is a column header: a bold title that sorts when tapped, with
// an arrow for the active sort, or the select-all checkbox.
type headerCell struct {
	widget.BaseWidget
	owner    owner
	col      int // display column
	sortable bool

	label *widget.Label
	icon  *widget.Icon
	check *widget.Check
}

func newHeaderCell(o owner) *headerCell {
	h := &headerCell{owner: o}
	h.label = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	h.label.Truncation = fyne.TextTruncateEllipsis
	h.icon = widget.NewIcon(nil)
	h.icon.Hide()
	h.check = widget.NewCheck("", func(on bool) { h.owner.setVisibleSelected(on) })
	h.check.Hide()
	h.ExtendBaseWidget(h)
	return h
}

// Cursor is the pointing hand over a title that sorts when clicked.
func (h *headerCell) Cursor() desktop.Cursor {
	if h.sortable {
		return desktop.PointerCursor
	}
	return desktop.DefaultCursor
}

// Tapped sorts by this header's column.
func (h *headerCell) Tapped(*fyne.PointEvent) {
	if h.sortable {
		h.owner.headerTapped(h.col)
	}
}

// CreateRenderer lays out the header's parts.
func (h *headerCell) CreateRenderer() fyne.WidgetRenderer {
	return &headerRenderer{h: h, objects: []fyne.CanvasObject{h.label, h.icon, h.check}}
}

// showTitle shows a column title, aligned like its column's text; icon is
// the sort arrow, nil when the table is not sorted by this column. The table redraws its headers on every
// scroll step, so unchanged headers are left alone.
func (h *headerCell) showTitle(title string, align fyne.TextAlign, sortable bool, icon fyne.Resource) {
	h.sortable = sortable
	if h.label.Visible() && h.label.Text == title && h.label.Alignment == align &&
		h.icon.Visible() == (icon != nil) && (icon == nil || h.icon.Resource == icon) {
		return
	}
	h.check.Hide()
	h.label.Show()
	h.label.Alignment = align
	h.label.SetText(title)
	if icon == nil {
		h.icon.Hide()
	} else {
		h.icon.SetResource(icon)
		h.icon.Show()
	}
	h.Refresh() // the title's width depends on whether the arrow shows
}

// showCheck shows the select-all checkbox: checked when every visible row
// is selected, partial when some are.
func (h *headerCell) showCheck(checked, partial bool) {
	h.sortable = false
	h.label.Hide()
	h.icon.Hide()
	if h.check.Checked != checked || h.check.Partial != partial {
		// Fields, not SetChecked, so drawing does not select anything.
		h.check.Checked = checked
		h.check.Partial = partial
		h.check.Refresh()
	}
	h.check.Show()
}

type headerRenderer struct {
	h       *headerCell
	objects []fyne.CanvasObject
}

func (r *headerRenderer) Layout(size fyne.Size) {
	th := r.h.Theme()
	iconSize := th.Size(theme.SizeNameInlineIcon)
	pad := th.Size(theme.SizeNamePadding)
	labelWidth := size.Width
	if r.h.icon.Visible() {
		labelWidth -= iconSize + pad
		r.h.icon.Resize(fyne.NewSquareSize(iconSize))
		r.h.icon.Move(fyne.NewPos(size.Width-iconSize-pad, (size.Height-iconSize)/2))
	}
	r.h.label.Move(fyne.NewPos(0, 0))
	r.h.label.Resize(fyne.NewSize(max(labelWidth, 0), size.Height))
	centre(r.h.check, size)
}

func (r *headerRenderer) MinSize() fyne.Size {
	return r.h.label.MinSize().Max(r.h.check.MinSize())
}

func (r *headerRenderer) Refresh() {
	r.Layout(r.h.Size())
}

func (r *headerRenderer) Objects() []fyne.CanvasObject { return r.objects }

func (r *headerRenderer) Destroy() {}

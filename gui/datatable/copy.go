package datatable

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// Reading and copying what a cut cell hides: its whole text below the table
// while the pointer is over it, a context menu to copy it or the row's ids,
// Ctrl+C for the cell the keyboard is on.

// hovered shows full below the table, or the row count alone for "".
func (t *Table[T]) hovered(full string) {
	if t.full.Text != full {
		t.full.SetText(full)
	}
}

// menuItems are the context menu of the cell in row (of the view) and
// display column col.
func (t *Table[T]) menuItems(row, col int) []*fyne.MenuItem {
	if row < 0 || row >= len(t.view) {
		return nil
	}
	r := t.rows[t.view[row]]
	var items []*fyne.MenuItem
	if text, title, ok := t.cellText(row, col); ok && text != "" {
		items = append(items, fyne.NewMenuItem("Copy "+title, func() { copyText(text) }))
	}
	for _, f := range t.opts.Copy {
		if v := f.Value(r); v != "" {
			items = append(items, fyne.NewMenuItem("Copy "+f.Label, func() { copyText(v) }))
		}
	}
	if t.opts.OnDetails != nil {
		items = append(items, fyne.NewMenuItemSeparator(), fyne.NewMenuItem("Show Details", func() { t.opts.OnDetails(r) }))
	}
	return items
}

// cellText is the text of a cell and its column's title; ok is false for
// the checkbox and action columns.
func (t *Table[T]) cellText(row, col int) (text, title string, ok bool) {
	c := col - t.firstData
	if c < 0 || c >= len(t.cols) || row < 0 || row >= len(t.view) {
		return "", "", false
	}
	return t.texts[t.view[row]*len(t.cols)+c], t.cols[c].Title, true
}

func (t *Table[T]) showMenu(row, col int, at fyne.Position) {
	items := t.menuItems(row, col)
	c := fyne.CurrentApp().Driver().CanvasForObject(t.table)
	if len(items) == 0 || c == nil {
		return
	}
	widget.ShowPopUpMenuAtPosition(fyne.NewMenu("", items...), c, at)
}

// copyFocused copies the cell the keyboard is on (Ctrl+C).
func (t *Table[T]) copyFocused() {
	if text, _, ok := t.cellText(t.table.focus.Row, t.table.focus.Col); ok {
		copyText(text)
	}
}

// detailsFocused opens the details of the row the keyboard is on (Enter).
func (t *Table[T]) detailsFocused() {
	if row := t.table.focus.Row; t.opts.OnDetails != nil && row >= 0 && row < len(t.view) {
		t.opts.OnDetails(t.rows[t.view[row]])
	}
}

func copyText(s string) { fyne.CurrentApp().Clipboard().SetContent(s) }

// grid is widget.Table keeping track of the cell the keyboard is on, which
// widget.Table keeps to itself: the cells draw that whole row as focused,
// and Ctrl+C and Enter act on it.
type grid struct {
	widget.Table
	focused bool
	focus   widget.TableCellID
	onCopy  func()
	onEnter func()
}

// TypedKey moves the focus as widget.Table does, and redraws the rows.
func (g *grid) TypedKey(e *fyne.KeyEvent) {
	rows, cols := g.Length()
	f := g.focus
	switch e.Name {
	case fyne.KeyDown:
		f.Row = max(min(f.Row+1, rows-1), 0)
	case fyne.KeyUp:
		f.Row = max(f.Row-1, 0)
	case fyne.KeyLeft:
		f.Col = max(f.Col-1, 0)
	case fyne.KeyRight:
		f.Col = min(f.Col+1, cols-1)
	case fyne.KeyReturn, fyne.KeyEnter:
		g.onEnter()
		return
	}
	g.Table.TypedKey(e)
	if f != g.focus {
		g.focus = f
		g.Refresh()
	}
}

// TypedShortcut copies the focused cell on Ctrl+C (⌘C).
func (g *grid) TypedShortcut(s fyne.Shortcut) {
	if _, ok := s.(*fyne.ShortcutCopy); ok {
		g.onCopy()
	}
}

// FocusGained shows the focused row.
func (g *grid) FocusGained() {
	g.focused = true
	g.Table.FocusGained()
	g.Refresh()
}

// FocusLost hides the focused row.
func (g *grid) FocusLost() {
	g.focused = false
	g.Table.FocusLost()
}

// moveFocus follows a tap, which moves widget.Table's own focus too.
func (g *grid) moveFocus(id widget.TableCellID) {
	g.focus = id
}

// Package datatable is the sortable, searchable, multi-select table that the
// certificate, profile, bundle ID and device tabs of ASC Keys share. It is
// generic over the row type, so it knows nothing about App Store Connect: a
// tab describes its columns once and hands over rows.
//
// Everything here runs on the Fyne UI goroutine, as every Fyne widget does:
// call its methods from Fyne callbacks or inside fyne.Do, never from a
// goroutine doing network or disk work. The table starts no goroutines.
//
// It stays quick with 10,000 rows because the per-row work is done once in
// SetRows (cell texts, lower-cased search text, tones, keys), filtering and
// sorting only move integers around, and only the cells on screen exist as
// widgets.
package datatable

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Tone is how a row is coloured, so that what needs attention stands out.
type Tone uint8

const (
	// Normal rows use the theme's foreground colour.
	Normal Tone = iota
	// Warning rows (for example expiring within 30 days) are amber.
	Warning
	// Danger rows (for example expired) are red.
	Danger
	// Muted rows (for example a disabled device) are greyed.
	Muted
)

// Column describes one column of a Table.
type Column[T any] struct {
	// Title is the header text.
	Title string
	// Width is the column's width; 0 means a default of 150. For the Fill
	// column it is the least width.
	Width float32
	// Fill makes the column take the width the others leave as the window
	// grows, so a long name is shown whole rather than cut beside empty
	// space. At most one column should fill; the first one does.
	Fill bool
	// Text is the cell text for a row. It is called once per row in SetRows,
	// not while drawing, so it may format dates or numbers freely.
	Text func(T) string
	// Sort compares two rows for this column, like cmp.Compare. When nil the
	// column sorts by its Text, case-insensitively and with numbers compared
	// as numbers ("Device 9" before "Device 10").
	Sort func(a, b T) int
	// Filterable makes the search box match this column's text. When no
	// column is filterable, the search box matches all of them.
	Filterable bool
	// Monospace shows the text in the monospace font, for serial numbers,
	// UUIDs and UDIDs.
	Monospace bool
	// Align is the text alignment; the zero value is leading.
	Align fyne.TextAlign
}

// Action is a button shown in the last column of every row, such as
// Download.
type Action[T any] struct {
	// Title is the column header, often empty.
	Title string
	// Label is the button text; leave it empty for an icon-only button.
	Label string
	// Icon is the button icon, for example theme.DownloadIcon().
	Icon fyne.Resource
	// OnTap is called with the row whose button was tapped.
	OnTap func(T)
	// Unavailable, when set, says why a row's button is disabled ("" for
	// enabled); the reason shows below the table on hover. It is asked
	// while drawing, so it must be cheap; call Redraw when its answers
	// change.
	Unavailable func(T) string
}

// Options configures a Table. Only Columns is required.
type Options[T any] struct {
	// Columns are the table's columns, left to right.
	Columns []Column[T]
	// Tone colours a row; nil leaves every row Normal.
	Tone func(T) Tone
	// Key returns a row's stable identity (its App Store Connect id), so that
	// the selection follows the rows through sorting, filtering and SetRows.
	// Keys must be unique. Without Key, SetRows clears the selection.
	Key func(T) string
	// Selectable adds a checkbox column for choosing several rows, with a
	// header checkbox that selects every visible row.
	Selectable bool
	// RowAction adds a button to the end of every row.
	RowAction *Action[T]
	// Placeholder is the search box's hint, e.g. "Search certificates".
	Placeholder string
	// Singular and Plural name the rows in the count and in messages
	// ("1 certificate", "No certificates match “xyz”"). Default: row, rows.
	Singular, Plural string
	// SearchText is more text the search box matches for a row, beyond its
	// filterable columns, such as a UUID kept out of a narrow table.
	SearchText func(T) string
	// EmptyText is shown in place of the rows when there are none at all,
	// e.g. "No certificates in this account yet". See also SetEmptyText.
	EmptyText string
	// Copy lists what a row's context menu (a right click) offers to copy
	// besides the cell clicked, such as its id, UUID or serial number.
	Copy []CopyField[T]
	// OnDetails, when set, adds "Show Details" to the context menu and is
	// called with the row the keyboard is on when Enter is pressed.
	OnDetails func(T)
	// OnSelectionChanged is called with the selected rows whenever the
	// selection changes, by the user or by a method.
	OnSelectionChanged func(selected []T)
}

// CopyField is one value of a row that its context menu can copy.
type CopyField[T any] struct {
	// Label names the value in the menu: "ID" reads "Copy ID".
	Label string
	// Value is the text copied; a row for which it is "" has no such item.
	Value func(T) string
}

const defaultColumnWidth = 150

// Table is a sortable, searchable table of rows of type T: a search box, a
// widget.Table with a header row, and a row count below it. Create it with
// New and place Widget() in a window.
type Table[T any] struct {
	opts       Options[T]
	cols       []Column[T]
	filterable []bool
	checkCol   int       // display column of the checkboxes, or -1
	fillCol    int       // display column that takes the width left, or -1
	widths     []float32 // each display column's width as configured
	firstData  int       // display column of cols[0]
	actionCol  int       // display column of the row action, or -1

	// Per-row data, built once by SetRows.
	rows   []T
	texts  []string // row-major: texts[row*len(cols)+col]
	tones  []Tone   // nil when opts.Tone is nil
	keys   []string
	search string  // lower-cased filterable text of every row, each cell followed by a NUL
	bounds []int32 // search[bounds[i]:bounds[i+1]] belongs to row i

	// Display state: indexes into rows, so sorting and filtering never copy T.
	sortKeys []sortKey // newest, the primary one, last
	order    []int     // every row, in sort order
	view     []int     // the rows that match the filter, in sort order

	filterText string   // as typed, for messages
	query      string   // lower-cased filterText
	words      []string // the words of query, all of which a row must contain

	selected   map[string]struct{} // keys of the selected rows, visible or not
	selVisible int                 // how many of view are selected

	table   *grid
	entry   *searchEntry
	count   *widget.Label
	full    *widget.Label   // the whole text of the cut cell under the pointer
	empty   *widget.Label   // the message shown instead of rows; empty text when there is none
	message *fyne.Container // holds empty over the middle of the table
	content fyne.CanvasObject
}

type sortKey struct {
	col int
	asc bool
}

// New builds a Table with no rows. Columns without a Text function show
// empty cells.
func New[T any](opts Options[T]) *Table[T] {
	if opts.Singular == "" {
		opts.Singular = "row"
	}
	if opts.Plural == "" {
		opts.Plural = "rows"
	}
	t := &Table[T]{
		opts:      opts,
		cols:      slices.Clone(opts.Columns),
		checkCol:  -1,
		fillCol:   -1,
		actionCol: -1,
		selected:  map[string]struct{}{},
	}
	for i := range t.cols {
		if t.cols[i].Text == nil {
			t.cols[i].Text = func(T) string { return "" }
		}
	}
	t.filterable = make([]bool, len(t.cols))
	anyFilterable := slices.ContainsFunc(t.cols, func(c Column[T]) bool { return c.Filterable })
	for i, c := range t.cols {
		t.filterable[i] = c.Filterable || !anyFilterable
	}
	if opts.Selectable {
		t.checkCol = 0
		t.firstData = 1
	}
	if opts.RowAction != nil {
		t.actionCol = t.firstData + len(t.cols)
	}
	if i := slices.IndexFunc(t.cols, func(c Column[T]) bool { return c.Fill }); i >= 0 {
		t.fillCol = t.firstData + i
	}
	t.buildUI()
	t.viewChanged(false)
	return t
}

func (t *Table[T]) buildUI() {
	t.entry = newSearchEntry()
	t.entry.PlaceHolder = t.opts.Placeholder
	t.entry.OnChanged = t.filterChanged

	t.count = widget.NewLabel("")
	t.empty = widget.NewLabel("")
	t.empty.Alignment = fyne.TextAlignCenter
	// Default importance: LowImportance would draw it in the theme's
	// disabled colour, barely visible on either background.
	t.empty.Wrapping = fyne.TextWrapWord

	var action actionLook
	if a := t.opts.RowAction; a != nil {
		action = actionLook{label: a.Label, icon: a.Icon}
	}
	t.table = &grid{Table: widget.Table{
		Length:        func() (int, int) { return len(t.view), t.displayColumns() },
		CreateCell:    func() fyne.CanvasObject { return newCell(t, action) },
		UpdateCell:    t.updateCell,
		ShowHeaderRow: true,
		CreateHeader:  func() fyne.CanvasObject { return newHeaderCell(t) },
		UpdateHeader:  t.updateHeader,
		OnSelected:    t.cellSelected,
	}}
	t.table.onCopy = t.copyFocused
	t.table.onEnter = t.detailsFocused
	t.table.ExtendBaseWidget(t.table)
	if t.checkCol >= 0 {
		// The checkboxes stay in view when the user scrolls sideways.
		t.table.StickyColumnCount = 1
	}
	t.widths = make([]float32, t.displayColumns())
	for col := range t.widths {
		t.widths[col] = t.columnWidth(col)
		t.table.SetColumnWidth(col, t.widths[col])
	}

	// The message sits over the table so the header stays visible and
	// clickable; the label is not tappable, so taps reach the table. The
	// spacers centre it vertically while it keeps the full width to wrap in
	// (a Center container would squeeze a wrapping label to one word a line).
	t.message = container.NewVBox(layout.NewSpacer(), t.empty, layout.NewSpacer())
	// The count goes below the table: beside the search box, its changing
	// width would make the box jump as the user types.
	body := container.New(&fillLayout{fit: t.fitWidth}, t.table, t.message)
	t.full = &widget.Label{Truncation: fyne.TextTruncateEllipsis}
	footer := container.NewBorder(nil, nil, t.count, nil, t.full)
	t.content = container.NewBorder(t.entry, footer, nil, nil, body)
}

// fitWidth gives the Fill column what the other columns leave of width.
func (t *Table[T]) fitWidth(width float32) {
	if t.fillCol < 0 {
		return
	}
	th := t.table.Theme()
	pad := th.Size(theme.SizeNamePadding)
	// Room for the vertical scroll bar, so that a fitting table never
	// scrolls sideways under it.
	left := width - th.Size(theme.SizeNameScrollBar)
	for col, w := range t.widths {
		if col != t.fillCol {
			left -= w
		}
		left -= pad // the divider after each column
	}
	t.table.SetColumnWidth(t.fillCol, max(left, t.widths[t.fillCol]))
}

// fillLayout stacks its objects over the whole space, after telling fit how
// wide that space is.
type fillLayout struct{ fit func(width float32) }

func (l *fillLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	l.fit(size.Width)
	for _, o := range objects {
		o.Move(fyne.Position{})
		o.Resize(size)
	}
}

func (l *fillLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var min fyne.Size
	for _, o := range objects {
		min = min.Max(o.MinSize())
	}
	return min
}

// Widget returns the search box, the table and the row count ("12 of 5,000
// certificates · 2 selected"), ready to be placed in a window. It returns
// the same object on every call.
func (t *Table[T]) Widget() fyne.CanvasObject { return t.content }

// SetRows replaces the rows. The sort order, the filter and the selection (by
// Key) carry over to the rows that are still there. The table keeps rows; do
// not modify it afterwards.
func (t *Table[T]) SetRows(rows []T) {
	t.rows = rows
	t.index()
	selectionChanged := t.pruneSelection()
	t.sortRows()
	t.refilter(t.order)
	t.viewChanged(false)
	if selectionChanged {
		t.notifySelection()
	}
}

// AppendRows adds rows after those the table has, as pages of a list
// arrive: only the new rows are indexed, then the whole is sorted and
// filtered as SetRows does. The table keeps rows; do not modify it
// afterwards.
func (t *Table[T]) AppendRows(rows []T) {
	if len(rows) == 0 {
		return
	}
	from := len(t.rows)
	t.rows = append(slices.Clip(t.rows), rows...)
	t.indexFrom(from)
	t.sortRows()
	t.refilter(t.order)
	t.viewChanged(false)
}

// Len is how many rows the table has, shown or filtered out.
func (t *Table[T]) Len() int { return len(t.rows) }

// SetFilter shows only the rows whose filterable columns contain every
// whitespace-separated word of text, ignoring case, and puts text in the
// search box, as if the user had typed it.
func (t *Table[T]) SetFilter(text string) {
	if t.entry.Text != text {
		t.entry.SetText(text) // calls filterChanged through OnChanged
		return
	}
	t.filterChanged(text)
}

// SortBy sorts the rows by column col (an index into Options.Columns), in
// ascending or descending order, as a tap on its header does. The sort is
// stable, and rows that tie keep the order of the previous sort, so sorting
// by Type after Name lists each type's rows by name. A col outside the
// columns restores the order the rows were given in.
func (t *Table[T]) SortBy(col int, ascending bool) {
	if col < 0 || col >= len(t.cols) {
		t.sortKeys = t.sortKeys[:0]
	} else {
		t.sortKeys = slices.DeleteFunc(t.sortKeys, func(k sortKey) bool { return k.col == col })
		t.sortKeys = append(t.sortKeys, sortKey{col: col, asc: ascending})
	}
	t.sortRows()
	t.refilter(t.order)
	t.viewChanged(true)
}

// SortedBy reports the column the rows are sorted by and its direction; col
// is -1 when they are in the order they were given in.
func (t *Table[T]) SortedBy() (col int, ascending bool) {
	if len(t.sortKeys) == 0 {
		return -1, true
	}
	k := t.sortKeys[len(t.sortKeys)-1]
	return k.col, k.asc
}

// All returns every row set, whatever the filter, in the order given.
func (t *Table[T]) All() []T { return slices.Clone(t.rows) }

// Rows returns the rows shown, in display order.
func (t *Table[T]) Rows() []T {
	out := make([]T, len(t.view))
	for n, i := range t.view {
		out[n] = t.rows[i]
	}
	return out
}

// Selected returns the selected rows in display order, including selected
// rows that the filter currently hides, so "Download selected" does what
// the count label says.
func (t *Table[T]) Selected() []T {
	if len(t.selected) == 0 {
		return nil
	}
	out := make([]T, 0, len(t.selected))
	for _, i := range t.order {
		if _, ok := t.selected[t.keys[i]]; ok {
			out = append(out, t.rows[i])
		}
	}
	return out
}

// SelectAll selects every row the filter lets through, as the header
// checkbox does.
func (t *Table[T]) SelectAll() {
	t.setVisibleSelected(true)
}

// ClearSelection unselects every row, visible or not.
func (t *Table[T]) ClearSelection() {
	if len(t.selected) == 0 {
		return
	}
	clear(t.selected)
	t.selVisible = 0
	t.selectionRedraw()
}

// Redraw draws the rows on screen again, for when what a function of the
// options answers (such as Action.Unavailable) changed.
func (t *Table[T]) Redraw() { t.table.Refresh() }

// SetEmptyText changes the text shown when there are no rows at all, for
// example "Loading…" while the first list is on its way.
func (t *Table[T]) SetEmptyText(text string) {
	t.opts.EmptyText = text
	t.updateStatus()
}

// FocusSearch puts the keyboard focus in the search box, for a Ctrl+F
// shortcut. It does nothing before the table is shown in a window.
func (t *Table[T]) FocusSearch() {
	if c := fyne.CurrentApp().Driver().CanvasForObject(t.entry); c != nil {
		c.Focus(t.entry)
	}
}

// index computes, once per SetRows, everything filtering, sorting and drawing
// need, so that none of them calls the column functions again.
func (t *Table[T]) index() {
	t.texts, t.keys, t.bounds, t.tones, t.search = nil, nil, nil, nil, ""
	t.indexFrom(0)
}

// indexFrom indexes the rows from index from on, keeping what was computed
// for the rows before it.
func (t *Table[T]) indexFrom(from int) {
	n, nc := len(t.rows), len(t.cols)
	t.texts = append(t.texts[:from*nc:from*nc], make([]string, (n-from)*nc)...)
	t.keys = append(t.keys[:from:from], make([]string, n-from)...)
	if from == 0 {
		t.bounds = make([]int32, n+1)
	} else {
		t.bounds = append(t.bounds[:from+1:from+1], make([]int32, n-from)...)
	}
	if t.opts.Tone != nil {
		t.tones = append(t.tones[:from:from], make([]Tone, n-from)...)
	} else {
		t.tones = nil
	}
	var search strings.Builder
	search.WriteString(t.search[:t.bounds[from]])
	for i := from; i < n; i++ {
		r := t.rows[i]
		for c := range t.cols {
			s := t.cols[c].Text(r)
			t.texts[i*nc+c] = s
			if t.filterable[c] {
				writeLower(&search, s)
				search.WriteByte(0) // keeps a word from matching across two cells
			}
		}
		if t.opts.SearchText != nil {
			writeLower(&search, t.opts.SearchText(r))
			search.WriteByte(0)
		}
		t.bounds[i+1] = int32(search.Len())
		if t.opts.Key != nil {
			t.keys[i] = t.opts.Key(r)
		} else {
			t.keys[i] = strconv.Itoa(i)
		}
		if t.tones != nil {
			t.tones[i] = t.opts.Tone(r)
		}
		if i == from && n > from+1 {
			// Size the buffer from the first row instead of doubling it
			// a dozen times for 10,000 rows.
			search.Grow((search.Len() - int(t.bounds[from])) * (n - from - 1) * 5 / 4)
		}
	}
	t.search = search.String()
}

// writeLower writes s lower-cased; the ASCII path, the common one for App
// Store Connect data, avoids allocating a lower-cased copy of every cell.
func writeLower(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			b.WriteString(strings.ToLower(s))
			return
		}
	}
	for i := 0; i < len(s); i++ {
		b.WriteByte(lowerASCII(s[i]))
	}
}

// pruneSelection drops the selected keys that the new rows no longer have
// and reports whether the selection changed.
func (t *Table[T]) pruneSelection() bool {
	if len(t.selected) == 0 {
		return false
	}
	if t.opts.Key == nil {
		// Without a stable identity, positions would select other rows.
		clear(t.selected)
		return true
	}
	kept := make(map[string]struct{}, len(t.selected))
	for _, k := range t.keys {
		if _, ok := t.selected[k]; ok {
			kept[k] = struct{}{}
		}
	}
	changed := len(kept) != len(t.selected)
	t.selected = kept
	return changed
}

// sortRows puts every row in order by the sort keys, newest first, with the
// rows' given order as the final tie-break.
func (t *Table[T]) sortRows() {
	n := len(t.rows)
	if cap(t.order) < n {
		t.order = make([]int, n)
	}
	t.order = t.order[:n]
	for i := range t.order {
		t.order[i] = i
	}
	if len(t.sortKeys) == 0 {
		return
	}
	slices.SortStableFunc(t.order, t.compareRows)
}

func (t *Table[T]) compareRows(a, b int) int {
	for k := len(t.sortKeys) - 1; k >= 0; k-- {
		key := t.sortKeys[k]
		c := t.compareColumn(key.col, a, b)
		if !key.asc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

func (t *Table[T]) compareColumn(col, a, b int) int {
	if f := t.cols[col].Sort; f != nil {
		return f(t.rows[a], t.rows[b])
	}
	nc := len(t.cols)
	return naturalCompare(t.texts[a*nc+col], t.texts[b*nc+col])
}

// filterChanged runs on every keystroke in the search box.
func (t *Table[T]) filterChanged(text string) {
	query := strings.ToLower(text)
	// When the new query only adds to the old one, every row it matches
	// also matched the old one, so only the rows shown need checking: each
	// further keystroke gets cheaper.
	narrowing := strings.HasPrefix(query, t.query)
	t.filterText = text
	t.query = query
	t.words = strings.Fields(query)
	if narrowing {
		t.refilter(t.view)
	} else {
		t.refilter(t.order)
	}
	t.entry.showClear(text != "")
	t.viewChanged(true)
}

// refilter sets view to the rows of from (a subsequence of order) that
// contain every word. It may filter view in place: it writes no faster than
// it reads.
func (t *Table[T]) refilter(from []int) {
	view := t.view[:0]
	if len(t.words) == 0 {
		t.view = append(view, from...)
		return
	}
	for _, i := range from {
		if t.matches(i) {
			view = append(view, i)
		}
	}
	t.view = view
}

func (t *Table[T]) matches(i int) bool {
	s := t.search[t.bounds[i]:t.bounds[i+1]]
	for _, w := range t.words {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

// viewChanged redraws after the shown rows changed: once, and only the cells
// on screen. A new filter or sort starts at the top, a refresh of the data
// keeps the user's place.
func (t *Table[T]) viewChanged(scrollToTop bool) {
	t.selVisible = 0
	if len(t.selected) > 0 {
		for _, i := range t.view {
			if _, ok := t.selected[t.keys[i]]; ok {
				t.selVisible++
			}
		}
	}
	t.updateStatus()
	// With no rows, the grid lines would run through the message.
	empty := len(t.view) == 0
	separators := empty != t.table.HideSeparators
	t.table.HideSeparators = empty
	if scrollToTop {
		t.table.ScrollToTop() // also redraws the cells and headers
	}
	if separators || !scrollToTop {
		t.table.Refresh()
	}
}

// updateStatus sets the row count and the message shown instead of rows.
func (t *Table[T]) updateStatus() {
	total, shown := len(t.rows), len(t.view)
	noun := t.opts.Plural
	if total == 1 {
		noun = t.opts.Singular
	}
	var s string
	if len(t.words) == 0 {
		s = groupThousands(total) + " " + noun
	} else {
		s = groupThousands(shown) + " of " + groupThousands(total) + " " + noun
	}
	if n := len(t.selected); n > 0 {
		s += " · " + groupThousands(n) + " selected"
		// Selected rows the filter hides are still downloaded: say so.
		if hidden := n - t.selVisible; hidden == n {
			s += ", hidden by the filter"
		} else if hidden > 0 {
			s += ", " + groupThousands(hidden) + " hidden by the filter"
		}
	}
	t.count.SetText(s)

	var message string
	switch {
	case total == 0:
		message = t.opts.EmptyText
	case shown == 0:
		message = fmt.Sprintf("No %s match “%s”", t.opts.Plural, strings.TrimSpace(t.filterText))
	}
	if message != t.empty.Text {
		t.empty.SetText(message)
		// Lays the message out again now rather than on the next frame,
		// which not every driver does.
		t.message.Refresh()
	}
}

func (t *Table[T]) displayColumns() int {
	n := t.firstData + len(t.cols)
	if t.actionCol >= 0 {
		n++
	}
	return n
}

func (t *Table[T]) columnWidth(col int) float32 {
	switch col {
	case t.checkCol:
		return widget.NewCheck("", nil).MinSize().Width
	case t.actionCol:
		a := t.opts.RowAction
		b := widget.NewButtonWithIcon(a.Label, a.Icon, nil)
		h := widget.NewLabel(a.Title)
		return max(b.MinSize().Width, h.MinSize().Width)
	}
	if w := t.cols[col-t.firstData].Width; w > 0 {
		return w
	}
	return defaultColumnWidth
}

// updateCell draws row id.Row of the view into a recycled cell widget.
func (t *Table[T]) updateCell(id widget.TableCellID, o fyne.CanvasObject) {
	c := o.(*cell)
	if id.Row < 0 || id.Row >= len(t.view) {
		c.row = -1
		return
	}
	c.row, c.col = id.Row, id.Col
	c.setFocused(t.table.focused && id.Row == t.table.focus.Row)
	i := t.view[id.Row]
	tone := Normal
	if t.tones != nil {
		tone = t.tones[i]
	}
	c.setTone(tone)
	switch id.Col {
	case t.checkCol:
		_, on := t.selected[t.keys[i]]
		c.showCheck(on)
	case t.actionCol:
		var reason string
		if f := t.opts.RowAction.Unavailable; f != nil {
			reason = f(t.rows[i])
		}
		c.showAction(reason)
	default:
		col := id.Col - t.firstData
		cl := &t.cols[col]
		c.showText(t.texts[i*len(t.cols)+col], cl.Monospace, cl.Align, tone)
	}
}

func (t *Table[T]) updateHeader(id widget.TableCellID, o fyne.CanvasObject) {
	h := o.(*headerCell)
	h.col = id.Col
	switch id.Col {
	case t.checkCol:
		all := len(t.view) > 0 && t.selVisible == len(t.view)
		h.showCheck(all, t.selVisible > 0 && !all)
	case t.actionCol:
		h.showTitle(t.opts.RowAction.Title, fyne.TextAlignCenter, false, nil)
	default:
		col := id.Col - t.firstData
		var icon fyne.Resource
		if sc, asc := t.SortedBy(); sc == col {
			icon = theme.MenuDropDownIcon()
			if asc {
				icon = theme.MenuDropUpIcon()
			}
		}
		h.showTitle(t.cols[col].Title, t.cols[col].Align, true, icon)
	}
}

// headerTapped sorts by the tapped column; a second tap reverses the order.
func (t *Table[T]) headerTapped(displayCol int) {
	col := displayCol - t.firstData
	if col < 0 || col >= len(t.cols) {
		return
	}
	asc := true
	if sc, scAsc := t.SortedBy(); sc == col {
		asc = !scAsc
	}
	t.SortBy(col, asc)
}

// cellSelected handles a tap on a cell (or Space on the focused cell): on a
// selectable table it toggles the row's checkbox, which is a bigger target
// than the box itself. The table's own single-cell highlight means nothing
// here, so it is cleared at once.
func (t *Table[T]) cellSelected(id widget.TableCellID) {
	t.table.Unselect(id)
	t.table.moveFocus(id)
	if t.checkCol < 0 || id.Row < 0 || id.Row >= len(t.view) {
		return
	}
	_, on := t.selected[t.keys[t.view[id.Row]]]
	t.toggleRow(id.Row, !on)
}

// toggleRow selects or unselects row (an index into view).
func (t *Table[T]) toggleRow(row int, on bool) {
	if row < 0 || row >= len(t.view) {
		return
	}
	k := t.keys[t.view[row]]
	if _, was := t.selected[k]; was == on {
		return
	}
	if on {
		t.selected[k] = struct{}{}
		t.selVisible++
	} else {
		delete(t.selected, k)
		t.selVisible--
	}
	t.updateStatus()
	// Redraws that row's checkbox and, with it, the header checkbox.
	t.table.RefreshItem(widget.TableCellID{Row: row, Col: t.checkCol})
	t.notifySelection()
}

// setVisibleSelected selects or unselects every row the filter lets
// through, leaving hidden rows as they are.
func (t *Table[T]) setVisibleSelected(on bool) {
	changed := false
	for _, i := range t.view {
		k := t.keys[i]
		if _, was := t.selected[k]; was == on {
			continue
		}
		changed = true
		if on {
			t.selected[k] = struct{}{}
		} else {
			delete(t.selected, k)
		}
	}
	if !changed {
		return
	}
	t.selVisible = 0
	if on {
		t.selVisible = len(t.view)
	}
	t.selectionRedraw()
}

func (t *Table[T]) selectionRedraw() {
	t.updateStatus()
	t.table.Refresh()
	t.notifySelection()
}

func (t *Table[T]) notifySelection() {
	if f := t.opts.OnSelectionChanged; f != nil {
		f(t.Selected())
	}
}

// actOnRow runs the row action for row (an index into view).
func (t *Table[T]) actOnRow(row int) {
	if a := t.opts.RowAction; a != nil && a.OnTap != nil && row >= 0 && row < len(t.view) {
		a.OnTap(t.rows[t.view[row]])
	}
}

package datatable

import (
	"image/color"
	"slices"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Grid columns of certOptions without checkboxes or action.
const (
	colName = iota
	colType
	colSerial
	colDevices
	colExpires
	colIssued
)

func TestHeaderTapSortsAscendingThenDescending(t *testing.T) {
	h := newHarness(t, certOptions(), sampleCerts())
	if got := h.headers(); !slices.Equal(got, []string{"Name", "Type", "Serial", "Devices", "Expires", "Issued"}) {
		t.Fatalf("headers before sorting = %q", got)
	}

	h.tapHeader("Name")
	wantAsc := []string{
		"apple development: Jane",
		"Apple Development: Bob",
		"Apple Distribution: Example Corp",
		"Developer ID Application: Corp",
		"iOS Distribution: Example Corp",
	}
	// "apple development: Jane" and "Apple Development: Bob" differ only
	// after the case-insensitive prefix: "b" < "j".
	wantAsc[0], wantAsc[1] = wantAsc[1], wantAsc[0]
	if got := h.column(colName); !slices.Equal(got, wantAsc) {
		t.Errorf("after one tap on Name, the Name column reads\n%q\nwant\n%q", got, wantAsc)
	}
	if got := h.headers()[colName]; got != "Name ▲" {
		t.Errorf("Name header after one tap = %q, want the ascending arrow", got)
	}

	h.tapHeader("Name")
	wantDesc := slices.Clone(wantAsc)
	slices.Reverse(wantDesc)
	if got := h.column(colName); !slices.Equal(got, wantDesc) {
		t.Errorf("after a second tap, the Name column reads\n%q\nwant\n%q", got, wantDesc)
	}
	if got := h.headers(); got[colName] != "Name ▼" || got[colType] != "Type" {
		t.Errorf("headers after a second tap = %q, want only Name with the descending arrow", got)
	}
	if col, asc := h.tbl.SortedBy(); col != colName || asc {
		t.Errorf("SortedBy() = %d, %v; want %d, false", col, asc, colName)
	}

	_, hs := h.rendered()
	if c := hs[0].obj.(*headerCell).Cursor(); c != desktop.PointerCursor {
		t.Errorf("the pointer over a header is %v, want the pointing hand that says it can be clicked", c)
	}

	h.tapHeader("Type")
	if got := h.headers(); got[colName] != "Name" || got[colType] != "Type ▲" {
		t.Errorf("headers after tapping Type = %q, want the arrow moved to Type", got)
	}
}

func TestSortComparesNumbersAndDates(t *testing.T) {
	tests := []struct {
		name   string
		header string
		col    int
		want   []string
	}{
		// As plain text this would read 10, 10, 100, 2, 9.
		{"numbers by value", "Devices", colDevices, []string{"2", "9", "10", "10", "100"}},
		// As text, "1 Dec" would come first and "30 Jun" last.
		{"dates by the column's Sort", "Expires", colExpires, []string{"20 Jan 2025", "15 Nov 2025", "1 Dec 2025", "4 Mar 2026", "30 Jun 2027"}},
		{"ISO dates as text", "Issued", colIssued, []string{"2024-01-20", "2024-11-15", "2024-12-01", "2025-03-04", "2026-06-30"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, certOptions(), sampleCerts())
			h.tapHeader(tt.header)
			if got := h.column(tt.col); !slices.Equal(got, tt.want) {
				t.Errorf("ascending: %q, want %q", got, tt.want)
			}
			h.tapHeader(tt.header)
			want := slices.Clone(tt.want)
			slices.Reverse(want)
			if got := h.column(tt.col); !slices.Equal(got, want) {
				t.Errorf("descending: %q, want %q", got, want)
			}
		})
	}
}

func TestSortIsStableAndKeepsThePreviousOrderForTies(t *testing.T) {
	h := newHarness(t, certOptions(), sampleCerts())

	// Devices 10 appears twice: c2 before c5 as given.
	h.tbl.SortBy(colDevices, true)
	if got := ids(h.tbl.Rows()); !slices.Equal(got, []string{"c4", "c1", "c2", "c5", "c3"}) {
		t.Errorf("by devices ascending: %q, want ties in the given order", got)
	}
	h.tbl.SortBy(colDevices, false)
	if got := ids(h.tbl.Rows()); !slices.Equal(got, []string{"c3", "c2", "c5", "c1", "c4"}) {
		t.Errorf("by devices descending: %q, want ties still in the given order", got)
	}

	// Name, then Type: each type's rows stay in name order.
	h.tapHeader("Name")
	h.tapHeader("Type")
	want := []string{
		"Developer ID Application: Corp",
		"Apple Development: Bob",
		"apple development: Jane",
		"Apple Distribution: Example Corp",
		"iOS Distribution: Example Corp",
	}
	if got := h.column(colName); !slices.Equal(got, want) {
		t.Errorf("by name then type:\n%q\nwant\n%q", got, want)
	}
	// The secondary order also survives fresh data.
	h.tbl.SetRows(sampleCerts())
	if got := h.column(colName); !slices.Equal(got, want) {
		t.Errorf("after SetRows:\n%q\nwant\n%q", got, want)
	}

	// Enough rows that an unstable sort would show: Go's unstable sort is
	// only insertion sort, and so stable by accident, below 13 elements.
	many := make([]cert, 300)
	for i := range many {
		many[i] = cert{ID: strconv.Itoa(i), Kind: []string{"Development", "Distribution", "Developer ID"}[i*7%3]}
	}
	h.tbl.SortBy(-1, true)
	h.tbl.SetRows(many)
	for _, asc := range []bool{true, false} {
		h.tbl.SortBy(colType, asc)
		rows := h.tbl.Rows()
		for i := 1; i < len(rows); i++ {
			a, _ := strconv.Atoi(rows[i-1].ID)
			b, _ := strconv.Atoi(rows[i].ID)
			if rows[i-1].Kind == rows[i].Kind && a > b {
				t.Fatalf("ascending %v: row %d before row %d of the same type, against the given order", asc, a, b)
			}
		}
	}
	h.tbl.SetRows(sampleCerts())

	h.tbl.SortBy(-1, true)
	if got := ids(h.tbl.Rows()); !slices.Equal(got, []string{"c1", "c2", "c3", "c4", "c5"}) {
		t.Errorf("SortBy(-1) = %q, want the given order", got)
	}
	if got := h.headers()[colType]; got != "Type" {
		t.Errorf("Type header after clearing the sort = %q", got)
	}
}

func TestFilterAsYouType(t *testing.T) {
	h := newHarness(t, certOptions(), sampleCerts())
	if got := h.tbl.count.Text; got != "5 certificates" {
		t.Errorf("count before typing = %q", got)
	}

	steps := []struct {
		typed string
		names []string
		count string
	}{
		{"D", []string{"Apple Distribution: Example Corp", "apple development: Jane", "iOS Distribution: Example Corp", "Developer ID Application: Corp", "Apple Development: Bob"}, "5 of 5 certificates"},
		{"I", []string{"Apple Distribution: Example Corp", "iOS Distribution: Example Corp"}, "2 of 5 certificates"},
		{"S", []string{"Apple Distribution: Example Corp", "iOS Distribution: Example Corp"}, "2 of 5 certificates"},
		// Words are ANDed and may match different columns: "77aa" is a serial.
		{" 77aa", []string{"iOS Distribution: Example Corp"}, "1 of 5 certificates"},
	}
	for _, s := range steps {
		test.Type(h.tbl.entry, s.typed)
		if got := h.column(colName); !slices.Equal(got, s.names) {
			t.Errorf("after typing %q (search %q): %q, want %q", s.typed, h.tbl.entry.Text, got, s.names)
		}
		if got := h.tbl.count.Text; got != s.count {
			t.Errorf("after typing %q: count %q, want %q", s.typed, got, s.count)
		}
	}

	// Backspace widens the search again: the rows dropped while narrowing
	// must come back.
	for range len(" 77aa") {
		h.tbl.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})
	}
	if got := h.tbl.entry.Text; got != "DIS" {
		t.Fatalf("search after backspaces = %q", got)
	}
	h.tbl.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})
	h.tbl.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})
	if got := len(h.grid()); got != 5 {
		t.Errorf("after backspacing to %q, %d rows shown, want 5", h.tbl.entry.Text, got)
	}
}

func TestFilterIgnoresColumnsThatAreNotFilterable(t *testing.T) {
	h := newHarness(t, certOptions(), sampleCerts())
	// "100" is only in the Devices column, which is not filterable.
	h.tbl.SetFilter("100")
	if got := h.tbl.Rows(); len(got) != 0 {
		t.Errorf("filter %q matched %q through a column that is not filterable", "100", names(got))
	}
	if h.tbl.entry.Text != "100" {
		t.Errorf("SetFilter did not show its text in the search box: %q", h.tbl.entry.Text)
	}

	// With no filterable column at all, every column is searched.
	opts := certOptions()
	for i := range opts.Columns {
		opts.Columns[i].Filterable = false
	}
	h = newHarness(t, opts, sampleCerts())
	h.tbl.SetFilter("100")
	if got := ids(h.tbl.Rows()); !slices.Equal(got, []string{"c3"}) {
		t.Errorf("with no filterable columns, %q matched %q, want c3", "100", got)
	}
}

func TestFilterAndSortTogether(t *testing.T) {
	h := newHarness(t, certOptions(), sampleCerts())
	test.Type(h.tbl.entry, "development")
	h.tapHeader("Name")
	h.tapHeader("Name")
	if got := h.column(colName); !slices.Equal(got, []string{"apple development: Jane", "Apple Development: Bob"}) {
		t.Errorf("filtered and sorted descending: %q", got)
	}

	// Clearing the search shows every row, still sorted.
	h.tbl.SetFilter("")
	want := []string{
		"iOS Distribution: Example Corp",
		"Developer ID Application: Corp",
		"Apple Distribution: Example Corp",
		"apple development: Jane",
		"Apple Development: Bob",
	}
	if got := h.column(colName); !slices.Equal(got, want) {
		t.Errorf("after clearing the search:\n%q\nwant\n%q", got, want)
	}
	if got := h.tbl.count.Text; got != "5 certificates" {
		t.Errorf("count after clearing = %q", got)
	}
}

func TestEscapeClearsTheSearch(t *testing.T) {
	h := newHarness(t, certOptions(), sampleCerts())
	test.Type(h.tbl.entry, "bob")
	if got := len(h.grid()); got != 1 {
		t.Fatalf("%d rows match bob, want 1", got)
	}
	if !h.tbl.entry.clearButton.Visible() {
		t.Error("the search box shows no clear button while it holds text")
	}
	h.tbl.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if h.tbl.entry.Text != "" || len(h.grid()) != 5 {
		t.Errorf("after Escape: search %q and %d rows, want empty and 5", h.tbl.entry.Text, len(h.grid()))
	}
	if h.tbl.entry.clearButton.Visible() {
		t.Error("the clear button stays after the search was cleared")
	}

	// The clear button does the same.
	test.Type(h.tbl.entry, "bob")
	h.tapAt(h.tbl.entry.clearButton)
	if h.tbl.entry.Text != "" || len(h.grid()) != 5 {
		t.Errorf("after the clear button: search %q and %d rows", h.tbl.entry.Text, len(h.grid()))
	}
}

func TestFocusSearch(t *testing.T) {
	h := newHarness(t, certOptions(), sampleCerts())
	h.tbl.FocusSearch()
	if got := h.w.Canvas().Focused(); got != h.tbl.entry {
		t.Fatalf("focused %T, want the search box", got)
	}
	test.Type(h.w.Canvas().Focused(), "jane")
	if got := ids(h.tbl.Rows()); !slices.Equal(got, []string{"c2"}) {
		t.Errorf("typing into the focused widget filtered to %q, want c2", got)
	}
}

func TestEmptyMessages(t *testing.T) {
	test.NewTempApp(t)
	tbl := New(certOptions())
	w := test.NewWindow(tbl.Widget())
	defer w.Close()
	w.Resize(fyne.NewSize(900, 500))

	if tbl.empty.Text != "No certificates in this account yet" {
		t.Errorf("with no rows: message %q", tbl.empty.Text)
	}
	if tbl.count.Text != "0 certificates" {
		t.Errorf("count with no rows = %q", tbl.count.Text)
	}
	tbl.SetEmptyText("Loading…")
	if tbl.empty.Text != "Loading…" {
		t.Errorf("SetEmptyText: message %q", tbl.empty.Text)
	}

	tbl.SetRows(sampleCerts()[:1])
	if tbl.empty.Text != "" {
		t.Errorf("message %q still shown over a row", tbl.empty.Text)
	}
	if tbl.table.HideSeparators {
		t.Error("a table with a row has no grid lines")
	}
	if tbl.count.Text != "1 certificate" {
		t.Errorf("count with one row = %q", tbl.count.Text)
	}

	test.Type(tbl.entry, " xyz ")
	if tbl.empty.Text != "No certificates match “xyz”" {
		t.Errorf("with no match: message %q", tbl.empty.Text)
	}
	// It is in the middle of the table, below the header.
	tablePos := fyne.CurrentApp().Driver().AbsolutePositionForObject(tbl.table)
	msgPos := fyne.CurrentApp().Driver().AbsolutePositionForObject(tbl.empty)
	if mid := msgPos.Y + tbl.empty.Size().Height/2 - tablePos.Y; mid < tbl.table.Size().Height/3 || mid > tbl.table.Size().Height*2/3 {
		t.Errorf("the message's middle is %v down a %v high table", mid, tbl.table.Size().Height)
	}
	if width := fyne.MeasureText(tbl.empty.Text, theme.TextSize(), tbl.empty.TextStyle).Width; tbl.empty.Size().Width < width {
		t.Errorf("the message is squeezed into %v, narrower than its %v wide text", tbl.empty.Size().Width, width)
	}
	if tbl.empty.Importance == widget.LowImportance {
		t.Error("the message is drawn in the theme's disabled colour, barely readable")
	}
	if !tbl.table.HideSeparators {
		t.Error("the grid lines run through the message")
	}
	if tbl.count.Text != "0 of 1 certificate" {
		t.Errorf("count with no match = %q", tbl.count.Text)
	}

	// Without an EmptyText nothing is said over an empty table.
	opts := certOptions()
	opts.EmptyText = ""
	bare := New(opts)
	if bare.empty.Text != "" {
		t.Errorf("message %q shown without an EmptyText", bare.empty.Text)
	}
}

func TestCountGroupsThousands(t *testing.T) {
	test.NewTempApp(t)
	opts := certOptions()
	tbl := New(opts)
	rows := make([]cert, 5000)
	for i := range rows {
		rows[i] = cert{ID: strconv.Itoa(i), Name: "Cert " + strconv.Itoa(i)}
	}
	tbl.SetRows(rows)
	if got := tbl.count.Text; got != "5,000 certificates" {
		t.Errorf("count = %q", got)
	}
	// Of the numbers 0 to 4,999, 2,084 contain a 1.
	tbl.SetFilter("cert 1")
	if got := tbl.count.Text; got != "2,084 of 5,000 certificates" {
		t.Errorf("count = %q", got)
	}
}

func TestGroupThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 12345: "12,345", 1234567: "1,234,567", -1234: "-1,234"} {
		if got := groupThousands(n); got != want {
			t.Errorf("groupThousands(%d) = %q, want %q", n, got, want)
		}
	}
}

func selectableOptions(tapped *[]string, changes *[][]string) Options[cert] {
	opts := certOptions()
	opts.Selectable = true
	opts.RowAction = &Action[cert]{
		Label: "",
		Icon:  theme.DownloadIcon(),
		OnTap: func(c cert) { *tapped = append(*tapped, c.ID) },
	}
	opts.OnSelectionChanged = func(sel []cert) { *changes = append(*changes, ids(sel)) }
	return opts
}

// Grid columns with checkboxes and the row action.
const (
	selCheck = 0
	selName  = 1
	selType  = 2
	selAct   = 7
)

func TestSelectionSurvivesSortFilterAndSetRows(t *testing.T) {
	var tapped []string
	var changes [][]string
	h := newHarness(t, selectableOptions(&tapped, &changes), sampleCerts())
	if got := h.headers(); got[0] != "[ ]" || got[selAct] != "" {
		t.Fatalf("headers = %q, want a select-all box first and an untitled action column last", got)
	}

	// The user ticks Bob's and Jane's rows.
	h.tapAt(h.cellAt(h.rowOf(selName, "Apple Development: Bob"), selCheck).check)
	h.tapAt(h.cellAt(h.rowOf(selName, "apple development: Jane"), selCheck).check)
	if got := ids(h.tbl.Selected()); !slices.Equal(got, []string{"c2", "c5"}) {
		t.Fatalf("selected after two taps = %q", got)
	}
	if want := [][]string{{"c5"}, {"c2", "c5"}}; !equalNested(changes, want) {
		t.Errorf("OnSelectionChanged calls = %q, want %q", changes, want)
	}
	if got := h.tbl.count.Text; got != "5 certificates · 2 selected" {
		t.Errorf("count = %q", got)
	}
	if got := h.headers()[0]; got != "[-]" {
		t.Errorf("select-all box with 2 of 5 selected = %q, want partial", got)
	}

	checked := func() []string {
		var out []string
		for _, r := range h.grid() {
			if r[selCheck] == "[x]" {
				out = append(out, r[selName])
			}
		}
		slices.Sort(out)
		return out
	}
	want := []string{"Apple Development: Bob", "apple development: Jane"}

	h.tapHeader("Serial")
	if got := checked(); !slices.Equal(got, want) {
		t.Errorf("ticked rows after sorting by serial: %q, want %q", got, want)
	}

	// Hidden by the filter, Jane stays selected.
	h.tbl.SetFilter("bob")
	if got := checked(); !slices.Equal(got, want[:1]) {
		t.Errorf("ticked rows while filtered: %q", got)
	}
	if got := ids(h.tbl.Selected()); !slices.Equal(got, []string{"c2", "c5"}) {
		t.Errorf("Selected() while Jane is hidden = %q", got)
	}
	if got := h.headers()[0]; got != "[x]" {
		t.Errorf("select-all box with every visible row selected = %q", got)
	}
	h.tbl.SetFilter("")

	// Fresh data: Bob is renamed (same id), Jane is gone, a new row arrives.
	rows := sampleCerts()
	rows[4].Name = "Apple Development: Robert"
	rows = slices.Delete(rows, 1, 2)
	rows = append(rows, cert{ID: "c6", Name: "Apple Development: New", Kind: "Development"})
	changes = nil
	h.tbl.SetRows(rows)
	if got := checked(); !slices.Equal(got, []string{"Apple Development: Robert"}) {
		t.Errorf("ticked rows after SetRows: %q, want the renamed row only", got)
	}
	if want := [][]string{{"c5"}}; !equalNested(changes, want) {
		t.Errorf("OnSelectionChanged after SetRows = %q, want %q", changes, want)
	}

	h.tbl.ClearSelection()
	if got := checked(); len(got) != 0 || h.tbl.Selected() != nil {
		t.Errorf("after ClearSelection: ticked %q, Selected %q", got, ids(h.tbl.Selected()))
	}
}

func TestSelectAllSelectsTheVisibleRows(t *testing.T) {
	var tapped []string
	var changes [][]string
	h := newHarness(t, selectableOptions(&tapped, &changes), sampleCerts())

	h.tbl.SetFilter("distribution")
	_, hs := h.rendered()
	var box *headerCell
	for _, p := range hs {
		if hc := p.obj.(*headerCell); hc.check.Visible() {
			box = hc
		}
	}
	h.tapAt(box.check)
	if got := ids(h.tbl.Selected()); !slices.Equal(got, []string{"c1", "c3"}) {
		t.Errorf("select-all while filtered selected %q, want the two visible rows", got)
	}
	if got := h.column(selCheck); !slices.Equal(got, []string{"[x]", "[x]"}) {
		t.Errorf("checkboxes after select-all: %q", got)
	}
	if got := h.headers()[0]; got != "[x]" {
		t.Errorf("select-all box = %q", got)
	}

	h.tapAt(box.check)
	if got := h.tbl.Selected(); got != nil {
		t.Errorf("second tap on select-all left %q selected", ids(got))
	}

	h.tbl.SetFilter("")
	h.tbl.SelectAll()
	if got := len(h.tbl.Selected()); got != 5 {
		t.Errorf("SelectAll selected %d rows, want 5", got)
	}
}

func TestTappingARowTogglesItsCheckbox(t *testing.T) {
	var tapped []string
	var changes [][]string
	h := newHarness(t, selectableOptions(&tapped, &changes), sampleCerts())

	row := h.rowOf(selName, "iOS Distribution: Example Corp")
	h.tapAt(h.cellAt(row, selType))
	if got := h.grid()[row][selCheck]; got != "[x]" {
		t.Errorf("after tapping the row's Type cell its box reads %q", got)
	}
	if got := ids(h.tbl.Selected()); !slices.Equal(got, []string{"c3"}) {
		t.Errorf("selected = %q", got)
	}
	h.tapAt(h.cellAt(row, selName))
	if got := h.grid()[row][selCheck]; got != "[ ]" {
		t.Errorf("after a second tap the box reads %q", got)
	}

	// Without checkboxes, a tap selects nothing.
	h = newHarness(t, certOptions(), sampleCerts())
	h.tapAt(h.cellAt(0, colName))
	if got := h.tbl.Selected(); got != nil {
		t.Errorf("a tap on a table without checkboxes selected %q", ids(got))
	}
}

func TestRowActionGetsTheRowItIsOnAfterSortAndFilter(t *testing.T) {
	var tapped []string
	var changes [][]string
	h := newHarness(t, selectableOptions(&tapped, &changes), sampleCerts())

	h.tbl.SetFilter("apple")
	h.tapHeader("Name")
	h.tapHeader("Name") // descending: Distribution, Jane, Bob
	if got := h.column(selName); !slices.Equal(got, []string{"Apple Distribution: Example Corp", "apple development: Jane", "Apple Development: Bob"}) {
		t.Fatalf("rows = %q", got)
	}
	if got := h.grid()[1][selAct]; got != "<action>" {
		t.Fatalf("last column reads %q, want the action button", got)
	}
	h.tapAt(h.cellAt(1, selAct).action)
	h.tapAt(h.cellAt(2, selAct).action)
	if !slices.Equal(tapped, []string{"c2", "c5"}) {
		t.Errorf("action taps reached %q, want c2 then c5", tapped)
	}
	if h.tbl.Selected() != nil {
		t.Errorf("the action button also selected %q", ids(h.tbl.Selected()))
	}
}

func TestTonesColourTheirRows(t *testing.T) {
	h := newHarness(t, certOptions(), sampleCerts())
	h.tapHeader("Expires") // the tones must move with their rows

	th := h.tbl.table.Theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	tint := func(n fyne.ThemeColorName) color.Color {
		c := color.NRGBAModel.Convert(th.Color(n, v)).(color.NRGBA)
		c.A = uint8(uint16(c.A) * TintAlpha / 0xff)
		return c
	}
	tests := []struct {
		name string
		text fyne.ThemeColorName
		bg   color.Color
	}{
		{"apple development: Jane", theme.ColorNameError, tint(theme.ColorNameError)},
		{"iOS Distribution: Example Corp", theme.ColorNameWarning, tint(theme.ColorNameWarning)},
		{"Developer ID Application: Corp", theme.ColorNamePlaceHolder, color.Transparent},
		{"Apple Development: Bob", theme.ColorNameForeground, color.Transparent},
	}
	for _, tt := range tests {
		row := h.rowOf(colName, tt.name)
		for col := colName; col <= colIssued; col++ {
			c := h.cellAt(row, col)
			if got := c.text.Segments[0].(*widget.TextSegment).Style.ColorName; got != tt.text {
				t.Errorf("%s, column %d: text colour %q, want %q", tt.name, col, got, tt.text)
			}
			if !equalColor(c.bg.FillColor, tt.bg) {
				t.Errorf("%s, column %d: background %s, want %s", tt.name, col, fmtColor(c.bg.FillColor), fmtColor(tt.bg))
			}
		}
	}
}

// The tint is the theme's own colour, so it is right in light and in dark,
// and it changes when the theme does, without the app redrawing the table.
func TestToneFollowsTheTheme(t *testing.T) {
	h := newHarness(t, certOptions(), sampleCerts())
	row := h.rowOf(colName, "apple development: Jane")
	for _, tt := range []struct {
		variant fyne.ThemeVariant
		error   color.NRGBA
	}{
		{theme.VariantLight, color.NRGBA{R: 0xb0, G: 0x00, B: 0x20, A: 0xff}},
		{theme.VariantDark, color.NRGBA{R: 0xff, G: 0x6b, B: 0x6b, A: 0xff}},
	} {
		th := variantTheme{Theme: theme.DefaultTheme(), variant: tt.variant, error: tt.error}
		test.ApplyTheme(t, th)
		want := tt.error
		want.A = TintAlpha
		bg := h.cellAt(row, colName).bg.FillColor
		if !equalColor(bg, want) {
			t.Errorf("variant %d: expired row background %s, want %s", tt.variant, fmtColor(bg), fmtColor(want))
		}
		// Over the page it must still show.
		page := th.Color(theme.ColorNameBackground, tt.variant)
		if equalColor(over(bg, page), page) {
			t.Errorf("variant %d: the tint does not show on the background", tt.variant)
		}
	}
}

// over composites a translucent colour on an opaque one.
func over(top, bottom color.Color) color.Color {
	t := color.NRGBAModel.Convert(top).(color.NRGBA)
	b := color.NRGBAModel.Convert(bottom).(color.NRGBA)
	mix := func(x, y uint8) uint8 { return uint8((uint16(x)*uint16(t.A) + uint16(y)*(0xff-uint16(t.A))) / 0xff) }
	return color.NRGBA{R: mix(t.R, b.R), G: mix(t.G, b.G), B: mix(t.B, b.B), A: 0xff}
}

func TestLongTextIsTruncatedWithAnEllipsis(t *testing.T) {
	rows := sampleCerts()
	rows[0].Name = strings.Repeat("Apple Distribution: A Very Long Team Name ", 5)
	h := newHarness(t, certOptions(), rows)
	c := h.cellAt(h.rowOf(colName, rows[0].Name), colName)
	var shown string
	for _, o := range test.WidgetRenderer(c.text).Objects() {
		if txt, ok := o.(*canvas.Text); ok {
			shown += txt.Text
		}
	}
	if !strings.HasSuffix(shown, "…") || len(shown) >= len(rows[0].Name) {
		t.Errorf("a name wider than its column is drawn as %q, want it cut short with …", shown)
	}
	if c.text.MinSize().Width > 220 {
		t.Errorf("the cell asks for %v wide, more than its column", c.text.MinSize().Width)
	}
}

func TestMonospaceColumns(t *testing.T) {
	h := newHarness(t, certOptions(), sampleCerts())
	if !h.cellAt(0, colSerial).text.Segments[0].(*widget.TextSegment).Style.TextStyle.Monospace {
		t.Error("the Serial column is not monospace")
	}
	if h.cellAt(0, colName).text.Segments[0].(*widget.TextSegment).Style.TextStyle.Monospace {
		t.Error("the Name column is monospace")
	}
}

func TestWithoutKeySetRowsClearsTheSelection(t *testing.T) {
	opts := certOptions()
	opts.Key = nil
	opts.Selectable = true
	var changes [][]string
	opts.OnSelectionChanged = func(sel []cert) { changes = append(changes, ids(sel)) }
	h := newHarness(t, opts, sampleCerts())
	h.tbl.SelectAll()
	rows := sampleCerts()
	slices.Reverse(rows)
	h.tbl.SetRows(rows)
	if got := h.tbl.Selected(); got != nil {
		t.Errorf("without Key, SetRows kept %q selected by position", ids(got))
	}
	if len(changes) != 2 || len(changes[1]) != 0 {
		t.Errorf("OnSelectionChanged calls = %q, want the select-all and then an empty selection", changes)
	}
}

func equalNested(a, b [][]string) bool {
	return slices.EqualFunc(a, b, func(x, y []string) bool { return slices.Equal(x, y) })
}

// drawn is the text a cell's RichText draws, ellipsis included.
func drawn(c *cell) string {
	var shown string
	for _, o := range test.WidgetRenderer(c.text).Objects() {
		if txt, ok := o.(*canvas.Text); ok {
			shown += txt.Text
		}
	}
	return shown
}

// Widening a column drops the "…" at once: Fyne's RichText skips laying its
// rows out again on a resize once it thinks the text fits, so the cell must
// ask for it.
func TestWideningAColumnShowsTheWholeText(t *testing.T) {
	rows := sampleCerts()
	rows[0].Name = strings.Repeat("Apple Distribution: Long Team ", 4)
	h := newHarness(t, certOptions(), rows)
	row := h.rowOf(colName, rows[0].Name)
	if got := drawn(h.cellAt(row, colName)); !strings.HasSuffix(got, "…") {
		t.Fatalf("before widening the name is drawn as %q, want it cut with …", got)
	}
	// The GL driver asks every object for its minimum size as it draws;
	// the test driver does not, so ask here: it is what arms the shortcut.
	cells, _ := h.rendered()
	for _, c := range cells {
		c.obj.(*cell).text.MinSize()
	}
	h.tbl.table.SetColumnWidth(colName, 900)
	h.tbl.table.Refresh()
	if got := drawn(h.cellAt(row, colName)); got != rows[0].Name {
		t.Errorf("after widening the column the name is drawn as %q, want %q", got, rows[0].Name)
	}
}

// The Fill column takes what the window leaves, and never less than its
// width; the columns then end at the table's right edge.
func TestFillColumnFollowsTheWindowWidth(t *testing.T) {
	opts := certOptions()
	opts.Columns[colName].Fill = true
	rows := sampleCerts()
	rows[0].Name = strings.Repeat("Apple Distribution: Long Team ", 3)
	h := newHarness(t, opts, rows)
	row := h.rowOf(colName, rows[0].Name)
	wide := h.cellAt(row, colName).Size().Width
	if wide < 500 {
		t.Errorf("at 1500 px the Name column is %v wide, want it to take what the others leave", wide)
	}
	if got := drawn(h.cellAt(row, colName)); got != rows[0].Name {
		t.Errorf("at 1500 px the name is drawn as %q, want it whole", got)
	}
	last := h.cellAt(row, colIssued)
	right := last.Position().X + last.Size().Width
	if limit := h.tbl.table.Size().Width; right > limit {
		t.Errorf("the last column ends at %v, past the table's %v: it would scroll sideways", right, limit)
	}

	h.w.Resize(fyne.NewSize(700, 600))
	if got := h.cellAt(h.rowOf(colName, rows[0].Name), colName).Size().Width; got != 220 {
		t.Errorf("in a narrow window the Name column is %v wide, want its least width 220", got)
	}
}

func TestSearchTextMatchesWhatNoColumnShows(t *testing.T) {
	opts := certOptions()
	opts.SearchText = func(c cert) string { return "uuid-" + c.ID }
	h := newHarness(t, opts, sampleCerts())
	h.tbl.SetFilter("UUID-C3")
	if got := names(h.tbl.Rows()); len(got) != 1 || got[0] != "iOS Distribution: Example Corp" {
		t.Errorf("searching the extra text shows %q", got)
	}
}

func TestCountSaysWhenSelectedRowsAreHidden(t *testing.T) {
	opts := certOptions()
	opts.Selectable = true
	h := newHarness(t, opts, sampleCerts())
	h.tbl.SelectAll()
	h.tbl.SetFilter("Bob")
	if got, want := h.tbl.count.Text, "1 of 5 certificates · 5 selected, 4 hidden by the filter"; got != want {
		t.Errorf("count reads %q, want %q", got, want)
	}
	h.tbl.SetFilter("nothing matches this")
	if got, want := h.tbl.count.Text, "0 of 5 certificates · 5 selected, hidden by the filter"; got != want {
		t.Errorf("count reads %q, want %q", got, want)
	}
}

// Rows appended page by page are filtered and sorted with the rows already
// there, exactly as if they had all been set at once.
func TestAppendRowsFiltersAndSortsWithTheOthers(t *testing.T) {
	all := sampleCerts()
	h := newHarness(t, certOptions(), all[:2])
	test.Type(h.tbl.entry, "development")
	h.tapHeader("Name")
	for _, r := range all[2:] {
		h.tbl.AppendRows([]cert{r})
	}
	got := h.column(colName)

	whole := newHarness(t, certOptions(), all)
	test.Type(whole.tbl.entry, "development")
	whole.tapHeader("Name")
	if want := whole.column(colName); !slices.Equal(got, want) || len(want) == 0 {
		t.Errorf("appended: %q; set at once: %q", got, want)
	}
	if h.tbl.Len() != len(all) || h.tbl.count.Text != whole.tbl.count.Text {
		t.Errorf("appended: %d rows, count %q; set at once: count %q", h.tbl.Len(), h.tbl.count.Text, whole.tbl.count.Text)
	}
	h.tbl.SetFilter("")
	whole.tbl.SetFilter("")
	if got, want := h.column(colName), whole.column(colName); !slices.Equal(got, want) {
		t.Errorf("without the filter, appended: %q; set at once: %q", got, want)
	}
}

package datatable

import (
	"cmp"
	"fmt"
	"image/color"
	"slices"
	"strconv"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

// cert is a stand-in row type: the table must work for any struct.
type cert struct {
	ID      string
	Name    string
	Kind    string
	Serial  string
	Devices int
	Expires time.Time
	Tone    Tone
}

func day(s string) time.Time {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return d
}

// certColumns: Name, Type, Serial, Devices (sorted by its text), Expires
// (shown as "4 Mar 2025", so only its Sort function puts it in date order)
// and Issued (ISO dates, sorted by text).
func certOptions() Options[cert] {
	return Options[cert]{
		Columns: []Column[cert]{
			{Title: "Name", Width: 220, Text: func(c cert) string { return c.Name }, Filterable: true},
			{Title: "Type", Text: func(c cert) string { return c.Kind }, Filterable: true},
			{Title: "Serial", Text: func(c cert) string { return c.Serial }, Monospace: true, Filterable: true},
			{Title: "Devices", Width: 80, Text: func(c cert) string { return strconv.Itoa(c.Devices) }, Align: fyne.TextAlignTrailing},
			{
				Title: "Expires",
				Text:  func(c cert) string { return c.Expires.Format("2 Jan 2006") },
				Sort:  func(a, b cert) int { return a.Expires.Compare(b.Expires) },
			},
			{Title: "Issued", Text: func(c cert) string { return c.Expires.AddDate(-1, 0, 0).Format("2006-01-02") }},
		},
		Tone:        func(c cert) Tone { return c.Tone },
		Key:         func(c cert) string { return c.ID },
		Placeholder: "Search certificates",
		Singular:    "certificate",
		Plural:      "certificates",
		EmptyText:   "No certificates in this account yet",
	}
}

func sampleCerts() []cert {
	return []cert{
		{ID: "c1", Name: "Apple Distribution: Example Corp", Kind: "Distribution", Serial: "1A2B", Devices: 9, Expires: day("2026-03-04"), Tone: Normal},
		{ID: "c2", Name: "apple development: Jane", Kind: "Development", Serial: "0F0F", Devices: 10, Expires: day("2025-01-20"), Tone: Danger},
		{ID: "c3", Name: "iOS Distribution: Example Corp", Kind: "Distribution", Serial: "77AA", Devices: 100, Expires: day("2025-12-01"), Tone: Warning},
		{ID: "c4", Name: "Developer ID Application: Corp", Kind: "Developer ID", Serial: "BEEF", Devices: 2, Expires: day("2027-06-30"), Tone: Muted},
		{ID: "c5", Name: "Apple Development: Bob", Kind: "Development", Serial: "C0DE", Devices: 10, Expires: day("2025-11-15"), Tone: Normal},
	}
}

// harness is a table shown in a test window, wide enough for every column.
type harness struct {
	t   *testing.T
	tbl *Table[cert]
	w   fyne.Window
}

func newHarness(t *testing.T, opts Options[cert], rows []cert) *harness {
	t.Helper()
	test.NewTempApp(t)
	tbl := New(opts)
	tbl.SetRows(rows)
	w := test.NewWindow(tbl.Widget())
	w.Resize(fyne.NewSize(1500, 600))
	t.Cleanup(w.Close)
	return &harness{t: t, tbl: tbl, w: w}
}

// placed is a widget with its position inside the table widget.
type placed struct {
	obj fyne.CanvasObject
	pos fyne.Position
}

// rendered walks what the table draws and returns its visible body cells and
// header cells with their positions.
func (h *harness) rendered() (cells, headers []placed) {
	var walk func(o fyne.CanvasObject, origin fyne.Position)
	walk = func(o fyne.CanvasObject, origin fyne.Position) {
		if !o.Visible() {
			return
		}
		pos := origin.Add(o.Position())
		switch o.(type) {
		case *cell:
			cells = append(cells, placed{o, pos})
			return
		case *headerCell:
			headers = append(headers, placed{o, pos})
			return
		case *fyne.Container:
			for _, c := range o.(*fyne.Container).Objects {
				walk(c, pos)
			}
			return
		}
		if w, ok := o.(fyne.Widget); ok {
			for _, c := range test.WidgetRenderer(w).Objects() {
				walk(c, pos)
			}
		}
	}
	walk(h.tbl.table, fyne.Position{})
	return cells, headers
}

// grid is the table body as a person reads it: rows top to bottom, cells
// left to right. Checkboxes read "[x]" or "[ ]", the row action "<action>".
func (h *harness) grid() [][]string {
	h.t.Helper()
	cells, _ := h.rendered()
	byY := map[float32][]placed{}
	for _, c := range cells {
		if c.obj.(*cell).row < 0 {
			continue // a cell the table is not using
		}
		byY[c.pos.Y] = append(byY[c.pos.Y], c)
	}
	ys := make([]float32, 0, len(byY))
	for y := range byY {
		ys = append(ys, y)
	}
	slices.Sort(ys)
	var out [][]string
	for _, y := range ys {
		row := byY[y]
		slices.SortFunc(row, func(a, b placed) int { return cmp.Compare(a.pos.X, b.pos.X) })
		var texts []string
		for _, p := range row {
			texts = append(texts, cellText(p.obj.(*cell)))
		}
		out = append(out, texts)
	}
	return out
}

func cellText(c *cell) string {
	switch {
	case c.check.Visible():
		if c.check.Checked {
			return "[x]"
		}
		return "[ ]"
	case c.action.Visible():
		return "<action>"
	}
	return c.text.String()
}

// column is one column of the grid.
func (h *harness) column(col int) []string {
	h.t.Helper()
	var out []string
	for _, r := range h.grid() {
		out = append(out, r[col])
	}
	return out
}

// headers are the header texts left to right, the sort arrow as " ▲" or
// " ▼", the select-all box as "[x]", "[-]" or "[ ]".
func (h *harness) headers() []string {
	h.t.Helper()
	_, hs := h.rendered()
	slices.SortFunc(hs, func(a, b placed) int { return cmp.Compare(a.pos.X, b.pos.X) })
	var out []string
	for _, p := range hs {
		hc := p.obj.(*headerCell)
		switch {
		case hc.check.Visible():
			switch {
			case hc.check.Partial:
				out = append(out, "[-]")
			case hc.check.Checked:
				out = append(out, "[x]")
			default:
				out = append(out, "[ ]")
			}
		case hc.icon.Visible() && hc.icon.Resource.Name() == theme.MenuDropUpIcon().Name():
			out = append(out, hc.label.Text+" ▲")
		case hc.icon.Visible() && hc.icon.Resource.Name() == theme.MenuDropDownIcon().Name():
			out = append(out, hc.label.Text+" ▼")
		default:
			out = append(out, hc.label.Text)
		}
	}
	return out
}

// tapAt taps the middle of o through the window's canvas, so the tap goes
// to whatever a real click there would reach.
func (h *harness) tapAt(o fyne.CanvasObject) {
	h.t.Helper()
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
	test.TapCanvas(h.w.Canvas(), pos.Add(fyne.NewPos(o.Size().Width/2, o.Size().Height/2)))
}

// tapHeader taps the header titled title.
func (h *harness) tapHeader(title string) {
	h.t.Helper()
	_, hs := h.rendered()
	for _, p := range hs {
		if hc := p.obj.(*headerCell); hc.label.Visible() && hc.label.Text == title {
			h.tapAt(hc)
			return
		}
	}
	h.t.Fatalf("no header %q among %q", title, h.headers())
}

// cellAt is the rendered cell in the given grid row and column.
func (h *harness) cellAt(row, col int) *cell {
	h.t.Helper()
	cells, _ := h.rendered()
	byY := map[float32][]placed{}
	for _, c := range cells {
		if c.obj.(*cell).row >= 0 {
			byY[c.pos.Y] = append(byY[c.pos.Y], c)
		}
	}
	ys := make([]float32, 0, len(byY))
	for y := range byY {
		ys = append(ys, y)
	}
	slices.Sort(ys)
	if row >= len(ys) {
		h.t.Fatalf("row %d not shown; grid: %q", row, h.grid())
	}
	r := byY[ys[row]]
	slices.SortFunc(r, func(a, b placed) int { return cmp.Compare(a.pos.X, b.pos.X) })
	return r[col].obj.(*cell)
}

// rowOf is the grid row whose column col reads text.
func (h *harness) rowOf(col int, text string) int {
	h.t.Helper()
	for i, r := range h.grid() {
		if r[col] == text {
			return i
		}
	}
	h.t.Fatalf("no row with %q in column %d; grid: %q", text, col, h.grid())
	return -1
}

func names(rows []cert) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Name
	}
	return out
}

func ids(rows []cert) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.ID
	}
	return out
}

// variantTheme is the default theme pinned to one variant, with its own
// error colour, to check the table in light and in dark.
type variantTheme struct {
	fyne.Theme
	variant fyne.ThemeVariant
	error   color.Color
}

func (v variantTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	if n == theme.ColorNameError {
		return v.error
	}
	return v.Theme.Color(n, v.variant)
}

func equalColor(a, b color.Color) bool {
	r1, g1, b1, a1 := a.RGBA()
	r2, g2, b2, a2 := b.RGBA()
	return r1 == r2 && g1 == g2 && b1 == b2 && a1 == a2
}

func fmtColor(c color.Color) string {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	return fmt.Sprintf("#%02x%02x%02x%02x", n.R, n.G, n.B, n.A)
}

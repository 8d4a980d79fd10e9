package datatable

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
)

func TestHoveringACutCellShowsItsWholeText(t *testing.T) {
	rows := sampleCerts()
	rows[0].Name = strings.Repeat("Apple Distribution: Long Team ", 4)
	h := newHarness(t, certOptions(), rows)
	c := h.cellAt(h.rowOf(colName, rows[0].Name), colName)
	c.MouseIn(&desktop.MouseEvent{})
	if h.tbl.full.Text != rows[0].Name {
		t.Errorf("hovering a cut name shows %q below the table, want the whole name", h.tbl.full.Text)
	}
	c.MouseOut()
	if h.tbl.full.Text != "" {
		t.Errorf("after the pointer left, %q is still shown", h.tbl.full.Text)
	}
	h.cellAt(0, colSerial).MouseIn(&desktop.MouseEvent{})
	if h.tbl.full.Text != "" {
		t.Errorf("hovering a cell that is not cut shows %q", h.tbl.full.Text)
	}
}

func TestContextMenuCopiesTheCellAndTheRowsIDs(t *testing.T) {
	opts := certOptions()
	opts.Copy = []CopyField[cert]{{Label: "ID", Value: func(c cert) string { return c.ID }}}
	var details []string
	opts.OnDetails = func(c cert) { details = append(details, c.ID) }
	h := newHarness(t, opts, sampleCerts())
	row := h.rowOf(colSerial, "77AA")
	items := h.tbl.menuItems(row, colSerial)
	var labels []string
	for _, it := range items {
		labels = append(labels, it.Label)
	}
	if got := strings.Join(labels, "|"); got != "Copy Serial||Copy ID|Show Details" && got != "Copy Serial|Copy ID||Show Details" {
		t.Fatalf("the menu reads %q", got)
	}
	clip := fyne.CurrentApp().Clipboard()
	items[0].Action()
	if got := clip.Content(); got != "77AA" {
		t.Errorf("Copy Serial put %q on the clipboard", got)
	}
	items[1].Action()
	if got := clip.Content(); got != "c3" {
		t.Errorf("Copy ID put %q on the clipboard", got)
	}
	items[3].Action()
	if len(details) != 1 || details[0] != "c3" {
		t.Errorf("Show Details opened %q", details)
	}
}

func TestKeyboardFocusIsShownAndCopied(t *testing.T) {
	var details []string
	opts := certOptions()
	opts.OnDetails = func(c cert) { details = append(details, c.ID) }
	h := newHarness(t, opts, sampleCerts())
	h.w.Canvas().Focus(h.tbl.table)
	h.w.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
	if !h.cellAt(1, colName).focus.Visible() || h.cellAt(0, colName).focus.Visible() {
		t.Error("after Down the second row is not the one drawn as focused")
	}
	h.w.Canvas().Focused().(fyne.Shortcutable).TypedShortcut(&fyne.ShortcutCopy{})
	if got, want := fyne.CurrentApp().Clipboard().Content(), h.grid()[1][colName]; got != want {
		t.Errorf("Ctrl+C copied %q, want the focused cell %q", got, want)
	}
	h.w.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if len(details) != 1 || details[0] != h.tbl.Rows()[1].ID {
		t.Errorf("Enter opened the details of %q, want the focused row", details)
	}
}

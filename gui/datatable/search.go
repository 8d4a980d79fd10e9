package datatable

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// searchEntry is the table's search box: an Entry that Escape clears, with
// a clear button while it holds text.
type searchEntry struct {
	widget.Entry
	clearButton *widget.Button
}

func newSearchEntry() *searchEntry {
	e := &searchEntry{}
	e.clearButton = widget.NewButtonWithIcon("", theme.ContentClearIcon(), func() { e.SetText("") })
	e.clearButton.Importance = widget.LowImportance
	e.clearButton.Hide()
	e.ActionItem = e.clearButton
	e.ExtendBaseWidget(e)
	return e
}

// TypedKey clears the search on Escape, the way search fields do on every
// desktop; other keys edit the text as usual.
func (e *searchEntry) TypedKey(key *fyne.KeyEvent) {
	if key.Name == fyne.KeyEscape && e.Text != "" {
		e.SetText("")
		return
	}
	e.Entry.TypedKey(key)
}

func (e *searchEntry) showClear(show bool) {
	if show {
		e.clearButton.Show()
	} else {
		e.clearButton.Hide()
	}
}

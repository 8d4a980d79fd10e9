package gui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// orgPanel is the left-hand organization panel: the linked App Store Connect
// API keys and the Add New button.
type orgPanel struct {
	win    fyne.Window
	addNew *widget.Button
	list   *widget.List
	hint   *widget.Label
}

func newOrgPanel(win fyne.Window) *orgPanel {
	return &orgPanel{win: win}
}

func (p *orgPanel) buildUI() fyne.CanvasObject {
	title := widget.NewLabelWithStyle("App Store Connect API Keys", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	p.addNew = widget.NewButtonWithIcon("Add New", theme.ContentAddIcon(), p.onAddNew)
	p.addNew.Importance = widget.HighImportance
	p.list = widget.NewList(
		func() int { return 0 },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(widget.ListItemID, fyne.CanvasObject) {},
	)
	p.hint = widget.NewLabel("No keys linked yet.")
	p.hint.Wrapping = fyne.TextWrapWord
	top := container.NewVBox(title, widget.NewSeparator())
	bottom := container.NewPadded(p.addNew)
	return container.NewBorder(top, bottom, nil, nil, container.NewStack(p.list, container.NewVBox(p.hint)))
}

// onAddNew opens the Add New dialog.
func (p *orgPanel) onAddNew() {
	// The Add New dialog arrives with the key vault (issue 5).
}

package gui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// emptyState is what the right-hand side shows while no key is linked: how to
// create a key in App Store Connect, which role to give it, that the file can
// be downloaded only once, and where to drop it.
type emptyState struct {
	u       *ui
	content fyne.CanvasObject
}

func newEmptyState(u *ui) *emptyState { return &emptyState{u: u} }

const emptyStateText = `## Link your first App Store Connect API key

1. In [App Store Connect](https://appstoreconnect.apple.com/access/integrations/api), open **Users and Access**, then **Integrations**, then **App Store Connect API**.
2. Under **Team Keys**, press **+**, name the key and give it the **Admin** role: only Admin keys can download distribution certificates and profiles. **Developer** keys see development ones.
3. Press **Download API Key**. Apple lets you download the file **only once**: ASC Keys keeps it safe in your system keychain.

Note the **Issuer ID** shown above the keys table and the key's **Key ID**: Add New asks for both.`

func (e *emptyState) buildUI() fyne.CanvasObject {
	steps := widget.NewRichTextFromMarkdown(emptyStateText)
	steps.Wrapping = fyne.TextWrapWord

	add := widget.NewButtonWithIcon("Add New…", theme.ContentAddIcon(), e.onAddNew)
	add.Importance = widget.HighImportance
	drop := newDropZone(container.NewVBox(
		container.NewCenter(container.NewGridWrap(fyne.NewSquareSize(40), widget.NewIcon(theme.UploadIcon()))),
		widget.NewLabelWithStyle("Drop your AuthKey_XXXXXXXXXX.p8 here", fyne.TextAlignCenter, fyne.TextStyle{Bold: true}),
		widget.NewLabelWithStyle("or a fastlane API key .json file", fyne.TextAlignCenter, fyne.TextStyle{}),
		container.NewCenter(add),
	))

	column := container.NewVBox(steps, drop)
	if e.u.opts.Hint != "" {
		hint := widget.NewLabel(e.u.opts.Hint)
		hint.Wrapping = fyne.TextWrapWord
		column.Add(container.NewBorder(nil, nil, container.NewVBox(widget.NewIcon(theme.InfoIcon())), nil, hint))
	}
	// A readable line length, centred, scrolling if the window is short.
	e.content = container.NewVScroll(container.NewCenter(container.New(&minWidth{600}, column)))
	return e.content
}

func (e *emptyState) onAddNew() { e.u.openAddDialog(addPrefill{}) }

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

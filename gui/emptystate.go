package gui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// emptyState is what the right-hand side shows while no key is linked: how to
// create a key in App Store Connect, which role to give it, that the file can
// be downloaded only once, and where to drop it.
type emptyState struct {
	hint     string // Options.Hint, shown under the steps
	onAddNew func()
	content  fyne.CanvasObject
}

const emptyStateText = `## Link your first App Store Connect API key

1. In [App Store Connect](https://appstoreconnect.apple.com/access/integrations/api), open **Users and Access**, then **Integrations**, then **App Store Connect API**.
2. Under **Team Keys**, press **+**, name the key and give it the **Admin** role: only Admin keys can download distribution certificates and profiles. **Developer** keys see development ones.
3. Press **Download API Key**. Apple lets you download the file **only once**: ASC Keys keeps it safe in your system keychain.

Note the **Issuer ID** shown above the keys table and the key's **Key ID**: Add New asks for both.`

func (e *emptyState) buildUI() fyne.CanvasObject {
	steps := widget.NewRichTextFromMarkdown(emptyStateText)
	steps.Wrapping = fyne.TextWrapWord

	add := widget.NewButtonWithIcon("Add New…", theme.ContentAddIcon(), func() { e.onAddNew() })
	add.Importance = widget.HighImportance
	drop := newDropZone(container.NewVBox(
		container.NewCenter(container.NewGridWrap(fyne.NewSquareSize(40), widget.NewIcon(theme.UploadIcon()))),
		widget.NewLabelWithStyle("Drop your AuthKey_XXXXXXXXXX.p8 here", fyne.TextAlignCenter, fyne.TextStyle{Bold: true}),
		widget.NewLabelWithStyle("or a fastlane API key .json file", fyne.TextAlignCenter, fyne.TextStyle{}),
		container.NewCenter(add),
	))

	column := container.NewVBox(steps, drop)
	if e.hint != "" {
		hint := widget.NewLabel(e.hint)
		hint.Wrapping = fyne.TextWrapWord
		column.Add(container.NewBorder(nil, nil, container.NewVBox(widget.NewIcon(theme.InfoIcon())), nil, hint))
	}
	// A readable line length, centred, scrolling if the window is short.
	e.content = container.NewVScroll(container.NewCenter(container.New(&minWidth{600}, column)))
	return e.content
}

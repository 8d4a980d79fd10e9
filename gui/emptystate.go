package gui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// emptyState is what the right-hand side shows while no key is linked: how to
// create a key in App Store Connect, and where to drop it.
type emptyState struct{}

func newEmptyState() *emptyState { return &emptyState{} }

const emptyStateText = `## Link your first App Store Connect API key

1. In App Store Connect, open **Users and Access**, then **Integrations**, then **App Store Connect API**.
2. Under **Team Keys**, press **+**, name the key and give it the **Admin** role: only Admin keys can download distribution certificates and profiles. **Developer** sees development ones.
3. Press **Download API Key**. Apple lets you download the file **only once**: ASC Keys keeps it safe in your system keychain.

Note the **Issuer ID** shown above the keys table and the key's **Key ID**: Add New asks for both.`

func (e *emptyState) buildUI() fyne.CanvasObject {
	steps := widget.NewRichTextFromMarkdown(emptyStateText)
	steps.Wrapping = fyne.TextWrapWord
	drop := widget.NewLabelWithStyle("Drop your AuthKey_XXXXXXXXXX.p8 here", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	card := widget.NewCard("", "", container.NewVBox(steps, widget.NewSeparator(), drop))
	return container.NewPadded(container.NewCenter(container.NewGridWrap(fyne.NewSize(560, 400), card)))
}

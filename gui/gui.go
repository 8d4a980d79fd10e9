// Package gui is the Fyne window of ASC Keys: the organization panel with the
// linked App Store Connect API keys, the Add New dialog, the certificate and
// profile tables and downloads. It never imports Fyne's app package, so its
// tests run on Fyne's test driver without cgo or OpenGL.
package gui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
)

// Create builds the content of the main window.
func Create(a fyne.App, w fyne.Window, opts Options) fyne.CanvasObject {
	org := newOrgPanel(w)
	empty := newEmptyState()
	split := container.NewHSplit(org.buildUI(), empty.buildUI())
	split.Offset = 0.28
	return split
}

// Package assets holds the resources embedded in the binary: the app icon.
package assets

import (
	_ "embed"

	"fyne.io/fyne/v2"
)

//go:embed icon.png
var iconPNG []byte

// Icon is the ASC Keys app icon: a key over a certificate.
var Icon = fyne.NewStaticResource("icon.png", iconPNG)

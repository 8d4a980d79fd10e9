package gui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// appTheme is Fyne's default theme with the colours that fail WCAG AA
// (4.5:1 for text, 3:1 for a control's outline) made darker in the light
// variant and lighter in the dark one. Fyne draws LowImportance labels,
// such as the captions above the Key ID, in its Disabled colour, which is
// #e3e3e3 on white by default: almost invisible. theme_test.go checks
// every pair that carries text.
type appTheme struct{ fyne.Theme }

// newTheme returns the window's theme.
func newTheme() fyne.Theme { return appTheme{theme.DefaultTheme()} }

// The colours that differ from the default theme, per variant.
var (
	lightColors = map[fyne.ThemeColorName]color.Color{
		theme.ColorNameForeground:  rgb(0x1f, 0x1f, 0x21),
		theme.ColorNamePlaceHolder: rgb(0x6b, 0x6b, 0x6b),
		theme.ColorNameDisabled:    rgb(0x6b, 0x6b, 0x6b),
		theme.ColorNamePrimary:     rgb(0x1d, 0x5b, 0xd6),
		theme.ColorNameHyperlink:   rgb(0x1d, 0x5b, 0xd6),
		theme.ColorNameWarning:     rgb(0x9a, 0x4a, 0x00),
		theme.ColorNameError:       rgb(0xb7, 0x1c, 0x1c),
		theme.ColorNameSuccess:     rgb(0x1b, 0x6e, 0x20),
		theme.ColorNameInputBorder: rgb(0x8a, 0x8a, 0x8a),
	}
	darkColors = map[fyne.ThemeColorName]color.Color{
		theme.ColorNameDisabled:            rgb(0x9a, 0x9a, 0x9a),
		theme.ColorNamePrimary:             rgb(0x5b, 0x8f, 0xf9),
		theme.ColorNameHyperlink:           rgb(0x5b, 0x8f, 0xf9),
		theme.ColorNameForegroundOnPrimary: rgb(0x0b, 0x0b, 0x0c),
		theme.ColorNameError:               rgb(0xff, 0x6b, 0x5e),
		theme.ColorNameInputBorder:         rgb(0x75, 0x75, 0x78),
	}
)

func rgb(r, g, b uint8) color.Color { return color.NRGBA{R: r, G: g, B: b, A: 0xff} }

// Color is the default theme's colour unless the variant overrides it.
func (t appTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	colors := darkColors
	if v == theme.VariantLight {
		colors = lightColors
	}
	if c, ok := colors[n]; ok {
		return c
	}
	return t.Theme.Color(n, v)
}

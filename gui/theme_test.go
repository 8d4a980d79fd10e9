package gui

import (
	"fmt"
	"image/color"
	"math"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/gui/datatable"
)

// luminance is WCAG 2's relative luminance of an opaque colour.
func luminance(c color.Color) float64 {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	ch := func(v uint8) float64 {
		x := float64(v) / 255
		if x <= 0.03928 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(n.R) + 0.7152*ch(n.G) + 0.0722*ch(n.B)
}

func contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05)
}

// over is top, with alpha alpha, painted on the opaque bottom.
func over(top color.Color, alpha uint8, bottom color.Color) color.Color {
	t := color.NRGBAModel.Convert(top).(color.NRGBA)
	b := color.NRGBAModel.Convert(bottom).(color.NRGBA)
	mix := func(x, y uint8) uint8 { return uint8((int(x)*int(alpha) + int(y)*(255-int(alpha))) / 255) }
	return color.NRGBA{R: mix(t.R, b.R), G: mix(t.G, b.G), B: mix(t.B, b.B), A: 0xff}
}

// Every text colour the window uses is readable (WCAG AA, 4.5:1) on every
// background it is drawn on, in the light and in the dark variant: plain
// backgrounds, a Warning or Danger row's tint, a badge, the keyboard's row.
func TestThemeColoursPassWCAGAA(t *testing.T) {
	th := newTheme()
	for _, v := range []fyne.ThemeVariant{theme.VariantLight, theme.VariantDark} {
		name := map[fyne.ThemeVariant]string{theme.VariantLight: "light", theme.VariantDark: "dark"}[v]
		c := func(n fyne.ThemeColorName) color.Color { return th.Color(n, v) }
		bg := c(theme.ColorNameBackground)
		check := func(what string, fg, back color.Color, least float64) {
			t.Helper()
			if r := contrast(fg, back); r < least {
				t.Errorf("%s: %s has a contrast of %.2f:1, want at least %.1f:1", name, what, r, least)
			}
		}
		texts := []fyne.ThemeColorName{theme.ColorNameForeground, theme.ColorNamePlaceHolder, theme.ColorNameDisabled,
			theme.ColorNamePrimary, theme.ColorNameHyperlink, theme.ColorNameWarning, theme.ColorNameError, theme.ColorNameSuccess}
		backs := []fyne.ThemeColorName{theme.ColorNameBackground, theme.ColorNameOverlayBackground,
			theme.ColorNameHeaderBackground, theme.ColorNameMenuBackground}
		for _, fg := range texts {
			for _, b := range backs {
				check(fmt.Sprintf("%s text on %s", fg, b), c(fg), c(b), 4.5)
			}
		}
		// A kind badge: the text in its colour on a wash of it.
		for _, k := range core.Kinds {
			fg := c(kindBadgeColor(k))
			check(fmt.Sprintf("the %s badge", k.Label()), fg, over(fg, badgeWashAlpha, bg), 4.5)
		}
		for _, tone := range []fyne.ThemeColorName{theme.ColorNameWarning, theme.ColorNameError} {
			check(fmt.Sprintf("a %s row's text on its tint", tone), c(tone), over(c(tone), datatable.TintAlpha, bg), 4.5)
		}
		focus := color.NRGBAModel.Convert(c(theme.ColorNameFocus)).(color.NRGBA)
		check("text on the keyboard's row", c(theme.ColorNameForeground), over(focus, focus.A, bg), 4.5)
		for _, p := range [][2]fyne.ThemeColorName{
			{theme.ColorNameForegroundOnPrimary, theme.ColorNamePrimary},
			{theme.ColorNameForegroundOnError, theme.ColorNameError},
		} {
			check(fmt.Sprintf("%s on %s (a button)", p[0], p[1]), c(p[0]), c(p[1]), 4.5)
		}
		// A checkbox's and an entry's outline: 3:1 for a control (WCAG 1.4.11).
		check("a checkbox outline", c(theme.ColorNameInputBorder), bg, 3)
	}
}

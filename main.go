// Command asckeys is ASC Keys: a desktop app that links App Store Connect API
// keys and shows, downloads and manages signing certificates and provisioning
// profiles.
package main

import (
	"os"
	"os/signal"
	"syscall"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/asckeys/asckeys/assets"
	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/gui"
)

func main() {
	a := app.NewWithID(core.AppID)
	a.SetIcon(assets.Icon)
	w := a.NewWindow(core.AppName)
	w.SetContent(gui.Create(a, w))
	w.Resize(fyne.NewSize(1100, 700))
	w.SetMaster()

	// A logout or `kill` ends the app the same way as closing the window.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		fyne.Do(a.Quit)
	}()

	w.ShowAndRun()
}

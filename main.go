// Command asckeys is ASC Keys: a desktop app that links App Store Connect API
// keys and shows, downloads and manages signing certificates and provisioning
// profiles. With no arguments it opens the window; with a command it is the
// command line (asckeys --help).
package main

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"golang.org/x/term"

	"github.com/asckeys/asckeys/assets"
	"github.com/asckeys/asckeys/cli"
	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/gui"
	_ "github.com/asckeys/asckeys/internal/clocale" // before Fyne reads the locale
	"github.com/asckeys/asckeys/internal/window"
)

func main() {
	// Ctrl-C or a logout cancels command-line work and closes the window; a
	// second Ctrl-C ends the program at once.
	ctx, stop := cli.WithInterrupt(context.Background())
	env := cli.Env{
		IsTerminal: func(f any) bool {
			file, ok := f.(*os.File)
			return ok && term.IsTerminal(int(file.Fd()))
		},
		OpenWindow: func(o window.Options) error { return openWindow(ctx, o) },
	}
	code := cli.ExitOK
	if len(os.Args) > 1 {
		code = cli.Execute(ctx, os.Args[1:], env)
	} else {
		code = cli.ShowWindow(ctx, env)
	}
	stop()
	os.Exit(code)
}

// quitGrace is how long the window may take to close after a signal.
const quitGrace = 5 * time.Second

// openWindow shows the main window until it is closed or ctx ends. It is the
// only place that needs Fyne's driver, so the gui package tests without one.
// windowHeapLimit is the window's soft limit on Go's memory (see
// runtime/debug.SetMemoryLimit): the window holds whole lists, and listing a
// large account leaves megabytes of decoded pages behind; with the limit the
// garbage collector returns them sooner instead of letting the heap double
// (the window on 5,000 profiles peaked at 245 MiB resident without it, 228
// MiB with it; docs/BENCHMARKS.md, figure 4). It is soft: a larger live heap
// is allowed, the collector's CPU then capped by Go. GOMEMLIMIT, when set,
// takes its place.
const windowHeapLimit = 96 << 20

func openWindow(ctx context.Context, opts gui.Options) error {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(windowHeapLimit)
	}
	a := app.NewWithID(core.AppID)
	a.SetIcon(assets.Icon)
	w := a.NewWindow(opts.Title)
	w.SetContent(gui.Create(a, w, opts))
	w.Resize(fyne.NewSize(1180, 740))
	w.SetMaster()
	go func() {
		<-ctx.Done()
		// Fyne's loop has been seen not to return now and then after Quit
		// (fyne-io/fyne#6021; here about once in 35 runs under Xvfb): a
		// logout or Ctrl-C must still end the program. Everything on disk is
		// written atomically, so leaving now loses nothing. The timer is set
		// first in case the hand-over to the loop is what hangs.
		time.AfterFunc(quitGrace, func() {
			fmt.Fprintln(os.Stderr, "asckeys: the window did not close within 5 s of the signal; exiting")
			os.Exit(cli.ExitOK)
		})
		fyne.Do(a.Quit)
	}()
	w.ShowAndRun()
	return nil
}

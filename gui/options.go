package gui

import (
	"path/filepath"

	"github.com/adrg/xdg"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/internal/window"
)

// Options are what the main window is made with (see window.Options): the
// command line describes the window it wants, main hands that here.
type Options = window.Options

// The states Options.Show accepts.
const (
	ShowAdd          = window.ShowAdd
	ShowCertificates = window.ShowCertificates
	ShowProfiles     = window.ShowProfiles
)

// client makes the client for creds as the options say.
func clientFor(o Options, creds core.Credentials) *core.Client {
	if o.NewClient != nil {
		return o.NewClient(creds)
	}
	return core.NewClient(creds)
}

// stateDir is the folder of the window's own state.
func stateDir(o Options) string {
	if o.StateDir != "" {
		return o.StateDir
	}
	return filepath.Join(xdg.CacheHome, "asckeys")
}

// firstDownloadDir is where the folder chooser starts before anything was
// downloaded: the folder the options name, else the user's Downloads folder.
func firstDownloadDir(o Options) string {
	if o.DownloadDir != "" {
		return o.DownloadDir
	}
	return xdg.UserDirs.Download
}

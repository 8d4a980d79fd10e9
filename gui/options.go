package gui

import (
	"path/filepath"

	"github.com/adrg/xdg"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/storage"
)

// Options are what the main window is made with: main converts the command
// line's cli.Window (the user's own vault or, for `asckeys demo`, a sandbox)
// into them, so the two keep the same fields.
type Options struct {
	// Title is the window title: "ASC Keys", or "ASC Keys (demo)".
	Title string
	// Vault holds the linked keys. Nil shows the window without keys (tests).
	Vault *storage.Vault
	// NewClient makes the App Store Connect client for a key. Nil means
	// core.NewClient with Apple's base URL for the key's kind.
	NewClient func(core.Credentials) *core.Client
	// StateDir holds the window's own state (selected key, last download
	// folder, cached lists). Empty means "asckeys" in the XDG cache folder.
	StateDir string
	// DownloadDir is where the first download goes. Empty means the user's
	// Downloads folder.
	DownloadDir string
	// Hint is an extra line for the empty state and the Add New dialog, such
	// as where the demo's second sandbox key is.
	Hint string
	// HintKey is the key Hint talks about, if any: Show "add" opens the Add
	// New dialog filled with it.
	HintKey *storage.NewKey
	// Show opens the window in a given state, for README screenshots: "add"
	// (the Add New dialog, filled with HintKey), "certificates" or
	// "profiles" (the first key selected and that tab showing). Empty is the
	// normal window.
	Show string
}

// The states Options.Show accepts.
const (
	ShowAdd          = "add"
	ShowCertificates = "certificates"
	ShowProfiles     = "profiles"
)

// client makes the client for creds as the options say.
func (o Options) client(creds core.Credentials) *core.Client {
	if o.NewClient != nil {
		return o.NewClient(creds)
	}
	return core.NewClient(creds)
}

// stateDir is the folder of the window's own state.
func (o Options) stateDir() string {
	if o.StateDir != "" {
		return o.StateDir
	}
	return filepath.Join(xdg.CacheHome, "asckeys")
}

// firstDownloadDir is where the folder chooser starts before anything was
// downloaded: the folder the options name, else the user's Downloads folder.
func (o Options) firstDownloadDir() string {
	if o.DownloadDir != "" {
		return o.DownloadDir
	}
	return xdg.UserDirs.Download
}

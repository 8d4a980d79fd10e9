// Package window describes the main window to open, in plain terms that need
// no Fyne: the command line fills one (the user's own vault, or the demo's
// sandbox), main hands it to the gui package, which opens it. It is a package
// of its own so that cli need not import gui (and with it Fyne), and the
// description is written once.
package window

import (
	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/storage"
)

// Options are what the main window is made with.
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

// The states Options.Show accepts (asckeys demo --show, for the README's
// screenshots).
const (
	ShowAdd          = "add"
	ShowCertificates = "certificates"
	ShowProfiles     = "profiles"
)

package cli

import (
	"context"
	"errors"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/storage"
)

// Window describes the window to open, in plain terms: the command line
// cannot import the window's package (it would tie every command to Fyne), so
// main turns a Window into the window's options.
type Window struct {
	// Title is the window title: "ASC Keys", or "ASC Keys (demo)".
	Title string
	// Vault holds the linked keys.
	Vault *storage.Vault
	// NewClient makes the App Store Connect client for a key.
	NewClient func(core.Credentials) *core.Client
	// StateDir holds the window's own state; empty means the default.
	StateDir string
	// DownloadDir is where the first download goes; empty means the user's
	// Downloads folder.
	DownloadDir string
	// Hint is an extra line for the empty state and the Add New dialog.
	Hint string
	// HintKey is the key Hint talks about, if any.
	HintKey *storage.NewKey
	// Show opens the window in a given state for screenshots: ShowAdd,
	// ShowCertificates, ShowProfiles, or empty for the normal window.
	Show string
}

// The states Window.Show accepts (asckeys demo --show). The window gives
// them their meaning; these are the values the flag lets through.
const (
	ShowAdd          = "add"
	ShowCertificates = "certificates"
	ShowProfiles     = "profiles"
)

// ShowWindow opens the window on the user's own vault and returns the exit
// status once it is closed: what main runs when asckeys has no arguments.
// Errors (a damaged environment, no window in this build) go to stderr as
// Execute writes them.
func ShowWindow(ctx context.Context, env Env) int {
	env.fill()
	return exitStatus(&env, runWindow(ctx, &env))
}

// runWindow opens the window on the user's own vault.
func runWindow(_ context.Context, env *Env) error {
	if env.OpenWindow == nil {
		return errors.New("this build has no window: use a command (asckeys --help)")
	}
	s, err := openSession(env)
	if err != nil {
		return err
	}
	return env.OpenWindow(Window{Title: core.AppName, Vault: s.vault, NewClient: s.newClient})
}

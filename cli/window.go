package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/internal/window"
	"github.com/asckeys/asckeys/storage"
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
	base, err := BaseURLOverride(env.Getenv)
	if err != nil {
		return usageError{err}
	}
	// The window links and changes keys, which an env-only key cannot be:
	// it always works on the linked keys, and says so.
	if _, fromEnv, _ := storage.EnvKey(env.Getenv); fromEnv {
		fmt.Fprintln(env.Stderr, "note: the window works on the linked keys; "+envOnly+", which only the commands use")
	}
	s, err := openLinkedSession(env, base)
	if err != nil {
		return err
	}
	return env.OpenWindow(window.Options{Title: core.AppName, Vault: s.vault, NewClient: s.newClient})
}

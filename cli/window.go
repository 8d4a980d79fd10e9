package cli

import (
	"context"
	"errors"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/internal/window"
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
	return env.OpenWindow(window.Options{Title: core.AppName, Vault: s.vault, NewClient: s.newClient})
}

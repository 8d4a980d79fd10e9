package cli

import (
	"context"
	"errors"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/gui"
)

// runWindow opens the window on the user's own vault.
func runWindow(_ context.Context, env *Env) error {
	if env.OpenWindow == nil {
		return errors.New("this build has no window: use a command (asckeys --help)")
	}
	s, err := openSession(env)
	if err != nil {
		return err
	}
	return env.OpenWindow(gui.Options{Title: core.AppName, Vault: s.vault, NewClient: s.newClient})
}

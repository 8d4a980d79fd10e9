// Package cli is the asckeys command line: the same vault and App Store
// Connect client as the window, for people who script (CI set-up, a token for
// curl, a folder of profiles for a build machine).
package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/internal/window"
)

// Exit statuses.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

// Env is what the command line needs from the outside world. main fills it;
// tests fill it with buffers.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads the environment (os.Getenv in main).
	Getenv func(string) string
	// IsTerminal reports whether f (stdin or stdout) is a terminal: to warn
	// before a secret is written to one, and to ask before removing a key.
	IsTerminal func(f any) bool
	// OpenWindow shows the window w describes and returns when it is
	// closed. Only main can provide it: opening a window needs Fyne's driver,
	// which the command line does not link.
	OpenWindow func(window.Options) error

	exits      []func()      // run when the command ends (atExit)
	stdinLines *bufio.Reader // stdin read line by line (passphrases)
}

// atExit runs fn when the command has ended, as Execute returns.
func (e *Env) atExit(fn func()) { e.exits = append(e.exits, fn) }

// usageError marks a mistake in how the command was called (exit status 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// Execute runs the command line with args (without the program name) and
// returns the exit status. With no arguments it prints the help: opening the
// window instead is main's choice (see ShowWindow).
func Execute(ctx context.Context, args []string, env Env) int {
	env.fill()
	defer func() {
		for _, fn := range env.exits {
			fn()
		}
	}()
	root := newRoot(ctx, &env)
	root.SetArgs(args)
	return exitStatus(&env, root.ExecuteContext(ctx))
}

// exitStatus writes err, if any, to stderr as one line and returns the exit
// status it calls for.
func exitStatus(env *Env, err error) int {
	if err == nil {
		return ExitOK
	}
	// Errors quote names, files and servers: SafeText keeps them from
	// driving the terminal.
	fmt.Fprintln(env.Stderr, "asckeys: "+oneLine(core.SafeText(err.Error())))
	var ue usageError
	if errors.As(err, &ue) {
		return ExitUsage
	}
	return ExitFailure
}

func (e *Env) fill() {
	if e.Stdin == nil {
		e.Stdin = os.Stdin
	}
	if e.Stdout == nil {
		e.Stdout = os.Stdout
	}
	if e.Stderr == nil {
		e.Stderr = os.Stderr
	}
	if e.Getenv == nil {
		e.Getenv = os.Getenv
	}
	if e.IsTerminal == nil {
		e.IsTerminal = func(any) bool { return false }
	}
}

// oneLine folds a message onto one line: errors go to stderr as one clear line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func newRoot(ctx context.Context, env *Env) *cobra.Command {
	root := &cobra.Command{
		Use:   "asckeys",
		Short: core.AppName + ": App Store Connect API keys, certificates and provisioning profiles",
		Long: core.AppName + ` links App Store Connect API keys (.p8), keeps their private keys in the system
keychain, and lists and downloads signing certificates and provisioning profiles.

With no command it opens the window. KEY is a linked key's name or its Key ID; where only one
key is linked, --key may be left out.

Environment:
  ASCKEYS_API_URL   replaces the App Store Connect base URL of every key (https, or plain
                    http for a loopback address), e.g. to point at a local server
  ASCKEYS_KEY_ID, ASCKEYS_ISSUER_ID, ASCKEYS_PRIVATE_KEY (PEM text or a path)
                    a key given in the environment, for CI: every command uses it and
                    stores nothing (fastlane's APP_STORE_CONNECT_API_KEY_* work too)
  ASCKEYS_PASSPHRASE
                    the passphrase of the encrypted key file (keys add --store file)`,
		Version:       core.Version,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		// The window is main's to open (ShowWindow); reached here, with no
		// command, the help is the answer.
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	root.SetIn(env.Stdin)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(
		newKeysCmd(env),
		newTokenCmd(env),
		newCertsCmd(env),
		newProfilesCmd(env),
		newBundleIDsCmd(env),
		newDevicesCmd(env),
		newDoctorCmd(env),
		newDemoCmd(env),
		newExpiringCmd(env),
	)
	// Every command's argument check is a usage error, like a bad flag.
	var wrapArgs func(c *cobra.Command)
	wrapArgs = func(c *cobra.Command) {
		if c.Args != nil {
			check := c.Args
			c.Args = func(cmd *cobra.Command, args []string) error {
				if err := check(cmd, args); err != nil {
					return usageError{err}
				}
				return nil
			}
		}
		for _, sub := range c.Commands() {
			wrapArgs(sub)
		}
	}
	wrapArgs(root)
	return root
}

// Package actions holds the write side's steps that the window and the
// command line both call: creating, revoking, exporting and importing
// certificates, and making profiles, devices and bundle IDs. Each action
// takes what it needs explicitly (Deps: the vault, the linked key, its
// client), applies Apple's rules from core before any request, keeps
// private keys through storage, and returns a result struct that the
// caller shows as text, as --json or in a window. The callers keep only
// their flags, prompts and output: a rule or a step lives here, once.
//
// actions imports core, core/identity and storage; never cli, gui or Fyne.
package actions

import (
	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/storage"
)

// Deps are what an action works with: the vault that keeps private keys,
// the linked API key the action is done with, and a client for that key.
type Deps struct {
	Vault  *storage.Vault
	Key    storage.Key
	Client *core.Client
}

// crashAt is nil in production. The crash tests (crash_test.go) set it in a
// child process to die at a named step, as a killed process would.
var crashAt func(step string)

func step(name string) {
	if crashAt != nil {
		crashAt(name)
	}
}

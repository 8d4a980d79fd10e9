package cli_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestCommandLineDoesNotLinkFyne keeps the command line free of the window's
// toolkit: cli describes the window (internal/window) and main opens it, so
// scripts and CI never pull in Fyne, its cgo and its locale checks.
func TestCommandLineDoesNotLinkFyne(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/asckeys/asckeys/cli").Output()
	if err != nil {
		t.Fatalf("go list -deps ./cli: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "fyne.io/") || dep == "github.com/asckeys/asckeys/gui" {
			t.Errorf("cli depends on %s", dep)
		}
	}
}

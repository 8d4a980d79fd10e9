//go:build unix

package bench

import (
	"os"
	"testing"
)

// TestMain lets the benchmark program serve as two helpers of its own, when
// started again by a benchmark: a runner that measures a command (runnerVar,
// see startup_test.go) and a sandbox in a process of its own (sandboxVar, see
// remote_test.go).
func TestMain(m *testing.M) {
	if out := os.Getenv(runnerVar); out != "" {
		os.Exit(runCommand(out, os.Args[1:]))
	}
	if cfg := os.Getenv(sandboxVar); cfg != "" {
		os.Exit(serveSandbox(cfg))
	}
	os.Exit(m.Run())
}

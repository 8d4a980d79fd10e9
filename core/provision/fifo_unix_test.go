//go:build !windows

package provision_test

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/asckeys/asckeys/core/provision"
)

// A named pipe is refused before it is opened: reading it would hang.
func TestReadFileRefusesNamedPipe(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pipe.mobileprovision")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skip(err)
	}
	if _, err := provision.ReadFile(p); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("pipe: %v", err)
	}
}

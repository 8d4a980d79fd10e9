package cli_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestTokenTTLBounds: a lifetime below a second is refused as the help says
// (it was silently made 1 s), like one above 20 minutes, with exit status 2
// and one line. The binary runs with a throwaway config folder, should a
// broken check go on to open the vault.
func TestTokenTTLBounds(t *testing.T) {
	bin := binary(t)
	for _, ttl := range []string{"1ns", "999ms", "0s", "-1m", "21m"} {
		cmd := exec.Command(bin, "token", "--ttl", ttl)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "XDG_CONFIG_HOME=" + t.TempDir(), "XDG_CACHE_HOME=" + t.TempDir(), "DBUS_SESSION_BUS_ADDRESS=disabled:"}
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 2 || stdout.Len() != 0 || strings.Count(stderr.String(), "\n") != 1 || !strings.Contains(stderr.String(), "from 1s to 20m") {
			t.Errorf("token --ttl %s: %v, stdout %q, stderr %q", ttl, err, stdout.String(), stderr.String())
		}
	}
}

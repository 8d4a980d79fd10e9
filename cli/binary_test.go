package cli_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestBinaryStderrIsCleanUnderCLocale runs the real binary the way CI images
// and servers do (LANG=C.UTF-8), where Fyne would log a locale error before
// main runs: stdout carries the answer, stderr only our one line.
func TestBinaryStderrIsCleanUnderCLocale(t *testing.T) {
	bin := binary(t)
	run := func(args ...string) (string, string, int) {
		cmd := exec.Command(bin, args...)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "XDG_CONFIG_HOME=" + t.TempDir(), "LANG=C.UTF-8"}
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return stdout.String(), stderr.String(), code
	}
	out, errOut, code := run("--version")
	if code != 0 || !strings.HasPrefix(out, "asckeys version ") || errOut != "" {
		t.Errorf("asckeys --version: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	out, errOut, code = run("no-such-command")
	if code != 2 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "asckeys: unknown command") {
		t.Errorf("asckeys no-such-command: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

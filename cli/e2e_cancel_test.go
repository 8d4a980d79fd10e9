package cli_test

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox"
)

// Ctrl-C during `asckeys certs download --all` against a slow App Store
// Connect: the binary stops within a second with exit status 1 and one clear
// line, and the folder holds only whole certificates, the sandbox's bytes,
// and no temporary file.
func TestEndToEndCtrlCStopsADownload(t *testing.T) {
	w := newWorld(t, sandbox.Config{Seed: 10, Certificates: 60})
	key := w.srv.NewKey(core.KindTeam, sandbox.RoleAdmin)
	w.ok("keys", "add", "--p8", w.writeKey(key), "--issuer-id", key.IssuerID, "--no-verify")
	bySerial := map[string][]byte{}
	for _, c := range w.srv.Certificates() {
		info, err := w.srv.Certificate(c.ID)
		if err != nil {
			t.Fatal(err)
		}
		bySerial[c.SerialNumber] = info.DER
	}
	// Half a second per request: 60 certificates, 4 at a time, take about
	// eight seconds, so the interrupt lands mid-download.
	w.srv.SetLatency(500 * time.Millisecond)

	out := filepath.Join(w.dir, "certs")
	args := []string{"certs", "download", "--out", out, "--all"}
	cmd := exec.Command(binary(t), args...)
	cmd.Env = w.env
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var lines []string
	firstLine := make(chan struct{})
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			mu.Lock()
			lines = append(lines, sc.Text())
			if len(lines) == 1 {
				close(firstLine)
			}
			mu.Unlock()
		}
	}()
	exited := make(chan error, 1)
	go func() { <-readDone; exited <- cmd.Wait() }()

	// Interrupt once the first file is written: when its line appears, or,
	// should the command print its lines only at the end, once the sandbox
	// has served the first certificate's content and a moment has passed for
	// writing it.
	guard := time.After(60 * time.Second) // a hang guard, not a timing assertion
	for waiting := true; waiting; {
		select {
		case <-firstLine:
			waiting = false
		case err := <-exited:
			t.Fatalf("asckeys %s ended before the interrupt: %v\n%s", strings.Join(args, " "), err, stderr.String())
		case <-guard:
			_ = cmd.Process.Kill()
			t.Fatal("no certificate was downloaded within a minute")
		case <-time.After(5 * time.Millisecond):
			if contentServed(w.srv) > 0 {
				time.Sleep(50 * time.Millisecond)
				waiting = false
			}
		}
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	interrupted := time.Now()
	var waitErr error
	select {
	case waitErr = <-exited:
	case <-time.After(30 * time.Second): // a hang guard; the bound is asserted below
		_ = cmd.Process.Kill()
		t.Fatal("asckeys did not stop after Ctrl-C")
	}
	if took := time.Since(interrupted); took > time.Second {
		t.Errorf("asckeys stopped %s after Ctrl-C; want within a second", took)
	} else {
		t.Logf("asckeys stopped %s after Ctrl-C", took)
	}
	mu.Lock()
	written := append([]string(nil), lines...)
	mu.Unlock()
	r := result{stdout: strings.Join(written, "\n"), stderr: stderr.String()}
	var exit *exec.ExitError
	if errors.As(waitErr, &exit) {
		r.code = exit.ExitCode()
	}
	w.leaks.add(args, r)

	if r.code != 1 {
		t.Errorf("exit status %d after Ctrl-C, want 1 (%v)", r.code, waitErr)
	}
	msg := strings.TrimRight(r.stderr, "\n")
	if msg == "" || strings.Contains(msg, "\n") {
		t.Errorf("stderr after Ctrl-C is not one line:\n%s", r.stderr)
	}
	if last := msg[strings.LastIndex(msg, "\n")+1:]; !strings.Contains(last, "cancelled") || !strings.Contains(last, "complete") {
		t.Errorf("stderr's last line does not say the download was cancelled and what was written is complete: %q", last)
	}

	// The folder holds exactly the files printed, each a whole certificate.
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	printed := map[string]bool{}
	for _, p := range written {
		printed[filepath.Base(p)] = true
	}
	serial := regexp.MustCompile(`\(([0-9A-F]+)\)\.cer$`)
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".tmp") {
			t.Errorf("a temporary file was left behind: %s", name)
			continue
		}
		if !printed[name] {
			t.Errorf("%s is in the folder but was not printed as written", name)
		}
		got, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		m := serial.FindStringSubmatch(name)
		if m == nil || !bytes.Equal(got, bySerial[m[1]]) {
			t.Errorf("%s is not the sandbox's certificate: partial or corrupt", name)
		}
		delete(printed, name)
	}
	for name := range printed {
		t.Errorf("%s was printed as written but is not in the folder", name)
	}
	if n := len(entries); n == 0 || n >= len(bySerial) {
		t.Errorf("%d of %d certificates written; want some, not all (the interrupt came mid-download)", n, len(bySerial))
	}
}

// contentServed counts the certificate downloads the sandbox has answered.
func contentServed(srv *sandbox.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if strings.HasPrefix(r.Path, "/v1/certificates/") && r.Status == 200 {
			n++
		}
	}
	return n
}

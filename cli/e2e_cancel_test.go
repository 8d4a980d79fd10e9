package cli_test

import (
	"bufio"
	"bytes"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox"
)

// Ctrl-C during `asckeys certs download --all` while App Store Connect holds
// one request: the binary stops with exit status 1 and one clear line, long
// before the held request would end, and the folder holds only whole
// certificates, the sandbox's bytes, and no temporary file.
//
// Content comes 200 certificates a request, so 450 take three requests; the
// sandbox stalls the one that carries the last certificate (for an hour) and
// answers the others, so by the time the first file is printed some files are
// written and some can never be: the interrupt lands mid-download by
// construction, not by timing.
func TestEndToEndCtrlCStopsADownload(t *testing.T) {
	w := newWorld(t, sandbox.Config{Seed: 10, Certificates: 450})
	key := w.srv.NewKey(core.KindTeam, sandbox.RoleAdmin)
	w.ok("keys", "add", "--p8", w.writeKey(key), "--issuer-id", key.IssuerID, "--no-verify")
	bySerial := map[string][]byte{}
	certs := w.srv.Certificates()
	for _, c := range certs {
		info, err := w.srv.Certificate(c.ID)
		if err != nil {
			t.Fatal(err)
		}
		bySerial[c.SerialNumber] = info.DER
	}
	held := certs[len(certs)-1].ID
	content := sandbox.MatchContent()
	w.srv.InjectFaults(sandbox.Fault{Kind: sandbox.FaultStall, Stall: time.Hour, Times: 100, Match: func(r *http.Request) bool {
		return content(r) && slices.Contains(strings.Split(r.URL.Query().Get("filter[id]"), ","), held)
	}})

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

	// Interrupt once the first file is written (its line is printed).
	select {
	case <-firstLine:
	case err := <-exited:
		t.Fatalf("asckeys %s ended before the interrupt: %v\n%s", strings.Join(args, " "), err, stderr.String())
	case <-time.After(2 * time.Minute): // a hang guard, not a timing assertion
		_ = cmd.Process.Kill()
		t.Fatal("no certificate was downloaded within two minutes")
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	interrupted := time.Now()
	var waitErr error
	select {
	case waitErr = <-exited:
		// The held request would have lasted an hour: only the interrupt
		// can have ended the command.
		t.Logf("asckeys stopped %s after Ctrl-C", time.Since(interrupted))
	case <-time.After(time.Minute): // a hang guard: a command that ignores Ctrl-C waits the hour out
		_ = cmd.Process.Kill()
		t.Fatal("asckeys did not stop after Ctrl-C while App Store Connect held a request")
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

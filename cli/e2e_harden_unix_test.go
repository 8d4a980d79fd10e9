//go:build !windows

package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox"
)

const hostileKeyID = "X;touch${IFS}~/PWNED;#"

// TestEndToEndHostileKeyIDs: a fastlane file whose Key ID could run a
// command where it is exported is refused, nothing stored; one the user
// typed is linked with a warning but never exported; and the suggested
// verify command is quoted for the shell.
func TestEndToEndHostileKeyIDs(t *testing.T) {
	w := newWorld(t, sandbox.Config{Seed: 21})
	key := w.srv.NewKey(core.KindTeam, sandbox.RoleAdmin)
	p8 := w.writeKey(key)
	in, _ := json.Marshal(map[string]any{"key_id": hostileKeyID, "issuer_id": key.IssuerID, "key": string(key.PEM)})
	fl := filepath.Join(w.dir, "api_key.json")
	if err := os.WriteFile(fl, in, 0o600); err != nil {
		t.Fatal(err)
	}
	w.fails(1, []string{"keys", "import", fl, "--no-verify"}, "key_id", "10 upper-case letters and digits")
	if r := w.ok("keys", "list"); !strings.Contains(r.stdout, "No key is linked") {
		t.Fatalf("a refused key was stored:\n%s", r.stdout)
	}

	name := "Bob's key"
	r := w.ok("keys", "add", "--p8", p8, "--issuer-id", key.IssuerID, "--key-id", hostileKeyID, "--name", name, "--no-verify")
	if !strings.Contains(r.stderr, "warning:") {
		t.Errorf("a typed unusual Key ID got no warning: %q", r.stderr)
	}
	if want := `asckeys keys verify 'Bob'\''s key'`; !strings.Contains(r.stdout, want) {
		t.Errorf("keys add suggests %q, want the name quoted for the shell: %s", r.stdout, want)
	}
	for _, format := range []string{"env-fastlane", "env-codemagic", "fastlane"} {
		r := w.fails(1, []string{"keys", "export", name, "--format", format}, "not exported", "10 upper-case letters and digits")
		if r.stdout != "" {
			t.Errorf("export --format %s printed %q", format, r.stdout)
		}
	}
}

// TestEndToEndExportWritesOnlyRegularFiles: --out onto a device, or a
// symbolic link to a file, is refused in one line and nothing is replaced;
// --out - prints.
func TestEndToEndExportWritesOnlyRegularFiles(t *testing.T) {
	w := newWorld(t, sandbox.Config{Seed: 22})
	key := w.srv.NewKey(core.KindTeam, sandbox.RoleAdmin)
	w.ok("keys", "add", "--p8", w.writeKey(key), "--issuer-id", key.IssuerID, "--no-verify", "--name", "CI")
	target := filepath.Join(w.dir, "kept.json")
	if err := os.WriteFile(target, []byte("kept"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(w.dir, "link.json")
	devLink := filepath.Join(w.dir, "stdout")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/null", devLink); err != nil {
		t.Fatal(err)
	}
	outs := map[string]string{link: "symbolic link", devLink: "symbolic link"}
	if dev := filepath.Join(w.dir, "null"); syscall.Mknod(dev, syscall.S_IFCHR|0o666, 1<<8|3) == nil {
		outs[dev] = "device" // a device of the test's own: /dev/null itself is never risked as root
	} else if os.Geteuid() != 0 {
		outs["/dev/null"] = "device"
	}
	for out, kind := range outs {
		before, _ := os.Lstat(out)
		r := w.fails(1, []string{"keys", "export", "CI", "--format", "fastlane", "--out", out}, out, kind, "regular file or a new path")
		if strings.Count(r.stderr, "writing") > 1 {
			t.Errorf("the error repeats itself: %q", r.stderr)
		}
		if after, err := os.Lstat(out); err != nil || !os.SameFile(before, after) || after.Mode() != before.Mode() {
			t.Errorf("%s was replaced", out)
		}
	}
	if got, _ := os.ReadFile(target); string(got) != "kept" {
		t.Errorf("the link's target was written: %q", got)
	}
	r := w.ok("keys", "export", "CI", "--format", "env-fastlane", "--out", "-")
	if vars := parseEnv(t, r.stdout); vars["APP_STORE_CONNECT_API_KEY_KEY_ID"] != key.KeyID {
		t.Errorf("--out - printed %q", r.stdout)
	}
	if _, err := os.Stat("-"); err == nil {
		t.Error("--out - wrote a file named -")
	}
}

// TestEndToEndListNamesKeychainFailures: with the real Secret Service locked
// (a fresh gnome-keyring-daemon that was never unlocked) or no session bus
// at all, `keys list --check` says so, once with the remedy on stderr, and
// does not tell the user to add a key that is fine again. (Without --check,
// `keys list` tells the keychain's last answer and asks it nothing.)
func TestEndToEndListNamesKeychainFailures(t *testing.T) {
	w := newWorld(t, sandbox.Config{Seed: 23})
	key := w.srv.NewKey(core.KindTeam, sandbox.RoleAdmin)
	w.ok("keys", "add", "--p8", w.writeKey(key), "--issuer-id", key.IssuerID, "--no-verify")

	noBus := w.run([]string{"keys", "list", "--check"}, "DBUS_SESSION_BUS_ADDRESS=unix:path="+filepath.Join(w.dir, "no-bus"))
	if noBus.code != 0 || !strings.Contains(noBus.stdout, "no keychain running") || strings.Contains(noBus.stdout, ".p8") {
		t.Errorf("keys list without a session bus: exit %d\n%s%s", noBus.code, noBus.stdout, noBus.stderr)
	}

	for _, tool := range []string{"dbus-run-session", "gnome-keyring-daemon"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed for a locked keyring: %v", tool, err)
		}
	}
	tmp := t.TempDir()
	data, rundir := filepath.Join(tmp, "data"), filepath.Join(tmp, "run")
	for _, d := range []string{data, rundir} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "dbus-run-session", "--", "sh", "-c",
		`gnome-keyring-daemon --start --components=secrets >/dev/null 2>&1; exec "$0" keys list --check`, binary(t))
	cmd.Env = append(append([]string{}, w.env...), "XDG_DATA_HOME="+data, "XDG_RUNTIME_DIR="+rundir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("keys list with a locked keyring: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "keychain locked") || strings.Contains(stdout.String(), ".p8") || !strings.Contains(stderr.String(), "unlock it") {
		t.Errorf("keys list with a locked keyring:\n%s%s", stdout.String(), stderr.String())
	}
}

// TestEndToEndSpecialFilesAnswerInOneLine: /dev/zero or a named pipe as the
// key file, and a named pipe as keys.json or its lock, each get one clear
// line and exit status 1, with nothing stored, instead of a read that fills
// memory or an open that waits forever. w.run's deadline is the hang guard.
func TestEndToEndSpecialFilesAnswerInOneLine(t *testing.T) {
	w := newWorld(t, sandbox.Config{Seed: 24})
	key := w.srv.NewKey(core.KindTeam, sandbox.RoleAdmin)
	fifo := filepath.Join(w.dir, "AuthKey_ABCDE12345.p8")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	jsonFifo := filepath.Join(w.dir, "api_key.json")
	if err := syscall.Mkfifo(jsonFifo, 0o600); err != nil {
		t.Fatal(err)
	}
	w.fails(1, []string{"keys", "add", "--p8", "/dev/zero", "--issuer-id", key.IssuerID, "--no-verify"}, "/dev/zero is a device")
	w.fails(1, []string{"keys", "add", "--p8", fifo, "--issuer-id", key.IssuerID, "--no-verify"}, fifo, "named pipe")
	w.fails(1, []string{"keys", "import", jsonFifo, "--no-verify"}, jsonFifo, "named pipe")
	if r := w.ok("keys", "list"); !strings.Contains(r.stdout, "No key is linked") {
		t.Fatalf("something was stored:\n%s", r.stdout)
	}

	folder := filepath.Join(w.dir, "config", "asckeys")
	for _, name := range []string{"keys.json", "keys.json.lock"} {
		p := filepath.Join(folder, name)
		_ = os.Remove(p)
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			t.Fatal(err)
		}
		w.fails(1, []string{"keys", "add", "--p8", w.writeKey(key), "--issuer-id", key.IssuerID, "--no-verify"}, p, "named pipe", "move it aside")
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
	if r := w.ok("keys", "list"); !strings.Contains(r.stdout, "No key is linked") {
		t.Fatalf("something was stored:\n%s", r.stdout)
	}
}

// TestEndToEndCtrlCWhileWaitingForTheLock: another process holds the key
// list's lock; once the binary waits for it (it has the lock file open),
// Ctrl-C ends it with one line and exit status 1, the key list unchanged.
func TestEndToEndCtrlCWhileWaitingForTheLock(t *testing.T) {
	w := newWorld(t, sandbox.Config{Seed: 25})
	key := w.srv.NewKey(core.KindTeam, sandbox.RoleAdmin)
	w.ok("keys", "add", "--p8", w.writeKey(key), "--issuer-id", key.IssuerID, "--no-verify", "--name", "Old")
	lockPath := filepath.Join(w.dir, "config", "asckeys", "keys.json.lock")
	lock, err := os.OpenFile(lockPath, os.O_CREATE|os.O_RDONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(binary(t), "keys", "rename", "Old", "New")
	cmd.Env = w.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	guard := time.After(2 * time.Minute) // a hang guard, not a timing assert
	// Waiting for the lock means the lock file is open: past main's start,
	// where the signal handler is installed.
	for !hasOpen(cmd.Process.Pid, lockPath) {
		select {
		case err := <-exited:
			t.Fatalf("the binary ended before waiting for the lock: %v\n%s%s", err, stdout.String(), stderr.String())
		case <-guard:
			t.Fatal("the binary never opened the lock file")
		case <-time.After(10 * time.Millisecond):
		}
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-guard:
		_ = cmd.Process.Kill()
		t.Fatal("Ctrl-C did not end the binary")
	}
	line := strings.TrimRight(stderr.String(), "\n")
	if code := cmd.ProcessState.ExitCode(); code != 1 || line == "" || strings.Contains(line, "\n") || stdout.Len() != 0 {
		t.Errorf("after Ctrl-C: exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
	syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if r := w.ok("keys", "list"); !strings.Contains(r.stdout, "Old") {
		t.Errorf("the interrupted rename changed the list:\n%s", r.stdout)
	}
}

// hasOpen reports whether process pid has path open (Linux's /proc).
func hasOpen(pid int, path string) bool {
	fds, _ := filepath.Glob(filepath.Join("/proc", strconv.Itoa(pid), "fd", "*"))
	for _, fd := range fds {
		if target, err := os.Readlink(fd); err == nil && target == path {
			return true
		}
	}
	return false
}

// TestEndToEndOldKeysJSONPrintsSafely: a keys.json written before names and
// errors were stored through core.SafeText (or edited by hand) cannot drive
// the terminal or reorder text when the command line prints it.
func TestEndToEndOldKeysJSONPrintsSafely(t *testing.T) {
	w := newWorld(t, sandbox.Config{Seed: 26})
	folder := filepath.Join(w.dir, "config", "asckeys")
	if err := os.MkdirAll(folder, 0o700); err != nil {
		t.Fatal(err)
	}
	doc := `{"schemaVersion":1,"keys":[{"id":"00000000000000aa","name":"evil\u001b[2J\u202etxt","keyId":"ABCDE12345","kind":"individual","addedAt":"2025-01-01T00:00:00Z","fingerprint":"ab","lastError":"Apple said: \u001b]0;owned\u0007\nline two","lastErrorAt":"2025-01-02T00:00:00Z"}]}`
	if err := os.WriteFile(filepath.Join(folder, "keys.json"), []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"keys", "list"}, {"keys", "list", "--json"}, {"keys", "verify", "ABCDE12345"}, {"keys", "export", "ABCDE12345", "--format", "fastlane"}} {
		r := w.run(args)
		if out := r.stdout + r.stderr; strings.ContainsAny(out, "\x1b\x07\u202e") || strings.Contains(out, `\u001b`) {
			t.Errorf("asckeys %s printed raw control or bidi characters: %q", strings.Join(args, " "), out)
		}
	}
}

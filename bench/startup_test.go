//go:build unix

package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox"
)

// Figure 4 runs the real binary, built without the race detector, named by
// ASCKEYS_BENCH_BINARY (scripts/bench.sh builds it). The keychain is the one
// of the session the benchmarks run in: scripts/bench.sh runs them in a
// throwaway D-Bus session with a GNOME Keyring unlocked by a throwaway
// password. Every process gets a throwaway HOME and XDG folders, and a
// keychain service of its own, so nothing of the user's is read or touched.

// binaryVar names the environment variable with the binary's path.
const binaryVar = "ASCKEYS_BENCH_BINARY"

// settle is how long a window is left running after its first frame before
// it is closed, so that its peak memory includes the first frames.
const settle = time.Second

func benchBinary(b *testing.B) string {
	bin := os.Getenv(binaryVar)
	if bin == "" {
		b.Skipf("%s is not set: scripts/bench.sh builds the binary and sets it", binaryVar)
	}
	abs, err := filepath.Abs(bin)
	if err != nil {
		b.Fatal(err)
	}
	return abs
}

// appHome is a throwaway home for the binary: HOME and XDG folders inside a
// temporary folder, a keychain service name of its own, English messages.
type appHome struct {
	dir string
	env []string
}

func newAppHome(b *testing.B) *appHome {
	dir := b.TempDir()
	env := []string{}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case k == "HOME", k == "LANG", k == "LC_ALL", strings.HasPrefix(k, "XDG_CONFIG"), strings.HasPrefix(k, "XDG_CACHE"),
			strings.HasPrefix(k, "XDG_STATE"), strings.HasPrefix(k, "ASCKEYS_"):
			continue
		}
		env = append(env, kv)
	}
	for _, sub := range []string{"home", "config", "cache", "state"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			b.Fatal(err)
		}
	}
	env = append(env,
		"HOME="+filepath.Join(dir, "home"),
		"XDG_CONFIG_HOME="+filepath.Join(dir, "config"),
		"XDG_CACHE_HOME="+filepath.Join(dir, "cache"),
		"XDG_STATE_HOME="+filepath.Join(dir, "state"),
		"LANG=en_US.UTF-8",
		fmt.Sprintf("ASCKEYS_KEYCHAIN_SERVICE=io.asckeys.bench.%d.%d", os.Getpid(), time.Now().UnixNano()),
	)
	return &appHome{dir: dir, env: env}
}

// runnerVar, when set in the environment of the benchmark program itself,
// makes it a runner (see TestMain): it runs the command in its arguments and
// writes the command's wall time and peak memory to the file the variable
// names.
const runnerVar = "ASCKEYS_BENCH_RUNNER_OUT"

// The peak memory of a child as getrusage reports it is at least the
// resident size of the process that started it: Go starts children with
// vfork, so the child runs in its parent's memory until it execs, and Linux
// counts that memory's high-water mark as the child's. The benchmark program,
// with a sandbox's data in memory, weighs more than the command it measures,
// so commands are started by a runner: the benchmark program started afresh
// (see TestMain), which execs the command before it does anything else.

// runCommand runs args with the runner's environment (less runnerVar), its
// output going to the runner's, and writes "<wall ns> <peak KiB>" to out.
func runCommand(out string, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "runner: no command")
		return 2
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, runnerVar+"=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if cmd.ProcessState == nil {
		fmt.Fprintln(os.Stderr, "runner:", err)
		return 2
	}
	if werr := os.WriteFile(out, fmt.Appendf(nil, "%d %d\n", wall.Nanoseconds(), maxRSS(cmd)), 0o600); werr != nil {
		fmt.Fprintln(os.Stderr, "runner:", werr)
		return 2
	}
	return cmd.ProcessState.ExitCode()
}

// run runs the binary to its end through a runner and returns its wall time
// (from its start to its exit, measured by the runner), its peak memory in
// KiB and its output.
func (h *appHome) run(ctx context.Context, bin string, args ...string) (time.Duration, int64, string, error) {
	self, err := os.Executable()
	if err != nil {
		return 0, 0, "", err
	}
	res := filepath.Join(h.dir, "runner.out")
	cmd := exec.CommandContext(ctx, self, append([]string{bin}, args...)...)
	cmd.Env = append(h.env, runnerVar+"="+res)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return 0, 0, out.String(), fmt.Errorf("asckeys %s: %v: %s", strings.Join(args, " "), err, out.String())
	}
	data, err := os.ReadFile(res)
	if err != nil {
		return 0, 0, "", err
	}
	var wall time.Duration
	var peak int64
	if _, err := fmt.Sscan(string(data), &wall, &peak); err != nil {
		return 0, 0, "", fmt.Errorf("the runner wrote %q: %v", data, err)
	}
	return wall, peak, out.String(), nil
}

// maxRSS is the peak resident memory of a finished child, in KiB.
func maxRSS(cmd *exec.Cmd) int64 {
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		if runtime.GOOS == "darwin" {
			return int64(ru.Maxrss) / 1024 // bytes there
		}
		return int64(ru.Maxrss)
	}
	return 0
}

// vmHWM is the peak resident memory of a running process, in KiB: VmHWM in
// /proc/PID/status, which belongs to the memory of the program it runs now,
// so unlike getrusage it does not count its parent's.
func vmHWM(pid int) (int64, error) { return procStatusKiB(pid, "VmHWM") }

// vmRSS is the resident memory of a running process now, in KiB.
func vmRSS(pid int) (int64, error) { return procStatusKiB(pid, "VmRSS") }

// procStatusKiB reads one "NAME: N kB" field of /proc/PID/status.
func procStatusKiB(pid int, field string) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			var kib int64
			_, err := fmt.Sscanf(strings.TrimSpace(v), "%d kB", &kib)
			return kib, err
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

// startXvfb starts a virtual X server for the benchmark and returns its
// display name.
func startXvfb(b *testing.B) string {
	if _, err := exec.LookPath("Xvfb"); err != nil {
		b.Skip("Xvfb is missing: run 'make deps-test'")
	}
	r, w, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	// -displayfd picks a free display and writes its number to fd 3;
	// -noreset keeps the server up between the app's runs.
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp", "-noreset",
		"-br") // a black root: a window not yet painted is one colour, not the root's weave
	cmd.ExtraFiles = []*os.File{w}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	w.Close()
	b.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case n := <-line:
		if n == "" {
			b.Fatal("Xvfb did not say which display it uses")
		}
		return ":" + n
	case <-time.After(10 * time.Second):
		b.Fatal("Xvfb did not start within 10 s")
	}
	return ""
}

// windowStart is one start of the window.
type windowStart struct {
	shown, frame time.Duration // from process start
	maxRSS       int64         // KiB, after settle
}

// startWindow starts the binary with args on display, waits for its window
// titled title to appear and for its first frame, lets it run for settle,
// then ends it with SIGTERM, as a desktop does at log-out.
func startWindow(b *testing.B, x *xWatcher, h *appHome, bin, display, title string, args ...string) windowStart {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(h.env, "DISPLAY="+display)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	exited := make(chan error, 1)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	go func() { exited <- cmd.Wait() }()
	deadline := start.Add(60 * time.Second)
	alive := func() error {
		select {
		case err := <-exited:
			exited <- err
			return fmt.Errorf("the app exited (%v) before its first frame: %s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			return errors.New("no window within 60 s")
		}
		return nil
	}
	fail := func(err error) {
		_ = cmd.Process.Kill()
		<-exited
		b.Fatal(err)
	}
	w, err := x.waitWindow(title, 2*time.Millisecond, alive)
	if err != nil {
		fail(err)
	}
	var ws windowStart
	ws.shown = time.Since(start)
	if err := x.waitPainted(w, 2*time.Millisecond, alive); err != nil {
		fail(err)
	}
	ws.frame = time.Since(start)
	time.Sleep(settle)
	if ws.maxRSS, err = vmHWM(cmd.Process.Pid); err != nil {
		fail(err)
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			b.Fatalf("the app ended with %v after SIGTERM: %s", err, out.String())
		}
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
		b.Fatalf("the app did not end within 10 s of SIGTERM: %s", out.String())
	}
	return ws
}

// BenchmarkStartupWindow is figure 4's window: process start to the window
// shown and to its first frame (the first time it shows more than one
// colour), under Xvfb with Mesa's software renderer, with an empty vault,
// with 20 keys, and for `asckeys demo` (an in-process sandbox whose lists
// load after the frame); and the peak memory of the process after a second
// of running.
func BenchmarkStartupWindow(b *testing.B) {
	bin := benchBinary(b)
	if !xSupported {
		b.Skip(errNoX)
	}
	display := startXvfb(b)
	x, err := openX(display)
	if err != nil {
		b.Fatal(err)
	}
	defer x.close()
	for _, c := range []struct {
		name, title string
		args        []string
		home        func(*testing.B) *appHome
	}{
		{"empty", core.AppName, nil, newAppHome},
		{"keys-20", core.AppName, nil, func(b *testing.B) *appHome { return homeWithKeys(b, bin) }},
		{"demo", core.AppName + " (demo)", []string{"demo"}, newAppHome},
	} {
		b.Run(c.name, func(b *testing.B) {
			h := c.home(b)
			var shown, frame durations
			var rss []int64
			for b.Loop() {
				ws := startWindow(b, x, h, bin, display, c.title, c.args...)
				shown = append(shown, ws.shown)
				frame = append(frame, ws.frame)
				rss = append(rss, ws.maxRSS)
			}
			b.ReportMetric(ms(shown.median()), "shown-median-ms")
			b.ReportMetric(ms(shown.max()), "shown-max-ms")
			b.ReportMetric(ms(frame.median()), "frame-median-ms")
			b.ReportMetric(ms(frame.max()), "frame-max-ms")
			b.ReportMetric(float64(medianInt(rss)), "maxrss-KiB")
			b.ReportMetric(float64(len(frame)), "runs")
		})
	}
}

// keyCount is how many keys the second `keys list` run finds.
const keyCount = 20

// BenchmarkStartupCLI is figure 4's command line: `asckeys keys list` with
// an empty vault and with 20 keys (telling the keychain's last answer, kept
// when each key was stored; and with --check, asking the keychain for each),
// against `asckeys --version`, the bare start of the binary.
func BenchmarkStartupCLI(b *testing.B) {
	bin := benchBinary(b)
	ctx := context.Background()
	// What the runner itself weighs when it execs a command: the least a
	// peak it reports can be.
	truePath, err := exec.LookPath("true")
	if err != nil {
		b.Fatal(err)
	}
	_, floor, _, err := newAppHome(b).run(ctx, truePath)
	if err != nil {
		b.Fatal(err)
	}
	withKeys := func(b *testing.B) *appHome { return homeWithKeys(b, bin) }
	for _, c := range []struct {
		name  string
		home  func(*testing.B) *appHome
		args  []string
		check func(out string) error
	}{
		{"version", newAppHome, []string{"--version"}, nil},
		{"keys-list-empty", newAppHome, []string{"keys", "list"}, func(out string) error {
			if !strings.Contains(out, "No key is linked yet") {
				return fmt.Errorf("an empty vault listed: %s", out)
			}
			return nil
		}},
		{"keys-list-20", withKeys, []string{"keys", "list"}, func(out string) error {
			if n := strings.Count(out, "Bench key"); n != keyCount || strings.Contains(out, "missing") || strings.Contains(out, "warning") ||
				!strings.Contains(out, "as last found in the keychain") {
				return fmt.Errorf("listed %d of %d keys, or a key without its private key, or no age of the keychain's answer: %s", n, keyCount, out)
			}
			return nil
		}},
		{"keys-list-20-check", withKeys, []string{"keys", "list", "--check"}, func(out string) error {
			if n := strings.Count(out, "Bench key"); n != keyCount || strings.Contains(out, "missing") || strings.Contains(out, "warning") {
				return fmt.Errorf("listed %d of %d keys, or a key without its private key: %s", n, keyCount, out)
			}
			return nil
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			h := c.home(b)
			var walls durations
			var rss []int64
			for b.Loop() {
				wall, peak, out, err := h.run(ctx, bin, c.args...)
				if err != nil {
					b.Fatal(err)
				}
				if c.check != nil {
					if err := c.check(out); err != nil {
						b.Fatal(err)
					}
				}
				walls = append(walls, wall)
				rss = append(rss, peak)
			}
			b.ReportMetric(ms(walls.median()), "wall-median-ms")
			b.ReportMetric(ms(walls.max()), "wall-max-ms")
			b.ReportMetric(float64(medianInt(rss)), "maxrss-KiB")
			b.ReportMetric(float64(floor), "runner-floor-KiB")
			b.ReportMetric(float64(len(walls)), "runs")
		})
	}
}

// homeWithKeys is a throwaway home whose vault holds keyCount keys, added
// by the binary (their private keys in the session's keychain), pointed at a
// loopback port where nothing listens, so a window that opens one asks
// nobody.
func homeWithKeys(b *testing.B, bin string) *appHome {
	ctx := context.Background()
	h := newAppHome(b)
	h.env = append(h.env, "ASCKEYS_API_URL=http://127.0.0.1:9/asc")
	dir := b.TempDir()
	for i := range keyCount {
		k := sandbox.NewTestKey(core.KindTeam, sandbox.RoleAdmin)
		p8 := filepath.Join(dir, "AuthKey_"+k.KeyID+".p8")
		if err := os.WriteFile(p8, k.PEM, 0o600); err != nil {
			b.Fatal(err)
		}
		if _, _, _, err := h.run(ctx, bin, "keys", "add", "--p8", p8, "--issuer-id", k.IssuerID,
			"--name", fmt.Sprintf("Bench key %02d", i+1), "--no-verify"); err != nil {
			b.Fatal(err)
		}
	}
	return h
}

func medianInt(v []int64) int64 {
	d := make(durations, len(v))
	for i, x := range v {
		d[i] = time.Duration(x)
	}
	return int64(d.median())
}

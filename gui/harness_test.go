package gui

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox"
	"github.com/asckeys/asckeys/storage"
)

// Fyne's test driver runs fyne.Do at once on the calling goroutine, so a UI
// update from a background goroutine would run beside the test's own reads
// of the widgets. uiLoop restores what the real driver guarantees: one UI
// goroutine that runs every fyne.Do callback, in order. Tests touch widgets
// only through harness.do, on that goroutine; the race detector then
// reports any UI update that bypasses fyne.Do, as it would in the app.
type uiLoop struct {
	fyne.Driver
	mu      sync.Mutex
	cond    *sync.Cond
	queue   []func()
	stopped bool
	done    chan struct{}
	gid     atomic.Uint64
	// nested counts fyne.DoAndWait calls made on the UI goroutine itself,
	// which deadlock in the real driver.
	nested atomic.Int32
}

func newUILoop(drv fyne.Driver) *uiLoop {
	l := &uiLoop{Driver: drv, done: make(chan struct{})}
	l.cond = sync.NewCond(&l.mu)
	go l.run()
	return l
}

func (l *uiLoop) run() {
	normal := false
	defer func() {
		if !normal {
			// t.Fatal on the UI goroutine ended this one (harness.do then
			// stops the test); keep serving the cleanup's calls.
			go l.run()
			return
		}
		close(l.done)
	}()
	l.gid.Store(goroutineID())
	for {
		l.mu.Lock()
		for len(l.queue) == 0 && !l.stopped {
			l.cond.Wait()
		}
		if len(l.queue) == 0 {
			l.mu.Unlock()
			normal = true
			return
		}
		f := l.queue[0]
		l.queue = l.queue[1:]
		l.mu.Unlock()
		f()
	}
}

func (l *uiLoop) enqueue(f func()) {
	l.mu.Lock()
	l.queue = append(l.queue, f)
	l.mu.Unlock()
	l.cond.Signal()
}

// DoFromGoroutine queues f for the UI goroutine, waiting for it when asked.
func (l *uiLoop) DoFromGoroutine(f func(), wait bool) {
	if !wait {
		l.enqueue(f)
		return
	}
	if goroutineID() == l.gid.Load() {
		l.nested.Add(1)
		f()
		return
	}
	done := make(chan struct{})
	l.enqueue(func() {
		defer close(done)
		f()
	})
	<-done
}

func (l *uiLoop) stop() {
	l.mu.Lock()
	l.stopped = true
	l.mu.Unlock()
	l.cond.Signal()
	<-l.done
}

func goroutineID() uint64 {
	var buf [64]byte
	n := runtime.Stack(buf[:], false)
	f := strings.Fields(strings.TrimPrefix(string(buf[:n]), "goroutine "))
	id, _ := strconv.ParseUint(f[0], 10, 64)
	return id
}

// loopApp is the test app with uiLoop as its driver.
type loopApp struct {
	fyne.App
	loop *uiLoop
}

func (a *loopApp) Driver() fyne.Driver { return a.loop }

// harness is a window on the test driver, with a vault on the in-memory
// keychain and a sandbox App Store Connect over real HTTP.
type harness struct {
	t        testing.TB
	loop     *uiLoop
	srv      *sandbox.Server
	kc       *storage.MemKeychain
	vault    *storage.Vault
	dir      string
	stateDir string
	win      fyne.Window
	u        *ui
	opts     Options
	closed   bool
}

// newHarness starts a sandbox with cfg and an empty vault. The window opens
// with open, so that keys can be linked first.
func newHarness(t testing.TB, cfg sandbox.Config) *harness {
	t.Helper()
	h := &harness{t: t, dir: t.TempDir()}
	h.stateDir = filepath.Join(h.dir, "state")
	h.srv = sandbox.StartTest(t, cfg)
	h.kc = storage.NewMemKeychain()
	v, err := storage.Open(storage.Options{Dir: filepath.Join(h.dir, "config"), Keychain: h.kc})
	if err != nil {
		t.Fatalf("opening the vault: %v", err)
	}
	h.vault = v
	a := test.NewTempApp(t)
	h.loop = newUILoop(a.Driver())
	fyne.SetCurrentApp(&loopApp{App: a, loop: h.loop})
	h.opts = Options{
		Title: "ASC Keys (test)",
		Vault: v,
		NewClient: func(c core.Credentials) *core.Client {
			return core.NewClient(c, core.WithBaseURL(h.srv.BaseURLFor(c.Kind)),
				core.WithRetry(core.RetryPolicy{MaxAttempts: 2, BaseDelay: 10 * time.Millisecond}))
		},
		StateDir:    h.stateDir,
		DownloadDir: filepath.Join(h.dir, "downloads"),
	}
	t.Cleanup(h.close)
	return h
}

// link adds a key made by the sandbox to the vault, as if added before.
func (h *harness) link(name string, kind core.KeyKind, role sandbox.Role) (storage.Key, sandbox.TestKey) {
	h.t.Helper()
	tk := h.srv.NewKey(kind, role)
	k, _, err := h.vault.Add(context.Background(), storage.NewKey{Name: name, KeyID: tk.KeyID, IssuerID: tk.IssuerID, Kind: kind, Data: tk.PEM})
	if err != nil {
		h.t.Fatalf("linking %s: %v", name, err)
	}
	return k, tk
}

// open builds the window as main does, on the UI goroutine.
func (h *harness) open() {
	h.t.Helper()
	h.do(func() {
		h.win = test.NewWindow(nil)
		h.u = newUI(fyne.CurrentApp(), h.win, h.opts)
		h.win.SetContent(h.u.buildUI())
		h.win.Resize(fyne.NewSize(1180, 740))
		h.u.start()
	})
}

// close closes the window, waits for its background work and stops the UI
// goroutine, so nothing of one test runs into the next. A benchmark closes
// each run's harness itself; the cleanup's close then does nothing.
func (h *harness) close() {
	if h.closed {
		return
	}
	h.closed = true
	if h.u != nil {
		h.do(func() { h.win.Close() })
		h.u.wait()
		h.do(func() {}) // run what the last background work queued
	}
	h.loop.stop()
	if n := h.loop.nested.Load(); n > 0 {
		h.t.Errorf("fyne.DoAndWait was called %d times on the UI goroutine: that deadlocks the real driver", n)
	}
}

// do runs f on the UI goroutine and waits for it. A t.Fatal inside f ends
// the test here, on the test's goroutine, as testing requires.
func (h *harness) do(f func()) {
	completed := false
	h.loop.DoFromGoroutine(func() {
		f()
		completed = true
	}, true)
	if !completed {
		h.t.FailNow()
	}
}

// waitTimeout bounds every wait: generous, since a loaded CI machine may be
// slow, and never part of what a test asserts.
const waitTimeout = 30 * time.Second

// waitFor polls cond on the UI goroutine until it holds, failing the test
// with what after waitTimeout. describe, if set, says what was seen instead.
func (h *harness) waitFor(what string, cond func() bool, describe ...func() string) {
	h.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		var ok bool
		h.do(func() { ok = cond() })
		if ok {
			return
		}
		if time.Now().After(deadline) {
			msg := ""
			for _, d := range describe {
				h.do(func() { msg += "\n" + d() })
			}
			h.t.Fatalf("timed out waiting for %s%s", what, msg)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// read returns a value computed on the UI goroutine.
func read[T any](h *harness, f func() T) T {
	var v T
	h.do(func() { v = f() })
	return v
}

// screenText is every text a person can read in the window, dialogs
// included. Call it on the UI goroutine.
func (h *harness) screenText() string {
	parts := texts(h.win.Canvas().Content())
	for _, o := range h.win.Canvas().Overlays().List() {
		parts = append(parts, texts(o)...)
	}
	return strings.Join(parts, "\n")
}

// writeFile writes a file for a test to drop or choose.
func (h *harness) writeFile(name string, data []byte) string {
	h.t.Helper()
	p := filepath.Join(h.dir, "files", name)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		h.t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o600); err != nil {
		h.t.Fatal(err)
	}
	return p
}

//go:build unix

package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/asckeys/asckeys/core"
)

// BenchmarkWindowLargeAccount is figure 4's memory of a large account: the
// window of the real binary (Xvfb, software GL) opens a key of the large
// account (5,000 profiles, 2,000 certificates, 1,000 devices, 500 bundle
// IDs) served by a sandbox process at 100 ms a request, no list cached;
// once the sandbox has answered every list and been idle for a second, and
// a second more has passed, the process's peak and current resident memory
// are read. The target is under 250 MiB.
func BenchmarkWindowLargeAccount(b *testing.B) {
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
	cfg := largeAccount
	cfg.Latency = latency
	srv := startRemoteSandbox(b, cfg)
	var peaks, rss []int64
	var loaded durations
	requests := 0
	for b.Loop() {
		h := newAppHome(b)
		h.env = append(h.env, "ASCKEYS_API_URL="+srv.url)
		p8 := filepath.Join(b.TempDir(), "AuthKey_"+srv.key.KeyID+".p8")
		if err := os.WriteFile(p8, srv.key.PEM, 0o600); err != nil {
			b.Fatal(err)
		}
		if _, _, out, err := h.run(context.Background(), bin, "keys", "add", "--p8", p8, "--issuer-id", srv.key.IssuerID,
			"--name", "Large team", "--no-verify"); err != nil {
			b.Fatal(err, out)
		}
		srv.reset(b)
		peak, now, took, n := openLargeWindow(b, x, h, bin, display, srv)
		peaks, rss, loaded = append(peaks, peak), append(rss, now), append(loaded, took)
		requests = max(requests, n)
	}
	b.ReportMetric(float64(medianInt(peaks)), "maxrss-KiB")
	b.ReportMetric(float64(medianInt(rss)), "rss-KiB")
	b.ReportMetric(ms(loaded.median()), "loaded-median-ms")
	b.ReportMetric(float64(requests), "requests")
	b.ReportMetric(float64(len(peaks)), "runs")
}

// openLargeWindow starts the window, waits for its first frame and for the
// sandbox to have answered every list, and returns the process's peak and
// current resident memory in KiB, the time from start to the lists loaded,
// and the requests the sandbox answered.
func openLargeWindow(b *testing.B, x *xWatcher, h *appHome, bin, display string, srv *remoteSandbox) (int64, int64, time.Duration, int) {
	cmd := exec.Command(bin)
	cmd.Env = append(h.env, "DISPLAY="+display)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	exited := make(chan error, 1)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}()
	deadline := start.Add(2 * time.Minute)
	alive := func() error {
		select {
		case err := <-exited:
			exited <- err
			return fmt.Errorf("the app exited (%v): %s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			return errors.New("not loaded within 2 minutes")
		}
		return nil
	}
	w, err := x.waitWindow(core.AppName, 2*time.Millisecond, alive)
	if err != nil {
		b.Fatal(err)
	}
	if err := x.waitPainted(w, 2*time.Millisecond, alive); err != nil {
		b.Fatal(err)
	}
	// Loaded: the sandbox has answered requests and been idle for a second.
	last, idleSince := -1, time.Now()
	var loadedAt time.Time
	for {
		if err := alive(); err != nil {
			b.Fatal(err)
		}
		st := srv.statsAfter(b, 0)
		if st.Requests != last || st.InFlight > 0 {
			last, idleSince = st.Requests, time.Now()
			loadedAt = time.Time{}
		} else if loadedAt.IsZero() {
			loadedAt = time.Now()
		}
		if last >= 40 && time.Since(idleSince) >= time.Second {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	took := idleSince.Sub(start)
	time.Sleep(settle)
	peak, err := vmHWM(cmd.Process.Pid)
	if err != nil {
		b.Fatal(err)
	}
	now, err := vmRSS(cmd.Process.Pid)
	if err != nil {
		b.Fatal(err)
	}
	return peak, now, took, last
}

package cli

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// ExitInterrupted is the status of a program ended by a second Ctrl-C (128 +
// SIGINT, as shells report it).
const ExitInterrupted = 130

// WithInterrupt returns a context that the first SIGINT or SIGTERM cancels,
// so the work under way stops cleanly and says so. A second one ends the
// program at once with ExitInterrupted, printing nothing: for work that does
// not stop (a read that never looks at the context), so that Ctrl-C always
// works. stop releases the signals.
func WithInterrupt(parent context.Context) (ctx context.Context, stop func()) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	ctx, release := onInterrupt(parent, sigs, os.Exit)
	return ctx, func() {
		signal.Stop(sigs)
		release()
	}
}

// onInterrupt is WithInterrupt on a channel of signals, with exit to call.
func onInterrupt(parent context.Context, sigs <-chan os.Signal, exit func(int)) (context.Context, func()) {
	ctx, cancel := context.WithCancel(parent)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
			cancel()
		case <-done:
			return
		}
		select {
		case <-sigs:
			exit(ExitInterrupted)
		case <-done:
		}
	}()
	return ctx, func() {
		close(done)
		cancel()
	}
}

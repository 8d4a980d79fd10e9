package cli

import (
	"context"
	"os"
	"testing"
	"time"
)

// TestSecondInterruptExitsAtOnce: the first Ctrl-C cancels the work and
// lets it end by itself; a second one, for work that does not stop (a read
// that never looks at the context), ends the program with status 130.
func TestSecondInterruptExitsAtOnce(t *testing.T) {
	sigs := make(chan os.Signal)
	exited := make(chan int, 1)
	ctx, stop := onInterrupt(context.Background(), sigs, func(code int) { exited <- code })
	defer stop()

	sigs <- os.Interrupt // unbuffered: received once this returns
	<-ctx.Done()
	select {
	case code := <-exited:
		t.Fatalf("the first interrupt exited with %d", code)
	default:
	}
	sigs <- os.Interrupt
	select {
	case code := <-exited:
		if code != ExitInterrupted || ExitInterrupted != 130 {
			t.Errorf("the second interrupt exited with %d, want 130", code)
		}
	case <-time.After(time.Minute): // a hang guard, not a timing assert
		t.Fatal("the second interrupt did not end the program")
	}
}

// TestInterruptStopReleases: after stop, a signal neither cancels nor exits.
func TestInterruptStopReleases(t *testing.T) {
	sigs := make(chan os.Signal, 1)
	ctx, stop := onInterrupt(context.Background(), sigs, func(code int) { t.Errorf("exit(%d) after stop", code) })
	stop()
	if ctx.Err() == nil {
		t.Error("stop does not cancel the context")
	}
}

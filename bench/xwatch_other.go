//go:build !(linux && cgo)

package bench

import (
	"errors"
	"time"
)

// xWatcher needs Xlib, which figure 4's window measurement reads through
// cgo on Linux only; elsewhere the window benchmark says so and skips.
type xWatcher struct{}

const xSupported = false

var errNoX = errors.New("the window start-up benchmark needs Linux, cgo and Xlib")

func openX(string) (*xWatcher, error) { return nil, errNoX }

func (x *xWatcher) close() {}

func (x *xWatcher) waitWindow(string, time.Duration, func() error) (uint64, error) { return 0, errNoX }

func (x *xWatcher) waitPainted(uint64, time.Duration, func() error) error { return errNoX }

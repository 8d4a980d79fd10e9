//go:build linux && cgo

package bench

/*
#cgo LDFLAGS: -lX11
#include <stdlib.h>
#include <string.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>

// An X error (a window that went away between two calls) must not end the
// process, which Xlib's default handler does.
static int ignoreXError(Display *d, XErrorEvent *e) { return 0; }

static Display *openDisplay(const char *name) {
	XSetErrorHandler(ignoreXError);
	return XOpenDisplay(name);
}

// findWindow returns a viewable top-level window whose WM_NAME is title, or 0.
static Window findWindow(Display *d, const char *title) {
	Window root = DefaultRootWindow(d), parent, *kids = NULL, found = 0;
	unsigned int n = 0;
	if (!XQueryTree(d, root, &root, &parent, &kids, &n)) return 0;
	for (unsigned int i = 0; i < n && !found; i++) {
		XWindowAttributes wa;
		if (!XGetWindowAttributes(d, kids[i], &wa) || wa.map_state != IsViewable) continue;
		char *name = NULL;
		if (XFetchName(d, kids[i], &name) && name) {
			if (strcmp(name, title) == 0) found = kids[i];
			XFree(name);
		}
	}
	if (kids) XFree(kids);
	return found;
}

// painted reports whether the window shows more than one colour: before its
// first frame a GL window under Xvfb is a single colour. -1 means the window
// could not be read.
static int painted(Display *d, Window w) {
	XWindowAttributes wa;
	if (!XGetWindowAttributes(d, w, &wa) || wa.width < 2 || wa.height < 2) return -1;
	XImage *img = XGetImage(d, w, 0, 0, wa.width, wa.height, AllPlanes, ZPixmap);
	if (!img) return -1;
	unsigned long first = XGetPixel(img, 0, 0);
	int more = 0;
	for (int y = 0; y < wa.height && !more; y += 2)
		for (int x = 0; x < wa.width; x += 2)
			if (XGetPixel(img, x, y) != first) { more = 1; break; }
	XDestroyImage(img);
	return more;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"time"
	"unsafe"
)

// xSupported says the window benchmark can run here.
const xSupported = true

var errNoX error // never returned here

// xWatcher watches an X display for a window to appear and to be painted.
type xWatcher struct{ d *C.Display }

func openX(display string) (*xWatcher, error) {
	name := C.CString(display)
	defer C.free(unsafe.Pointer(name))
	d := C.openDisplay(name)
	if d == nil {
		return nil, fmt.Errorf("cannot open X display %s", display)
	}
	return &xWatcher{d}, nil
}

func (x *xWatcher) close() { C.XCloseDisplay(x.d) }

// waitWindow polls every interval until a viewable top-level window titled
// title exists, and returns it.
func (x *xWatcher) waitWindow(title string, interval time.Duration, alive func() error) (uint64, error) {
	t := C.CString(title)
	defer C.free(unsafe.Pointer(t))
	for {
		if w := C.findWindow(x.d, t); w != 0 {
			return uint64(w), nil
		}
		if err := alive(); err != nil {
			return 0, err
		}
		time.Sleep(interval)
	}
}

// waitPainted polls every interval until window w shows more than one
// colour.
func (x *xWatcher) waitPainted(w uint64, interval time.Duration, alive func() error) error {
	for {
		switch C.painted(x.d, C.Window(w)) {
		case 1:
			return nil
		case -1:
			return errors.New("the window could not be read")
		}
		if err := alive(); err != nil {
			return err
		}
		time.Sleep(interval)
	}
}

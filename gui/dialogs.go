package gui

import (
	"context"
	"errors"
	"os"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// dialogs opens this window's dialogs: modals with their own button row,
// messages, and the file and folder choosers. It owns the stack that sends
// Escape and Enter to the topmost dialog, and the queue that shows dialogs
// one after another. Panes that open dialogs get it instead of the window.
type dialogs struct {
	win      fyne.Window
	keyboard keyStack
	queue    dialogQueue
}

func newDialogs(win fyne.Window) *dialogs {
	d := &dialogs{win: win}
	// Keys reach the canvas only when nothing has the focus; dialogs use
	// this for Escape and Enter (their own widgets handle the focused case).
	win.Canvas().SetOnTypedKey(d.keyboard.typedKey)
	return d
}

// focus gives obj the keyboard focus.
func (d *dialogs) focus(obj fyne.Focusable) { d.win.Canvas().Focus(obj) }

// keyStack sends Escape and Enter to the topmost open dialog when no widget
// has the focus (Fyne gives keys to the canvas only then).
type keyStack struct {
	handlers []*keyHandler
}

// keyHandler is what one dialog does on Escape and Enter; nil does nothing.
type keyHandler struct {
	escape, enter func()
}

func (s *keyStack) push(h *keyHandler) {
	s.handlers = append(s.handlers, h)
}

func (s *keyStack) pop(h *keyHandler) {
	for i := len(s.handlers) - 1; i >= 0; i-- {
		if s.handlers[i] == h {
			s.handlers = append(s.handlers[:i], s.handlers[i+1:]...)
			return
		}
	}
}

func (s *keyStack) typedKey(ev *fyne.KeyEvent) {
	if len(s.handlers) == 0 {
		return
	}
	h := s.handlers[len(s.handlers)-1]
	switch ev.Name {
	case fyne.KeyEscape:
		if h.escape != nil {
			h.escape()
		}
	case fyne.KeyReturn, fyne.KeyEnter:
		if h.enter != nil {
			h.enter()
		}
	}
}

// dialogQueue shows dialogs one after another: several files dropped at
// once open one Add New dialog each, the next when the previous closes.
type dialogQueue struct {
	showing bool
	pending []func(done func())
}

// add queues a dialog. show must open it and call done once it has closed.
func (q *dialogQueue) add(show func(done func())) {
	q.pending = append(q.pending, show)
	if !q.showing {
		q.next()
	}
}

func (q *dialogQueue) next() {
	if len(q.pending) == 0 {
		q.showing = false
		return
	}
	show := q.pending[0]
	q.pending = q.pending[1:]
	q.showing = true
	var once bool
	show(func() {
		if once {
			return
		}
		once = true
		q.next()
	})
}

// modal is a dialog of this window: its own button row, aligned to the
// trailing edge as on macOS and Windows, Escape and Enter wired to it, and a
// width that suits text rather than Fyne's narrowest fit.
type modal struct {
	dl      *dialogs
	d       *dialog.CustomDialog
	keys    *keyHandler
	buttons *fyne.Container
	closed  []func()
}

// newModal makes a dialog of content and buttons, width wide. Escape calls
// cancel and Enter calls submit (each may be nil).
func (d *dialogs) newModal(title string, width float32, content fyne.CanvasObject, buttons []fyne.CanvasObject, cancel, submit func()) *modal {
	m := &modal{dl: d, keys: &keyHandler{escape: cancel, enter: submit}}
	m.buttons = container.NewHBox(append([]fyne.CanvasObject{layout.NewSpacer()}, buttons...)...)
	body := container.NewBorder(nil, container.NewVBox(widget.NewSeparator(), m.buttons), nil, nil, content)
	m.d = dialog.NewCustomWithoutButtons(title, container.New(&minWidth{width}, body), d.win)
	m.d.SetOnClosed(func() {
		d.keyboard.pop(m.keys)
		for _, f := range m.closed {
			f()
		}
	})
	for _, b := range buttons {
		if db, ok := b.(*dialogButton); ok && db.onEscape == nil {
			db.onEscape = cancel
		}
	}
	return m
}

// onClosed adds f to what runs when the dialog closes, however it closes.
func (m *modal) onClosed(f func()) { m.closed = append(m.closed, f) }

func (m *modal) show() {
	m.dl.keyboard.push(m.keys)
	m.d.Show()
	// Wrapped text knows its height only once it has its width, which the
	// first layout gives it: lay the dialog out again to fit it.
	m.d.Refresh()
}

func (m *modal) hide() { m.d.Hide() }

// showMessage shows a message with an OK button; Escape and Enter close it.
func (d *dialogs) showMessage(title, text string, icon fyne.Resource) *modal {
	return d.showMessageThen(title, text, icon, nil)
}

// showMessageThen is showMessage calling then (if not nil) once it closed.
func (d *dialogs) showMessageThen(title, text string, icon fyne.Resource, then func()) *modal {
	msg := widget.NewLabel(text)
	msg.Wrapping = fyne.TextWrapWord
	var content fyne.CanvasObject = msg
	if icon != nil {
		img := widget.NewIcon(icon)
		content = container.NewBorder(nil, nil, container.NewVBox(img), nil, msg)
	}
	var m *modal
	ok := newDialogButton("OK", nil, func() { m.hide() })
	ok.Importance = widget.HighImportance
	m = d.newModal(title, 460, content, []fyne.CanvasObject{ok}, func() { m.hide() }, func() { m.hide() })
	if then != nil {
		m.onClosed(then)
	}
	m.show()
	d.focus(ok)
	return m
}

// askWarning asks to go ahead with something text warns about. Cancel has
// the focus and Enter does nothing: a keystroke must not remove a key or
// write a secret to disk. It returns the button that goes ahead, to style.
func (d *dialogs) askWarning(title, text, goLabel string, goIcon fyne.Resource, onGo func()) *dialogButton {
	msg := widget.NewLabel(text)
	msg.Wrapping = fyne.TextWrapWord
	content := container.NewBorder(nil, nil, container.NewVBox(widget.NewIcon(theme.WarningIcon())), nil, msg)
	var m *modal
	cancel := newDialogButton("Cancel", nil, func() { m.hide() })
	goOn := newDialogButton(goLabel, goIcon, func() {
		m.hide()
		onGo()
	})
	m = d.newModal(title, 480, content, []fyne.CanvasObject{cancel, goOn}, func() { m.hide() }, nil)
	m.show()
	d.focus(cancel)
	return goOn
}

// showError shows err in a dialog titled title. It may be called from any
// goroutine: like every hop back to the UI, it goes through fyne.Do.
func (d *dialogs) showError(title string, err error) {
	if err == nil || errors.Is(err, context.Canceled) {
		return
	}
	fyne.Do(func() { d.showMessage(title, errText(err), theme.ErrorIcon()) })
}

// chooser is a file or folder chooser made once and reused: sized to the
// window before each Show, Escape going to it while it is up, and its answer
// sorted into the three cases (an error, cancelled, a choice). T is what it
// chooses: a file to read or a folder.
type chooser[T any] struct {
	dl       *dialogs
	fd       *dialog.FileDialog
	keys     *keyHandler
	onError  func(error)
	onChosen func(T)
}

// newFileChooser makes a chooser of files ending in one of exts.
func newFileChooser(dl *dialogs, title string, exts []string, onError func(error), onChosen func(fyne.URIReadCloser)) *chooser[fyne.URIReadCloser] {
	c := &chooser[fyne.URIReadCloser]{dl: dl, onError: onError, onChosen: onChosen}
	c.fd = dialog.NewFileOpen(c.answer, dl.win)
	c.fd.SetFilter(storage.NewExtensionFileFilter(exts))
	// The list view shows each name whole; the grid cuts long ones such as
	// AuthKey_2X9R4HXF34.p8 and fastlane's JSON files.
	c.fd.SetView(dialog.ListView)
	c.init(title)
	return c
}

// newFolderChooser makes a chooser of folders whose confirm button says
// confirm.
func newFolderChooser(dl *dialogs, title, confirm string, onError func(error), onChosen func(fyne.ListableURI)) *chooser[fyne.ListableURI] {
	c := &chooser[fyne.ListableURI]{dl: dl, onError: onError, onChosen: onChosen}
	c.fd = dialog.NewFolderOpen(c.answer, dl.win)
	c.fd.SetConfirmText(confirm)
	c.init(title)
	return c
}

func (c *chooser[T]) init(title string) {
	c.fd.SetTitleText(title)
	// While the chooser is up, Escape cancels it rather than what is under
	// it.
	c.keys = &keyHandler{escape: c.fd.Dismiss}
	c.fd.SetOnClosed(func() { c.dl.keyboard.pop(c.keys) })
}

// show opens the chooser at start (nil: where it was, or Fyne's default).
func (c *chooser[T]) show(start fyne.ListableURI) {
	if start != nil {
		c.fd.SetLocation(start)
	}
	c.fd.Resize(c.dl.win.Canvas().Size())
	c.dl.keyboard.push(c.keys)
	c.fd.Show()
}

// answer is the chooser's callback: an error, nothing (cancelled: keep
// what was there) or the choice.
func (c *chooser[T]) answer(chosen T, err error) {
	switch {
	case err != nil:
		c.onError(err)
	case any(chosen) == nil:
	default:
		c.onChosen(chosen)
	}
}

// folderLister is where a file or folder chooser should open for dir: dir
// itself, or else its nearest existing parent; nil when there is none. It
// reads the disk: call it off the UI goroutine.
func folderLister(dir string) fyne.ListableURI {
	if dir == "" {
		return nil
	}
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			l, err := storage.ListerForURI(storage.NewFileURI(d))
			if err != nil {
				return nil
			}
			return l
		}
		if filepath.Dir(d) == d {
			return nil
		}
	}
}

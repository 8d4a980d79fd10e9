package gui

import (
	"os"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"
)

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
	u       *ui
	d       *dialog.CustomDialog
	keys    *keyHandler
	buttons *fyne.Container
	closed  []func()
}

// newModal makes a dialog of content and buttons, width wide. Escape calls
// cancel and Enter calls submit (each may be nil).
func (u *ui) newModal(title string, width float32, content fyne.CanvasObject, buttons []fyne.CanvasObject, cancel, submit func()) *modal {
	m := &modal{u: u, keys: &keyHandler{escape: cancel, enter: submit}}
	m.buttons = container.NewHBox(append([]fyne.CanvasObject{layout.NewSpacer()}, buttons...)...)
	body := container.NewBorder(nil, container.NewVBox(widget.NewSeparator(), m.buttons), nil, nil, content)
	m.d = dialog.NewCustomWithoutButtons(title, container.New(&minWidth{width}, body), u.win)
	m.d.SetOnClosed(func() {
		u.keyboard.pop(m.keys)
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
	m.u.keyboard.push(m.keys)
	m.d.Show()
	// Wrapped text knows its height only once it has its width, which the
	// first layout gives it: lay the dialog out again to fit it.
	m.d.Refresh()
}

func (m *modal) hide() { m.d.Hide() }

// showMessage shows a message with an OK button; Escape and Enter close it.
func (u *ui) showMessage(title, text string, icon fyne.Resource) *modal {
	return u.showMessageThen(title, text, icon, nil)
}

// showMessageThen is showMessage calling then (if not nil) once it closed.
func (u *ui) showMessageThen(title, text string, icon fyne.Resource, then func()) *modal {
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
	m = u.newModal(title, 460, content, []fyne.CanvasObject{ok}, func() { m.hide() }, func() { m.hide() })
	if then != nil {
		m.onClosed(then)
	}
	m.show()
	u.win.Canvas().Focus(ok)
	return m
}

// minWidth lays out one object at least w wide, so that wrapped text in a
// dialog gets a readable line length instead of Fyne's narrowest fit.
type minWidth struct{ w float32 }

func (l *minWidth) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		s = s.Max(o.MinSize())
	}
	return s.Max(fyne.NewSize(l.w, 0))
}

func (l *minWidth) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
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

package gui

import (
	"context"
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/asckeys/asckeys/actions"
	"github.com/asckeys/asckeys/storage"
)

// writes are the key view's write side: the toolbar actions of the four
// tabs (certactions.go, profileactions.go, deviceactions.go,
// bundleidactions.go). Each action calls package actions, the steps the
// command line calls too; here are only the dialogs, the questions and the
// results. Everything that changes something at Apple asks first, runs in
// the background, and ends in a result line or one error dialog.
type writes struct {
	v *keyView
	// keysHere maps a certificate id to whether its private key is on this
	// machine, for the key shown; nil until known.
	keysHere map[string]bool

	certs    certTools
	profiles profileTools
	devices  deviceTools
	bundles  bundleTools
}

func (w *writes) buildUI() {
	w.buildCertTools()
	w.buildProfileTools()
	w.buildDeviceTools()
	w.buildBundleTools()
}

// writeEnv is what an action needs, made off the UI goroutine for the key
// shown when it started.
type writeEnv struct {
	deps  actions.Deps
	lists *actions.Lists
}

// env makes the deps and lists of the key with vault key k. Call it off the
// UI goroutine: the client may need the private key from the keychain.
func (w *writes) env(ctx context.Context, k storage.Key) (writeEnv, error) {
	client, err := w.v.client(ctx, k.ID)
	if err != nil {
		return writeEnv{}, err
	}
	return writeEnv{
		deps:  actions.Deps{Vault: w.v.vault, Key: k, Client: client},
		lists: &actions.Lists{Client: client, Cache: w.v.cache, VaultID: k.ID},
	}, nil
}

// run does work for the key shown, in the background, with a busy line
// saying what runs. done gets the result on the UI goroutine, if the key
// is still shown; an error is shown as a dialog titled failTitle.
func (w *writes) run(busy, failTitle string, work func(ctx context.Context, e writeEnv) (func(), error)) {
	v := w.v
	if !v.isOpen {
		return
	}
	k := v.key
	v.setNotice(toneNote, busy, true)
	w.background(k, work, func(done func(), err error) {
		if !v.showing(k.ID) {
			return
		}
		if err != nil {
			v.clearNotice()
			w.showFailure(failTitle, err)
			return
		}
		if done != nil {
			done()
		}
	})
}

// background does work with key k's write environment off the UI
// goroutine, notes the rate limit Apple reported, and hands the outcome to
// then on the UI goroutine.
func (w *writes) background(k storage.Key, work func(ctx context.Context, e writeEnv) (func(), error), then func(done func(), err error)) {
	w.v.work.background(func(ctx context.Context) {
		e, err := w.env(ctx, k)
		var done func()
		if err == nil {
			done, err = work(ctx, e)
			w.v.rateLimitFrom(k.ID, e.deps.Client)
		}
		fyne.Do(func() { then(done, err) })
	})
}

// showFailure shows err as a dialog titled title, with what to do.
func (w *writes) showFailure(title string, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	short, _ := explain(err)
	w.v.dialogs.showMessage(title, short, theme.ErrorIcon())
}

// done shows what an action did in the key view's notice line and reloads
// the lists it changed.
func (w *writes) done(text string, changed ...resourcePane) {
	w.v.setNotice(toneSuccess, text, false)
	if len(changed) > 0 {
		w.v.load(changed, false)
	}
}

// ask asks before something is changed at Apple: question in words, extra
// (may be nil) below it, Cancel focused, Enter doing nothing. goLabel names
// what the button does ("Revoke 2 Certificates").
// It returns the dialog and the question's label, to change as the extra
// choices change what will happen.
func (w *writes) ask(title, question string, extra fyne.CanvasObject, goLabel string, onGo func()) (*modal, *widget.Label) {
	msg := widget.NewLabel(question)
	msg.Wrapping = fyne.TextWrapWord
	body := fyne.CanvasObject(msg)
	if extra != nil {
		body = container.NewVBox(msg, extra)
	}
	content := container.NewBorder(nil, nil, container.NewVBox(widget.NewIcon(theme.WarningIcon())), nil, body)
	var m *modal
	cancel := newDialogButton("Cancel", nil, func() { m.hide() })
	goOn := newDialogButton(goLabel, theme.ConfirmIcon(), func() {
		m.hide()
		onGo()
	})
	goOn.Importance = widget.DangerImportance
	m = w.v.dialogs.newModal(title, 540, content, []fyne.CanvasObject{cancel, goOn}, func() { m.hide() }, nil)
	m.show()
	w.v.dialogs.focus(cancel)
	return m, msg
}

// toolButton makes a toolbar button; tools that need a choice of rows start
// disabled.
func toolButton(label string, icon fyne.Resource, disabled bool, tapped func()) *widget.Button {
	b := widget.NewButtonWithIcon(label, icon, tapped)
	if disabled {
		b.Disable()
	}
	return b
}

// enableFor enables b when n rows are chosen and ok(n) holds.
func enableFor(b *widget.Button, ok bool) {
	if ok {
		b.Enable()
	} else {
		b.Disable()
	}
}

// quoted lists names as "A", "B" and "C", at most max of them.
func quoted(names []string, max int) string {
	out := make([]string, 0, min(len(names), max)+1)
	for i, n := range names {
		if i == max {
			out = append(out, plural(len(names)-max, "other", "others"))
			break
		}
		out = append(out, `"`+n+`"`)
	}
	return strings.Join(out, ", ")
}

// formDialog is a dialog of fields with an error line and a button that
// goes ahead: the write dialogs (New Profile, Register Device…).
type formDialog struct {
	m      *modal
	errMsg message
	goOn   *dialogButton
	cancel *dialogButton
}

// newForm makes a form dialog of rows; onGo runs when the go button is
// pressed (Enter in an entry too, through submit).
func (w *writes) newForm(title string, width float32, rows fyne.CanvasObject, goLabel string, onGo func()) *formDialog {
	f := &formDialog{errMsg: newMessage()}
	f.cancel = newDialogButton("Cancel", nil, func() { f.m.hide() })
	f.goOn = newDialogButton(goLabel, theme.ConfirmIcon(), func() {
		if !f.goOn.Disabled() {
			onGo()
		}
	})
	f.goOn.Importance = widget.HighImportance
	f.m = w.v.dialogs.newModal(title, width, container.NewVBox(rows, f.errMsg.Label),
		[]fyne.CanvasObject{f.cancel, f.goOn}, func() { f.m.hide() }, nil)
	return f
}

// busy disables the form while its request runs.
func (f *formDialog) busy(on bool) {
	if on {
		f.goOn.Disable()
		f.errMsg.set(toneNote, "Working…")
	} else {
		f.goOn.Enable()
	}
}

// fail shows err under the fields and lets the user try again.
func (f *formDialog) fail(err error) {
	f.busy(false)
	short, _ := explain(err)
	f.errMsg.set(toneError, short)
	f.m.d.Refresh()
}

// caption is a small grey line of explanation.
func caption(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	l.SizeName = theme.SizeNameCaptionText
	l.Importance = widget.LowImportance
	return l
}

// fieldLabel is a field's name above it.
func fieldLabel(text string) *widget.Label {
	return widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

// runForm runs a form's request in the background: an error stays in the
// form to correct; success closes it and runs done (if the key is still
// shown).
func (w *writes) runForm(f *formDialog, work func(ctx context.Context, e writeEnv) (func(), error)) {
	v := w.v
	k := v.key
	f.busy(true)
	w.background(k, work, func(done func(), err error) {
		if err != nil {
			f.fail(err)
			return
		}
		f.m.hide()
		if v.showing(k.ID) && done != nil {
			done()
		}
	})
}

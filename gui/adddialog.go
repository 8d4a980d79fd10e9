package gui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/keyfile"
	"github.com/asckeys/asckeys/storage"
)

// onAddNew opens an empty Add New dialog (the Add New buttons, Ctrl+N).
func (u *ui) onAddNew() { u.openAddDialog(addPrefill{}) }

// openAddDialog queues an Add New dialog filled with p.
func (u *ui) openAddDialog(p addPrefill) {
	u.dialogs.queue.add(func(done func()) { u.showAddDialog(p, done) })
}

// showAddDialog opens the Add New dialog filled with p, calling done once it
// has closed.
func (u *ui) showAddDialog(p addPrefill, done func()) *addDialog {
	d := &addDialog{
		dialogs:   u.dialogs,
		work:      u.work,
		vault:     u.vault,
		keys:      u.keys,
		newClient: u.opts.client,
		hint:      u.opts.Hint,
		firstDir:  u.opts.firstDownloadDir(),
		onAdded:   u.onKeyAdded,
	}
	u.add = d
	d.open(p, func() {
		u.add = nil
		done()
	})
	return d
}

// onKeyAdded shows the key Add New linked, with what linking found out;
// client, if Add New verified the key with it, is kept for its token.
func (u *ui) onKeyAdded(k storage.Key, client *core.Client, summary string) {
	u.clients.put(k.ID, client)
	u.view.showOnOpen(notice{keyID: k.ID, tone: toneSuccess, text: summary})
	u.reloadKeys(k.ID)
}

// addDialog is the Add New dialog: the key file, its name, Key ID, kind and
// Issuer ID, checked as they are typed, then verified with Apple and saved.
// The private key itself is never shown.
type addDialog struct {
	dialogs   *dialogs
	work      *worker
	vault     *storage.Vault
	keys      []storage.Key // the keys linked when the dialog opened
	newClient func(core.Credentials) *core.Client
	hint      string // Options.Hint, shown under the form
	firstDir  string // where the file chooser starts
	// onAdded reports the key linked, the client that verified it (nil
	// when saved without verifying) and what to tell the user.
	onAdded func(k storage.Key, client *core.Client, summary string)

	m *modal

	// ctx ends when the dialog closes; stop cancels the verification in
	// flight (the Cancel button while busy).
	ctx       context.Context
	cancelCtx context.CancelFunc
	stop      context.CancelFunc

	// What the chosen file holds.
	fileName string
	data     []byte
	fileErr  string
	notes    []string
	autoName string // the name filled in from the file, replaced by the next file

	fileLabel *widget.Label
	choose    *dialogButton
	fileMsg   message
	name      *dialogEntry
	nameMsg   message
	keyID     *dialogEntry
	keyIDMsg  message
	kind      *segmented
	kindNote  *widget.Label
	issuer    *dialogEntry
	issuerMsg message
	activity  *widget.Activity
	result    message
	cancel    *dialogButton
	saveOnly  *dialogButton
	verify    *dialogButton
	file      *chooser[fyne.URIReadCloser]

	touched  map[storage.Field]bool
	asyncErr map[storage.Field]string // what vault.Check said, by field
	checkGen int                      // the latest vault.Check; older answers are dropped
	busy     bool
}

// kindLabels are the kinds as the segmented control shows them.
func kindLabels() []string {
	out := make([]string, len(core.Kinds))
	for i, k := range core.Kinds {
		out[i] = k.Label()
	}
	return out
}

func kindFromLabel(label string) core.KeyKind {
	for _, k := range core.Kinds {
		if k.Label() == label {
			return k
		}
	}
	return core.KindTeam
}

const issuerPlaceholder = "57246542-96fe-1a63-e053-0824d011072a"

// open builds the dialog, fills it with p and shows it; onClosed runs once
// it has closed, however it closed.
func (d *addDialog) open(p addPrefill, onClosed func()) {
	d.touched, d.asyncErr = map[storage.Field]bool{}, map[storage.Field]string{}
	d.ctx, d.cancelCtx = context.WithCancel(d.work.ctx)
	d.buildUI()
	d.m.onClosed(func() {
		d.cancelCtx()
		onClosed()
	})
	d.applyPrefill(p)
	d.m.show()
	d.focusFirst()
}

func (d *addDialog) buildUI() {
	d.fileLabel = widget.NewLabel("No file chosen")
	d.fileLabel.Truncation = fyne.TextTruncateEllipsis
	d.choose = newDialogButton("Choose File…", theme.FolderOpenIcon(), d.onChooseFile)
	d.fileMsg = newMessage()

	d.name = newDialogEntry("A name you will recognise, such as the team")
	d.nameMsg = newMessage()
	d.keyID = newDialogEntry("2X9R4HXF34")
	d.keyIDMsg = newMessage()
	d.kind = newSegmented(kindLabels(), d.onCancel)
	d.kind.OnChanged = func(string) { d.onKindChanged() }
	d.kindNote = widget.NewLabel("")
	d.kindNote.Wrapping = fyne.TextWrapWord
	d.kindNote.SizeName = theme.SizeNameCaptionText
	d.issuer = newDialogEntry(issuerPlaceholder)
	d.issuerMsg = newMessage()

	for _, f := range []struct {
		e     *dialogEntry
		field storage.Field
	}{{d.name, storage.FieldName}, {d.keyID, storage.FieldKeyID}, {d.issuer, storage.FieldIssuerID}} {
		f.e.onEscape = d.onCancel
		f.e.OnSubmitted = func(string) { d.onVerifyAndSave() }
		f.e.OnChanged = func(string) {
			d.touched[f.field] = true
			d.onChanged()
		}
	}

	d.activity = widget.NewActivity()
	d.activity.Hide()
	d.result = newMessage()

	d.cancel = newDialogButton("Cancel", nil, d.onCancel)
	d.saveOnly = newDialogButton("Save Without Verifying", nil, d.onSaveOnly)
	d.verify = newDialogButton("Verify and Save", theme.ConfirmIcon(), d.onVerifyAndSave)
	d.verify.Importance = widget.HighImportance

	row := func(label string, field fyne.CanvasObject, msg fyne.CanvasObject) (fyne.CanvasObject, fyne.CanvasObject) {
		l := widget.NewLabelWithStyle(label, fyne.TextAlignTrailing, fyne.TextStyle{})
		return l, container.New(&tightVBox{}, field, msg)
	}
	fileRow := container.NewBorder(nil, nil, nil, d.choose, d.fileLabel)
	var cells []fyne.CanvasObject
	for _, r := range []struct {
		label string
		field fyne.CanvasObject
		msg   fyne.CanvasObject
	}{
		{"Key file", fileRow, d.fileMsg.Label},
		{"Name", d.name, d.nameMsg.Label},
		{"Key ID", d.keyID, d.keyIDMsg.Label},
		{"Kind", d.kind.row, d.kindNote},
		{"Issuer ID", d.issuer, d.issuerMsg.Label},
	} {
		l, f := row(r.label, r.field, r.msg)
		cells = append(cells, l, f)
	}
	form := container.New(layout.NewFormLayout(), cells...)

	intro := widget.NewLabel("Link an App Store Connect API key. Its private key goes to your system keychain, never to a plain file.")
	intro.Wrapping = fyne.TextWrapWord
	status := container.NewBorder(nil, nil, d.activity, nil, d.result.Label)
	content := container.NewVBox(intro, form, status)
	if d.hint != "" {
		hint := widget.NewLabel(d.hint)
		hint.Wrapping = fyne.TextWrapWord
		hint.SizeName = theme.SizeNameCaptionText
		content.Add(hint)
	}
	d.m = d.dialogs.newModal("Add New API Key", 600, content,
		[]fyne.CanvasObject{d.cancel, d.saveOnly, d.verify}, d.onCancel, d.onVerifyAndSave)
	d.kind.choose(core.KindTeam.Label(), false)
	d.onKindChanged()
	d.file = newFileChooser(d.dialogs, "Choose the Key File (.p8, or fastlane .json)", []string{".p8", ".json"},
		func(err error) { d.showFileError("", fmt.Errorf("the file could not be opened: %w", err)) },
		d.onFileChosen)
}

// applyPrefill fills the dialog from a key file's contents.
func (d *addDialog) applyPrefill(p addPrefill) {
	if p.data == nil {
		return
	}
	d.fileName, d.data, d.fileErr, d.notes = p.fileName, p.data, "", p.notes
	d.fileLabel.SetText(p.fileName)
	d.touched[storage.FieldFile] = true
	if p.fastlane {
		d.notes = append(d.notes, "The Key ID, Issuer ID and kind come from the fastlane file.")
	}
	if p.keyID != "" {
		d.keyID.SetText(p.keyID)
	}
	// A name typed by the user stays; one filled in from an earlier file
	// is replaced.
	if p.name != "" && (d.name.Text == "" || d.name.Text == d.autoName) {
		d.name.SetText(p.name)
		d.autoName = p.name
	}
	if p.kind != "" {
		d.kind.choose(p.kind.Label(), false)
	}
	if p.issuerID != "" || p.fastlane {
		d.issuer.SetText(p.issuerID)
	}
	d.onKindChanged()
	d.onChanged()
}

// showFileError says why the chosen file cannot be used.
func (d *addDialog) showFileError(name string, err error) {
	d.fileName, d.data, d.notes = name, nil, nil
	d.fileErr = errText(err)
	d.fileLabel.SetText(name)
	d.touched[storage.FieldFile] = true
	d.onChanged()
}

// focusFirst puts the focus where typing should start: the file chooser
// without a file, else the first field with a problem, else the name (its
// default selected, ready to be typed over).
func (d *addDialog) focusFirst() {
	c := d.dialogs
	if d.data == nil {
		c.focus(d.choose)
		return
	}
	for _, f := range []struct {
		e   *dialogEntry
		msg message
	}{{d.keyID, d.keyIDMsg}, {d.issuer, d.issuerMsg}} {
		if f.msg.Importance == widget.DangerImportance && !f.e.Disabled() {
			c.focus(f.e)
			return
		}
	}
	c.focus(d.name)
	d.name.TypedShortcut(&fyne.ShortcutSelectAll{})
}

// onKindChanged updates what the kind means and the Issuer ID field, which
// only team and enterprise keys have.
func (d *addDialog) onKindChanged() {
	kind := kindFromLabel(d.kind.selected)
	switch kind {
	case core.KindIndividual:
		d.kindNote.SetText("Listed under Individual Keys in App Store Connect. It has no Issuer ID, and Apple does not let it use certificates or profiles.")
		d.issuer.SetPlaceHolder("Individual keys have no Issuer ID")
		// A value already typed stays editable, so its message can say
		// to clear it.
		if strings.TrimSpace(d.issuer.Text) == "" {
			d.issuer.Disable()
		}
	case core.KindEnterprise:
		d.kindNote.SetText("From an Apple Developer Enterprise Program account. Needs the Issuer ID.")
		d.issuer.SetPlaceHolder(issuerPlaceholder)
		d.issuer.Enable()
	default:
		d.kindNote.SetText("Listed under Team Keys in App Store Connect. Needs the Issuer ID shown above that list.")
		d.issuer.SetPlaceHolder(issuerPlaceholder)
		d.issuer.Enable()
	}
	if d.issuer.Text != "" {
		d.touched[storage.FieldIssuerID] = true
	}
	d.onChanged()
}

// newKey is what the dialog holds, as the vault takes it.
func (d *addDialog) newKey() storage.NewKey {
	return storage.NewKey{
		Name:     strings.TrimSpace(d.name.Text),
		KeyID:    strings.TrimSpace(d.keyID.Text),
		IssuerID: strings.TrimSpace(d.issuer.Text),
		Kind:     kindFromLabel(d.kind.selected),
		Data:     d.data,
		FileName: d.fileName,
	}
}

// fieldChecks holds what the checks said about each field.
type fieldChecks struct {
	errs  map[storage.Field]string
	warns map[storage.Field]string
}

func (c fieldChecks) ok() bool { return len(c.errs) == 0 }

// check runs the checks that need neither disk nor keychain, at once, as the
// user types: the same checks the vault applies, with its messages.
func (d *addDialog) check() fieldChecks {
	c := fieldChecks{errs: map[storage.Field]string{}, warns: map[storage.Field]string{}}
	nk := d.newKey()
	switch {
	case d.fileErr != "":
		c.errs[storage.FieldFile] = d.fileErr
	case d.data == nil:
		c.errs[storage.FieldFile] = "Choose the AuthKey_XXXXXXXXXX.p8 file you downloaded from App Store Connect, or drop it on this window."
	}
	warning, err := keyfile.CheckKeyID(nk.KeyID)
	if err != nil {
		c.errs[storage.FieldKeyID] = errText(err)
	} else if warning != "" {
		c.warns[storage.FieldKeyID] = sentence(warning)
	}
	if err == nil {
		if k, ok := linkedKey(d.keys, func(k storage.Key) bool { return strings.EqualFold(k.KeyID, nk.KeyID) }); ok {
			c.errs[storage.FieldKeyID] = fmt.Sprintf("Key ID %s is already linked as %q.", k.KeyID, k.Name)
		}
	}
	name := nk.Name
	if name == "" {
		name = nk.KeyID // the vault's default
	}
	switch checked, err := keyfile.CheckName(name); {
	case err != nil && (nk.Name != "" || nk.KeyID != ""):
		// (Without either, the Key ID's message says what to do.)
		c.errs[storage.FieldName] = errText(err)
	case err == nil:
		if k, ok := nameTaken(d.keys, checked, ""); ok {
			c.errs[storage.FieldName] = fmt.Sprintf("Another key is already called %q (Key ID %s): choose another name.", k.Name, k.KeyID)
		}
	}
	if err := keyfile.CheckIssuerID(nk.Kind, nk.IssuerID); err != nil {
		c.errs[storage.FieldIssuerID] = errText(err)
	}
	return c
}

// onChanged re-checks the form after any change: the quick checks at once,
// then, when they pass, the vault's own check (duplicates, the file) in the
// background.
func (d *addDialog) onChanged() {
	d.asyncErr = map[storage.Field]string{}
	c := d.check()
	d.showChecks(c)
	d.checkGen++
	if !c.ok() || d.vault == nil {
		return
	}
	gen, nk := d.checkGen, d.newKey()
	d.work.background(func(context.Context) {
		_, err := d.vault.Check(d.ctx, nk)
		fyne.Do(func() {
			if gen != d.checkGen {
				return // the form changed since
			}
			var ve *storage.ValidationError
			switch {
			case errors.As(err, &ve):
				d.asyncErr[ve.Field] = errText(ve)
				d.touched[ve.Field] = true
			case err != nil && !errors.Is(err, context.Canceled):
				d.result.set(toneError, errText(err))
			}
			d.showChecks(d.check())
		})
	})
}

// showChecks puts each field's message under it: errors first, then the
// vault's answer, then warnings and notes. Untouched fields stay quiet, so
// an empty form does not start with a list of complaints.
func (d *addDialog) showChecks(c fieldChecks) {
	for _, f := range []struct {
		field storage.Field
		msg   message
		note  string
	}{
		{storage.FieldFile, d.fileMsg, strings.Join(d.notes, " ")},
		{storage.FieldName, d.nameMsg, ""},
		{storage.FieldKeyID, d.keyIDMsg, ""},
		{storage.FieldIssuerID, d.issuerMsg, ""},
	} {
		switch {
		case !d.touched[f.field]:
			f.msg.clear()
		case c.errs[f.field] != "":
			f.msg.set(toneError, c.errs[f.field])
		case d.asyncErr[f.field] != "":
			f.msg.set(toneError, d.asyncErr[f.field])
		case c.warns[f.field] != "":
			f.msg.set(toneWarning, c.warns[f.field])
		case f.note != "":
			f.msg.set(toneNote, f.note)
		default:
			f.msg.clear()
		}
	}
	d.m.d.Refresh() // messages may have grown the dialog
}

// onChooseFile opens the file chooser, made once per dialog, filtered to
// key files and sized to the window, starting in the Downloads folder where
// browsers put Apple's download.
func (d *addDialog) onChooseFile() {
	if d.busy {
		return
	}
	start := d.firstDir
	d.work.background(func(context.Context) {
		at := folderLister(start) // reads the disk
		fyne.Do(func() {
			if d.ctx.Err() == nil {
				d.file.show(at)
			}
		})
	})
}

// onFileChosen reads the file chosen, in the background, and fills the
// dialog from it.
func (d *addDialog) onFileChosen(r fyne.URIReadCloser) {
	name := r.URI().Name()
	d.fileLabel.SetText(name + " (reading…)")
	d.work.background(func(context.Context) {
		defer r.Close()
		p, err := readKeyFile(name, r)
		fyne.Do(func() {
			if d.ctx.Err() != nil {
				return // the dialog closed meanwhile
			}
			if err != nil {
				var nk *notAKeyError
				if errors.As(err, &nk) {
					err = nk.err
				}
				d.showFileError(name, err)
				return
			}
			d.applyPrefill(p)
			d.focusFirst()
		})
	})
}

func (d *addDialog) onCancel() {
	if d.busy {
		if d.stop != nil {
			d.stop() // stops the check with Apple; the dialog stays
		}
		return
	}
	d.m.hide()
}

func (d *addDialog) onVerifyAndSave() { d.submit(true) }

func (d *addDialog) onSaveOnly() { d.submit(false) }

// submit checks the form and, when it is complete, links the key in the
// background: verified with Apple first when verify is set.
func (d *addDialog) submit(verify bool) {
	if d.busy {
		return
	}
	for _, f := range []storage.Field{storage.FieldFile, storage.FieldName, storage.FieldKeyID, storage.FieldIssuerID} {
		d.touched[f] = true
	}
	c := d.check()
	d.showChecks(c)
	if !c.ok() || len(d.asyncErr) > 0 {
		d.result.set(toneError, "Fix the fields marked in red first.")
		d.focusFirst()
		return
	}
	if d.vault == nil {
		d.result.set(toneError, "No key vault is open, so the key cannot be saved.")
		return
	}
	ctx, stop := context.WithCancel(d.ctx)
	d.stop = stop
	d.setBusy(true, verify)
	nk := d.newKey()
	d.work.background(func(context.Context) {
		out := d.link(ctx, nk, verify)
		fyne.Do(func() {
			stop()
			d.finish(out)
		})
	})
}

// setBusy shows the work in progress and locks the form meanwhile; Cancel
// stays available to stop a check with Apple.
func (d *addDialog) setBusy(busy, verifying bool) {
	d.busy = busy
	for _, w := range []fyne.Disableable{d.name, d.keyID, d.choose, d.saveOnly, d.verify} {
		if busy {
			w.Disable()
		} else {
			w.Enable()
		}
	}
	d.kind.setDisabled(busy)
	if busy {
		d.issuer.Disable()
		d.activity.Show()
		d.activity.Start()
		if verifying {
			d.result.set(toneNote, "Checking the key with App Store Connect…")
		} else {
			d.result.set(toneNote, "Saving the key in the keychain…")
		}
		return
	}
	d.activity.Stop()
	d.activity.Hide()
	d.onKindChanged() // re-enables the Issuer ID as the kind allows
}

// finish shows how adding went: the dialog closes on success, and stays
// open with the reason otherwise.
func (d *addDialog) finish(out addOutcome) {
	d.setBusy(false, false)
	var ve *storage.ValidationError
	switch {
	case errors.Is(out.err, context.Canceled):
		d.result.set(toneWarning, "Stopped. The key was not saved.")
	case errors.As(out.err, &ve):
		d.asyncErr[ve.Field] = errText(ve)
		d.touched[ve.Field] = true
		d.showChecks(d.check())
		d.result.set(toneError, "The key was not saved: see the field marked in red.")
		d.focusFirst()
	case out.verifyErr != nil:
		d.result.set(toneError, verifyFailure(out.verifyErr)+" The key was not saved: check the fields, or press Save Without Verifying to link it anyway.")
	case out.err != nil:
		d.result.set(toneError, errText(out.err))
	default:
		d.m.hide()
		d.onAdded(out.key, out.client, out.summary())
	}
}

// addOutcome is how linking a key went.
type addOutcome struct {
	key      storage.Key
	verified *core.VerifyResult
	client   *core.Client // the client that verified the key
	warnings []string
	// verifyErr is Apple's refusal, or why Apple could not be asked; the
	// key was not saved. err is any other failure.
	verifyErr error
	err       error
}

// summary says what happened, for the notice shown with the new key.
func (o addOutcome) summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%q is linked. ", o.key.Name)
	if o.verified != nil {
		b.WriteString(verifySuccess(o.key.Kind, *o.verified))
	} else {
		b.WriteString("It was saved without checking it with Apple: press Verify to check it.")
	}
	for _, w := range o.warnings {
		b.WriteString(" " + sentence(w))
	}
	return b.String()
}

// link links nk, first checking it with Apple when verify is set. It runs
// off the UI goroutine: it reads the key list, talks to Apple and writes to
// the keychain.
func (d *addDialog) link(ctx context.Context, nk storage.NewKey, verify bool) addOutcome {
	if _, err := d.vault.Check(ctx, nk); err != nil {
		return addOutcome{err: err}
	}
	var out addOutcome
	if verify {
		k, err := keyfile.Parse(nk.Data)
		if err != nil {
			return addOutcome{err: &storage.ValidationError{Field: storage.FieldFile, Err: err}}
		}
		client := d.newClient(core.Credentials{KeyID: nk.KeyID, IssuerID: nk.IssuerID, Kind: nk.Kind, PrivateKey: k.PrivateKey})
		vctx, cancel := context.WithTimeout(ctx, verifyTimeout)
		res, _, err := client.Verify(vctx)
		cancel()
		if errors.Is(err, context.Canceled) {
			return addOutcome{err: err}
		}
		if err != nil {
			return addOutcome{verifyErr: err}
		}
		out.verified, out.client = &res, client
	}
	// Saving is not cancellable: the keychain may be showing an unlock
	// prompt, and stopping halfway helps nobody.
	kctx, cancel := storage.WithInteractiveTimeout(d.work.ctx)
	defer cancel()
	key, warnings, err := d.vault.Add(kctx, nk)
	if err != nil {
		return addOutcome{err: err}
	}
	out.key, out.warnings = key, warnings
	if out.verified != nil {
		_ = d.vault.RecordVerification(kctx, key.ID, time.Now(), "")
	}
	return out
}

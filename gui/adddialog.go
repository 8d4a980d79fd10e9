package gui

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/adrg/xdg"

	"github.com/asckeys/asckeys/core"
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
		newClient: func(c core.Credentials) *core.Client { return clientFor(u.opts, c) },
		hint:      u.opts.Hint,
		firstDir:  u.keyFileDir(),
		onKeyFile: func(dir string) { u.keyDir = dir },
		onAdded:   u.onKeyAdded,
		setPass:   u.pass.give,
	}
	u.add = d
	if u.noKeychain != nil {
		d.noKeychain = u.noKeychain
	}
	d.open(p, func() {
		u.add = nil
		done()
	})
	return d
}

// keyFileDir is where the key file chooser starts: where the last key file
// came from, else Downloads, where browsers put Apple's download (not the
// folder of the last certificate download).
func (u *ui) keyFileDir() string {
	if u.keyDir != "" {
		return u.keyDir
	}
	return xdg.UserDirs.Download
}

// onKeyAdded shows the key Add New linked, with what linking found out;
// client, if Add New verified the key with it, is kept for its token.
func (u *ui) onKeyAdded(k storage.Key, client *core.Client, summary string) {
	u.clients.put(k.ID, client)
	u.view.showOnOpen(notice{keyID: k.ID, tone: toneSuccess, text: summary})
	u.localShown = false // the key just linked is what to show
	u.reloadKeys(k.ID)
}

// addDialog is the Add New dialog: the key file, its name, Key ID, kind and
// Issuer ID, checked as they are typed, then verified with Apple and saved.
// The private key itself is never shown.
type addDialog struct {
	dialogs   *dialogs
	work      *worker
	vault     *storage.Vault
	newClient func(core.Credentials) *core.Client
	hint      string // Options.Hint, shown under the form
	firstDir  string // where the file chooser starts: where the last key file came from, else Downloads
	// noKeychain, when set, is why no key can be saved in the keychain:
	// said before the user fills the form, with the encrypted file offered
	// instead (never chosen for them).
	noKeychain error
	// setPass hands the passphrase typed here to the encrypted file.
	setPass func(string)
	// onKeyFile reports the folder a key file was chosen in.
	onKeyFile func(dir string)
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
	repairs  []string // what reading the file changed (storage.NewKey.Repairs)
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
	intro     *widget.Label
	// Where the private key goes, offered only when the keychain is
	// missing: the store, and the encrypted file's passphrase (typed
	// twice when the file is new).
	storeBox  *fyne.Container
	store     *segmented
	storeNote *widget.Label
	pass      *dialogEntry
	pass2     *dialogEntry
	pass2Row  []fyne.CanvasObject
	passMsg   message
	fileIsNew bool
	activity  *widget.Activity
	result    *detailedMessage
	cancel    *dialogButton
	saveOnly  *dialogButton
	verify    *dialogButton
	file      *chooser[fyne.URIReadCloser]

	// touched fields show their messages. checked is what the vault's
	// Prepare last said of the form; checkGen counts the form's changes,
	// and an answer about an older form is dropped.
	touched  map[storage.Field]bool
	checked  prepareAnswer
	checkGen int
	busy     bool
}

// prepareAnswer is what Vault.Prepare said of the form as it was at gen.
type prepareAnswer struct {
	gen       int
	fieldErrs map[storage.Field]error // storage.FieldErrors: each bad field's fault
	warnings  []string                // the prepared key's warnings: an unusual Key ID
	err       error                   // a failure about no field (keys.json unreadable)
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

const issuerPlaceholder = "a UUID, e.g. 57246542-96fe-1a63-e053-0824d011072a"

// open builds the dialog, fills it with p and shows it; onClosed runs once
// it has closed, however it closed.
func (d *addDialog) open(p addPrefill, onClosed func()) {
	d.touched = map[storage.Field]bool{}
	d.checked.gen = -1 // nothing checked yet
	d.ctx, d.cancelCtx = context.WithCancel(d.work.ctx)
	d.buildUI()
	d.m.onClosed(func() {
		d.cancelCtx()
		onClosed()
	})
	d.applyPrefill(p)
	d.m.show()
	d.focusFirst()
	d.checkKeychain()
}

// Where the dialog can keep the private key.
const (
	storeKeychainLabel = "System keychain"
	storeFileLabel     = "Encrypted file"
)

// checkKeychain finds out, in the background, whether the system keychain
// can keep the key (the window may not know yet: with no key linked nothing
// has asked it), and whether the encrypted file exists; where there is no
// keychain, the dialog says why and offers the encrypted file.
func (d *addDialog) checkKeychain() {
	if d.vault == nil {
		return
	}
	known := d.noKeychain
	d.work.background(func(ctx context.Context) {
		err := known
		if err == nil {
			pctx, cancel := storage.WithBackgroundTimeout(ctx)
			err = d.vault.CheckKeychain(pctx)
			cancel()
		}
		exists := d.vault.FileVault().Exists()
		fyne.Do(func() {
			if d.ctx.Err() != nil || !errors.Is(err, storage.ErrNoKeychain) {
				return
			}
			d.offerFile(err, !exists)
		})
	})
}

// offerFile shows why the keychain cannot be used and the choice of the
// encrypted file.
func (d *addDialog) offerFile(reason error, fileIsNew bool) {
	d.noKeychain, d.fileIsNew = reason, fileIsNew
	d.result.setError(reason)
	d.intro.SetText("Link an App Store Connect API key. This computer has no keychain to keep its private key in (see below): choose Encrypted file to keep it in a file protected by a passphrase, or set up a keychain and open Add New again.")
	d.storeBox.Show()
	d.onStoreChanged()
}

// onStoreChanged shows the passphrase fields when the encrypted file is
// chosen (the second only for a new file).
func (d *addDialog) onStoreChanged() {
	file := d.store.selected == storeFileLabel
	switch {
	case !file:
		d.storeNote.SetText("The keychain is not available, so saving there will fail until it is.")
	case d.fileIsNew:
		d.storeNote.SetText("A new file in the config folder, readable only by you. ASC Keys cannot recover a forgotten passphrase.")
	default:
		d.storeNote.SetText("The encrypted file already exists: type its passphrase.")
	}
	for _, o := range append([]fyne.CanvasObject{d.pass}, d.pass2Row...) {
		o.Hide()
	}
	d.passMsg.clear()
	if file {
		d.pass.Show()
		d.pass.SetPlaceHolder("the encrypted file's passphrase")
		if d.fileIsNew {
			for _, o := range d.pass2Row {
				o.Show()
			}
		}
	}
	d.m.d.Refresh()
}

// fileStore reports whether the key goes to the encrypted file.
func (d *addDialog) fileStore() bool {
	return d.storeBox.Visible() && d.store.selected == storeFileLabel
}

// checkPassphrase says what is wrong with the passphrase typed, if the
// encrypted file is chosen.
func (d *addDialog) checkPassphrase() string {
	if !d.fileStore() {
		return ""
	}
	switch {
	case d.pass.Text == "":
		return "Type the passphrase of the encrypted file."
	case d.fileIsNew && d.pass.Text != d.pass2.Text:
		return "The two passphrases differ: type the same one twice."
	}
	return ""
}

func (d *addDialog) buildUI() {
	d.fileLabel = widget.NewLabel("No file chosen")
	d.fileLabel.Truncation = fyne.TextTruncateEllipsis
	d.choose = newDialogButton("Choose File…", theme.FolderOpenIcon(), d.onChooseFile)
	d.fileMsg = newMessage()

	d.name = newDialogEntry("A name you will recognise, such as the team")
	d.nameMsg = newMessage()
	// Placeholders read as examples, not as values already filled in.
	d.keyID = newDialogEntry("10 characters, e.g. 2X9R4HXF34")
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
		f.e.OnChanged = func(text string) {
			// Apple's Key IDs are upper case; one typed in lower case
			// is the same key.
			if f.e == d.keyID && strings.ToUpper(text) != text {
				d.keyID.SetText(strings.ToUpper(text)) // calls OnChanged again
				return
			}
			d.touched[f.field] = true
			d.onChanged()
		}
	}

	d.store = newSegmented([]string{storeKeychainLabel, storeFileLabel}, d.onCancel)
	d.store.OnChanged = func(string) { d.onStoreChanged() }
	d.storeNote = widget.NewLabel("")
	d.storeNote.Wrapping = fyne.TextWrapWord
	d.storeNote.SizeName = theme.SizeNameCaptionText
	d.pass = newDialogEntry("")
	d.pass.Password = true
	d.pass.onEscape = d.onCancel
	d.pass2 = newDialogEntry("the same passphrase again")
	d.pass2.Password = true
	d.pass2.onEscape = d.onCancel
	d.passMsg = newMessage()
	for _, e := range []*dialogEntry{d.pass, d.pass2} {
		e.OnChanged = func(string) { d.passMsg.clear() }
		e.OnSubmitted = func(string) { d.onVerifyAndSave() }
	}

	d.activity = widget.NewActivity()
	d.activity.Hide()
	d.result = newDetailedMessage()

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
	keepLabel, keepField := row("Keep it in", d.store.row, d.storeNote)
	passLabel, passField := row("Passphrase", d.pass, d.passMsg.Label)
	againLabel := widget.NewLabelWithStyle("Again", fyne.TextAlignTrailing, fyne.TextStyle{})
	d.pass2Row = []fyne.CanvasObject{againLabel, d.pass2}
	d.storeBox = container.New(layout.NewFormLayout(), keepLabel, keepField, passLabel, passField, againLabel, d.pass2)
	d.storeBox.Hide()

	d.intro = widget.NewLabel("Link an App Store Connect API key. Its private key goes to your system keychain, never to a plain file.")
	d.intro.Wrapping = fyne.TextWrapWord
	status := container.NewBorder(nil, nil, d.activity, nil, d.result.box)
	content := container.NewVBox(d.intro, form, d.storeBox, status)
	if d.hint != "" {
		hint := widget.NewLabel(d.hint)
		hint.Wrapping = fyne.TextWrapWord
		hint.SizeName = theme.SizeNameCaptionText
		content.Add(hint)
	}
	d.m = d.dialogs.newModal("Add New API Key", 600, content,
		[]fyne.CanvasObject{d.cancel, d.saveOnly, d.verify}, d.onCancel, d.onVerifyAndSave)
	d.kind.choose(core.KindTeam.Label(), false)
	d.store.choose(storeKeychainLabel, false)
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
	d.fileName, d.data, d.fileErr, d.repairs, d.notes = p.fileName, p.data, "", p.repairs, p.notes
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
	d.fileName, d.data, d.repairs, d.notes = name, nil, nil, nil
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

// newKey is what the dialog holds, as the vault takes it. The file's repairs
// are left out while the form is being checked: the dialog shows them as the
// file's note, so the warnings Prepare gives back are the Key ID's.
func (d *addDialog) newKey(withRepairs bool) storage.NewKey {
	nk := storage.NewKey{
		Name:     strings.TrimSpace(d.name.Text),
		KeyID:    strings.TrimSpace(d.keyID.Text),
		IssuerID: strings.TrimSpace(d.issuer.Text),
		Kind:     kindFromLabel(d.kind.selected),
		Data:     d.data,
		Store:    storage.StoreKeychain,
		// No FileName: the dialog took the Key ID from the file's name into
		// its field, and what the field says is what counts (Prepare would
		// fill an emptied field from the name again).
	}
	if withRepairs {
		nk.Repairs = d.repairs
	}
	if d.fileStore() {
		nk.Store = storage.StoreFile
	}
	return nk
}

// fieldChecks holds what the checks said about each field.
type fieldChecks struct {
	errs  map[storage.Field]string
	warns map[storage.Field]string
}

func (c fieldChecks) ok() bool { return len(c.errs) == 0 }

// check says what is wrong with each field: the file as the dialog holds it
// (none chosen, unreadable), then what the vault's Prepare last said.
func (d *addDialog) check() fieldChecks {
	c := fieldChecks{errs: map[storage.Field]string{}, warns: map[storage.Field]string{}}
	for f, err := range d.checked.fieldErrs {
		c.errs[f] = errText(err)
	}
	switch {
	case d.fileErr != "":
		c.errs[storage.FieldFile] = d.fileErr
	case d.data == nil:
		c.errs[storage.FieldFile] = "Choose the AuthKey_XXXXXXXXXX.p8 file you downloaded from App Store Connect, or drop it on this window."
	}
	var warns []string
	for _, w := range d.checked.warnings {
		warns = append(warns, sentence(w))
	}
	if len(warns) > 0 {
		c.warns[storage.FieldKeyID] = strings.Join(warns, " ")
	}
	return c
}

// onChanged re-checks the form after any change with the vault's Prepare,
// in the background (it reads the key list); the messages follow its answer.
func (d *addDialog) onChanged() {
	d.checkGen++
	d.showChecks(d.check())
	if d.vault == nil {
		return
	}
	gen, nk := d.checkGen, d.newKey(false)
	d.work.background(func(context.Context) {
		p, err := d.vault.Prepare(d.ctx, nk)
		fyne.Do(func() {
			if gen != d.checkGen || errors.Is(err, context.Canceled) {
				return // the form changed since, or the dialog closed
			}
			d.setChecked(gen, p, err)
			d.showChecks(d.check())
		})
	})
}

// setChecked keeps what Prepare said of the form at gen. A key, Key ID or
// name already linked is worth saying even in a field not yet touched.
func (d *addDialog) setChecked(gen int, p *storage.Prepared, err error) {
	d.checked = prepareAnswer{gen: gen, fieldErrs: storage.FieldErrors(err)}
	switch {
	case p != nil:
		d.checked.warnings = p.Warnings()
	case d.checked.fieldErrs == nil:
		d.checked.err = err
		d.result.set(toneError, errText(err))
	}
	for f, ferr := range d.checked.fieldErrs {
		var dup *storage.DuplicateError
		if errors.As(ferr, &dup) {
			d.touched[f] = true
		}
	}
}

// showChecks puts each field's message under it: errors first, then
// warnings and notes. Untouched fields stay quiet, so
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
	// storage reads the file itself, once, by its path: the chooser's
	// reader is not needed.
	r.Close()
	name, path := r.URI().Name(), r.URI().Path()
	d.fileLabel.SetText(name + " (reading…)")
	// What went wrong with the last file or the last try says nothing
	// about this one.
	d.result.clear()
	d.fileErr = ""
	d.onKeyFile(filepath.Dir(path))
	d.work.background(func(context.Context) {
		p, err := readKeyFile(path)
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

// submit links the key in the background, verified with Apple first when
// verify is set, unless the form is known to be incomplete.
func (d *addDialog) submit(verify bool) {
	if d.busy {
		return
	}
	for _, f := range []storage.Field{storage.FieldFile, storage.FieldName, storage.FieldKeyID, storage.FieldIssuerID} {
		d.touched[f] = true
	}
	c := d.check()
	d.showChecks(c)
	// An answer about an older form is not held against this one: the
	// vault checks it again before linking.
	if !c.ok() && (d.checked.gen == d.checkGen || d.data == nil || d.fileErr != "") {
		d.result.set(toneError, "Fix the fields marked in red first.")
		d.focusFirst()
		return
	}
	if d.vault == nil {
		d.result.set(toneError, "No key vault is open, so the key cannot be saved.")
		return
	}
	if msg := d.checkPassphrase(); msg != "" {
		d.passMsg.set(toneError, msg)
		d.dialogs.focus(d.pass)
		return
	}
	if d.fileStore() {
		d.setPass(d.pass.Text)
	}
	ctx, stop := context.WithCancel(d.ctx)
	d.stop = stop
	d.setBusy(true, verify)
	nk := d.newKey(true)
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
	for _, w := range []fyne.Disableable{d.name, d.keyID, d.choose, d.saveOnly, d.verify, d.pass, d.pass2} {
		if busy {
			w.Disable()
		} else {
			w.Enable()
		}
	}
	d.kind.setDisabled(busy)
	d.store.setDisabled(busy)
	if busy {
		d.issuer.Disable()
		d.activity.Show()
		d.activity.Start()
		if verifying {
			d.result.set(toneNote, "Checking the key with App Store Connect…")
		} else {
			d.result.set(toneNote, "Saving the key…")
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
	var verr *storage.VerifyError
	switch fieldErrs := storage.FieldErrors(out.err); {
	case errors.Is(out.err, context.Canceled):
		d.result.set(toneWarning, "Stopped. The key was not saved.")
	case errors.As(out.err, &verr):
		d.result.set(toneError, verifyFailure(verr.Err)+" The key was not saved: check the fields, or press Save Without Verifying to link it anyway.")
	case fieldErrs != nil:
		d.checked = prepareAnswer{gen: d.checkGen, fieldErrs: fieldErrs}
		d.showChecks(d.check())
		if out.unprepared {
			d.result.set(toneError, "Fix the fields marked in red first.")
		} else {
			// The form was fine, but the key list changed meanwhile.
			d.result.set(toneError, "The key was not saved: see the field marked in red.")
		}
		d.focusFirst()
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
	// err is why the key was not linked: a *storage.VerifyError when
	// Apple refused it or could not be asked. unprepared says Prepare
	// refused the form, so nothing was tried.
	err        error
	unprepared bool
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

// link links nk with the vault's Prepare and Link, first checking it with
// Apple when verify is set; the client that checked it is kept, for its
// token. It runs off the UI goroutine: it reads the key list, talks to Apple
// and writes to the keychain.
func (d *addDialog) link(ctx context.Context, nk storage.NewKey, verify bool) addOutcome {
	p, err := d.vault.Prepare(ctx, nk)
	if err != nil {
		return addOutcome{err: err, unprepared: true}
	}
	var out addOutcome
	var check func(context.Context, core.Credentials) error
	if verify {
		check = func(ctx context.Context, creds core.Credentials) error {
			client := d.newClient(creds)
			vctx, cancel := context.WithTimeout(ctx, verifyTimeout)
			defer cancel()
			res, _, err := client.Verify(vctx)
			if err == nil {
				out.verified, out.client = &res, client
			}
			return err
		}
	} else {
		// Saving is not cancellable: the keychain may be showing an unlock
		// prompt, and stopping halfway helps nobody.
		var cancel context.CancelFunc
		ctx, cancel = storage.WithInteractiveTimeout(d.work.ctx)
		defer cancel()
	}
	out.key, out.warnings, out.err = d.vault.Link(ctx, p, check)
	return out
}

package gui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/keyfile"
	"github.com/asckeys/asckeys/storage"
)

// verifyTimeout bounds one check of a key against Apple, retries included:
// a person is waiting for the answer.
const verifyTimeout = 45 * time.Second

// nameTaken finds the key other than the one with vault id exceptID that is
// called name, ignoring case, as the vault compares names. The window's list
// answers at once as the user types; the vault checks again on rename.
func nameTaken(keys []storage.Key, name, exceptID string) (storage.Key, bool) {
	for _, k := range keys {
		if k.ID != exceptID && strings.EqualFold(k.Name, name) {
			return k, true
		}
	}
	return storage.Key{}, false
}

// renameDialog asks for a key's new name, checking it as it is typed.
type renameDialog struct {
	dialogs   *dialogs
	work      *worker
	vault     *storage.Vault
	keys      []storage.Key // the keys linked, whose names are taken
	onRenamed func(id string)

	key  storage.Key
	m    *modal
	name *dialogEntry
	msg  message
	save *dialogButton
	busy bool
}

// renameKey opens the rename dialog for k.
func (u *ui) renameKey(k storage.Key) {
	d := &renameDialog{dialogs: u.dialogs, work: u.work, vault: u.vault, keys: u.keys, onRenamed: u.reloadKeys, key: k}
	d.buildUI()
	d.m.show()
	d.dialogs.focus(d.name)
	d.name.TypedShortcut(&fyne.ShortcutSelectAll{}) // ready to be typed over
}

func (d *renameDialog) buildUI() {
	d.name = newDialogEntry("Name")
	d.name.SetText(d.key.Name)
	d.name.OnChanged = func(string) { d.validate() }
	d.name.OnSubmitted = func(string) { d.onSave() }
	d.msg = newMessage()
	d.save = newDialogButton("Rename", nil, d.onSave)
	d.save.Importance = widget.HighImportance
	cancel := newDialogButton("Cancel", nil, d.onCancel)
	form := container.NewVBox(
		widget.NewLabel(fmt.Sprintf("A new name for the key with Key ID %s:", d.key.KeyID)),
		d.name, d.msg.Label,
	)
	d.m = d.dialogs.newModal("Rename Key", 420, form, []fyne.CanvasObject{cancel, d.save}, d.onCancel, d.onSave)
	d.name.onEscape = d.onCancel
}

// validate shows what is wrong with the name typed so far, and reports
// whether it can be saved.
func (d *renameDialog) validate() bool {
	name, err := keyfile.CheckName(d.name.Text)
	if err == nil {
		if k, ok := nameTaken(d.keys, name, d.key.ID); ok {
			err = fmt.Errorf("another key is already called %q (Key ID %s): choose another name", k.Name, k.KeyID)
		}
	}
	if err != nil {
		d.msg.set(toneError, errText(err))
	} else {
		d.msg.clear()
	}
	if err != nil || d.busy {
		d.save.Disable()
	} else {
		d.save.Enable()
	}
	return err == nil
}

func (d *renameDialog) onCancel() { d.m.hide() }

func (d *renameDialog) onSave() {
	if d.busy || !d.validate() {
		return
	}
	name, _ := keyfile.CheckName(d.name.Text)
	if name == d.key.Name {
		d.m.hide()
		return
	}
	d.busy = true
	d.save.Disable()
	id := d.key.ID
	d.work.background(func(ctx context.Context) {
		err := d.vault.Rename(ctx, id, name)
		fyne.Do(func() {
			d.busy = false
			if err != nil {
				d.msg.set(toneError, errText(err))
				d.validate()
				return
			}
			d.m.hide()
			d.onRenamed(id)
		})
	})
}

// removeKey asks before unlinking k, and says what removing costs: the
// private key leaves the keychain, and Apple never hands out the file again.
func (u *ui) removeKey(k storage.Key) {
	text := fmt.Sprintf("Remove %q (Key ID %s) from %s?\n\n"+
		"Its private key will be deleted from this computer's keychain. Apple lets you download "+
		"a key's .p8 file only once, so it cannot be downloaded again: unless you kept a copy of "+
		"AuthKey_%s.p8, linking this account again needs a new key from App Store Connect.\n\n"+
		"The key stays valid at Apple: revoke it in App Store Connect if nobody needs it any more.",
		k.Name, k.KeyID, core.AppName, k.KeyID)
	remove := u.dialogs.askWarning("Remove Key", text, "Remove Key", theme.DeleteIcon(), func() { u.onRemoveConfirmed(k) })
	remove.Importance = widget.DangerImportance
}

func (u *ui) onRemoveConfirmed(k storage.Key) {
	u.work.background(func(ctx context.Context) {
		kctx, cancel := storage.WithInteractiveTimeout(ctx)
		defer cancel()
		err := u.vault.Remove(kctx, k.ID)
		if err == nil || errors.Is(err, storage.ErrCleanupPending) {
			u.clients.forget(k.ID)
			// The cached lists describe the account: they go with the key.
			_ = u.cache.Remove(k.ID)
		}
		fyne.Do(func() {
			switch {
			case errors.Is(err, storage.ErrCleanupPending):
				u.dialogs.showMessage("Key Removed", errText(err), theme.WarningIcon())
			case err != nil:
				u.dialogs.showMessage("Could Not Remove the Key", errText(err), theme.ErrorIcon())
			}
			if u.selected == k.ID {
				u.selected = ""
			}
			u.reloadKeys("")
		})
	})
}

// verifyKey checks k against Apple with one cheap request, records the
// outcome in the vault and says it in the key's header.
func (u *ui) verifyKey(k storage.Key) {
	if u.selected == k.ID {
		u.view.setNotice(toneNote, "Checking the key with Apple…", true)
	}
	u.work.background(func(ctx context.Context) {
		text, t, recorded := u.verify(ctx, k)
		fyne.Do(func() {
			switch {
			case u.selected != k.ID:
				if t == toneError {
					u.dialogs.showMessage("Key Check Failed", text, theme.ErrorIcon())
				}
			case t == toneError && recorded:
				// Apple's refusal is now the key's state, which the header
				// shows once the list is read again: saying it twice
				// helps nobody.
				u.view.clearNotice()
			default:
				u.view.setNotice(t, text, false)
			}
			u.reloadKeys("")
		})
	})
}

// verify runs a linked key's check off the UI goroutine and returns what
// to tell the user, and whether the outcome was recorded in the vault.
func (u *ui) verify(ctx context.Context, k storage.Key) (text string, t tone, recorded bool) {
	client, err := u.clients.get(ctx, k.ID)
	if err != nil {
		return errText(err), toneError, false
	}
	vctx, cancel := context.WithTimeout(ctx, verifyTimeout)
	defer cancel()
	res, _, err := client.Verify(vctx)
	if errors.Is(err, context.Canceled) {
		return "", toneNone, false
	}
	u.view.rateLimitFrom(k.ID, client)
	// The vault records only what Apple said: a network failure says
	// nothing about the key. Failing to record costs only the state shown.
	recorded, _ = u.vault.RecordCheck(ctx, k.ID, time.Now(), err)
	if err != nil {
		return verifyFailure(err), toneError, recorded
	}
	return verifySuccess(k.Kind, res), toneSuccess, recorded
}

// verifySuccess says in words what a successful check found.
func verifySuccess(kind core.KeyKind, res core.VerifyResult) string {
	if !kind.CanProvision() {
		return fmt.Sprintf("The key works and sees %s. Individual keys cannot list certificates or profiles.", plural(res.Apps, "app", "apps"))
	}
	return fmt.Sprintf("The key works and sees %s.", plural(res.Certificates, "certificate", "certificates"))
}

// verifyFailure says in words why a check failed: Apple's refusal, or what
// kept the request from reaching Apple.
func verifyFailure(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Sprintf("App Store Connect did not answer within %d seconds: check the network connection and try again.", int(verifyTimeout/time.Second))
	}
	// The client's errors say what happened and what to do: a 401 names
	// the likely causes, a network error what to check.
	return errText(err)
}

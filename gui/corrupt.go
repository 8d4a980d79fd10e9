package gui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/asckeys/asckeys/storage"
)

// corruptView replaces the right-hand side when keys.json cannot be read:
// it says so in the vault's words (which name the file and its backup) and
// offers the one step that recovers, restoring the backup. The damaged file
// is never overwritten, so nothing is lost by waiting.
type corruptView struct {
	work       *worker
	vault      *storage.Vault
	onRestored func() // the backup is back: read the list again

	content fyne.CanvasObject
	text    *widget.Label
	restore *widget.Button
	msg     message
}

func (c *corruptView) buildUI() {
	title := widget.NewLabelWithStyle("The list of linked keys cannot be read", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	c.text = widget.NewLabel("")
	c.text.Wrapping = fyne.TextWrapWord
	note := widget.NewLabel("Your private keys are still in the system keychain. Restoring the backup brings back the list as it was before its last change; the damaged file is kept beside it.")
	note.Wrapping = fyne.TextWrapWord
	note.Importance = widget.LowImportance
	c.restore = widget.NewButtonWithIcon("Restore Backup", theme.HistoryIcon(), c.onRestore)
	c.restore.Importance = widget.HighImportance
	c.msg = newMessage()
	column := container.NewVBox(
		container.NewBorder(nil, nil, widget.NewIcon(theme.ErrorIcon()), nil, title),
		c.text, note,
		container.NewHBox(c.restore),
		c.msg.Label,
	)
	c.content = container.NewVScroll(container.NewCenter(container.New(&minWidth{560}, column)))
}

// show explains err; Restore Backup is offered only when a backup exists.
func (c *corruptView) show(err *storage.CorruptConfigError) {
	c.text.SetText(errText(err))
	c.msg.clear()
	if err.Backup == "" {
		c.restore.Disable()
		c.msg.set(toneWarning, "There is no backup of the list. Move the damaged file aside to start a new list, then add your keys again: their private keys are still in the keychain.")
	} else {
		c.restore.Enable()
	}
}

func (c *corruptView) onRestore() {
	c.restore.Disable()
	c.work.background(func(ctx context.Context) {
		err := c.vault.RestoreBackup()
		fyne.Do(func() {
			if err != nil {
				c.restore.Enable()
				c.msg.set(toneError, errText(err))
				return
			}
			c.onRestored()
		})
	})
}

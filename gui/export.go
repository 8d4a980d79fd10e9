package gui

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"

	"github.com/asckeys/asckeys/storage"
)

// exportKey warns what an export holds, then asks where to save k as
// fastlane's API key JSON. Apple hands out a .p8 only once, so this is how a
// key linked here reaches another machine or a CI secret.
func (u *ui) exportKey(k storage.Key) {
	text := fmt.Sprintf("Export %q (Key ID %s) as fastlane's API key JSON?\n\n"+
		"The file holds the private key in plain text: anyone who has it can act as this key "+
		"at App Store Connect. Keep it out of version control and chats, store it as a CI secret, "+
		"and delete it when it has done its job.", k.Name, k.KeyID)
	u.dialogs.askWarning("Export Key", text, "Choose Where to Save…", theme.DocumentSaveIcon(), func() { u.chooseExportFile(k) })
}

// chooseExportFile asks for the file to write k to.
func (u *ui) chooseExportFile(k storage.Key) {
	fd := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		switch {
		case err != nil:
			u.dialogs.showError("Could not choose the file", err)
		case w != nil:
			// The vault writes the file itself, atomically and private
			// (0600): the chooser's writer is not used.
			path := w.URI().Path()
			w.Close()
			u.exportTo(k, path)
		}
	}, u.win)
	fd.SetFileName("AuthKey_" + k.KeyID + ".json")
	if l := folderLister(u.keyFileDir()); l != nil {
		fd.SetLocation(l)
	}
	fd.Resize(u.win.Canvas().Size())
	fd.Show()
}

// exportTo writes k as fastlane JSON to path in the background and says how
// it went.
func (u *ui) exportTo(k storage.Key, path string) {
	u.work.background(func(ctx context.Context) {
		kctx, cancel := storage.WithInteractiveTimeout(ctx)
		defer cancel()
		err := u.vault.WriteFastlane(kctx, k.ID, path)
		fyne.Do(func() {
			if err != nil {
				short, _ := explain(err)
				u.dialogs.showMessage("Could Not Export the Key", short, theme.ErrorIcon())
				return
			}
			u.dialogs.showMessage("Key Exported", fmt.Sprintf("%q is saved for fastlane in %s, readable only by you. "+
				"Use it with fastlane's api_key_path.", k.Name, path), theme.ConfirmIcon())
		})
	})
}

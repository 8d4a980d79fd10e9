package gui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/asckeys/asckeys/actions"
	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/identity"
	"github.com/asckeys/asckeys/storage"
)

// The Certificates tab's actions: Create Certificate, Import .p12, Export
// .p12 and Revoke, and the Private Key column.

type certTools struct {
	create, importP12, export, revoke *widget.Button
	selected                          []core.Certificate
	// keysFor is the vault id of the key keysHere was found for.
	keysFor    string
	p12Chooser *chooser[fyne.URIReadCloser]
}

// Encodings of an exported .p12, as the dialog offers them.
const (
	p12Legacy = "Legacy (3DES, SHA-1)"
	p12Modern = "Modern (AES-256, SHA-256)"
)

func (w *writes) buildCertTools() {
	t := &w.certs
	tab := w.v.certs
	t.create = toolButton("Create Certificate…", theme.ContentAddIcon(), false, w.openCreateCertificate)
	t.importP12 = toolButton("Import .p12…", theme.FolderOpenIcon(), false, w.chooseP12)
	t.export = toolButton("Export .p12…", theme.DocumentSaveIcon(), true, func() {
		if len(t.selected) == 1 {
			w.openExportP12(t.selected[0])
		}
	})
	t.revoke = toolButton("Revoke…", theme.DeleteIcon(), true, func() { w.planRevoke(t.selected) })
	for _, b := range []*widget.Button{t.create, t.importP12, t.export, t.revoke} {
		tab.addTool(b)
	}
	tab.onSelection = append(tab.onSelection, func(sel []core.Certificate) {
		t.selected = sel
		enableFor(t.export, len(sel) == 1)
		enableFor(t.revoke, len(sel) > 0)
		if len(sel) > 1 {
			t.revoke.SetText(fmt.Sprintf("Revoke %d…", len(sel)))
		} else {
			t.revoke.SetText("Revoke…")
		}
	})
	tab.onRows = append(tab.onRows, w.findPrivateKeys)
}

// privateKeyText is the Private Key column: whether the certificate's
// private key is in this machine's keychain ("" until known).
func (w *writes) privateKeyText(c core.Certificate) string {
	switch {
	case w.keysHere == nil || w.certs.keysFor != w.v.key.ID:
		return ""
	case w.keysHere[c.ID]:
		return "Here"
	}
	return "Missing"
}

// findPrivateKeys learns which of rows have their private key here, in the
// background (actions.WithPrivateKeys: the vault's records, and for keys
// made here whose certificate is not known yet, the certificates' content).
func (w *writes) findPrivateKeys(rows []core.Certificate) {
	v := w.v
	if !v.isOpen || !v.key.Kind.CanProvision() {
		return
	}
	k := v.key
	rows = slices.Clone(rows) // the table's own slice stays on the UI goroutine
	v.work.background(func(ctx context.Context) {
		e, err := w.env(ctx, k)
		if err != nil {
			return // the tab says why the list cannot be read
		}
		listed, err := actions.WithPrivateKeys(ctx, e.deps, rows)
		if err != nil {
			return // unknown: the column stays empty
		}
		here := make(map[string]bool, len(listed))
		for _, c := range listed {
			here[c.ID] = c.HasPrivateKey
		}
		fyne.Do(func() {
			if v.showing(k.ID) {
				w.keysHere, w.certs.keysFor = here, k.ID
				// The table keeps its cells' texts from SetRows: set them again.
				v.certs.table.SetRows(v.certs.table.All())
			}
		})
	})
}

// certificateChoiceHint says what Apple allows of a type and how many the
// team's list holds.
func certificateChoiceHint(c actions.CertificateChoice) string {
	label := core.CertificateTypeLabel(c.Type)
	switch {
	case c.Limit == 0:
		return fmt.Sprintf("No limit is known for %s certificates; the team has %d.", label, c.Current)
	case core.CertificateLimitPerPerson(c.Type):
		return fmt.Sprintf("Apple allows %d current %s certificates per person (this key counts as one); the team lists %d in all.",
			c.Limit, label, c.Current)
	case c.Full():
		return fmt.Sprintf("Apple allows %d current %s certificates per team and the team has %d: Apple will refuse a new one until one is revoked.",
			c.Limit, label, c.Current)
	}
	return fmt.Sprintf("Apple allows %d current %s certificates per team; the team has %d, room for %d more.",
		c.Limit, label, c.Current, c.Limit-c.Current)
}

// notOffered explains the certificates an API key cannot create.
func notOffered() string {
	dev := core.CheckCertificateCreatable("DEVELOPER_ID_APPLICATION")
	return "Not offered: " + sentence(dev.Error()) + " Push, Apple Pay and pass type certificates are made on Apple's website."
}

// openCreateCertificate opens Create Certificate: the types the key may
// create, each with its limit and count, and the question it asks.
func (w *writes) openCreateCertificate() {
	k := w.v.key
	if err := actions.CheckCreateCertificate(actions.Deps{Key: k}, "DEVELOPMENT"); err != nil {
		w.showFailure("Cannot Create Certificates", err)
		return
	}
	choices := actions.CertificateChoices(actions.Deps{Key: k}, w.v.certs.table.All(), time.Now())
	labels := make([]string, len(choices))
	byLabel := map[string]actions.CertificateChoice{}
	for i, c := range choices {
		labels[i] = fmt.Sprintf("%s (%s)", core.CertificateTypeLabel(c.Type), c.Type)
		if c.Full() {
			labels[i] += " · at the limit"
		}
		byLabel[labels[i]] = c
	}
	hint := caption("")
	question := widget.NewLabel("Choose the type of certificate.")
	question.Wrapping = fyne.TextWrapWord
	var chosen string
	var f *formDialog
	radio := widget.NewRadioGroup(labels, func(l string) {
		c, ok := byLabel[l]
		if !ok {
			chosen = ""
			f.goOn.Disable()
			return
		}
		chosen = c.Type
		hint.SetText(certificateChoiceHint(c))
		question.SetText(createCertificateQuestion(c.Type, k.Name))
		f.errMsg.clear()
		f.goOn.Enable()
		f.m.d.Refresh()
	})
	rows := container.NewVBox(fieldLabel("Type"), radio, hint, question, caption(notOffered()))
	f = w.newForm("Create Certificate", 560, rows, "Create Certificate", func() {
		certType := chosen
		w.runForm(f, func(ctx context.Context, e writeEnv) (func(), error) {
			res, err := actions.CreateCertificate(ctx, e.deps, certType, "")
			var limit *actions.LimitError
			if errors.As(err, &limit) {
				return nil, errors.New(limitText(limit))
			}
			if err != nil {
				return nil, err
			}
			return func() {
				text := fmt.Sprintf("Created the %s certificate %q, serial %s, expires %s: its private key is in this machine's keychain; "+
					"select it and press Export .p12 to use it on another Mac.", core.CertificateTypeLabel(res.CertificateType), res.Name,
					res.SerialNumber, date(res.ExpirationDate.Time))
				if res.Warning != "" {
					text += " Note: " + sentence(res.Warning)
				}
				w.done(text, w.v.certs)
			}, nil
		})
	})
	f.goOn.Disable()
	f.m.show()
}

// createCertificateQuestion is what Create Certificate asks, as the command
// line does.
func createCertificateQuestion(certType, keyName string) string {
	return fmt.Sprintf("Create a new %s certificate (%s) with %s? It counts against Apple's limit for the type. "+
		"Its private key is made on this machine and kept in the keychain.", core.CertificateTypeLabel(certType), certType, keyName)
}

// limitText is Apple's refusal at a type's limit, with the certificates to
// revoke named as the window shows them.
func limitText(e *actions.LimitError) string {
	text := sentence(e.Limit.Error())
	if len(e.Existing) > 0 {
		parts := make([]string, len(e.Existing))
		for i, c := range e.Existing {
			parts[i] = fmt.Sprintf("%q (serial %s, expires %s)", c.Label(), c.SerialNumber, date(c.ExpirationDate.Time))
		}
		text += " Candidates to revoke (select them in the Certificates tab and press Revoke): " + strings.Join(parts, ", ") + "."
	}
	return text
}

// planRevoke finds the profiles that include the certificates chosen, then
// asks before revoking them.
func (w *writes) planRevoke(certs []core.Certificate) {
	if len(certs) == 0 {
		return
	}
	ids := make([]string, len(certs))
	for i, c := range certs {
		ids[i] = c.ID
	}
	w.run("Finding the profiles that include them…", "Could Not Revoke", func(ctx context.Context, e writeEnv) (func(), error) {
		plan, err := actions.PlanRevoke(ctx, e.deps, ids)
		if err != nil {
			return nil, err
		}
		return func() { w.v.clearNotice(); w.askRevoke(plan) }, nil
	})
}

// askRevoke asks before revoking, naming the profiles that stop working.
func (w *writes) askRevoke(plan actions.RevokePlan) {
	deleteKeys := widget.NewCheck("Also remove their private keys from this machine's keychain", nil)
	label := plural(len(plan.Certificates), "Certificate", "Certificates")
	m, question := w.ask("Revoke "+label, plan.Question(false), deleteKeys, "Revoke "+label, func() {
		del := deleteKeys.Checked
		w.run("Revoking…", "Could Not Revoke", func(ctx context.Context, e writeEnv) (func(), error) {
			res, err := actions.Revoke(ctx, e.deps, plan, del)
			if err != nil {
				if len(res.Revoked) > 0 {
					fyne.Do(func() { w.v.load([]resourcePane{w.v.certs, w.v.profiles}, false) })
				}
				return nil, err
			}
			return func() {
				w.v.certs.table.ClearSelection()
				text := fmt.Sprintf("Revoked %s.", plural(len(res.Revoked), "certificate", "certificates"))
				if n := len(res.AffectedProfiles); n > 0 {
					text += fmt.Sprintf(" %s that included them no longer work: select them in the Profiles tab and press Regenerate.",
						plural(n, "profile", "profiles"))
				}
				if del {
					text += fmt.Sprintf(" Removed %s from this machine's keychain.", plural(res.KeysDeleted, "private key", "private keys"))
				}
				w.done(text, w.v.certs, w.v.profiles)
			}, nil
		})
	})
	deleteKeys.OnChanged = func(on bool) {
		// The question says what the box adds.
		question.SetText(plan.Question(on))
		m.d.Refresh()
	}
}

// openExportP12 asks for the .p12's password and encoding, then where to
// save it.
func (w *writes) openExportP12(c core.Certificate) {
	if w.privateKeyText(c) != "Here" {
		w.v.dialogs.showMessage("Private Key Not Here", fmt.Sprintf("The private key of %q is not on this machine, so it cannot be exported: "+
			"only certificates whose Private Key column says Here can be. Import its .p12 (Import .p12…) on this machine first, "+
			"or export it on the Mac that made it.", c.Label()), theme.InfoIcon())
		return
	}
	pw := newDialogEntry("")
	pw.SetText(identity.GeneratePassword())
	copyPw := widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), func() {
		fyne.CurrentApp().Clipboard().SetContent(pw.Text)
	})
	encoding := widget.NewRadioGroup([]string{p12Legacy, p12Modern}, nil)
	encoding.SetSelected(p12Legacy)
	encoding.Required = true
	rows := container.NewVBox(
		widget.NewLabel(fmt.Sprintf("Export %q with its private key as a .p12, protected by this password:", c.Label())),
		container.NewBorder(nil, nil, nil, copyPw, pw),
		caption("A generated password of letters and digits, which every import tool accepts. Give it to whoever gets the file by another way than the file."),
		fieldLabel("Encoding"), encoding,
		caption("Legacy opens everywhere: Keychain Access and macOS's security tool, Windows, Java and OpenSSL 1 and 3."),
		caption("Modern is stronger but opens only on current systems: macOS's Keychain Access refuses it, as do older Windows, Java 11 and OpenSSL 1."),
	)
	var f *formDialog
	f = w.newForm("Export .p12", 560, rows, "Choose Where to Save…", func() {
		if pw.Text == "" {
			f.errMsg.set(toneError, "Give a password: macOS refuses to import a .p12 without one.")
			return
		}
		password, modern := pw.Text, encoding.Selected == p12Modern
		f.m.hide()
		w.chooseP12Destination(c, password, modern)
	})
	f.m.show()
	w.v.dialogs.focus(pw)
}

// chooseP12Destination asks where to write the .p12.
func (w *writes) chooseP12Destination(c core.Certificate, password string, modern bool) {
	fd := dialog.NewFileSave(func(wc fyne.URIWriteCloser, err error) {
		switch {
		case err != nil:
			w.showFailure("Could Not Choose the File", err)
		case wc != nil:
			// actions.ExportP12 creates the file itself, private (0600) and
			// never over another: the chooser's empty file goes.
			path := wc.URI().Path()
			_ = wc.Close()
			if fi, err := os.Stat(path); err == nil && fi.Size() == 0 {
				_ = os.Remove(path)
			}
			w.exportP12(c, path, password, modern)
		}
	}, w.v.dialogs.win)
	fd.SetFileName(core.SafeFileName(c.Label()) + ".p12")
	fd.Resize(w.v.dialogs.win.Canvas().Size())
	fd.Show()
}

// exportP12 writes the .p12 in the background and says where it went.
func (w *writes) exportP12(c core.Certificate, path, password string, modern bool) {
	w.run("Exporting…", "Could Not Export the Certificate", func(ctx context.Context, e writeEnv) (func(), error) {
		res, err := actions.ExportP12(ctx, e.deps, c.ID, path, password, modern)
		if err != nil {
			return nil, err
		}
		return func() {
			w.v.clearNotice()
			opens := "legacy encoding: it opens in Keychain Access, Windows and OpenSSL"
			if modern {
				opens = "modern encoding: it opens on current systems only, not in Keychain Access"
			}
			w.v.dialogs.showMessage("Certificate Exported", fmt.Sprintf("%q and its private key are in %s, readable only by you (%s). "+
				"The password is not in the file: pass it on separately.", res.Certificate.Label(), filepath.Clean(res.Path), opens), theme.ConfirmIcon())
		}, nil
	})
}

// chooseP12 asks for a .p12 to import.
func (w *writes) chooseP12() {
	t := &w.certs
	if t.p12Chooser == nil {
		t.p12Chooser = newFileChooser(w.v.dialogs, "Import a .p12", []string{".p12", ".pfx"},
			func(err error) { w.showFailure("Could Not Open the File", err) },
			func(rc fyne.URIReadCloser) {
				path := rc.URI().Path()
				_ = rc.Close()
				w.importP12File(path)
			})
	}
	t.p12Chooser.show(nil)
}

// importP12File reads a .p12 (chosen or dropped) in the background, then
// asks for its password.
func (w *writes) importP12File(path string) {
	v := w.v
	if !v.isOpen || !v.key.Kind.CanProvision() {
		v.dialogs.showMessage("Choose a Team Key First", "A .p12 is imported for a certificate of the team whose key is shown: "+
			"select a team key in the list on the left, then drop the .p12 again.", theme.InfoIcon())
		return
	}
	k := v.key
	v.work.background(func(context.Context) {
		data, err := storage.ReadP12File(path)
		fyne.Do(func() {
			if !v.showing(k.ID) {
				return
			}
			if err != nil {
				w.showFailure("Could Not Read the .p12", err)
				return
			}
			w.askP12Password(filepath.Base(path), data)
		})
	})
}

// askP12Password asks for the password of a .p12 and imports it.
func (w *writes) askP12Password(name string, data []byte) {
	pw := newDialogEntry("The password it was exported with")
	pw.Password = true
	rows := container.NewVBox(
		widget.NewLabel(fmt.Sprintf("Import the private key of %s into this machine's keychain, for its certificate of %s?", name, w.v.key.Name)),
		fieldLabel("Password"), pw,
		caption("Nothing is sent to Apple but a listing: the certificate must be one of this team's."),
	)
	var f *formDialog
	f = w.newForm("Import .p12", 520, rows, "Import", func() {
		password := pw.Text
		w.runForm(f, func(ctx context.Context, e writeEnv) (func(), error) {
			c, err := actions.ImportP12(ctx, e.deps, data, password)
			if err != nil {
				return nil, err
			}
			return func() {
				w.done(fmt.Sprintf("Imported the private key of %q (serial %s): it is in this machine's keychain, and the certificate can be exported.",
					c.Label(), c.SerialNumber), w.v.certs)
			}, nil
		})
	})
	pw.OnSubmitted = func(string) { f.goOn.OnTapped() }
	f.m.show()
	w.v.dialogs.focus(pw)
}

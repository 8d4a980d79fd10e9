package gui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	fstorage "fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/keyfile"
	"github.com/asckeys/asckeys/sandbox"
	"github.com/asckeys/asckeys/storage"
)

// openAddDialog taps Add New and waits for the dialog.
func (h *harness) openAddDialog() *addDialog {
	h.t.Helper()
	h.waitFor("the key list to be read", func() bool { return h.u.keysShown() })
	h.do(func() { test.Tap(h.u.org.addNew) })
	h.waitFor("the Add New dialog", func() bool { return h.u.add != nil })
	return read(h, func() *addDialog { return h.u.add })
}

// chooseFile answers the dialog's file chooser with the file at path, as
// the chooser does when the user picks it.
func (h *harness) chooseFile(d *addDialog, path string) {
	h.t.Helper()
	h.do(func() { test.Tap(d.choose) })
	h.waitFor("the file chooser over the dialog", func() bool { return len(h.win.Canvas().Overlays().List()) == 2 })
	r, err := fstorage.Reader(fstorage.NewFileURI(path))
	if err != nil {
		h.t.Fatal(err)
	}
	h.do(func() {
		// As the chooser does: it hides, then calls back.
		d.file.fd.Hide()
		d.file.answer(r, nil)
	})
}

// retype replaces an entry's text as a person does: select all, then type
// over it (or delete it).
func retype(e *dialogEntry, text string) {
	c := fyne.CurrentApp().Driver().CanvasForObject(e)
	c.Focus(e)
	e.TypedShortcut(&fyne.ShortcutSelectAll{})
	if text == "" {
		e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})
		return
	}
	test.Type(e, text)
}

func TestAddKeyThroughTheDialogVerifiesAndLinksIt(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 2, Certificates: 24})
	h.open()
	tk := h.srv.NewKey(core.KindTeam, sandbox.RoleAdmin)
	p8 := h.writeFile("AuthKey_"+tk.KeyID+".p8", tk.PEM)

	d := h.openAddDialog()
	h.chooseFile(d, p8)
	h.waitFor("the Key ID to be filled in from the file name", func() bool { return d.keyID.Text == tk.KeyID },
		func() string { return "Key ID field: " + d.keyID.Text })
	h.do(func() {
		if d.name.Text != tk.KeyID {
			t.Errorf("the name defaults to %q, want the Key ID %s", d.name.Text, tk.KeyID)
		}
		if strings.Contains(h.screenText(), "PRIVATE KEY") {
			t.Error("the dialog shows the private key")
		}
		retype(d.name, "Example Corp")
		test.Type(d.issuer, tk.IssuerID)
		test.Tap(d.verify)
	})
	h.waitFor("the dialog to close after Verify and Save", func() bool { return h.u.add == nil },
		func() string { return "dialog says: " + d.result.Text })

	want := "The key works and sees 24 certificates."
	h.waitFor("the new key in the panel with what the check found", func() bool {
		s := h.screenText()
		return strings.Contains(s, "Example Corp") && strings.Contains(s, want) && strings.Contains(s, "Verified")
	}, h.screenText)

	keys, err := h.vault.List(context.Background())
	if err != nil || len(keys) != 1 {
		t.Fatalf("vault holds %v (%v), want the one key", keys, err)
	}
	k := keys[0]
	if k.Name != "Example Corp" || k.KeyID != tk.KeyID || k.IssuerID != tk.IssuerID || k.Kind != core.KindTeam {
		t.Errorf("linked %+v, want Example Corp, %s, %s, team", k, tk.KeyID, tk.IssuerID)
	}
	if k.Verification() != storage.Verified {
		t.Errorf("the key was not recorded as verified: %+v", k)
	}
	if secret, ok := h.kc.Secret(k.ID); !ok || !strings.Contains(secret, "PRIVATE KEY") {
		t.Error("the private key is not in the keychain")
	}
	// The verification counted certificates with one cheap request.
	if n := h.srv.Stats().ByRoute["GET /v1/certificates"]; n < 1 {
		t.Errorf("no certificate request reached the sandbox (%v)", h.srv.Stats().ByRoute)
	}
}

func TestAddDialogSaysWhyAppleRefusedTheKeyAndSavesNothing(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 3})
	h.open()
	// A key Apple does not know: what a typo in the Key ID or Issuer ID,
	// or a revoked key, looks like.
	tk := sandbox.NewTestKey(core.KindTeam, sandbox.RoleAdmin)
	d := h.openAddDialog()
	h.chooseFile(d, h.writeFile("AuthKey_"+tk.KeyID+".p8", tk.PEM))
	h.waitFor("the file to be read", func() bool { return d.keyID.Text == tk.KeyID })
	h.do(func() {
		test.Type(d.issuer, tk.IssuerID)
		d.issuer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) // Enter submits
	})
	h.waitFor("Apple's refusal in words", func() bool {
		return !d.busy && strings.Contains(d.result.Text, "rejected the key (401")
	}, func() string { return d.result.Text })
	h.do(func() {
		if !strings.Contains(d.result.Text, "was not saved") {
			t.Errorf("the dialog does not say the key was not saved: %q", d.result.Text)
		}
		if h.u.add != d {
			t.Error("the dialog closed although the key was refused")
		}
	})
	if keys, _ := h.vault.List(context.Background()); len(keys) != 0 {
		t.Errorf("a refused key was saved: %v", keys)
	}

	// Offline use: Save Without Verifying links it anyway, unverified.
	h.do(func() { test.Tap(d.saveOnly) })
	h.waitFor("the dialog to close", func() bool { return h.u.add == nil })
	h.waitFor("the key in the panel as not yet verified", func() bool {
		return strings.Contains(h.screenText(), "Not yet verified")
	}, h.screenText)
}

func TestAddDialogValidatesAsTheUserTypes(t *testing.T) {
	garbage := []byte("Meeting notes\nnothing to see here\n")
	_, garbageErr := keyfile.Parse(garbage)
	if garbageErr == nil {
		t.Fatal("the garbage file parses as a key")
	}
	for _, tc := range []struct {
		name  string
		edit  func(h *harness, d *addDialog, linked sandbox.TestKey)
		field func(d *addDialog) message
		tone  widget.Importance
		want  string
	}{
		{
			name:  "a Key ID of an odd shape gets a warning",
			edit:  func(h *harness, d *addDialog, _ sandbox.TestKey) { retype(d.keyID, "abc123") },
			field: func(d *addDialog) message { return d.keyIDMsg },
			tone:  widget.WarningImportance,
			want:  "Key IDs from Apple are 10 upper-case letters and digits",
		},
		{
			name:  "a missing Key ID",
			edit:  func(h *harness, d *addDialog, _ sandbox.TestKey) { retype(d.keyID, "x"); retype(d.keyID, "") },
			field: func(d *addDialog) message { return d.keyIDMsg },
			tone:  widget.DangerImportance,
			want:  "Enter the Key ID",
		},
		{
			name:  "a missing Issuer ID",
			edit:  func(h *harness, d *addDialog, _ sandbox.TestKey) { retype(d.issuer, "") },
			field: func(d *addDialog) message { return d.issuerMsg },
			tone:  widget.DangerImportance,
			want:  "Team keys need their Issuer ID",
		},
		{
			name:  "an Issuer ID that is not a UUID",
			edit:  func(h *harness, d *addDialog, _ sandbox.TestKey) { retype(d.issuer, "not-a-uuid") },
			field: func(d *addDialog) message { return d.issuerMsg },
			tone:  widget.DangerImportance,
			want:  "The Issuer ID is not a UUID",
		},
		{
			name:  "an individual key with an Issuer ID",
			edit:  func(h *harness, d *addDialog, _ sandbox.TestKey) { test.Tap(d.kind.buttons[1]) }, // Individual
			field: func(d *addDialog) message { return d.issuerMsg },
			tone:  widget.DangerImportance,
			want:  "Individual keys have no Issuer ID",
		},
		{
			name:  "a name already taken, in another case",
			edit:  func(h *harness, d *addDialog, _ sandbox.TestKey) { retype(d.name, "example CORP") },
			field: func(d *addDialog) message { return d.nameMsg },
			tone:  widget.DangerImportance,
			want:  `The name "Example Corp" is already used by the key with Key ID`,
		},
		{
			name: "the private key of a linked key, under another Key ID",
			edit: func(h *harness, d *addDialog, linked sandbox.TestKey) {
				r, err := fstorage.Reader(fstorage.NewFileURI(h.writeFile("old-backup.p8", linked.PEM)))
				if err != nil {
					h.t.Fatal(err)
				}
				d.file.answer(r, nil)
				retype(d.keyID, "NEWKEY1234")
			},
			field: func(d *addDialog) message { return d.fileMsg },
			tone:  widget.DangerImportance,
			want:  `This private key is already linked as "Example Corp"`,
		},
		{
			name: "a file that is not a key",
			edit: func(h *harness, d *addDialog, _ sandbox.TestKey) {
				r, err := fstorage.Reader(fstorage.NewFileURI(h.writeFile("notes.p8", garbage)))
				if err != nil {
					h.t.Fatal(err)
				}
				d.file.answer(r, nil)
			},
			field: func(d *addDialog) message { return d.fileMsg },
			tone:  widget.DangerImportance,
			want:  errText(garbageErr),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, sandbox.Config{Seed: 4})
			_, linked := h.link("Example Corp", core.KindTeam, sandbox.RoleAdmin)
			h.open()
			tk := h.srv.NewKey(core.KindTeam, sandbox.RoleAdmin)
			d := h.openAddDialog()
			h.chooseFile(d, h.writeFile("AuthKey_"+tk.KeyID+".p8", tk.PEM))
			h.waitFor("the file to be read", func() bool { return d.keyID.Text == tk.KeyID })
			// Start from a complete form, then break one thing.
			h.do(func() { test.Type(d.issuer, tk.IssuerID) })
			h.do(func() { tc.edit(h, d, linked) })
			h.waitFor(fmt.Sprintf("the message %q", tc.want), func() bool {
				m := tc.field(d)
				return strings.Contains(m.Text, tc.want) && m.Importance == tc.tone
			}, func() string { m := tc.field(d); return fmt.Sprintf("message %q, importance %v", m.Text, m.Importance) })

			// Nothing is saved while a field is in error; a warning alone
			// does not stop saving.
			h.do(func() { test.Tap(d.saveOnly) })
			if tc.tone == widget.WarningImportance {
				h.waitFor("the key to be saved despite the warning", func() bool { return h.u.add == nil },
					func() string { return d.result.Text })
				return
			}
			h.waitFor("the refusal to save", func() bool { return strings.Contains(d.result.Text, "Fix the fields marked in red") },
				func() string { return d.result.Text })
			if keys, _ := h.vault.List(context.Background()); len(keys) != 1 {
				t.Errorf("the vault holds %d keys, want only the one linked before", len(keys))
			}
		})
	}
}

func TestEscapeCancelsTheAddDialog(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 5})
	h.open()
	d := h.openAddDialog()
	h.do(func() {
		h.win.Canvas().Focus(d.keyID)
		d.keyID.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	})
	h.waitFor("Escape in a field to close the dialog", func() bool { return h.u.add == nil })

	// With nothing focused, the window passes Escape to the dialog.
	h.openAddDialog()
	h.do(func() {
		h.win.Canvas().Unfocus()
		h.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	})
	h.waitFor("Escape on the window to close the dialog", func() bool { return h.u.add == nil })
}

// fastlaneJSON is a fastlane API key file for tk.
func fastlaneJSON(t *testing.T, tk sandbox.TestKey) []byte {
	t.Helper()
	k, err := keyfile.Parse(tk.PEM)
	if err != nil {
		t.Fatal(err)
	}
	data, err := keyfile.MarshalFastlane(&keyfile.FastlaneKey{KeyID: tk.KeyID, IssuerID: tk.IssuerID, Kind: tk.Kind, Key: k})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestDroppedKeyFilesOpenTheDialogFilledInOneAfterAnother(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 6})
	h.open()
	h.waitFor("the key list to be read", func() bool { return h.u.keysShown() })
	p8Key := h.srv.NewKey(core.KindTeam, sandbox.RoleAdmin)
	jsonKey := h.srv.NewKey(core.KindEnterprise, sandbox.RoleAdmin)
	p8 := h.writeFile("AuthKey_"+p8Key.KeyID+".p8", p8Key.PEM)
	js := h.writeFile("ci_api_key.json", fastlaneJSON(t, jsonKey))

	h.do(func() { h.u.handleDrop([]fyne.URI{fstorage.NewFileURI(p8), fstorage.NewFileURI(js)}) })
	h.waitFor("the dialog for the .p8", func() bool { return h.u.add != nil && h.u.add.keyID.Text == p8Key.KeyID })
	h.do(func() {
		d := h.u.add
		if d.fileLabel.Text != "AuthKey_"+p8Key.KeyID+".p8" || d.kind.selected != "Team" || d.issuer.Text != "" {
			t.Errorf("the .p8 dialog shows file %q, kind %q, issuer %q", d.fileLabel.Text, d.kind.selected, d.issuer.Text)
		}
		d.onCancel()
	})
	h.waitFor("the dialog for the fastlane file, once the first closed", func() bool {
		return h.u.add != nil && h.u.add.keyID.Text == jsonKey.KeyID
	})
	h.do(func() {
		d := h.u.add
		if d.issuer.Text != jsonKey.IssuerID || d.kind.selected != "Enterprise" {
			t.Errorf("the fastlane dialog shows issuer %q, kind %q; want %s, Enterprise", d.issuer.Text, d.kind.selected, jsonKey.IssuerID)
		}
		if !strings.Contains(d.fileMsg.Text, "come from the fastlane file") {
			t.Errorf("the fastlane dialog does not say where the fields came from: %q", d.fileMsg.Text)
		}
		test.Tap(d.verify)
	})
	h.waitFor("the enterprise key to be verified and linked", func() bool { return h.u.add == nil && len(h.u.keys) == 1 },
		func() string { return h.screenText() })
	keys, _ := h.vault.List(context.Background())
	if len(keys) != 1 || keys[0].Kind != core.KindEnterprise || keys[0].KeyID != jsonKey.KeyID {
		t.Errorf("vault holds %v, want the enterprise key from the fastlane file", keys)
	}
}

func TestDroppingAFileThatIsNotAKeySaysSoAndAddsNothing(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 7})
	h.open()
	h.waitFor("the key list to be read", func() bool { return h.u.keysShown() })
	bad := h.writeFile("holiday.jpg", []byte("\xff\xd8\xff\xe0 not a key at all \x00\x01\x02"))

	h.do(func() { h.u.handleDrop([]fyne.URI{fstorage.NewFileURI(bad)}) })
	h.waitFor("a message about the file", func() bool {
		return strings.Contains(h.screenText(), `"holiday.jpg" is not an App Store Connect API key`)
	}, h.screenText)
	h.do(func() {
		if h.u.add != nil {
			t.Error("the Add New dialog opened for a file that is not a key")
		}
		if !strings.Contains(h.screenText(), "Drop the AuthKey_XXXXXXXXXX.p8 file") {
			t.Errorf("the message does not say what to drop instead:\n%s", h.screenText())
		}
		ok := findButton(h.win.Canvas().Overlays().Top(), "OK")
		if ok == nil {
			t.Fatal("the message has no OK button")
		}
		test.Tap(ok)
	})
	// Closing the message opens nothing else: dialogs queued behind it
	// would open at once.
	h.do(func() {
		if h.u.add != nil || h.win.Canvas().Overlays().Top() != nil {
			t.Errorf("closing the message left a dialog open:\n%s", h.screenText())
		}
	})
	if keys, _ := h.vault.List(context.Background()); len(keys) != 0 {
		t.Errorf("the vault holds %v after dropping a picture", keys)
	}
	if accts := h.kc.Accounts(); len(accts) != 0 {
		t.Errorf("the keychain holds %v after dropping a picture", accts)
	}
}

func TestReadKeyFilePrefillsTheDialogAndNamesFilesThatHoldNoKey(t *testing.T) {
	tk := sandbox.NewTestKey(core.KindTeam, sandbox.RoleAdmin)
	dir := t.TempDir()
	p8 := filepath.Join(dir, "AuthKey_"+tk.KeyID+" (1).p8")
	js := filepath.Join(dir, "key.json")
	if err := os.WriteFile(p8, tk.PEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(js, []byte(`{"key_id": "ABC"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := readKeyFile(p8)
	if err != nil || p.keyID != tk.KeyID || p.name != tk.KeyID || p.fastlane || p.fileName != filepath.Base(p8) {
		t.Errorf("a browser copy of a .p8 gave %+v, %v", p, err)
	}
	_, err = readKeyFile(js)
	var nk *notAKeyError
	if !errors.As(err, &nk) || !errors.Is(err, keyfile.ErrFastlaneField) || nk.name != "key.json" {
		t.Errorf("a fastlane file without a key gave %v", err)
	}
}

func TestCancelStopsTheCheckWithAppleAndKeepsTheDialog(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 8})
	h.open()
	tk := h.srv.NewKey(core.KindTeam, sandbox.RoleAdmin)
	d := h.openAddDialog()
	h.chooseFile(d, h.writeFile("AuthKey_"+tk.KeyID+".p8", tk.PEM))
	h.waitFor("the file to be read", func() bool { return d.keyID.Text == tk.KeyID })
	h.srv.SetLatency(waitTimeout) // Apple does not answer while the test looks
	h.do(func() {
		test.Type(d.issuer, tk.IssuerID)
		test.Tap(d.verify)
	})
	h.waitFor("the check to run", func() bool { return d.busy && strings.Contains(d.result.Text, "Checking the key") })
	h.do(func() {
		for _, b := range []*dialogButton{d.verify, d.saveOnly} {
			if !b.Disabled() {
				t.Errorf("%q is enabled during the check", b.Text)
			}
		}
		if !d.activity.Visible() {
			t.Error("no progress indicator during the check")
		}
		test.Tap(d.cancel)
	})
	h.waitFor("the check to stop", func() bool { return !d.busy && strings.Contains(d.result.Text, "Stopped. The key was not saved.") },
		func() string { return d.result.Text })
	h.do(func() {
		if h.u.add != d {
			t.Error("Cancel during the check closed the dialog")
		}
		if d.verify.Disabled() {
			t.Error("Verify and Save stays disabled after the check stopped")
		}
	})
	if keys, _ := h.vault.List(context.Background()); len(keys) != 0 {
		t.Errorf("a key was saved although the check was stopped: %v", keys)
	}
	h.srv.SetLatency(0)
}

// A Key ID typed in lower case becomes upper case; an error from the last
// try goes when another file is chosen; the chooser then opens where that
// file was, not in the download folder.
func TestAddDialogUpperCasesTheKeyIDAndForgetsOldErrors(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 4})
	h.open()
	tk := sandbox.NewTestKey(core.KindTeam, sandbox.RoleAdmin)
	d := h.openAddDialog()
	h.do(func() {
		if !strings.Contains(d.keyID.PlaceHolder, "e.g.") || !strings.Contains(d.issuer.PlaceHolder, "e.g.") {
			t.Errorf("the placeholders %q and %q read like values, not examples", d.keyID.PlaceHolder, d.issuer.PlaceHolder)
		}
		retype(d.keyID, "ab12cd34ef")
		if d.keyID.Text != "AB12CD34EF" {
			t.Errorf("a Key ID typed in lower case reads %q", d.keyID.Text)
		}
		d.result.set(toneError, "Could not reach App Store Connect: dial tcp: lookup api.appstoreconnect.apple.com: no such host.")
	})
	path := h.writeFile("AuthKey_"+tk.KeyID+".p8", tk.PEM)
	h.chooseFile(d, path)
	h.waitFor("the file to be read", func() bool { return d.keyID.Text == tk.KeyID })
	h.do(func() {
		if d.result.Text != "" {
			t.Errorf("after choosing a new file the old error %q is still shown", d.result.Text)
		}
		if got := h.u.keyFileDir(); got != filepath.Dir(path) {
			t.Errorf("the next chooser opens in %q, want the folder of the last key file %q", got, filepath.Dir(path))
		}
	})
}

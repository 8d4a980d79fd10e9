package gui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox"
	"github.com/asckeys/asckeys/storage"
)

// noKeychain makes the harness's keychain answer as a machine without a
// Secret Service does.
func noKeychain(h *harness) {
	h.kc.Inject(storage.Fault{Err: &storage.KeychainError{Op: storage.OpGet, Kind: storage.ErrNoKeychain}})
}

func TestAddDialogOffersTheEncryptedFileWhereThereIsNoKeychain(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 3, Certificates: 2})
	noKeychain(h)
	h.open()
	tk := h.srv.NewKey(core.KindTeam, sandbox.RoleAdmin)
	p8 := h.writeFile("AuthKey_"+tk.KeyID+".p8", tk.PEM)

	d := h.openAddDialog()
	h.waitFor("the dialog to say there is no keychain and offer the encrypted file", func() bool {
		s := h.screenText()
		return d.storeBox.Visible() && strings.Contains(s, "Encrypted file") && strings.Contains(s, "--store file") && strings.Contains(s, "GNOME Keyring")
	}, h.screenText)
	h.do(func() {
		// Nothing is chosen for the user: the keychain stays selected
		// until they pick the file.
		if d.store.selected != storeKeychainLabel || d.pass.Visible() {
			t.Errorf("the dialog chose %q for the user", d.store.selected)
		}
	})
	h.chooseFile(d, p8)
	h.waitFor("the Key ID from the file name", func() bool { return d.keyID.Text == tk.KeyID })
	h.do(func() {
		test.Type(d.issuer, tk.IssuerID)
		test.Tap(d.store.buttons[1])
		if !d.pass.Visible() || !d.pass2.Visible() {
			t.Error("a new encrypted file does not ask for its passphrase twice")
		}
		test.Type(d.pass, "correct horse")
		test.Type(d.pass2, "correct hose")
		test.Tap(d.saveOnly)
	})
	h.waitFor("the mismatch to be said", func() bool { return strings.Contains(h.screenText(), "two passphrases differ") }, h.screenText)
	if keys, _ := h.vault.List(context.Background()); len(keys) != 0 {
		t.Fatalf("a mismatched passphrase linked %v", keys)
	}
	h.do(func() {
		retype(d.pass2, "correct horse")
		test.Tap(d.saveOnly)
	})
	h.waitFor("the dialog to close", func() bool { return h.u.add == nil }, func() string { return d.result.Text })

	keys, err := h.vault.List(context.Background())
	if err != nil || len(keys) != 1 || keys[0].Where() != storage.StoreFile {
		t.Fatalf("vault holds %v (%v), want the key in the encrypted file", keys, err)
	}
	if len(h.kc.Accounts()) != 0 {
		t.Errorf("the keychain holds %v", h.kc.Accounts())
	}
	if _, err := os.Stat(filepath.Join(h.dir, "config", storage.FileVaultName)); err != nil {
		t.Errorf("no encrypted file: %v", err)
	}
	// The window uses it: the key's lists load with tokens it signs.
	h.waitFor("the key's certificates to load", func() bool { return h.srv.Stats().ByRoute["GET /v1/certificates"] > 0 }, h.screenText)
	if _, err := h.vault.Credentials(context.Background(), keys[0].ID); err != nil {
		t.Errorf("the key in the file cannot be read back: %v", err)
	}
}

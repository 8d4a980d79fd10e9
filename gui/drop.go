package gui

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/keyfile"
	"github.com/asckeys/asckeys/storage"
)

// addPrefill is what a key file puts into the Add New dialog. Data is the
// private key as PEM (taken out of a fastlane file); it is never shown.
type addPrefill struct {
	fileName string // the file's base name, shown in the dialog
	data     []byte
	keyID    string
	issuerID string
	name     string
	kind     core.KeyKind
	// fastlane is set when the file was fastlane's API key JSON, which
	// carries the Key ID, Issuer ID and kind as well as the key.
	fastlane bool
	// repairs are what reading the file changed; notes says so in words.
	repairs []string
	notes   []string
}

// prefillOf makes the dialog's prefill of a key storage read from a file.
func prefillOf(nk storage.NewKey) addPrefill {
	base := filepath.Base(nk.FileName)
	// ParseKeyData fills in the Key ID only from a fastlane file; a .p8's
	// comes from its name, as Prepare takes it.
	p := addPrefill{fileName: base, data: nk.Data, keyID: nk.KeyID, issuerID: nk.IssuerID, kind: nk.Kind,
		fastlane: nk.KeyID != "", repairs: nk.Repairs}
	what := "The key in the file"
	if !p.fastlane {
		p.keyID, p.kind, what = keyfile.KeyIDFromFilename(base), core.KindTeam, "The key file"
	}
	p.name = p.keyID
	if len(nk.Repairs) > 0 {
		p.notes = []string{what + " was repaired: " + strings.Join(nk.Repairs, "; ") + "."}
	}
	return p
}

// notAKeyError is a file that holds no App Store Connect API key.
type notAKeyError struct {
	name string
	err  error
}

func (e *notAKeyError) Error() string {
	return fmt.Sprintf("%q is not an App Store Connect API key: %s", e.name, e.err)
}

func (e *notAKeyError) Unwrap() error { return e.err }

// readKeyFile reads the key file at path with storage.ReadKeyFile, the one
// reader of key files, and makes a prefill of it. A file that could be read
// but holds no key is a *notAKeyError naming the file. It reads from disk:
// call it off the UI goroutine.
func readKeyFile(path string) (addPrefill, error) {
	nk, err := storage.ReadKeyFile(path)
	var ke *keyfile.Error
	switch {
	case errors.As(err, &ke):
		return addPrefill{}, &notAKeyError{name: filepath.Base(path), err: ke}
	case err != nil:
		var ve *storage.ValidationError
		if errors.As(err, &ve) {
			err = ve.Err // the reading's own words, which name the file
		}
		return addPrefill{}, err
	}
	return prefillOf(nk), nil
}

// isP12File reports whether path names a .p12 (or .pfx) by its extension.
func isP12File(path string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	return ext == ".p12" || ext == ".pfx"
}

// handleDrop is what dropping files on the window does: each .p12 opens
// Import .p12 for the key shown, each .mobileprovision
// opens an inspector, and each .p8 or fastlane .json file the Add New dialog
// filled in, one after another; a file that holds neither gets a message
// saying so, and nothing else happens. The window's drop callback calls it on
// the UI goroutine; the files are read in the background.
func (u *ui) handleDrop(uris []fyne.URI) {
	var keys, profiles []string
	for _, uri := range uris {
		if isP12File(uri.Path()) {
			// A .p12 brings the private key of one of the shown key's
			// certificates: Import .p12 asks for its password.
			path := uri.Path()
			u.dialogs.queue.add(func(done func()) {
				u.view.writes.importP12File(path)
				done()
			})
			continue
		}
		if isProfileFile(uri.Path()) {
			profiles = append(profiles, uri.Path())
		} else {
			keys = append(keys, uri.Path())
		}
	}
	if len(profiles) > 0 {
		u.dropProfiles(profiles)
	}
	if len(keys) > 0 {
		u.dropKeys(keys)
	}
}

// dropProfiles opens one inspector per profile dropped, one after another,
// and one message per file that is not a readable profile.
func (u *ui) dropProfiles(paths []string) {
	u.work.background(func(ctx context.Context) {
		files := make([]profileFile, len(paths))
		errs := make([]error, len(paths))
		for i, path := range paths {
			if ctx.Err() != nil {
				return
			}
			files[i], errs[i] = u.profiles.read(ctx, path)
		}
		fyne.Do(func() {
			for i := range paths {
				if err := errs[i]; err != nil {
					text := errText(err) + "\n\nDrop a .mobileprovision file downloaded from App Store Connect or Xcode."
					u.dialogs.queue.add(func(done func()) {
						u.dialogs.showMessageThen("Not a Provisioning Profile", text, theme.ErrorIcon(), done)
					})
					continue
				}
				f := files[i]
				u.dialogs.queue.add(func(done func()) { u.profiles.inspect(f, done) })
			}
		})
	})
}

// dropKeys opens the Add New dialog for each key file dropped.
func (u *ui) dropKeys(paths []string) {
	u.work.background(func(ctx context.Context) {
		type result struct {
			prefill addPrefill
			err     error
		}
		results := make([]result, len(paths))
		for i, path := range paths {
			if ctx.Err() != nil {
				return
			}
			results[i].prefill, results[i].err = readKeyFile(path)
		}
		fyne.Do(func() {
			if u.org.blocked() {
				u.dialogs.showMessage("Cannot Add Keys Now", "The list of linked keys cannot be read, so no key can be added: restore its backup first.", theme.ErrorIcon())
				return
			}
			var bad []string
			for _, r := range results {
				if r.err != nil {
					bad = append(bad, errText(r.err))
				}
			}
			if len(bad) > 0 {
				title := "Not an API Key"
				if len(bad) > 1 {
					title = "Not API Keys"
				}
				text := strings.Join(bad, "\n\n") + "\n\nDrop the AuthKey_XXXXXXXXXX.p8 file you downloaded from App Store Connect, or a fastlane API key .json file."
				u.dialogs.queue.add(func(done func()) { u.dialogs.showMessageThen(title, text, theme.ErrorIcon(), done) })
			}
			for _, r := range results {
				if r.err == nil {
					p := r.prefill
					u.dialogs.queue.add(func(done func()) { u.showAddDialog(p, done) })
				}
			}
		})
	})
}

package gui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/keyfile"
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
	// notes are what the file's reading changed, for the user to read.
	notes []string
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

// readKeyURI reads the file at uri and makes a prefill of it. It reads
// from disk: call it off the UI goroutine.
func readKeyURI(uri fyne.URI) (addPrefill, error) {
	name := uri.Name()
	if ok, err := storage.CanList(uri); err == nil && ok {
		return addPrefill{}, &notAKeyError{name: name, err: errors.New("it is a folder; drop the .p8 file itself")}
	}
	r, err := storage.Reader(uri)
	if err != nil {
		return addPrefill{}, fmt.Errorf("reading %q: %w", name, err)
	}
	defer r.Close()
	return readKeyFile(name, r)
}

// readKeyFile reads a key file's contents (at most a little more than the
// largest key, so a wrong file of gigabytes costs nothing) and recognises a
// .p8 or a fastlane API key JSON file.
func readKeyFile(name string, r io.Reader) (addPrefill, error) {
	data, err := io.ReadAll(io.LimitReader(r, keyfile.MaxFileSize+1))
	if err != nil {
		return addPrefill{}, fmt.Errorf("reading %q: %w", name, err)
	}
	return parseKeyFile(name, data)
}

// parseKeyFile recognises a key in data: fastlane's JSON when the name ends
// in .json or the text is a JSON object, else a .p8 (which keyfile repairs
// if CI secrets damaged it).
func parseKeyFile(name string, data []byte) (addPrefill, error) {
	base := filepath.Base(name)
	isJSON := strings.EqualFold(filepath.Ext(base), ".json") || bytes.HasPrefix(bytes.TrimSpace(data), []byte("{"))
	if isJSON {
		f, err := keyfile.ParseFastlane(data)
		if err != nil {
			return addPrefill{}, &notAKeyError{name: base, err: err}
		}
		p := addPrefill{fileName: base, data: f.Key.PEM, keyID: f.KeyID, issuerID: f.IssuerID, kind: f.Kind, name: f.KeyID, fastlane: true}
		if len(f.Key.Repairs) > 0 {
			p.notes = []string{"The key in the file was repaired: " + strings.Join(f.Key.Repairs, "; ") + "."}
		}
		return p, nil
	}
	k, err := keyfile.Parse(data)
	if err != nil {
		return addPrefill{}, &notAKeyError{name: base, err: err}
	}
	keyID := keyfile.KeyIDFromFilename(base)
	p := addPrefill{fileName: base, data: data, keyID: keyID, name: keyID, kind: core.KindTeam}
	if len(k.Repairs) > 0 {
		p.notes = []string{"The key file was repaired: " + strings.Join(k.Repairs, "; ") + "."}
	}
	return p, nil
}

// handleDrop is what dropping files on the window does: each .p8 or fastlane
// .json file opens the Add New dialog filled in, one after another; a file
// that holds no key gets a message saying so, and nothing else happens.
// The window's drop callback calls it on the UI goroutine; the files are
// read in the background.
func (u *ui) handleDrop(uris []fyne.URI) {
	if len(uris) == 0 {
		return
	}
	u.work.background(func(ctx context.Context) {
		type result struct {
			prefill addPrefill
			err     error
		}
		results := make([]result, len(uris))
		for i, uri := range uris {
			if ctx.Err() != nil {
				return
			}
			results[i].prefill, results[i].err = readKeyURI(uri)
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

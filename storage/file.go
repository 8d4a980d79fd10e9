package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/keyfile"
)

// File names inside the vault's folder.
const (
	FileName   = "keys.json"
	BackupName = "keys.json.bak"
	lockName   = "keys.json.lock"
)

// SchemaVersion is the keys.json format this version writes. It refuses to
// change files of a newer version.
const SchemaVersion = 1

// document is keys.json.
type document struct {
	SchemaVersion  int             `json:"schemaVersion"`
	Keys           []Key           `json:"keys"`
	PendingDeletes []PendingDelete `json:"pendingDeletes,omitempty"`
}

// PendingDelete is an id whose private key may be in the keychain while no
// key lists it: a removed key's, recorded before its secret is deleted and
// cleared after, or a new key's, recorded before its secret is stored and
// cleared by the write that lists the key. A crash or a locked keychain thus
// leaves work that CleanUp finishes (go-keyring cannot list entries to find
// it otherwise).
type PendingDelete struct {
	ID    string    `json:"id"`
	Name  string    `json:"name,omitempty"`
	KeyID string    `json:"keyId,omitempty"`
	Since time.Time `json:"since"`
	// Store is where the secret is: empty for the keychain.
	Store Store `json:"store,omitempty"`
}

func (v *Vault) corrupt(err error) *CorruptConfigError {
	e := &CorruptConfigError{Path: v.path, Err: err}
	if _, statErr := os.Lstat(v.backup); statErr == nil {
		e.Backup = v.backup
	}
	return e
}

// load reads keys.json. A missing file is an empty vault, unless a backup
// exists, which means the file was lost and must be restored, not started
// over. A file that cannot be read (permissions, a link, a pipe) is an
// *UnreadableConfigError: the backup would not help. raw is the file's
// bytes, nil when it does not exist.
func (v *Vault) load() (doc *document, raw []byte, err error) {
	raw, err = v.readFile(v.path)
	if errors.Is(err, fs.ErrNotExist) {
		if _, statErr := os.Lstat(v.backup); statErr == nil {
			return nil, nil, v.corrupt(errors.New("the file is missing but its backup is there"))
		}
		return &document{SchemaVersion: SchemaVersion, Keys: []Key{}}, nil, nil
	}
	if err != nil {
		return nil, nil, &UnreadableConfigError{Path: v.path, Err: err}
	}
	doc, err = decode(raw)
	if err != nil {
		if errors.Is(err, ErrNewerSchema) {
			return doc, raw, fmt.Errorf("%s: %w", v.path, err)
		}
		return nil, nil, v.corrupt(err)
	}
	return doc, raw, nil
}

// loadReadable is load for reading: a file of a newer schema may still be
// read when it decodes.
func (v *Vault) loadReadable() (*document, error) {
	doc, _, err := v.load()
	if errors.Is(err, ErrNewerSchema) && doc != nil {
		return doc, nil
	}
	return doc, err
}

// schemaError explains a newer keys.json.
type schemaError struct{ version int }

func (e schemaError) Error() string {
	return fmt.Sprintf("the key list was written by a newer version of ASC Keys (format %d; this version knows %d) and was left unchanged: update ASC Keys", e.version, SchemaVersion)
}

func (e schemaError) Is(target error) bool { return target == ErrNewerSchema }

// decode parses and checks keys.json.
func decode(raw []byte) (*document, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, errors.New("the file is empty")
	}
	var doc document
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	switch {
	case doc.SchemaVersion > SchemaVersion:
		return &doc, schemaError{doc.SchemaVersion}
	case doc.SchemaVersion < 1:
		return nil, errors.New("no schemaVersion")
	}
	seen := map[string]bool{}
	for i, k := range doc.Keys {
		switch {
		case k.ID == "" || seen[k.ID]:
			return nil, fmt.Errorf("key %d has a missing or repeated id", i+1)
		case k.KeyID == "":
			return nil, fmt.Errorf("key %d has no Key ID", i+1)
		case k.Fingerprint == "":
			return nil, fmt.Errorf("key %d has no fingerprint", i+1)
		case keyfile.CheckKind(k.Kind) != nil:
			return nil, fmt.Errorf("key %d has an unknown kind", i+1)
		}
		seen[k.ID] = true
	}
	if doc.Keys == nil {
		doc.Keys = []Key{}
	}
	return &doc, nil
}

func encode(doc *document) ([]byte, error) {
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding the key list: %w", err)
	}
	return append(out, '\n'), nil
}

// txn is one read-modify-write of keys.json, under both locks.
type txn struct {
	v        *Vault
	doc      *document
	raw      []byte // the file as read when the transaction began: the backup
	backedUp bool   // raw is in the backup
}

// save writes the document: first, once per transaction, the version it
// began with to the backup, then the new one, each atomically. The backup is
// thus the version before the last change, never a step within it (an add
// saves its bookkeeping first). A failure leaves keys.json as it was.
func (tx *txn) save() error {
	data, err := encode(tx.doc)
	if err != nil {
		return err
	}
	if tx.raw != nil && !tx.backedUp {
		// The rename would replace a link or a pipe put there: refused
		// instead, as everywhere in the folder.
		if err := lstatVaultFile(tx.v.backup); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if err := tx.v.writeFile(tx.v.backup, tx.raw); err != nil {
			return tx.v.writeError(tx.v.backup, err)
		}
		tx.backedUp = true
	}
	if err := tx.v.writeFile(tx.v.path, data); err != nil {
		return tx.v.writeError(tx.v.path, err)
	}
	return nil
}

func (v *Vault) writeError(path string, err error) error {
	return fmt.Errorf("saving the key list to %s failed (%w); nothing was changed: check that the folder %s is writable and the disk is not full, then try again", path, err, v.dir)
}

// RestoreBackup replaces keys.json with keys.json.bak, the version before the
// last change: the one step that recovers from a damaged key list (one that
// does not parse) or a lost one. The replaced file is kept beside it as
// keys.json.replaced-<time>, never deleted. It refuses, changing nothing, a
// list that reads fine (nothing to restore) and one that cannot be read
// (permissions, owner, a folder or a link in its place): the older backup
// would drop the keys added since, whose private keys would stay in the
// keychain unlisted. Private keys are not touched.
func (v *Vault) RestoreBackup() error {
	ctx, cancel := WithInteractiveTimeout(context.Background())
	defer cancel()
	unlock, err := v.acquire(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	bak, err := v.readFile(v.backup)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("there is no backup %s to restore: move %s aside and add your .p8 files again", v.backup, v.path)
	}
	if err != nil {
		return fmt.Errorf("the backup cannot be read, so it was not restored: %w", err)
	}
	if _, err := decode(bak); err != nil {
		return fmt.Errorf("the backup %s cannot be used either (%v): move %s aside and add your .p8 files again", v.backup, err, v.path)
	}
	current, err := v.readFile(v.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("%w; the backup was not restored: it is older and would drop the keys added since", &UnreadableConfigError{Path: v.path, Err: err})
	default:
		_, derr := decode(current)
		if derr == nil {
			return fmt.Errorf("the key list %s reads fine: nothing to restore (the backup %s is the version before the last change; to go back to it anyway, move %s aside first)", v.path, v.backup, v.path)
		}
		if errors.Is(derr, ErrNewerSchema) {
			return fmt.Errorf("%s: %w; the backup was not restored", v.path, derr)
		}
		aside := v.path + ".replaced-" + v.now().UTC().Format("20060102T150405Z")
		if err := v.writeFile(aside, current); err != nil {
			return fmt.Errorf("keeping a copy of the damaged key list as %s failed (%w), so the backup was not restored: check that the folder %s is writable and the disk is not full, then try again", aside, err, v.dir)
		}
	}
	if err := v.writeFile(v.path, bak); err != nil {
		return v.writeError(v.path, err)
	}
	return nil
}

// Patterns of credentials that must not be stored in lastError: PEM blocks
// and JWTs, should an API error ever echo one.
var (
	pemBlockRE = regexp.MustCompile(`(?s)-----BEGIN[^-]*-----.*?(-----END[^-]*-----|$)`)
	jwtRE      = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`)
)

// maxErrorText bounds the stored lastError.
const maxErrorText = 500

// cleanErrorText makes an error message safe and small enough to store:
// credentials removed, then through core.SafeText (the text may be Apple's
// or a server's), on one line.
func cleanErrorText(s string) string {
	s = pemBlockRE.ReplaceAllString(s, "[key removed]")
	s = jwtRE.ReplaceAllString(s, "[token removed]")
	s = strings.Join(strings.Fields(core.SafeText(s)), " ")
	if r := []rune(s); len(r) > maxErrorText {
		s = string(r[:maxErrorText]) + "…"
	}
	return s
}

// staleTempRE matches the temporary files of atomic writes in the vault's
// folder: renameio's ".keys.json<digits>" and ".keys.json.bak<digits>",
// Windows' ".keys.json-<digits>", those of RestoreBackup's copy aside, and
// those of identities.json (identities.go) and pending-profiles.json
// (pendingprofiles.go).
var staleTempRE = regexp.MustCompile(`^\.(` + regexp.QuoteMeta(FileName) + `(\.bak|\.replaced-[0-9TZ]+)?|` + regexp.QuoteMeta(IdentitiesName) +
	`|` + regexp.QuoteMeta(PendingProfilesName) + `)-?[0-9]+$`)

// removeStaleTemps deletes the temporary files that writes interrupted by a
// kill left behind. The caller holds the lock, so no write is under way.
func removeStaleTemps(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.Type().IsRegular() && staleTempRE.MatchString(e.Name()) {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// ensurePrivate tightens the folder to 0700 and the files to 0600 where an
// older version or the user left them looser. A file that is a link, a pipe
// or anything but a regular file is refused (checkVaultFile), never
// chmodded through. Windows has no such modes.
func ensurePrivate(dir string, files ...string) error {
	if isWindows {
		return nil
	}
	// The folder itself may be a link (dotfile managers make them).
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if perm := fi.Mode().Perm(); perm&^0o700 != 0 {
		if err := os.Chmod(dir, perm&0o700); err != nil {
			return fmt.Errorf("making %s private (mode 700): %w", dir, err)
		}
	}
	for _, path := range files {
		if err := tightenFile(path); err != nil {
			return err
		}
	}
	return nil
}

// tightenFile makes a file of the folder 0600 through a descriptor opened
// without following links, so a link put in its place changes nothing. A
// missing file is fine, and so, here, is one this user may not open: load
// says why it cannot be read.
func tightenFile(path string) error {
	f, err := openVaultFile(path, os.O_RDONLY)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if perm := fi.Mode().Perm(); perm&^0o600 != 0 {
		if err := f.Chmod(perm & 0o600); err != nil {
			return fmt.Errorf("making %s private (mode 600): %w", path, err)
		}
	}
	return nil
}

// WriteFilePrivate writes data to path atomically with mode 0600: readers see
// the old file or the new one, never a mix, and a crash leaves one of them.
// Used for keys.json and for exports that hold a private key. path must be a
// regular file or a new path: a symbolic link, a device, a pipe or a folder
// there is refused and left as it is, since the rename would put a file
// holding the secret in its place (or, through a link, write elsewhere).
func WriteFilePrivate(path string, data []byte) error {
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is %s, and private files are written only to a regular file or a new path: it was left as it is; give another path", path, fileKind(fi))
	}
	if err := writeFileAtomic(path, data); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

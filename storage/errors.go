package storage

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// Errors of the vault, matched with errors.Is.
var (
	// ErrKeyNotFound: no key has the id, name or Key ID asked for.
	ErrKeyNotFound = errors.New("no such key")
	// ErrAmbiguous: a name or Key ID matches more than one key.
	ErrAmbiguous = errors.New("several keys match")
	// ErrDuplicate: the key, its Key ID or its name is already linked.
	ErrDuplicate = errors.New("already linked")
	// ErrNewerSchema: keys.json was written by a newer ASC Keys.
	ErrNewerSchema = errors.New("key list written by a newer version")
	// ErrCorruptConfig: keys.json is damaged (it does not parse) or lost
	// while its backup is there: RestoreBackup helps.
	ErrCorruptConfig = errors.New("key list damaged")
	// ErrConfigUnreadable: keys.json is there but cannot be read (its
	// permissions or owner, a link or a pipe in its place): RestoreBackup
	// would not help and refuses.
	ErrConfigUnreadable = errors.New("key list unreadable")
	// ErrCleanupPending: a removed key's private key is still in the keychain
	// and will be deleted later; the key itself is gone from the list.
	ErrCleanupPending = errors.New("private key deletion pending")
	// ErrSecretMismatch: the keychain holds a different key than the one added.
	ErrSecretMismatch = errors.New("keychain holds a different private key")
	// ErrSecretDamaged: the keychain's copy of a key does not parse.
	ErrSecretDamaged = errors.New("private key in the keychain is damaged")
	// ErrBusy: another process held the key list's lock for too long.
	ErrBusy = errors.New("key list busy")
)

// Field names the input a validation error is about, so a form can show the
// message next to it.
type Field string

// The fields of NewKey.
const (
	FieldName     Field = "name"
	FieldKeyID    Field = "keyId"
	FieldIssuerID Field = "issuerId"
	FieldKind     Field = "kind"
	FieldFile     Field = "file"
)

// ValidationError is bad input to Prepare or Add: a .p8 that is refused, a missing
// Issuer ID, a name in use. Its message is the user's to read.
type ValidationError struct {
	Field Field
	Err   error
}

// Error returns the message of the underlying error.
func (e *ValidationError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error (a *keyfile.Error or *DuplicateError).
func (e *ValidationError) Unwrap() error { return e.Err }

// ValidationErrors is every problem Prepare found in a NewKey, one per field,
// in the order of the form (name, Key ID, kind, Issuer ID, file), so a form
// can mark each field at once. errors.As finds the first *ValidationError.
type ValidationErrors []*ValidationError

// Error joins the messages into one line.
func (e ValidationErrors) Error() string {
	msgs := make([]string, len(e))
	for i, ve := range e {
		msgs[i] = ve.Error()
	}
	return strings.Join(msgs, "; ")
}

// Unwrap returns each field's error, so errors.Is and errors.As look at all.
func (e ValidationErrors) Unwrap() []error {
	errs := make([]error, len(e))
	for i, ve := range e {
		errs[i] = ve
	}
	return errs
}

// FieldErrors maps each field that err (a *ValidationError, ValidationErrors
// or an error wrapping one) finds fault with to that fault. It is nil when err
// is about no field.
func FieldErrors(err error) map[Field]error {
	var all ValidationErrors
	if !errors.As(err, &all) {
		var one *ValidationError
		if !errors.As(err, &one) {
			return nil
		}
		all = ValidationErrors{one}
	}
	out := make(map[Field]error, len(all))
	for _, ve := range all {
		if _, seen := out[ve.Field]; !seen {
			out[ve.Field] = ve
		}
	}
	return out
}

// validationError is nil, the one error, or all of them.
func validationError(errs ValidationErrors) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return errs
}

// VerifyError is Link's verification failing: nothing was saved. Its message
// is the verification's own.
type VerifyError struct{ Err error }

// Error returns the verification error's text.
func (e *VerifyError) Error() string { return e.Err.Error() }

// Unwrap returns the verification error.
func (e *VerifyError) Unwrap() error { return e.Err }

// DuplicateError refuses a key, Key ID or name that is already linked, and
// names the entry that has it.
type DuplicateError struct {
	Existing Key
	msg      string
}

// Error says which entry already has it and what to do.
func (e *DuplicateError) Error() string { return e.msg }

// Is matches ErrDuplicate.
func (e *DuplicateError) Is(target error) bool { return target == ErrDuplicate }

// UnreadableConfigError reports a keys.json that is there but cannot be
// read. The file is left as it is; the message says why and what to do.
type UnreadableConfigError struct {
	Path string
	Err  error
}

// Error says why the file cannot be read and what to do.
func (e *UnreadableConfigError) Error() string {
	if errors.Is(e.Err, fs.ErrPermission) {
		return fmt.Sprintf("the key list %s cannot be read (permission denied) and was left untouched: check that it belongs to you and that you may read it (ls -l %s; chown it to yourself or chmod 600 it), then try again", e.Path, e.Path)
	}
	return fmt.Sprintf("the key list cannot be read and was left untouched: %v", e.Err)
}

// Is matches ErrConfigUnreadable.
func (e *UnreadableConfigError) Is(target error) bool { return target == ErrConfigUnreadable }

// Unwrap returns the read error.
func (e *UnreadableConfigError) Unwrap() error { return e.Err }

// CorruptConfigError reports a keys.json that does not parse. The file is
// left as it is; the message names it and the backup, and says how to
// restore.
type CorruptConfigError struct {
	Path   string
	Backup string // empty when no backup exists
	Err    error
}

// Error names the file, the backup and the one step that restores it.
func (e *CorruptConfigError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the key list %s is damaged (%v) and was left untouched", e.Path, e.Err)
	if e.Backup != "" {
		fmt.Fprintf(&b, "; a backup from before the last change is %s: restore it with the Restore backup button, or run: asckeys keys restore-backup", e.Backup)
	} else {
		b.WriteString("; there is no backup: move the file aside and add your .p8 files again")
	}
	return b.String()
}

// Is matches ErrCorruptConfig.
func (e *CorruptConfigError) Is(target error) bool { return target == ErrCorruptConfig }

// Unwrap returns the read or parse error.
func (e *CorruptConfigError) Unwrap() error { return e.Err }

// SecretError reports a key whose private key cannot be loaded from the
// keychain, with the remedy. The key stays listed.
type SecretError struct {
	Key Key
	Err error // a *KeychainError, ErrSecretMismatch or ErrSecretDamaged
}

// Error says what is wrong with the key's secret and how to fix it.
func (e *SecretError) Error() string {
	place, store := e.Key.Where().place(), ""
	if e.Key.Where() == StoreFile {
		store = "--store file "
	}
	reimport := fmt.Sprintf("re-import its .p8 file with Add New, or run: asckeys keys add %s--p8 AuthKey_%s.p8", store, e.Key.KeyID)
	switch {
	case errors.Is(e.Err, ErrSecretNotFound):
		return fmt.Sprintf("the private key of %q (Key ID %s) is missing from %s: %s", e.Key.Name, e.Key.KeyID, place, reimport)
	case errors.Is(e.Err, ErrSecretMismatch):
		return fmt.Sprintf("%s holds a different private key for %q (Key ID %s) than the one added: %s", place, e.Key.Name, e.Key.KeyID, reimport)
	case errors.Is(e.Err, ErrSecretDamaged):
		return fmt.Sprintf("the private key of %q (Key ID %s) in %s is damaged: %s", e.Key.Name, e.Key.KeyID, place, reimport)
	}
	return fmt.Sprintf("the private key of %q (Key ID %s): %v", e.Key.Name, e.Key.KeyID, e.Err)
}

// place names the store in a sentence.
func (s Store) place() string {
	switch s {
	case StoreFile:
		return "the encrypted key file"
	case StoreEnv:
		return "the environment"
	}
	return "the keychain"
}

// Unwrap returns the cause.
func (e *SecretError) Unwrap() error { return e.Err }

// needsReimport reports whether the secret is gone or wrong, as opposed to the
// keychain being unreachable.
func needsReimport(err error) bool {
	return errors.Is(err, ErrSecretNotFound) || errors.Is(err, ErrSecretMismatch) || errors.Is(err, ErrSecretDamaged)
}

// describeRef quotes what the user typed to find a key, unless it could be a
// piece of a key pasted into the wrong place.
func describeRef(ref string) string {
	if len(ref) > 64 || len(ref) >= 20 && strings.Trim(ref, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") == "" {
		return "that name"
	}
	return fmt.Sprintf("%q", ref)
}

package storage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"filippo.io/age"
	"github.com/gofrs/flock"
)

// FileVaultName is the encrypted file, in the vault's folder, that holds the
// private keys of the keys added with StoreFile (and the signing keys of
// their certificates): for machines without a keychain (headless Linux,
// WSL), chosen explicitly, never as a fallback.
const FileVaultName = "secrets.age"

// PassphraseEnv names the environment variable the command line reads the
// encrypted file's passphrase from before asking on the terminal.
const PassphraseEnv = "ASCKEYS_PASSPHRASE"

// Where a key's private key lives.
type Store string

// The stores. keys.json leaves the keychain's out (an empty store), so files
// written before the encrypted file existed read the same.
const (
	StoreKeychain Store = "keychain"
	StoreFile     Store = "file"
	// StoreEnv is a key given in the environment (EnvKey): it is used and
	// never stored.
	StoreEnv Store = "env"
)

// ParseStore reads a store as typed (--store): keychain or file.
func ParseStore(s string) (Store, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "keychain":
		return StoreKeychain, nil
	case "file":
		return StoreFile, nil
	}
	return "", fmt.Errorf("%q is not a store: use keychain (the system keychain, the default) or file (an encrypted file in the config folder, protected by a passphrase)", s)
}

// Where is the store the key's private key lives in.
func (k Key) Where() Store {
	if k.Store == "" {
		return StoreKeychain
	}
	return k.Store
}

// PassphraseFunc asks for the encrypted file's passphrase. creating is true
// when the file does not exist yet: the passphrase chosen now protects it,
// so an interactive caller asks twice. An empty passphrase is refused.
type PassphraseFunc func(ctx context.Context, path string, creating bool) (string, error)

// The file vault's own failures, beside ErrSecretNotFound and
// ErrKeychainFailed.
var (
	ErrWrongPassphrase = errors.New("wrong passphrase for the encrypted key file")
	ErrNoPassphrase    = errors.New("no passphrase for the encrypted key file")
)

// FileVaultError is a failed call on the encrypted file. errors.Is matches
// its Kind (ErrSecretNotFound, ErrWrongPassphrase, ErrNoPassphrase,
// ErrKeychainFailed, or context.Canceled); its message never holds a secret
// or the passphrase.
type FileVaultError struct {
	Op   Op
	Path string
	Kind error
	Err  error
}

func (e *FileVaultError) Error() string {
	var what string
	switch e.Op {
	case OpSet:
		what = "could not save the private key in the encrypted key file " + e.Path
	case OpDelete:
		what = "could not delete the private key from the encrypted key file " + e.Path
	default:
		what = "could not read the private key from the encrypted key file " + e.Path
	}
	switch e.Kind {
	case ErrSecretNotFound:
		return what + ": the file holds no private key for this entry"
	case ErrWrongPassphrase:
		return what + ": the passphrase is wrong, and nothing was changed: type it again (or correct " + PassphraseEnv + ")"
	case ErrNoPassphrase:
		if e.Err != nil {
			return fmt.Sprintf("%s: %v", what, e.Err)
		}
		return what + ": it needs its passphrase: run on a terminal to type it, or set " + PassphraseEnv
	case context.Canceled:
		return what + ": cancelled"
	}
	return fmt.Sprintf("%s (%v): check the file and its folder; nothing was changed", what, e.Err)
}

// Is matches the error's Kind.
func (e *FileVaultError) Is(target error) bool { return target == e.Kind }

// Unwrap returns the underlying error.
func (e *FileVaultError) Unwrap() error { return e.Err }

// scryptWorkFactor is age's default (2^18, about a second); the tests lower
// it.
var scryptWorkFactor = 18

// FileVault keeps secrets by account in one age file encrypted with a
// scrypt passphrase, mode 0600, replaced atomically under a file lock so
// that the window and the command line never clobber each other. It is a
// Keychain. The passphrase is asked once per process, when first needed,
// and kept in memory only after it opened the file (or created it).
type FileVault struct {
	path string
	ask  PassphraseFunc
	lock *flock.Flock

	// unlocked is pass != "", readable without waiting for mu (held while
	// the passphrase is being asked for).
	unlocked atomic.Bool

	mu   sync.Mutex
	pass string
	// The last content read or written, by the SHA-256 of the encrypted
	// bytes: scrypt is slow on purpose, and a listing reads many entries.
	seen    [sha256.Size]byte
	secrets map[string]string
}

// NewFileVault returns the encrypted file at path; nothing is read or
// created until a secret is asked for or stored.
func NewFileVault(path string, ask PassphraseFunc) *FileVault {
	return &FileVault{path: path, ask: ask,
		lock: flock.New(path+".lock", flock.SetPermissions(0o600), flock.SetFlag(os.O_CREATE|os.O_RDONLY|noFollowFlags))}
}

// Path is the encrypted file's path.
func (f *FileVault) Path() string { return f.path }

// Unlocked reports whether this process knows the passphrase (it opened or
// created the file).
func (f *FileVault) Unlocked() bool { return f.unlocked.Load() }

// SetPassphrase replaces how the passphrase is asked for (the window asks in
// a dialog).
func (f *FileVault) SetPassphrase(ask PassphraseFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ask = ask
}

// Exists reports whether the encrypted file has been created.
func (f *FileVault) Exists() bool {
	return lstatVaultFile(f.path) == nil
}

// fileVaultDoc is the encrypted file's plaintext.
type fileVaultDoc struct {
	Version int               `json:"version"`
	Secrets map[string]string `json:"secrets"`
}

func (f *FileVault) fail(op Op, kind, err error) error {
	return &FileVaultError{Op: op, Path: f.path, Kind: kind, Err: err}
}

// Get returns the secret stored under account.
func (f *FileVault) Get(ctx context.Context, account string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", f.fail(OpGet, context.Canceled, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	secrets, err := f.read(ctx, OpGet)
	if err != nil {
		return "", err
	}
	s, ok := secrets[account]
	if !ok {
		return "", f.fail(OpGet, ErrSecretNotFound, nil)
	}
	return s, nil
}

// Set stores secret under account, creating the file (asking for a new
// passphrase) when it does not exist.
func (f *FileVault) Set(ctx context.Context, account, secret string) error {
	return f.change(ctx, OpSet, func(m map[string]string) error {
		m[account] = secret
		return nil
	})
}

// Delete removes the secret stored under account.
func (f *FileVault) Delete(ctx context.Context, account string) error {
	return f.change(ctx, OpDelete, func(m map[string]string) error {
		if _, ok := m[account]; !ok {
			return f.fail(OpDelete, ErrSecretNotFound, nil)
		}
		delete(m, account)
		return nil
	})
}

// change reads, changes and writes the file under its lock. A wrong
// passphrase or a failed write changes nothing.
func (f *FileVault) change(ctx context.Context, op Op, fn func(map[string]string) error) error {
	if err := ctx.Err(); err != nil {
		return f.fail(op, context.Canceled, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(f.path), 0o700); err != nil {
		return f.fail(op, ErrKeychainFailed, err)
	}
	if err := lstatVaultFile(f.lock.Path()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return f.fail(op, ErrKeychainFailed, err)
	}
	lctx, cancel := context.WithTimeout(ctx, BackgroundTimeout)
	defer cancel()
	if ok, err := f.lock.TryLockContext(lctx, 10*time.Millisecond); !ok || err != nil {
		return f.fail(op, ErrKeychainFailed, fmt.Errorf("another ASC Keys window or command holds its lock: wait for it, then try again"))
	}
	defer func() { _ = f.lock.Unlock() }()

	secrets, err := f.read(ctx, op)
	creating := errors.Is(err, fs.ErrNotExist)
	if err != nil && !creating {
		return err
	}
	if creating {
		if op == OpDelete {
			return f.fail(op, ErrSecretNotFound, nil)
		}
		if f.pass == "" {
			pass, err := f.askFor(ctx, op, true)
			if err != nil {
				return err
			}
			f.pass = pass
		}
		secrets = map[string]string{}
	}
	next := make(map[string]string, len(secrets)+1)
	for k, v := range secrets {
		next[k] = v
	}
	if err := fn(next); err != nil {
		return err
	}
	data, err := f.seal(next)
	if err != nil {
		return f.fail(op, ErrKeychainFailed, err)
	}
	if err := writeFileAtomic(f.path, data); err != nil {
		return f.fail(op, ErrKeychainFailed, err)
	}
	f.seen, f.secrets = sha256.Sum256(data), next
	f.unlocked.Store(true)
	return nil
}

// read decrypts the file; fs.ErrNotExist (unwrapped) when there is none.
func (f *FileVault) read(ctx context.Context, op Op) (map[string]string, error) {
	raw, err := readVaultFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fs.ErrNotExist
	}
	if err != nil {
		return nil, f.fail(op, ErrKeychainFailed, err)
	}
	if sum := sha256.Sum256(raw); f.secrets != nil && sum == f.seen {
		return f.secrets, nil
	}
	pass := f.pass
	if pass == "" {
		if pass, err = f.askFor(ctx, op, false); err != nil {
			return nil, err
		}
	}
	secrets, err := open(raw, pass)
	if err != nil {
		if errors.Is(err, ErrWrongPassphrase) {
			f.pass = "" // typed wrong: ask again next time
			f.unlocked.Store(false)
			return nil, f.fail(op, ErrWrongPassphrase, nil)
		}
		return nil, f.fail(op, ErrKeychainFailed, err)
	}
	f.pass, f.seen, f.secrets = pass, sha256.Sum256(raw), secrets
	f.unlocked.Store(true)
	return secrets, nil
}

func (f *FileVault) askFor(ctx context.Context, op Op, creating bool) (string, error) {
	if f.ask == nil {
		return "", f.fail(op, ErrNoPassphrase, nil)
	}
	pass, err := f.ask(ctx, f.path, creating)
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return "", f.fail(op, context.Canceled, err)
	case err != nil:
		return "", f.fail(op, ErrNoPassphrase, err)
	case pass == "":
		return "", f.fail(op, ErrNoPassphrase, errors.New("an empty passphrase is refused: type one (or set "+PassphraseEnv+")"))
	}
	return pass, nil
}

// seal encrypts the secrets with the passphrase (age, scrypt).
func (f *FileVault) seal(secrets map[string]string) ([]byte, error) {
	plain, err := json.Marshal(fileVaultDoc{Version: 1, Secrets: secrets})
	if err != nil {
		return nil, err
	}
	r, err := age.NewScryptRecipient(f.pass)
	if err != nil {
		return nil, err
	}
	r.SetWorkFactor(scryptWorkFactor)
	var out bytes.Buffer
	w, err := age.Encrypt(&out, r)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(plain); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// open decrypts an encrypted file's bytes; ErrWrongPassphrase when pass does
// not open it.
func open(raw []byte, pass string) (map[string]string, error) {
	id, err := age.NewScryptIdentity(pass)
	if err != nil {
		return nil, err
	}
	r, err := age.Decrypt(bytes.NewReader(raw), id)
	if err != nil {
		var nomatch *age.NoIdentityMatchError
		if errors.As(err, &nomatch) || errors.Is(err, age.ErrIncorrectIdentity) {
			return nil, ErrWrongPassphrase
		}
		return nil, fmt.Errorf("the file is damaged or not one ASC Keys wrote: %w", err)
	}
	plain, err := io.ReadAll(io.LimitReader(r, maxListSize))
	if err != nil {
		return nil, fmt.Errorf("the file is damaged: %w", err)
	}
	var doc fileVaultDoc
	if err := json.Unmarshal(plain, &doc); err != nil || doc.Secrets == nil {
		return nil, errors.New("the file decrypts but is not one ASC Keys wrote")
	}
	return doc.Secrets, nil
}

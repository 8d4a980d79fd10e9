// Package storage is the key vault of ASC Keys: App Store Connect API keys'
// private keys in the operating system's keychain, and their metadata (name,
// Key ID, Issuer ID, kind, fingerprint, verification state) in keys.json in
// the app's config folder. Nothing secret is written anywhere but the
// keychain, or, for the keys the user chose to keep there (StoreFile), the
// encrypted file beside keys.json (FileVault: age with an scrypt
// passphrase). A key given in the environment (EnvKey) is never stored.
//
// The vault never loses a key: keys.json is replaced atomically with the
// previous version kept as keys.json.bak; an advisory file lock keeps the
// window and the command line from overwriting each other; a secret is stored
// before its metadata and taken back if the metadata cannot be written, its
// id recorded first so that a crash leaves no secret behind; a removal is
// recorded before the secret is deleted; a damaged keys.json is never
// overwritten. A Vault is safe for concurrent use.
package storage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/adrg/xdg"
	"github.com/gofrs/flock"

	"github.com/asckeys/asckeys/core"
)

// Options configure Open. The zero value opens the user's vault.
type Options struct {
	// Dir is the folder holding keys.json; default DefaultDir().
	Dir string
	// Keychain holds the private keys; default the system keychain with
	// Service.
	Keychain Keychain
	// Service is the system keychain's service name; default core.AppID.
	Service string
	// Now tells the time; default time.Now.
	Now func() time.Time
	// Passphrase asks for the encrypted file's passphrase (FileVaultName),
	// for the keys kept there (StoreFile); without it they cannot be used.
	Passphrase PassphraseFunc
	// Ephemeral, when set, says why nothing this vault holds outlives the
	// process (a key given in the environment, in a throwaway folder and
	// keychain): what must be kept, a certificate's new private key or a
	// profile's definition before it is deleted, is then refused (with
	// ErrEphemeral and this reason) before anything is sent to Apple.
	Ephemeral string
}

// ErrEphemeral refuses to keep something in a vault whose contents end with
// the process (Options.Ephemeral).
var ErrEphemeral = errors.New("nothing can be kept for this key")

// keepable refuses, in an ephemeral vault, to keep what must outlive the
// process; what says what it is.
func (v *Vault) keepable(what string) error {
	if v.ephemeral == "" {
		return nil
	}
	return fmt.Errorf("%w: %s must be kept on this machine, but %s, and ASC Keys stores nothing for it: link the key first (asckeys keys add --p8 FILE, with --store file where there is no keychain), then run this again; nothing was sent to Apple", ErrEphemeral, what, v.ephemeral)
}

// DefaultDir is the vault's folder: "asckeys" in the XDG config folder
// (~/.config/asckeys on Linux, ~/Library/Application Support/asckeys on
// macOS, %LOCALAPPDATA%\asckeys on Windows).
func DefaultDir() string { return filepath.Join(xdg.ConfigHome, "asckeys") }

// Key is the metadata of a linked API key. It holds nothing secret.
type Key struct {
	// ID is the vault's own stable id for the key (16 hex digits), also the
	// keychain account of its private key.
	ID       string       `json:"id"`
	Name     string       `json:"name"`
	KeyID    string       `json:"keyId"`
	IssuerID string       `json:"issuerId,omitempty"`
	Kind     core.KeyKind `json:"kind"`
	AddedAt  time.Time    `json:"addedAt"`
	// Fingerprint is the SHA-256 of the public key (see keyfile.Fingerprint).
	Fingerprint string `json:"fingerprint"`
	// LastVerified is when Apple last accepted the key; zero if never.
	LastVerified time.Time `json:"lastVerified,omitzero"`
	// LastError is why the last verification failed, empty after a success.
	LastError   string    `json:"lastError,omitempty"`
	LastErrorAt time.Time `json:"lastErrorAt,omitzero"`
	// Store is where the private key lives: empty for the keychain,
	// StoreFile for the encrypted file (see Where).
	Store Store `json:"store,omitempty"`
}

// String describes the key for logs; nothing in it is secret.
func (k Key) String() string {
	return fmt.Sprintf("%s (Key ID %s, %s, id %s)", k.Name, k.KeyID, k.Kind, k.ID)
}

// Verification is what the last check against Apple said.
type Verification int

// The verification states of a key.
const (
	NotVerified Verification = iota // never checked
	Verified                        // Apple accepted it last time
	Rejected                        // the last check failed; see LastError
)

// Verification tells the state of the key's last check against Apple.
func (k Key) Verification() Verification {
	switch {
	case k.LastError != "" && !k.LastErrorAt.Before(k.LastVerified):
		return Rejected
	case !k.LastVerified.IsZero():
		return Verified
	}
	return NotVerified
}

// Vault is the key store. Its methods are safe for concurrent use, and for
// use by several processes on one folder.
type Vault struct {
	dir, path, backup string
	kc                Keychain
	file              *FileVault // the encrypted file, for keys kept there (StoreFile)
	ephemeral         string     // Options.Ephemeral
	now               func() time.Time
	sem               chan struct{} // one read-modify-write at a time in this process
	lock              *flock.Flock  // and across processes
}

// faults is nil in production. The tests (fault_test.go) set it once, before
// any test runs, to make a vault's file writes or reads fail or its
// operations end at a step as if the process had died there, and to look at
// the folder at each step of an atomic write.
var faults interface {
	writeFile(v *Vault, path string, data []byte) error
	readFile(v *Vault, path string) ([]byte, error)
	crash(v *Vault, step string) bool
	atomicStep(path, step string)
}

// atomicStep tells the tests that an atomic write of path reached step.
func atomicStep(path, step string) {
	if faults != nil {
		faults.atomicStep(path, step)
	}
}

// errCrashed ends an operation at a simulated crash point.
var errCrashed = errors.New("simulated crash")

// writeFile replaces a file of the vault atomically.
func (v *Vault) writeFile(path string, data []byte) error {
	if faults != nil {
		return faults.writeFile(v, path, data)
	}
	return writeFileAtomic(path, data)
}

// readFile reads keys.json or its backup (readVaultFile).
func (v *Vault) readFile(path string) ([]byte, error) {
	if faults != nil {
		return faults.readFile(v, path)
	}
	return readVaultFile(path)
}

// crash reports whether a test asked the operation to die at step.
func (v *Vault) crash(step string) bool { return faults != nil && faults.crash(v, step) }

// Open opens the vault in opts.Dir, creating the folder (mode 0700) when
// needed and tightening the modes of an existing one. It fails only when the
// folder cannot be made ready, or when keys.json, its backup or its lock is
// a symbolic link or anything but a regular file (checkVaultFile, which
// names it and says what to do): a damaged keys.json surfaces as a
// *CorruptConfigError from List and the other calls, so the caller still
// holds a Vault to call RestoreBackup on.
//
// When an earlier removal, or an add that was interrupted, left a private key
// in the keychain that no key lists, Open deletes it (bounded by
// BackgroundTimeout), and it deletes the temporary files of writes a killed
// process left: call Open off the UI goroutine.
func Open(opts Options) (*Vault, error) {
	dir := opts.Dir
	if dir == "" {
		dir = DefaultDir()
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("finding the key folder %s: %w", opts.Dir, err)
	}
	if opts.Keychain == nil {
		service := opts.Service
		if service == "" {
			service = core.AppID
		}
		opts.Keychain = NewSystemKeychain(service)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	v := &Vault{
		dir:       dir,
		path:      filepath.Join(dir, FileName),
		backup:    filepath.Join(dir, BackupName),
		kc:        opts.Keychain,
		file:      NewFileVault(filepath.Join(dir, FileVaultName), opts.Passphrase),
		ephemeral: opts.Ephemeral,
		now:       opts.Now,
		sem:       make(chan struct{}, 1),
		// Never through a link, never blocking on a pipe (noFollowFlags).
		lock: flock.New(filepath.Join(dir, lockName), flock.SetPermissions(0o600),
			flock.SetFlag(os.O_CREATE|os.O_RDONLY|noFollowFlags)),
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the key folder %s: %w: check its parent folder's permissions", dir, err)
	}
	if err := ensurePrivate(dir, v.path, v.backup, filepath.Join(dir, lockName), v.file.path, v.file.lock.Path()); err != nil {
		return nil, fmt.Errorf("securing the key folder: %w", err)
	}
	v.tidy()
	return v, nil
}

// tidy finishes, under the lock, what a killed process left behind: the
// temporary files of interrupted writes, and private keys in the keychain
// that no key lists (CleanUp). When another process holds the lock, or
// something fails, it is left for the next Open: starting must not wait
// for another window's unlock prompt.
func (v *Vault) tidy() {
	select {
	case v.sem <- struct{}{}:
	default:
		return
	}
	defer func() { <-v.sem }()
	if err := lstatVaultFile(v.lock.Path()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return // acquire explains
	}
	if ok, err := v.lock.TryLock(); !ok || err != nil {
		return
	}
	defer func() { _ = v.lock.Unlock() }()
	removeStaleTemps(v.dir)
	if doc, raw, err := v.load(); err == nil && len(doc.PendingDeletes) > 0 {
		ctx, cancel := WithBackgroundTimeout(context.Background())
		defer cancel()
		_ = v.cleanUp(ctx, &txn{v: v, doc: doc, raw: raw}, true)
	}
}

// secretsIn returns the store's secrets: the keychain or the encrypted file.
func (v *Vault) secretsIn(s Store) Keychain {
	if s == StoreFile {
		return v.file
	}
	return v.kc
}

// FileVault is the encrypted file of the keys kept outside the keychain.
func (v *Vault) FileVault() *FileVault { return v.file }

// Dir is the folder holding keys.json.
func (v *Vault) Dir() string { return v.dir }

// Path is keys.json's path.
func (v *Vault) Path() string { return v.path }

// acquire takes the in-process and the cross-process lock, waiting no longer
// than ctx allows (InteractiveTimeout when it has no deadline).
func (v *Vault) acquire(ctx context.Context) (unlock func(), err error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = WithInteractiveTimeout(ctx)
		defer cancel()
	}
	select {
	case v.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, v.busy(ctx.Err())
	}
	if err := lstatVaultFile(v.lock.Path()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		<-v.sem
		return nil, err
	}
	ok, err := v.lock.TryLockContext(ctx, 10*time.Millisecond)
	if !ok || err != nil {
		<-v.sem
		if err == nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			return nil, v.busy(err)
		}
		return nil, fmt.Errorf("locking the key list %s: %w: check the folder's permissions", v.lock.Path(), err)
	}
	return func() {
		_ = v.lock.Unlock()
		<-v.sem
	}, nil
}

func (v *Vault) busy(err error) error {
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("waiting for the key list: %w", err)
	}
	return fmt.Errorf("%w: another ASC Keys window or command is changing the key list and has not finished: wait for it or close it, then try again", ErrBusy)
}

// update runs fn on a freshly read keys.json under both locks. fn saves
// through tx.save as often as its steps need.
func (v *Vault) update(ctx context.Context, fn func(tx *txn) error) error {
	unlock, err := v.acquire(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	doc, raw, err := v.load()
	if err != nil {
		return err
	}
	return fn(&txn{v: v, doc: doc, raw: raw})
}

// List returns the linked keys in the order they were added. It reads
// keys.json without taking the lock: writes replace the file atomically.
func (v *Vault) List(ctx context.Context) ([]Key, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	doc, err := v.loadReadable()
	if err != nil {
		return nil, err
	}
	return doc.Keys, nil
}

// Get returns the key with the vault id id.
func (v *Vault) Get(ctx context.Context, id string) (Key, error) {
	keys, err := v.List(ctx)
	if err != nil {
		return Key{}, err
	}
	for _, k := range keys {
		if k.ID == id {
			return k, nil
		}
	}
	return Key{}, fmt.Errorf("%w: no linked key has the id %s; it may have been removed in another window: reload the list", ErrKeyNotFound, describeRef(id))
}

// Find returns the one key whose vault id, name (ignoring case) or Key ID
// (ignoring case) is ref, as typed on the command line.
func (v *Vault) Find(ctx context.Context, ref string) (Key, error) {
	keys, err := v.List(ctx)
	if err != nil {
		return Key{}, err
	}
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return Key{}, fmt.Errorf("%w: name a key by its name or Key ID", ErrKeyNotFound)
	}
	var found []Key
	for _, k := range keys {
		if k.ID == ref || strings.EqualFold(k.Name, ref) || strings.EqualFold(k.KeyID, ref) {
			found = append(found, k)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return Key{}, fmt.Errorf("%w: no linked key is named %s or has it as Key ID: list the keys with: asckeys keys list", ErrKeyNotFound, describeRef(ref))
	}
	names := make([]string, len(found))
	for i, k := range found {
		names[i] = fmt.Sprintf("%q (Key ID %s, id %s)", k.Name, k.KeyID, k.ID)
	}
	return Key{}, fmt.Errorf("%w: %s matches %s: name the key by its id instead", ErrAmbiguous, describeRef(ref), strings.Join(names, " and "))
}

// index returns the position of id in the document, or a not-found error.
func (tx *txn) index(id string) (int, error) {
	for i, k := range tx.doc.Keys {
		if k.ID == id {
			return i, nil
		}
	}
	return -1, fmt.Errorf("%w: no linked key has the id %s; it may have been removed in another window: reload the list", ErrKeyNotFound, describeRef(id))
}

// newID returns a fresh random id, unused in doc.
func newID(doc *document) string {
	for {
		var b [8]byte
		_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
		id := hex.EncodeToString(b[:])
		used := false
		for _, k := range doc.Keys {
			used = used || k.ID == id
		}
		for _, p := range doc.PendingDeletes {
			used = used || p.ID == id
		}
		if !used {
			return id
		}
	}
}

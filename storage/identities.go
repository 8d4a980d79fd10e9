package storage

import (
	"bytes"
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/asckeys/asckeys/core/identity"
)

// Signing identities: the private keys of code-signing certificates. Apple
// never sees them and never gives them back, so each is stored in the
// keychain before its certificate request is sent, under an account derived
// from the SHA-256 of its public key (identity.SPKIHash), which is also how
// a certificate finds it: by public key, never by name. A certificate listed
// by Apple thus finds its key even when nothing else about it was recorded.
//
// What is not secret goes to identities.json beside keys.json: which API key
// the signing key was made with, when, and its certificate once known. It
// is a file of its own, under keys.json's lock and written the same atomic
// way, rather than a field of keys.json, because RestoreBackup's "undo the
// last change" of keys.json must not forget a signing key, an older ASC Keys
// rewriting keys.json would silently drop a field it does not know, and a
// damaged file of one kind must not block the other.

// IdentitiesName is the file in the vault's folder that lists the signing
// keys. It holds nothing secret.
const IdentitiesName = "identities.json"

// identitiesSchema is the identities.json format this version writes.
const identitiesSchema = 1

// IdentityGrace is how long a signing key without a certificate counts as in
// use after it was stored or picked for reuse: its certificate request may be
// under way in another window or command, and Apple's listing taken meanwhile
// cannot show the certificate yet. It is far longer than any request waits.
const IdentityGrace = 15 * time.Minute

// Errors of signing identities, matched with errors.Is.
var (
	// ErrIdentityNotFound: no signing key has that public key here.
	ErrIdentityNotFound = errors.New("no such signing key")
	// ErrIdentitiesDamaged: identities.json cannot be read or parsed.
	ErrIdentitiesDamaged = errors.New("signing key list damaged")
	// ErrIdentityInUse: the signing key may be waiting for its certificate.
	ErrIdentityInUse = errors.New("signing key in use")
)

// Identity is what the vault records about a signing key. It holds nothing
// secret: the key itself is in the keychain.
type Identity struct {
	// SPKI is identity.SPKIHash of the key's public key: its id here and the
	// rule that matches it to a certificate.
	SPKI string `json:"spki"`
	// TeamKeyID is the vault id of the API key it was made or imported with.
	TeamKeyID string    `json:"teamKeyId"`
	CreatedAt time.Time `json:"createdAt"`
	// Imported: it came from a .p12 the user gave, not from a request made here.
	Imported bool `json:"imported,omitempty"`
	// CertificateID is Apple's id of its certificate, once known.
	CertificateID string `json:"certificateId,omitempty"`
	// ReusedAt is when a certificate request last picked it up again.
	ReusedAt time.Time `json:"reusedAt,omitzero"`
}

// inFlight reports whether the key may be waiting for its certificate at now.
func (id Identity) inFlight(now time.Time) bool {
	last := id.CreatedAt
	if id.ReusedAt.After(last) {
		last = id.ReusedAt
	}
	return id.CertificateID == "" && !id.Imported && now.Sub(last) < IdentityGrace
}

type identitiesDoc struct {
	SchemaVersion int        `json:"schemaVersion"`
	Identities    []Identity `json:"identities"`
}

// identityAccount is the keychain account of the signing key with spki. The
// prefix keeps it apart from the API keys' accounts (16 hex digits).
func identityAccount(spki string) string { return "identity:" + spki }

// shortSPKI names a key in messages; the whole hash is in the file.
func shortSPKI(spki string) string {
	if len(spki) > 12 {
		return spki[:12]
	}
	return spki
}

func (v *Vault) identitiesPath() string { return filepath.Join(v.dir, IdentitiesName) }

func (v *Vault) identitiesDamaged(err error) error {
	return fmt.Errorf("%w: %s cannot be read (%v) and was left unchanged: move it aside and try again; the signing keys stay in the keychain and are found again by their certificates (a .p12 you imported is matched the same way)", ErrIdentitiesDamaged, v.identitiesPath(), err)
}

// loadIdentities reads identities.json; a missing file is an empty list. A
// file of a newer format may be read but not written (forWrite).
func (v *Vault) loadIdentities(forWrite bool) (*identitiesDoc, error) {
	raw, err := os.ReadFile(v.identitiesPath())
	if errors.Is(err, fs.ErrNotExist) {
		return &identitiesDoc{SchemaVersion: identitiesSchema}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w: check the folder's permissions", v.identitiesPath(), err)
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, v.identitiesDamaged(errors.New("the file is empty"))
	}
	var doc identitiesDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, v.identitiesDamaged(fmt.Errorf("not valid JSON: %w", err))
	}
	switch {
	case doc.SchemaVersion > identitiesSchema && forWrite:
		return nil, fmt.Errorf("%w: %s was written by a newer version of ASC Keys (format %d; this version knows %d) and was left unchanged: update ASC Keys", ErrNewerSchema, v.identitiesPath(), doc.SchemaVersion, identitiesSchema)
	case doc.SchemaVersion < 1:
		return nil, v.identitiesDamaged(errors.New("no schemaVersion"))
	}
	seen := map[string]bool{}
	for i, id := range doc.Identities {
		if !identity.IsSPKIHash(id.SPKI) || seen[id.SPKI] {
			return nil, v.identitiesDamaged(fmt.Errorf("entry %d has a missing, malformed or repeated spki", i+1))
		}
		seen[id.SPKI] = true
	}
	return &doc, nil
}

// identityTxn is one read-modify-write of identities.json under the vault's
// lock.
type identityTxn struct {
	v   *Vault
	doc *identitiesDoc
}

func (tx *identityTxn) index(spki string) int {
	for i, id := range tx.doc.Identities {
		if id.SPKI == spki {
			return i
		}
	}
	return -1
}

func (tx *identityTxn) drop(spki string) {
	if i := tx.index(spki); i >= 0 {
		tx.doc.Identities = append(tx.doc.Identities[:i:i], tx.doc.Identities[i+1:]...)
	}
}

// save replaces identities.json atomically (mode 0600): a failure leaves the
// file as it was.
func (tx *identityTxn) save() error {
	data, err := json.MarshalIndent(tx.doc, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the signing key list: %w", err)
	}
	path := tx.v.identitiesPath()
	if err := tx.v.writeFile(path, append(data, '\n')); err != nil {
		return fmt.Errorf("saving the signing key list to %s failed (%w); nothing was changed: check that the folder %s is writable and the disk is not full, then try again", path, err, tx.v.dir)
	}
	return nil
}

// updateIdentities runs fn on a freshly read identities.json under the
// lock that keys.json's writes take, so the window and the command line
// never overwrite each other's changes.
func (v *Vault) updateIdentities(ctx context.Context, fn func(tx *identityTxn) error) error {
	unlock, err := v.acquire(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	doc, err := v.loadIdentities(true)
	if err != nil {
		return err
	}
	return fn(&identityTxn{v: v, doc: doc})
}

// Identities lists the recorded signing keys, oldest first. It reads
// identities.json without the lock: writes replace it atomically.
func (v *Vault) Identities(ctx context.Context) ([]Identity, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	doc, err := v.loadIdentities(false)
	if err != nil {
		return nil, err
	}
	return doc.Identities, nil
}

// StoreIdentityKey stores a new signing key made with the API key whose
// vault id is teamKeyID, and returns its SPKI hash. The key is in the
// keychain, read back and checked, when it returns without error: only then
// may the caller send its certificate request. Its record is written first,
// so a process killed at any point leaves either nothing in the keychain or
// a key the next listing shows (UnusedIdentities); never an unlisted secret.
// Storing a key that is already recorded puts it back in the keychain if it
// went missing there, and changes nothing else.
func (v *Vault) StoreIdentityKey(ctx context.Context, teamKeyID string, key crypto.Signer) (spki string, err error) {
	return v.storeIdentity(ctx, teamKeyID, key, false)
}

// ImportIdentity stores the private key of a .p12 the user gave, as
// StoreIdentityKey does. An imported key is never reported unused: it is the
// user's, whatever Apple lists.
func (v *Vault) ImportIdentity(ctx context.Context, teamKeyID string, key crypto.Signer) (spki string, err error) {
	return v.storeIdentity(ctx, teamKeyID, key, true)
}

func (v *Vault) storeIdentity(ctx context.Context, teamKeyID string, key crypto.Signer, imported bool) (string, error) {
	if key == nil {
		return "", errors.New("storing a signing key: no key given")
	}
	if err := v.keepable("the certificate's private key"); err != nil {
		return "", err
	}
	spki := identity.SPKIHash(key.Public())
	pemText, err := identity.MarshalKeyPEM(key)
	if err != nil || spki == "" {
		return "", fmt.Errorf("storing a signing key: %T keys cannot be stored", key.Public())
	}
	secret, account := string(pemText), identityAccount(spki)
	team, err := v.Get(ctx, teamKeyID)
	if err != nil {
		return "", err
	}
	// A signing key lives where its team key does: a key kept in the
	// encrypted file has its certificates' keys there too.
	kc := v.secretsIn(team.Store)
	what := "storing the signing key " + shortSPKI(spki)
	err = v.updateIdentities(ctx, func(tx *identityTxn) error {
		if tx.index(spki) >= 0 {
			if v.checkStored(ctx, kc, account, secret) == nil {
				return nil
			}
			if err := v.storeSecret(ctx, kc, account, secret); err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
			return nil
		}
		tx.doc.Identities = append(tx.doc.Identities, Identity{SPKI: spki, TeamKeyID: teamKeyID, CreatedAt: v.now().UTC(), Imported: imported})
		if err := tx.save(); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if v.crash("identity:recorded") {
			return errCrashed
		}
		if err := kc.Set(ctx, account, secret); err != nil {
			if !mayLandLate(err) {
				tx.drop(spki)
				_ = tx.save() // best effort: a stale record only lists a key that is not there
			}
			return fmt.Errorf("%s: %w", what, err)
		}
		if err := v.checkStored(ctx, kc, account, secret); err != nil {
			if v.takeBack(ctx, kc, account) == nil {
				tx.drop(spki)
				_ = tx.save()
			}
			return fmt.Errorf("%s: %w", what, err)
		}
		if v.crash("identity:key-stored") {
			return errCrashed
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return spki, nil
}

// IdentityKey reads the signing key whose public key hashes to spki from
// the keychain and checks it is that key. A key that is not here matches
// ErrIdentityNotFound, with a message that says how to bring it (import its
// .p12); a damaged one ErrSecretDamaged or ErrSecretMismatch; a keychain
// failure is a *KeychainError.
func (v *Vault) IdentityKey(ctx context.Context, spki string) (crypto.Signer, error) {
	if !identity.IsSPKIHash(spki) {
		return nil, fmt.Errorf("%w: %s is not the SPKI hash of a public key (64 lowercase hex digits)", ErrIdentityNotFound, describeRef(spki))
	}
	secret, err := v.identityStore(spki).Get(ctx, identityAccount(spki))
	switch {
	case errors.Is(err, ErrSecretNotFound):
		return nil, fmt.Errorf("%w: the private key of public key %s is not in this machine's keychain: the certificate was made on another machine, or its key was removed; export a .p12 of it where it was made and import it here with: asckeys certs import-p12 FILE", ErrIdentityNotFound, shortSPKI(spki))
	case err != nil:
		return nil, fmt.Errorf("reading the signing key %s: %w", shortSPKI(spki), err)
	}
	key, err := identity.ParseKeyPEM([]byte(secret))
	if err != nil {
		return nil, fmt.Errorf("%w: the keychain's copy of signing key %s does not parse: remove it and import the certificate's .p12 again", ErrSecretDamaged, shortSPKI(spki))
	}
	if identity.SPKIHash(key.Public()) != spki {
		return nil, fmt.Errorf("%w: the keychain's entry for signing key %s holds another key: remove it and import the certificate's .p12 again", ErrSecretMismatch, shortSPKI(spki))
	}
	return key, nil
}

// identityStore is where the signing key spki lives: with its team key
// (teamStore); the keychain when no record names one.
func (v *Vault) identityStore(spki string) Keychain {
	doc, err := v.loadIdentities(false)
	if err != nil {
		return v.kc
	}
	for _, id := range doc.Identities {
		if id.SPKI == spki {
			return v.teamStore(id.TeamKeyID)
		}
	}
	return v.kc
}

// teamStore is where the team key with vault id teamKeyID keeps its
// secrets; the keychain when the key is gone or unreadable.
func (v *Vault) teamStore(teamKeyID string) Keychain {
	doc, err := v.loadReadable()
	if err != nil {
		return v.kc
	}
	for _, k := range doc.Keys {
		if k.ID == teamKeyID {
			return v.secretsIn(k.Store)
		}
	}
	return v.kc
}

// HasIdentity tells, for each SPKI hash (a listed certificate's), whether
// its private key is in the keychain and intact: hasPrivateKey. Each
// distinct hash costs one keychain read at most, bounded by
// BackgroundTimeout. When the keychain itself fails (locked, silent), the
// rest are reported false without more reads and the error says why, so a
// caller can tell "not here" from "could not look".
func (v *Vault) HasIdentity(ctx context.Context, spkis []string) (map[string]bool, error) {
	out := make(map[string]bool, len(spkis))
	var keychainErr error
	for _, spki := range spkis {
		if _, done := out[spki]; done {
			continue
		}
		out[spki] = false
		if keychainErr != nil {
			continue
		}
		pctx, cancel := WithBackgroundTimeout(ctx)
		_, err := v.IdentityKey(pctx, spki)
		cancel()
		switch {
		case err == nil:
			out[spki] = true
		case errors.Is(err, ErrIdentityNotFound), errors.Is(err, ErrSecretDamaged), errors.Is(err, ErrSecretMismatch):
		default:
			keychainErr = err
		}
	}
	return out, keychainErr
}

// certIDRE is what App Store Connect's certificate ids look like: upper-case
// letters and digits (10 of them today). Nothing looser: a line of a PEM key
// passed here by mistake must not land in identities.json.
var certIDRE = regexp.MustCompile(`^[A-Z0-9]{1,40}$`)

// RecordIdentityCertificate records that Apple issued certificate certID for
// the signing key spki. It is bookkeeping: a crash before it costs nothing,
// as the certificate finds its key by public key anyway.
func (v *Vault) RecordIdentityCertificate(ctx context.Context, spki, certID string) error {
	if !certIDRE.MatchString(certID) {
		return fmt.Errorf("recording the certificate of signing key %s: %s is not an App Store Connect certificate id", shortSPKI(spki), describeRef(certID))
	}
	return v.updateIdentities(ctx, func(tx *identityTxn) error {
		i := tx.index(spki)
		if i < 0 {
			return fmt.Errorf("%w: no signing key with public key %s is recorded here", ErrIdentityNotFound, describeRef(shortSPKI(spki)))
		}
		if tx.doc.Identities[i].CertificateID == certID {
			return nil
		}
		tx.doc.Identities[i].CertificateID = certID
		return tx.save()
	})
}

// UnusedIdentities returns the signing keys made here with the API key
// teamKeyID whose request never produced a certificate: no certificate
// recorded, none in listedSPKIs, and older than IdentityGrace. listedSPKIs
// must hold the SPKI hash of every certificate Apple lists for the team,
// of every type, or a key in use is reported unused. Imported keys are
// never reported. A certificate request may reuse one (ReuseIdentity) or
// remove it (RemoveIdentity).
func (v *Vault) UnusedIdentities(ctx context.Context, teamKeyID string, listedSPKIs []string) ([]Identity, error) {
	all, err := v.Identities(ctx)
	if err != nil {
		return nil, err
	}
	listed := make(map[string]bool, len(listedSPKIs))
	for _, s := range listedSPKIs {
		listed[s] = true
	}
	now := v.now()
	var out []Identity
	for _, id := range all {
		if id.TeamKeyID == teamKeyID && id.CertificateID == "" && !id.Imported && !listed[id.SPKI] && !id.inFlight(now) {
			out = append(out, id)
		}
	}
	return out, nil
}

// ReuseIdentity picks up an unused signing key for a new certificate
// request and returns it. It marks the key in use for IdentityGrace first,
// under the lock, so that another window's RemoveIdentity cannot delete it
// while the request is under way. A key another request picked up meanwhile
// is refused with ErrIdentityInUse: make a new one.
func (v *Vault) ReuseIdentity(ctx context.Context, spki string) (crypto.Signer, error) {
	err := v.updateIdentities(ctx, func(tx *identityTxn) error {
		i := tx.index(spki)
		if i < 0 {
			return fmt.Errorf("%w: no signing key with public key %s is recorded here", ErrIdentityNotFound, describeRef(shortSPKI(spki)))
		}
		id := &tx.doc.Identities[i]
		if id.inFlight(v.now()) || id.CertificateID != "" {
			return fmt.Errorf("%w: signing key %s belongs to a certificate or to a request under way: make a new key", ErrIdentityInUse, shortSPKI(spki))
		}
		id.ReusedAt = v.now().UTC()
		return tx.save()
	})
	if err != nil {
		return nil, err
	}
	return v.IdentityKey(ctx, spki)
}

// RemoveIdentity deletes the signing key spki from the keychain, then its
// record: the key is gone for good, so a certificate that has it is no use
// afterwards on this machine. A key whose request may still be under way
// (stored or reused less than IdentityGrace ago, no certificate) is refused
// with ErrIdentityInUse. When the keychain cannot delete the key, nothing is
// changed and the error says why.
func (v *Vault) RemoveIdentity(ctx context.Context, spki string) error {
	if !identity.IsSPKIHash(spki) {
		return fmt.Errorf("%w: %s is not the SPKI hash of a public key (64 lowercase hex digits)", ErrIdentityNotFound, describeRef(spki))
	}
	return v.updateIdentities(ctx, func(tx *identityTxn) error {
		i := tx.index(spki)
		if i >= 0 && tx.doc.Identities[i].inFlight(v.now()) {
			return fmt.Errorf("%w: signing key %s was stored for a certificate request that may still be under way: try again in %v", ErrIdentityInUse, shortSPKI(spki), IdentityGrace)
		}
		// The key goes first: a record without its key is listed and cleared
		// later; a key without its record could never be found to delete.
		kc := v.kc
		if i >= 0 {
			kc = v.teamStore(tx.doc.Identities[i].TeamKeyID)
		}
		err := kc.Delete(ctx, identityAccount(spki))
		gone := errors.Is(err, ErrSecretNotFound)
		if err != nil && !gone {
			return fmt.Errorf("removing the signing key %s: %w", shortSPKI(spki), err)
		}
		if v.crash("identity:key-deleted") {
			return errCrashed
		}
		if i < 0 {
			if gone {
				return fmt.Errorf("%w: no signing key with public key %s is here", ErrIdentityNotFound, shortSPKI(spki))
			}
			return nil
		}
		tx.drop(spki)
		return tx.save()
	})
}

package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/keyfile"
)

// NewKey is what Prepare needs to link a key. ReadKeyFile and ParseKeyData
// make one from a key file; a form then sets what the user typed.
type NewKey struct {
	Name     string       // default: the Key ID
	KeyID    string       // default: from FileName (AuthKey_<KEYID>.p8)
	IssuerID string       // a UUID for team and enterprise keys; empty for individual keys
	Kind     core.KeyKind // default: team
	Data     []byte       // the .p8 file's contents, as read, or the key's PEM
	Store    Store        // where the private key goes: the keychain (default) or StoreFile
	FileName string       // the .p8 file's name or path, for the Key ID default
	// Repairs says what reading the file changed to get Data (ReadKeyFile,
	// ParseKeyData); Prepare passes it on as a warning.
	Repairs []string
}

// String describes the new key without its contents.
func (n NewKey) String() string {
	return fmt.Sprintf("NewKey{Name: %q, KeyID: %s, IssuerID: %s, Kind: %s, FileName: %q, Data: [%d bytes redacted]}", n.Name, n.KeyID, n.IssuerID, n.Kind, n.FileName, len(n.Data))
}

// GoString keeps %#v from printing the key file.
func (n NewKey) GoString() string { return n.String() }

// Format makes every fmt verb print the redacted form.
func (n NewKey) Format(f fmt.State, _ rune) { fmt.Fprint(f, n.String()) }

// Prepared is a key checked as Link will check it (every field, duplicates
// included) and parsed once, ready to verify and link. Its String prints no
// key material.
type Prepared struct {
	entry    Key // without ID and AddedAt, which Link gives it
	parsed   *keyfile.Key
	warnings []string
	restores string // the name of the linked entry whose missing private key this puts back
}

// Credentials are the key's, to check it with Apple before it is linked.
func (p *Prepared) Credentials() core.Credentials {
	return core.Credentials{KeyID: p.entry.KeyID, IssuerID: p.entry.IssuerID, Kind: p.entry.Kind, PrivateKey: p.parsed.PrivateKey}
}

// Warnings are for the user to read: an unusual Key ID, repairs made to the
// file.
func (p *Prepared) Warnings() []string { return slices.Clone(p.warnings) }

// Name is the name the key will be linked under: the one typed, or, when
// this re-imports a linked key whose private key is missing, that entry's.
func (p *Prepared) Name() string {
	if p.restores != "" {
		return p.restores
	}
	return p.entry.Name
}

// String describes the prepared key without key material.
func (p *Prepared) String() string {
	return fmt.Sprintf("storage.Prepared{%q, Key ID %s, %s, fingerprint %s}", p.Name(), p.entry.KeyID, p.entry.Kind, p.entry.Fingerprint)
}

// Prepare checks nk as Link will: every field, the file, and that neither the
// key nor its Key ID nor its name is linked already. It touches neither the
// keychain nor keys.json, unless the key is linked and its private key must
// be looked at: a re-import of a key whose private key is missing from the
// keychain is allowed (Link puts it back). Bad fields are a *ValidationError,
// or ValidationErrors when several are bad (see FieldErrors); a key, Key ID
// or name already linked is refused naming the entry that has it (a
// *DuplicateError inside a *ValidationError).
func (v *Vault) Prepare(ctx context.Context, nk NewKey) (*Prepared, error) {
	p, err := prepare(nk)
	if err != nil {
		return nil, err
	}
	keys, err := v.List(ctx)
	if err != nil {
		return nil, err
	}
	restore, err := v.clash(ctx, keys, p)
	if err != nil {
		return nil, err
	}
	if restore != nil {
		p.restores = restore.Name
	}
	return p, nil
}

// Link links p: the private key goes to the keychain, then the metadata to
// keys.json; if the metadata cannot be written, the private key is taken
// back out. When verify is not nil it runs first, with the credentials
// (the caller's network call; Link runs off the UI goroutine), and when it
// fails nothing is saved and the error is a *VerifyError. Once verification
// passed, saving is not cancelled by ctx ending (it is bounded by
// InteractiveTimeout): the keychain may be showing an unlock prompt, and
// throwing away a check that passed helps nobody. A verified key's check is
// recorded. Without verify, saving waits as long as ctx allows.
//
// The warnings are p.Warnings() followed by any that linking added (a
// private key put back, a check that could not be recorded). Linking a key
// that is linked but whose private key is missing from the keychain (or
// damaged there) puts it back and returns that entry.
func (v *Vault) Link(ctx context.Context, p *Prepared, verify func(context.Context, core.Credentials) error) (Key, []string, error) {
	if err := ctx.Err(); err != nil {
		return Key{}, nil, err
	}
	sctx := ctx
	if verify != nil {
		if err := verify(ctx, p.Credentials()); err != nil {
			return Key{}, nil, &VerifyError{Err: err}
		}
		var cancel context.CancelFunc
		sctx, cancel = WithInteractiveTimeout(context.WithoutCancel(ctx))
		defer cancel()
	}
	k, warnings, err := v.add(sctx, p)
	if err != nil {
		return Key{}, nil, err
	}
	if verify != nil {
		if _, err := v.RecordCheck(sctx, k.ID, v.now(), nil); err != nil {
			warnings = append(warnings, "the key is linked, but its check could not be recorded: "+err.Error())
		}
	}
	return k, warnings, nil
}

// Add is Prepare then Link without verification: for tests, the demo and
// callers that never ask Apple.
func (v *Vault) Add(ctx context.Context, nk NewKey) (Key, []string, error) {
	p, err := v.Prepare(ctx, nk)
	if err != nil {
		return Key{}, nil, err
	}
	return v.Link(ctx, p, nil)
}

// prepare checks everything that needs neither the keychain nor keys.json,
// and reports every bad field, not just the first.
func prepare(nk NewKey) (*Prepared, error) {
	var (
		errs     ValidationErrors
		warnings []string
	)
	bad := func(f Field, err error) { errs = append(errs, &ValidationError{Field: f, Err: err}) }
	keyID := strings.TrimSpace(nk.KeyID)
	if keyID == "" && nk.FileName != "" {
		keyID = keyfile.KeyIDFromFilename(nk.FileName)
	}
	warning, keyIDErr := keyfile.CheckKeyID(keyID)
	if warning != "" {
		warnings = append(warnings, warning)
	}
	name := nk.Name
	if strings.TrimSpace(name) == "" {
		name = keyID
	}
	// A name left to follow a bad Key ID is that Key ID's fault, said once.
	name, err := checkName(name)
	if err != nil && (strings.TrimSpace(nk.Name) != "" || keyIDErr == nil) {
		bad(FieldName, err)
	}
	if keyIDErr != nil {
		bad(FieldKeyID, keyIDErr)
	}
	kind := nk.Kind
	if kind == "" {
		kind = core.KindTeam
	}
	issuer := strings.TrimSpace(nk.IssuerID)
	if err := keyfile.CheckKind(kind); err != nil {
		bad(FieldKind, err)
	} else if err := keyfile.CheckIssuerID(kind, issuer); err != nil {
		bad(FieldIssuerID, err)
	}
	parsed, err := keyfile.Parse(nk.Data)
	if err != nil {
		bad(FieldFile, err)
	}
	if err := validationError(errs); err != nil {
		return nil, err
	}
	store, err := keptIn(nk.Store)
	if err != nil {
		return nil, err
	}
	warnings = append(warnings, repairWarnings(append(slices.Clone(nk.Repairs), parsed.Repairs...))...)
	entry := Key{Name: name, KeyID: keyID, IssuerID: issuer, Kind: kind, Fingerprint: parsed.Fingerprint, Store: store}
	return &Prepared{entry: entry, parsed: parsed, warnings: warnings}, nil
}

// keptIn is the Store a new key's entry records: empty for the keychain.
func keptIn(s Store) (Store, error) {
	switch s {
	case "", StoreKeychain:
		return "", nil
	case StoreFile:
		return StoreFile, nil
	}
	return "", fmt.Errorf("a key's private key is kept in the keychain or the encrypted file, not in %q", string(s))
}

// checkName is keyfile.CheckName, the result stored through core.SafeText:
// CheckName refuses controls, SafeText also escapes what makes text read
// backwards, as for every text stored from outside.
func checkName(name string) (string, error) {
	name, err := keyfile.CheckName(name)
	if err != nil {
		return "", err
	}
	return core.SafeText(name), nil
}

func repairWarnings(repairs []string) []string {
	if len(repairs) == 0 {
		return nil
	}
	return []string{"the key file was repaired: " + strings.Join(repairs, "; ")}
}

// clash refuses p when a linked key has the same private key, Key ID or
// name, except for the re-import the missing-key message asks for: the same
// private key, whose keychain copy is missing or damaged. That entry is
// returned, to put the private key back.
func (v *Vault) clash(ctx context.Context, keys []Key, p *Prepared) (restore *Key, err error) {
	existing, dupErr := duplicate(keys, p.entry, p.parsed.Fingerprint)
	if dupErr == nil {
		return nil, nil
	}
	if existing.Fingerprint != p.parsed.Fingerprint {
		return nil, dupErr
	}
	if _, err := v.loadSecret(ctx, *existing); !needsReimport(err) {
		return nil, dupErr
	}
	return existing, nil
}

// duplicate finds a linked key with the same private key, Key ID or name.
func duplicate(keys []Key, entry Key, fingerprint string) (*Key, error) {
	for i, k := range keys {
		if k.Fingerprint == fingerprint {
			return &keys[i], &ValidationError{Field: FieldFile, Err: &DuplicateError{Existing: k, msg: fmt.Sprintf(
				"this private key is already linked as %q (Key ID %s): use that entry, or remove it first", k.Name, k.KeyID)}}
		}
	}
	for i, k := range keys {
		if strings.EqualFold(k.KeyID, entry.KeyID) {
			return &keys[i], &ValidationError{Field: FieldKeyID, Err: &DuplicateError{Existing: k, msg: fmt.Sprintf(
				"Key ID %s is already linked as %q, with a different private key: check the Key ID, or remove %q first", k.KeyID, k.Name, k.Name)}}
		}
	}
	for i, k := range keys {
		if strings.EqualFold(k.Name, entry.Name) {
			return &keys[i], &ValidationError{Field: FieldName, Err: &DuplicateError{Existing: k, msg: fmt.Sprintf(
				"the name %q is already used by the key with Key ID %s: choose another name", k.Name, k.KeyID)}}
		}
	}
	return nil, nil
}

// add links p under the locks. A fresh key's id is recorded as pending in
// keys.json before its private key goes to the keychain, and the record is
// cleared by the same write that lists the key: a process killed in between
// leaves a record, and the next Open deletes the unlisted private key.
func (v *Vault) add(ctx context.Context, p *Prepared) (Key, []string, error) {
	secret := string(p.parsed.PEM)
	warnings := p.Warnings()
	var out Key
	err := v.update(ctx, func(tx *txn) error {
		existing, err := v.clash(ctx, tx.doc.Keys, p)
		if err != nil {
			return err
		}
		if existing != nil {
			if err := v.storeSecret(ctx, v.secretsIn(existing.Store), existing.ID, secret); err != nil {
				return fmt.Errorf("restoring the private key of %q: %w", existing.Name, err)
			}
			out = *existing
			warnings = append(warnings, fmt.Sprintf("the private key of %q was missing from the keychain and has been put back", existing.Name))
			return nil
		}
		entry := p.entry
		entry.ID = newID(tx.doc)
		entry.AddedAt = v.now().UTC()
		pending := PendingDelete{ID: entry.ID, Name: entry.Name, KeyID: entry.KeyID, Since: entry.AddedAt, Store: entry.Store}
		kc := v.secretsIn(entry.Store)
		tx.doc.PendingDeletes = append(tx.doc.PendingDeletes, pending)
		if err := tx.save(); err != nil {
			tx.dropPending(entry.ID)
			return fmt.Errorf("adding %q: %w", entry.Name, err)
		}
		if err := kc.Set(ctx, entry.ID, secret); err != nil {
			if !mayLandLate(err) {
				tx.forgetPending(entry.ID)
			}
			return fmt.Errorf("adding %q: %w", entry.Name, err)
		}
		if err := v.checkStored(ctx, kc, entry.ID, secret); err != nil {
			if v.takeBack(ctx, kc, entry.ID) == nil {
				tx.forgetPending(entry.ID)
			}
			return fmt.Errorf("adding %q: %w", entry.Name, err)
		}
		if v.crash("add:secret-stored") {
			return errCrashed
		}
		tx.doc.Keys = append(tx.doc.Keys, entry)
		tx.dropPending(entry.ID)
		if err := tx.save(); err != nil {
			tx.doc.Keys = tx.doc.Keys[:len(tx.doc.Keys)-1]
			tx.doc.PendingDeletes = append(tx.doc.PendingDeletes, pending)
			if derr := v.takeBack(ctx, kc, entry.ID); derr != nil {
				return fmt.Errorf("adding %q: %w (its private key also stays in %s, unused, until ASC Keys next starts: %v)", entry.Name, err, entry.Where().place(), derr)
			}
			return fmt.Errorf("adding %q: %w", entry.Name, err)
		}
		out = entry
		return nil
	})
	if err != nil {
		return Key{}, nil, err
	}
	return out, warnings, nil
}

// mayLandLate reports whether a keychain write that failed may still be
// carried out: it was given up on, not refused.
func mayLandLate(err error) bool {
	return errors.Is(err, ErrKeychainTimeout) || errors.Is(err, context.Canceled)
}

// dropPending clears the pending record of id from the document (not yet
// saved).
func (tx *txn) dropPending(id string) {
	kept := tx.doc.PendingDeletes[:0:0]
	for _, p := range tx.doc.PendingDeletes {
		if p.ID != id {
			kept = append(kept, p)
		}
	}
	tx.doc.PendingDeletes = kept
}

// forgetPending clears the record of a fresh id whose private key is known
// not to be in the keychain. Best effort: a stale record only costs CleanUp
// a delete.
func (tx *txn) forgetPending(id string) {
	tx.dropPending(id)
	_ = tx.save()
}

// storeSecret puts secret in kc under id and checks it is there.
func (v *Vault) storeSecret(ctx context.Context, kc Keychain, id, secret string) error {
	if err := kc.Set(ctx, id, secret); err != nil {
		return err
	}
	return v.checkStored(ctx, kc, id, secret)
}

// checkStored reads a secret just stored back: a Secret Service whose unlock
// prompt was dismissed reports success without storing anything.
func (v *Vault) checkStored(ctx context.Context, kc Keychain, id, secret string) error {
	got, err := kc.Get(ctx, id)
	switch {
	case err == nil && got == secret:
		v.recordSecretChecks(map[string]error{id: nil}, nil)
		return nil
	case err != nil && !errors.Is(err, ErrSecretNotFound):
		return err
	}
	return errors.New("the keychain accepted the private key but did not keep it (was its unlock prompt dismissed?): unlock the keychain and try again")
}

// takeBack deletes a secret whose metadata could not be written. It runs
// even when ctx was cancelled, within BackgroundTimeout.
func (v *Vault) takeBack(ctx context.Context, kc Keychain, id string) error {
	cctx, cancel := WithBackgroundTimeout(context.WithoutCancel(ctx))
	defer cancel()
	if err := kc.Delete(cctx, id); err != nil && !errors.Is(err, ErrSecretNotFound) {
		return err
	}
	return nil
}

package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/keyfile"
)

// NewKey is what Add needs to link a key.
type NewKey struct {
	Name     string       // default: the Key ID
	KeyID    string       // default: from FileName (AuthKey_<KEYID>.p8)
	IssuerID string       // a UUID for team and enterprise keys; empty for individual keys
	Kind     core.KeyKind // default: team
	Data     []byte       // the .p8 file's contents, as read
	FileName string       // the .p8 file's name or path, for the Key ID default
}

// String describes the new key without its contents.
func (n NewKey) String() string {
	return fmt.Sprintf("NewKey{Name: %q, KeyID: %s, IssuerID: %s, Kind: %s, FileName: %q, Data: [%d bytes redacted]}", n.Name, n.KeyID, n.IssuerID, n.Kind, n.FileName, len(n.Data))
}

// GoString keeps %#v from printing the key file.
func (n NewKey) GoString() string { return n.String() }

// Format makes every fmt verb print the redacted form.
func (n NewKey) Format(f fmt.State, _ rune) { fmt.Fprint(f, n.String()) }

// Add validates a key and links it: the private key goes to the keychain
// first, then the metadata to keys.json; if the metadata cannot be written,
// the private key is taken back out. The warnings are for the user to read
// (an unusual Key ID, repairs made to the file). Bad input is a
// *ValidationError naming the field; a key, Key ID or name already linked is
// refused naming the entry that has it (a *DuplicateError).
//
// Adding a key that is linked but whose private key is missing from the
// keychain (or damaged there) puts it back: that is the remedy the vault's
// messages give.
func (v *Vault) Add(ctx context.Context, nk NewKey) (Key, []string, error) {
	entry, parsed, warnings, err := prepare(nk)
	if err != nil {
		return Key{}, nil, err
	}
	return v.add(ctx, entry, parsed, warnings)
}

// AddFastlane links the key in a fastlane API key JSON file, named name (the
// Key ID when empty).
func (v *Vault) AddFastlane(ctx context.Context, data []byte, name string) (Key, []string, error) {
	f, err := keyfile.ParseFastlane(data)
	if err != nil {
		return Key{}, nil, &ValidationError{Field: FieldFile, Err: err}
	}
	entry, parsed, warnings, err := prepare(NewKey{Name: name, KeyID: f.KeyID, IssuerID: f.IssuerID, Kind: f.Kind, Data: f.Key.PEM})
	if err != nil {
		return Key{}, nil, err
	}
	return v.add(ctx, entry, parsed, append(warnings, repairWarnings(f.Key.Repairs)...))
}

// Check validates nk as Add would, duplicates included, without touching the
// keychain or writing anything: for forms that validate as the user types.
func (v *Vault) Check(ctx context.Context, nk NewKey) ([]string, error) {
	entry, parsed, warnings, err := prepare(nk)
	if err != nil {
		return nil, err
	}
	keys, err := v.List(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := duplicate(keys, entry, parsed.Fingerprint); err != nil {
		return nil, err
	}
	return warnings, nil
}

// prepare checks everything that needs neither the keychain nor keys.json.
func prepare(nk NewKey) (Key, *keyfile.Key, []string, error) {
	var warnings []string
	keyID := strings.TrimSpace(nk.KeyID)
	if keyID == "" && nk.FileName != "" {
		keyID = keyfile.KeyIDFromFilename(nk.FileName)
	}
	warning, err := keyfile.CheckKeyID(keyID)
	if err != nil {
		return Key{}, nil, nil, &ValidationError{Field: FieldKeyID, Err: err}
	}
	if warning != "" {
		warnings = append(warnings, warning)
	}
	kind := nk.Kind
	if kind == "" {
		kind = core.KindTeam
	}
	if err := keyfile.CheckKind(kind); err != nil {
		return Key{}, nil, nil, &ValidationError{Field: FieldKind, Err: err}
	}
	issuer := strings.TrimSpace(nk.IssuerID)
	if err := keyfile.CheckIssuerID(kind, issuer); err != nil {
		return Key{}, nil, nil, &ValidationError{Field: FieldIssuerID, Err: err}
	}
	name := nk.Name
	if strings.TrimSpace(name) == "" {
		name = keyID
	}
	name, err = keyfile.CheckName(name)
	if err != nil {
		return Key{}, nil, nil, &ValidationError{Field: FieldName, Err: err}
	}
	parsed, err := keyfile.Parse(nk.Data)
	if err != nil {
		return Key{}, nil, nil, &ValidationError{Field: FieldFile, Err: err}
	}
	entry := Key{Name: name, KeyID: keyID, IssuerID: issuer, Kind: kind, Fingerprint: parsed.Fingerprint}
	return entry, parsed, append(warnings, repairWarnings(parsed.Repairs)...), nil
}

func repairWarnings(repairs []string) []string {
	if len(repairs) == 0 {
		return nil
	}
	return []string{"the key file was repaired: " + strings.Join(repairs, "; ")}
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

func (v *Vault) add(ctx context.Context, entry Key, parsed *keyfile.Key, warnings []string) (Key, []string, error) {
	secret := string(parsed.PEM)
	var out Key
	err := v.update(ctx, func(tx *txn) error {
		existing, dupErr := duplicate(tx.doc.Keys, entry, parsed.Fingerprint)
		if dupErr != nil {
			if existing.Fingerprint != parsed.Fingerprint {
				return dupErr
			}
			if _, err := v.loadSecret(ctx, *existing); !needsReimport(err) {
				return dupErr
			}
			// The re-import that the missing-key message asks for.
			if err := v.storeSecret(ctx, tx, existing.ID, secret, false); err != nil {
				return fmt.Errorf("restoring the private key of %q: %w", existing.Name, err)
			}
			out = *existing
			warnings = append(warnings, fmt.Sprintf("the private key of %q was missing from the keychain and has been put back", existing.Name))
			return nil
		}
		entry.ID = newID(tx.doc)
		entry.AddedAt = v.now().UTC()
		if err := v.storeSecret(ctx, tx, entry.ID, secret, true); err != nil {
			return fmt.Errorf("adding %q: %w", entry.Name, err)
		}
		if v.crash("add:secret-stored") {
			return errCrashed
		}
		tx.doc.Keys = append(tx.doc.Keys, entry)
		if err := tx.save(); err != nil {
			tx.doc.Keys = tx.doc.Keys[:len(tx.doc.Keys)-1]
			if derr := v.takeBack(ctx, entry.ID); derr != nil {
				return fmt.Errorf("adding %q: %w (its private key also stays in the keychain, unused: %v)", entry.Name, err, derr)
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

// storeSecret puts secret in the keychain under id and reads it back: a
// Secret Service whose unlock prompt was dismissed reports success without
// storing anything. When the keychain stops answering, a fresh id is
// recorded for CleanUp, since the write may still land after we gave up.
func (v *Vault) storeSecret(ctx context.Context, tx *txn, id, secret string, fresh bool) error {
	if err := v.kc.Set(ctx, id, secret); err != nil {
		if fresh && (errors.Is(err, ErrKeychainTimeout) || errors.Is(err, context.Canceled)) {
			tx.doc.PendingDeletes = append(tx.doc.PendingDeletes, PendingDelete{ID: id, Since: v.now().UTC()})
			_ = tx.save() // best effort: an orphan secret is harmless, just untidy
		}
		return err
	}
	got, err := v.kc.Get(ctx, id)
	if err == nil && got == secret {
		return nil
	}
	if fresh {
		_ = v.takeBack(ctx, id)
	}
	if err != nil && !errors.Is(err, ErrSecretNotFound) {
		return err
	}
	return errors.New("the keychain accepted the private key but did not keep it (was its unlock prompt dismissed?): unlock the keychain and try again")
}

// takeBack deletes a secret whose metadata could not be written. It runs
// even when ctx was cancelled, within BackgroundTimeout.
func (v *Vault) takeBack(ctx context.Context, id string) error {
	cctx, cancel := WithBackgroundTimeout(context.WithoutCancel(ctx))
	defer cancel()
	if err := v.kc.Delete(cctx, id); err != nil && !errors.Is(err, ErrSecretNotFound) {
		return err
	}
	return nil
}

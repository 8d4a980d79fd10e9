package storage

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/asckeys/asckeys/core"
)

// Rename gives the key with vault id id a new name, unique ignoring case.
func (v *Vault) Rename(ctx context.Context, id, newName string) error {
	name, err := checkName(newName)
	if err != nil {
		return &ValidationError{Field: FieldName, Err: err}
	}
	return v.update(ctx, func(tx *txn) error {
		i, err := tx.index(id)
		if err != nil {
			return err
		}
		for _, k := range tx.doc.Keys {
			if k.ID != id && strings.EqualFold(k.Name, name) {
				return &ValidationError{Field: FieldName, Err: &DuplicateError{Existing: k, msg: fmt.Sprintf(
					"the name %q is already used by the key with Key ID %s: choose another name", k.Name, k.KeyID)}}
			}
		}
		if tx.doc.Keys[i].Name == name {
			return nil
		}
		old := tx.doc.Keys[i].Name
		tx.doc.Keys[i].Name = name
		if err := tx.save(); err != nil {
			return fmt.Errorf("renaming %q: %w", old, err)
		}
		return nil
	})
}

// RecordCheck records how a check of the key with vault id id against Apple
// went, at time at: err nil means Apple accepted the key; Apple refusing the
// key itself (401: wrong Key ID or Issuer ID, revoked key; 403: the key may
// not do this) marks it rejected with that message (cleaned of anything that
// looks like a key or a token). Everything else says nothing about the key
// and leaves its state exactly as it was, recorded false: failures that never
// reached Apple (network down, DNS, timeout, cancelled, TLS) and Apple's
// answers about something other than the key (429 over the rate limit, 5xx).
func (v *Vault) RecordCheck(ctx context.Context, id string, at time.Time, err error) (recorded bool, _ error) {
	if err != nil && !refusesKey(err) {
		return false, nil
	}
	if err := v.record(ctx, id, at, err); err != nil {
		return false, err
	}
	return true, nil
}

// refusesKey reports whether err is App Store Connect refusing the key.
func refusesKey(err error) bool {
	var apiErr *core.APIError
	return errors.As(err, &apiErr) && (apiErr.StatusCode == http.StatusUnauthorized || apiErr.StatusCode == http.StatusForbidden)
}

// record stores a check's outcome: checkErr nil is a success.
func (v *Vault) record(ctx context.Context, id string, at time.Time, checkErr error) error {
	return v.update(ctx, func(tx *txn) error {
		i, err := tx.index(id)
		if err != nil {
			return err
		}
		k := &tx.doc.Keys[i]
		if checkErr == nil {
			k.LastVerified, k.LastError, k.LastErrorAt = at.UTC(), "", time.Time{}
		} else {
			k.LastError, k.LastErrorAt = cleanErrorText(checkErr.Error()), at.UTC()
		}
		return tx.save()
	})
}

// Remove unlinks the key with vault id id and deletes its private key from
// the keychain. The removal is recorded in keys.json first, so it completes
// even if the process dies. When the keychain cannot delete the private key
// now, the key is still removed from the list and the error matches
// ErrCleanupPending: CleanUp (run by Open) deletes it later.
func (v *Vault) Remove(ctx context.Context, id string) error {
	return v.update(ctx, func(tx *txn) error {
		i, err := tx.index(id)
		if err != nil {
			return err
		}
		k := tx.doc.Keys[i]
		if k.Where() == StoreFile {
			// The passphrase first: a wrong one changes nothing.
			if _, err := v.file.Get(ctx, k.ID); errors.Is(err, ErrWrongPassphrase) || errors.Is(err, ErrNoPassphrase) {
				return fmt.Errorf("removing %q: %w", k.Name, err)
			}
		}
		tx.doc.Keys = append(tx.doc.Keys[:i:i], tx.doc.Keys[i+1:]...)
		tx.doc.PendingDeletes = append(tx.doc.PendingDeletes, PendingDelete{ID: k.ID, Name: k.Name, KeyID: k.KeyID, Since: v.now().UTC(), Store: k.Store})
		if err := tx.save(); err != nil {
			return fmt.Errorf("removing %q: %w", k.Name, err)
		}
		if v.crash("remove:recorded") {
			return errCrashed
		}
		if err := v.finishDelete(ctx, tx, k.ID, k.Store); err != nil {
			return fmt.Errorf("%w: %q was removed, but its private key is still in the keychain (%w); ASC Keys deletes it the next time it starts", ErrCleanupPending, k.Name, err)
		}
		return nil
	})
}

// CleanUp deletes the private keys that no key lists: those of removed keys
// that an earlier Remove could not delete (keychain locked, process killed),
// and those an add stored before it was interrupted. Open calls it.
func (v *Vault) CleanUp(ctx context.Context) error {
	return v.update(ctx, func(tx *txn) error { return v.cleanUp(ctx, tx, false) })
}

// cleanUp finishes the pending deletes. In the background (Open), those in
// the encrypted file are left for a CleanUp, a Remove or an add: they would
// ask for its passphrase when nobody asked for anything.
func (v *Vault) cleanUp(ctx context.Context, tx *txn, background bool) error {
	var errs []error
	for _, p := range append([]PendingDelete(nil), tx.doc.PendingDeletes...) {
		if background && p.Store == StoreFile {
			continue
		}
		if err := v.finishDelete(ctx, tx, p.ID, p.Store); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %d private keys that no key lists are still in the keychain and will be deleted next time: %w", ErrCleanupPending, len(errs), errors.Join(errs...))
	}
	return nil
}

// finishDelete deletes a pending secret and clears its record. A secret that
// is already gone counts as deleted. If the record cannot be cleared, the
// next CleanUp finds the secret gone and clears it then.
func (v *Vault) finishDelete(ctx context.Context, tx *txn, id string, store Store) error {
	if err := v.secretsIn(store).Delete(ctx, id); err != nil && !errors.Is(err, ErrSecretNotFound) {
		return err
	}
	if v.crash("remove:secret-deleted") {
		return errCrashed
	}
	tx.dropPending(id)
	_ = tx.save()
	return nil
}

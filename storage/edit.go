package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/asckeys/asckeys/core/keyfile"
)

// Rename gives the key with vault id id a new name, unique ignoring case.
func (v *Vault) Rename(ctx context.Context, id, newName string) error {
	name, err := keyfile.CheckName(newName)
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

// RecordVerification stores the outcome of checking the key against Apple at
// time at: errMsg empty means Apple accepted it. The message is cleaned of
// anything that looks like a key or a token before it is stored.
func (v *Vault) RecordVerification(ctx context.Context, id string, at time.Time, errMsg string) error {
	return v.update(ctx, func(tx *txn) error {
		i, err := tx.index(id)
		if err != nil {
			return err
		}
		k := &tx.doc.Keys[i]
		if errMsg == "" {
			k.LastVerified, k.LastError, k.LastErrorAt = at.UTC(), "", time.Time{}
		} else {
			k.LastError, k.LastErrorAt = cleanErrorText(errMsg), at.UTC()
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
		tx.doc.Keys = append(tx.doc.Keys[:i:i], tx.doc.Keys[i+1:]...)
		tx.doc.PendingDeletes = append(tx.doc.PendingDeletes, PendingDelete{ID: k.ID, Name: k.Name, KeyID: k.KeyID, Since: v.now().UTC()})
		if err := tx.save(); err != nil {
			return fmt.Errorf("removing %q: %w", k.Name, err)
		}
		if v.crash("remove:recorded") {
			return errCrashed
		}
		if err := v.finishDelete(ctx, tx, k.ID); err != nil {
			return fmt.Errorf("%w: %q was removed, but its private key is still in the keychain (%w); ASC Keys deletes it the next time it starts", ErrCleanupPending, k.Name, err)
		}
		return nil
	})
}

// CleanUp deletes the private keys of removed keys that an earlier Remove
// could not delete (keychain locked, process killed). Open calls it.
func (v *Vault) CleanUp(ctx context.Context) error {
	return v.update(ctx, func(tx *txn) error {
		var errs []error
		for _, p := range append([]PendingDelete(nil), tx.doc.PendingDeletes...) {
			if err := v.finishDelete(ctx, tx, p.ID); err != nil {
				errs = append(errs, err)
			}
		}
		if len(errs) > 0 {
			return fmt.Errorf("%w: %d removed keys' private keys are still in the keychain and will be deleted next time: %w", ErrCleanupPending, len(errs), errors.Join(errs...))
		}
		return nil
	})
}

// finishDelete deletes a pending secret and clears its record. A secret that
// is already gone counts as deleted. If the record cannot be cleared, the
// next CleanUp finds the secret gone and clears it then.
func (v *Vault) finishDelete(ctx context.Context, tx *txn, id string) error {
	if err := v.kc.Delete(ctx, id); err != nil && !errors.Is(err, ErrSecretNotFound) {
		return err
	}
	if v.crash("remove:secret-deleted") {
		return errCrashed
	}
	kept := tx.doc.PendingDeletes[:0:0]
	for _, p := range tx.doc.PendingDeletes {
		if p.ID != id {
			kept = append(kept, p)
		}
	}
	tx.doc.PendingDeletes = kept
	_ = tx.save()
	return nil
}

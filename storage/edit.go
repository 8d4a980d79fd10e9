package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/asckeys/asckeys/core"
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

// RecordCheck records how a check of the key with vault id id against Apple
// went, at time at: err nil means Apple accepted the key; an error wrapping a
// *core.APIError is Apple's own answer, and the key is marked rejected with
// its message (cleaned of anything that looks like a key or a token). Any
// other failure (network down, DNS, timeout, cancelled, TLS) never reached
// Apple and says nothing about the key: its state is left exactly as it was
// and recorded is false.
func (v *Vault) RecordCheck(ctx context.Context, id string, at time.Time, err error) (recorded bool, _ error) {
	var apiErr *core.APIError
	if err != nil && !errors.As(err, &apiErr) {
		return false, nil
	}
	if err := v.record(ctx, id, at, err); err != nil {
		return false, err
	}
	return true, nil
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

// CleanUp deletes the private keys that no key lists: those of removed keys
// that an earlier Remove could not delete (keychain locked, process killed),
// and those an add stored before it was interrupted. Open calls it.
func (v *Vault) CleanUp(ctx context.Context) error {
	return v.update(ctx, func(tx *txn) error { return v.cleanUp(ctx, tx) })
}

func (v *Vault) cleanUp(ctx context.Context, tx *txn) error {
	var errs []error
	for _, p := range append([]PendingDelete(nil), tx.doc.PendingDeletes...) {
		if err := v.finishDelete(ctx, tx, p.ID); err != nil {
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
func (v *Vault) finishDelete(ctx context.Context, tx *txn, id string) error {
	if err := v.kc.Delete(ctx, id); err != nil && !errors.Is(err, ErrSecretNotFound) {
		return err
	}
	if v.crash("remove:secret-deleted") {
		return errCrashed
	}
	tx.dropPending(id)
	_ = tx.save()
	return nil
}

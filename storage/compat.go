package storage

import (
	"context"
	"errors"
	"time"
)

// Check validates nk as Prepare does and returns its warnings.
//
// Deprecated: the window's last use; it moves to Prepare, and this file goes.
func (v *Vault) Check(ctx context.Context, nk NewKey) ([]string, error) {
	p, err := v.Prepare(ctx, nk)
	if err != nil {
		return nil, err
	}
	return p.Warnings(), nil
}

// RecordVerification records a check whose outcome the caller already
// judged: errMsg empty is a success, anything else a rejection.
//
// Deprecated: the window's last use; it moves to RecordCheck, which judges
// the error itself, and this file goes.
func (v *Vault) RecordVerification(ctx context.Context, id string, at time.Time, errMsg string) error {
	var checkErr error
	if errMsg != "" {
		checkErr = errors.New(errMsg)
	}
	return v.record(ctx, id, at, checkErr)
}

package storage

import (
	"context"
	"errors"
	"fmt"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/keyfile"
)

// loadSecret reads k's private key from the keychain and checks it is the
// key that was added. Errors are *SecretError values.
func (v *Vault) loadSecret(ctx context.Context, k Key) (*keyfile.Key, error) {
	secret, err := v.secretsIn(k.Store).Get(ctx, k.ID)
	if err != nil {
		return nil, &SecretError{Key: k, Err: err}
	}
	parsed, err := keyfile.Parse([]byte(secret))
	if err != nil {
		return nil, &SecretError{Key: k, Err: ErrSecretDamaged}
	}
	if parsed.Fingerprint != k.Fingerprint {
		return nil, &SecretError{Key: k, Err: ErrSecretMismatch}
	}
	return parsed, nil
}

// keyWithSecret returns the key with vault id id and its private key, read
// from the keychain and checked (loadSecret).
func (v *Vault) keyWithSecret(ctx context.Context, id string) (Key, *keyfile.Key, error) {
	k, err := v.Get(ctx, id)
	if err != nil {
		return Key{}, nil, err
	}
	parsed, err := v.loadSecret(ctx, k)
	if err != nil {
		return Key{}, nil, err
	}
	return k, parsed, nil
}

// Credentials loads the key with vault id id, private key included, ready to
// sign requests. A private key missing from the keychain is a *SecretError
// (errors.Is ErrSecretNotFound) that tells the user to re-import the .p8.
func (v *Vault) Credentials(ctx context.Context, id string) (core.Credentials, error) {
	k, parsed, err := v.keyWithSecret(ctx, id)
	if err != nil {
		return core.Credentials{}, err
	}
	return core.Credentials{KeyID: k.KeyID, IssuerID: k.IssuerID, Kind: k.Kind, PrivateKey: parsed.PrivateKey}, nil
}

// PrivateKeyPEM returns the key's private key as PKCS#8 PEM, for an export
// the user asked for (refused as exportable says). Never log or display it.
func (v *Vault) PrivateKeyPEM(ctx context.Context, id string) ([]byte, error) {
	_, parsed, err := v.exportKey(ctx, id)
	if err != nil {
		return nil, err
	}
	return parsed.PEM, nil
}

// exportKey is keyWithSecret for an export: a key that is not exportable is
// refused before its private key is read.
func (v *Vault) exportKey(ctx context.Context, id string) (Key, *keyfile.Key, error) {
	k, err := v.Get(ctx, id)
	if err != nil {
		return Key{}, nil, err
	}
	if err := exportable(k); err != nil {
		return Key{}, nil, err
	}
	return v.keyWithSecret(ctx, id)
}

// exportable refuses a key whose Key ID is not the shape Apple issues, or
// whose Issuer ID is not what its kind needs: an export is read by shells and
// CI systems, and keys.json may have been edited, or the Key ID typed past
// its warning.
func exportable(k Key) error {
	name := core.SafeText(k.Name)
	if warning, err := keyfile.CheckKeyID(k.KeyID); warning != "" || err != nil {
		return fmt.Errorf("%q is not exported: its Key ID is not one Apple issues (10 upper-case letters and digits, like 2X9R4HXF34): remove the key and add it again with the Key ID shown in App Store Connect", name)
	}
	if err := keyfile.CheckIssuerID(k.Kind, k.IssuerID); err != nil {
		return fmt.Errorf("%q is not exported: %w", name, err)
	}
	return nil
}

// CheckSecrets probes the keychain for every key's private key, each probe
// bounded by BackgroundTimeout, and maps each key's id to nil (present and
// intact) or a *SecretError saying what is wrong and what to do. A key whose
// private key is missing stays listed: this is how the window marks it. When
// the keychain itself fails (locked, absent, silent), the remaining keys get
// the same error without more probes. What it found is kept for
// LastSecretChecks.
func (v *Vault) CheckSecrets(ctx context.Context) (map[string]error, error) {
	keys, err := v.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]error, len(keys))
	var keychainErr error
	for _, k := range keys {
		if k.Where() == StoreFile {
			out[k.ID] = v.checkFileSecret(ctx, k)
			continue
		}
		if keychainErr != nil {
			out[k.ID] = &SecretError{Key: k, Err: keychainErr}
			continue
		}
		pctx, cancel := WithBackgroundTimeout(ctx)
		_, err := v.loadSecret(pctx, k)
		cancel()
		out[k.ID] = err
		var se *SecretError
		if err != nil && !needsReimport(err) && errors.As(err, &se) {
			keychainErr = se.Err
		}
	}
	v.recordSecretChecks(out, keys)
	return out, nil
}

// checkFileSecret is CheckSecrets for a key kept in the encrypted file. A
// listing never asks for the passphrase: until something this process did
// opened the file, a key is taken to be there when the file is.
func (v *Vault) checkFileSecret(ctx context.Context, k Key) error {
	if !v.file.Unlocked() {
		if v.file.Exists() {
			return nil
		}
		return &SecretError{Key: k, Err: v.file.fail(OpGet, ErrSecretNotFound, nil)}
	}
	_, err := v.loadSecret(ctx, k)
	return err
}

// ExportFastlane returns the key as fastlane's API key JSON, private key
// included: only for an export the user asked for (refused as exportable
// says).
func (v *Vault) ExportFastlane(ctx context.Context, id string) ([]byte, error) {
	k, parsed, err := v.exportKey(ctx, id)
	if err != nil {
		return nil, err
	}
	out, err := keyfile.MarshalFastlane(&keyfile.FastlaneKey{KeyID: k.KeyID, IssuerID: k.IssuerID, Kind: k.Kind, Key: parsed})
	if err != nil {
		return nil, fmt.Errorf("exporting %q for fastlane: %w", k.Name, err)
	}
	return out, nil
}

// WriteFastlane writes the key as fastlane's API key JSON to path, mode 0600,
// replacing the file atomically.
func (v *Vault) WriteFastlane(ctx context.Context, id, path string) error {
	data, err := v.ExportFastlane(ctx, id)
	if err != nil {
		return err
	}
	return WriteFilePrivate(path, data)
}

// CheckKeychain asks the system keychain for an entry that never exists:
// nil when it answers, else why it cannot be used (errors.Is ErrNoKeychain
// where there is none), so that Add New can offer the encrypted file before
// the form is filled rather than after it failed. Bounded by ctx.
func (v *Vault) CheckKeychain(ctx context.Context) error {
	_, err := v.kc.Get(ctx, "probe:is-there-a-keychain")
	if err == nil || errors.Is(err, ErrSecretNotFound) {
		return nil
	}
	return err
}

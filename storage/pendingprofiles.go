package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"time"
)

// PendingProfilesName is the file in the vault's folder that keeps the
// definitions of profiles being regenerated: saved before the old profile is
// deleted and dropped once the new one exists, so that a create that fails
// after the delete (or a process that dies between the two) loses nothing
// and can be finished with 'asckeys profiles regenerate --resume'.
const PendingProfilesName = "pending-profiles.json"

const pendingProfilesSchema = 1

// PendingProfile is a profile's definition, kept while it is regenerated.
// It holds nothing secret: names and App Store Connect ids.
type PendingProfile struct {
	// KeyID is the vault id of the key the profile belongs to.
	KeyID string `json:"keyId"`
	// OldID and OldUUID are the profile being replaced.
	OldID            string    `json:"oldId"`
	OldUUID          string    `json:"oldUuid"`
	Name             string    `json:"name"`
	ProfileType      string    `json:"profileType"`
	BundleIDID       string    `json:"bundleIdId"`
	BundleIdentifier string    `json:"bundleIdentifier"`
	CertificateIDs   []string  `json:"certificateIds"`
	DeviceIDs        []string  `json:"deviceIds"`
	Saved            time.Time `json:"saved"`
}

type pendingProfilesDoc struct {
	SchemaVersion int              `json:"schemaVersion"`
	Profiles      []PendingProfile `json:"profiles"`
}

func (v *Vault) pendingProfilesPath() string { return filepath.Join(v.dir, PendingProfilesName) }

// loadPendingProfiles reads the file; a missing one is an empty list.
func (v *Vault) loadPendingProfiles(forWrite bool) (*pendingProfilesDoc, error) {
	path := v.pendingProfilesPath()
	raw, err := readVaultFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &pendingProfilesDoc{SchemaVersion: pendingProfilesSchema}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w: check the folder's permissions", path, err)
	}
	var doc pendingProfilesDoc
	if err := json.Unmarshal(bytes.TrimSpace(raw), &doc); err != nil || doc.SchemaVersion < 1 {
		return nil, fmt.Errorf("%s cannot be read (it is damaged) and was left unchanged: move it aside and try again; "+
			"it lists profiles whose regeneration did not finish, which 'asckeys profiles list' shows as missing", path)
	}
	if doc.SchemaVersion > pendingProfilesSchema && forWrite {
		return nil, fmt.Errorf("%w: %s was written by a newer version of ASC Keys and was left unchanged: update ASC Keys", ErrNewerSchema, path)
	}
	return &doc, nil
}

// updatePendingProfiles changes the file under the lock keys.json's writes
// take, and replaces it atomically (mode 0600).
func (v *Vault) updatePendingProfiles(ctx context.Context, change func(doc *pendingProfilesDoc)) error {
	unlock, err := v.acquire(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	doc, err := v.loadPendingProfiles(true)
	if err != nil {
		return err
	}
	change(doc)
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the profiles being regenerated: %w", err)
	}
	path := v.pendingProfilesPath()
	if err := v.writeFile(path, append(data, '\n')); err != nil {
		return fmt.Errorf("saving the profiles being regenerated to %s failed (%w); nothing was changed at Apple: "+
			"check that the folder %s is writable and the disk is not full, then try again", path, err, v.dir)
	}
	return nil
}

func samePending(a, b PendingProfile) bool { return a.KeyID == b.KeyID && a.OldID == b.OldID }

// SavePendingProfiles records the definitions, replacing earlier records of
// the same key and old profile.
func (v *Vault) SavePendingProfiles(ctx context.Context, ps []PendingProfile) error {
	if err := v.keepable("the profiles' definitions (until they are made again)"); err != nil {
		return err
	}
	return v.updatePendingProfiles(ctx, func(doc *pendingProfilesDoc) {
		for _, p := range ps {
			doc.Profiles = slices.DeleteFunc(doc.Profiles, func(q PendingProfile) bool { return samePending(p, q) })
			doc.Profiles = append(doc.Profiles, p)
		}
	})
}

// FinishPendingProfiles drops the records of the key's old profiles oldIDs:
// their new profiles exist, or their old ones were never deleted.
func (v *Vault) FinishPendingProfiles(ctx context.Context, keyID string, oldIDs []string) error {
	return v.updatePendingProfiles(ctx, func(doc *pendingProfilesDoc) {
		doc.Profiles = slices.DeleteFunc(doc.Profiles, func(q PendingProfile) bool {
			return q.KeyID == keyID && slices.Contains(oldIDs, q.OldID)
		})
	})
}

// PendingProfiles lists the key's recorded definitions, oldest first. It
// reads without the lock: writes replace the file atomically.
func (v *Vault) PendingProfiles(keyID string) ([]PendingProfile, error) {
	doc, err := v.loadPendingProfiles(false)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(doc.Profiles, func(q PendingProfile) bool { return q.KeyID != keyID }), nil
}

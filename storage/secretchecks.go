package storage

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// The last keychain checks. Reading a private key from the keychain is a
// round trip to another process (GNOME Keyring over D-Bus, the macOS
// keychain daemon): 20 keys took `asckeys keys list` from 11 ms to 55 ms,
// and more on a slow session bus. So what the last check found for each key
// is kept, with its time, in keychain-checks.json in the vault's folder, and
// listings that only show the keys read that, saying how old it is; the
// keychain is asked again only where asked (CheckSecrets: `keys list
// --check`, the window at start) and whenever a private key is stored. The
// file holds no secret: ids, times, and "missing", "different" or
// "damaged".

// secretChecksFile is the file of the last checks, in the vault's folder.
const secretChecksFile = "keychain-checks.json"

// SecretCheck is what the last check of one key's private key found.
type SecretCheck struct {
	// CheckedAt is when the keychain was asked.
	CheckedAt time.Time
	// Err is nil (the private key was there and intact) or a *SecretError
	// for ErrSecretNotFound, ErrSecretMismatch or ErrSecretDamaged. A
	// keychain that could not be asked (locked, absent, silent) says nothing
	// about the key and is not kept.
	Err error
}

// secretCheckRecord is a SecretCheck on disk.
type secretCheckRecord struct {
	CheckedAt time.Time `json:"checkedAt"`
	Problem   string    `json:"problem,omitempty"` // "", "missing", "different", "damaged"
}

var problems = map[string]error{"missing": ErrSecretNotFound, "different": ErrSecretMismatch, "damaged": ErrSecretDamaged}

// secretChecksMu serializes this process's updates of the file; across
// processes the atomic write makes the last writer win, which loses at most
// another process's newer check of a key.
var secretChecksMu sync.Mutex

func (v *Vault) secretChecksPath() string { return filepath.Join(v.dir, secretChecksFile) }

func (v *Vault) readSecretChecks() map[string]secretCheckRecord {
	out := map[string]secretCheckRecord{}
	data, err := os.ReadFile(v.secretChecksPath())
	if err != nil {
		return out
	}
	if json.Unmarshal(data, &out) != nil {
		return map[string]secretCheckRecord{} // unreadable: as if never checked
	}
	return out
}

// LastSecretChecks returns what the last keychain check found for each of
// keys, by vault id, without asking the keychain; a key never checked (or
// whose check was lost) is absent. It reads one small file.
func (v *Vault) LastSecretChecks(keys []Key) map[string]SecretCheck {
	records := v.readSecretChecks()
	out := make(map[string]SecretCheck, len(keys))
	for _, k := range keys {
		r, ok := records[k.ID]
		if !ok {
			continue
		}
		c := SecretCheck{CheckedAt: r.CheckedAt}
		if r.Problem != "" {
			perr, known := problems[r.Problem]
			if !known {
				continue
			}
			c.Err = &SecretError{Key: k, Err: perr}
		}
		out[k.ID] = c
	}
	return out
}

// recordSecretChecks keeps what the keychain just said of the keys in
// results (vault id to loadSecret's error), dropping ids not in keep when
// keep is not nil. Failures of the keychain itself are not kept. Writing is
// best effort: a check that is not kept is asked again next time.
func (v *Vault) recordSecretChecks(results map[string]error, keep []Key) {
	secretChecksMu.Lock()
	defer secretChecksMu.Unlock()
	records := v.readSecretChecks()
	now := v.now().UTC()
	for id, err := range results {
		var problem string
		switch {
		case err == nil:
		case errors.Is(err, ErrSecretNotFound):
			problem = "missing"
		case errors.Is(err, ErrSecretMismatch):
			problem = "different"
		case errors.Is(err, ErrSecretDamaged):
			problem = "damaged"
		default:
			continue
		}
		records[id] = secretCheckRecord{CheckedAt: now, Problem: problem}
	}
	if keep != nil {
		ids := map[string]bool{}
		for _, k := range keep {
			ids[k.ID] = true
		}
		for id := range records {
			if !ids[id] {
				delete(records, id)
			}
		}
	}
	data, err := json.MarshalIndent(records, "", "  ")
	if err != nil {
		return
	}
	_ = WriteFilePrivate(v.secretChecksPath(), data)
}

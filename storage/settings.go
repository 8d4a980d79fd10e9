package storage

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// settingsFile holds the user's settings, beside keys.json: the window and
// the command line read the same ones.
const settingsFile = "settings.json"

// DefaultExpiryMaxAge is how old cached lists may be for the expiry overview
// and 'asckeys expiring' to use them without asking Apple: certificates and
// profiles change rarely, and a cron job run every hour then costs a
// listing only a few times a day.
const DefaultExpiryMaxAge = 6 * time.Hour

// Settings are the user's choices that outlive a run. The zero value is the
// defaults.
type Settings struct {
	// ExpiryMaxAge is how old a key's cached lists may be for the expiry
	// overview and 'asckeys expiring' to trust them (0: DefaultExpiryMaxAge).
	ExpiryMaxAge Duration `json:"expiryMaxAge,omitempty"`
	// NotificationsOff turns off the desktop notifications about
	// certificates and profiles that are about to expire.
	NotificationsOff bool `json:"notificationsOff,omitempty"`
}

// ExpiryCacheAge is ExpiryMaxAge, or its default when unset.
func (s Settings) ExpiryCacheAge() time.Duration {
	if s.ExpiryMaxAge <= 0 {
		return DefaultExpiryMaxAge
	}
	return time.Duration(s.ExpiryMaxAge)
}

// Duration is a time.Duration written as text ("6h0m0s") in JSON, so that
// settings.json can be read and edited by a person.
type Duration time.Duration

// MarshalJSON writes the duration as Go writes it ("6h0m0s").
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads a duration such as "6h" or "90m".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a duration is text such as \"6h\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration such as \"6h\" or \"90m\"", s)
	}
	*d = Duration(v)
	return nil
}

// SettingsStore reads and writes the Settings kept in a folder. Saves are
// atomic (mode 0600 in a 0700 folder), so a crash leaves the old settings
// or the new ones.
type SettingsStore struct {
	path string
	mu   sync.Mutex
}

// NewSettingsStore returns the store of settings.json in dir, normally the
// vault's folder (Vault.Dir). Nothing is read or written until it is used.
func NewSettingsStore(dir string) *SettingsStore {
	return &SettingsStore{path: filepath.Join(dir, settingsFile)}
}

// Path is the settings file, for messages that tell the user where to edit.
func (s *SettingsStore) Path() string { return s.path }

// Load reads the settings. A missing file is the defaults; a file that
// does not parse is the defaults too, with an error that names it, so the
// caller can say so and carry on.
func (s *SettingsStore) Load() (Settings, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var st Settings
	data, err := os.ReadFile(s.path)
	if os.IsNotExist(err) {
		return Settings{}, nil
	}
	if err != nil {
		return Settings{}, fmt.Errorf("reading the settings: %w (the defaults are used)", err)
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return Settings{}, fmt.Errorf("%s is not valid: %v: fix or remove it (the defaults are used until then)", s.path, err)
	}
	return st, nil
}

// Update changes the settings with change and writes them back; a damaged
// file is replaced by the defaults with the change. Call it off the UI
// goroutine.
func (s *SettingsStore) Update(change func(*Settings)) (Settings, error) {
	st, _ := s.Load()
	s.mu.Lock()
	defer s.mu.Unlock()
	change(&st)
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return st, fmt.Errorf("encoding the settings: %w", err)
	}
	if err := makePrivateDir(filepath.Dir(s.path)); err != nil {
		return st, err
	}
	return st, WriteFilePrivate(s.path, data)
}

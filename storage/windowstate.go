package storage

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// windowStateFile is the window's memory between runs, in the state folder.
const windowStateFile = "window.json"

// WindowState is what the window remembers between runs. It names keys only
// by their vault id and holds nothing secret, but it says which accounts the
// user has, so it is kept private like everything else about keys.
type WindowState struct {
	// SelectedKey is the vault id of the key shown on the right.
	SelectedKey string `json:"selectedKey,omitempty"`
	// DownloadDir is the folder of the last download.
	DownloadDir string `json:"downloadDir,omitempty"`
}

// StateStore reads and writes the WindowState kept in a state folder. Saves
// come from background goroutines; the mutex keeps two of them from
// interleaving, and the write is atomic so a crash leaves the old state or
// the new one.
type StateStore struct {
	path string
	mu   sync.Mutex
}

// NewStateStore returns the store of the window state in the folder
// stateDir (window.json in it). Nothing is read or written until Load or Save.
func NewStateStore(stateDir string) *StateStore {
	return &StateStore{path: filepath.Join(stateDir, windowStateFile)}
}

// Load reads the state; a missing or unreadable file is a fresh start, since
// nothing in it is worth stopping the window for.
func (s *StateStore) Load() WindowState {
	s.mu.Lock()
	defer s.mu.Unlock()
	var st WindowState
	if data, err := os.ReadFile(s.path); err == nil {
		_ = json.Unmarshal(data, &st)
	}
	return st
}

// Save writes st, mode 0600 in a 0700 folder. It touches the disk: call it
// off the UI goroutine.
func (s *StateStore) Save(st WindowState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the window state: %w", err)
	}
	if err := makePrivateDir(filepath.Dir(s.path)); err != nil {
		return err
	}
	return WriteFilePrivate(s.path, data)
}

// makePrivateDir creates dir (mode 0700) if it is missing and tightens it
// with ensurePrivate, as the vault does with its own folder.
func makePrivateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	return ensurePrivate(dir)
}

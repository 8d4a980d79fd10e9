package gui

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/asckeys/asckeys/storage"
)

// stateFile is the window's memory between runs, in the state folder.
const stateFile = "window.json"

// windowState is what the window remembers between runs. It names keys only
// by their vault id and holds nothing secret, but it says which accounts the
// user has, so it is kept private like everything else about keys.
type windowState struct {
	// SelectedKey is the vault id of the key shown on the right.
	SelectedKey string `json:"selectedKey,omitempty"`
	// DownloadDir is the folder of the last download.
	DownloadDir string `json:"downloadDir,omitempty"`
}

// stateStore reads and writes windowState. Saves come from background
// goroutines; the mutex keeps two of them from interleaving, and the write is
// atomic so a crash leaves the old state or the new one.
type stateStore struct {
	path string
	mu   sync.Mutex
}

func newStateStore(dir string) *stateStore {
	return &stateStore{path: filepath.Join(dir, stateFile)}
}

// load reads the state; a missing or unreadable file is a fresh start, since
// nothing in it is worth stopping the window for.
func (s *stateStore) load() windowState {
	s.mu.Lock()
	defer s.mu.Unlock()
	var st windowState
	data, err := os.ReadFile(s.path)
	if err == nil {
		_ = json.Unmarshal(data, &st)
	}
	return st
}

// save writes st. Call it off the UI goroutine.
func (s *stateStore) save(st windowState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	if err := ensurePrivateDir(filepath.Dir(s.path)); err != nil {
		return err
	}
	return storage.WriteFilePrivate(s.path, data)
}

// ensurePrivateDir makes dir (mode 0700) and tightens it if it exists, as
// for every folder holding anything about keys.
func ensurePrivateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	if err := os.Chmod(dir, 0o700); err != nil && !errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("protecting %s: %w", dir, err)
	}
	return nil
}

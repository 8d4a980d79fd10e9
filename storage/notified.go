package storage

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// notifiedFile remembers which expiry notifications were sent, in the
// state folder beside window.json.
const notifiedFile = "notified.json"

// maxNotifiedAge is how long a sent notification is remembered: past it,
// the item has long expired or been replaced, and the file stays small.
const maxNotifiedAge = 400 * 24 * time.Hour

// NotifiedStore remembers which notifications were already sent, each named
// by a key the caller chooses (an item and a threshold), so that each is
// sent once across runs. Writes are atomic, mode 0600 in a 0700 folder.
type NotifiedStore struct {
	path string
	mu   sync.Mutex
}

// NewNotifiedStore returns the store kept in the state folder stateDir.
func NewNotifiedStore(stateDir string) *NotifiedStore {
	return &NotifiedStore{path: filepath.Join(stateDir, notifiedFile)}
}

type notifiedDoc struct {
	Sent map[string]time.Time `json:"sent"`
}

func (s *NotifiedStore) read() notifiedDoc {
	var doc notifiedDoc
	if data, err := os.ReadFile(s.path); err == nil {
		_ = json.Unmarshal(data, &doc)
	}
	if doc.Sent == nil {
		doc.Sent = map[string]time.Time{}
	}
	return doc
}

// Claim returns those of names not yet sent, and records them as sent at
// now, in one step. A file that cannot be read is a fresh start (the worst
// is a notification sent twice); one that cannot be written is an error,
// and nothing is claimed, so nothing is sent that would be sent again.
func (s *NotifiedStore) Claim(names []string, now time.Time) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	doc := s.read()
	var fresh []string
	for _, n := range names {
		if _, sent := doc.Sent[n]; !sent {
			fresh = append(fresh, n)
			doc.Sent[n] = now
		}
	}
	if len(fresh) == 0 {
		return nil, nil
	}
	for n, at := range doc.Sent {
		if now.Sub(at) > maxNotifiedAge {
			delete(doc.Sent, n)
		}
	}
	data, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("encoding the notifications sent: %w", err)
	}
	if err := makePrivateDir(filepath.Dir(s.path)); err != nil {
		return nil, err
	}
	if err := WriteFilePrivate(s.path, data); err != nil {
		return nil, err
	}
	return fresh, nil
}

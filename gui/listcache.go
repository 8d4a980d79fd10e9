package gui

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/storage"
)

// listCacheVersion is the format of the cached lists. A file of another
// version is ignored, never misread: the next refresh replaces it.
const listCacheVersion = 1

// cachedLists are the last lists fetched with one key, so that reopening the
// window shows them at once while a refresh runs. Each list carries the time
// it was fetched; a list never fetched is nil.
type cachedLists struct {
	Version      int                           `json:"version"`
	Certificates *cachedList[core.Certificate] `json:"certificates,omitempty"`
	Profiles     *cachedList[core.Profile]     `json:"profiles,omitempty"`
	BundleIDs    *cachedList[core.BundleID]    `json:"bundleIds,omitempty"`
	Devices      *cachedList[core.Device]      `json:"devices,omitempty"`
}

// cachedList is one list and when Apple sent it.
type cachedList[T any] struct {
	FetchedAt time.Time `json:"fetchedAt"`
	Items     []T       `json:"items"`
}

// listCache keeps cachedLists on disk, one file per key named by its vault
// id, mode 0600 in a 0700 folder: the lists hold no secret, but they describe
// the user's accounts. Lists of one key finish loading side by side, so
// updates are serialized by the mutex and written atomically.
type listCache struct {
	dir string
	mu  sync.Mutex
}

func newListCache(dir string) *listCache { return &listCache{dir: dir} }

func (c *listCache) path(keyID string) string {
	return filepath.Join(c.dir, keyID+".json")
}

// load returns the cached lists of the key with vault id keyID; nothing
// cached, or a file that cannot be read, is an empty cachedLists.
func (c *listCache) load(keyID string) cachedLists {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.read(keyID)
}

func (c *listCache) read(keyID string) cachedLists {
	var cl cachedLists
	data, err := os.ReadFile(c.path(keyID))
	if err != nil {
		return cachedLists{}
	}
	if err := json.Unmarshal(data, &cl); err != nil || cl.Version != listCacheVersion {
		return cachedLists{}
	}
	return cl
}

// update changes the key's cached lists with change and writes them back.
// Call it off the UI goroutine.
func (c *listCache) update(keyID string, change func(*cachedLists)) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	cl := c.read(keyID)
	cl.Version = listCacheVersion
	change(&cl)
	data, err := json.Marshal(cl)
	if err != nil {
		return fmt.Errorf("encoding the cached lists: %w", err)
	}
	if err := ensurePrivateDir(c.dir); err != nil {
		return err
	}
	return storage.WriteFilePrivate(c.path(keyID), data)
}

// remove forgets the key's cached lists, as when the key is removed.
func (c *listCache) remove(keyID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := os.Remove(c.path(keyID)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

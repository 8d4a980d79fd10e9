package storage

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
)

// listCacheVersion is the format of the cached lists. A file of another
// version is ignored, never misread: the next refresh replaces it.
const listCacheVersion = 1

// CachedLists are the last lists fetched with one key, so that reopening the
// window shows them at once while a refresh runs. Each list carries the time
// it was fetched; a list never fetched is nil.
type CachedLists struct {
	Version      int                           `json:"version"`
	Certificates *CachedList[core.Certificate] `json:"certificates,omitempty"`
	Profiles     *CachedList[core.Profile]     `json:"profiles,omitempty"`
	BundleIDs    *CachedList[core.BundleID]    `json:"bundleIds,omitempty"`
	Devices      *CachedList[core.Device]      `json:"devices,omitempty"`
}

// CachedList is one list and when Apple sent it.
type CachedList[T any] struct {
	FetchedAt time.Time `json:"fetchedAt"`
	Items     []T       `json:"items"`
}

// ListCache keeps CachedLists on disk, one file per key named by its vault
// id, mode 0600 in a 0700 folder: the lists hold no secret, but they describe
// the user's accounts. Lists of one key finish loading side by side, so
// updates are serialized by the mutex and written atomically.
type ListCache struct {
	dir string
	mu  sync.Mutex
}

// NewListCache returns the cache kept in the folder "lists" of the state
// folder stateDir. Nothing is read or written until it is used.
func NewListCache(stateDir string) *ListCache {
	return &ListCache{dir: filepath.Join(stateDir, "lists")}
}

func (c *ListCache) path(vaultID string) string {
	return filepath.Join(c.dir, vaultID+".json")
}

// Load returns the cached lists of the key with vault id vaultID; nothing
// cached, or a file that cannot be read, is an empty CachedLists. It reads
// the disk: call it off the UI goroutine.
func (c *ListCache) Load(vaultID string) CachedLists {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.read(vaultID)
}

func (c *ListCache) read(vaultID string) CachedLists {
	var cl CachedLists
	data, err := os.ReadFile(c.path(vaultID))
	if err != nil {
		return CachedLists{}
	}
	if err := json.Unmarshal(data, &cl); err != nil || cl.Version != listCacheVersion {
		return CachedLists{}
	}
	return cl
}

// Update changes the key's cached lists with change and writes them back.
// Call it off the UI goroutine.
func (c *ListCache) Update(vaultID string, change func(*CachedLists)) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	cl := c.read(vaultID)
	cl.Version = listCacheVersion
	change(&cl)
	data, err := json.Marshal(cl)
	if err != nil {
		return fmt.Errorf("encoding the cached lists: %w", err)
	}
	if err := makePrivateDir(c.dir); err != nil {
		return err
	}
	return WriteFilePrivate(c.path(vaultID), data)
}

// Remove forgets the key's cached lists, as when the key is removed.
func (c *ListCache) Remove(vaultID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := os.Remove(c.path(vaultID)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing the cached lists: %w", err)
	}
	return nil
}

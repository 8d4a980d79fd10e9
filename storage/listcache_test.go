package storage

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/asckeys/asckeys/core"
)

func TestListCacheKeepsEachKeysListsPrivately(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	c := NewListCache(state)
	if cl := c.Load("k1"); cl.Profiles != nil || cl.Certificates != nil {
		t.Fatalf("an empty cache loads %+v", cl)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	// Two lists of one key, written one after the other, both stay.
	if err := c.Update("k1", func(cl *CachedLists) {
		cl.Profiles = &CachedList[core.Profile]{FetchedAt: at, Items: []core.Profile{{ID: "p1"}}}
	}); err != nil {
		t.Fatal(err)
	}
	if err := c.Update("k1", func(cl *CachedLists) {
		cl.Devices = &CachedList[core.Device]{FetchedAt: at, Items: []core.Device{{ID: "d1"}, {ID: "d2"}}}
	}); err != nil {
		t.Fatal(err)
	}
	got := NewListCache(state).Load("k1") // as the next run reads it
	if got.Profiles == nil || len(got.Profiles.Items) != 1 || !got.Profiles.FetchedAt.Equal(at) ||
		got.Devices == nil || len(got.Devices.Items) != 2 {
		t.Fatalf("the cache holds %+v", got)
	}
	if cl := c.Load("k2"); cl.Profiles != nil {
		t.Errorf("another key's cache holds %+v", cl)
	}
	// Where existing users' caches are: state/lists/<vault id>.json.
	file := filepath.Join(state, "lists", "k1.json")
	if runtime.GOOS != "windows" {
		for path, want := range map[string]os.FileMode{filepath.Join(state, "lists"): 0o700, file: 0o600} {
			if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != want {
				t.Errorf("%s: %v, %v; want mode %o", path, fi, err, want)
			}
		}
	}

	// A file of another version is ignored, never misread.
	if err := os.WriteFile(file, []byte(`{"version":99,"profiles":{"items":[{"id":"x"}]}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if cl := c.Load("k1"); cl.Profiles != nil {
		t.Errorf("a cache of version 99 was read: %+v", cl.Profiles)
	}

	if err := c.Remove("k1"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("the removed key's cache is still there (%v)", err)
	}
	if err := c.Remove("k1"); err != nil {
		t.Errorf("removing a cache that is gone: %v", err)
	}
}

package storage

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestSettingsDefaultsSaveAndDamage(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "config")
	s := NewSettingsStore(dir)
	st, err := s.Load()
	if err != nil || st.ExpiryCacheAge() != DefaultExpiryMaxAge || st.NotificationsOff {
		t.Fatalf("a fresh start: %+v, %v; want the defaults", st, err)
	}
	if _, err := s.Update(func(st *Settings) { st.NotificationsOff = true; st.ExpiryMaxAge = Duration(90 * time.Minute) }); err != nil {
		t.Fatal(err)
	}
	st, err = NewSettingsStore(dir).Load()
	if err != nil || !st.NotificationsOff || st.ExpiryCacheAge() != 90*time.Minute {
		t.Errorf("read back %+v, %v", st, err)
	}
	data, _ := os.ReadFile(s.Path())
	if !strings.Contains(string(data), `"expiryMaxAge": "1h30m0s"`) {
		t.Errorf("settings.json is not readable by a person:\n%s", data)
	}
	if runtime.GOOS != "windows" {
		for path, mode := range map[string]os.FileMode{dir: 0o700, s.Path(): 0o600} {
			if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != mode {
				t.Errorf("%s: %v, %v; want mode %o", path, fi, err, mode)
			}
		}
	}
	// A hand edit gone wrong: the defaults, and a message naming the file.
	if err := os.WriteFile(s.Path(), []byte(`{"expiryMaxAge": "six hours"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err = s.Load()
	if err == nil || !strings.Contains(err.Error(), s.Path()) || st.ExpiryCacheAge() != DefaultExpiryMaxAge {
		t.Errorf("a damaged file: %+v, %v", st, err)
	}
}

func TestNotifiedStoreClaimsEachNameOnce(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	now := time.Now()
	got, err := NewNotifiedStore(state).Claim([]string{"a/7", "b/30"}, now)
	if err != nil || len(got) != 2 {
		t.Fatalf("first claim: %v, %v", got, err)
	}
	// Another run: only the new name is claimed.
	got, err = NewNotifiedStore(state).Claim([]string{"a/7", "b/30", "a/3"}, now.Add(time.Hour))
	if err != nil || len(got) != 1 || got[0] != "a/3" {
		t.Errorf("second claim: %v, %v; want only a/3", got, err)
	}
	if runtime.GOOS != "windows" {
		if fi, err := os.Stat(filepath.Join(state, "notified.json")); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("notified.json: %v, %v; want mode 600", fi, err)
		}
	}
	// Past a year the old names are forgotten, and the file stays small.
	got, _ = NewNotifiedStore(state).Claim([]string{"c/1"}, now.Add(maxNotifiedAge+2*time.Hour))
	if len(got) != 1 {
		t.Fatalf("c/1 not claimed: %v", got)
	}
	data, _ := os.ReadFile(filepath.Join(state, "notified.json"))
	if strings.Contains(string(data), "a/7") {
		t.Errorf("a name sent over a year ago is still kept: %s", data)
	}
}

package storage

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestStateStoreRemembersTheWindowBetweenRuns(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	if st := NewStateStore(state).Load(); st != (WindowState{}) {
		t.Fatalf("a fresh start loads %+v", st)
	}
	want := WindowState{SelectedKey: "k1", DownloadDir: "/tmp/profiles"}
	if err := NewStateStore(state).Save(want); err != nil {
		t.Fatal(err)
	}
	if got := NewStateStore(state).Load(); got != want {
		t.Errorf("loaded %+v, want %+v", got, want)
	}
	file := filepath.Join(state, "window.json")
	if runtime.GOOS != "windows" {
		for path, mode := range map[string]os.FileMode{state: 0o700, file: 0o600} {
			if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != mode {
				t.Errorf("%s: %v, %v; want mode %o", path, fi, err, mode)
			}
		}
	}
	// A damaged file is a fresh start, not an error.
	if err := os.WriteFile(file, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if st := NewStateStore(state).Load(); st != (WindowState{}) {
		t.Errorf("a damaged file loads %+v", st)
	}
}

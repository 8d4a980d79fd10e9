package storage

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestPendingProfiles(t *testing.T) {
	ctx := context.Background()
	v := openTest(t, NewMemKeychain())
	if got, err := v.PendingProfiles("k1"); err != nil || len(got) != 0 {
		t.Fatalf("empty vault: %v, %v", got, err)
	}
	a := PendingProfile{KeyID: "k1", OldID: "P1", Name: "App Store", ProfileType: "IOS_APP_STORE", BundleIDID: "B1", CertificateIDs: []string{"C1"}}
	b := PendingProfile{KeyID: "k1", OldID: "P2", Name: "Dev", ProfileType: "IOS_APP_DEVELOPMENT", BundleIDID: "B1", CertificateIDs: []string{"C2"}, DeviceIDs: []string{"D1"}}
	other := PendingProfile{KeyID: "k2", OldID: "P1", Name: "Other key"}
	if err := v.SavePendingProfiles(ctx, []PendingProfile{a, b, other}); err != nil {
		t.Fatal(err)
	}
	a.Name = "App Store renamed" // saved again: replaced, not doubled
	if err := v.SavePendingProfiles(ctx, []PendingProfile{a}); err != nil {
		t.Fatal(err)
	}
	got, err := reopen(t, v.Dir(), NewMemKeychain()).PendingProfiles("k1")
	if err != nil || len(got) != 2 || got[0].OldID != "P2" || got[1].Name != "App Store renamed" || got[0].DeviceIDs[0] != "D1" {
		t.Fatalf("read back %+v, %v", got, err)
	}
	st, err := os.Stat(filepath.Join(v.Dir(), PendingProfilesName))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v; want 0600", st.Mode().Perm(), err)
	}
	if err := v.FinishPendingProfiles(ctx, "k1", []string{"P1", "P2"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := v.PendingProfiles("k1"); len(got) != 0 {
		t.Errorf("finished ones left: %v", got)
	}
	if got, _ := v.PendingProfiles("k2"); len(got) != 1 || got[0].Name != "Other key" {
		t.Errorf("another key's definition was touched: %v", got)
	}
}

// Many writers at once (the window and commands) lose no definition: each
// change is a read-modify-write under the vault's lock.
func TestPendingProfilesConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	v := openTest(t, NewMemKeychain())
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Go(func() {
			if err := v.SavePendingProfiles(ctx, []PendingProfile{{KeyID: "k", OldID: "P" + string(rune('A'+i))}}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got, _ := v.PendingProfiles("k"); len(got) != 12 {
		t.Errorf("%d definitions kept, want 12", len(got))
	}
}

func TestPendingProfilesWriteFailureChangesNothing(t *testing.T) {
	ctx := context.Background()
	v := openTest(t, NewMemKeychain())
	if err := v.SavePendingProfiles(ctx, []PendingProfile{{KeyID: "k", OldID: "P1"}}); err != nil {
		t.Fatal(err)
	}
	failWrite(v, PendingProfilesName, 1)
	err := v.SavePendingProfiles(ctx, []PendingProfile{{KeyID: "k", OldID: "P2"}})
	if !errors.Is(err, errDiskFull) || !strings.Contains(err.Error(), "nothing was changed at Apple") {
		t.Fatalf("err = %v", err)
	}
	if got, _ := v.PendingProfiles("k"); len(got) != 1 {
		t.Errorf("after a failed write: %v", got)
	}
	if err := os.WriteFile(filepath.Join(v.Dir(), PendingProfilesName), []byte("{broken"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := v.PendingProfiles("k"); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("a damaged file reads as %v", err)
	}
}

func TestPendingProfilesRefusesALink(t *testing.T) {
	v := openTest(t, NewMemKeychain())
	elsewhere := filepath.Join(t.TempDir(), "elsewhere.json")
	if err := os.WriteFile(elsewhere, []byte(`{"schemaVersion":1,"profiles":[{"keyId":"k","oldId":"P"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(elsewhere, filepath.Join(v.Dir(), PendingProfilesName)); err != nil {
		t.Fatal(err)
	}
	if got, err := v.PendingProfiles("k"); err == nil {
		t.Errorf("read %v through a link", got)
	}
}

package provision_test

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/asckeys/asckeys/core/provision"
)

const (
	uuidOld   = "11111111-1111-1111-1111-111111111111"
	uuidNew   = "22222222-2222-2222-2222-222222222222"
	uuidOther = "33333333-3333-3333-3333-333333333333"
	uuidGone  = "44444444-4444-4444-4444-444444444444"
)

var day = 24 * time.Hour

func profileData(t *testing.T, uuid, name string, created, expires time.Time) []byte {
	return signed(t, profilePlist(uuid, name, "TEAM123456", created, expires))
}

func TestInstallWritesBothFoldersAndRemovesSuperseded(t *testing.T) {
	home := t.TempDir()
	folders := provision.Folders(home)
	now := time.Now()
	old := profileData(t, uuidOld, "App Store", now.Add(-10*day), now.Add(300*day))
	newer := profileData(t, uuidNew, "App Store", now.Add(-1*day), now.Add(360*day))
	other := profileData(t, uuidOther, "Other", now.Add(-20*day), now.Add(300*day))

	for _, d := range [][]byte{old, other} {
		if _, err := provision.Install(folders, d, false, now); err != nil {
			t.Fatal(err)
		}
	}
	for _, dir := range folders {
		st, err := os.Stat(dir)
		if err != nil || (runtime.GOOS != "windows" && st.Mode().Perm() != 0o755) {
			t.Fatalf("folder %s: %v %v", dir, st, err)
		}
		if got, _ := os.ReadFile(filepath.Join(dir, uuidOld+".mobileprovision")); !bytes.Equal(got, old) {
			t.Errorf("%s does not hold the profile byte for byte", dir)
		}
	}

	// --keep-old keeps the superseded one; it then shows as superseded.
	res, err := provision.Install(folders, newer, true, now)
	if err != nil || len(res.Removed) != 0 || len(res.Paths) != 2 {
		t.Fatalf("keep-old install: %+v, %v", res, err)
	}
	installed, problems, err := provision.Scan(folders, now)
	if err != nil || len(problems) != 0 {
		t.Fatal(err, problems)
	}
	states := map[string]string{}
	for _, in := range installed {
		states[in.UUID] = in.State
		if len(in.Folders) != 2 {
			t.Errorf("%s is in %v, want both folders", in.UUID, in.Folders)
		}
	}
	if states[uuidOld] != provision.StateSuperseded || states[uuidNew] != provision.StateValid || states[uuidOther] != provision.StateValid {
		t.Errorf("states = %v", states)
	}

	// Installing again without it removes the older one from both folders.
	res, err = provision.Install(folders, newer, false, now)
	if err != nil || len(res.Removed) != 1 || res.Removed[0].UUID != uuidOld {
		t.Fatalf("install: %+v, %v", res, err)
	}
	for _, dir := range folders {
		if _, err := os.Stat(filepath.Join(dir, uuidOld+".mobileprovision")); !os.IsNotExist(err) {
			t.Errorf("the superseded profile is still in %s", dir)
		}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".tmp") {
				t.Errorf("a temporary file was left: %s", e.Name())
			}
		}
	}
}

func TestInstallRefusesAlteredProfile(t *testing.T) {
	home := t.TempDir()
	data := profileData(t, uuidOld, "App Store", time.Now(), time.Now().Add(day))
	i := bytes.Index(data, []byte("App Store"))
	data[i] = 'X'
	if _, err := provision.Install(provision.Folders(home), data, false, time.Now()); err == nil || !strings.Contains(err.Error(), "does not verify") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(home, "Library")); !os.IsNotExist(err) {
		t.Error("something was written for a refused profile")
	}
}

func TestScanStatesAndClean(t *testing.T) {
	home := t.TempDir()
	folders := provision.Folders(home)
	now := time.Now()
	expired := profileData(t, uuidGone, "Expired", now.Add(-400*day), now.Add(-1*day))
	old := profileData(t, uuidOld, "App Store", now.Add(-10*day), now.Add(300*day))
	newer := profileData(t, uuidNew, "App Store", now.Add(-1*day), now.Add(360*day))
	// The expired one only in the old folder, as fastlane would leave it.
	write(t, filepath.Join(folders[1], uuidGone+".mobileprovision"), expired)
	write(t, filepath.Join(folders[0], uuidOld+".mobileprovision"), old)
	write(t, filepath.Join(folders[1], uuidOld+".mobileprovision"), old)
	write(t, filepath.Join(folders[0], uuidNew+".mobileprovision"), newer)
	write(t, filepath.Join(folders[0], "junk.mobileprovision"), []byte("not a profile"))
	installed, problems, err := provision.Scan(folders, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 1 || !strings.Contains(problems[0].Error(), "junk.mobileprovision") {
		t.Errorf("problems = %v", problems)
	}
	if len(installed) != 3 {
		t.Fatalf("installed = %+v", installed)
	}
	byUUID := map[string]provision.Installed{}
	for _, in := range installed {
		byUUID[in.UUID] = in
	}
	if s := byUUID[uuidGone]; s.State != provision.StateExpired || len(s.Folders) != 1 || s.Folders[0] != folders[1] {
		t.Errorf("expired: %+v", s)
	}
	if s := byUUID[uuidOld]; s.State != provision.StateSuperseded || len(s.Paths) != 2 {
		t.Errorf("old: %+v", s)
	}

	sel := provision.Select(installed, false, true)
	if len(sel) != 1 || sel[0].UUID != uuidOld {
		t.Fatalf("superseded selection = %+v", sel)
	}
	if err := provision.Remove(sel[0]); err != nil {
		t.Fatal(err)
	}
	after, _, _ := provision.Scan(folders, now)
	if len(after) != 2 {
		t.Errorf("after removing the superseded one: %+v", after)
	}
	if _, err := os.Stat(filepath.Join(folders[0], "junk.mobileprovision")); err != nil {
		t.Error("clean removed a file it was not asked to")
	}
}

// TestScanAndInstallLeaveLinksAlone: a link in a profile folder pointing
// elsewhere is neither read, followed nor written through; a folder that
// links to the other profile folder counts once.
func TestScanAndInstallLeaveLinksAlone(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	home := t.TempDir()
	folders := provision.Folders(home)
	now := time.Now()
	outside := filepath.Join(t.TempDir(), "outside.mobileprovision")
	target := profileData(t, uuidOther, "Outside", now, now.Add(day))
	write(t, outside, target)
	if err := os.MkdirAll(folders[0], 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(folders[0], uuidOld+".mobileprovision")
	if err := os.Symlink(outside, link); err != nil {
		t.Fatal(err)
	}
	installed, problems, err := provision.Scan(folders, now)
	if err != nil || len(installed) != 0 || len(problems) != 1 || !strings.Contains(problems[0].Error(), "symbolic link") {
		t.Fatalf("scan: %+v %v %v", installed, problems, err)
	}
	// Installing the profile of that name replaces the link, not the file
	// it points to.
	data := profileData(t, uuidOld, "App Store", now, now.Add(day))
	if _, err := provision.Install(folders, data, false, now); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(outside); !bytes.Equal(got, target) {
		t.Error("the file outside the folders was written through the link")
	}
	if st, err := os.Lstat(link); err != nil || !st.Mode().IsRegular() {
		t.Errorf("the link was not replaced by the profile: %v %v", st, err)
	}

	// The old folder as a link to the new one: written once, listed once
	// with both folders.
	if err := os.RemoveAll(folders[1]); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(folders[0], folders[1]); err != nil {
		t.Fatal(err)
	}
	if _, err := provision.Install(folders, data, false, now); err != nil {
		t.Fatal(err)
	}
	installed, problems, _ = provision.Scan(folders, now)
	if len(installed) != 1 || len(installed[0].Folders) != 2 || len(problems) != 0 {
		t.Errorf("linked folders: %+v %v", installed, problems)
	}

	// A folder linking anywhere else is refused for writing.
	os.Remove(folders[1])
	if err := os.Symlink(t.TempDir(), folders[1]); err != nil {
		t.Fatal(err)
	}
	if _, err := provision.Install(folders, data, false, now); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("install through a folder link elsewhere: %v", err)
	}
}

func TestReadFileRefusesPipesAndFolders(t *testing.T) {
	dir := t.TempDir()
	if _, err := provision.ReadFile(dir); err == nil || !strings.Contains(err.Error(), "folder") {
		t.Errorf("folder: %v", err)
	}
	if _, err := provision.ReadFile(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing: %v", err)
	}
	big := filepath.Join(dir, "big.mobileprovision")
	write(t, big, make([]byte, provision.MaxFileSize+1))
	if _, err := provision.ReadFile(big); err == nil || !strings.Contains(err.Error(), "MiB") {
		t.Errorf("big: %v", err)
	}
}

func write(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

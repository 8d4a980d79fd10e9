package core

import (
	"bytes"
	"context"
	"encoding/base64"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// contentServer serves certificate and profile content by id, as App Store
// Connect's single-resource GETs do (unknown ids get 404), and for the ids of
// a list's filter[id] (unknown ids are left out).
func contentServer(t *testing.T, creds Credentials, certs map[string][]byte, profiles map[string][]byte, uuids map[string]string) *fakeAPI {
	return newFakeAPI(t, creds, contentHandler(t, certs, profiles, uuids))
}

func contentHandler(t *testing.T, certs map[string][]byte, profiles map[string][]byte, uuids map[string]string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		collection, id, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/v1/"), "/")
		if filter := r.URL.Query().Get("filter[id]"); id == "" && filter != "" {
			contents, attr := certs, "certificateContent"
			if collection == "profiles" {
				contents, attr = profiles, "profileContent"
			}
			if f := r.URL.Query().Get("fields[" + collection + "]"); !strings.Contains(f, attr) {
				t.Errorf("download did not ask for %s: %q", attr, f)
			}
			data := []obj{}
			for _, id := range strings.Split(filter, ",") {
				if contents[id] != nil {
					data = append(data, obj{"type": collection, "id": id, "attributes": obj{
						attr: base64.StdEncoding.EncodeToString(contents[id]), "uuid": uuids[id]}})
				}
			}
			writeJSON(w, 200, obj{"data": data, "links": obj{"self": "x"}})
			return
		}
		switch {
		case collection == "certificates" && certs[id] != nil:
			if f := r.URL.Query().Get("fields[certificates]"); !strings.Contains(f, "certificateContent") {
				t.Errorf("download did not ask for certificateContent: %q", f)
			}
			writeJSON(w, 200, obj{"data": obj{"type": "certificates", "id": id, "attributes": obj{
				"certificateContent": base64.StdEncoding.EncodeToString(certs[id])}}, "links": obj{"self": "x"}})
		case collection == "profiles" && profiles[id] != nil:
			writeJSON(w, 200, obj{"data": obj{"type": "profiles", "id": id, "attributes": obj{
				"profileContent": base64.StdEncoding.EncodeToString(profiles[id]), "uuid": uuids[id]}}, "links": obj{"self": "x"}})
		default:
			writeJSON(w, 404, apiErrorBody(404, "NOT_FOUND", "The specified resource does not exist", "There is no resource of type '"+collection+"' with id '"+id+"'"))
		}
	}
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestCertificateDownload(t *testing.T) {
	creds := testCreds(t, KindTeam)
	serial, _ := new(big.Int).SetString("5CF4E617EE678ABF", 16)
	der := makeCertificate(t, serial, "Apple Distribution: Example Corp (A1B2C3D4E5)")
	other := makeCertificate(t, big.NewInt(99), "Other")
	f := contentServer(t, creds, map[string][]byte{"c1": der, "c2": other}, nil, nil)
	c := f.client(creds, nil)
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "new folder") // created on demand
	cert := Certificate{ID: "c1", Name: "Apple Distribution: Example Corp", SerialNumber: "5cf4e617ee678abf"}

	path, err := c.Certificates.Download(ctx, cert, dir, DownloadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(path) != "Apple Distribution - Example Corp (5CF4E617EE678ABF).cer" {
		t.Errorf("saved as %q", filepath.Base(path))
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, der) {
		t.Error("file content differs from the DER")
	}

	// Same content again: the file is reused, not duplicated.
	again, reused, err := c.Certificates.download(ctx, cert, dir, DownloadOptions{})
	if err != nil || again != path || !reused {
		t.Errorf("second download: %q reused=%v err=%v", again, reused, err)
	}

	// A different file of that name is kept; the download gets a suffix.
	os.WriteFile(path, []byte("someone else's file"), 0o644)
	third, err := c.Certificates.Download(ctx, cert, dir, DownloadOptions{})
	if err != nil || filepath.Base(third) != "Apple Distribution - Example Corp (5CF4E617EE678ABF) (2).cer" {
		t.Errorf("third download: %q, %v", third, err)
	}
	if got, _ := os.ReadFile(path); string(got) != "someone else's file" {
		t.Error("a different existing file was overwritten")
	}
	// ... unless the caller says to overwrite.
	if p, err := c.Certificates.Download(ctx, cert, dir, DownloadOptions{Overwrite: true}); err != nil || p != path {
		t.Errorf("overwrite: %q, %v", p, err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, der) {
		t.Error("Overwrite did not replace the file")
	}
	if names := dirNames(t, dir); len(names) != 2 {
		t.Errorf("folder holds %v, want the file and its (2)", names)
	}

	// A serial that is not the listed one: nothing is written.
	empty := t.TempDir()
	_, err = c.Certificates.Download(ctx, Certificate{ID: "c2", Name: "x", SerialNumber: "5CF4E617EE678ABF"}, empty, DownloadOptions{})
	if err == nil || !strings.Contains(err.Error(), "not the listed 5CF4E617EE678ABF") {
		t.Errorf("serial mismatch: %v", err)
	}
	// Content that is not a certificate: nothing is written.
	f2 := contentServer(t, creds, map[string][]byte{"c3": []byte("content")}, nil, nil)
	_, err = f2.client(creds, nil).Certificates.Download(ctx, Certificate{ID: "c3", SerialNumber: "01"}, empty, DownloadOptions{})
	if err == nil || !strings.Contains(err.Error(), "not an X.509 certificate") {
		t.Errorf("bad content: %v", err)
	}
	if names := dirNames(t, empty); len(names) != 0 {
		t.Errorf("failed downloads left %v", names)
	}
	// An id that could climb out of the path is refused before any request.
	n := f.requestCount()
	if _, err := c.Certificates.Download(ctx, Certificate{ID: "../profiles/x"}, empty, DownloadOptions{}); err == nil || f.requestCount() != n {
		t.Errorf("hostile id: %v", err)
	}
}

func TestProfileDownload(t *testing.T) {
	creds := testCreds(t, KindTeam)
	const uuid = "55B8FDB4-B7D2-402D-B48B-2523F7B9C384"
	good := makeProfile(t, uuid, "Good")
	wrong := makeProfile(t, "00000000-0000-0000-0000-000000000000", "Wrong")
	f := contentServer(t, creds, nil, map[string][]byte{"p1": good, "p2": wrong, "p3": []byte("not CMS")}, map[string]string{"p1": uuid})
	c := f.client(creds, nil)
	ctx := context.Background()
	dir := t.TempDir()

	// The list's UUID may differ in case from the plist's.
	path, err := c.Profiles.Download(ctx, Profile{ID: "p1", UUID: strings.ToLower(uuid), Name: "Good"}, dir, DownloadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(path) != strings.ToLower(uuid)+".mobileprovision" {
		t.Errorf("saved as %s", filepath.Base(path))
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, good) {
		t.Error("file content differs")
	}
	// The listed UUID may be missing: the attribute Apple sends is used.
	if p, err := c.Profiles.Download(ctx, Profile{ID: "p1"}, t.TempDir(), DownloadOptions{}); err != nil || filepath.Base(p) != uuid+".mobileprovision" {
		t.Errorf("without listed UUID: %q, %v", p, err)
	}

	for _, tc := range []struct {
		p     Profile
		words string
	}{
		{Profile{ID: "p2", UUID: uuid, Name: "Wrong"}, "not the listed"},
		{Profile{ID: "p3", UUID: uuid, Name: "Broken"}, "not a signed profile"},
		{Profile{ID: "p4", UUID: uuid, Name: "Gone"}, "no such item"},
	} {
		empty := t.TempDir()
		_, err := c.Profiles.Download(ctx, tc.p, empty, DownloadOptions{})
		if err == nil || !strings.Contains(err.Error(), tc.words) || !strings.Contains(err.Error(), tc.p.Name) {
			t.Errorf("%s: err = %v, want %q", tc.p.ID, err, tc.words)
		}
		if names := dirNames(t, empty); len(names) != 0 {
			t.Errorf("%s: left %v", tc.p.ID, names)
		}
	}
}

func TestDownloadMany(t *testing.T) {
	creds := testCreds(t, KindTeam)
	certs := map[string][]byte{}
	var items []DownloadItem
	for i := range 5 {
		id := "c" + string(rune('1'+i))
		certs[id] = makeCertificate(t, big.NewInt(int64(100+i)), id)
		items = append(items, DownloadItem{Certificate: &Certificate{ID: id, Name: "Cert " + id, SerialNumber: big.NewInt(int64(100 + i)).Text(16)}})
	}
	profiles := map[string][]byte{"p1": makeProfile(t, "11111111-2222-3333-4444-555555555555", "P")}
	items = append(items,
		DownloadItem{Profile: &Profile{ID: "p1", UUID: "11111111-2222-3333-4444-555555555555", Name: "P"}},
		DownloadItem{Profile: &Profile{ID: "gone", UUID: "x", Name: "Deleted meanwhile"}},
		DownloadItem{})
	f := contentServer(t, creds, certs, profiles, nil)
	c := f.client(creds, nil, WithMaxInFlight(3))
	dir := t.TempDir()

	var mu sync.Mutex
	var dones []int
	results, err := c.DownloadMany(context.Background(), items, dir, DownloadOptions{}, func(done, total int, res DownloadResult) {
		mu.Lock()
		defer mu.Unlock()
		if total != len(items) {
			t.Errorf("total %d", total)
		}
		dones = append(dones, done)
	})
	if err == nil || !strings.Contains(err.Error(), "2 of 8 downloads failed") ||
		!strings.Contains(err.Error(), `profile "Deleted meanwhile": App Store Connect no longer has it`) {
		t.Errorf("err = %v", err)
	}
	if !slices.Equal(dones, []int{1, 2, 3, 4, 5, 6, 7, 8}) {
		t.Errorf("progress saw %v", dones)
	}
	for i, r := range results {
		if r.Item != items[i] {
			t.Errorf("result %d is for another item", i)
		}
		failed := i >= 6
		if (r.Err != nil) != failed || (r.Path != "") == failed {
			t.Errorf("result %d: %+v", i, r)
		}
	}
	if names := dirNames(t, dir); len(names) != 6 {
		t.Errorf("folder holds %v, want 6 files and no temporary ones", names)
	}

	// Downloading the same items again reuses every file.
	results, _ = c.DownloadMany(context.Background(), items[:6], dir, DownloadOptions{}, nil)
	for _, r := range results {
		if !r.Reused || r.Err != nil {
			t.Errorf("second run: %+v", r)
		}
	}
}

func TestWriteFileNoClobber(t *testing.T) {
	dir := t.TempDir()
	p1, reused, err := writeFileNoClobber(dir, "a.cer", []byte("one"), false)
	if err != nil || reused || filepath.Base(p1) != "a.cer" {
		t.Fatalf("%q %v %v", p1, reused, err)
	}
	p2, _, _ := writeFileNoClobber(dir, "a.cer", []byte("two"), false)
	p3, _, _ := writeFileNoClobber(dir, "a.cer", []byte("three"), false)
	p2again, reused, _ := writeFileNoClobber(dir, "a.cer", []byte("two"), false)
	if filepath.Base(p2) != "a (2).cer" || filepath.Base(p3) != "a (3).cer" || p2again != p2 || !reused {
		t.Errorf("%s %s %s reused=%v", p2, p3, p2again, reused)
	}
	// A symbolic link is never written through.
	target := filepath.Join(t.TempDir(), "target")
	os.WriteFile(target, []byte("keep"), 0o644)
	if err := os.Symlink(target, filepath.Join(dir, "link.cer")); err == nil {
		p, _, err := writeFileNoClobber(dir, "link.cer", []byte("new"), false)
		if err != nil || filepath.Base(p) != "link (2).cer" {
			t.Errorf("next to a link: %q %v", p, err)
		}
		if got, _ := os.ReadFile(target); string(got) != "keep" {
			t.Error("wrote through a symbolic link")
		}
	}
	if fi, err := os.Stat(p1); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", fi.Mode())
	}
	if _, _, err := writeFileNoClobber(dir, "../escape.cer", []byte("x"), false); err == nil {
		t.Error("a name with a path was accepted")
	}
	for _, n := range dirNames(t, dir) {
		if strings.HasSuffix(n, ".tmp") {
			t.Errorf("temporary file %s left behind", n)
		}
	}
}

// TestDownloadManyChecksAsDownloadDoes: content that arrives in a batch gets
// the checks of a single download, in the same words, and leaves no file.
func TestDownloadManyChecksAsDownloadDoes(t *testing.T) {
	creds := testCreds(t, KindTeam)
	const uuid = "55B8FDB4-B7D2-402D-B48B-2523F7B9C384"
	certs := map[string][]byte{"c2": makeCertificate(t, big.NewInt(99), "Other"), "c3": []byte("content")}
	profiles := map[string][]byte{"p2": makeProfile(t, "00000000-0000-0000-0000-000000000000", "Wrong"), "p3": []byte("not CMS")}
	c := contentServer(t, creds, certs, profiles, nil).client(creds, nil)
	ctx := context.Background()
	items := []DownloadItem{
		{Certificate: &Certificate{ID: "c2", Name: "Mismatch", SerialNumber: "5CF4E617EE678ABF"}},
		{Certificate: &Certificate{ID: "c3", Name: "Not X.509", SerialNumber: "01"}},
		{Profile: &Profile{ID: "p2", UUID: uuid, Name: "Wrong"}},
		{Profile: &Profile{ID: "p3", UUID: uuid, Name: "Broken"}},
		{Certificate: &Certificate{ID: "../profiles/x", Name: "Hostile"}},
	}
	dir := t.TempDir()
	results, _ := c.DownloadMany(ctx, items, dir, DownloadOptions{}, nil)
	for _, r := range results {
		var single error
		if r.Item.Certificate != nil {
			_, single = c.Certificates.Download(ctx, *r.Item.Certificate, dir, DownloadOptions{})
		} else {
			_, single = c.Profiles.Download(ctx, *r.Item.Profile, dir, DownloadOptions{})
		}
		if r.Err == nil || single == nil || r.Err.Error() != single.Error() {
			t.Errorf("%s: batched %v\nsingle %v", r.Item, r.Err, single)
		}
	}
	if names := dirNames(t, dir); len(names) != 0 {
		t.Errorf("failed downloads left %v", names)
	}
}

package cli_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox"
	"github.com/asckeys/asckeys/storage"
)

// provisionWorld is a world with one linked team key, and a core client
// for the same key to look at Apple's side.
func provisionWorld(t *testing.T, cfg sandbox.Config) (*world, *core.Client, string) {
	t.Helper()
	w := newWorld(t, cfg)
	key := w.srv.NewKey(core.KindTeam, sandbox.RoleAdmin)
	w.ok("keys", "add", "--p8", w.writeKey(key), "--issuer-id", key.IssuerID)
	var listed []struct{ ID string }
	if err := json.Unmarshal([]byte(w.ok("keys", "list", "--json").stdout), &listed); err != nil || len(listed) != 1 {
		t.Fatalf("keys list: %v %v", listed, err)
	}
	c := core.NewClient(core.Credentials{KeyID: key.KeyID, IssuerID: key.IssuerID, Kind: key.Kind, PrivateKey: key.PrivateKey},
		core.WithBaseURL(w.srv.URL()), core.WithHTTPClient(w.srv.HTTPClient()))
	return w, c, listed[0].ID
}

// leakFile adds a file the binary wrote to what the leak check reads.
func (w *world) leakFile(path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		return
	}
	w.leaks.mu.Lock()
	defer w.leaks.mu.Unlock()
	w.leaks.outputs = append(w.leaks.outputs, "file "+path+"\n"+string(data))
}

// writes counts the requests that change something.
func writes(st sandbox.Stats) int {
	n := 0
	for route, c := range st.ByRoute {
		if !strings.HasPrefix(route, "GET ") {
			n += c
		}
	}
	return n
}

func validCert(t *testing.T, srv *sandbox.Server, certType string) sandbox.CertInfo {
	t.Helper()
	for _, c := range srv.Certificates() {
		if c.CertificateType == certType && c.ExpirationDate.After(time.Now()) {
			return c
		}
	}
	t.Fatalf("the seed has no valid %s certificate", certType)
	return sandbox.CertInfo{}
}

func TestEndToEndProfilesCreateDeleteRegenerate(t *testing.T) {
	w, c, vaultID := provisionWorld(t, sandbox.Config{Seed: 11, Profiles: 16, Devices: 12, BundleIDs: 6})
	bundle := w.srv.BundleIDs()[0]
	taken := w.srv.Profiles()[0]
	devCert := validCert(t, w.srv, "IOS_DEVELOPMENT")
	device := w.srv.DeviceIDs()[0]

	// Every refusal of the contract: its own message, nothing sent but lookups.
	refusals := []struct {
		args []string
		want string
	}{
		{[]string{"--name", "N", "--type", "IOS_APP_STORE", "--bundle-id", bundle.Identifier, "--device", device}, "cannot list devices"},
		{[]string{"--name", "N", "--type", "IOS_APP_STORE", "--bundle-id", bundle.Identifier, "--cert", devCert.ID}, "cannot sign"},
		{[]string{"--name", taken.Name, "--type", "IOS_APP_STORE", "--bundle-id", bundle.Identifier}, "already exists"},
		{[]string{"--name", "N", "--type", "IOS_APP_STORE", "--bundle-id", "com.example.unknown"}, "no bundle ID"},
	}
	for _, r := range refusals {
		w.srv.ResetStats()
		w.fails(1, append([]string{"profiles", "create", "--yes"}, r.args...), r.want)
		if n := writes(w.srv.Stats()); n != 0 {
			t.Errorf("%v: %d writes sent", r.args, n)
		}
	}
	// No terminal and no --yes: exit 2 naming --yes, nothing created.
	w.srv.ResetStats()
	w.fails(2, []string{"profiles", "create", "--name", "Store", "--type", "IOS_APP_STORE", "--bundle-id", bundle.Identifier}, "--yes")
	if n := writes(w.srv.Stats()); n != 0 {
		t.Errorf("%d writes without confirmation", n)
	}

	// With the window's lists cached: at most 3 requests, one of them the POST.
	ctx := context.Background()
	certs, _, err1 := c.Certificates.List(ctx, nil)
	profiles, _, err2 := c.Profiles.List(ctx, nil)
	bundles, _, err3 := c.BundleIDs.List(ctx, nil)
	devices, _, err4 := c.Devices.List(ctx, nil)
	for _, err := range []error{err1, err2, err3, err4} {
		if err != nil {
			t.Fatal(err)
		}
	}
	cache := storage.NewListCache(filepath.Join(w.dir, "cache", "asckeys"))
	now := time.Now()
	if err := cache.Update(vaultID, func(cl *storage.CachedLists) {
		cl.Certificates = &storage.CachedList[core.Certificate]{FetchedAt: now, Items: certs}
		cl.Profiles = &storage.CachedList[core.Profile]{FetchedAt: now, Items: profiles}
		cl.BundleIDs = &storage.CachedList[core.BundleID]{FetchedAt: now, Items: bundles}
		cl.Devices = &storage.CachedList[core.Device]{FetchedAt: now, Items: devices}
	}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(w.dir, "profiles")
	w.srv.ResetStats()
	r := w.ok("profiles", "create", "--name", "Notes Dev", "--type", "IOS_APP_DEVELOPMENT", "--bundle-id", bundle.Identifier,
		"--out", out, "--yes", "--json")
	if st := w.srv.Stats(); st.Requests > 3 || st.ByRoute["POST /v1/profiles"] != 1 {
		t.Errorf("create with cached lists sent %d requests: %v", st.Requests, st.ByRoute)
	}
	var created map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &created); err != nil {
		t.Fatalf("create --json: %v\n%s", err, r.stdout)
	}
	if keys := slices.Sorted(func(yield func(string) bool) {
		for k := range created {
			if !yield(k) {
				return
			}
		}
	}); !slices.Equal(keys, []string{"id", "name", "profileType", "uuid"}) || created["name"] != "Notes Dev" || created["profileType"] != "IOS_APP_DEVELOPMENT" {
		t.Errorf("create --json = %v", created)
	}
	id, uuid := created["id"].(string), created["uuid"].(string)
	made, err := w.srv.Profile(id)
	if err != nil || made.UUID != uuid {
		t.Fatalf("the sandbox has %+v, %v", made, err)
	}
	file, err := os.ReadFile(filepath.Join(out, uuid+".mobileprovision"))
	if err != nil {
		t.Fatalf("--out wrote no <UUID>.mobileprovision: %v", err)
	}
	if info, err := core.ParseProfile(file); err != nil || info.UUID != uuid {
		t.Errorf("the written profile reads as %+v, %v", info, err)
	}
	var enabled []string
	for _, d := range w.srv.Devices() {
		if d.Platform == "IOS" && d.Status == "ENABLED" {
			enabled = append(enabled, d.ID)
		}
	}
	if !slices.Equal(slices.Sorted(slices.Values(made.DeviceIDs)), slices.Sorted(slices.Values(enabled))) {
		t.Errorf("devices %v, want every enabled iOS device %v", made.DeviceIDs, enabled)
	}

	// regenerate: same definition, new UUID, JSON as the contract.
	os.RemoveAll(filepath.Join(w.dir, "cache")) // ask Apple, as without the window
	w.srv.ResetStats()
	r = w.ok("profiles", "regenerate", id, "--yes", "--json")
	var regen []map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &regen); err != nil || len(regen) != 1 {
		t.Fatalf("regenerate --json: %v\n%s", err, r.stdout)
	}
	g := regen[0]
	if len(g) != 4 || g["name"] != "Notes Dev" || g["oldUuid"] != uuid || g["newUuid"] == uuid || g["newUuid"] == "" || g["id"] == "" {
		t.Errorf("regenerate --json = %v", g)
	}
	if st := w.srv.Stats(); st.ByRoute["DELETE /v1/profiles/{id}"] != 1 || st.ByRoute["POST /v1/profiles"] != 1 {
		t.Errorf("regenerate sent %v", st.ByRoute)
	}
	again, err := w.srv.Profile(g["id"])
	if err != nil || again.Name != "Notes Dev" || !slices.Equal(slices.Sorted(slices.Values(again.DeviceIDs)), slices.Sorted(slices.Values(made.DeviceIDs))) {
		t.Errorf("regenerated %+v, %v", again, err)
	}

	// A create that fails after the delete: the message says how to finish,
	// the definition is kept, --resume finishes it.
	w.srv.InjectFaults(sandbox.Fault{Kind: sandbox.FaultStatus, Status: http.StatusUnprocessableEntity, Times: 3,
		Match: func(req *http.Request) bool { return req.Method == http.MethodPost && req.URL.Path == "/v1/profiles" }})
	w.fails(1, []string{"profiles", "regenerate", g["id"], "--yes"}, "was deleted", "Notes Dev", "asckeys profiles regenerate --resume")
	pending := filepath.Join(w.dir, "config", "asckeys", storage.PendingProfilesName)
	if st, err := os.Stat(pending); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("the definition is not kept privately: %v", err)
	}
	w.leakFile(pending)
	w.srv.ClearFaults()
	w.fails(2, []string{"profiles", "regenerate", "--resume"}, "--yes")
	r = w.ok("profiles", "regenerate", "--resume", "--yes", "--json")
	var resumed []map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &resumed); err != nil || len(resumed) != 1 || resumed[0]["name"] != "Notes Dev" || resumed[0]["oldUuid"] != g["newUuid"] {
		t.Fatalf("resume --json: %v\n%s", err, r.stdout)
	}
	w.fails(1, []string{"profiles", "regenerate", "--resume", "--yes"}, "nothing to resume")

	// delete: one DELETE each.
	victims := []string{w.srv.Profiles()[1].ID, w.srv.Profiles()[2].UUID}
	w.fails(2, append([]string{"profiles", "delete"}, victims...), "--yes")
	w.srv.ResetStats()
	w.ok(append([]string{"profiles", "delete", "--yes"}, victims...)...)
	if st := w.srv.Stats(); st.ByRoute["DELETE /v1/profiles/{id}"] != 2 || writes(st) != 2 {
		t.Errorf("delete sent %v", st.ByRoute)
	}
	w.fails(1, []string{"profiles", "delete", "--yes", "NOSUCHPROFILE"}, "no profile")
}

func TestEndToEndDevicesAndBundleIDs(t *testing.T) {
	w, _, _ := provisionWorld(t, sandbox.Config{Seed: 12, Devices: 4, BundleIDs: 3, Profiles: 8, Apps: -1})
	existing := w.srv.Devices()[0]

	w.srv.ResetStats()
	w.fails(1, []string{"devices", "register", "--name", "X", "--udid", "12345"}, "is not a device UDID")
	w.fails(1, []string{"devices", "register", "--name", "X", "--udid", strings.ToUpper(existing.UDID)}, "already registered", existing.Name)
	if n := writes(w.srv.Stats()); n != 0 {
		t.Errorf("%d writes for refused devices", n)
	}
	r := w.ok("devices", "register", "--name", "Jane's iPhone", "--udid", "00008030001a35e11a88003a", "--json")
	var dev core.Device
	if err := json.Unmarshal([]byte(r.stdout), &dev); err != nil || dev.UDID != "00008030-001A35E11A88003A" || dev.ID == "" || dev.Platform != "IOS" {
		t.Fatalf("register --json: %+v %v", dev, err)
	}

	// import: a malformed line stops everything, unless --skip-bad.
	file := filepath.Join(w.dir, "devices.txt")
	body := "Device ID\tDevice Name\tDevice Platform\n" +
		existing.UDID + "\tAlready here\tios\n" +
		strings.Repeat("d", 40) + "\tNew iPad\tios\n" +
		"zz\tBroken\tios\n" +
		"A1B2C3D4-0000-1111-2222-333344445555\tStudio Mac\tmac\n"
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	w.srv.ResetStats()
	w.fails(1, []string{"devices", "import", file, "--yes"}, "line 4", "nothing was registered", "--skip-bad")
	if st := w.srv.Stats(); st.Requests != 0 {
		t.Errorf("a malformed file sent %d requests", st.Requests)
	}
	r = w.ok("devices", "import", file, "--skip-bad", "--dry-run")
	if !strings.Contains(r.stdout, "would register \"New iPad\"") || !strings.Contains(r.stdout, "already registered") || !strings.Contains(r.stdout, "line 4: skipped") {
		t.Errorf("dry run said:\n%s\n%s", r.stdout, r.stderr)
	}
	if n := writes(w.srv.Stats()); n != 0 {
		t.Errorf("--dry-run sent %d writes", n)
	}
	w.fails(2, []string{"devices", "import", file, "--skip-bad"}, "--yes")
	w.srv.ResetStats()
	r = w.ok("devices", "import", file, "--skip-bad", "--yes")
	if st := w.srv.Stats(); st.ByRoute["POST /v1/devices"] != 2 || len(w.srv.Devices()) != 7 {
		t.Errorf("import sent %v, %d devices now\n%s", st.ByRoute, len(w.srv.Devices()), r.stdout)
	}
	// A named pipe is refused at once, not waited on.
	fifo := filepath.Join(w.dir, "devices.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	w.fails(1, []string{"devices", "import", fifo}, "named pipe")

	// enable, disable, rename: PATCH.
	w.srv.ResetStats()
	w.ok("devices", "disable", dev.ID, existing.ID)
	w.ok("devices", "enable", existing.ID)
	w.ok("devices", "rename", dev.ID, "Jane's old iPhone")
	if st := w.srv.Stats(); st.ByRoute["PATCH /v1/devices/{id}"] != 4 {
		t.Errorf("sent %v", st.ByRoute)
	}
	for _, d := range w.srv.Devices() {
		switch d.ID {
		case dev.ID:
			if d.Status != "DISABLED" || d.Name != "Jane's old iPhone" {
				t.Errorf("device %+v", d)
			}
		case existing.ID:
			if d.Status != "ENABLED" {
				t.Errorf("device %+v", d)
			}
		}
	}

	// bundle IDs.
	w.fails(1, []string{"bundle-ids", "create", "--identifier", "com.example_bad", "--name", "Bad"}, "not a bundle identifier")
	r = w.ok("bundle-ids", "create", "--identifier", "com.example.newapp", "--name", "New App", "--platform", "UNIVERSAL", "--json")
	var b core.BundleID
	if err := json.Unmarshal([]byte(r.stdout), &b); err != nil || b.Identifier != "com.example.newapp" || b.Platform != "UNIVERSAL" || b.ID == "" {
		t.Fatalf("bundle-ids create --json: %+v %v", b, err)
	}
	w.fails(1, []string{"bundle-ids", "create", "--identifier", "com.example.newapp", "--name", "Again"}, "already registered")
	w.srv.ResetStats()
	w.fails(2, []string{"bundle-ids", "delete", b.ID}, "--yes")
	w.ok("bundle-ids", "delete", b.ID, "--yes")
	if st := w.srv.Stats(); st.ByRoute["DELETE /v1/bundleIds/{id}"] != 1 || writes(st) != 1 {
		t.Errorf("delete sent %v", st.ByRoute)
	}
	for _, s := range w.srv.BundleIDs() {
		if s.ID == b.ID {
			t.Error("the bundle ID is still there")
		}
	}
}

// Refusals that need a world of their own: no device to put in a
// development profile, and an individual key, each said before any write
// (the individual key before any request at all).
func TestEndToEndProvisioningRefusals(t *testing.T) {
	w, _, _ := provisionWorld(t, sandbox.Config{Seed: 13, Devices: -1, Profiles: 4, BundleIDs: 2})
	bundle := w.srv.BundleIDs()[0]
	w.srv.ResetStats()
	w.fails(1, []string{"profiles", "create", "--name", "Dev", "--type", "IOS_APP_DEVELOPMENT", "--bundle-id", bundle.ID, "--yes"},
		"at least one device")
	if n := writes(w.srv.Stats()); n != 0 {
		t.Errorf("%d writes", n)
	}

	ind := w.srv.NewKey(core.KindIndividual, sandbox.RoleAdmin)
	w.ok("keys", "add", "--p8", w.writeKey(ind), "--individual", "--name", "Mine")
	w.srv.ResetStats()
	for _, args := range [][]string{
		{"profiles", "create", "--key", "Mine", "--name", "S", "--type", "IOS_APP_STORE", "--bundle-id", bundle.ID, "--yes"},
		{"profiles", "delete", "--key", "Mine", "--yes", "X"},
		{"profiles", "regenerate", "--key", "Mine", "--yes", "X"},
		{"devices", "register", "--key", "Mine", "--name", "D", "--udid", strings.Repeat("a", 40)},
		{"devices", "disable", "--key", "Mine", "X"},
		{"bundle-ids", "create", "--key", "Mine", "--identifier", "com.example.x", "--name", "X"},
		{"bundle-ids", "delete", "--key", "Mine", "--yes", "X"},
	} {
		w.fails(1, args, "individual")
	}
	if st := w.srv.Stats(); st.Requests != 0 {
		t.Errorf("an individual key sent %d requests: %v", st.Requests, st.ByRoute)
	}
}

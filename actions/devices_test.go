package actions

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox"
	"github.com/asckeys/asckeys/storage"
)

// testLists starts a sandbox with cfg and returns Lists for a new team key
// there, without a cache.
func testLists(t *testing.T, cfg sandbox.Config) (*Lists, *sandbox.Server) {
	t.Helper()
	srv := sandbox.StartTest(t, cfg)
	key := srv.NewKey(core.KindTeam, sandbox.RoleAdmin)
	c := core.NewClient(core.Credentials{KeyID: key.KeyID, IssuerID: key.IssuerID, Kind: key.Kind, PrivateKey: key.PrivateKey},
		core.WithBaseURL(srv.URL()), core.WithHTTPClient(srv.HTTPClient()),
		core.WithRetry(core.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond}))
	return &Lists{Client: c}, srv
}

// withCache gives l a cache holding every list, fetched now.
func withCache(t *testing.T, l *Lists) *storage.ListCache {
	t.Helper()
	ctx := context.Background()
	certs, _, err1 := l.Client.Certificates.List(ctx, nil)
	profiles, _, err2 := l.Client.Profiles.List(ctx, nil)
	bundles, _, err3 := l.Client.BundleIDs.List(ctx, nil)
	devices, _, err4 := l.Client.Devices.List(ctx, nil)
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		t.Fatal(err)
	}
	cache := storage.NewListCache(t.TempDir())
	now := time.Now()
	if err := cache.Update("vault1", func(cl *storage.CachedLists) {
		cl.Certificates = &storage.CachedList[core.Certificate]{FetchedAt: now, Items: certs}
		cl.Profiles = &storage.CachedList[core.Profile]{FetchedAt: now, Items: profiles}
		cl.BundleIDs = &storage.CachedList[core.BundleID]{FetchedAt: now, Items: bundles}
		cl.Devices = &storage.CachedList[core.Device]{FetchedAt: now, Items: devices}
	}); err != nil {
		t.Fatal(err)
	}
	l.Cache, l.VaultID = cache, "vault1"
	return cache
}

func TestRegisterDevice(t *testing.T) {
	l, srv := testLists(t, sandbox.Config{Seed: 3, Devices: 5})
	existing := srv.Devices()[0]
	cases := []struct {
		name      string
		dev       NewDevice
		wantErr   string
		wantPosts int
		wantUDID  string
		wantPlat  string
	}{
		{"bad UDID", NewDevice{Name: "x", UDID: "1234"}, "is not a device UDID", 0, "", ""},
		{"no name", NewDevice{UDID: strings.Repeat("a", 40)}, "needs a name", 0, "", ""},
		{"bad platform", NewDevice{Name: "x", UDID: strings.Repeat("a", 40), Platform: "TVOS"}, "device platform", 0, "", ""},
		{"mac uuid for iOS", NewDevice{Name: "x", UDID: "a1b2c3d4-0000-1111-2222-333344445555", Platform: "IOS"}, "only registers a Mac", 0, "", ""},
		{"duplicate", NewDevice{Name: "x", UDID: strings.ToUpper(existing.UDID)}, existing.Name, 0, "", ""},
		{"modern without hyphen", NewDevice{Name: "Jane's iPhone", UDID: "00008030001a35e11a88003a"}, "", 1, "00008030-001A35E11A88003A", "IOS"},
		{"mac uuid", NewDevice{Name: "Mac mini", UDID: "a1b2c3d4-0000-1111-2222-333344445555"}, "", 1, "A1B2C3D4-0000-1111-2222-333344445555", "MAC_OS"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv.ResetStats()
			d, err := RegisterDevice(context.Background(), l, tc.dev)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if got := srv.Stats().ByRoute["POST /v1/devices"]; got != tc.wantPosts {
				t.Errorf("%d POSTs, want %d", got, tc.wantPosts)
			}
			if tc.wantUDID != "" && (d.UDID != tc.wantUDID || d.Platform != tc.wantPlat || d.ID == "") {
				t.Errorf("registered %+v, want UDID %s on %s", d, tc.wantUDID, tc.wantPlat)
			}
		})
	}
}

func TestDeviceStatusAndRename(t *testing.T) {
	l, srv := testLists(t, sandbox.Config{Seed: 3, Devices: 3})
	ids := srv.DeviceIDs()
	got, err := SetDevicesStatus(context.Background(), l, "DISABLED", ids[:2])
	if err != nil || len(got) != 2 {
		t.Fatalf("disable: %v, %v", got, err)
	}
	for _, d := range srv.Devices()[:2] {
		if d.Status != "DISABLED" {
			t.Errorf("device %s is %s after disable", d.ID, d.Status)
		}
	}
	if _, err := SetDevicesStatus(context.Background(), l, "OFF", ids); err == nil || srv.Stats().ByRoute["PATCH /v1/devices/{id}"] != 2 {
		t.Errorf("a bad status was sent: %v", err)
	}
	if d, err := RenameDevice(context.Background(), l, ids[2], "Lab iPad"); err != nil || d.Name != "Lab iPad" || srv.Devices()[2].Name != "Lab iPad" {
		t.Errorf("rename: %+v, %v", d, err)
	}
}

func TestParseDeviceFile(t *testing.T) {
	file := "\xEF\xBB\xBFDevice ID\tDevice Name\tDevice Platform\r\n" +
		strings.Repeat("a", 40) + "\tOld iPhone\tios\r\n" +
		"\n" +
		"00008030-001A35E11A88003A\tNew iPhone\tIOS\n" +
		"not-a-udid\tBroken\tios\n" +
		"A1B2C3D4-0000-1111-2222-333344445555\tMac\tmac\n" +
		"A1B2C3D4-0000-1111-2222-333344445555\tMac again\tmac\n" +
		strings.Repeat("b", 40) + "\tWatch\twatchos\n" +
		"only two\tfields\n"
	devs, bad, err := ParseDeviceFile([]byte(file))
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) != 3 || devs[0].Line != 2 || devs[1].UDID != "00008030-001A35E11A88003A" || devs[2].Platform != "MAC_OS" {
		t.Errorf("devices = %+v", devs)
	}
	wantBad := map[int]string{5: "not a device UDID", 7: "already on line 6", 8: "expected ios or mac", 9: "2 fields"}
	if len(bad) != len(wantBad) {
		t.Fatalf("bad = %+v", bad)
	}
	for _, b := range bad {
		if !strings.Contains(b.Problem, wantBad[b.Line]) {
			t.Errorf("line %d: %q, want %q", b.Line, b.Problem, wantBad[b.Line])
		}
	}
	for _, f := range []string{"", "UDID\tName\n" + strings.Repeat("a", 40) + "\tx\tios\n", "\xff\xfe"} {
		if _, _, err := ParseDeviceFile([]byte(f)); err == nil {
			t.Errorf("%q was read as a device file", f)
		}
	}
}

func TestImportDevices(t *testing.T) {
	l, srv := testLists(t, sandbox.Config{Seed: 3, Devices: 2})
	registered := srv.Devices()[0]
	file := DeviceFileHeader + "\n" + registered.UDID + "\tAlready\tios\n" + strings.Repeat("c", 40) + "\tNew one\tios\n"
	devs, bad, err := ParseDeviceFile([]byte(file))
	if err != nil || len(bad) != 0 {
		t.Fatal(err, bad)
	}
	plan, err := PlanDeviceImport(context.Background(), l, devs, bad)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.New) != 1 || len(plan.Registered) != 1 || plan.Registered[0].Existing.ID != registered.ID {
		t.Fatalf("plan = %+v", plan)
	}
	got, err := ImportDevices(context.Background(), l, plan, nil)
	if err != nil || len(got) != 1 || got[0].Line != 3 {
		t.Fatalf("import: %+v, %v", got, err)
	}
	if n := srv.Stats().ByRoute["POST /v1/devices"]; n != 1 || len(srv.Devices()) != 3 {
		t.Errorf("%d POSTs, %d devices", n, len(srv.Devices()))
	}
}

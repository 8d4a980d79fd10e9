package actions

import (
	"context"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/provision"
	"github.com/asckeys/asckeys/sandbox"
)

var allProblemCodes = []string{ProblemNoCertificate, ProblemNoPrivateKey, ProblemCertificateExpired, ProblemNoProfile, ProblemProfileExpired,
	ProblemProfileInvalid, ProblemMissingCertificate, ProblemMissingDevices, ProblemNotInstalled, ProblemInstalledStale}

// doctorWorld is the Doctor sandbox, a key linked on a memory keychain, and
// two empty Xcode folders, with "Maps Development" installed and then
// regenerated at Apple (so the installed copy is stale).
func doctorWorld(t *testing.T) (*sandbox.Server, Deps, *Lists, []string) {
	t.Helper()
	srv := sandbox.StartTest(t, sandbox.Config{Seed: 17, Doctor: true})
	d := testDeps(t, srv, core.KindTeam)
	l := &Lists{Client: d.Client}
	folders := provision.Folders(t.TempDir())
	ctx := context.Background()
	profiles, err := FindProfiles(ctx, l, profileIDsNamed(t, srv, "Maps Development"))
	if err != nil {
		t.Fatal(err)
	}
	data, _, err := d.Client.Profiles.Content(ctx, profiles[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := provision.Install(folders, data, false, time.Now()); err != nil {
		t.Fatal(err)
	}
	r := &Regenerator{Lists: l, Pending: d.Vault, KeyID: d.Key.ID}
	plan, err := r.Plan(ctx, profiles)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Run(ctx, plan); err != nil {
		t.Fatal(err)
	}
	return srv, d, l, folders
}

func profileIDsNamed(t *testing.T, srv *sandbox.Server, name string) []string {
	t.Helper()
	for _, p := range srv.Profiles() {
		if p.Name == name {
			return []string{p.ID}
		}
	}
	t.Fatalf("the seed has no profile %q", name)
	return nil
}

func checkAll(t *testing.T, d Deps, l *Lists, folders []string) ([]Cell, []ListedCertificate) {
	t.Helper()
	in, warning, err := GatherReadiness(context.Background(), d, l, folders)
	if err != nil || warning != nil {
		t.Fatalf("gathering: %v (warning %v)", err, warning)
	}
	var usable []ListedCertificate
	for _, c := range in.Certificates {
		if c.HasPrivateKey && c.ExpirationDate.After(in.Now) {
			usable = append(usable, c)
		}
	}
	return CheckReadiness(in, ReadinessFilter{}), usable
}

func cellOf(t *testing.T, cells []Cell, bundle, kind string) Cell {
	t.Helper()
	for _, c := range cells {
		if c.BundleIdentifier == bundle && c.Kind == kind {
			return c
		}
	}
	t.Fatalf("no cell %s x %s", bundle, kind)
	return Cell{}
}

// The check finds every problem code of the seeded team from the four
// listings alone, and the fix (certificates, then profiles, then install)
// leaves every cell ready.
func TestReadinessFindsEveryProblemAndTheFixMakesAllReady(t *testing.T) {
	srv, d, l, folders := doctorWorld(t)
	srv.ResetStats()
	cells, usable := checkAll(t, d, l, folders)
	st := srv.StatsSettled()
	if st.Requests != 4 || st.ByRoute["GET /v1/certificates"]+st.ByRoute["GET /v1/profiles"]+st.ByRoute["GET /v1/bundleIds"]+st.ByRoute["GET /v1/devices"] != 4 {
		t.Errorf("the check sent %d requests (%v), want the four listings only", st.Requests, st.ByRoute)
	}
	found := map[string]bool{}
	for _, c := range cells {
		for _, p := range c.Problems {
			found[p.Code] = true
			if p.Message == "" {
				t.Errorf("%s x %s: %s has no message", c.BundleIdentifier, c.Kind, p.Code)
			}
		}
	}
	for _, code := range allProblemCodes {
		if !found[code] {
			t.Errorf("no cell has %s", code)
		}
	}
	// The kinds as a team account with iOS and Mac bundle IDs has them.
	var kinds []string
	for _, c := range cells {
		kinds = append(kinds, c.BundleIdentifier+" "+c.Kind)
	}
	want := []string{
		"com.example.doctor.desk development", "com.example.doctor.desk appstore",
		"com.example.doctor.maps development", "com.example.doctor.maps adhoc", "com.example.doctor.maps appstore",
		"com.example.doctor.notes development", "com.example.doctor.notes adhoc", "com.example.doctor.notes appstore",
	}
	if !slices.Equal(kinds, want) {
		t.Errorf("cells %v, want %v", kinds, want)
	}
	for _, tc := range []struct{ bundle, kind, code string }{
		{"com.example.doctor.desk", "development", ProblemNoCertificate},
		{"com.example.doctor.maps", "development", ProblemInstalledStale},
		{"com.example.doctor.maps", "development", ProblemMissingDevices},
		{"com.example.doctor.notes", "development", ProblemProfileInvalid},
		{"com.example.doctor.notes", "development", ProblemNoPrivateKey},
		{"com.example.doctor.notes", "appstore", ProblemCertificateExpired},
		{"com.example.doctor.notes", "appstore", ProblemProfileExpired},
		{"com.example.doctor.maps", "appstore", ProblemNoProfile},
	} {
		if c := cellOf(t, cells, tc.bundle, tc.kind); !c.Has(tc.code) {
			t.Errorf("%s x %s: problems %v, want %s", tc.bundle, tc.kind, c.Problems, tc.code)
		}
	}

	plan := PlanFix(cells, usable, true)
	types := slices.Clone(plan.CertificateTypes)
	sort.Strings(types)
	if !slices.Equal(types, []string{"DEVELOPMENT", "DISTRIBUTION"}) || len(plan.Create) != 4 || len(plan.Regenerate) != 4 {
		t.Fatalf("plan: certificates %v, %d creates, %d regenerations; want DEVELOPMENT and DISTRIBUTION, 4 and 4", types, len(plan.Create), len(plan.Regenerate))
	}
	if lines := strings.Join(plan.Lines(), "\n"); !strings.Contains(lines, "Notes Development") || !strings.Contains(lines, "DISTRIBUTION") {
		t.Errorf("the plan's lines do not name what they do:\n%s", lines)
	}
	f := &Fixer{Deps: d, Lists: l, Pending: d.Vault, Folders: folders}
	if _, err := f.Run(context.Background(), plan); err != nil {
		t.Fatal(err)
	}
	after, _ := checkAll(t, d, &Lists{Client: d.Client}, folders)
	for _, c := range after {
		if !c.Ready {
			t.Errorf("after the fix, %s x %s: %s", c.BundleIdentifier, c.Kind, c.Summary())
		}
	}
}

// The fix's profile work goes side by side, never more than the client's
// four requests in flight for the key: the sandbox holds requests until four
// are in flight at once, and counts the most it saw.
func TestReadinessFixRunsAtMostFourInFlight(t *testing.T) {
	srv, d, l, folders := doctorWorld(t)
	ctx := context.Background()
	for _, typ := range []string{"DEVELOPMENT", "DISTRIBUTION"} {
		if _, err := CreateCertificate(ctx, d, typ, ""); err != nil {
			t.Fatal(err)
		}
	}
	cells, usable := checkAll(t, d, l, folders)
	plan := PlanFix(cells, usable, true)
	if len(plan.CertificateTypes) != 0 || len(plan.Create)+len(plan.Regenerate) != 8 {
		t.Fatalf("plan: %v", plan.Lines())
	}
	srv.ResetStats()
	srv.HoldUntilInFlight(4, time.Minute)
	defer srv.HoldUntilInFlight(0, 0)
	f := &Fixer{Deps: d, Lists: l, Pending: d.Vault, Folders: folders}
	if _, err := f.Run(ctx, plan); err != nil {
		t.Fatal(err)
	}
	st := srv.StatsSettled()
	if got := st.MaxInFlightByKey[d.Key.KeyID]; got != 4 {
		t.Errorf("the fix had at most %d requests in flight for the key, want exactly 4 (side by side, capped by the client)", got)
	}
}

// The kinds as the account has them.
func TestReadinessKindsAsTheAccountHasThem(t *testing.T) {
	now := time.Now()
	bundles := []core.BundleID{
		{ID: "B1", Identifier: "com.x.ios", Platform: "IOS"},
		{ID: "B2", Identifier: "com.x.mac", Platform: "MAC_OS"},
		{ID: "B3", Identifier: "com.x.uni", Platform: "UNIVERSAL"},
	}
	kinds := func(account core.KeyKind, certs ...string) []string {
		var listed []ListedCertificate
		for i, t := range certs {
			listed = append(listed, ListedCertificate{Certificate: core.Certificate{ID: string(rune('A' + i)), CertificateType: t, ExpirationDate: core.Time{Time: now.Add(time.Hour)}}})
		}
		var out []string
		for _, c := range CheckReadiness(ReadinessInput{Account: account, BundleIDs: bundles, Certificates: listed, Now: now}, ReadinessFilter{}) {
			out = append(out, c.BundleID.ID+":"+c.Kind+":"+c.ProfileType)
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		account core.KeyKind
		certs   []string
		want    []string
	}{
		{"team", core.KindTeam, nil, []string{
			"B1:development:IOS_APP_DEVELOPMENT", "B1:adhoc:IOS_APP_ADHOC", "B1:appstore:IOS_APP_STORE",
			"B2:development:MAC_APP_DEVELOPMENT", "B2:appstore:MAC_APP_STORE",
			"B3:development:IOS_APP_DEVELOPMENT", "B3:adhoc:IOS_APP_ADHOC", "B3:appstore:IOS_APP_STORE"}},
		{"team with Developer ID", core.KindTeam, []string{"DEVELOPER_ID_APPLICATION_G2"}, []string{
			"B1:development:IOS_APP_DEVELOPMENT", "B1:adhoc:IOS_APP_ADHOC", "B1:appstore:IOS_APP_STORE",
			"B2:development:MAC_APP_DEVELOPMENT", "B2:appstore:MAC_APP_STORE", "B2:developerid:MAC_APP_DIRECT",
			"B3:development:IOS_APP_DEVELOPMENT", "B3:adhoc:IOS_APP_ADHOC", "B3:appstore:IOS_APP_STORE", "B3:developerid:MAC_APP_DIRECT"}},
		{"enterprise", core.KindEnterprise, nil, []string{
			"B1:development:IOS_APP_DEVELOPMENT", "B1:adhoc:IOS_APP_ADHOC", "B1:inhouse:IOS_APP_INHOUSE",
			"B2:development:MAC_APP_DEVELOPMENT",
			"B3:development:IOS_APP_DEVELOPMENT", "B3:adhoc:IOS_APP_ADHOC", "B3:inhouse:IOS_APP_INHOUSE"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := kinds(tc.account, tc.certs...)
			// Sorted by identifier: com.x.ios, com.x.mac, com.x.uni.
			if !slices.Equal(got, tc.want) {
				t.Errorf("cells %v\nwant %v", got, tc.want)
			}
		})
	}
}

// A ready cell: a valid certificate with its key here, a profile with it and
// every enabled device, installed in both folders at its UUID. Each thing
// taken away gives its own code.
func TestReadinessCellCodes(t *testing.T) {
	now := time.Now()
	future, past := core.Time{Time: now.AddDate(0, 6, 0)}, core.Time{Time: now.AddDate(0, 0, -1)}
	folders := []string{"/h/new", "/h/old"}
	base := func() ReadinessInput {
		return ReadinessInput{
			Account:      core.KindTeam,
			BundleIDs:    []core.BundleID{{ID: "B1", Identifier: "com.x.app", Platform: "IOS"}},
			Certificates: []ListedCertificate{{Certificate: core.Certificate{ID: "C1", CertificateType: "DEVELOPMENT", ExpirationDate: future}, HasPrivateKey: true}},
			Devices:      []core.Device{{ID: "D1", Platform: "IOS", Status: "ENABLED"}, {ID: "D2", Platform: "IOS", Status: "ENABLED"}, {ID: "D3", Platform: "MAC_OS", Status: "ENABLED"}},
			Profiles: []core.Profile{{ID: "P1", Name: "App Dev", UUID: "U1", ProfileType: "IOS_APP_DEVELOPMENT", ProfileState: "ACTIVE", BundleIDID: "B1",
				ExpirationDate: future, CertificateIDs: []string{"C1"}, DeviceIDs: []string{"D1", "D2"}}},
			Installed: []provision.Installed{{UUID: "U1", Name: "App Dev", Folders: folders}},
			Folders:   folders,
			Now:       now,
		}
	}
	dev := func(in ReadinessInput) Cell {
		return CheckReadiness(in, ReadinessFilter{Kinds: []string{"development"}})[0]
	}
	if c := dev(base()); !c.Ready || c.Severity() != 0 || len(c.Fix) != 0 {
		t.Fatalf("the complete cell is not ready: %+v", c.Problems)
	}
	for _, tc := range []struct {
		name     string
		change   func(*ReadinessInput)
		want     []string
		severity int
	}{
		{"no key here", func(in *ReadinessInput) { in.Certificates[0].HasPrivateKey = false }, []string{ProblemNoPrivateKey, ProblemMissingCertificate}, 2},
		{"certificate expired", func(in *ReadinessInput) { in.Certificates[0].ExpirationDate = past }, []string{ProblemCertificateExpired, ProblemMissingCertificate}, 2},
		{"no certificate", func(in *ReadinessInput) { in.Certificates = nil }, []string{ProblemNoCertificate, ProblemMissingCertificate}, 2},
		{"no profile", func(in *ReadinessInput) { in.Profiles = nil }, []string{ProblemNoProfile}, 2},
		{"profile expired", func(in *ReadinessInput) { in.Profiles[0].ExpirationDate = past }, []string{ProblemProfileExpired}, 2},
		{"profile invalid", func(in *ReadinessInput) { in.Profiles[0].ProfileState = "INVALID" }, []string{ProblemProfileInvalid}, 2},
		{"other certificate", func(in *ReadinessInput) { in.Profiles[0].CertificateIDs = []string{"C9"} }, []string{ProblemMissingCertificate}, 2},
		{"device added", func(in *ReadinessInput) { in.Profiles[0].DeviceIDs = []string{"D1"} }, []string{ProblemMissingDevices}, 2},
		{"not installed", func(in *ReadinessInput) { in.Installed = nil }, []string{ProblemNotInstalled}, 1},
		{"older UUID installed", func(in *ReadinessInput) { in.Installed[0].UUID = "U0" }, []string{ProblemInstalledStale}, 1},
		{"one folder only", func(in *ReadinessInput) { in.Installed[0].Folders = folders[1:] }, []string{ProblemInstalledStale}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := base()
			tc.change(&in)
			c := dev(in)
			var got []string
			for _, p := range c.Problems {
				got = append(got, p.Code)
			}
			if c.Ready || !slices.Equal(got, tc.want) || c.Severity() != tc.severity || len(c.Fix) == 0 {
				t.Errorf("codes %v severity %d fix %v, want %v severity %d and a fix", got, c.Severity(), c.Fix, tc.want, tc.severity)
			}
		})
	}
}

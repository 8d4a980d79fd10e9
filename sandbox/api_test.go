package sandbox

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/asckeys/asckeys/core"
)

func teamClient(t *testing.T, cfg Config) (*Server, *client) {
	t.Helper()
	srv := StartTest(t, cfg)
	return srv, newClient(t, srv, srv.NewKey(core.KindTeam, RoleAdmin))
}

// pageThrough follows links.next from path and returns every page.
func pageThrough(t *testing.T, c *client, path string) []doc {
	t.Helper()
	var pages []doc
	next := path
	for next != "" {
		res := c.get(next)
		if res.status != 200 {
			t.Fatalf("GET %s: %d %.300s", next, res.status, res.body)
		}
		d := res.doc(t)
		pages = append(pages, d)
		if d.Links.Next != "" {
			u, err := url.Parse(d.Links.Next)
			if err != nil || !u.IsAbs() {
				t.Fatalf("links.next %q is not an absolute URL", d.Links.Next)
			}
			base, _ := url.Parse(c.url(""))
			if u.Scheme != base.Scheme || u.Host != base.Host || !strings.HasPrefix(u.Path, PathPrefix+"/v1/") {
				t.Fatalf("links.next %q leaves %s", d.Links.Next, c.url(""))
			}
			if u.Query().Get("cursor") == "" {
				t.Fatalf("links.next %q has no cursor", d.Links.Next)
			}
		}
		next = d.Links.Next
		if len(pages) > 100 {
			t.Fatal("paging does not end")
		}
	}
	return pages
}

func TestPagingFollowsNextLinksToTheEnd(t *testing.T) {
	srv, c := teamClient(t, Config{Seed: 5, Profiles: 450})
	pages := pageThrough(t, c, "/v1/profiles?limit=200&fields[profiles]=name,uuid")
	if len(pages) != 3 {
		t.Fatalf("450 profiles at 200 a page took %d pages", len(pages))
	}
	var got []string
	for i, p := range pages {
		if p.Meta == nil || p.Meta.Paging.Total != 450 || p.Meta.Paging.Limit != 200 {
			t.Errorf("page %d meta = %+v", i, p.Meta)
		}
		for _, r := range p.list(t) {
			got = append(got, r.ID)
			if r.Links["self"] != c.url("/v1/profiles/"+r.ID) {
				t.Errorf("resource self link %q", r.Links["self"])
			}
		}
	}
	if last := pages[2]; last.Links.Next != "" || len(last.list(t)) != 50 {
		t.Errorf("last page: next %q, %d items", last.Links.Next, len(last.list(t)))
	}
	if !slices.Equal(got, srv.ProfileIDs()) {
		t.Errorf("paging returned %d ids, not the %d profiles in order", len(got), len(srv.ProfileIDs()))
	}
	if st := srv.Stats(); st.Requests != 3 || st.DistinctTokens != 1 || st.ByRoute["GET /v1/profiles"] != 3 {
		t.Errorf("stats after paging: %+v", st)
	}
}

func TestLimitsAndParametersAreValidated(t *testing.T) {
	srv, c := teamClient(t, Config{Seed: 1})
	prof := srv.ProfileIDs()[0]
	cases := []struct {
		path, code, param string
	}{
		{"/v1/certificates?limit=0", "PARAMETER_ERROR.INVALID", "limit"},
		{"/v1/certificates?limit=201", "PARAMETER_ERROR.INVALID", "limit"},
		{"/v1/certificates?limit=-1", "PARAMETER_ERROR.INVALID", "limit"},
		{"/v1/certificates?limit=ten", "PARAMETER_ERROR.INVALID", "limit"},
		{"/v1/certificates?limit=5&limit=6", "PARAMETER_ERROR.INVALID", "limit"},
		{"/v1/profiles?include=devices&limit[devices]=51", "PARAMETER_ERROR.INVALID", "limit[devices]"},
		{"/v1/profiles?limit[bundleId]=5", "PARAMETER_ERROR.ILLEGAL", "limit[bundleId]"},
		{"/v1/certificates?foo=bar", "PARAMETER_ERROR.ILLEGAL", "foo"},
		{"/v1/certificates/" + srv.CertificateIDs()[0] + "?limit=5", "PARAMETER_ERROR.ILLEGAL", "limit"},
		{"/v1/devices?include=profiles", "PARAMETER_ERROR.ILLEGAL", "include"},
		{"/v1/certificates?fields[betaGroups]=name", "PARAMETER_ERROR.ILLEGAL", "fields[betaGroups]"},
		{"/v1/profiles/" + prof + "/devices?filter[name]=x", "PARAMETER_ERROR.ILLEGAL", "filter[name]"},
		{"/v1/certificates?filter[bogus]=x", "PARAMETER_ERROR.INVALID", "filter[bogus]"},
		{"/v1/certificates?filter[certificateType]=BOGUS", "PARAMETER_ERROR.INVALID", "filter[certificateType]"},
		{"/v1/certificates?filter[displayName]=", "PARAMETER_ERROR.INVALID", "filter[displayName]"},
		{"/v1/devices?filter[platform]=TV_OS", "PARAMETER_ERROR.INVALID", "filter[platform]"},
		{"/v1/certificates?fields[certificates]=name,bogus", "PARAMETER_ERROR.INVALID", "fields[certificates]"},
		{"/v1/certificates?sort=expirationDate", "PARAMETER_ERROR.INVALID", "sort"},
		{"/v1/profiles?include=bundleId,app", "PARAMETER_ERROR.INVALID", "include"},
		{"/v1/profiles?cursor=AAAA", "PARAMETER_ERROR.INVALID", "cursor"},
		{"/v1/profiles/" + prof + "/devices?include=profiles", "PARAMETER_ERROR.ILLEGAL", "include"},
	}
	for _, tc := range cases {
		res := c.get(tc.path)
		if res.status != 400 {
			t.Errorf("%s: %d, want 400", tc.path, res.status)
			continue
		}
		e := res.doc(t).Errors
		if len(e) != 1 || e[0].Code != tc.code || e[0].Status != "400" || e[0].Source["parameter"] != tc.param || e[0].Detail == "" {
			t.Errorf("%s: errors %s, want one %s for %s", tc.path, res.body, tc.code, tc.param)
		}
	}
	for _, ok := range []string{"/v1/certificates?limit=1", "/v1/certificates?limit=200", "/v1/profiles?include=devices&limit[devices]=50",
		"/v1/certificates?filter[certificateType]=DEVELOPMENT,DISTRIBUTION&sort=-serialNumber,id"} {
		if res := c.get(ok); res.status != 200 {
			t.Errorf("%s: %d %.200s", ok, res.status, res.body)
		}
	}
	// All problems are reported at once, as Apple does.
	if e := c.get("/v1/certificates?limit=0&foo=1").doc(t).Errors; len(e) != 2 {
		t.Errorf("two bad parameters gave %d errors", len(e))
	}
}

func TestCursorsCannotBeForged(t *testing.T) {
	_, c := teamClient(t, Config{Seed: 1})
	next := c.get("/v1/devices?limit=10").doc(t).Links.Next
	u, _ := url.Parse(next)
	cur := u.Query().Get("cursor")
	raw, err := base64.RawURLEncoding.DecodeString(cur)
	if err != nil {
		t.Fatalf("cursor %q: %v", cur, err)
	}
	raw[0]++ // another offset under the same MAC
	tampered := []string{
		base64.RawURLEncoding.EncodeToString(raw),
		c.srv.encodeCursor("/v1/certificates", 10), // made for another path
		"not-base64!",
	}
	for _, bad := range tampered {
		res := c.get("/v1/devices?limit=10&cursor=" + url.QueryEscape(bad))
		if res.status != 400 || res.doc(t).Errors[0].Source["parameter"] != "cursor" {
			t.Errorf("cursor %q: %d %.200s", bad, res.status, res.body)
		}
	}
	if res := c.get(next); res.status != 200 {
		t.Errorf("the genuine cursor was refused: %d", res.status)
	}
}

func TestSparseFieldsetsLeaveOutWhatWasNotAsked(t *testing.T) {
	_, c := teamClient(t, Config{Seed: 2})
	for _, r := range c.get("/v1/certificates?limit=200&fields[certificates]=name,serialNumber").doc(t).list(t) {
		if len(r.Attributes) != 2 || r.Attributes["name"] == nil || r.Attributes["serialNumber"] == nil || r.Relationships != nil {
			t.Fatalf("sparse certificate = %+v", r)
		}
	}
	for _, r := range c.get("/v1/profiles?limit=200&fields[profiles]=name,profileType,uuid,expirationDate,bundleId").doc(t).list(t) {
		if _, ok := r.Attributes["profileContent"]; ok {
			t.Fatal("profileContent sent although not asked for")
		}
		if len(r.Relationships) != 1 || r.Relationships["bundleId"].Links["related"] == "" {
			t.Fatalf("relationships = %+v", r.Relationships)
		}
	}
	full := c.get("/v1/certificates?limit=1").doc(t).list(t)[0]
	for _, f := range []string{"name", "certificateType", "displayName", "serialNumber", "platform", "expirationDate", "certificateContent", "activated"} {
		if full.Attributes[f] == nil {
			t.Errorf("the default fieldset lacks %s", f)
		}
	}
	if res := c.get("/v1/devices?fields[devices]=udid&limit=3").doc(t).list(t); len(res[0].Attributes) != 1 {
		t.Errorf("device attributes = %v", res[0].Attributes)
	}
}

func TestFiltersAndSorting(t *testing.T) {
	srv, c := teamClient(t, Config{Seed: 4, Certificates: 300, Profiles: 300})
	want := 0
	for _, ci := range srv.Certificates() {
		if ci.CertificateType == "DEVELOPMENT" || ci.CertificateType == "IOS_DISTRIBUTION" {
			want++
		}
	}
	got := 0
	for _, p := range pageThrough(t, c, "/v1/certificates?limit=50&filter[certificateType]=DEVELOPMENT,IOS_DISTRIBUTION&fields[certificates]=certificateType") {
		for _, r := range p.list(t) {
			if ty := r.str("certificateType"); ty != "DEVELOPMENT" && ty != "IOS_DISTRIBUTION" {
				t.Errorf("filter let %s through", ty)
			}
			got++
		}
		if p.Meta.Paging.Total != want {
			t.Errorf("meta total %d, want %d", p.Meta.Paging.Total, want)
		}
	}
	if got != want || want == 0 {
		t.Errorf("filter returned %d certificates, want %d", got, want)
	}

	ids := srv.ProfileIDs()
	two := c.get("/v1/profiles?filter[id]=" + ids[7] + "," + ids[3] + "&fields[profiles]=name").doc(t).list(t)
	if len(two) != 2 || two[0].ID != ids[3] || two[1].ID != ids[7] {
		t.Errorf("filter[id] = %+v", two)
	}
	serial := srv.Certificates()[5].SerialNumber
	if one := c.get("/v1/certificates?filter[serialNumber]=" + serial).doc(t).list(t); len(one) != 1 || one[0].str("serialNumber") != serial {
		t.Errorf("filter[serialNumber] = %+v", one)
	}

	// Apple's identifier filter also matches longer identifiers.
	var parent BundleIDInfo
	for _, b := range srv.BundleIDs() {
		if strings.Count(b.Identifier, ".") == 3 {
			parent.Identifier = b.Identifier[:strings.LastIndexByte(b.Identifier, '.')]
			break
		}
	}
	if parent.Identifier != "" {
		matched := c.get("/v1/bundleIds?filter[identifier]=" + parent.Identifier + "&fields[bundleIds]=identifier").doc(t).list(t)
		if len(matched) < 2 {
			t.Errorf("filter[identifier]=%s matched %d bundle IDs, want the app and its extensions", parent.Identifier, len(matched))
		}
	}

	var names []string
	for _, p := range pageThrough(t, c, "/v1/profiles?limit=200&sort=-name&fields[profiles]=name") {
		for _, r := range p.list(t) {
			names = append(names, r.str("name"))
		}
	}
	if len(names) != 300 || !sort.IsSorted(sort.Reverse(sort.StringSlice(names))) {
		t.Errorf("sort=-name gave %d names, sorted descending: %v", len(names), sort.IsSorted(sort.Reverse(sort.StringSlice(names))))
	}
}

func TestIncludedRelationshipsCarryTheTrueTotal(t *testing.T) {
	srv, c := teamClient(t, Config{Seed: 6})
	var big ProfileInfo
	for _, p := range srv.Profiles() {
		if len(p.DeviceIDs) > 50 {
			big = p
			break
		}
	}
	if big.ID == "" {
		t.Fatal("no profile with more than 50 devices in the default data")
	}
	d := c.get("/v1/profiles/" + big.ID + "?include=bundleId,certificates,devices&limit[devices]=5&fields[devices]=udid&fields[profiles]=name").doc(t)
	p := d.one(t)
	devs := p.Relationships["devices"]
	var linkage []linkage
	if err := json.Unmarshal(devs.Data, &linkage); err != nil || len(linkage) != 5 {
		t.Fatalf("devices linkage = %s", devs.Data)
	}
	if devs.Meta == nil || devs.Meta.Paging.Total != len(big.DeviceIDs) || devs.Meta.Paging.Limit != 5 {
		t.Errorf("devices meta = %+v, want total %d", devs.Meta, len(big.DeviceIDs))
	}
	if certs := p.Relationships["certificates"]; certs.Meta == nil || certs.Meta.Paging.Total != len(big.CertificateIDs) {
		t.Errorf("certificates meta = %+v", certs.Meta)
	}
	seen := map[string]int{}
	for _, inc := range d.Included {
		seen[inc.Type+"/"+inc.ID]++
		if inc.Type == "devices" && (len(inc.Attributes) != 1 || inc.str("udid") == "") {
			t.Errorf("included device ignores fields[devices]: %v", inc.Attributes)
		}
	}
	if seen["bundleIds/"+big.BundleID] != 1 {
		t.Errorf("bundle ID %s not included once: %v", big.BundleID, seen)
	}
	for _, l := range linkage {
		if seen["devices/"+l.ID] != 1 {
			t.Errorf("device %s linked but not included once", l.ID)
		}
	}
	if len(seen) != 1+5+len(big.CertificateIDs) {
		t.Errorf("included %d resources, want %d", len(seen), 1+5+len(big.CertificateIDs))
	}
}

func TestSingleResourcesAndNotFound(t *testing.T) {
	srv, c := teamClient(t, Config{Seed: 1})
	id := srv.DeviceIDs()[2]
	d := c.get("/v1/devices/" + id).doc(t)
	if r := d.one(t); r.ID != id || r.Type != "devices" || d.Links.Self != c.url("/v1/devices/"+id) || d.Meta != nil {
		t.Errorf("device document = %+v", d)
	}
	for _, path := range []string{"/v1/devices/NOPE123456", "/v1/profiles/NOPE123456", "/v1/nothing", "/v1/certificates/X/Y/Z"} {
		res := c.get(path)
		e := res.doc(t).Errors
		if res.status != 404 || len(e) != 1 || e[0].Code != "NOT_FOUND" || e[0].Status != "404" || !uuidRE.MatchString(e[0].ID) {
			t.Errorf("%s: %d %s", path, res.status, res.body)
		}
	}
	if res := c.do(http.MethodPatch, "/v1/certificates/"+srv.CertificateIDs()[0]); res.status != 405 {
		t.Errorf("PATCH: %d", res.status)
	}
	// A client that drops the base URL's path (an absolute "/v1/...") is told so.
	u, _ := url.Parse(srv.URL())
	res := c.get(u.Scheme + "://" + u.Host + "/v1/certificates")
	if res.status != 404 || !strings.Contains(res.doc(t).Errors[0].Detail, PathPrefix) {
		t.Errorf("request outside the prefix: %d %s", res.status, res.body)
	}
}

func TestDatesUseApplesFormat(t *testing.T) {
	srv, c := teamClient(t, Config{Seed: 1})
	info := srv.Profiles()[0]
	p := c.get("/v1/profiles/" + info.ID + "?fields[profiles]=createdDate,expirationDate").doc(t).one(t)
	for name, want := range map[string]time.Time{"createdDate": info.CreatedDate, "expirationDate": info.ExpirationDate} {
		s := p.str(name)
		got, err := time.Parse("2006-01-02T15:04:05.000-0700", s)
		if err != nil || !strings.HasSuffix(s, "+0000") {
			t.Errorf("%s = %q, not Apple's format", name, s)
		}
		if !got.Equal(want.Truncate(time.Millisecond)) {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
}

func TestRateLimitPerKeyPerRollingHour(t *testing.T) {
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	srv := StartTest(t, Config{Seed: 1, HourlyLimit: 3, Now: clock})
	a := newClient(t, srv, srv.NewKey(core.KindTeam, RoleAdmin))
	a.tok = token(t, a.key, now, nil)
	b := newClient(t, srv, srv.NewKey(core.KindTeam, RoleAdmin))
	b.tok = token(t, b.key, now, nil)
	for i, want := range []string{"user-hour-lim:3;user-hour-rem:2;", "user-hour-lim:3;user-hour-rem:1;", "user-hour-lim:3;user-hour-rem:0;"} {
		res := a.get("/v1/apps")
		if res.status != 200 || res.header.Get("X-Rate-Limit") != want {
			t.Fatalf("request %d: %d %q, want %q", i, res.status, res.header.Get("X-Rate-Limit"), want)
		}
	}
	res := a.get("/v1/apps")
	e := res.doc(t).Errors
	if res.status != 429 || len(e) != 1 || e[0].Code != "RATE_LIMIT_EXCEEDED" || res.header.Get("X-Rate-Limit") != "user-hour-lim:3;user-hour-rem:0;" {
		t.Fatalf("past the budget: %d %q %s", res.status, res.header.Get("X-Rate-Limit"), res.body)
	}
	if res := b.get("/v1/apps"); res.status != 200 {
		t.Errorf("another key was limited too: %d", res.status)
	}
	now = now.Add(61 * time.Minute)
	a.tok = token(t, a.key, now, nil)
	if res := a.get("/v1/apps"); res.status != 200 || res.header.Get("X-Rate-Limit") != "user-hour-lim:3;user-hour-rem:2;" {
		t.Errorf("an hour later: %d %q", res.status, res.header.Get("X-Rate-Limit"))
	}
	if st := srv.Stats(); st.RateLimited != 1 || st.ByStatus[429] != 1 {
		t.Errorf("stats: %+v", st)
	}
	srv.SetHourlyLimit(100)
	if h := a.get("/v1/apps").header.Get("X-Rate-Limit"); h != "user-hour-lim:100;user-hour-rem:98;" {
		t.Errorf("after SetHourlyLimit: %q", h)
	}
}

func TestDeleteRevokesAndUnlinks(t *testing.T) {
	srv, c := teamClient(t, Config{Seed: 8})
	var victim ProfileInfo
	for _, p := range srv.Profiles() {
		if p.ProfileState == "ACTIVE" && len(p.CertificateIDs) > 0 {
			victim = p
			break
		}
	}
	cert := victim.CertificateIDs[0]
	if res := c.do(http.MethodDelete, "/v1/certificates/"+cert); res.status != 204 || len(res.body) != 0 {
		t.Fatalf("DELETE certificate: %d %s", res.status, res.body)
	}
	if res := c.get("/v1/certificates/" + cert); res.status != 404 {
		t.Errorf("revoked certificate still served: %d", res.status)
	}
	if res := c.do(http.MethodDelete, "/v1/certificates/"+cert); res.status != 404 {
		t.Errorf("second DELETE: %d", res.status)
	}
	p := c.get("/v1/profiles/" + victim.ID + "?include=certificates&fields[profiles]=profileState,certificates").doc(t).one(t)
	if p.str("profileState") != "INVALID" || strings.Contains(string(p.Relationships["certificates"].Data), cert) {
		t.Errorf("profile after its certificate was revoked: %s %s", p.str("profileState"), p.Relationships["certificates"].Data)
	}

	if res := c.do(http.MethodDelete, "/v1/profiles/"+victim.ID+"?fields[profiles]=name"); res.status != 400 {
		t.Errorf("DELETE with a parameter: %d", res.status)
	}
	if res := c.do(http.MethodDelete, "/v1/profiles/"+victim.ID); res.status != 204 {
		t.Fatalf("DELETE profile: %d", res.status)
	}
	if slices.Contains(srv.ProfileIDs(), victim.ID) {
		t.Error("deleted profile still listed")
	}
	for _, b := range srv.BundleIDs() {
		if slices.Contains(b.ProfileIDs, victim.ID) {
			t.Errorf("bundle ID %s still links the deleted profile", b.Identifier)
		}
	}
	if n := len(c.get("/v1/profiles?limit=200&fields[profiles]=name").doc(t).list(t)); n != len(srv.ProfileIDs()) {
		t.Errorf("list has %d profiles, sandbox %d", n, len(srv.ProfileIDs()))
	}
}

func TestRelatedEndpoints(t *testing.T) {
	srv, c := teamClient(t, Config{Seed: 6})
	var big ProfileInfo
	for _, p := range srv.Profiles() {
		if len(p.DeviceIDs) > 50 {
			big = p
			break
		}
	}
	var ids []string
	for _, p := range pageThrough(t, c, "/v1/profiles/"+big.ID+"/devices?limit=20&fields[devices]=udid") {
		for _, r := range p.list(t) {
			ids = append(ids, r.ID)
		}
	}
	if !slices.Equal(ids, big.DeviceIDs) {
		t.Errorf("related devices: %d, want %d", len(ids), len(big.DeviceIDs))
	}
	b := c.get("/v1/profiles/" + big.ID + "/bundleId").doc(t).one(t)
	if b.ID != big.BundleID || b.str("identifier") != big.BundleIdentifier {
		t.Errorf("related bundle ID = %+v", b)
	}
	profiles := c.get("/v1/bundleIds/" + big.BundleID + "/profiles?limit=200").doc(t).list(t)
	if !slices.ContainsFunc(profiles, func(r resourceJSON) bool { return r.ID == big.ID }) {
		t.Errorf("bundle ID's profiles lack %s", big.ID)
	}
}

func TestTLSAndEnterpriseListener(t *testing.T) {
	srv := StartTest(t, Config{Seed: 1, TLS: true})
	if !strings.HasPrefix(srv.URL(), "https://127.0.0.1:") || !strings.HasPrefix(srv.EnterpriseURL(), "https://") ||
		srv.URL() == srv.EnterpriseURL() || !strings.HasSuffix(srv.URL(), PathPrefix) {
		t.Fatalf("URLs %s and %s", srv.URL(), srv.EnterpriseURL())
	}
	c := newClient(t, srv, srv.NewKey(core.KindEnterprise, RoleAdmin))
	d := c.get("/v1/devices?limit=1").doc(t)
	if !strings.HasPrefix(d.Links.Next, srv.EnterpriseURL()+"/v1/devices?") {
		t.Errorf("next link %q is not on the enterprise listener", d.Links.Next)
	}
}

func TestSeedIsDeterministic(t *testing.T) {
	now := func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	a, b := New(Config{Seed: 42, Now: now}), New(Config{Seed: 42, Now: now})
	other := New(Config{Seed: 43, Now: now})
	if !slices.EqualFunc(a.Certificates(), b.Certificates(), func(x, y CertInfo) bool {
		return x.ID == y.ID && x.SerialNumber == y.SerialNumber && x.Name == y.Name && x.ExpirationDate.Equal(y.ExpirationDate)
	}) {
		t.Error("same seed, different certificates")
	}
	if !slices.EqualFunc(a.Profiles(), b.Profiles(), func(x, y ProfileInfo) bool {
		return x.ID == y.ID && x.UUID == y.UUID && x.Name == y.Name && x.ExpirationDate.Equal(y.ExpirationDate) && slices.Equal(x.DeviceIDs, y.DeviceIDs)
	}) {
		t.Error("same seed, different profiles")
	}
	if slices.Equal(a.ProfileIDs(), other.ProfileIDs()) {
		t.Error("another seed gave the same profiles")
	}
}

// TestSeedCoversWhatClientsMeet checks the default data: every type in the
// spec, a spread of expiry, and the links between resources.
func TestSeedCoversWhatClientsMeet(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	srv := New(Config{Seed: 7, Now: func() time.Time { return now }})
	expiry := func(e time.Time) string {
		switch {
		case e.Before(now):
			return "expired"
		case e.Before(now.Add(30 * 24 * time.Hour)):
			return "soon"
		}
		return "valid"
	}
	certTypes, certExpiry := map[string]bool{}, map[string]int{}
	for _, c := range srv.Certificates() {
		certTypes[c.CertificateType] = true
		certExpiry[expiry(c.ExpirationDate)]++
	}
	for _, ty := range certificateTypes {
		if !certTypes[ty] {
			t.Errorf("no %s certificate", ty)
		}
	}
	profTypes, profExpiry := map[string]bool{}, map[string]int{}
	certIDs := map[string]bool{}
	for _, id := range srv.CertificateIDs() {
		certIDs[id] = true
	}
	for _, p := range srv.Profiles() {
		profTypes[p.ProfileType] = true
		profExpiry[expiry(p.ExpirationDate)]++
		if p.BundleID == "" || len(p.CertificateIDs) == 0 {
			t.Errorf("profile %s lacks a bundle ID or certificates", p.Name)
		}
		for _, id := range p.CertificateIDs {
			if !certIDs[id] {
				t.Errorf("profile %s links unknown certificate %s", p.Name, id)
			}
		}
		hasDevices := len(p.DeviceIDs) > 0
		wantsDevices := strings.Contains(p.ProfileType, "DEVELOPMENT") || strings.Contains(p.ProfileType, "ADHOC")
		if hasDevices != wantsDevices {
			t.Errorf("profile %s (%s) has %d devices", p.Name, p.ProfileType, len(p.DeviceIDs))
		}
		if p.ExpirationDate.Before(now) && p.ProfileState != "INVALID" {
			t.Errorf("expired profile %s is %s", p.Name, p.ProfileState)
		}
	}
	for _, ty := range profileTypes {
		if !profTypes[ty] {
			t.Errorf("no %s profile", ty)
		}
	}
	for name, m := range map[string]map[string]int{"certificates": certExpiry, "profiles": profExpiry} {
		if m["expired"] == 0 || m["soon"] == 0 || m["valid"] <= m["expired"]+m["soon"] {
			t.Errorf("%s expiry spread %v: want some expired, some expiring soon, most valid", name, m)
		}
	}
	platforms, classes := map[string]bool{}, map[string]bool{}
	for _, b := range srv.BundleIDs() {
		platforms[b.Platform] = true
	}
	for _, d := range srv.Devices() {
		classes[d.DeviceClass] = true
	}
	for _, p := range filterPlatforms {
		if !platforms[p] {
			t.Errorf("no %s bundle ID", p)
		}
	}
	for _, c := range deviceClasses {
		if !classes[c] {
			t.Errorf("no %s device", c)
		}
	}
	if len(srv.Apps()) != defaultApps {
		t.Errorf("%d apps", len(srv.Apps()))
	}
}

// TestEverySeedSpreadsExpiry: whatever the seed, the default data has
// expired profiles, profiles expiring soon, every profile type, and a profile
// with more devices than the include limit.
func TestEverySeedSpreadsExpiry(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	for seed := range int64(60) {
		srv := New(Config{Seed: seed, Now: func() time.Time { return now }})
		expired, soon, big := 0, 0, 0
		types := map[string]bool{}
		for _, p := range srv.Profiles() {
			switch {
			case p.ExpirationDate.Before(now):
				expired++
			case p.ExpirationDate.Before(now.Add(30 * 24 * time.Hour)):
				soon++
			}
			if len(p.DeviceIDs) > maxIncludeLimit {
				big++
			}
			if p.CreatedDate.After(now) || !p.CreatedDate.Before(p.ExpirationDate) {
				t.Errorf("seed %d: profile %s made %v, expires %v", seed, p.Name, p.CreatedDate, p.ExpirationDate)
			}
			types[p.ProfileType] = true
		}
		if expired == 0 || soon == 0 || big == 0 || len(types) != len(profileTypes) {
			t.Errorf("seed %d: %d expired, %d expiring soon, %d with more than 50 devices, %d types", seed, expired, soon, big, len(types))
		}
	}
}

func TestRequestLogAndStats(t *testing.T) {
	srv, c := teamClient(t, Config{Seed: 1})
	c.get("/v1/apps?limit=2")
	c.get("/v1/devices/NOPE")
	log := srv.Requests()
	if len(log) != 2 {
		t.Fatalf("log has %d entries", len(log))
	}
	first := log[0]
	if first.Method != "GET" || first.Path != "/v1/apps" || first.URL != PathPrefix+"/v1/apps?limit=2" || first.KeyID != c.key.KeyID ||
		first.Status != 200 || first.Route != "GET /v1/apps" || first.Query.Get("limit") != "2" {
		t.Errorf("first entry = %+v", first)
	}
	if log[1].Status != 404 || !strings.Contains(log[1].Reason, "NOT_FOUND") {
		t.Errorf("second entry = %+v", log[1])
	}
	st := srv.Stats()
	if st.Requests != 2 || st.BytesSent <= 0 || st.ByRoute["GET /v1/devices/{id}"] != 1 || st.ByStatus[404] != 1 || st.MaxInFlightByKey[c.key.KeyID] != 1 {
		t.Errorf("stats = %+v", st)
	}
	srv.ResetStats()
	if st := srv.Stats(); st.Requests != 0 || st.DistinctTokens != 0 || len(srv.Requests()) != 0 {
		t.Errorf("after reset: %+v", st)
	}
}

// TestConcurrentUse runs lists, downloads, deletes and knob changes at once,
// for the race detector and to check that the answers stay whole.
func TestConcurrentUse(t *testing.T) {
	srv, c := teamClient(t, Config{Seed: 9, Profiles: 300, Certificates: 100})
	profiles := srv.ProfileIDs()
	certs := srv.CertificateIDs()
	paths := []string{
		"/v1/profiles?limit=50&include=bundleId,certificates,devices&fields[profiles]=name,bundleId,certificates,devices",
		"/v1/profiles?limit=100&sort=-profileState,name&fields[profiles]=name,profileState",
		"/v1/certificates?limit=20&fields[certificates]=certificateContent,serialNumber",
		"/v1/bundleIds?include=profiles,app",
		"/v1/devices?filter[status]=ENABLED",
	}
	errs := make(chan string, 100)
	done := make(chan struct{})
	for g := range 6 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 15 {
				method, path := http.MethodGet, paths[(g+i)%len(paths)]
				switch i % 4 {
				case 0:
					method, path = http.MethodDelete, "/v1/profiles/"+profiles[g*15+i]
				case 1:
					path = "/v1/profiles/" + profiles[(g*15+i+100)%len(profiles)] + "?fields[profiles]=profileContent"
				case 2:
					method, path = http.MethodDelete, "/v1/certificates/"+certs[g*15+i]
				}
				res, err := c.try(method, path)
				if err != nil {
					errs <- err.Error()
					continue
				}
				if res.status >= 500 || (res.status == 200 && !json.Valid(res.body)) {
					errs <- fmt.Sprintf("goroutine %d request %d: %d %.200s", g, i, res.status, res.body)
				}
				srv.Stats()
				srv.SetLatency(0)
			}
		}()
	}
	for range 6 {
		<-done
	}
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if st := srv.Stats(); st.Requests != 90 || st.ByStatus[500] != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestTinyAndEmptySandboxes: odd sizes still give whole, valid answers.
func TestTinyAndEmptySandboxes(t *testing.T) {
	for _, cfg := range []Config{
		{Certificates: -1, Profiles: -1, BundleIDs: -1, Devices: -1, Apps: -1},
		{Certificates: 1, Profiles: 3, BundleIDs: 1, Devices: 1, Apps: 1},
		{Certificates: -1, Profiles: 2, BundleIDs: -1, Devices: -1},
	} {
		srv, c := teamClient(t, cfg)
		for _, path := range []string{
			"/v1/certificates", "/v1/profiles?include=bundleId,certificates,devices", "/v1/bundleIds?include=profiles,app",
			"/v1/devices", "/v1/apps",
		} {
			if res := c.get(path); res.status != 200 || !json.Valid(res.body) {
				t.Errorf("%+v: %s: %d %.200s", cfg, path, res.status, res.body)
			}
		}
		for _, id := range srv.ProfileIDs() {
			if _, err := srv.Profile(id); err != nil {
				t.Errorf("%+v: profile %s: %v", cfg, id, err)
			}
		}
	}
}

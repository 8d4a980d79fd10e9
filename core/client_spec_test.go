package core

import (
	"context"
	"math/big"
	"net/http"
	"strings"
	"testing"
)

// everyRequest makes every kind of request the client can send (each list
// with every filter set, Verify for both kinds of key, both downloads) against
// a server that answers enough to let them finish, and returns the server
// with what it saw.
func everyRequest(t *testing.T, opts ...Option) *fakeAPI {
	t.Helper()
	der := makeCertificate(t, big.NewInt(1), "c")
	prof := makeProfile(t, "11111111-2222-3333-4444-555555555555", "p")
	var all *fakeAPI
	for _, kind := range []KeyKind{KindTeam, KindIndividual} {
		creds := testCreds(t, kind)
		content := contentHandler(t, map[string][]byte{"c1": der}, map[string][]byte{"p1": prof}, nil)
		var f *fakeAPI
		f = newFakeAPI(t, creds, func(w http.ResponseWriter, r *http.Request) {
			switch {
			case strings.Count(r.URL.Path, "/") > 2: // /v1/certificates/{id}: downloads
				content(w, r)
				return
			case r.URL.Query().Has("cursor"): // the last page
				writeJSON(w, 200, obj{"data": []obj{}, "links": obj{"self": "x"}})
				return
			}
			// Lists: one page with a next link, so the request made from
			// Apple's next link is checked too.
			q := r.URL.Query()
			q.Set("cursor", "2")
			writeJSON(w, 200, obj{"data": []obj{}, "links": obj{"self": "x", "next": f.abs(r.URL.Path + "?" + q.Encode())}, "meta": obj{"paging": obj{"total": 3, "limit": 1}}})
		})
		c := f.client(creds, nil, opts...)
		ctx := context.Background()
		if _, _, err := c.Verify(ctx); err != nil {
			t.Fatal(err)
		}
		if kind == KindTeam {
			calls := []func() error{
				func() error { _, _, err := c.Certificates.List(ctx, nil); return err },
				func() error {
					_, _, err := c.Certificates.List(ctx, &CertificateListOptions{Types: CertificateTypes(), DisplayName: "Jane Doe", Serial: "01AB"})
					return err
				},
				func() error { _, _, err := c.Profiles.List(ctx, nil); return err },
				func() error {
					_, _, err := c.Profiles.List(ctx, &ProfileListOptions{Types: ProfileTypes(), States: []string{"ACTIVE", "INVALID"}, Name: "x"})
					return err
				},
				func() error { _, _, err := c.BundleIDs.List(ctx, nil); return err },
				func() error {
					_, _, err := c.BundleIDs.List(ctx, &BundleIDListOptions{Platforms: []string{"IOS", "MAC_OS", "UNIVERSAL"}, Identifier: "com.example"})
					return err
				},
				func() error { _, _, err := c.Devices.List(ctx, nil); return err },
				func() error {
					_, _, err := c.Devices.List(ctx, &DeviceListOptions{Platforms: []string{"IOS", "MAC_OS", "UNIVERSAL"}, Statuses: []string{"ENABLED", "DISABLED"}})
					return err
				},
				func() error {
					_, err := c.Certificates.Download(ctx, Certificate{ID: "c1", SerialNumber: "1"}, t.TempDir(), DownloadOptions{})
					return err
				},
				func() error {
					_, err := c.Profiles.Download(ctx, Profile{ID: "p1", UUID: "11111111-2222-3333-4444-555555555555"}, t.TempDir(), DownloadOptions{})
					return err
				},
			}
			for _, call := range calls {
				if err := call(); err != nil {
					t.Fatal(err)
				}
			}
			all = f
		} else {
			all.mu.Lock()
			all.requests = append(all.requests, f.requestURLs()...)
			all.mu.Unlock()
		}
	}
	return all
}

// Every request the client sends is one Apple's spec allows: path, method,
// parameter names and enum values, limits.
func TestEveryRequestFollowsTheSpec(t *testing.T) {
	spec := loadSpec(t)
	f := everyRequest(t)
	urls := f.requestURLs()
	if len(urls) < 20 {
		t.Fatalf("only %d requests were made", len(urls))
	}
	paths := map[string]bool{}
	for _, u := range urls {
		path := strings.TrimPrefix(u.Path, fakePrefix)
		paths[path] = true
		for _, v := range specViolations(spec, "GET", path, u.Query()) {
			t.Error(v)
		}
	}
	for _, want := range []string{"/v1/certificates", "/v1/profiles", "/v1/bundleIds", "/v1/devices", "/v1/apps", "/v1/certificates/c1", "/v1/profiles/p1"} {
		if !paths[want] {
			t.Errorf("no request to %s was checked", want)
		}
	}
}

// The check above can fail: a request made wrong on purpose is caught.
func TestSpecCheckCatchesAWrongRequest(t *testing.T) {
	spec := loadSpec(t)
	for _, tc := range []struct {
		key, value, words string
	}{
		{"fields[certificates]", "bogus", "fields[certificates]=bogus is not one of the spec's values"},
		{"filter[colour]", "red", "parameter filter[colour] is not in the spec"},
		{"limit[devices]", "51", "limit[devices]=51 is out of the spec's range"},
	} {
		f := everyRequest(t, WithExtraQuery(tc.key, tc.value))
		var found bool
		for _, u := range f.requestURLs() {
			for _, v := range specViolations(spec, "GET", strings.TrimPrefix(u.Path, fakePrefix), u.Query()) {
				found = found || strings.Contains(v, tc.words)
			}
		}
		if !found {
			t.Errorf("%s=%s was not caught", tc.key, tc.value)
		}
	}
	if v := specViolations(spec, "GET", "/v1/certificatez", nil); len(v) != 1 {
		t.Errorf("unknown path: %v", v)
	}
}

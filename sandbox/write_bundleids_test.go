package sandbox

import (
	"net/http"
	"slices"
	"testing"
)

func TestRegisterBundleID(t *testing.T) {
	srv, c := teamClient(t, Config{Seed: 50})
	res := c.write(http.MethodPost, "/v1/bundleIds", bundleRequest("com.example.brandnew", "Brand New", "UNIVERSAL"))
	if res.status != http.StatusCreated {
		t.Fatalf("%d %s", res.status, res.body)
	}
	r := res.doc(t).one(t)
	if r.str("identifier") != "com.example.brandnew" || r.str("name") != "Brand New" || r.str("platform") != "UNIVERSAL" || r.str("seedId") != defaultTeamID {
		t.Errorf("answered %v", r.Attributes)
	}
	if got := c.get("/v1/bundleIds/" + r.ID).doc(t).one(t); got.str("identifier") != "com.example.brandnew" {
		t.Errorf("GET after POST: %v", got.Attributes)
	}
	if res := c.write(http.MethodPost, "/v1/bundleIds", bundleRequest("com.example.brandnew.*", "Wild", "IOS")); res.status != http.StatusCreated {
		t.Errorf("a wildcard: %d %s", res.status, res.body)
	}

	const invalid = "ENTITY_ERROR.ATTRIBUTE.INVALID"
	wantError(t, "a taken identifier, in other case", c.write(http.MethodPost, "/v1/bundleIds", bundleRequest("COM.EXAMPLE.BRANDNEW", "Again", "IOS")),
		http.StatusConflict, invalid, "An App ID with Identifier 'COM.EXAMPLE.BRANDNEW' is not available. Please enter a different string.")
	for _, bad := range []string{"com.example.", "com example", "com.*.app", "com.example_app", ".com"} {
		wantError(t, bad, c.write(http.MethodPost, "/v1/bundleIds", bundleRequest(bad, "Bad", "IOS")),
			http.StatusConflict, invalid, "'"+bad+"' is not a valid identifier")
	}
	wantError(t, "platform SERVICES", c.write(http.MethodPost, "/v1/bundleIds", bundleRequest("com.example.svc", "Svc", "SERVICES")),
		http.StatusConflict, invalid, "'SERVICES' is not a valid value for the attribute 'platform'")
	wantError(t, "another team's seed", c.write(http.MethodPost, "/v1/bundleIds", obj{"data": obj{"type": "bundleIds",
		"attributes": obj{"identifier": "com.example.seed", "name": "Seed", "platform": "IOS", "seedId": "ZZZZZZZZZZ"}}}),
		http.StatusConflict, invalid, "'ZZZZZZZZZZ' is not a valid value for the attribute 'seedId'")
	if n := len(srv.BundleIDs()); n != defaultBundleIDs+2 {
		t.Errorf("%d bundle IDs, want %d", n, defaultBundleIDs+2)
	}
}

// TestDeleteBundleID: an App ID an app uses stays; another goes, with its
// profiles.
func TestDeleteBundleID(t *testing.T) {
	srv, c := teamClient(t, Config{Seed: 51})
	var used, free BundleIDInfo
	for _, b := range srv.BundleIDs() {
		switch {
		case b.AppID != "" && used.ID == "":
			used = b
		case b.AppID == "" && len(b.ProfileIDs) > 0 && free.ID == "":
			free = b
		}
	}
	if used.ID == "" || free.ID == "" {
		t.Fatal("seed 51 lacks a bundle ID with an app or one with profiles and no app")
	}
	wantError(t, "an App ID in use", c.do(http.MethodDelete, "/v1/bundleIds/"+used.ID), http.StatusConflict, "ENTITY_ERROR",
		"The App ID '"+used.Identifier+"' appears to be in use by the App Store, so it can not be removed at this time.")
	if res := c.do(http.MethodDelete, "/v1/bundleIds/"+free.ID); res.status != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", res.status, res.body)
	}
	if slices.Contains(srv.BundleIDIDs(), free.ID) {
		t.Error("still listed")
	}
	for _, p := range free.ProfileIDs {
		if slices.Contains(srv.ProfileIDs(), p) {
			t.Errorf("profile %s outlived its App ID", p)
		}
	}
	if res := c.do(http.MethodDelete, "/v1/bundleIds/"+free.ID); res.status != http.StatusNotFound {
		t.Errorf("second DELETE: %d", res.status)
	}
	if res := c.write(http.MethodPost, "/v1/bundleIds", bundleRequest(free.Identifier, "Back", "IOS")); res.status != http.StatusCreated {
		t.Errorf("registering a deleted identifier again: %d %s", res.status, res.body)
	}
}

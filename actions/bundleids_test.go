package actions

import (
	"context"
	"strings"
	"testing"

	"github.com/asckeys/asckeys/sandbox"
)

func TestCreateBundleID(t *testing.T) {
	l, srv := testLists(t, sandbox.Config{Seed: 4, BundleIDs: 3})
	taken := srv.BundleIDs()[0]
	cases := []struct {
		name    string
		b       NewBundleID
		wantErr string
		posts   int
	}{
		{"bad identifier", NewBundleID{Identifier: "com.example_app", Name: "x"}, "not a bundle identifier", 0},
		{"bad platform", NewBundleID{Identifier: "com.example.new", Name: "x", Platform: "TVOS"}, "bundle ID platform", 0},
		{"taken", NewBundleID{Identifier: taken.Identifier, Name: "x"}, "already registered as", 0},
		{"ok", NewBundleID{Identifier: "com.example.new", Name: "New"}, "", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv.ResetStats()
			b, err := CreateBundleID(context.Background(), l, tc.b)
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			if tc.wantErr == "" && (err != nil || b.ID == "" || b.Platform != "IOS") {
				t.Fatalf("created %+v, %v", b, err)
			}
			if got := srv.Stats().ByRoute["POST /v1/bundleIds"]; got != tc.posts {
				t.Errorf("%d POSTs, want %d", got, tc.posts)
			}
		})
	}
}

func TestDeleteBundleIDListsItsProfiles(t *testing.T) {
	l, srv := testLists(t, sandbox.Config{Seed: 4, BundleIDs: 3, Profiles: 12, Apps: -1})
	var target sandbox.BundleIDInfo
	for _, b := range srv.BundleIDs() {
		if len(b.ProfileIDs) > 0 {
			target = b
		}
	}
	if target.ID == "" {
		t.Fatal("the seed has no bundle ID with profiles")
	}
	d, err := PlanBundleIDDelete(context.Background(), l, target.Identifier)
	if err != nil || d.BundleID.ID != target.ID || len(d.Profiles) != len(target.ProfileIDs) {
		t.Fatalf("plan = %+v, %v; want %d profiles", d, err, len(target.ProfileIDs))
	}
	srv.ResetStats()
	if err := DeleteBundleID(context.Background(), l, d); err != nil {
		t.Fatal(err)
	}
	if st := srv.Stats(); st.Requests != 1 || st.ByRoute["DELETE /v1/bundleIds/{id}"] != 1 {
		t.Errorf("requests: %+v", st.ByRoute)
	}
}

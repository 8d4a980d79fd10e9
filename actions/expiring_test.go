package actions

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox"
	"github.com/asckeys/asckeys/storage"
)

// at is a fixed moment in the local zone, for a fake clock.
var at = time.Date(2026, 6, 10, 9, 0, 0, 0, time.Local)

func certExpiring(id string, days int, hours int) core.Certificate {
	return core.Certificate{ID: id, Name: "Cert " + id, CertificateType: "DISTRIBUTION",
		ExpirationDate: core.NewTime(at.AddDate(0, 0, days).Add(time.Duration(hours) * time.Hour))}
}

func TestDueNoticesTakeTheNearestThresholdCrossed(t *testing.T) {
	k := storage.Key{ID: "v1", Name: "Example Corp", Kind: core.KindTeam}
	cases := []struct {
		days      int
		threshold int // -1: no notice
		title     string
	}{
		{45, -1, ""},
		{31, -1, ""},
		{30, 30, "Certificate expires in 30 days"},
		{20, 30, "Certificate expires in 20 days"},
		{15, 15, "Certificate expires in 15 days"},
		{8, 15, "Certificate expires in 8 days"},
		{7, 7, "Certificate expires in 7 days"},
		{5, 7, "Certificate expires in 5 days"},
		{3, 3, "Certificate expires in 3 days"},
		{2, 3, "Certificate expires in 2 days"},
		{1, 1, "Certificate expires tomorrow"},
		{0, 0, "Certificate expires today"},
		{-1, 0, "Certificate expired"},
		{-RecentlyExpiredDays, 0, "Certificate expired"},
		{-RecentlyExpiredDays - 1, -1, ""},
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.days), func(t *testing.T) {
			items := ItemsOf(k, []core.Certificate{certExpiring("C1", c.days, 2)}, nil, at)
			due := DueNotices([]KeyExpiry{{Key: k, Items: items}})
			if c.threshold < 0 {
				if len(due) != 0 {
					t.Fatalf("%d days left: %+v, want no notice", c.days, due)
				}
				return
			}
			if len(due) != 1 || due[0].Threshold != c.threshold || due[0].Title != c.title {
				t.Fatalf("%d days left: %+v, want threshold %d titled %q", c.days, due, c.threshold, c.title)
			}
			n := due[0]
			if n.Name != fmt.Sprintf("v1/certificate/C1/%d", c.threshold) {
				t.Errorf("name %q", n.Name)
			}
			if want := "Cert C1 (key Example Corp) "; len(n.Body) < len(want) || n.Body[:len(want)] != want {
				t.Errorf("body %q does not name the item and the key", n.Body)
			}
		})
	}
}

func TestExpiringListsSoonestFirstWithinTheWindow(t *testing.T) {
	a := storage.Key{ID: "v1", Name: "A", Kind: core.KindTeam}
	b := storage.Key{ID: "v2", Name: "B", Kind: core.KindTeam}
	// Apple's profileState says ACTIVE for an expired profile: the date wins.
	expired := core.Profile{ID: "P1", Name: "Old", ProfileState: "ACTIVE", ExpirationDate: core.NewTime(at.AddDate(0, 0, -3))}
	soon := core.Profile{ID: "P2", Name: "Soon", ProfileState: "ACTIVE", ExpirationDate: core.NewTime(at.AddDate(0, 0, 12))}
	undated := core.Profile{ID: "P3", Name: "No date"}
	keys := []KeyExpiry{
		{Key: a, Items: ItemsOf(a, []core.Certificate{certExpiring("C1", 40, 0), certExpiring("C2", 5, 0)}, []core.Profile{expired, undated}, at)},
		{Key: b, Items: ItemsOf(b, nil, []core.Profile{soon}, at)},
	}
	var got []string
	for _, it := range Expiring(keys, 30) {
		got = append(got, fmt.Sprintf("%s:%s:%d", it.KeyName, it.ID, it.Expiry.DaysLeft))
	}
	if want := []string{"A:P1:-3", "A:C2:5", "B:P2:12"}; !slices.Equal(got, want) {
		t.Errorf("within 30 days: %v, want %v", got, want)
	}
	if n := len(Expiring(keys, 60)); n != 4 {
		t.Errorf("within 60 days: %d items, want 4", n)
	}
	if c := keys[0].Counts(KindCertificate); c != (ExpiryCounts{Soon: 1, Fine: 1}) {
		t.Errorf("certificate counts %+v", c)
	}
	if c := keys[0].Counts(KindProfile); c != (ExpiryCounts{Expired: 1}) {
		t.Errorf("profile counts %+v (the undated profile counts nowhere)", c)
	}
}

func TestParseWithin(t *testing.T) {
	for in, want := range map[string]int{"30d": 30, "30": 30, "2w": 14, "720h": 30, "25h": 2, "0d": 0, " 7D ": 7} {
		if got, err := ParseWithin(in); err != nil || got != want {
			t.Errorf("ParseWithin(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "soon", "-3d", "3x", "-1h"} {
		if _, err := ParseWithin(in); err == nil {
			t.Errorf("ParseWithin(%q) took it", in)
		}
	}
}

// TestExpirySourceUsesAFreshCacheAndFallsBackWhenOffline: the first look
// lists from Apple and caches; within MaxAge no request is sent; past it,
// Apple is asked again; with Apple unreachable, the cached lists stand in
// and say why.
func TestExpirySourceUsesAFreshCacheAndFallsBackWhenOffline(t *testing.T) {
	srv := sandbox.StartTest(t, sandbox.Config{Seed: 3})
	tk := srv.NewKey(core.KindTeam, sandbox.RoleAdmin)
	key := storage.Key{ID: "vault1", Name: "Example Corp", Kind: core.KindTeam}
	client := core.NewClient(core.Credentials{KeyID: tk.KeyID, IssuerID: tk.IssuerID, Kind: tk.Kind, PrivateKey: tk.PrivateKey},
		core.WithBaseURL(srv.URL()), core.WithHTTPClient(srv.HTTPClient()),
		core.WithRetry(core.RetryPolicy{MaxAttempts: 1}))
	now := time.Now()
	src := ExpirySource{
		Cache:  storage.NewListCache(t.TempDir()),
		Client: func(context.Context, storage.Key) (*core.Client, error) { return client, nil },
		MaxAge: time.Hour,
		Now:    func() time.Time { return now },
	}
	ctx := context.Background()

	first := src.Key(ctx, key)
	if first.Err != nil || first.FromCache {
		t.Fatalf("first look: %+v", first.Err)
	}
	if want := len(srv.Certificates()) + len(srv.Profiles()); len(first.Items) != want {
		t.Errorf("%d items, want every dated certificate and profile (%d)", len(first.Items), want)
	}
	if st := srv.StatsSettled(); st.ByRoute["GET /v1/certificates"] == 0 || st.ByRoute["GET /v1/profiles"] == 0 {
		t.Fatalf("the first look did not list: %v", st.ByRoute)
	}

	srv.ResetStats()
	now = now.Add(59 * time.Minute)
	second := src.Key(ctx, key)
	if st := srv.StatsSettled(); st.Requests != 0 {
		t.Errorf("a cache 59 minutes old (max 1 hour) sent %d requests", st.Requests)
	}
	if !second.FromCache || second.Err != nil || len(second.Items) != len(first.Items) {
		t.Errorf("second look: fromCache %v, err %v, %d items", second.FromCache, second.Err, len(second.Items))
	}

	now = now.Add(2 * time.Minute)
	if third := src.Key(ctx, key); third.FromCache || srv.StatsSettled().Requests == 0 {
		t.Errorf("a cache past MaxAge was used without asking Apple (fromCache %v)", third.FromCache)
	}

	srv.Close()
	now = now.Add(2 * time.Hour)
	offline := src.Key(ctx, key)
	if !offline.Offline() || len(offline.Items) != len(first.Items) {
		t.Errorf("offline: fromCache %v, err %v, %d items; want the cached lists and why", offline.FromCache, offline.Err, len(offline.Items))
	}
	if age := now.Sub(offline.FetchedAt); age < 2*time.Hour {
		t.Errorf("offline lists say they are %v old, want the cache's age", age)
	}

	// Nothing cached and nothing reachable: the key says why, with no items.
	if none := src.Key(ctx, storage.Key{ID: "other", Name: "B", Kind: core.KindTeam}); none.Err == nil || none.FromCache || len(none.Items) != 0 {
		t.Errorf("no cache, offline: %+v", none)
	}
	// An individual key sends nothing.
	if ind := src.Key(ctx, storage.Key{ID: "ind", Kind: core.KindIndividual}); !ind.Individual {
		t.Errorf("an individual key: %+v", ind)
	}
}

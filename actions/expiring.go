package actions

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/storage"
)

// What expires when, across every linked key: the one rule that the
// window's Overview, its timeline and notifications, and 'asckeys expiring'
// all call. Expiry comes from each item's expirationDate (core.ExpiryOf),
// never from Apple's profileState, which keeps expired profiles ACTIVE.

// The kinds of item an ExpiringItem is.
const (
	KindCertificate = "certificate"
	KindProfile     = "profile"
)

// ExpiringItem is one certificate or profile of one key, with its expiry.
type ExpiringItem struct {
	// KeyID is the vault id of the key that lists it, KeyName its name.
	KeyID, KeyName string
	// Kind is KindCertificate or KindProfile.
	Kind string
	ID   string
	// Name is how the item is named to people (Certificate.Label, the
	// profile's name); Type is its certificate or profile type.
	Name, Type string
	// Ref tells it from others of the same name, and finds it in the
	// window's search box: a certificate's serial number, a profile's UUID.
	Ref            string
	ExpirationDate core.Time
	Expiry         core.Expiry
}

// KeyExpiry is what one key lists that expires, and where the lists came
// from.
type KeyExpiry struct {
	Key storage.Key
	// Items are the key's certificates and profiles that have a readable
	// expiry date, soonest first.
	Items []ExpiringItem
	// FetchedAt is when the older of the two lists was fetched from Apple.
	FetchedAt time.Time
	// FromCache: the lists are the cached ones (fresh enough, or Apple
	// could not be reached: then Err says why).
	FromCache bool
	// Err is why Apple could not be asked. With FromCache the cached lists
	// stand in; without, the key has nothing to show.
	Err error
	// Individual: an individual key, which Apple refuses provisioning; it
	// lists nothing and no request is sent.
	Individual bool
}

// Offline reports whether the key's lists are cached ones shown because
// Apple could not be reached.
func (k KeyExpiry) Offline() bool { return k.FromCache && k.Err != nil }

// ExpiryCounts count a key's items by where they stand.
type ExpiryCounts struct {
	// Expired: past their date. Soon: within core.ExpiringSoonDays.
	// Fine: later than that.
	Expired, Soon, Fine int
}

// Counts counts the key's items of kind (KindCertificate or KindProfile).
func (k KeyExpiry) Counts(kind string) ExpiryCounts {
	var c ExpiryCounts
	for _, it := range k.Items {
		if it.Kind != kind {
			continue
		}
		switch it.Expiry.State {
		case core.ExpiryExpired:
			c.Expired++
		case core.ExpiryExpiringSoon:
			c.Soon++
		case core.ExpiryValid:
			c.Fine++
		}
	}
	return c
}

// ExpirySource finds each key's lists: the cached ones (storage.ListCache)
// when both certificates and profiles were fetched within MaxAge, else
// Apple's, which are then cached for the window and the next run.
type ExpirySource struct {
	Cache *storage.ListCache
	// Client makes the client of a key (it may read the keychain).
	Client func(ctx context.Context, k storage.Key) (*core.Client, error)
	// MaxAge is storage.DefaultExpiryMaxAge when 0; a negative MaxAge
	// always asks Apple (a refresh).
	MaxAge time.Duration
	// Now is time.Now when nil.
	Now func() time.Time
	// CacheOnly never asks Apple: the cached lists of any age, or nothing
	// (as for the key the window is listing anyway).
	CacheOnly bool
}

func (s ExpirySource) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Keys finds the lists of every key, side by side (each key has its own
// budget at Apple), in the order of keys.
func (s ExpirySource) Keys(ctx context.Context, keys []storage.Key) []KeyExpiry {
	out := make([]KeyExpiry, len(keys))
	var wg sync.WaitGroup
	for i, k := range keys {
		wg.Go(func() { out[i] = s.Key(ctx, k) })
	}
	wg.Wait()
	return out
}

// Key finds the lists of one key.
func (s ExpirySource) Key(ctx context.Context, k storage.Key) KeyExpiry {
	ke := KeyExpiry{Key: k}
	if !k.Kind.CanProvision() {
		ke.Individual = true
		return ke
	}
	now := s.now()
	var cl storage.CachedLists
	if s.Cache != nil {
		cl = s.Cache.Load(k.ID)
	}
	haveCache := cl.Certificates != nil && cl.Profiles != nil
	maxAge := s.MaxAge
	if maxAge == 0 {
		maxAge = storage.DefaultExpiryMaxAge
	}
	if haveCache {
		fetched := oldest(cl.Certificates.FetchedAt, cl.Profiles.FetchedAt)
		if age := now.Sub(fetched); s.CacheOnly || (maxAge > 0 && age >= 0 && age <= maxAge) {
			return s.fill(ke, cl, fetched, true, now)
		}
	}
	if s.CacheOnly {
		return ke
	}
	certs, profiles, err := s.fetch(ctx, k)
	if err != nil {
		ke.Err = err
		if haveCache {
			return s.fill(ke, cl, oldest(cl.Certificates.FetchedAt, cl.Profiles.FetchedAt), true, now)
		}
		return ke
	}
	fetched := s.now()
	if s.Cache != nil {
		// A cache that cannot be written costs only a listing next time.
		_ = s.Cache.Update(k.ID, func(c *storage.CachedLists) {
			c.Certificates = &storage.CachedList[core.Certificate]{FetchedAt: fetched, Items: certs}
			c.Profiles = &storage.CachedList[core.Profile]{FetchedAt: fetched, Items: profiles}
		})
	}
	cl = storage.CachedLists{
		Certificates: &storage.CachedList[core.Certificate]{Items: certs},
		Profiles:     &storage.CachedList[core.Profile]{Items: profiles},
	}
	return s.fill(ke, cl, fetched, false, now)
}

func (s ExpirySource) fetch(ctx context.Context, k storage.Key) ([]core.Certificate, []core.Profile, error) {
	c, err := s.Client(ctx, k)
	if err != nil {
		return nil, nil, err
	}
	certs, _, err := c.Certificates.List(ctx, nil)
	if err != nil {
		return nil, nil, err
	}
	profiles, _, err := c.Profiles.List(ctx, nil)
	if err != nil {
		return nil, nil, err
	}
	return certs, profiles, nil
}

func (s ExpirySource) fill(ke KeyExpiry, cl storage.CachedLists, fetched time.Time, fromCache bool, now time.Time) KeyExpiry {
	ke.FetchedAt, ke.FromCache = fetched, fromCache
	ke.Items = ItemsOf(ke.Key, cl.Certificates.Items, cl.Profiles.Items, now)
	return ke
}

func oldest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// ItemsOf turns a key's lists into ExpiringItems as of now, soonest first;
// items without a readable expiry date are left out.
func ItemsOf(k storage.Key, certs []core.Certificate, profiles []core.Profile, now time.Time) []ExpiringItem {
	var out []ExpiringItem
	for _, c := range certs {
		if c.ExpirationDate.IsZero() {
			continue
		}
		out = append(out, ExpiringItem{KeyID: k.ID, KeyName: k.Name, Kind: KindCertificate, ID: c.ID,
			Name: c.Label(), Type: core.CertificateTypeLabel(c.CertificateType), Ref: c.SerialNumber, ExpirationDate: c.ExpirationDate, Expiry: c.Expiry(now)})
	}
	for _, p := range profiles {
		if p.ExpirationDate.IsZero() {
			continue
		}
		out = append(out, ExpiringItem{KeyID: k.ID, KeyName: k.Name, Kind: KindProfile, ID: p.ID,
			Name: p.Name, Type: core.ProfileTypeLabel(p.ProfileType), Ref: p.UUID, ExpirationDate: p.ExpirationDate, Expiry: p.Expiry(now)})
	}
	sortItems(out)
	return out
}

// sortItems puts the soonest first; ties by key, kind and name, so the
// order is the same on every run.
func sortItems(items []ExpiringItem) {
	slices.SortStableFunc(items, func(a, b ExpiringItem) int {
		return cmp.Or(a.ExpirationDate.Compare(b.ExpirationDate.Time), cmp.Compare(a.KeyName, b.KeyName),
			cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
}

// Expiring lists the items of every key that expire within withinDays
// calendar days, or have expired but are still listed, soonest first.
func Expiring(keys []KeyExpiry, withinDays int) []ExpiringItem {
	var out []ExpiringItem
	for _, k := range keys {
		for _, it := range k.Items {
			// Expired items have DaysLeft <= 0, so they are always in.
			if it.Expiry.DaysLeft <= withinDays {
				out = append(out, it)
			}
		}
	}
	sortItems(out)
	return out
}

// ParseWithin reads a window of time as 'asckeys expiring --within' takes
// it: days ("30d", "30"), weeks ("2w") or a Go duration ("720h"), rounded
// up to whole days.
func ParseWithin(s string) (int, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	bad := fmt.Errorf("--within %q is not a number of days: write it as 30d, 2w or 720h", s)
	if s == "" {
		return 0, bad
	}
	unit := 1
	num := s
	switch {
	case strings.HasSuffix(s, "d"):
		num = strings.TrimSuffix(s, "d")
	case strings.HasSuffix(s, "w"):
		num, unit = strings.TrimSuffix(s, "w"), 7
	}
	if n, err := strconv.Atoi(num); err == nil {
		if n < 0 {
			return 0, bad
		}
		return n * unit, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, bad
	}
	return int((d + 24*time.Hour - 1) / (24 * time.Hour)), nil
}

// NotifyThresholds are the days before its expiry at which an item is
// announced: 30, 15, 7, 3 and 1 days, and its expiry day (0).
var NotifyThresholds = []int{30, 15, 7, 3, 1, 0}

// RecentlyExpiredDays is how long after its expiry day an item not yet
// announced as expired still is (the app was not opened that day); what
// expired earlier is old news, shown in red but not announced.
const RecentlyExpiredDays = 7

// ExpiryNotice is one announcement due: item has crossed Threshold.
type ExpiryNotice struct {
	Item ExpiringItem
	// Threshold is one of NotifyThresholds.
	Threshold int
	// Name identifies the item and threshold, so that each is sent once
	// (storage.NotifiedStore).
	Name string
	// Title and Body are what the notification says, naming the item and
	// its key.
	Title, Body string
}

// DueNotices lists the announcements due for the keys' items: for each
// item, the nearest threshold it has crossed (an item 5 days from expiry
// is due its 7-day notice; the 30- and 15-day ones are past and not sent
// late). Whether one was already sent is storage.NotifiedStore's to say.
func DueNotices(keys []KeyExpiry) []ExpiryNotice {
	var out []ExpiryNotice
	for _, k := range keys {
		for _, it := range k.Items {
			th, ok := thresholdOf(it.Expiry)
			if !ok {
				continue
			}
			out = append(out, ExpiryNotice{
				Item: it, Threshold: th,
				Name:  fmt.Sprintf("%s/%s/%s/%d", it.KeyID, it.Kind, it.ID, th),
				Title: noticeTitle(it),
				Body:  fmt.Sprintf("%s (key %s) %s.", it.Name, it.KeyName, noticeWhen(it)),
			})
		}
	}
	return out
}

func thresholdOf(e core.Expiry) (int, bool) {
	switch e.State {
	case core.ExpiryExpired:
		if e.DaysLeft < -RecentlyExpiredDays {
			return 0, false
		}
		return 0, true
	case core.ExpiryExpiringSoon, core.ExpiryValid:
		best, ok := 0, false
		for _, th := range NotifyThresholds {
			if e.DaysLeft <= th {
				best, ok = th, true
			}
		}
		return best, ok
	}
	return 0, false
}

func noticeTitle(it ExpiringItem) string {
	what := "Certificate"
	if it.Kind == KindProfile {
		what = "Profile"
	}
	switch {
	case it.Expiry.State == core.ExpiryExpired:
		return what + " expired"
	case it.Expiry.DaysLeft == 0:
		return what + " expires today"
	case it.Expiry.DaysLeft == 1:
		return what + " expires tomorrow"
	}
	return fmt.Sprintf("%s expires in %d days", what, it.Expiry.DaysLeft)
}

func noticeWhen(it ExpiringItem) string {
	day := it.ExpirationDate.Local().Format("2 Jan 2006")
	if it.Expiry.State == core.ExpiryExpired {
		return "expired on " + day
	}
	return "expires on " + day
}

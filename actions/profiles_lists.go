package actions

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/storage"
)

// DefaultListMaxAge is how old the window's cached lists may be for an
// action to trust them instead of asking Apple: long enough that working in
// the window and then on the command line costs no listing, short enough
// that another machine's change is rarely missed (Apple still refuses what
// a stale list let through, with its own message).
const DefaultListMaxAge = 10 * time.Minute

// Lists are where the actions find Apple's lists: the window's cache
// (storage.ListCache) when the list is fresh, else Apple, with filters so
// that only what is needed comes back.
type Lists struct {
	Client *core.Client
	// Cache and VaultID name the key's cached lists; a nil Cache means Apple
	// is always asked.
	Cache   *storage.ListCache
	VaultID string
	// MaxAge is DefaultListMaxAge when 0.
	MaxAge time.Duration
	// Now is time.Now when nil.
	Now func() time.Time

	mu     sync.Mutex // guards cached: an action may read lists side by side
	cached *storage.CachedLists
}

func (l *Lists) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// cachedLists loads the cache once per action.
func (l *Lists) cachedLists() storage.CachedLists {
	if l.Cache == nil || l.VaultID == "" {
		return storage.CachedLists{}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cached == nil {
		cl := l.Cache.Load(l.VaultID)
		l.cached = &cl
	}
	return *l.cached
}

// fresh returns a cached list's items when it was fetched within MaxAge.
func fresh[T any](l *Lists, list *storage.CachedList[T]) ([]T, bool) {
	if list == nil {
		return nil, false
	}
	maxAge := l.MaxAge
	if maxAge == 0 {
		maxAge = DefaultListMaxAge
	}
	age := l.now().Sub(list.FetchedAt)
	return list.Items, age >= 0 && age <= maxAge
}

// certificates returns the certificates of the given types (nil: all).
func (l *Lists) certificates(ctx context.Context, types []string) ([]core.Certificate, error) {
	if items, ok := fresh(l, l.cachedLists().Certificates); ok {
		return slices.DeleteFunc(slices.Clone(items), func(c core.Certificate) bool {
			return types != nil && !slices.Contains(types, c.CertificateType)
		}), nil
	}
	certs, _, err := l.Client.Certificates.List(ctx, &core.CertificateListOptions{Types: types})
	return certs, err
}

// enabledDevices returns the enabled devices of platform ("": of every
// platform).
func (l *Lists) enabledDevices(ctx context.Context, platform string) ([]core.Device, error) {
	if items, ok := fresh(l, l.cachedLists().Devices); ok {
		return slices.DeleteFunc(slices.Clone(items), func(d core.Device) bool {
			return (platform != "" && d.Platform != platform) || d.Status != "ENABLED"
		}), nil
	}
	opt := &core.DeviceListOptions{Statuses: []string{"ENABLED"}}
	if platform != "" {
		opt.Platforms = []string{platform}
	}
	devs, _, err := l.Client.Devices.List(ctx, opt)
	return devs, err
}

// profiles returns every profile, for the actions that work on many.
func (l *Lists) profiles(ctx context.Context) ([]core.Profile, error) {
	if items, ok := fresh(l, l.cachedLists().Profiles); ok {
		return items, nil
	}
	ps, _, err := l.Client.Profiles.List(ctx, nil)
	return ps, err
}

// profileNamed returns the profile called name, if one is listed.
func (l *Lists) profileNamed(ctx context.Context, name string) (core.Profile, bool, error) {
	items, ok := fresh(l, l.cachedLists().Profiles)
	if !ok {
		var err error
		if items, _, err = l.Client.Profiles.List(ctx, &core.ProfileListOptions{Name: name}); err != nil {
			return core.Profile{}, false, err
		}
	}
	i := slices.IndexFunc(items, func(p core.Profile) bool { return p.Name == name })
	if i < 0 {
		return core.Profile{}, false, nil
	}
	return items[i], true, nil
}

// bundleID finds a bundle ID by its identifier (com.example.app) or its
// resource id. An identifier is looked up with filter[identifier]; only a
// reference without a dot, which may be either, lists them all.
func (l *Lists) bundleID(ctx context.Context, ref string) (core.BundleID, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return core.BundleID{}, fmt.Errorf("give the bundle ID with --bundle-id: its identifier (com.example.app) or its id")
	}
	items, ok := fresh(l, l.cachedLists().BundleIDs)
	if !ok {
		var opt *core.BundleIDListOptions
		if strings.ContainsAny(ref, ".*") {
			opt = &core.BundleIDListOptions{Identifier: ref}
		}
		var err error
		if items, _, err = l.Client.BundleIDs.List(ctx, opt); err != nil {
			return core.BundleID{}, err
		}
	}
	for _, b := range items {
		if b.ID == ref || b.Identifier == ref {
			return b, nil
		}
	}
	return core.BundleID{}, fmt.Errorf("no bundle ID %q is registered: list them with 'asckeys bundle-ids list', "+
		"or register it with 'asckeys bundle-ids create --identifier %s --name NAME'", core.SafeText(ref), core.SafeText(ref))
}

// remember changes the cached lists after a write, so that the window and
// the next command see it without a refresh. A key with nothing cached is
// left alone; a cache that cannot be written only costs a refresh.
func (l *Lists) remember(change func(*storage.CachedLists)) {
	if l.Cache == nil || l.VaultID == "" {
		return
	}
	l.mu.Lock()
	l.cached = nil
	l.mu.Unlock()
	_ = l.Cache.Update(l.VaultID, change)
}

// rememberProfiles drops the profiles deleted and adds those created to the
// cached profile list, when there is one.
func (l *Lists) rememberProfiles(deleted []string, created []core.Profile) {
	l.remember(func(cl *storage.CachedLists) {
		if cl.Profiles == nil {
			return
		}
		items := slices.DeleteFunc(slices.Clone(cl.Profiles.Items), func(p core.Profile) bool { return slices.Contains(deleted, p.ID) })
		cl.Profiles.Items = append(items, created...)
	})
}

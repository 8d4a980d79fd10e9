package sandbox

import (
	"cmp"
	"encoding/json"
	"math/big"
	"slices"
	"strings"
	"sync"
	"time"
)

// entity is what every stored resource offers the generic machinery.
type entity interface {
	comparable
	resID() string
}

// base holds the id every resource has.
type base struct{ id string }

func (b *base) resID() string { return b.id }

type certificate struct {
	base
	name, displayName, certType string
	serial                      *big.Int
	serialText                  string // upper-case hex without leading zeros, as Apple lists it
	// platform is the attribute's raw JSON: `"IOS"`, `null` (a quirk) or
	// empty to leave it out.
	platform       json.RawMessage
	issued         time.Time
	expires        time.Time
	expiresText    string
	activated      bool
	pass           *passTypeID
	commonName     string // X.509 subject CN
	userID         string // X.509 subject UID for personal certificates
	der            lazyBytes
	developmentUse bool // may be downloaded by Developer-role keys
	// pub is the public key of the CSR a certificate was created from
	// (POST /v1/certificates); nil for seeded ones, which get a fresh key.
	pub any
}

type profile struct {
	base
	name, profileType, platform, uuid string
	state                             string // changed under the store's write lock
	created, expires                  time.Time
	createdText, expiresText          string
	bundle                            *bundleID
	certs                             []*certificate // replaced, never edited in place, under the write lock
	devices                           []*device
	content                           lazyBytes
}

type bundleID struct {
	base
	name, identifier, platform, seedID string
	profiles                           []*profile
	app                                *app
}

type device struct {
	base
	name, platform, udid, class, status, model string
	added                                      time.Time
	addedText                                  string
}

type app struct {
	base
	name, bundleIdentifier, sku, locale string
	bundle                              *bundleID
}

type passTypeID struct {
	base
	name, identifier string
	certs            []*certificate
}

// capability stands for bundleIdCapabilities, which the sandbox lists as
// relationships but does not model.
type capability struct{ base }

// lazyBytes is content made on first use: DER certificates and signed
// profiles are too slow to make by the thousand at start.
type lazyBytes struct {
	once sync.Once
	b    []byte
	b64  string
	err  error
}

// store holds the data. Reads share mu; writes take it alone.
type store struct {
	mu    sync.RWMutex
	certs table[*certificate]
	// revoked holds the certificates DELETE took off the list, in order:
	// Apple is reported to count them against the limits until they expire.
	revoked  []*certificate
	profiles table[*profile]
	bundles  table[*bundleID]
	devices  table[*device]
	apps     table[*app]
	passes   table[*passTypeID]
	caps     table[*capability]
}

// table is one resource type's items in their default order, with an index
// by id and sorted views made on demand.
type table[T entity] struct {
	items []T
	byID  map[string]T

	cacheMu sync.Mutex
	sorted  map[string][]T
}

func (t *table[T]) add(v T) {
	if t.byID == nil {
		t.byID = map[string]T{}
	}
	t.items = append(t.items, v)
	t.byID[v.resID()] = v
	t.invalidateSorted()
}

func (t *table[T]) get(id string) (T, bool) {
	v, ok := t.byID[id]
	return v, ok
}

// remove deletes id; callers hold the store's write lock (as for add).
func (t *table[T]) remove(id string) {
	if _, ok := t.byID[id]; !ok {
		return
	}
	delete(t.byID, id)
	t.items = slices.DeleteFunc(slices.Clone(t.items), func(v T) bool { return v.resID() == id })
	t.invalidateSorted()
}

// invalidateSorted drops the sorted views after items or their sort keys
// changed.
func (t *table[T]) invalidateSorted() {
	t.cacheMu.Lock()
	t.sorted = nil
	t.cacheMu.Unlock()
}

// ordered returns the items sorted by a validated sort parameter such as
// "-name,id"; ties are broken by id. Views are cached until the next remove,
// so paging through a sorted list sorts once. Writes that change a sort key
// call invalidateSorted.
func (t *table[T]) ordered(spec string, keys map[string]func(T) string) []T {
	if spec == "" {
		return t.items
	}
	t.cacheMu.Lock()
	defer t.cacheMu.Unlock()
	if v, ok := t.sorted[spec]; ok {
		return v
	}
	type sortKey struct {
		key  func(T) string
		desc bool
	}
	var by []sortKey
	for _, f := range strings.Split(spec, ",") {
		name, desc := strings.CutPrefix(f, "-")
		by = append(by, sortKey{keys[name], desc})
	}
	out := slices.Clone(t.items)
	slices.SortStableFunc(out, func(a, b T) int {
		for _, k := range by {
			if c := cmp.Compare(k.key(a), k.key(b)); c != 0 {
				if k.desc {
					return -c
				}
				return c
			}
		}
		return cmp.Compare(a.resID(), b.resID())
	})
	if t.sorted == nil {
		t.sorted = map[string][]T{}
	}
	t.sorted[spec] = out
	return out
}

// Certificate types whose content Developer-role keys may download, and
// profile types that are development profiles.
var (
	developmentCertTypes = map[string]bool{"DEVELOPMENT": true, "IOS_DEVELOPMENT": true, "MAC_APP_DEVELOPMENT": true}
	developmentProfiles  = map[string]bool{
		"IOS_APP_DEVELOPMENT": true, "MAC_APP_DEVELOPMENT": true, "TVOS_APP_DEVELOPMENT": true, "MAC_CATALYST_APP_DEVELOPMENT": true,
	}
)

// appleTime formats t the way App Store Connect does:
// 2019-11-29T13:56:50.220+0000.
func appleTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000-0700")
}

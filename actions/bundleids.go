package actions

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/storage"
)

// NewBundleID is a bundle ID to register. Platform is IOS when empty, as on
// Apple's website; UNIVERSAL covers iOS and macOS.
type NewBundleID struct {
	Identifier, Name, Platform string
}

// CreateBundleID registers a bundle ID. The identifier is looked up first
// (filter[identifier]) so that one already registered on the team is
// refused naming it; one taken by another team only Apple can tell.
func CreateBundleID(ctx context.Context, l *Lists, b NewBundleID) (core.BundleID, error) {
	b.Platform = strings.ToUpper(strings.TrimSpace(b.Platform))
	if b.Platform == "" {
		b.Platform = "IOS"
	}
	if err := core.CheckBundleIdentifier(b.Identifier); err != nil {
		return core.BundleID{}, err
	}
	if err := core.CheckBundleIDPlatform(b.Platform); err != nil {
		return core.BundleID{}, err
	}
	existing, _, err := l.Client.BundleIDs.List(ctx, &core.BundleIDListOptions{Identifier: b.Identifier})
	if err != nil {
		return core.BundleID{}, err
	}
	for _, e := range existing {
		if strings.EqualFold(e.Identifier, b.Identifier) {
			return core.BundleID{}, fmt.Errorf("the bundle ID %s is already registered as %q (id %s): nothing was registered",
				e.Identifier, e.Name, e.ID)
		}
	}
	created, _, err := l.Client.BundleIDs.Create(ctx, b.Identifier, b.Name, b.Platform)
	if err != nil {
		return core.BundleID{}, err
	}
	l.remember(func(cl *storage.CachedLists) {
		if cl.BundleIDs != nil {
			cl.BundleIDs.Items = append(cl.BundleIDs.Items, created)
		}
	})
	return created, nil
}

// BundleIDDeletion is what deleting a bundle ID removes: Apple deletes its
// profiles with it.
type BundleIDDeletion struct {
	BundleID core.BundleID
	Profiles []core.Profile
}

// What names the bundle ID to delete.
func (d BundleIDDeletion) What() string {
	return fmt.Sprintf("the bundle ID %s (%q, id %s)", d.BundleID.Identifier, d.BundleID.Name, d.BundleID.ID)
}

// Question is the confirmation of the deletion: Apple deletes the bundle
// ID's profiles with it.
func (d BundleIDDeletion) Question() string {
	if len(d.Profiles) > 0 {
		return fmt.Sprintf("Delete %s? Apple deletes its %d profile(s) with it: %s", d.What(), len(d.Profiles), DescribeProfiles(d.Profiles))
	}
	return "Delete " + d.What() + "?"
}

// PlanBundleIDDelete finds the bundle ID ref (identifier or id) and the
// profiles that go with it.
func PlanBundleIDDelete(ctx context.Context, l *Lists, ref string) (BundleIDDeletion, error) {
	b, err := l.bundleID(ctx, ref)
	if err != nil {
		return BundleIDDeletion{}, err
	}
	profiles, err := l.profiles(ctx)
	if err != nil {
		return BundleIDDeletion{}, err
	}
	d := BundleIDDeletion{BundleID: b}
	for _, p := range profiles {
		if p.BundleIDID == b.ID {
			d.Profiles = append(d.Profiles, p)
		}
	}
	return d, nil
}

// DeleteBundleID deletes the planned bundle ID (one DELETE). Apple refuses
// one that an app in App Store Connect uses.
func DeleteBundleID(ctx context.Context, l *Lists, d BundleIDDeletion) error {
	if _, err := l.Client.BundleIDs.Delete(ctx, d.BundleID.ID); err != nil {
		return err
	}
	l.remember(func(cl *storage.CachedLists) {
		if cl.BundleIDs != nil {
			cl.BundleIDs.Items = slices.DeleteFunc(slices.Clone(cl.BundleIDs.Items), func(b core.BundleID) bool { return b.ID == d.BundleID.ID })
		}
		if cl.Profiles != nil {
			cl.Profiles.Items = slices.DeleteFunc(slices.Clone(cl.Profiles.Items), func(p core.Profile) bool { return p.BundleIDID == d.BundleID.ID })
		}
	})
	return nil
}

package actions

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/storage"
)

// PendingStore keeps the definitions of profiles being regenerated (the
// vault: storage/pendingprofiles.go).
type PendingStore interface {
	SavePendingProfiles(ctx context.Context, ps []storage.PendingProfile) error
	FinishPendingProfiles(ctx context.Context, keyID string, oldIDs []string) error
	PendingProfiles(keyID string) ([]storage.PendingProfile, error)
}

// Regenerator deletes profiles and creates them again.
type Regenerator struct {
	Lists *Lists
	// Pending keeps each definition from before its delete until its
	// create succeeds; KeyID is the key's vault id there.
	Pending PendingStore
	KeyID   string
	// AllDevices adds every enabled device of the platform to development
	// and ad hoc profiles.
	AllDevices bool
	// Progress, when set, hears after each profile is finished (made again
	// or failed) how many of the run's total are; it is called from the
	// run's goroutines, one at a time.
	Progress func(finished, total int)
}

// Regenerated is a profile made again. ID is the new profile's id.
type Regenerated struct {
	Name    string `json:"name"`
	OldUUID string `json:"oldUuid"`
	NewUUID string `json:"newUuid"`
	ID      string `json:"id"`
}

// RegenerateError is a profile that could not be regenerated. Deleted says
// that its old profile is gone, MaybeDeleted that its DELETE may have
// reached Apple with no answer back: its definition is then kept, and
// 'asckeys profiles regenerate --resume' finishes it.
type RegenerateError struct {
	Name, OldID           string
	Deleted, MaybeDeleted bool
	Err                   error
}

func (e *RegenerateError) Error() string {
	const resume = "its definition is kept on this machine: finish with 'asckeys profiles regenerate --resume'"
	switch {
	case e.Deleted:
		return fmt.Sprintf("the profile %q (id %s) was deleted, but creating it again failed: %v; %s", e.Name, e.OldID, e.Err, resume)
	case e.MaybeDeleted:
		return fmt.Sprintf("the profile %q (id %s) may have been deleted (%v); %s, which deletes it if it is still there and creates it again",
			e.Name, e.OldID, e.Err, resume)
	}
	return fmt.Sprintf("the profile %q (id %s) was left as it was: %v", e.Name, e.OldID, e.Err)
}

func (e *RegenerateError) Unwrap() error { return e.Err }

// RegeneratePlan is the definitions to make again, checked against today's
// certificates and devices.
type RegeneratePlan struct {
	Definitions []storage.PendingProfile
	// Replaced counts, per old profile id, the certificates dropped because
	// they expired or were revoked; Dropped the devices dropped because they
	// were disabled or removed.
	Replaced, Dropped map[string]int
}

// Plan makes the definitions of profiles: same name, type, bundle ID,
// certificates (expired or revoked ones replaced by every valid certificate
// of a fitting type) and devices (disabled or removed ones left out, since
// Apple refuses them; with AllDevices every enabled device of the platform
// added). A profile that cannot be made again is refused here, before
// anything is deleted. The certificate and device lists are fetched side by
// side.
func (r *Regenerator) Plan(ctx context.Context, profiles []core.Profile) (RegeneratePlan, error) {
	profiles = slices.Clone(profiles)
	// A listing carries 50 ids of each; the rest only for the profiles
	// that have more (no request for the others).
	errs := make([]error, len(profiles))
	core.InParallel(ctx, r.Lists.Client.MaxInFlight(), indexes(len(profiles)), func(i int) {
		_, errs[i] = r.Lists.Client.Profiles.CompleteIDs(ctx, &profiles[i], true, true)
	})
	if err := errors.Join(errs...); err != nil {
		return RegeneratePlan{}, fmt.Errorf("nothing was deleted: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return RegeneratePlan{}, err
	}
	defs := make([]storage.PendingProfile, len(profiles))
	for i, p := range profiles {
		defs[i] = storage.PendingProfile{KeyID: r.KeyID, OldID: p.ID, OldUUID: p.UUID, Name: p.Name, ProfileType: p.ProfileType,
			BundleIDID: p.BundleIDID, BundleIdentifier: p.BundleIdentifier,
			CertificateIDs: slices.Clone(p.CertificateIDs), DeviceIDs: slices.Clone(p.DeviceIDs)}
	}
	return r.plan(ctx, defs)
}

func (r *Regenerator) plan(ctx context.Context, defs []storage.PendingProfile) (RegeneratePlan, error) {
	var certs []core.Certificate
	var devices []core.Device
	var certErr, devErr error
	var wg sync.WaitGroup
	wg.Go(func() { certs, certErr = r.Lists.certificates(ctx, nil) })
	if slices.ContainsFunc(defs, func(d storage.PendingProfile) bool { return core.ProfileTakesDevices(d.ProfileType) }) {
		wg.Go(func() { devices, devErr = r.Lists.enabledDevices(ctx, "") })
	}
	wg.Wait()
	if err := errors.Join(certErr, devErr); err != nil {
		return RegeneratePlan{}, err
	}
	now := r.Lists.now()
	valid := slices.DeleteFunc(certs, func(c core.Certificate) bool { return !c.ExpirationDate.After(now) })
	plan := RegeneratePlan{Replaced: map[string]int{}, Dropped: map[string]int{}}
	for _, d := range defs {
		if err := core.CheckProfileType(d.ProfileType); err != nil {
			return RegeneratePlan{}, fmt.Errorf("the profile %q cannot be regenerated: %w", d.Name, err)
		}
		fit := core.CertificateTypesForProfile(d.ProfileType)
		fitting := slices.DeleteFunc(slices.Clone(valid), func(c core.Certificate) bool { return !slices.Contains(fit, c.CertificateType) })
		kept := slices.DeleteFunc(slices.Clone(d.CertificateIDs), func(id string) bool {
			return !slices.ContainsFunc(fitting, func(c core.Certificate) bool { return c.ID == id })
		})
		if n := len(d.CertificateIDs) - len(kept); n > 0 || len(kept) == 0 {
			plan.Replaced[d.OldID] = n
			for _, c := range fitting {
				if !slices.Contains(kept, c.ID) {
					kept = append(kept, c.ID)
				}
			}
		}
		if len(kept) == 0 {
			return RegeneratePlan{}, fmt.Errorf("the profile %q cannot be regenerated: no valid certificate can sign %s profiles; "+
				"create one with 'asckeys certs create --type %s' first (nothing was deleted)", d.Name, core.ProfileTypeLabel(d.ProfileType), fit[0])
		}
		d.CertificateIDs = kept
		if core.ProfileTakesDevices(d.ProfileType) {
			platform := ProfileDevicePlatform(d.ProfileType)
			usable := func(id string) bool {
				return slices.ContainsFunc(devices, func(dev core.Device) bool { return dev.ID == id && dev.Platform == platform })
			}
			keptDevices := slices.DeleteFunc(slices.Clone(d.DeviceIDs), func(id string) bool { return !usable(id) })
			plan.Dropped[d.OldID] = len(d.DeviceIDs) - len(keptDevices)
			if r.AllDevices {
				for _, dev := range devices {
					if dev.Platform == platform && !slices.Contains(keptDevices, dev.ID) {
						keptDevices = append(keptDevices, dev.ID)
					}
				}
			}
			if err := core.CheckProfileDevices(d.ProfileType, len(keptDevices)); err != nil {
				return RegeneratePlan{}, fmt.Errorf("the profile %q cannot be regenerated: none of its devices is enabled any more: "+
					"add --all-devices to include every enabled device, or enable one (nothing was deleted)", d.Name)
			}
			d.DeviceIDs = keptDevices
		} else {
			d.DeviceIDs = nil
		}
		plan.Definitions = append(plan.Definitions, d)
	}
	return plan, nil
}

// Run regenerates the plan's profiles, MaxInFlight of them at a time: each
// definition is saved first, then its old profile deleted and the new one
// created; the definition is dropped once the create succeeds. Every
// profile is tried; the errors are *RegenerateError values, joined.
func (r *Regenerator) Run(ctx context.Context, plan RegeneratePlan) ([]Regenerated, error) {
	for i := range plan.Definitions {
		plan.Definitions[i].Saved = r.Lists.now().UTC()
	}
	if err := r.Pending.SavePendingProfiles(ctx, plan.Definitions); err != nil {
		return nil, fmt.Errorf("nothing was deleted: %w", err)
	}
	return r.run(ctx, plan.Definitions, func(d storage.PendingProfile) error {
		// A DELETE under way when the run is cancelled is finished, not cut
		// short: its profile is then known to be gone, and made again.
		_, err := r.Lists.Client.Profiles.Delete(context.WithoutCancel(ctx), d.OldID)
		return err
	})
}

// run deletes (with del) and creates each definition.
func (r *Regenerator) run(ctx context.Context, defs []storage.PendingProfile, del func(storage.PendingProfile) error) ([]Regenerated, error) {
	var mu sync.Mutex
	done := make([]*Regenerated, len(defs))
	var errs []error
	var finished, deleted, started []string
	var created []core.Profile
	ended := 0
	progress := func() { // called with mu held
		ended++
		if r.Progress != nil {
			r.Progress(ended, len(defs))
		}
	}
	core.InParallel(ctx, r.Lists.Client.MaxInFlight(), indexes(len(defs)), func(i int) {
		d := defs[i]
		if ctx.Err() != nil {
			return // cancelled before it started: its old profile is untouched
		}
		mu.Lock()
		started = append(started, d.OldID)
		mu.Unlock()
		fail := func(e *RegenerateError) {
			mu.Lock()
			defer mu.Unlock()
			if !e.Deleted && !e.MaybeDeleted {
				finished = append(finished, d.OldID) // nothing to finish later
			}
			errs = append(errs, e)
			progress()
		}
		if err := del(d); err != nil {
			// A DELETE cut short by Ctrl-C or a lost answer may have
			// reached Apple.
			maybe := core.IsUnknownOutcome(err) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
			fail(&RegenerateError{Name: d.Name, OldID: d.OldID, MaybeDeleted: maybe, Err: err})
			return
		}
		mu.Lock()
		deleted = append(deleted, d.OldID)
		mu.Unlock()
		// Once the old profile is gone its successor is made even when the
		// run is being cancelled (Ctrl-C): a second one ends the program.
		p, _, err := r.Lists.Client.Profiles.Create(context.WithoutCancel(ctx), core.ProfileCreate{Name: d.Name, Type: d.ProfileType, BundleIDID: d.BundleIDID,
			CertificateIDs: d.CertificateIDs, DeviceIDs: d.DeviceIDs})
		if err != nil {
			fail(&RegenerateError{Name: d.Name, OldID: d.OldID, Deleted: true, Err: err})
			return
		}
		p.BundleIdentifier = d.BundleIdentifier
		mu.Lock()
		defer mu.Unlock()
		finished = append(finished, d.OldID)
		created = append(created, p.Profile)
		done[i] = &Regenerated{Name: d.Name, OldUUID: d.OldUUID, NewUUID: p.UUID, ID: p.ID}
		progress()
	})
	// Jobs never handed out (the run was cancelled): their old profiles
	// are untouched.
	for _, d := range defs {
		if !slices.Contains(started, d.OldID) {
			finished = append(finished, d.OldID)
		}
	}
	// Dropping a definition after the fact cannot lose one still needed:
	// only finished profiles are dropped.
	if err := r.Pending.FinishPendingProfiles(context.WithoutCancel(ctx), r.KeyID, finished); err != nil {
		errs = append(errs, fmt.Errorf("the profiles were regenerated, but their kept definitions could not be dropped (%w): "+
			"'asckeys profiles regenerate --resume' will find them done", err))
	}
	r.Lists.rememberProfiles(deleted, created)
	var out []Regenerated
	for _, g := range done {
		if g != nil {
			out = append(out, *g)
		}
	}
	return out, errors.Join(errs...)
}

// Resume finishes the regenerations whose create failed or never ran: for
// each kept definition, an old profile still listed is deleted first, a
// profile of that name already listed (created, but its answer lost) only
// drops the definition, and the others are created again, their
// certificates and devices checked against today's lists as in Plan.
func (r *Regenerator) Resume(ctx context.Context) ([]Regenerated, error) {
	defs, err := r.Pending.PendingProfiles(r.KeyID)
	if err != nil || len(defs) == 0 {
		return nil, err
	}
	listed, err := r.Lists.profiles(ctx)
	if err != nil {
		return nil, err
	}
	var todo []storage.PendingProfile
	var out []Regenerated
	var already []string
	for _, d := range defs {
		i := slices.IndexFunc(listed, func(p core.Profile) bool { return p.Name == d.Name && p.ID != d.OldID })
		if i >= 0 {
			already = append(already, d.OldID)
			out = append(out, Regenerated{Name: d.Name, OldUUID: d.OldUUID, NewUUID: listed[i].UUID, ID: listed[i].ID})
			continue
		}
		todo = append(todo, d)
	}
	if len(already) > 0 {
		if err := r.Pending.FinishPendingProfiles(ctx, r.KeyID, already); err != nil {
			return out, err
		}
	}
	if len(todo) == 0 {
		return out, nil
	}
	plan, err := r.plan(ctx, todo)
	if err != nil {
		return out, err
	}
	if err := r.Pending.SavePendingProfiles(ctx, plan.Definitions); err != nil {
		return out, err
	}
	done, err := r.run(ctx, plan.Definitions, func(d storage.PendingProfile) error {
		if !slices.ContainsFunc(listed, func(p core.Profile) bool { return p.ID == d.OldID }) {
			return nil // deleted before
		}
		_, err := r.Lists.Client.Profiles.Delete(context.WithoutCancel(ctx), d.OldID)
		return err
	})
	return append(out, done...), err
}

// indexes is 0 to n-1, the jobs of InParallel over a slice.
func indexes(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

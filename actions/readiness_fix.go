package actions

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/provision"
)

// FixPlan is what fixing some cells does, each thing once: the certificates
// to create first (the profiles need them), then the profiles to create and
// to regenerate, then (with install) the profiles to install. Manual are the
// steps only a person can do (a Developer ID certificate); the cells that
// wait on one get no profile step, since it could not make them ready.
type FixPlan struct {
	CertificateTypes []string
	Create           []NewProfile
	Regenerate       []core.Profile
	// Install are profiles fine at Apple to install as they are; the
	// created and regenerated ones are installed too when Install is set.
	Install    []core.Profile
	InstallAll bool
	Manual     []string
	// Usable are the certificates whose key is here, included in every
	// profile made of a fitting type.
	Usable []ListedCertificate
}

// PlanFix joins the steps of cells. With install, the profiles are
// installed too; without, install steps are left out.
func PlanFix(cells []Cell, usable []ListedCertificate, install bool) FixPlan {
	p := FixPlan{InstallAll: install, Usable: usable}
	for _, c := range cells {
		manual := slices.ContainsFunc(c.Steps, func(s FixStep) bool { return s.Action == StepManual })
		for _, s := range c.Steps {
			switch s.Action {
			case StepManual:
				if !slices.Contains(p.Manual, s.Text) {
					p.Manual = append(p.Manual, s.Text)
				}
			case StepCreateCertificate:
				if !slices.Contains(p.CertificateTypes, s.CertificateType) {
					p.CertificateTypes = append(p.CertificateTypes, s.CertificateType)
				}
			case StepCreateProfile:
				if !manual && !slices.ContainsFunc(p.Create, func(n NewProfile) bool { return n.BundleID == s.NewProfile.BundleID && n.Type == s.NewProfile.Type }) {
					p.Create = append(p.Create, *s.NewProfile)
				}
			case StepRegenerateProfile:
				if !manual && !slices.ContainsFunc(p.Regenerate, func(r core.Profile) bool { return r.ID == s.Profile.ID }) {
					p.Regenerate = append(p.Regenerate, *s.Profile)
				}
			case StepInstallProfile:
				if install && !slices.ContainsFunc(p.Install, func(r core.Profile) bool { return r.ID == s.Profile.ID }) {
					p.Install = append(p.Install, *s.Profile)
				}
			}
		}
	}
	return p
}

// ChangesApple reports whether the plan creates or regenerates anything at
// Apple (what must be confirmed first).
func (p FixPlan) ChangesApple() bool {
	return len(p.CertificateTypes)+len(p.Create)+len(p.Regenerate) > 0
}

// Empty reports whether the plan does nothing.
func (p FixPlan) Empty() bool { return !p.ChangesApple() && len(p.Install) == 0 }

// Summary counts what the plan does at Apple, in one line.
func (p FixPlan) Summary() string {
	var parts []string
	if n := len(p.CertificateTypes); n > 0 {
		parts = append(parts, fmt.Sprintf("create %d certificate(s)", n))
	}
	if n := len(p.Create); n > 0 {
		parts = append(parts, fmt.Sprintf("create %d profile(s)", n))
	}
	if n := len(p.Regenerate); n > 0 {
		parts = append(parts, fmt.Sprintf("regenerate %d profile(s)", n))
	}
	if n := len(p.Install); n > 0 || p.InstallAll {
		parts = append(parts, "install them")
	}
	return strings.Join(parts, ", ")
}

// Lines say what the plan does, one thing a line, for the confirmation.
func (p FixPlan) Lines() []string {
	var out []string
	for _, t := range p.CertificateTypes {
		out = append(out, fmt.Sprintf("create a new %s certificate (%s); its private key is made and kept here (it counts against Apple's limit for the type)",
			core.CertificateTypeLabel(t), t))
	}
	for _, n := range p.Create {
		out = append(out, fmt.Sprintf("create the %s profile %q", core.ProfileTypeLabel(n.Type), n.Name))
	}
	for _, r := range p.Regenerate {
		out = append(out, fmt.Sprintf("regenerate the %s profile %q (delete it, create it again with a new UUID)", core.ProfileTypeLabel(r.ProfileType), r.Name))
	}
	made := len(p.Create) + len(p.Regenerate)
	if p.InstallAll && made > 0 {
		out = append(out, fmt.Sprintf("install the %d profile(s) made into both Xcode folders", made))
	}
	for _, r := range p.Install {
		out = append(out, fmt.Sprintf("install the profile %q (%s) into both Xcode folders", r.Name, r.UUID))
	}
	for _, m := range p.Manual {
		out = append(out, "not done here: "+m)
	}
	return out
}

// Fixer carries out a FixPlan.
type Fixer struct {
	Deps    Deps
	Lists   *Lists
	Pending PendingStore
	// Folders are the two Xcode folders profiles are installed into.
	Folders []string
}

// FixResult is what the fix did.
type FixResult struct {
	Certificates []CreatedCertificate
	Created      []core.Profile
	Regenerated  []Regenerated
	Installed    []provision.InstallResult
}

// Run creates the certificates (side by side), then creates and
// regenerates the profiles (side by side, at most the client's MaxInFlight
// requests at once for the key), then installs what the plan installs.
// A failed certificate stops it before any profile is touched; the other
// failures are joined and the rest is still done.
func (f *Fixer) Run(ctx context.Context, plan FixPlan) (FixResult, error) {
	var res FixResult
	var mu sync.Mutex
	var errs []error
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	core.InParallel(ctx, f.Lists.Client.MaxInFlight(), plan.CertificateTypes, func(t string) {
		made, err := CreateCertificate(ctx, f.Deps, t, "")
		if err != nil {
			fail(fmt.Errorf("creating a new %s certificate: %w", core.CertificateTypeLabel(t), err))
			return
		}
		mu.Lock()
		res.Certificates = append(res.Certificates, made)
		mu.Unlock()
	})
	if err := errors.Join(errs...); err != nil {
		return res, fmt.Errorf("%w: no profile was changed", err)
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	usable := slices.Clone(plan.Usable)
	var made []core.Certificate
	for _, c := range res.Certificates {
		cert := core.Certificate{ID: c.ID, Name: c.Name, CertificateType: c.CertificateType, SerialNumber: c.SerialNumber, ExpirationDate: c.ExpirationDate}
		made = append(made, cert)
		usable = append(usable, ListedCertificate{Certificate: cert, HasPrivateKey: true})
	}
	f.Lists.rememberCertificates(made, nil)
	fitting := func(profileType string) []string {
		fit := core.CertificateTypesForProfile(profileType)
		var out []string
		for _, c := range usable {
			if slices.Contains(fit, c.CertificateType) {
				out = append(out, c.ID)
			}
		}
		return out
	}

	var wg sync.WaitGroup
	var contents = map[string][]byte{} // profile id -> content, of the created ones
	if len(plan.Regenerate) > 0 {
		wg.Go(func() {
			r := &Regenerator{Lists: f.Lists, Pending: f.Pending, KeyID: f.Deps.Key.ID, AllDevices: true}
			rp, err := r.Plan(ctx, plan.Regenerate)
			if err != nil {
				fail(err)
				return
			}
			for i := range rp.Definitions {
				d := &rp.Definitions[i]
				for _, id := range fitting(d.ProfileType) {
					if !slices.Contains(d.CertificateIDs, id) {
						d.CertificateIDs = append(d.CertificateIDs, id)
					}
				}
			}
			done, err := r.Run(ctx, rp)
			mu.Lock()
			res.Regenerated = append(res.Regenerated, done...)
			mu.Unlock()
			if err != nil {
				fail(err)
			}
		})
	}
	if len(plan.Create) > 0 {
		wg.Go(func() {
			core.InParallel(ctx, f.Lists.Client.MaxInFlight(), plan.Create, func(np NewProfile) {
				np.CertificateIDs = fitting(np.Type)
				pp, err := PlanProfile(ctx, f.Lists, np)
				if err == nil {
					// Not CreateProfile: the cache is updated once, below,
					// not once a profile (a write of the whole list each).
					var created core.CreatedProfile
					if created, _, err = f.Lists.Client.Profiles.Create(ctx, pp.Create); err == nil {
						created.BundleIdentifier = pp.BundleID.Identifier
						mu.Lock()
						res.Created = append(res.Created, created.Profile)
						contents[created.ID] = created.Content
						mu.Unlock()
						return
					}
				}
				fail(fmt.Errorf("creating the profile %q: %w", np.Name, err))
			})
		})
	}
	wg.Wait()
	f.Lists.rememberProfiles(nil, res.Created)
	if f.Folders == nil || (!plan.InstallAll && len(plan.Install) == 0) {
		return res, errors.Join(errs...)
	}
	toInstall := slices.Clone(plan.Install)
	if plan.InstallAll {
		toInstall = append(toInstall, res.Created...)
		for _, g := range res.Regenerated {
			toInstall = append(toInstall, core.Profile{ID: g.ID, UUID: g.NewUUID, Name: g.Name})
		}
	}
	var fetch []int
	for i, p := range toInstall {
		if contents[p.ID] == nil {
			fetch = append(fetch, i)
		}
	}
	fetched := make([][]byte, len(toInstall))
	core.InParallel(ctx, f.Lists.Client.MaxInFlight(), fetch, func(i int) {
		data, _, err := f.Lists.Client.Profiles.Content(ctx, toInstall[i])
		if err != nil {
			fail(err)
			return
		}
		fetched[i] = data
	})
	// Installed (side by side) beside what they replace, which is then
	// removed in one pass: each provision.Install without keepOld reads both
	// folders again, which is quadratic for a fix of many profiles.
	now := f.Lists.now()
	installs := make([]*provision.InstallResult, len(toInstall))
	core.InParallel(ctx, f.Lists.Client.MaxInFlight(), indexes(len(toInstall)), func(i int) {
		data := contents[toInstall[i].ID]
		if data == nil {
			data = fetched[i]
		}
		if data == nil {
			return // its download failed, said above
		}
		in, err := provision.Install(f.Folders, data, true, now)
		if err != nil {
			fail(fmt.Errorf("installing the profile %q: %w", toInstall[i].Name, err))
			return
		}
		installs[i] = &in
	})
	for _, in := range installs {
		if in != nil {
			res.Installed = append(res.Installed, *in)
		}
	}
	if len(res.Installed) > 0 {
		installed, _, err := provision.Scan(f.Folders, now)
		if err != nil {
			fail(err)
		}
		for _, old := range provision.Select(installed, false, true) {
			for i := range res.Installed {
				in := &res.Installed[i]
				if in.Profile.Name != old.Name || in.Profile.TeamIdentifier != old.Profile.TeamIdentifier || !in.Profile.CreationDate.After(old.Profile.CreationDate) {
					continue
				}
				if err := provision.Remove(old); err != nil {
					fail(err)
				} else {
					in.Removed = append(in.Removed, old)
				}
				break
			}
		}
	}
	return res, errors.Join(errs...)
}

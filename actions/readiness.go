package actions

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/provision"
	"github.com/asckeys/asckeys/storage"
)

// Readiness answers "can I ship this app right now, from this machine?" for
// each bundle ID x kind of distribution (doctor, and the window's Readiness
// view). The check is a pure function (CheckReadiness) over what
// GatherReadiness collects: the four lists (the cache when fresh), which
// certificates have their private key here, and the profiles installed in
// the two Xcode folders. No request is made per bundle ID.
//
// The kinds "as the account has them": development for every bundle ID;
// ad hoc for iOS and universal ones (the Mac has no ad hoc profiles); App
// Store for team accounts; in-house only for enterprise accounts (and then
// no App Store); Developer ID for Mac and universal bundle IDs, and only
// when the team lists a Developer ID Application certificate (Apple lets
// only the Account Holder make one, so a team without one does not
// distribute outside the store). Each kind is checked with one profile
// type: the iOS type for iOS and universal bundle IDs, the macOS type for
// Mac ones, MAC_APP_DIRECT for Developer ID.

// The problem codes of a cell, as the contract names them.
const (
	ProblemNoCertificate      = "no-certificate"
	ProblemNoPrivateKey       = "no-private-key"
	ProblemCertificateExpired = "certificate-expired"
	ProblemNoProfile          = "no-profile"
	ProblemProfileExpired     = "profile-expired"
	ProblemProfileInvalid     = "profile-invalid"
	ProblemMissingCertificate = "profile-missing-certificate"
	ProblemMissingDevices     = "profile-missing-devices"
	ProblemNotInstalled       = "not-installed"
	ProblemInstalledStale     = "installed-stale"
)

// Kinds are the kinds of distribution doctor checks, in column order.
var Kinds = []string{provision.KindDevelopment, provision.KindAdHoc, provision.KindAppStore, provision.KindInHouse, provision.KindDeveloperID}

// CheckKinds refuses a kind doctor does not know.
func CheckKinds(kinds []string) error {
	for _, k := range kinds {
		if !slices.Contains(Kinds, k) {
			return fmt.Errorf("%q is not a kind: use %s", core.SafeText(k), strings.Join(Kinds, ", "))
		}
	}
	return nil
}

// kindProfileType is the profile type a bundle ID of platform uses for
// kind, "" when the account or the platform has no such kind.
func kindProfileType(kind, platform string, account core.KeyKind, developerID bool) string {
	enterprise := account == core.KindEnterprise
	ios := platform == "IOS" || platform == "UNIVERSAL"
	mac := platform == "MAC_OS"
	switch kind {
	case provision.KindDevelopment:
		if mac {
			return "MAC_APP_DEVELOPMENT"
		}
		if ios {
			return "IOS_APP_DEVELOPMENT"
		}
	case provision.KindAdHoc:
		if ios {
			return "IOS_APP_ADHOC"
		}
	case provision.KindAppStore:
		switch {
		case enterprise:
		case mac:
			return "MAC_APP_STORE"
		case ios:
			return "IOS_APP_STORE"
		}
	case provision.KindInHouse:
		if enterprise && ios {
			return "IOS_APP_INHOUSE"
		}
	case provision.KindDeveloperID:
		if developerID && (mac || platform == "UNIVERSAL") {
			return "MAC_APP_DIRECT"
		}
	}
	return ""
}

// ReadinessInput is everything the check looks at.
type ReadinessInput struct {
	Account      core.KeyKind
	Certificates []ListedCertificate
	// Profiles have every certificate and device id of the profiles that
	// may be ready (GatherReadiness completes them).
	Profiles  []core.Profile
	BundleIDs []core.BundleID
	// Devices are the enabled devices.
	Devices []core.Device
	// Installed are the profiles in Folders (provision.Scan).
	Installed []provision.Installed
	Folders   []string
	Now       time.Time
}

// ReadinessFilter narrows the check: bundle IDs by identifier or id, and
// kinds; empty means all.
type ReadinessFilter struct {
	BundleIDs []string
	Kinds     []string
}

// Problem is one reason a cell is not ready.
type Problem struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Cell is one bundle ID x kind: the --json row of doctor.
type Cell struct {
	BundleIdentifier string    `json:"bundleIdentifier"`
	Kind             string    `json:"kind"`
	Ready            bool      `json:"ready"`
	Problems         []Problem `json:"problems"`
	Fix              []string  `json:"fix"`

	BundleID    core.BundleID `json:"-"`
	ProfileType string        `json:"-"`
	// Profile is the profile of the cell at Apple (the best of its kind),
	// nil when there is none.
	Profile *core.Profile `json:"-"`
	// Steps are the fix, as PlanFix joins them.
	Steps []FixStep `json:"-"`
}

// Severity says how far a cell is from ready: 0 ready, 1 only its
// installation here is missing (nothing to change at Apple), 2 otherwise.
func (c Cell) Severity() int {
	if c.Ready {
		return 0
	}
	for _, p := range c.Problems {
		if p.Code != ProblemNotInstalled && p.Code != ProblemInstalledStale {
			return 2
		}
	}
	return 1
}

// Has reports whether the cell has the problem code.
func (c Cell) Has(code string) bool {
	return slices.ContainsFunc(c.Problems, func(p Problem) bool { return p.Code == code })
}

// Summary is the cell's problems in words, one line.
func (c Cell) Summary() string {
	if c.Ready {
		return "ready"
	}
	parts := make([]string, len(c.Problems))
	for i, p := range c.Problems {
		parts[i] = p.Message
	}
	return strings.Join(parts, "; ")
}

// The kinds of fix step.
const (
	StepCreateCertificate = "create-certificate"
	StepCreateProfile     = "create-profile"
	StepRegenerateProfile = "regenerate-profile"
	StepInstallProfile    = "install-profile"
	StepManual            = "manual"
)

// FixStep is one thing the fix does.
type FixStep struct {
	Action string
	// CertificateType is the type to create (create-certificate).
	CertificateType string
	// Profile is the profile to regenerate or install as it is.
	Profile *core.Profile
	// NewProfile is the profile to create.
	NewProfile *NewProfile
	// BundleIdentifier and Kind name the cell a created or regenerated
	// profile is installed for.
	Text string
}

func (s FixStep) String() string { return s.Text }

// CheckReadiness checks every bundle ID x kind of in (narrowed by f): see
// the package comment above for the kinds. Cells come in the order of the
// bundle IDs' identifiers, then Kinds.
func CheckReadiness(in ReadinessInput, f ReadinessFilter) []Cell {
	now := in.Now
	developerID := slices.ContainsFunc(in.Certificates, func(c ListedCertificate) bool {
		return strings.HasPrefix(c.CertificateType, "DEVELOPER_ID_APPLICATION")
	})
	certsByType := map[string][]ListedCertificate{}
	for _, c := range in.Certificates {
		certsByType[c.CertificateType] = append(certsByType[c.CertificateType], c)
	}
	// Which certificates fit a profile type, once per type.
	byProfileType := map[string]*fittingCerts{}
	fitting := func(profileType string) *fittingCerts {
		if f := byProfileType[profileType]; f != nil {
			return f
		}
		f := &fittingCerts{usable: map[string]bool{}}
		for _, t := range core.CertificateTypesForProfile(profileType) {
			for _, cert := range certsByType[t] {
				switch {
				case !cert.ExpirationDate.After(now):
					f.expired = append(f.expired, cert)
				case cert.HasPrivateKey:
					f.usable[cert.ID] = true
				default:
					f.valid = append(f.valid, cert)
				}
			}
		}
		byProfileType[profileType] = f
		return f
	}
	profilesBy := map[[2]string][]*core.Profile{}
	for i := range in.Profiles {
		p := &in.Profiles[i]
		k := [2]string{p.BundleIDID, p.ProfileType}
		profilesBy[k] = append(profilesBy[k], p)
	}
	enabled := map[string][]core.Device{}
	for _, d := range in.Devices {
		if d.Status == "ENABLED" {
			enabled[d.Platform] = append(enabled[d.Platform], d)
		}
	}
	installedByName := map[string][]*provision.Installed{}
	for i := range in.Installed {
		it := &in.Installed[i]
		installedByName[it.Name] = append(installedByName[it.Name], it)
	}
	taken := map[string]bool{}
	for _, p := range in.Profiles {
		taken[p.Name] = true
	}
	newName := func(stem string) string {
		// Room for the " 2" of a name taken, within Apple's length.
		if r := []rune(stem); len(r) > core.MaxProfileNameRunes-4 {
			stem = string(r[:core.MaxProfileNameRunes-4])
		}
		name := stem
		for n := 2; taken[name]; n++ {
			name = fmt.Sprintf("%s %d", stem, n)
		}
		taken[name] = true
		return name
	}
	bundles := slices.Clone(in.BundleIDs)
	slices.SortFunc(bundles, func(a, b core.BundleID) int { return cmp.Compare(a.Identifier, b.Identifier) })
	var cells []Cell
	for _, b := range bundles {
		if len(f.BundleIDs) > 0 && !slices.Contains(f.BundleIDs, b.Identifier) && !slices.Contains(f.BundleIDs, b.ID) {
			continue
		}
		for _, kind := range Kinds {
			if len(f.Kinds) > 0 && !slices.Contains(f.Kinds, kind) {
				continue
			}
			pt := kindProfileType(kind, b.Platform, in.Account, developerID)
			if pt == "" {
				continue
			}
			c := Cell{BundleIdentifier: b.Identifier, Kind: kind, BundleID: b, ProfileType: pt}
			checkCell(&c, in, fitting, profilesBy[[2]string{b.ID, pt}], enabled[ProfileDevicePlatform(pt)], installedByName, newName, now)
			cells = append(cells, c)
		}
	}
	return cells
}

// fittingCerts are the certificates that fit a profile type: usable (valid,
// key here) by id, valid without their key here, and expired.
type fittingCerts struct {
	usable         map[string]bool
	valid, expired []ListedCertificate
}

// checkCell fills c's problems and fix.
func checkCell(c *Cell, in ReadinessInput, certs func(profileType string) *fittingCerts, profiles []*core.Profile,
	devices []core.Device, installedByName map[string][]*provision.Installed, newName func(string) string, now time.Time) {
	fit := core.CertificateTypesForProfile(c.ProfileType)
	fc := certs(c.ProfileType)
	usable, valid, expired := fc.usable, fc.valid, fc.expired
	label := core.ProfileTypeLabel(c.ProfileType)
	add := func(code, msg string, a ...any) {
		c.Problems = append(c.Problems, Problem{code, fmt.Sprintf(msg, a...)})
	}
	needCert := len(usable) == 0
	switch {
	case !needCert:
	case len(valid) > 0:
		add(ProblemNoPrivateKey, "no certificate that signs %s profiles has its private key on this machine: %s is valid, but its key is elsewhere "+
			"(import it with 'asckeys certs import-p12', or let the fix make a new certificate)", label, certNames(valid))
	case len(expired) > 0:
		add(ProblemCertificateExpired, "every certificate that signs %s profiles has expired (%s)", label, certNames(expired))
	default:
		add(ProblemNoCertificate, "the team has no certificate that signs %s profiles (%s)", label, strings.Join(fit, " or "))
	}
	if needCert {
		if core.CheckCertificateCreatable(fit[0]) == nil {
			c.Steps = append(c.Steps, FixStep{Action: StepCreateCertificate, CertificateType: fit[0],
				Text: fmt.Sprintf("create a new %s certificate (%s), its private key kept here", core.CertificateTypeLabel(fit[0]), fit[0])})
		} else {
			c.Steps = append(c.Steps, FixStep{Action: StepManual, Text: fmt.Sprintf("the Account Holder creates a %s certificate on Apple's website or in Xcode; "+
				"import it with its private key here ('asckeys certs import-p12')", core.CertificateTypeLabel(fit[0]))})
		}
	}
	// The best profile of the kind: fewest problems at Apple, then newest.
	var best *core.Profile
	var bestProblems []Problem
	for _, p := range profiles {
		ps := profileProblems(p, usable, needCert, devices, now)
		if best == nil || len(ps) < len(bestProblems) || len(ps) == len(bestProblems) && p.CreatedDate.After(best.CreatedDate.Time) {
			best, bestProblems = p, ps
		}
	}
	if best == nil {
		add(ProblemNoProfile, "no %s profile for %s at Apple", label, c.BundleIdentifier)
		np := NewProfile{Name: newName(c.BundleIdentifier + " " + provision.KindLabel(c.Kind)), Type: c.ProfileType, BundleID: c.BundleID.ID,
			AllDevices: core.ProfileTakesDevices(c.ProfileType)}
		c.Steps = append(c.Steps, FixStep{Action: StepCreateProfile, NewProfile: &np,
			Text: fmt.Sprintf("create the %s profile %q for %s", label, np.Name, c.BundleIdentifier)})
	} else {
		c.Profile = best
		c.Problems = append(c.Problems, bestProblems...)
		if len(bestProblems) > 0 {
			c.Steps = append(c.Steps, FixStep{Action: StepRegenerateProfile, Profile: best,
				Text: fmt.Sprintf("regenerate the %s profile %q (%s) with a certificate whose key is here and every enabled device", label, best.Name, best.UUID)})
		} else if code, msg := installState(best, installedByName[best.Name], in.Folders); code != "" {
			add(code, "%s", msg)
			c.Steps = append(c.Steps, FixStep{Action: StepInstallProfile, Profile: best,
				Text: fmt.Sprintf("install the profile %q (%s) into both Xcode folders", best.Name, best.UUID)})
		}
		if len(bestProblems) > 0 {
			// Reported too, so the user knows what is on this machine; the
			// regenerated profile replaces it when installed.
			if code, msg := installState(best, installedByName[best.Name], in.Folders); code != "" {
				add(code, "%s", msg)
			}
		}
	}
	c.Ready = len(c.Problems) == 0
	c.Fix = make([]string, len(c.Steps))
	for i, s := range c.Steps {
		c.Fix[i] = s.Text
	}
	if c.Problems == nil {
		c.Problems = []Problem{}
	}
}

// profileProblems are what keeps profile p from being used at Apple.
func profileProblems(p *core.Profile, usable map[string]bool, noUsable bool, devices []core.Device, now time.Time) []Problem {
	var out []Problem
	switch {
	case !p.ExpirationDate.After(now):
		out = append(out, Problem{ProblemProfileExpired, fmt.Sprintf("the profile %q expired on %s", p.Name, dateOf(p.ExpirationDate))})
	case p.ProfileState == "INVALID":
		out = append(out, Problem{ProblemProfileInvalid, fmt.Sprintf("Apple marks the profile %q INVALID (a certificate revoked or a capability changed)", p.Name)})
	}
	if noUsable || !slices.ContainsFunc(p.CertificateIDs, func(id string) bool { return usable[id] }) {
		out = append(out, Problem{ProblemMissingCertificate, fmt.Sprintf("the profile %q includes no valid certificate whose private key is here", p.Name)})
	}
	if core.ProfileTakesDevices(p.ProfileType) {
		has := make(map[string]bool, len(p.DeviceIDs))
		for _, id := range p.DeviceIDs {
			has[id] = true
		}
		var missing []string
		for _, d := range devices {
			if !has[d.ID] {
				missing = append(missing, d.Name)
			}
		}
		if len(missing) > 0 {
			out = append(out, Problem{ProblemMissingDevices, fmt.Sprintf("the profile %q lacks %d enabled device(s): %s", p.Name, len(missing), shortList(missing, 3))})
		}
	}
	return out
}

// installState says whether profile p is installed in every folder at its
// UUID: "" when it is; else the code and the words.
func installState(p *core.Profile, sameName []*provision.Installed, folders []string) (string, string) {
	for _, in := range sameName {
		if !strings.EqualFold(in.UUID, p.UUID) {
			continue
		}
		var missing []string
		for _, f := range folders {
			if !slices.Contains(in.Folders, f) {
				missing = append(missing, f)
			}
		}
		if len(missing) == 0 {
			return "", ""
		}
		return ProblemInstalledStale, fmt.Sprintf("the profile %q is installed, but not in the %s folder", p.Name,
			strings.Join(provision.FolderNames(folders, missing), " and "))
	}
	if len(sameName) > 0 {
		return ProblemInstalledStale, fmt.Sprintf("an older copy of the profile %q is installed (%s), not Apple's newest (%s)", p.Name, sameName[0].UUID, p.UUID)
	}
	return ProblemNotInstalled, fmt.Sprintf("the profile %q is not installed on this machine", p.Name)
}

func certNames(cs []ListedCertificate) string {
	var names []string
	for _, c := range cs[:min(len(cs), 2)] {
		names = append(names, fmt.Sprintf("%q, serial %s, expires %s", c.Label(), c.SerialNumber, dateOf(c.ExpirationDate)))
	}
	if len(cs) > 2 {
		return fmt.Sprintf("%s and %d more", strings.Join(names, ", "), len(cs)-2)
	}
	return strings.Join(names, ", ")
}

func shortList(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:n], ", "), len(items)-n)
}

// GatherReadiness collects what CheckReadiness looks at: the four lists from
// l (side by side; the cache when fresh), which certificates have their
// private key here (d's vault), the ids of the profiles whose listing left
// some out (only those, MaxInFlight at a time), and the profiles installed
// in folders. A keychain that cannot be read comes back as a warning: the
// check then says no key is here.
func GatherReadiness(ctx context.Context, d Deps, l *Lists, folders []string) (in ReadinessInput, warning error, err error) {
	in = ReadinessInput{Account: d.Key.Kind, Folders: folders, Now: l.now()}
	var certs []core.Certificate
	var errs [4]error
	var wg sync.WaitGroup
	wg.Go(func() { certs, errs[0] = l.certificates(ctx, nil) })
	wg.Go(func() { in.Profiles, errs[1] = l.profiles(ctx) })
	wg.Go(func() { in.BundleIDs, errs[2] = l.bundleIDs(ctx) })
	wg.Go(func() { in.Devices, errs[3] = l.enabledDevices(ctx, "") })
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		return in, nil, err
	}
	in.Profiles = slices.Clone(in.Profiles)
	in.Certificates, warning = WithPrivateKeys(ctx, d, certs)
	var short []int
	for i, p := range in.Profiles {
		if p.ExpirationDate.After(in.Now) && p.ProfileState != "INVALID" &&
			(len(p.CertificateIDs) < p.CertificateCount || len(p.DeviceIDs) < p.DeviceCount) {
			short = append(short, i)
		}
	}
	cerrs := make([]error, len(in.Profiles))
	core.InParallel(ctx, l.Client.MaxInFlight(), short, func(i int) {
		p := &in.Profiles[i]
		p.CertificateIDs, p.DeviceIDs = slices.Clone(p.CertificateIDs), slices.Clone(p.DeviceIDs)
		_, cerrs[i] = l.Client.Profiles.CompleteIDs(ctx, p, true, true)
	})
	if err := errors.Join(cerrs...); err != nil {
		return in, warning, err
	}
	if err := ctx.Err(); err != nil {
		return in, warning, err
	}
	installed, err := ScanInstalled(folders, in.Profiles, in.Now)
	if err != nil {
		return in, warning, err
	}
	in.Installed = installed
	return in, warning, nil
}

// ScanInstalled lists the profiles in folders for the check: what it needs
// is each installed UUID, the folders it is in, and its name. A file named
// after the UUID of a profile Apple lists is that profile, named as Apple
// lists it, without reading it; only the others (older copies, profiles of
// other teams) are read and decoded (provision.Decode), since decoding and
// verifying every installed profile would cost milliseconds each. Links
// and files that are not profiles are left out, as provision.Scan does.
func ScanInstalled(folders []string, profiles []core.Profile, now time.Time) ([]provision.Installed, error) {
	names := map[string]string{}
	for _, p := range profiles {
		names[strings.ToUpper(p.UUID)] = p.Name
	}
	byUUID := map[string]*provision.Installed{}
	var order []string
	for _, dir := range folders {
		entries, err := os.ReadDir(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("listing %s: %w", dir, err)
		}
		for _, e := range entries {
			stem, ok := strings.CutSuffix(e.Name(), provision.Ext)
			if !ok || !e.Type().IsRegular() {
				continue
			}
			path := filepath.Join(dir, e.Name())
			key := strings.ToUpper(stem)
			in := byUUID[key]
			if in == nil {
				name, listed := names[key]
				if !listed || !provision.IsUUID(stem) {
					data, err := provision.ReadFile(path)
					if err != nil {
						continue
					}
					p, err := provision.Decode(data, now)
					if err != nil {
						continue
					}
					stem, name, key = p.UUID, p.Name, strings.ToUpper(p.UUID)
					if in = byUUID[key]; in != nil {
						in.Folders = appendNew(in.Folders, dir)
						continue
					}
				}
				in = &provision.Installed{UUID: stem, Name: name}
				byUUID[key] = in
				order = append(order, key)
			}
			in.Folders = appendNew(in.Folders, dir)
			in.Paths = append(in.Paths, path)
		}
	}
	out := make([]provision.Installed, len(order))
	for i, k := range order {
		out[i] = *byUUID[k]
	}
	return out, nil
}

func appendNew(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

// bundleIDs returns every bundle ID.
func (l *Lists) bundleIDs(ctx context.Context) ([]core.BundleID, error) {
	if items, ok := fresh(l, l.cachedLists().BundleIDs); ok {
		return items, nil
	}
	bs, _, err := l.Client.BundleIDs.List(ctx, nil)
	return bs, err
}

// rememberCertificates adds certificates made here to the cached list, so
// that the profiles made next (and the window) see them.
func (l *Lists) rememberCertificates(created []core.Certificate, revoked []string) {
	l.remember(func(cl *storage.CachedLists) {
		if cl.Certificates == nil {
			return
		}
		items := slices.DeleteFunc(slices.Clone(cl.Certificates.Items), func(c core.Certificate) bool { return slices.Contains(revoked, c.ID) })
		cl.Certificates.Items = append(items, created...)
	})
}

package actions

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/asckeys/asckeys/core"
)

// NewProfile is a profile as the user describes it.
type NewProfile struct {
	Name string
	// Type is a profile type such as IOS_APP_STORE.
	Type string
	// BundleID is the bundle ID's identifier (com.example.app) or its id.
	BundleID string
	// CertificateIDs are the certificates to include; none means every valid
	// certificate whose type fits Type.
	CertificateIDs []string
	// DeviceIDs are the devices to include; for development and ad hoc
	// types none means every enabled device of the type's platform, which
	// AllDevices asks for explicitly (and adds to DeviceIDs).
	DeviceIDs  []string
	AllDevices bool
}

// ProfilePlan is a profile checked and ready to be created.
type ProfilePlan struct {
	Create   core.ProfileCreate
	BundleID core.BundleID
	// Certificates are the certificates included.
	Certificates []core.Certificate
}

// String says what will be created, for the confirmation.
func (p ProfilePlan) String() string {
	s := fmt.Sprintf("%s profile %q for %s with %d certificate(s)", core.ProfileTypeLabel(p.Create.Type), p.Create.Name,
		p.BundleID.Identifier, len(p.Create.CertificateIDs))
	if core.ProfileTakesDevices(p.Create.Type) {
		s += fmt.Sprintf(" and %d device(s)", len(p.Create.DeviceIDs))
	}
	return s
}

// ProfileDevicePlatform is the platform of the devices a profile of
// profileType runs on: Macs for macOS and Mac Catalyst profiles, IOS (iPhone,
// iPad, Apple TV, Watch, Vision Pro) for the others.
func ProfileDevicePlatform(profileType string) string {
	if strings.HasPrefix(profileType, "MAC_") {
		return "MAC_OS"
	}
	return "IOS"
}

// PlanProfile checks everything Apple would refuse about np before any
// POST, each with its own message, and fills in the default certificates
// and devices. It reads the lists it needs from l (the cache when fresh).
func PlanProfile(ctx context.Context, l *Lists, np NewProfile) (ProfilePlan, error) {
	np.Type = strings.ToUpper(strings.TrimSpace(np.Type))
	if err := core.CheckProfileName(np.Name); err != nil {
		return ProfilePlan{}, err
	}
	if err := core.CheckProfileType(np.Type); err != nil {
		return ProfilePlan{}, err
	}
	takes := core.ProfileTakesDevices(np.Type)
	if !takes && (len(np.DeviceIDs) > 0 || np.AllDevices) {
		return ProfilePlan{}, core.CheckProfileDevices(np.Type, max(len(np.DeviceIDs), 1))
	}
	if p, taken, err := l.profileNamed(ctx, np.Name); err != nil {
		return ProfilePlan{}, err
	} else if taken {
		return ProfilePlan{}, fmt.Errorf("a profile named %q already exists (%s, id %s): choose another name, "+
			"or regenerate that one with 'asckeys profiles regenerate %s'", p.Name, core.ProfileTypeLabel(p.ProfileType), p.ID, p.ID)
	}
	b, err := l.bundleID(ctx, np.BundleID)
	if err != nil {
		return ProfilePlan{}, err
	}
	certs, err := pickCertificates(ctx, l, np.Type, np.CertificateIDs)
	if err != nil {
		return ProfilePlan{}, err
	}
	plan := ProfilePlan{BundleID: b, Certificates: certs, Create: core.ProfileCreate{
		Name: np.Name, Type: np.Type, BundleIDID: b.ID, CertificateIDs: ids(certs, func(c core.Certificate) string { return c.ID }),
	}}
	if takes {
		if plan.Create.DeviceIDs, err = pickDevices(ctx, l, np.Type, np.DeviceIDs, np.AllDevices || len(np.DeviceIDs) == 0); err != nil {
			return ProfilePlan{}, err
		}
	}
	return plan, nil
}

// pickCertificates returns the certificates named, each checked to fit
// profileType, or when none is named every valid one that fits.
func pickCertificates(ctx context.Context, l *Lists, profileType string, named []string) ([]core.Certificate, error) {
	fit := core.CertificateTypesForProfile(profileType)
	var types []string // every type: a named certificate of another type must be found to be refused
	if len(named) == 0 {
		types = fit
	}
	listed, err := l.certificates(ctx, types)
	if err != nil {
		return nil, err
	}
	now := l.now()
	if len(named) == 0 {
		valid := slices.DeleteFunc(listed, func(c core.Certificate) bool { return !c.ExpirationDate.After(now) })
		if len(valid) == 0 {
			return nil, fmt.Errorf("no valid certificate can sign %s profiles: create one with 'asckeys certs create --type %s'",
				core.ProfileTypeLabel(profileType), fit[0])
		}
		return valid, nil
	}
	var out []core.Certificate
	for _, id := range dedupe(named) {
		i := slices.IndexFunc(listed, func(c core.Certificate) bool { return c.ID == id || strings.EqualFold(c.SerialNumber, id) })
		if i < 0 {
			return nil, fmt.Errorf("no certificate with id %q: list them with 'asckeys certs list'", core.SafeText(id))
		}
		c := listed[i]
		if err := core.CheckCertificateFitsProfile(profileType, c.CertificateType); err != nil {
			return nil, fmt.Errorf("certificate %s: %w", c.ID, err)
		}
		if !c.ExpirationDate.After(now) {
			return nil, fmt.Errorf("the certificate %s (%s) expired on %s: choose a valid one, or leave --cert out to use every valid one",
				c.ID, cmp.Or(c.DisplayName, c.Name), c.ExpirationDate.Format("2006-01-02"))
		}
		out = append(out, c)
	}
	return out, nil
}

// pickDevices returns the devices named, plus with all every enabled device
// of the profile type's platform; none at all is refused.
func pickDevices(ctx context.Context, l *Lists, profileType string, named []string, all bool) ([]string, error) {
	out := dedupe(named)
	if all {
		devs, err := l.enabledDevices(ctx, ProfileDevicePlatform(profileType))
		if err != nil {
			return nil, err
		}
		for _, d := range devs {
			if !slices.Contains(out, d.ID) {
				out = append(out, d.ID)
			}
		}
	}
	if err := core.CheckProfileDevices(profileType, len(out)); err != nil {
		return nil, err
	}
	return out, nil
}

// CreateProfile creates the planned profile (one POST; core tries once more
// only after Apple's generic 409, which made nothing).
func CreateProfile(ctx context.Context, l *Lists, plan ProfilePlan) (core.CreatedProfile, error) {
	created, _, err := l.Client.Profiles.Create(ctx, plan.Create)
	if err != nil {
		return core.CreatedProfile{}, err
	}
	created.BundleIdentifier = plan.BundleID.Identifier
	l.rememberProfiles(nil, []core.Profile{created.Profile})
	return created, nil
}

// FindProfiles returns the listed profiles named by refs (id or UUID), in
// order; an unknown one is an error before anything is changed.
func FindProfiles(ctx context.Context, l *Lists, refs []string) ([]core.Profile, error) {
	refs = dedupe(refs)
	if len(refs) == 0 {
		return nil, errors.New("name the profiles: their ids or UUIDs (see 'asckeys profiles list')")
	}
	listed, err := l.profiles(ctx)
	if err != nil {
		return nil, err
	}
	var out []core.Profile
	for _, ref := range refs {
		i := slices.IndexFunc(listed, func(p core.Profile) bool { return p.ID == ref || strings.EqualFold(p.UUID, ref) })
		if i < 0 {
			return nil, fmt.Errorf("no profile with id or UUID %q: list them with 'asckeys profiles list'", core.SafeText(ref))
		}
		out = append(out, listed[i])
	}
	return out, nil
}

// DescribeProfiles names profiles for a question: name, type and UUID.
func DescribeProfiles(ps []core.Profile) string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = fmt.Sprintf("%q (%s, %s)", p.Name, core.ProfileTypeLabel(p.ProfileType), p.UUID)
	}
	return strings.Join(names, ", ")
}

// DeleteQuestion is the confirmation of deleting profiles.
func DeleteQuestion(ps []core.Profile) string {
	return fmt.Sprintf("Delete %d profile(s): %s at Apple? This cannot be undone.", len(ps), DescribeProfiles(ps))
}

// RegenerateQuestion is the confirmation of regenerating profiles.
func RegenerateQuestion(ps []core.Profile) string {
	return fmt.Sprintf("Delete and create again %d profile(s): %s? Each gets a new UUID; installed copies must be replaced.",
		len(ps), DescribeProfiles(ps))
}

// DeleteProfiles deletes each profile, one DELETE each, and returns the
// ids deleted; it stops at the first failure.
func DeleteProfiles(ctx context.Context, l *Lists, profiles []core.Profile) ([]string, error) {
	var done []string
	defer func() { l.rememberProfiles(done, nil) }()
	for _, p := range profiles {
		if _, err := l.Client.Profiles.Delete(ctx, p.ID); err != nil {
			if len(done) > 0 {
				err = fmt.Errorf("%w (%d profile(s) before it were deleted)", err, len(done))
			}
			return done, err
		}
		done = append(done, p.ID)
	}
	return done, nil
}

// dedupe drops repeated and empty values, keeping the order.
func dedupe(vals []string) []string {
	var out []string
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func ids[T any](items []T, id func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}

package actions

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/asckeys/asckeys/core"
)

// RenewPlan is what renewing a certificate does, known from GETs only: the
// certificate, and every profile that includes it (made again with the new
// certificate instead).
type RenewPlan struct {
	Old      core.Certificate
	Profiles []core.Profile
	// RevokeOld revokes the old certificate after the profiles are made
	// again; RevokeFirst revokes it before anything is created, the order
	// that works when its type is at Apple's limit.
	RevokeOld, RevokeFirst bool
}

// PlanRenew finds the certificate ref names (an id or a serial) and the
// profiles that include it. It sends only GETs. A certificate type that
// cannot be created with an API key (Developer ID) is refused here.
func PlanRenew(ctx context.Context, d Deps, ref string) (RenewPlan, error) {
	if err := checkKey(d); err != nil {
		return RenewPlan{}, err
	}
	certs, _, err := d.Client.Certificates.List(ctx, nil)
	if err != nil {
		return RenewPlan{}, err
	}
	picked, err := findCertificates(certs, []string{ref})
	if err != nil {
		return RenewPlan{}, err
	}
	old := picked[0]
	if err := core.CheckCertificateCreatable(old.CertificateType); err != nil {
		return RenewPlan{}, fmt.Errorf("%q cannot be renewed here: %w", old.Label(), err)
	}
	profiles, _, err := d.Client.Profiles.List(ctx, nil)
	if err != nil {
		return RenewPlan{}, err
	}
	plan := RenewPlan{Old: old}
	fit := func(p core.Profile) bool {
		return slices.Contains(core.CertificateTypesForProfile(p.ProfileType), old.CertificateType)
	}
	for i := range profiles {
		p := &profiles[i]
		if !fit(*p) {
			continue // cannot include it: no request for its ids
		}
		if _, err := d.Client.Profiles.CompleteIDs(ctx, p, true, false); err != nil {
			return RenewPlan{}, err
		}
		if slices.Contains(p.CertificateIDs, old.ID) {
			plan.Profiles = append(plan.Profiles, *p)
		}
	}
	return plan, nil
}

// Lines say what the plan does, for the dry run and the confirmation.
func (p RenewPlan) Lines() []string {
	label := core.CertificateTypeLabel(p.Old.CertificateType)
	var out []string
	if p.RevokeFirst {
		out = append(out, fmt.Sprintf("revoke the certificate %q (serial %s) first: until the new one exists, builds cannot be signed with it and the profiles below are INVALID",
			p.Old.Label(), p.Old.SerialNumber))
	}
	out = append(out, fmt.Sprintf("create a new %s certificate (%s), its private key made and kept here", label, p.Old.CertificateType))
	for _, pr := range p.Profiles {
		out = append(out, fmt.Sprintf("regenerate the %s profile %q (%s) with the new certificate instead of the old", core.ProfileTypeLabel(pr.ProfileType), pr.Name, pr.UUID))
	}
	if len(p.Profiles) == 0 {
		out = append(out, "no profile includes the old certificate: none to regenerate")
	}
	if p.RevokeOld && !p.RevokeFirst {
		out = append(out, fmt.Sprintf("then revoke the old certificate %q (serial %s)", p.Old.Label(), p.Old.SerialNumber))
	}
	return out
}

// RenewedProfile is a profile made again by a renewal.
type RenewedProfile struct {
	Name    string `json:"name"`
	OldUUID string `json:"oldUuid"`
	NewUUID string `json:"newUuid"`
}

// RenewResult is what Renew did: the --json document.
type RenewResult struct {
	OldID       string           `json:"oldId"`
	NewID       string           `json:"newId"`
	Regenerated []RenewedProfile `json:"regenerated"`
	Revoked     bool             `json:"revoked"`
	// Created is the new certificate.
	Created CreatedCertificate `json:"-"`
}

// RenewLimitError is a renewal refused because the certificate's type is at
// Apple's limit: nothing was changed, and the order that works is to
// revoke the old certificate first. Affected are what stops working in
// between.
type RenewLimitError struct {
	Old      core.Certificate
	Affected []core.Profile
	Err      *LimitError
}

func (e *RenewLimitError) Error() string {
	what := "builds cannot be signed with it until the new certificate exists"
	if n := len(e.Affected); n > 0 {
		names := make([]string, n)
		for i, p := range e.Affected {
			names[i] = fmt.Sprintf("%q", p.Name)
		}
		what = fmt.Sprintf("builds cannot be signed with it, and %s stop working until they are regenerated", strings.Join(names, ", "))
	}
	return fmt.Sprintf("the team already has as many %s certificates as Apple allows, so a new one cannot be made beside %q: nothing was changed; "+
		"the order that works is to revoke it first: 'asckeys certs renew %s --revoke-first' (in between, %s; Apple is reported to count a revoked "+
		"certificate until it expires, in which case revoke another one of the type instead: %s)",
		core.CertificateTypeLabel(e.Old.CertificateType), e.Old.Label(), e.Old.ID, what, e.Err.Error())
}

func (e *RenewLimitError) Unwrap() error { return e.Err }

// Renew carries out the plan: the new certificate (CreateCertificate), then
// every profile that included the old one regenerated with the same name,
// type, bundle ID, devices and other certificates and the new certificate
// instead of the old (Regenerator, whose kept definitions resume a failed
// create), then the old one revoked when asked. With RevokeFirst the old
// one is revoked before the create.
func Renew(ctx context.Context, d Deps, l *Lists, pending PendingStore, plan RenewPlan) (RenewResult, error) {
	res := RenewResult{OldID: plan.Old.ID, Regenerated: []RenewedProfile{}}
	revoke := func() error {
		if _, err := Revoke(ctx, d, RevokePlan{Certificates: []core.Certificate{plan.Old}}, false); err != nil {
			return err
		}
		res.Revoked = true
		l.rememberCertificates(nil, []string{plan.Old.ID})
		return nil
	}
	if plan.RevokeFirst {
		if err := revoke(); err != nil {
			return res, fmt.Errorf("%w: nothing was changed", err)
		}
	}
	made, err := CreateCertificate(ctx, d, plan.Old.CertificateType, "")
	if err != nil {
		var limit *LimitError
		if errors.As(err, &limit) && !plan.RevokeFirst {
			return res, &RenewLimitError{Old: plan.Old, Affected: plan.Profiles, Err: limit}
		}
		if plan.RevokeFirst {
			return res, fmt.Errorf("the old certificate %s was revoked, but creating its successor failed: %w; once Apple makes room, run "+
				"'asckeys certs create --type %s', then 'asckeys doctor --fix' regenerates its profiles", plan.Old.ID, err, plan.Old.CertificateType)
		}
		return res, err
	}
	res.NewID, res.Created = made.ID, made
	l.rememberCertificates([]core.Certificate{{ID: made.ID, Name: made.Name, CertificateType: made.CertificateType,
		SerialNumber: made.SerialNumber, ExpirationDate: made.ExpirationDate}}, nil)
	if len(plan.Profiles) > 0 {
		r := &Regenerator{Lists: l, Pending: pending, KeyID: d.Key.ID}
		rp, err := r.Plan(ctx, plan.Profiles)
		if err != nil {
			return res, fmt.Errorf("the new certificate %s was made, but its profiles were not regenerated: %w", made.ID, err)
		}
		for i := range rp.Definitions {
			def := &rp.Definitions[i]
			def.CertificateIDs = slices.DeleteFunc(def.CertificateIDs, func(id string) bool { return id == plan.Old.ID })
			if !slices.Contains(def.CertificateIDs, made.ID) {
				def.CertificateIDs = append(def.CertificateIDs, made.ID)
			}
		}
		done, err := r.Run(ctx, rp)
		for _, g := range done {
			res.Regenerated = append(res.Regenerated, RenewedProfile{Name: g.Name, OldUUID: g.OldUUID, NewUUID: g.NewUUID})
		}
		if err != nil {
			return res, fmt.Errorf("the new certificate %s was made; %w", made.ID, err)
		}
	}
	if plan.RevokeOld && !plan.RevokeFirst {
		if err := revoke(); err != nil {
			return res, fmt.Errorf("the new certificate %s was made and the profiles regenerated, but revoking the old one failed: %w", made.ID, err)
		}
	}
	return res, nil
}

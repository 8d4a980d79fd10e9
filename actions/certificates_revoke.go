package actions

import (
	"cmp"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/identity"
	"github.com/asckeys/asckeys/storage"
)

// AffectedProfile is a profile that includes a certificate about to be
// revoked: Apple turns it INVALID.
type AffectedProfile struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	UUID string `json:"uuid"`
	// ProfileType and CertificateID (the revoked certificate it includes)
	// are for the text output.
	ProfileType   string `json:"-"`
	CertificateID string `json:"-"`
}

// RevokePlan is what revoking some certificates does, known from GETs only.
type RevokePlan struct {
	Certificates []core.Certificate
	Affected     []AffectedProfile
}

// PlanRevoke finds the certificates refs name (ids or serial numbers) and
// every profile that includes one of them. It sends only GETs: the two
// listings, and the rest of a profile's certificates when it has more than a
// listing includes (Profiles.CompleteIDs).
func PlanRevoke(ctx context.Context, d Deps, refs []string) (RevokePlan, error) {
	if err := checkKey(d); err != nil {
		return RevokePlan{}, err
	}
	certs, _, err := d.Client.Certificates.List(ctx, nil)
	if err != nil {
		return RevokePlan{}, err
	}
	picked, err := findCertificates(certs, refs)
	if err != nil {
		return RevokePlan{}, err
	}
	profiles, _, err := d.Client.Profiles.List(ctx, nil)
	if err != nil {
		return RevokePlan{}, err
	}
	plan := RevokePlan{Certificates: picked}
	for i := range profiles {
		p := &profiles[i]
		if _, err := d.Client.Profiles.CompleteIDs(ctx, p, true, false); err != nil {
			return RevokePlan{}, err
		}
		for _, c := range picked {
			if slices.Contains(p.CertificateIDs, c.ID) {
				plan.Affected = append(plan.Affected, AffectedProfile{ID: p.ID, Name: p.Name, UUID: p.UUID, ProfileType: p.ProfileType, CertificateID: c.ID})
			}
		}
	}
	// By name, as a person looks for them (the listing's order is Apple's ids).
	slices.SortStableFunc(plan.Affected, func(a, b AffectedProfile) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID))
	})
	return plan, nil
}

// Question is the confirmation of the plan in the user's words: which
// certificates are revoked and which profiles stop working with them; with
// deleteKeys, that their private keys are removed from this machine.
func (p RevokePlan) Question(deleteKeys bool) string {
	names := make([]string, len(p.Certificates))
	for i, c := range p.Certificates {
		names[i] = fmt.Sprintf("%q", c.Label())
	}
	q := "Revoke " + strings.Join(names, ", ") + "?"
	switch n := len(p.Affected); n {
	case 0:
		q += " No profile includes it."
	default:
		ps := make([]string, n)
		for i, a := range p.Affected {
			ps[i] = fmt.Sprintf("%q", a.Name)
		}
		q += fmt.Sprintf(" %d profile(s) include it and stop working: %s.", n, strings.Join(ps, ", "))
	}
	if deleteKeys {
		q += " Its private key is removed from this machine for good."
	}
	return q
}

// RevokeResult is what Revoke did: the --json document.
type RevokeResult struct {
	Revoked          []string          `json:"revoked"`
	AffectedProfiles []AffectedProfile `json:"affectedProfiles"`
	// KeysDeleted counts the private keys removed from this machine's
	// keychain (deleteKeys).
	KeysDeleted int `json:"-"`
}

// Unrevoked is the result of revoking nothing (a dry run): the affected
// profiles, no certificate revoked; empty lists, not null, in JSON.
func (p RevokePlan) Unrevoked() RevokeResult {
	res := RevokeResult{Revoked: []string{}, AffectedProfiles: p.Affected}
	if res.AffectedProfiles == nil {
		res.AffectedProfiles = []AffectedProfile{}
	}
	return res
}

// Revoke revokes the plan's certificates, one DELETE each, in order, and
// stops at the first failure, whose error says which were revoked already.
// The private keys stay in the keychain (a revoked certificate's key signs
// nothing Apple accepts, but removing a secret is the user's call) unless
// deleteKeys.
func Revoke(ctx context.Context, d Deps, plan RevokePlan, deleteKeys bool) (RevokeResult, error) {
	res := plan.Unrevoked()
	var byCert map[string]string
	if deleteKeys {
		var err error
		if byCert, err = certificateKeys(ctx, d, plan.Certificates); err != nil {
			return res, err
		}
	}
	for _, c := range plan.Certificates {
		if _, err := d.Client.Certificates.Revoke(ctx, c.ID); err != nil {
			if len(res.Revoked) > 0 {
				return res, fmt.Errorf("%w (revoked already: %s)", err, strings.Join(res.Revoked, ", "))
			}
			return res, err
		}
		res.Revoked = append(res.Revoked, c.ID)
		spki, ok := byCert[c.ID]
		if !ok {
			continue
		}
		switch err := d.Vault.RemoveIdentity(ctx, spki); {
		case err == nil:
			res.KeysDeleted++
		case errors.Is(err, storage.ErrIdentityNotFound):
		default:
			return res, fmt.Errorf("the certificate %s was revoked, but its private key could not be removed: %w", c.ID, err)
		}
	}
	return res, nil
}

// ExportResult is what ExportP12 wrote.
type ExportResult struct {
	Certificate core.Certificate
	Path        string
}

// ExportP12 writes the certificate ref (an id or serial) with its private
// key as a .p12 at path, protected by password: legacy encoding (3DES,
// SHA-1 MAC) that every importer reads, or AES-256/SHA-256 with modern. The
// file is created with mode 0600 and never replaces an existing one.
func ExportP12(ctx context.Context, d Deps, ref, path, password string, modern bool) (ExportResult, error) {
	if err := checkKey(d); err != nil {
		return ExportResult{}, err
	}
	if _, err := os.Lstat(path); err == nil {
		return ExportResult{}, fmt.Errorf("%s exists already: choose another file name, or remove it first", path)
	}
	certs, _, err := d.Client.Certificates.List(ctx, nil)
	if err != nil {
		return ExportResult{}, err
	}
	picked, err := findCertificates(certs, []string{ref})
	if err != nil {
		return ExportResult{}, err
	}
	c := picked[0]
	der, _, err := d.Client.Certificates.Content(ctx, c)
	if err != nil {
		return ExportResult{}, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return ExportResult{}, fmt.Errorf("the certificate %s does not parse: %w", c.ID, err)
	}
	kctx, cancel := storage.WithInteractiveTimeout(ctx)
	defer cancel()
	key, err := d.Vault.IdentityKey(kctx, identity.SPKIHash(cert.PublicKey))
	if err != nil {
		return ExportResult{}, fmt.Errorf("exporting %q: %w", c.Label(), err)
	}
	data, err := identity.EncodeP12(cert, key, password, modern)
	if err != nil {
		return ExportResult{}, err
	}
	if err := writeNew(path, data); err != nil {
		return ExportResult{}, err
	}
	return ExportResult{Certificate: c, Path: path}, nil
}

// writeNew creates path with mode 0600 and writes data, refusing an
// existing file (O_EXCL: not even a symlink planted meanwhile is followed).
// A failed write removes the partial file.
func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s exists already: choose another file name, or remove it first", path)
	}
	if err != nil {
		return fmt.Errorf("creating %s: %w", path, err)
	}
	_, werr := f.Write(data)
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		_ = os.Remove(path)
		return fmt.Errorf("writing %s: %w: nothing was left there", path, err)
	}
	return nil
}

// ImportP12 stores the private key of a .p12 (data, opened with password)
// in the keychain, after checking that its certificate is one Apple lists
// for this team: afterwards that certificate has its private key here and
// can be exported. A wrong password matches identity.ErrWrongPassword.
func ImportP12(ctx context.Context, d Deps, data []byte, password string) (ListedCertificate, error) {
	if err := checkKey(d); err != nil {
		return ListedCertificate{}, err
	}
	// A wrong password is identity.ErrWrongPassword, whose message starts
	// with "wrong password".
	id, err := identity.DecodeP12(data, password)
	if err != nil {
		return ListedCertificate{}, err
	}
	serial := fmt.Sprintf("%X", id.Certificate.SerialNumber)
	certs, _, err := d.Client.Certificates.List(ctx, nil)
	if err != nil {
		return ListedCertificate{}, err
	}
	spki := id.SPKI()
	var match *core.Certificate
	for i, c := range certs {
		if sameSerial(c.SerialNumber, serial) {
			match = &certs[i]
			break
		}
	}
	if match == nil {
		return ListedCertificate{}, fmt.Errorf("the certificate in the .p12 (%q, serial %s) is not one this team's key lists (revoked, expired, or another team's): nothing was stored; import it with the key of its team",
			core.SafeText(id.Certificate.Subject.CommonName), serial)
	}
	// The serial is Apple's to give once; the public key makes sure.
	der, _, err := d.Client.Certificates.Content(ctx, *match)
	if err != nil {
		return ListedCertificate{}, err
	}
	listed, err := x509.ParseCertificate(der)
	if err != nil || identity.SPKIHash(listed.PublicKey) != spki {
		return ListedCertificate{}, fmt.Errorf("the .p12's certificate has the serial of %s but another public key: nothing was stored", match.ID)
	}
	kctx, cancel := storage.WithInteractiveTimeout(ctx)
	defer cancel()
	if _, err := d.Vault.ImportIdentity(kctx, d.Key.ID, id.Key); err != nil {
		return ListedCertificate{}, err
	}
	if err := d.Vault.RecordIdentityCertificate(ctx, spki, match.ID); err != nil {
		return ListedCertificate{}, fmt.Errorf("the private key was stored, but not recorded against the certificate %s: %w", match.ID, err)
	}
	return ListedCertificate{Certificate: *match, HasPrivateKey: true}, nil
}

// sameSerial compares serial numbers as Apple lists them (hex, any case,
// maybe with leading zeros).
func sameSerial(a, b string) bool {
	trim := func(s string) string { return strings.TrimLeft(strings.ToUpper(strings.TrimSpace(s)), "0") }
	return a != "" && trim(a) == trim(b)
}

package actions

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/identity"
	"github.com/asckeys/asckeys/storage"
)

// How a listed certificate finds its private key here (hasPrivateKey).
//
// A listing carries no public keys, and fetching every certificate's content
// to learn them would cost one request per 200 certificates on every list.
// So the vault's record is the first answer: a key made here (certs create)
// or imported (certs import-p12) is recorded with its certificate's id once
// that id is known, after its public key was checked against the
// certificate. Only keys recorded WITHOUT a certificate (a create killed
// after Apple answered, before the record was written) need more: then the
// content of the listed certificates that may be theirs (those expiring
// after the oldest such key was made, since a certificate is issued after its
// key and valid for a year or more) is fetched through core's batched
// content fetch, matched by SPKI, and the matches recorded, so the next
// listing is cheap again. The keychain is read once per certificate with a
// record (storage.HasIdentity).

// certificateKeys maps certificate ids to the SPKI hash of their private key
// here (when one was made or imported here), recording the ones it had to
// match by content.
func certificateKeys(ctx context.Context, d Deps, certs []core.Certificate) (byCert map[string]string, err error) {
	ids, err := d.Vault.Identities(ctx)
	if err != nil {
		return nil, err
	}
	byCert = map[string]string{}
	var open []storage.Identity // recorded keys without a certificate
	for _, id := range ids {
		switch {
		case id.CertificateID != "":
			byCert[id.CertificateID] = id.SPKI
		case id.TeamKeyID == d.Key.ID || id.Imported:
			open = append(open, id)
		}
	}
	if len(open) == 0 {
		return byCert, nil
	}
	oldest := open[0].CreatedAt
	for _, id := range open {
		if id.CreatedAt.Before(oldest) {
			oldest = id.CreatedAt
		}
	}
	var candidates []core.Certificate
	for _, c := range certs {
		if _, known := byCert[c.ID]; !known && (c.ExpirationDate.IsZero() || c.ExpirationDate.After(oldest)) {
			candidates = append(candidates, c)
		}
	}
	if len(candidates) == 0 {
		return byCert, nil
	}
	ders, err := d.Client.Certificates.Contents(ctx, candidates)
	if err != nil {
		return nil, fmt.Errorf("matching this machine's signing keys to the certificates: %w", err)
	}
	openBySPKI := map[string]bool{}
	for _, id := range open {
		openBySPKI[id.SPKI] = true
	}
	for _, c := range candidates {
		cert, err := x509.ParseCertificate(ders[c.ID])
		if err != nil {
			continue // not answered: no match known
		}
		spki := identity.SPKIHash(cert.PublicKey)
		if !openBySPKI[spki] {
			continue
		}
		byCert[c.ID] = spki
		// Bookkeeping only: a failure costs a content fetch next time.
		_ = d.Vault.RecordIdentityCertificate(ctx, spki, c.ID)
	}
	return byCert, nil
}

// ListedCertificate is a listed certificate and whether its private key is
// in this machine's keychain.
type ListedCertificate struct {
	core.Certificate
	HasPrivateKey bool `json:"hasPrivateKey"`
}

// WithPrivateKeys tells for each certificate whether its private key is
// here. When the keychain cannot be read (locked, no Secret Service) the rows
// still come back, all false, with the error saying why: the caller shows the
// list and the warning.
func WithPrivateKeys(ctx context.Context, d Deps, certs []core.Certificate) ([]ListedCertificate, error) {
	out := make([]ListedCertificate, len(certs))
	for i, c := range certs {
		out[i].Certificate = c
	}
	byCert, err := certificateKeys(ctx, d, certs)
	if err != nil {
		return out, err
	}
	var spkis []string
	for _, c := range certs {
		if s, ok := byCert[c.ID]; ok {
			spkis = append(spkis, s)
		}
	}
	has, err := d.Vault.HasIdentity(ctx, spkis)
	for i, c := range certs {
		out[i].HasPrivateKey = has[byCert[c.ID]]
	}
	if err != nil {
		return out, fmt.Errorf("cannot tell which certificates have their private key here: %w", err)
	}
	return out, nil
}

// CreatedCertificate is what CreateCertificate made: the --json document.
type CreatedCertificate struct {
	ID              string    `json:"id"`
	SerialNumber    string    `json:"serialNumber"`
	CertificateType string    `json:"certificateType"`
	ExpirationDate  core.Time `json:"expirationDate"`
	HasPrivateKey   bool      `json:"hasPrivateKey"`
	// Name is Apple's name of the certificate.
	Name string `json:"-"`
	// Path is the .cer written into the folder asked for, if any.
	Path string `json:"-"`
	// ReusedKey: the private key was made here earlier for a request that
	// never produced a certificate, and is used now instead of a new one.
	ReusedKey bool `json:"-"`
	// Warning is a step after the certificate was issued that failed without
	// losing anything (the .cer not written, the record not updated).
	Warning string `json:"-"`
}

// LimitError is Apple's refusal of a certificate type at its limit, with
// the team's certificates of that type as candidates to revoke.
type LimitError struct {
	Limit    *core.CertificateLimitError
	Existing []core.Certificate
}

func (e *LimitError) Error() string {
	if len(e.Existing) == 0 {
		return e.Limit.Error()
	}
	parts := make([]string, len(e.Existing))
	for i, c := range e.Existing {
		parts[i] = fmt.Sprintf("%q (id %s, serial %s, expires %s)", c.Label(), c.ID, c.SerialNumber, dateOf(c.ExpirationDate))
	}
	return fmt.Sprintf("%s; candidates to revoke with 'asckeys certs revoke ID': %s", e.Limit.Error(), strings.Join(parts, ", "))
}

func (e *LimitError) Unwrap() error { return e.Limit }

func dateOf(t core.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2006-01-02")
}

// CheckCreateCertificate applies the rules of a new certificate that need
// no request: a key that may provision, a type an API key can create. A
// caller that asks before creating checks first, so that it never asks for
// what would be refused.
func CheckCreateCertificate(d Deps, certType string) error {
	if err := checkKey(d); err != nil {
		return err
	}
	return core.CheckCertificateCreatable(certType)
}

// CertificateChoice is a certificate type a key may create, with Apple's
// reported limit for it (0: none known) and how many current (unexpired)
// certificates of the type the team's list holds: a hint, since Apple
// counts development certificates per person and revoked ones too.
type CertificateChoice struct {
	Type           string
	Limit, Current int
}

// Full reports whether the team holds as many of the type as its limit;
// never for a limit counted per person, which the team's list cannot tell.
func (c CertificateChoice) Full() bool {
	return c.Limit > 0 && c.Current >= c.Limit && !core.CertificateLimitPerPerson(c.Type)
}

// CertificateChoices are the types the key d may create (none for an
// individual key: CheckCreateCertificate says why), counted in certs, the
// team's listed certificates.
func CertificateChoices(d Deps, certs []core.Certificate, now time.Time) []CertificateChoice {
	if checkKey(d) != nil {
		return nil
	}
	var out []CertificateChoice
	for _, t := range core.CreatableCertificateTypes() {
		c := CertificateChoice{Type: t, Limit: core.ReportedCertificateLimit(t, d.Key.Kind)}
		for _, cert := range certs {
			if cert.CertificateType == t && (cert.ExpirationDate.IsZero() || cert.ExpirationDate.After(now)) {
				c.Current++
			}
		}
		out = append(out, c)
	}
	return out
}

// checkKey refuses an individual key before any request.
func checkKey(d Deps) error {
	if err := core.CheckProvisioningKey(d.Key.Kind); err != nil {
		return fmt.Errorf("%s is an individual key: %w", d.Key.Name, err)
	}
	return nil
}

// CreateCertificate asks Apple for a certificate of certType, writing the
// .cer into outDir when it is not empty. The steps, each owned elsewhere:
// the rules that need no request (core.CheckProvisioningKey,
// core.CheckCertificateCreatable); a private key, reused when one made here
// earlier never got its certificate (storage.UnusedIdentities, ReuseIdentity),
// otherwise new (identity.NewKey) and stored in the keychain and read back
// BEFORE the request (storage.StoreIdentityKey); the CSR; the POST; then the
// certificate recorded against its key. Killed at any step, nothing is
// lost: a key whose request was never answered is reused by the next create,
// and a certificate Apple issued finds its key by public key (WithPrivateKeys).
func CreateCertificate(ctx context.Context, d Deps, certType, outDir string) (CreatedCertificate, error) {
	if err := CheckCreateCertificate(d, certType); err != nil {
		return CreatedCertificate{}, err
	}
	// Every certificate of the team: an unused key is one that no listed
	// certificate has, of any type.
	certs, _, err := d.Client.Certificates.List(ctx, nil)
	if err != nil {
		return CreatedCertificate{}, err
	}
	byCert, err := certificateKeys(ctx, d, certs)
	if err != nil {
		return CreatedCertificate{}, err
	}
	listed := make([]string, 0, len(byCert))
	for _, s := range byCert {
		listed = append(listed, s)
	}
	key, spki, reused, err := signingKey(ctx, d, listed)
	if err != nil {
		return CreatedCertificate{}, err
	}
	step("key-stored")
	csr, err := identity.CSR(key)
	if err != nil {
		return CreatedCertificate{}, fmt.Errorf("making the certificate request: %w", err)
	}
	made, _, err := d.Client.Certificates.Create(ctx, certType, string(csr))
	if err != nil {
		var limit *core.CertificateLimitError
		if errors.As(err, &limit) {
			var existing []core.Certificate
			for _, c := range certs {
				if c.CertificateType == certType {
					existing = append(existing, c)
				}
			}
			return CreatedCertificate{}, &LimitError{Limit: limit, Existing: existing}
		}
		if core.IsUnknownOutcome(err) {
			return CreatedCertificate{}, fmt.Errorf("%w; the private key for it is kept in the keychain: 'asckeys certs list' shows whether Apple issued the certificate (its private key is found again), and the next 'asckeys certs create' reuses the key if not", err)
		}
		return CreatedCertificate{}, err
	}
	step("answered")
	out := CreatedCertificate{ID: made.ID, SerialNumber: made.SerialNumber, CertificateType: made.CertificateType,
		ExpirationDate: made.ExpirationDate, Name: made.Certificate.Label(), ReusedKey: reused}
	if out.CertificateType == "" {
		out.CertificateType = certType
	}
	cert, err := x509.ParseCertificate(made.DER)
	if err != nil || identity.SPKIHash(cert.PublicKey) != spki {
		return out, fmt.Errorf("Apple issued the certificate %s for another public key than the request's: revoke it with 'asckeys certs revoke %s' and try again", made.ID, made.ID)
	}
	out.HasPrivateKey = true
	var warnings []string
	if err := d.Vault.RecordIdentityCertificate(ctx, spki, made.ID); err != nil {
		// The key is found by its public key anyway; only a later listing
		// pays one content request to find it.
		warnings = append(warnings, "the certificate was not recorded against its key ("+err.Error()+"): it is found again by its public key")
	}
	step("recorded")
	if outDir != "" {
		if out.Path, err = core.SaveCertificate(made.Certificate, made.DER, outDir, core.DownloadOptions{}); err != nil {
			warnings = append(warnings, fmt.Sprintf("the .cer was not written (%v): download it with 'asckeys certs download --out %s %s'", err, outDir, made.ID))
		}
	}
	out.Warning = strings.Join(warnings, "; ")
	return out, nil
}

// signingKey returns the private key for a new certificate request: an
// unused one made here with this API key, or a new one stored (and read
// back) in the keychain.
func signingKey(ctx context.Context, d Deps, listedSPKIs []string) (key crypto.Signer, spki string, reused bool, err error) {
	unused, err := d.Vault.UnusedIdentities(ctx, d.Key.ID, listedSPKIs)
	if err != nil {
		return nil, "", false, err
	}
	for _, id := range unused {
		k, err := d.Vault.ReuseIdentity(ctx, id.SPKI)
		if err == nil {
			return k, id.SPKI, true, nil
		}
		// Taken by another request meanwhile, or gone from the keychain:
		// try the next, then a new key.
	}
	k, err := identity.NewKey()
	if err != nil {
		return nil, "", false, fmt.Errorf("making a private key: %w", err)
	}
	kctx, cancel := storage.WithInteractiveTimeout(ctx)
	defer cancel()
	spki, err = d.Vault.StoreIdentityKey(kctx, d.Key.ID, k)
	if err != nil {
		return nil, "", false, fmt.Errorf("%w: no certificate was requested", err)
	}
	return k, spki, false, nil
}

// findCertificates picks the listed certificates refs name (an id or a
// serial number), in the order given; an unknown one is an error before
// anything is done.
func findCertificates(certs []core.Certificate, refs []string) ([]core.Certificate, error) {
	var out []core.Certificate
	for _, ref := range refs {
		i := slices.IndexFunc(certs, func(c core.Certificate) bool {
			return c.ID == ref || c.SerialNumber != "" && strings.EqualFold(c.SerialNumber, ref)
		})
		if i < 0 {
			return nil, fmt.Errorf("no certificate with id %q: list them with 'asckeys certs list'", core.SafeText(ref))
		}
		if !slices.ContainsFunc(out, func(c core.Certificate) bool { return c.ID == certs[i].ID }) {
			out = append(out, certs[i])
		}
	}
	return out, nil
}

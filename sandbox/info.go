package sandbox

import (
	"crypto/x509"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/asckeys/asckeys/core"
)

// CertInfo is what the sandbox holds about a certificate, for tests to
// compare with what a client listed and downloaded.
type CertInfo struct {
	ID, Name, DisplayName, CertificateType string
	// SerialNumber is as listed: upper-case hex without leading zeros.
	SerialNumber string
	// Platform is the listed platform; "" when the attribute is null.
	Platform       string
	ExpirationDate time.Time
	Activated      bool
	// Development reports whether Developer-role keys may download it.
	Development bool
	// DER is the certificate itself (Certificate only; nil in Certificates).
	DER []byte
}

// ProfileInfo is what the sandbox holds about a profile.
type ProfileInfo struct {
	ID, Name, UUID, ProfileType, ProfileState, Platform string
	// BundleID is the bundle ID resource's id; BundleIdentifier its
	// identifier, e.g. com.example.notes.
	BundleID, BundleIdentifier  string
	CertificateIDs, DeviceIDs   []string
	CreatedDate, ExpirationDate time.Time
	// Content is the signed .mobileprovision (Profile only; nil in Profiles).
	Content []byte
}

// BundleIDInfo is what the sandbox holds about a bundle ID.
type BundleIDInfo struct {
	ID, Name, Identifier, Platform, SeedID string
	ProfileIDs                             []string
	AppID                                  string // "" when no app uses it
}

// DeviceInfo is what the sandbox holds about a device.
type DeviceInfo struct {
	ID, Name, UDID, Platform, DeviceClass, Status, Model string
	AddedDate                                            time.Time
}

// AppInfo is what the sandbox holds about an app.
type AppInfo struct {
	ID, Name, BundleID, SKU, PrimaryLocale string
}

func ids[T entity](t *table[T]) []string {
	out := make([]string, len(t.items))
	for i, v := range t.items {
		out[i] = v.resID()
	}
	return out
}

// CertificateIDs lists the certificates' ids in the API's default order.
func (s *Server) CertificateIDs() []string {
	s.data.mu.RLock()
	defer s.data.mu.RUnlock()
	return ids(&s.data.certs)
}

// ProfileIDs lists the profiles' ids in the API's default order.
func (s *Server) ProfileIDs() []string {
	s.data.mu.RLock()
	defer s.data.mu.RUnlock()
	return ids(&s.data.profiles)
}

// BundleIDIDs lists the bundle IDs' resource ids in the API's default order.
func (s *Server) BundleIDIDs() []string {
	s.data.mu.RLock()
	defer s.data.mu.RUnlock()
	return ids(&s.data.bundles)
}

// DeviceIDs lists the devices' ids in the API's default order.
func (s *Server) DeviceIDs() []string {
	s.data.mu.RLock()
	defer s.data.mu.RUnlock()
	return ids(&s.data.devices)
}

// AppIDs lists the apps' ids in the API's default order.
func (s *Server) AppIDs() []string {
	s.data.mu.RLock()
	defer s.data.mu.RUnlock()
	return ids(&s.data.apps)
}

func certInfo(v *certificate) CertInfo {
	return CertInfo{
		ID: v.id, Name: v.name, DisplayName: v.displayName, CertificateType: v.certType, SerialNumber: v.serialText,
		Platform: strings.Trim(strings.TrimPrefix(string(v.platform), "null"), `"`), ExpirationDate: v.expires, Activated: v.activated,
		Development: v.developmentUse,
	}
}

func profileInfo(v *profile) ProfileInfo {
	p := ProfileInfo{
		ID: v.id, Name: v.name, UUID: v.uuid, ProfileType: v.profileType, ProfileState: v.state, Platform: v.platform,
		CreatedDate: v.created, ExpirationDate: v.expires,
	}
	if v.bundle != nil {
		p.BundleID, p.BundleIdentifier = v.bundle.id, v.bundle.identifier
	}
	for _, c := range v.certs {
		p.CertificateIDs = append(p.CertificateIDs, c.id)
	}
	for _, d := range v.devices {
		p.DeviceIDs = append(p.DeviceIDs, d.id)
	}
	return p
}

// RevokedCertificateIDs lists the certificates revoked with DELETE
// /v1/certificates/{id}, oldest first. They are off the list but, as Apple
// is reported to do, count against the limits until they expire.
func (s *Server) RevokedCertificateIDs() []string {
	s.data.mu.RLock()
	defer s.data.mu.RUnlock()
	out := make([]string, len(s.data.revoked))
	for i, v := range s.data.revoked {
		out[i] = v.id
	}
	return out
}

// Certificates lists every certificate without its DER, for tests to pick
// one; Certificate(id) has the DER.
func (s *Server) Certificates() []CertInfo {
	s.data.mu.RLock()
	defer s.data.mu.RUnlock()
	out := make([]CertInfo, len(s.data.certs.items))
	for i, v := range s.data.certs.items {
		out[i] = certInfo(v)
	}
	return out
}

// Certificate returns one certificate with its DER, made now if it was never
// downloaded; revoked ones too (see RevokedCertificateIDs). A certificate
// made with POST /v1/certificates holds the CSR's public key, so a test can
// match it to the private key it kept.
func (s *Server) Certificate(id string) (CertInfo, error) {
	s.data.mu.RLock()
	defer s.data.mu.RUnlock()
	v, ok := s.data.certs.get(id)
	if i := slices.IndexFunc(s.data.revoked, func(r *certificate) bool { return r.id == id }); !ok && i >= 0 {
		v, ok = s.data.revoked[i], true
	}
	if !ok {
		return CertInfo{}, fmt.Errorf("sandbox: no certificate %q", id)
	}
	der, err := s.pki.certificateDER(v)
	if err != nil {
		return CertInfo{}, fmt.Errorf("sandbox: making certificate %s: %w", id, err)
	}
	info := certInfo(v)
	info.DER = der
	return info, nil
}

// Profiles lists every profile without its content.
func (s *Server) Profiles() []ProfileInfo {
	s.data.mu.RLock()
	defer s.data.mu.RUnlock()
	out := make([]ProfileInfo, len(s.data.profiles.items))
	for i, v := range s.data.profiles.items {
		out[i] = profileInfo(v)
	}
	return out
}

// Profile returns one profile with its signed content, made now if it was
// never downloaded.
func (s *Server) Profile(id string) (ProfileInfo, error) {
	s.data.mu.RLock()
	defer s.data.mu.RUnlock()
	v, ok := s.data.profiles.get(id)
	if !ok {
		return ProfileInfo{}, fmt.Errorf("sandbox: no profile %q", id)
	}
	b, err := s.pki.profileContent(v)
	if err != nil {
		return ProfileInfo{}, fmt.Errorf("sandbox: making profile %s: %w", id, err)
	}
	info := profileInfo(v)
	info.Content = b
	return info, nil
}

// BundleIDs lists every bundle ID.
func (s *Server) BundleIDs() []BundleIDInfo {
	s.data.mu.RLock()
	defer s.data.mu.RUnlock()
	out := make([]BundleIDInfo, len(s.data.bundles.items))
	for i, v := range s.data.bundles.items {
		b := BundleIDInfo{ID: v.id, Name: v.name, Identifier: v.identifier, Platform: v.platform, SeedID: v.seedID}
		for _, p := range v.profiles {
			b.ProfileIDs = append(b.ProfileIDs, p.id)
		}
		if v.app != nil {
			b.AppID = v.app.id
		}
		out[i] = b
	}
	return out
}

// Devices lists every device.
func (s *Server) Devices() []DeviceInfo {
	s.data.mu.RLock()
	defer s.data.mu.RUnlock()
	out := make([]DeviceInfo, len(s.data.devices.items))
	for i, v := range s.data.devices.items {
		out[i] = DeviceInfo{ID: v.id, Name: v.name, UDID: v.udid, Platform: v.platform, DeviceClass: v.class,
			Status: v.status, Model: v.model, AddedDate: v.added}
	}
	return out
}

// Apps lists every app.
func (s *Server) Apps() []AppInfo {
	s.data.mu.RLock()
	defer s.data.mu.RUnlock()
	out := make([]AppInfo, len(s.data.apps.items))
	for i, v := range s.data.apps.items {
		out[i] = AppInfo{ID: v.id, Name: v.name, BundleID: v.bundleIdentifier, SKU: v.sku, PrimaryLocale: v.locale}
	}
	return out
}

// CA returns the self-made authority that issued every certificate and the
// profile signer, for tests that verify chains.
func (s *Server) CA() (*x509.Certificate, error) {
	if err := s.pki.init(); err != nil {
		return nil, err
	}
	return s.pki.ca, nil
}

// CertificateRoom is how many more certificates of certType a team key of
// kind can create before Apple's limit for the type answers 409, by the
// rules POST /v1/certificates applies; -1 when the type has no limit.
func (s *Server) CertificateRoom(certType string, kind core.KeyKind) int {
	limit := certLimit(certType, kind)
	if limit == 0 {
		return -1
	}
	s.data.mu.RLock()
	defer s.data.mu.RUnlock()
	return max(0, limit-s.data.currentCerts(certType, s.now()))
}

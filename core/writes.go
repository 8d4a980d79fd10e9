package core

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// The write methods send exactly the request documents of Apple's spec
// (4.4.1), after the rules in rules.go have passed: a refusal that can be
// known beforehand costs no request. How they are retried is in send.go.

// CreatedCertificate is a certificate Apple has just issued, with its DER.
type CreatedCertificate struct {
	Certificate
	// DER is the certificate itself, checked to parse as X.509 and to carry
	// the serial Apple listed.
	DER []byte
}

// Create asks Apple for a certificate of certType for the CSR csrPEM (a PEM
// "CERTIFICATE REQUEST" of an RSA 2048 key). The private key never leaves the
// caller, which must keep it before calling: Apple's answer cannot be
// fetched twice with the key. A type at its limit gives a
// *CertificateLimitError.
func (s *CertificatesService) Create(ctx context.Context, certType, csrPEM string) (CreatedCertificate, *Response, error) {
	const what = "creating the certificate"
	if err := s.client.requireProvisioning(); err != nil {
		return CreatedCertificate{}, nil, err
	}
	if err := CheckCertificateCreatable(certType); err != nil {
		return CreatedCertificate{}, nil, err
	}
	if strings.TrimSpace(csrPEM) == "" {
		return CreatedCertificate{}, nil, errors.New("no certificate signing request to send: make one from a new RSA 2048 key first")
	}
	doc := writeDocument{Data: writeData{Type: "certificates", Attributes: struct {
		CSRContent      string `json:"csrContent"`
		CertificateType string `json:"certificateType"`
	}{csrPEM, certType}}}
	res, resp, err := createResource(ctx, s.client, writeOp{http.MethodPost, "create the certificate", "certificates"}, "certificates", doc)
	if err != nil {
		return CreatedCertificate{}, resp, wrapWrite(what, certificateLimit(certType, err))
	}
	var out CreatedCertificate
	var content certificateContent
	if err := decodeAttributes(res, &out.Certificate, &content); err != nil {
		return CreatedCertificate{}, resp, fmt.Errorf("%s: %w", what, createdUnreadable("certificate", "certificates", res.ID, err))
	}
	// The answer is made safe and checked as a listed certificate is.
	if out.Certificate, err = certificateFromResource(&resource[Certificate]{ID: res.ID, Attributes: out.Certificate}, nil); err != nil {
		return CreatedCertificate{}, resp, fmt.Errorf("%s: %w", what, createdUnreadable("certificate", "certificates", res.ID, err))
	}
	if out.DER, err = checkCertificate(out.Certificate, content); err != nil {
		return out, resp, fmt.Errorf("%s: %w", what, createdUnreadable("certificate", "certificates", res.ID, err))
	}
	return out, resp, nil
}

// Revoke revokes the certificate id (DELETE /v1/certificates/{id}). Profiles
// that include it turn INVALID at Apple.
func (s *CertificatesService) Revoke(ctx context.Context, id string) (*Response, error) {
	return deleteResource(ctx, s.client, "certificates", id, writeOp{http.MethodDelete, "revoke the certificate " + id, "certificates"}, "revoking the certificate")
}

// ProfileCreate is what a new profile is made of.
type ProfileCreate struct {
	Name string
	// Type is a profile type such as IOS_APP_STORE.
	Type string
	// BundleIDID is the App Store Connect id of the bundle ID resource, not
	// its identifier.
	BundleIDID string
	// CertificateIDs are the certificates to include, at least one; the
	// caller checks that their types fit (CheckCertificateFitsProfile).
	CertificateIDs []string
	// DeviceIDs are the devices to include: required for development and
	// ad hoc types, refused for the others (CheckProfileDevices).
	DeviceIDs []string
}

// check applies Apple's rules for a new profile that need no request.
func (p ProfileCreate) check() error {
	if err := CheckProfileName(p.Name); err != nil {
		return err
	}
	if err := CheckProfileType(p.Type); err != nil {
		return err
	}
	if p.BundleIDID == "" {
		return errors.New("the profile needs a bundle ID: choose one, or register it first")
	}
	if len(p.CertificateIDs) == 0 {
		return fmt.Errorf("the profile needs at least one certificate of type %s: create one first",
			strings.Join(CertificateTypesForProfile(p.Type), " or "))
	}
	if err := CheckProfileDevices(p.Type, len(p.DeviceIDs)); err != nil {
		return err
	}
	for _, id := range append(append([]string{p.BundleIDID}, p.CertificateIDs...), p.DeviceIDs...) {
		if err := checkID(id); err != nil {
			return err
		}
	}
	return nil
}

// CreatedProfile is a profile Apple has just generated, with its
// .mobileprovision bytes.
type CreatedProfile struct {
	Profile
	// Content is the signed .mobileprovision, checked to carry the UUID
	// Apple listed.
	Content []byte
}

// Create generates a profile. Profiles cannot be edited: to change one,
// Delete it and Create it again (it gets a new UUID).
func (s *ProfilesService) Create(ctx context.Context, p ProfileCreate) (CreatedProfile, *Response, error) {
	what := fmt.Sprintf("creating the profile %q", p.Name)
	if err := s.client.requireProvisioning(); err != nil {
		return CreatedProfile{}, nil, err
	}
	if err := p.check(); err != nil {
		return CreatedProfile{}, nil, err
	}
	rel := map[string]linkageDoc{
		"bundleId":     toOne("bundleIds", p.BundleIDID),
		"certificates": toMany("certificates", p.CertificateIDs),
	}
	if len(p.DeviceIDs) > 0 {
		rel["devices"] = toMany("devices", p.DeviceIDs)
	}
	doc := writeDocument{Data: writeData{Type: "profiles", Attributes: struct {
		Name        string `json:"name"`
		ProfileType string `json:"profileType"`
	}{p.Name, p.Type}, Relationships: rel}}
	op := writeOp{http.MethodPost, fmt.Sprintf("create the profile %q", p.Name), "profiles"}
	res, resp, err := createResource(ctx, s.client, op, "profiles", doc)
	if profileGenerationFailed(err) {
		// Apple's generic refusal, which a second try is reported to pass;
		// a 409 made nothing, so trying again cannot make two profiles.
		first := resp
		res, resp, err = createResource(ctx, s.client, op, "profiles", doc)
		resp.Requests += first.Requests
		resp.BytesReceived += first.BytesReceived
		resp.BytesOnWire += first.BytesOnWire
	}
	if err != nil {
		return CreatedProfile{}, resp, wrapWrite(what, err)
	}
	var content profileContent
	var attrs Profile
	if err := decodeAttributes(res, &attrs, &content); err != nil {
		return CreatedProfile{}, resp, fmt.Errorf("%s: %w", what, createdUnreadable("profile", "profiles", res.ID, err))
	}
	made, err := profileFromResource(&resource[Profile]{ID: res.ID, Attributes: attrs, Relationships: res.Relationships}, nil)
	if err != nil {
		return CreatedProfile{}, resp, fmt.Errorf("%s: %w", what, createdUnreadable("profile", "profiles", res.ID, err))
	}
	out := CreatedProfile{Profile: made}
	// Apple's answer may leave out the relationships: they are what was
	// asked for.
	out.BundleIDID = firstNonEmpty(out.BundleIDID, p.BundleIDID)
	if len(out.CertificateIDs) < len(p.CertificateIDs) {
		out.CertificateIDs = slices.Clone(p.CertificateIDs)
	}
	if len(out.DeviceIDs) < len(p.DeviceIDs) {
		out.DeviceIDs = slices.Clone(p.DeviceIDs)
	}
	out.CertificateCount = max(out.CertificateCount, len(out.CertificateIDs))
	out.DeviceCount = max(out.DeviceCount, len(out.DeviceIDs))
	if out.Content, err = checkProfile(out.Profile, content); err != nil {
		return out, resp, fmt.Errorf("%s: %w", what, createdUnreadable("profile", "profiles", res.ID, err))
	}
	return out, resp, nil
}

// profileGenerationFailed reports whether err is Apple's 409 "There was an
// error generating the provisioning profile".
func profileGenerationFailed(err error) bool {
	var e *APIError
	if !errors.As(err, &e) || e.StatusCode != http.StatusConflict {
		return false
	}
	for _, it := range e.Errors {
		if strings.Contains(strings.ToLower(it.Title+" "+it.Detail), "error generating the provisioning profile") {
			return true
		}
	}
	return false
}

// Delete deletes the profile id (DELETE /v1/profiles/{id}). Installed copies
// keep working until they expire or their certificate is revoked.
func (s *ProfilesService) Delete(ctx context.Context, id string) (*Response, error) {
	return deleteResource(ctx, s.client, "profiles", id, writeOp{http.MethodDelete, "delete the profile " + id, "profiles"}, "deleting the profile")
}

// Register registers a device for development and ad hoc profiles. The UDID
// is checked and normalised first (NormalizeUDID); platform is IOS or MAC_OS.
// Apple refuses a UDID already registered with 409.
func (s *DevicesService) Register(ctx context.Context, name, udid, platform string) (Device, *Response, error) {
	if err := s.client.requireProvisioning(); err != nil {
		return Device{}, nil, err
	}
	if strings.TrimSpace(name) == "" {
		return Device{}, nil, errors.New("the device needs a name: give one, for example its owner and model")
	}
	norm, err := NormalizeUDID(udid)
	if err != nil {
		return Device{}, nil, err
	}
	if err := CheckDevicePlatform(platform); err != nil {
		return Device{}, nil, err
	}
	doc := writeDocument{Data: writeData{Type: "devices", Attributes: struct {
		Name     string `json:"name"`
		UDID     string `json:"udid"`
		Platform string `json:"platform"`
	}{name, norm, platform}}}
	res, resp, err := createResource(ctx, s.client, writeOp{http.MethodPost, "register the device " + norm, "devices"}, "devices", doc)
	if err != nil {
		return Device{}, resp, wrapWrite("registering the device "+norm, err)
	}
	var d Device
	if err := decodeAttributes(res, &d); err != nil {
		return Device{}, resp, fmt.Errorf("registering the device %s: %w", norm, createdUnreadable("device", "devices", res.ID, err))
	}
	if d, err = deviceFromResource(&resource[Device]{ID: res.ID, Attributes: d}, nil); err != nil {
		return Device{}, resp, fmt.Errorf("registering the device %s: %w", norm, createdUnreadable("device", "devices", res.ID, err))
	}
	return d, resp, nil
}

// DeviceUpdate is a change to a device; nil fields stay as they are.
// Devices cannot be deleted, only disabled.
type DeviceUpdate struct {
	Name *string `json:"name,omitempty"`
	// Status is ENABLED or DISABLED.
	Status *string `json:"status,omitempty"`
}

// Update renames, enables or disables the device id (PATCH). Sending the
// same change twice does what sending it once does, so it is retried as
// reads are.
func (s *DevicesService) Update(ctx context.Context, id string, up DeviceUpdate) (Device, *Response, error) {
	what := "changing the device " + id
	if err := s.client.requireProvisioning(); err != nil {
		return Device{}, nil, err
	}
	switch {
	case up.Name == nil && up.Status == nil:
		return Device{}, nil, errors.New("nothing to change on the device: give a new name or status")
	case up.Name != nil && strings.TrimSpace(*up.Name) == "":
		return Device{}, nil, errors.New("a device's name cannot be empty: give a new name")
	}
	if up.Status != nil {
		if err := CheckDeviceStatus(*up.Status); err != nil {
			return Device{}, nil, err
		}
	}
	u, err := s.client.itemURL("devices", id, nil)
	if err != nil {
		return Device{}, nil, err
	}
	resp := &Response{}
	doc := writeDocument{Data: writeData{Type: "devices", ID: id, Attributes: up}}
	got, err := sendWrite[singleDocument[Device]](ctx, s.client, writeOp{http.MethodPatch, "change the device " + id, "devices"}, u, doc, resp)
	if err != nil {
		return Device{}, resp, wrapWrite(what, err)
	}
	d, err := deviceFromResource(&resource[Device]{ID: firstNonEmpty(got.Data.ID, id), Attributes: got.Data.Attributes}, nil)
	if err != nil {
		return Device{}, resp, fmt.Errorf("%s: %w", what, err)
	}
	return d, resp, nil
}

// Create registers a bundle ID (an explicit or wildcard App ID). platform is
// IOS, MAC_OS or UNIVERSAL. Apple refuses an identifier taken by anyone with
// 409.
func (s *BundleIDsService) Create(ctx context.Context, identifier, name, platform string) (BundleID, *Response, error) {
	if err := s.client.requireProvisioning(); err != nil {
		return BundleID{}, nil, err
	}
	if err := CheckBundleIdentifier(identifier); err != nil {
		return BundleID{}, nil, err
	}
	if strings.TrimSpace(name) == "" {
		return BundleID{}, nil, errors.New("the bundle ID needs a name: give one, for example the app's name")
	}
	if err := CheckBundleIDPlatform(platform); err != nil {
		return BundleID{}, nil, err
	}
	doc := writeDocument{Data: writeData{Type: "bundleIds", Attributes: struct {
		Identifier string `json:"identifier"`
		Name       string `json:"name"`
		Platform   string `json:"platform"`
	}{identifier, name, platform}}}
	res, resp, err := createResource(ctx, s.client, writeOp{http.MethodPost, "register the bundle ID " + identifier, "bundle IDs"}, "bundleIds", doc)
	if err != nil {
		return BundleID{}, resp, wrapWrite("registering the bundle ID "+identifier, err)
	}
	var b BundleID
	if err := decodeAttributes(res, &b); err != nil {
		return BundleID{}, resp, fmt.Errorf("registering the bundle ID %s: %w", identifier, createdUnreadable("bundle ID", "bundle IDs", res.ID, err))
	}
	if b, err = bundleIDFromResource(&resource[BundleID]{ID: res.ID, Attributes: b}, nil); err != nil {
		return BundleID{}, resp, fmt.Errorf("registering the bundle ID %s: %w", identifier, createdUnreadable("bundle ID", "bundle IDs", res.ID, err))
	}
	return b, resp, nil
}

// Delete deletes the bundle ID id (DELETE /v1/bundleIds/{id}).
func (s *BundleIDsService) Delete(ctx context.Context, id string) (*Response, error) {
	return deleteResource(ctx, s.client, "bundleIds", id, writeOp{http.MethodDelete, "delete the bundle ID " + id, "bundle IDs"}, "deleting the bundle ID")
}

// createResource POSTs doc to /v1/{collection} and returns the created
// resource, whose attributes the caller decodes.
func createResource(ctx context.Context, c *Client, op writeOp, collection string, doc writeDocument) (*resource[json.RawMessage], *Response, error) {
	u, err := c.endpoint("/v1/"+collection, nil)
	if err != nil {
		return nil, nil, err
	}
	resp := &Response{}
	got, err := sendWrite[singleDocument[json.RawMessage]](ctx, c, op, u, doc, resp)
	if err != nil {
		return nil, resp, err
	}
	if got.Data.ID == "" {
		// Created, most likely, but nothing says what.
		return nil, resp, &UnknownOutcomeError{Action: op.action, List: op.list,
			Err: &ResponseError{StatusCode: resp.HTTPResponse.StatusCode, Err: errors.New("the answer names no created item")}}
	}
	return &got.Data, resp, nil
}

// deleteResource sends DELETE /v1/{collection}/{id}.
func deleteResource(ctx context.Context, c *Client, collection, id string, op writeOp, what string) (*Response, error) {
	if err := c.requireProvisioning(); err != nil {
		return nil, err
	}
	u, err := c.itemURL(collection, id, nil)
	if err != nil {
		return nil, err
	}
	resp := &Response{}
	if _, err := sendWrite[struct{}](ctx, c, op, u, nil, resp); err != nil {
		return resp, wrapWrite(what+" "+id, err)
	}
	return resp, nil
}

// wrapWrite puts what was being done before err, unless err says it
// already: an unknown outcome names its action, a limit its type.
func wrapWrite(what string, err error) error {
	var unknown *UnknownOutcomeError
	var limit *CertificateLimitError
	if errors.As(err, &unknown) || errors.As(err, &limit) {
		return err
	}
	return fmt.Errorf("%s: %w", what, err)
}

// decodeAttributes decodes a created resource's attributes into each of vs.
func decodeAttributes(res *resource[json.RawMessage], vs ...any) error {
	for _, v := range vs {
		if len(res.Attributes) == 0 {
			return errors.New("the answer has no attributes")
		}
		if err := json.Unmarshal(res.Attributes, v); err != nil {
			return err
		}
	}
	return nil
}

// createdUnreadable says that Apple created an item (its id is known) but
// what came back with it is unusable.
func createdUnreadable(what, list, id string, err error) error {
	return fmt.Errorf("Apple created the %s (id %s), but its answer could not be used (%v): refresh the list of %s and download it from there", what, id, err, list)
}

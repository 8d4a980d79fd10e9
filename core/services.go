package core

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
)

// Each list asks only for the attributes its model shows (sparse fieldsets),
// so that no list answer carries certificateContent or profileContent, the
// large base64 blobs fetched only by downloads. Every value below is allowed
// by Apple's spec (4.4.1) for its endpoint; client_spec_test.go checks it.

var certificateListFields = map[string][]string{
	"fields[certificates]": {"name", "certificateType", "displayName", "serialNumber", "platform", "expirationDate", "activated"},
}

var profileListFields = map[string][]string{
	// bundleId, certificates and devices are relationships: asking for them
	// (and including them) is what brings their linkages and totals.
	"fields[profiles]":  {"name", "platform", "profileType", "profileState", "uuid", "createdDate", "expirationDate", "bundleId", "certificates", "devices"},
	"fields[bundleIds]": {"identifier"},
	// Included certificates and devices are only counted: one short
	// attribute each keeps them small.
	"fields[certificates]": {"serialNumber"},
	"fields[devices]":      {"status"},
	"include":              {"bundleId", "certificates", "devices"},
	// Apple allows at most 50 included items per relationship; the counts
	// come from meta.paging.total when there are more.
	"limit[certificates]": {"50"},
	"limit[devices]":      {"50"},
}

var bundleIDListFields = map[string][]string{
	"fields[bundleIds]": {"name", "platform", "identifier", "seedId"},
}

var deviceListFields = map[string][]string{
	"fields[devices]": {"name", "platform", "udid", "deviceClass", "status", "model", "addedDate"},
}

// CertificatesService lists and downloads signing certificates.
type CertificatesService struct{ client *Client }

// CertificateListOptions filter a certificate list. Empty fields do not
// filter. Values containing commas cannot be sent: Apple reads commas as
// separators.
type CertificateListOptions struct {
	// Types are certificate types such as DISTRIBUTION or IOS_DEVELOPMENT.
	Types []string
	// DisplayName and Serial match exactly.
	DisplayName string
	Serial      string
	// OnItems, when set, is given the items of each page as they arrive
	// (each item once), before the whole list is there: see
	// listPartitioned. It is called by one goroutine at a time, not the
	// caller's.
	OnItems func([]Certificate)
	ListOptions
}

// List returns every certificate the key can see, in id order. A list of
// more than one page is fetched by certificate type side by side (see
// listPartitioned) unless opt filters by type.
func (s *CertificatesService) List(ctx context.Context, opt *CertificateListOptions) ([]Certificate, *Response, error) {
	if err := s.client.requireProvisioning(); err != nil {
		return nil, nil, err
	}
	if opt == nil {
		opt = &CertificateListOptions{}
	}
	q := listQuery(certificateListFields, map[string][]string{
		"certificateType": opt.Types,
		"displayName":     {opt.DisplayName},
		"serialNumber":    {opt.Serial},
	})
	return listPartitioned(ctx, s.client, "certificates", "/v1/certificates", q, opt.ListOptions,
		certificateFromResource, certificatePartitions, opt.OnItems)
}

// certificateFromResource makes a Certificate of its resource, made safe to show.
func certificateFromResource(r *resource[Certificate], _ included) (Certificate, error) {
	c := r.Attributes
	c.ID = r.ID
	return c, c.clean()
}

// ProfilesService lists and downloads provisioning profiles.
type ProfilesService struct{ client *Client }

// ProfileListOptions filter a profile list. Empty fields do not filter.
type ProfileListOptions struct {
	// Types are profile types such as IOS_APP_STORE.
	Types []string
	// States are profile states, ACTIVE or INVALID. Apple's states lag behind
	// expiry dates: use Profile.Expiry to find expired profiles.
	States []string
	// Name matches exactly.
	Name string
	// OnItems, when set, is given the items of each page as they arrive
	// (each item once), before the whole list is there: see
	// listPartitioned. It is called by one goroutine at a time, not the
	// caller's.
	OnItems func([]Profile)
	ListOptions
}

// List returns every profile the key can see, each with its bundle ID's
// identifier and the number of its certificates and devices, in id order. A
// list of more than one page is fetched by profile type side by side (see
// listPartitioned) unless opt filters by type.
func (s *ProfilesService) List(ctx context.Context, opt *ProfileListOptions) ([]Profile, *Response, error) {
	if err := s.client.requireProvisioning(); err != nil {
		return nil, nil, err
	}
	if opt == nil {
		opt = &ProfileListOptions{}
	}
	q := listQuery(profileListFields, map[string][]string{
		"profileType":  opt.Types,
		"profileState": opt.States,
		"name":         {opt.Name},
	})
	return listPartitioned(ctx, s.client, "profiles", "/v1/profiles", q, opt.ListOptions, profileFromResource,
		profilePartitions, opt.OnItems)
}

// CompleteIDs makes p.CertificateIDs (certificates) and p.DeviceIDs
// (devices) hold every id. A listing includes at most 50 of each per
// profile (limit[...]); when a profile has more, the rest are fetched here
// through the relationship's related link, one paged list each. List does
// not do it itself: development profiles of large teams often have more
// than 50 devices, and a listing must stay one request per 200 profiles;
// the callers that need every id (revoking a certificate, making a profile
// again) ask for them, for the profiles concerned only.
func (s *ProfilesService) CompleteIDs(ctx context.Context, p *Profile, certificates, devices bool) (*Response, error) {
	resp := &Response{}
	for _, rel := range []struct {
		want  bool
		name  string
		ids   *[]string
		count int
	}{{certificates, "certificates", &p.CertificateIDs, p.CertificateCount}, {devices, "devices", &p.DeviceIDs, p.DeviceCount}} {
		if !rel.want || len(*rel.ids) >= rel.count {
			continue
		}
		all, more, err := s.relatedIDs(ctx, p.ID, rel.name)
		if more != nil {
			resp.Requests += more.Requests
			resp.Pages += more.Pages
			resp.BytesReceived += more.BytesReceived
			resp.BytesOnWire += more.BytesOnWire
		}
		if err != nil {
			return resp, fmt.Errorf("listing the %s of the profile %q: %w", rel.name, p.Name, err)
		}
		*rel.ids = all
	}
	return resp, nil
}

// relatedIDs lists the ids of every certificate or device (name) of the
// profile id, asking for one short attribute each.
func (s *ProfilesService) relatedIDs(ctx context.Context, id, name string) ([]string, *Response, error) {
	field := map[string]string{"certificates": "serialNumber", "devices": "status"}[name]
	q := listQuery(map[string][]string{"fields[" + name + "]": {field}}, nil)
	return listAll(ctx, s.client, name, "/v1/profiles/"+url.PathEscape(id)+"/"+name, q, ListOptions{},
		func(r *resource[json.RawMessage], _ included) (string, error) {
			return r.ID, checkExact("a profile's "+name, "id", r.ID)
		}, nil)
}

// profileFromResource fills a Profile from its resource and the page's
// included bundle IDs, made safe to show.
func profileFromResource(r *resource[Profile], in included) (Profile, error) {
	p := r.Attributes
	p.ID = r.ID
	if rel, ok := r.Relationships["bundleId"]; ok {
		if l, ok := rel.one(); ok {
			p.BundleIDID = l.ID
			var b BundleID
			if in.attributes("bundleIds", l.ID, &b) {
				p.BundleIdentifier = b.Identifier
			}
		}
	}
	p.CertificateIDs, p.CertificateCount = r.Relationships["certificates"].ids()
	p.DeviceIDs, p.DeviceCount = r.Relationships["devices"].ids()
	return p, p.clean()
}

// BundleIDsService lists bundle IDs.
type BundleIDsService struct{ client *Client }

// BundleIDListOptions filter a bundle ID list. Empty fields do not filter.
type BundleIDListOptions struct {
	// Platforms are IOS, MAC_OS or UNIVERSAL.
	Platforms []string
	// Identifier matches exactly ("com.example.app").
	Identifier string
	// OnItems, when set, is given the items of each page as they arrive
	// (each item once), before the whole list is there: see
	// listPartitioned. It is called by one goroutine at a time, not the
	// caller's.
	OnItems func([]BundleID)
	ListOptions
}

// List returns every bundle ID the key can see.
func (s *BundleIDsService) List(ctx context.Context, opt *BundleIDListOptions) ([]BundleID, *Response, error) {
	if err := s.client.requireProvisioning(); err != nil {
		return nil, nil, err
	}
	if opt == nil {
		opt = &BundleIDListOptions{}
	}
	q := listQuery(bundleIDListFields, map[string][]string{
		"platform":   opt.Platforms,
		"identifier": {opt.Identifier},
	})
	return listAll(ctx, s.client, "bundle IDs", "/v1/bundleIds", q, opt.ListOptions,
		bundleIDFromResource, opt.OnItems)
}

// bundleIDFromResource makes a BundleID of its resource, made safe to show.
func bundleIDFromResource(r *resource[BundleID], _ included) (BundleID, error) {
	b := r.Attributes
	b.ID = r.ID
	return b, b.clean()
}

// DevicesService lists registered devices.
type DevicesService struct{ client *Client }

// DeviceListOptions filter a device list. Empty fields do not filter.
type DeviceListOptions struct {
	// Platforms are IOS, MAC_OS or UNIVERSAL.
	Platforms []string
	// Statuses are ENABLED or DISABLED.
	Statuses []string
	// OnItems, when set, is given the items of each page as they arrive
	// (each item once), before the whole list is there: see
	// listPartitioned. It is called by one goroutine at a time, not the
	// caller's.
	OnItems func([]Device)
	ListOptions
}

// List returns every device the key can see, in id order. A list of more
// than one page is fetched by platform side by side (see listPartitioned)
// unless opt filters by platform.
func (s *DevicesService) List(ctx context.Context, opt *DeviceListOptions) ([]Device, *Response, error) {
	if err := s.client.requireProvisioning(); err != nil {
		return nil, nil, err
	}
	if opt == nil {
		opt = &DeviceListOptions{}
	}
	q := listQuery(deviceListFields, map[string][]string{
		"platform": opt.Platforms,
		"status":   opt.Statuses,
	})
	return listPartitioned(ctx, s.client, "devices", "/v1/devices", q, opt.ListOptions,
		deviceFromResource, devicePartitions, opt.OnItems)
}

// deviceFromResource makes a Device of its resource, made safe to show.
func deviceFromResource(r *resource[Device], _ included) (Device, error) {
	d := r.Attributes
	d.ID = r.ID
	return d, d.clean()
}

// VerifyResult is what Verify found out about a key. Team and enterprise keys
// fill Certificates; individual keys, which cannot see certificates, fill
// Apps. The other field is zero.
type VerifyResult struct {
	Certificates int `json:"certificates"`
	Apps         int `json:"apps"`
}

// Verify checks that App Store Connect accepts the key, with one cheap
// request: the first certificate (team and enterprise keys) or the first app
// (individual keys), counting them from Apple's announced total.
func (c *Client) Verify(ctx context.Context) (VerifyResult, *Response, error) {
	path, fields, what := "/v1/certificates", url.Values{"fields[certificates]": {"serialNumber"}}, "certificates"
	if !c.creds.Kind.CanProvision() {
		path, fields, what = "/v1/apps", url.Values{"fields[apps]": {"name"}}, "apps"
	}
	fields.Set("limit", "1")
	u, err := c.endpoint(path, fields)
	if err != nil {
		return VerifyResult{}, nil, err
	}
	resp := &Response{}
	doc, err := getJSON[listDocument[json.RawMessage]](ctx, c, u, resp)
	if err != nil {
		if fromExchange(err) {
			// It says already that App Store Connect refused the key or
			// could not be reached, and what to do.
			return VerifyResult{}, resp, err
		}
		return VerifyResult{}, resp, fmt.Errorf("checking the key with App Store Connect: %w", err)
	}
	resp.Pages = 1
	n := len(doc.Data)
	if doc.Meta != nil && doc.Meta.Paging.Total > n {
		n = doc.Meta.Paging.Total
	}
	if what == "apps" {
		return VerifyResult{Apps: n}, resp, nil
	}
	return VerifyResult{Certificates: n}, resp, nil
}

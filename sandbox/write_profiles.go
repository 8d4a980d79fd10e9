package sandbox

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// noDevicesDetail is Apple's refusal of devices in a profile that provisions
// none (App Store, in-house, Developer ID).
const noDevicesDetail = "No devices can be associated to Provisioning Profiles for the App Store."

// createProfile is POST /v1/profiles: the certificate types that fit the
// profile type (profileKinds, the fastlane/Codemagic table), the devices
// rule, unique names, then a signed profile with a new UUID.
func createProfile(c *call, _ string) reply {
	if errs := parseParams(c, profilesType, modeWrite); errs != nil {
		return errorReply(errs...)
	}
	b, bad := readBody(c, "profiles", []string{"name", "profileType"}, []string{"bundleId", "certificates", "devices"})
	if bad != nil {
		return errorReply(bad)
	}
	name, _ := b.str("name", true, nil)
	pt, _ := b.str("profileType", true, profileTypes)
	bundleIDs, _ := b.linkage("bundleId", "bundleIds", false, true)
	certIDs, _ := b.linkage("certificates", "certificates", true, true)
	deviceIDs, _ := b.linkage("devices", "devices", true, false)
	if rep, ok := b.reply(); !ok {
		return rep
	}
	if c.key.Role == RoleDeveloper && !developmentProfiles[pt] {
		return errorReply(errNotAllowed())
	}
	st, k := c.s.data, profileKinds[pt]
	bundle, ok := st.bundles.get(bundleIDs[0])
	if !ok {
		return errorReply(errEntity("ENTITY_ERROR", "/data/relationships/bundleId",
			fmt.Sprintf("There is no App ID with ID '%s' on this team.", bundleIDs[0])))
	}
	var errs []*apiError
	certs := make([]*certificate, 0, len(certIDs))
	for i, id := range certIDs {
		at := "/data/relationships/certificates/data/" + itoa(i)
		v, ok := st.certs.get(id)
		switch {
		case !ok:
			errs = append(errs, errEntity("ENTITY_ERROR.RELATIONSHIP.INVALID", at,
				fmt.Sprintf("There is no certificate with ID '%s' on this team.", id)))
		case !slices.Contains(k.certs, v.certType):
			errs = append(errs, errEntity("ENTITY_ERROR.RELATIONSHIP.INVALID", at,
				fmt.Sprintf("The certificate '%s' is of type %s, which %s profiles cannot use (they take %s).",
					id, v.certType, pt, strings.Join(k.certs, " or "))))
		case !v.expires.After(c.s.now()):
			errs = append(errs, errEntity("ENTITY_ERROR.RELATIONSHIP.INVALID", at,
				fmt.Sprintf("The certificate '%s' has expired.", id)))
		default:
			certs = append(certs, v)
		}
	}
	var devices []*device
	switch {
	case k.devices && len(deviceIDs) == 0:
		errs = append(errs, errEntity("ENTITY_ERROR.RELATIONSHIP.REQUIRED", "/data/relationships/devices",
			"The relationship 'devices' is required"))
	case !k.devices && len(deviceIDs) > 0:
		errs = append(errs, errEntity("ENTITY_ERROR.RELATIONSHIP.NOT_ALLOWED", "/data/relationships/devices", noDevicesDetail))
	}
	for i, id := range deviceIDs {
		at := "/data/relationships/devices/data/" + itoa(i)
		d, ok := st.devices.get(id)
		switch {
		case !ok:
			errs = append(errs, errEntity("ENTITY_ERROR.RELATIONSHIP.INVALID", at,
				fmt.Sprintf("There is no device with ID '%s' on this team.", id)))
		case d.status != "ENABLED":
			errs = append(errs, errEntity("ENTITY_ERROR.RELATIONSHIP.INVALID", at,
				fmt.Sprintf("The device '%s' is disabled; enable it before adding it to a profile.", id)))
		case !slices.Contains(devices, d):
			devices = append(devices, d)
		}
	}
	if slices.ContainsFunc(st.profiles.items, func(p *profile) bool { return p.name == name }) {
		// The developer portal's wording, which is what API users report.
		errs = append(errs, errEntity("ENTITY_ERROR.ATTRIBUTE.INVALID", "/data/attributes/name",
			fmt.Sprintf("Multiple profiles found with the name '%s'.  Please remove the duplicate profiles and try again.", name)))
	}
	if errs != nil {
		return errorReply(errs...)
	}
	p := st.addProfile(name, pt, bundle, certs, devices, c.s.now())
	return written(c, profilesType, p, http.StatusCreated)
}

// addProfile stores a new ACTIVE profile made now, with a new UUID. It
// expires a year later, or with the first of its certificates to expire, as
// Apple's do.
func (st *store) addProfile(name, pt string, bundle *bundleID, certs []*certificate, devices []*device, now time.Time) *profile {
	p := &profile{base: base{st.newID()}, name: name, profileType: pt, platform: profileKinds[pt].platform,
		uuid: newUUID(), state: "ACTIVE", bundle: bundle, certs: certs, devices: devices}
	p.created = now.UTC().Truncate(time.Millisecond)
	p.expires = p.created.Add(365 * day)
	for _, v := range certs {
		if v.expires.Before(p.expires) {
			p.expires = v.expires
		}
	}
	p.createdText, p.expiresText = appleTime(p.created), appleTime(p.expires)
	bundle.profiles = append(slices.Clone(bundle.profiles), p)
	st.profiles.add(p)
	return p
}

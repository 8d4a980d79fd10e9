package sandbox

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// bundleIdentifier is a reverse-DNS identifier, or a wildcard ending in ".*".
var bundleIdentifier = regexp.MustCompile(`^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(\.\*)?$`)

// createBundleID is POST /v1/bundleIds: an identifier no App ID uses yet
// (Apple compares without regard to case, across every team; the sandbox
// knows only its own).
func createBundleID(c *call, _ string) reply {
	if errs := parseParams(c, bundleIDsType, modeWrite); errs != nil {
		return errorReply(errs...)
	}
	b, bad := readBody(c, "bundleIds", []string{"identifier", "name", "platform", "seedId"}, nil)
	if bad != nil {
		return errorReply(bad)
	}
	ident, _ := b.str("identifier", true, nil)
	name, _ := b.str("name", true, nil)
	platform, _ := b.str("platform", true, filterPlatforms)
	seed, hasSeed := b.str("seedId", false, nil)
	if rep, ok := b.reply(); !ok {
		return rep
	}
	cfg := c.s.cfg
	switch {
	case !bundleIdentifier.MatchString(ident):
		return errorReply(errEntity("ENTITY_ERROR.ATTRIBUTE.INVALID", "/data/attributes/identifier",
			fmt.Sprintf("'%s' is not a valid identifier: use letters, digits, hyphens and periods (reverse-DNS, e.g. com.example.app), optionally ending in .*", ident)))
	case hasSeed && seed != cfg.TeamID:
		return errorReply(errEntity("ENTITY_ERROR.ATTRIBUTE.INVALID", "/data/attributes/seedId",
			fmt.Sprintf("'%s' is not a valid value for the attribute 'seedId'", seed)))
	}
	st := c.s.data
	if slices.ContainsFunc(st.bundles.items, func(v *bundleID) bool { return strings.EqualFold(v.identifier, ident) }) {
		return errorReply(errEntity("ENTITY_ERROR.ATTRIBUTE.INVALID", "/data/attributes/identifier",
			fmt.Sprintf("An App ID with Identifier '%s' is not available. Please enter a different string.", ident)))
	}
	v := &bundleID{base: base{st.newID()}, name: name, identifier: ident, platform: platform, seedID: cfg.TeamID}
	st.bundles.add(v)
	return written(c, bundleIDsType, v, http.StatusCreated)
}

// deleteBundleID is DELETE /v1/bundleIds/{id}. An App ID that an app in
// App Store Connect uses cannot be removed (the reported wording; the spec
// lists no 409 here). Its provisioning profiles go with it: a profile
// cannot outlive its App ID.
func deleteBundleID(c *call, id string) reply {
	if errs := parseParams(c, bundleIDsType, modeWrite); errs != nil {
		return errorReply(errs...)
	}
	st := c.s.data
	v, ok := st.bundles.get(id)
	if !ok {
		return errorReply(errNoResource("bundleIds", id))
	}
	if v.app != nil {
		return errorReply(errEntity("ENTITY_ERROR", "",
			fmt.Sprintf("The App ID '%s' appears to be in use by the App Store, so it can not be removed at this time.", v.identifier)))
	}
	if c.key.Role == RoleDeveloper && slices.ContainsFunc(v.profiles, func(p *profile) bool { return !developmentProfiles[p.profileType] }) {
		return errorReply(errNotAllowed()) // it would delete distribution profiles
	}
	for _, p := range v.profiles {
		st.profiles.remove(p.id)
	}
	st.bundles.remove(id)
	return reply{status: http.StatusNoContent}
}

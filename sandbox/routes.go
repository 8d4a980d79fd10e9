package sandbox

import (
	"net/http"
	"slices"
	"strings"
)

// route is one method and path the sandbox serves.
type route struct {
	method  string
	pattern string
	label   string // "GET /v1/profiles/{id}", as in Stats.ByRoute
	segs    []string
	// provisioning routes are refused to individual keys.
	provisioning bool
	// writes routes take the data's write lock.
	writes bool
	handle func(c *call, id string) reply
}

var routes []*route

func init() {
	add := func(method, pattern string, provisioning, writes bool, h func(*call, string) reply) {
		routes = append(routes, &route{
			method: method, pattern: pattern, label: method + " " + pattern,
			segs: strings.Split(strings.TrimPrefix(pattern, "/"), "/"), provisioning: provisioning, writes: writes, handle: h,
		})
	}
	const get, del, post, patch = http.MethodGet, http.MethodDelete, http.MethodPost, http.MethodPatch
	add(get, "/v1/certificates", true, false, listHandler(certificatesType))
	add(post, "/v1/certificates", true, true, createCertificate)
	add(get, "/v1/certificates/{id}", true, false, instanceHandler(certificatesType))
	add(del, "/v1/certificates/{id}", true, true, deleteCertificate)
	add(get, "/v1/profiles", true, false, listHandler(profilesType))
	add(post, "/v1/profiles", true, true, createProfile)
	add(get, "/v1/profiles/{id}", true, false, instanceHandler(profilesType))
	add(del, "/v1/profiles/{id}", true, true, deleteProfile)
	add(get, "/v1/profiles/{id}/bundleId", true, false,
		relatedOneHandler(profilesType, bundleIDsType, func(p *profile) *bundleID { return p.bundle }))
	add(get, "/v1/profiles/{id}/certificates", true, false,
		relatedListHandler(profilesType, certificatesType, func(p *profile) []*certificate { return p.certs }))
	add(get, "/v1/profiles/{id}/devices", true, false,
		relatedListHandler(profilesType, devicesType, func(p *profile) []*device { return p.devices }))
	add(get, "/v1/bundleIds", true, false, listHandler(bundleIDsType))
	add(post, "/v1/bundleIds", true, true, createBundleID)
	add(get, "/v1/bundleIds/{id}", true, false, instanceHandler(bundleIDsType))
	add(del, "/v1/bundleIds/{id}", true, true, deleteBundleID)
	add(get, "/v1/bundleIds/{id}/profiles", true, false,
		relatedListHandler(bundleIDsType, profilesType, func(b *bundleID) []*profile { return b.profiles }))
	add(get, "/v1/devices", true, false, listHandler(devicesType))
	add(post, "/v1/devices", true, true, createDevice)
	add(get, "/v1/devices/{id}", true, false, instanceHandler(devicesType))
	add(patch, "/v1/devices/{id}", true, true, updateDevice)
	add(get, "/v1/apps", false, false, listHandler(appsType))
	add(get, "/v1/apps/{id}", false, false, instanceHandler(appsType))
}

// matchRoute finds the route for method and path and the {id} in it.
func matchRoute(method, path string) (*route, string) {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for _, rt := range routes {
		if rt.method != method {
			continue
		}
		if id, ok := matchSegments(rt.segs, segs); ok {
			return rt, id
		}
	}
	return nil, ""
}

// pathExists reports whether some method serves path, to tell 405 from 404.
func pathExists(path string) bool {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	return slices.ContainsFunc(routes, func(rt *route) bool {
		_, ok := matchSegments(rt.segs, segs)
		return ok
	})
}

func matchSegments(pattern, segs []string) (string, bool) {
	if len(pattern) != len(segs) {
		return "", false
	}
	id := ""
	for i, p := range pattern {
		switch {
		case p == "{id}" && segs[i] != "":
			id = segs[i]
		case p != segs[i]:
			return "", false
		}
	}
	return id, true
}

func listHandler[T entity](rt *resourceType[T]) func(*call, string) reply {
	return func(c *call, _ string) reply { return serveList(c, rt, nil, modeCollection) }
}

func instanceHandler[T entity](rt *resourceType[T]) func(*call, string) reply {
	return func(c *call, id string) reply {
		v, ok := rt.table(c.s.data).get(id)
		if !ok {
			return errorReply(errNoResource(rt.name, id))
		}
		return serveOne(c, rt, v, modeInstance)
	}
}

func relatedListHandler[O, T entity](owner *resourceType[O], rt *resourceType[T], get func(O) []T) func(*call, string) reply {
	return func(c *call, id string) reply {
		o, ok := owner.table(c.s.data).get(id)
		if !ok {
			return errorReply(errNoResource(owner.name, id))
		}
		return serveList(c, rt, get(o), modeRelatedList)
	}
}

func relatedOneHandler[O, T entity](owner *resourceType[O], rt *resourceType[T], get func(O) T) func(*call, string) reply {
	return func(c *call, id string) reply {
		o, ok := owner.table(c.s.data).get(id)
		if !ok {
			return errorReply(errNoResource(owner.name, id))
		}
		v := get(o)
		var zero T
		if v == zero {
			return errorReply(errNotFound("The " + owner.name + " resource '" + id + "' has no related " + rt.name))
		}
		return serveOne(c, rt, v, modeRelatedOne)
	}
}

// deleteCertificate revokes a certificate: it leaves the list, and the
// profiles that held it become INVALID, as on Apple's side.
func deleteCertificate(c *call, id string) reply {
	if errs := parseParams(c, certificatesType, modeWrite); errs != nil {
		return errorReply(errs...)
	}
	st := c.s.data
	v, ok := st.certs.get(id)
	if !ok {
		return errorReply(errNoResource("certificates", id))
	}
	if c.key.Role == RoleDeveloper && !v.developmentUse {
		return errorReply(errForbidden("The API key in use does not allow this request. Only Admin keys may revoke " + v.certType + " certificates."))
	}
	st.certs.remove(id)
	st.revoked = append(st.revoked, v)
	for _, p := range st.profiles.items {
		if i := slices.Index(p.certs, v); i >= 0 {
			p.certs = slices.Delete(slices.Clone(p.certs), i, i+1)
			p.state = "INVALID"
		}
	}
	if v.pass != nil {
		v.pass.certs = slices.DeleteFunc(slices.Clone(v.pass.certs), func(x *certificate) bool { return x == v })
	}
	st.profiles.invalidateSorted()
	return reply{status: http.StatusNoContent}
}

// deleteProfile deletes a profile and unlinks it from its bundle ID.
func deleteProfile(c *call, id string) reply {
	if errs := parseParams(c, profilesType, modeWrite); errs != nil {
		return errorReply(errs...)
	}
	st := c.s.data
	v, ok := st.profiles.get(id)
	if !ok {
		return errorReply(errNoResource("profiles", id))
	}
	if c.key.Role == RoleDeveloper && !developmentProfiles[v.profileType] {
		return errorReply(errForbidden("The API key in use does not allow this request. Only Admin keys may delete " + v.profileType + " profiles."))
	}
	st.profiles.remove(id)
	if b := v.bundle; b != nil {
		b.profiles = slices.DeleteFunc(slices.Clone(b.profiles), func(x *profile) bool { return x == v })
	}
	return reply{status: http.StatusNoContent}
}

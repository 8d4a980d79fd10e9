package sandbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// JSON:API documents, as App Store Connect writes them.
type (
	document struct {
		Data     any         `json:"data"`
		Included []resource  `json:"included,omitempty"`
		Links    docLinks    `json:"links"`
		Meta     *pagingMeta `json:"meta,omitempty"`
	}
	docLinks struct {
		Self string `json:"self"`
		Next string `json:"next,omitempty"`
	}
	pagingMeta struct {
		Paging paging `json:"paging"`
	}
	paging struct {
		Total int `json:"total"`
		Limit int `json:"limit"`
	}
	resource struct {
		Type          string        `json:"type"`
		ID            string        `json:"id"`
		Attributes    any           `json:"attributes,omitempty"`
		Relationships any           `json:"relationships,omitempty"`
		Links         resourceLinks `json:"links"`
	}
	resourceLinks struct {
		Self string `json:"self"`
	}
	relationship struct {
		Data  any         `json:"data,omitempty"` // *linkage or []linkage, only when included
		Links relLinks    `json:"links"`
		Meta  *pagingMeta `json:"meta,omitempty"`
	}
	relLinks struct {
		Self    string `json:"self"`
		Related string `json:"related"`
	}
	linkage struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	}
)

// Paging limits, as Apple enforces them.
const (
	maxLimit         = 200
	defaultLimit     = 20
	maxIncludeLimit  = 50
	defaultRelLimit  = 50 // Apple does not document one; 50 lets a client see that it must read meta.paging.total
	quirkPagingLimit = 2147483647
)

// relation describes one relationship of a resource type.
type relation struct {
	name string // relationship name, also the include value
	typ  string // type of the related resources
	many bool
}

// filter is one filter[...] a collection takes. Values are OR-ed.
type filter[T any] struct {
	enum  []string // allowed values; nil means free text
	match func(v T, want string) bool
}

// resourceType is everything the generic handlers need to know about one
// resource type: its fields (in spec order, which fixes the mask bits), its
// filters, sorts and relationships, and how to render one item.
type resourceType[T entity] struct {
	name      string
	fields    []string
	relations []relation
	table     func(*store) *table[T]
	filters   map[string]filter[T]
	sorts     map[string]func(T) string
	render    func(c *call, v T, m fieldMask, primary bool) resource
}

// fieldMask has bit i set when fields[i] of the type is wanted.
type fieldMask uint64

func (m fieldMask) has(i int) bool { return m&(1<<i) != 0 }

// typeFields lists the values fields[TYPE] accepts, per type, as in the spec.
var typeFields = map[string][]string{}

func allFields(typ string) fieldMask { return fieldMask(1)<<len(typeFields[typ]) - 1 }

// mode is the shape of request a handler serves; it decides which
// parameters are allowed.
type mode int

const (
	modeCollection  mode = iota // GET /v1/profiles
	modeInstance                // GET /v1/profiles/{id}
	modeRelatedList             // GET /v1/profiles/{id}/devices
	modeRelatedOne              // GET /v1/profiles/{id}/bundleId
	modeWrite                   // POST, PATCH, DELETE: no parameters
)

// params are a request's validated query parameters.
type params struct {
	limit     int
	offset    int
	sort      string
	filters   []filterArg
	include   map[string]bool
	fields    map[string]fieldMask
	relLimits map[string]int
}

type filterArg struct {
	name   string
	values []string
}

func (p *params) mask(typ string) fieldMask {
	if m, ok := p.fields[typ]; ok {
		return m
	}
	return allFields(typ)
}

func (p *params) relLimit(name string) int {
	if n, ok := p.relLimits[name]; ok {
		return n
	}
	return defaultRelLimit
}

// parseParams validates the query against what rt and md allow, as Apple
// does: unknown parameters are PARAMETER_ERROR.ILLEGAL, bad values of known
// ones PARAMETER_ERROR.INVALID. Every problem is reported, in a stable order.
func parseParams[T entity](c *call, rt *resourceType[T], md mode) []*apiError {
	p := &params{limit: defaultLimit, fields: map[string]fieldMask{}, include: map[string]bool{}, relLimits: map[string]int{}}
	c.params = p
	q, err := url.ParseQuery(c.r.URL.RawQuery)
	if err != nil {
		return []*apiError{newAPIError(http.StatusBadRequest, "PARAMETER_ERROR.INVALID", "A parameter has an invalid value",
			"The query string is malformed: "+err.Error())}
	}
	primary := md == modeCollection || md == modeInstance
	paged := md == modeCollection || md == modeRelatedList
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	sort.Strings(names)
	var errs []*apiError
	bad := func(e *apiError) { errs = append(errs, e) }
	for _, key := range names {
		vals := q[key]
		if len(vals) != 1 {
			bad(errInvalid(key, fmt.Sprintf("The parameter '%s' may be given only once", key)))
			continue
		}
		v := vals[0]
		inner, bracket := bracketed(key)
		switch {
		case key == "limit" && paged:
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > maxLimit {
				bad(errInvalid(key, fmt.Sprintf("'%s' is not a valid value for 'limit': use a whole number from 1 to %d", v, maxLimit)))
				continue
			}
			p.limit = n
		case key == "cursor" && paged:
			off, ok := c.s.decodeCursor(c.path, v)
			if !ok {
				bad(errInvalid(key, "The cursor is not valid for this request; start again from the first page"))
				continue
			}
			p.offset = off
		case key == "sort" && md == modeCollection && len(rt.sorts) > 0:
			for _, f := range strings.Split(v, ",") {
				if _, ok := rt.sorts[strings.TrimPrefix(f, "-")]; !ok {
					bad(errInvalid(key, fmt.Sprintf("'%s' is not a valid field name", f)))
				}
			}
			p.sort = v
		case key == "include" && primary && len(rt.relations) > 0:
			for _, f := range strings.Split(v, ",") {
				if rel := findRelation(rt.relations, f); rel == nil {
					bad(errInvalid(key, fmt.Sprintf("'%s' is not a valid relationship name", f)))
				} else {
					p.include[f] = true
				}
			}
		case bracket == "filter" && md == modeCollection:
			f, ok := rt.filters[inner]
			if !ok {
				bad(errInvalid(key, fmt.Sprintf("'%s' is not a valid filter type", inner)))
				continue
			}
			values := strings.Split(v, ",")
			for _, x := range values {
				if x == "" {
					bad(errInvalid(key, "A filter value must not be empty"))
				} else if f.enum != nil && !slices.Contains(f.enum, x) {
					bad(errInvalid(key, fmt.Sprintf("'%s' is not a valid value for the filter '%s'", x, inner)))
				}
			}
			p.filters = append(p.filters, filterArg{inner, values})
		case bracket == "fields" && md != modeWrite && (inner == rt.name || (primary && relatedType(rt.relations, inner))):
			var m fieldMask
			for _, f := range strings.Split(v, ",") {
				i := slices.Index(typeFields[inner], f)
				if i < 0 {
					bad(errInvalid(key, fmt.Sprintf("'%s' is not a valid field name", f)))
					continue
				}
				m |= 1 << i
			}
			p.fields[inner] = m
		case bracket == "limit" && primary && manyRelation(rt.relations, inner):
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > maxIncludeLimit {
				bad(errInvalid(key, fmt.Sprintf("'%s' is not a valid value for '%s': use a whole number from 1 to %d", v, key, maxIncludeLimit)))
				continue
			}
			p.relLimits[inner] = n
		default:
			bad(errIllegal(key))
		}
	}
	return errs
}

// bracketed splits "filter[name]" into "name", "filter".
func bracketed(key string) (inner, outer string) {
	i := strings.IndexByte(key, '[')
	if i < 0 || !strings.HasSuffix(key, "]") {
		return "", ""
	}
	return key[i+1 : len(key)-1], key[:i]
}

func findRelation(rels []relation, name string) *relation {
	for i := range rels {
		if rels[i].name == name {
			return &rels[i]
		}
	}
	return nil
}

func relatedType(rels []relation, typ string) bool {
	return slices.ContainsFunc(rels, func(r relation) bool { return r.typ == typ })
}

func manyRelation(rels []relation, name string) bool {
	r := findRelation(rels, name)
	return r != nil && r.many
}

// serveList answers a collection (md == modeCollection: the whole table,
// sorted and filtered) or a to-many related list (source), one page at a time.
func serveList[T entity](c *call, rt *resourceType[T], source []T, md mode) reply {
	if errs := parseParams(c, rt, md); errs != nil {
		return errorReply(errs...)
	}
	p := c.params
	items := source
	if md == modeCollection {
		items = rt.table(c.s.data).ordered(p.sort, rt.sorts)
		items = applyFilters(items, rt, p.filters)
	}
	total := len(items)
	start := min(p.offset, total)
	end := min(start+p.limit, total)
	data := make([]resource, 0, end-start)
	mask := p.mask(rt.name)
	for _, v := range items[start:end] {
		data = append(data, rt.render(c, v, mask, true))
		if c.abort != nil {
			return errorReply(c.abort)
		}
	}
	doc := document{Data: data, Included: c.included, Links: docLinks{Self: c.selfURL()},
		Meta: &pagingMeta{Paging: paging{Total: total, Limit: p.limit}}}
	if c.s.cfg.Quirks && total > 0 {
		doc.Meta.Paging.Total = total - 1 // Apple's totals are not to be trusted
	}
	if end < total {
		doc.Links.Next = c.nextURL(end)
	}
	return jsonReply(http.StatusOK, doc)
}

// serveOne answers a single-resource document.
func serveOne[T entity](c *call, rt *resourceType[T], v T, md mode) reply {
	if errs := parseParams(c, rt, md); errs != nil {
		return errorReply(errs...)
	}
	res := rt.render(c, v, c.params.mask(rt.name), md == modeInstance)
	if c.abort != nil {
		return errorReply(c.abort)
	}
	return jsonReply(http.StatusOK, document{Data: res, Included: c.included, Links: docLinks{Self: c.selfURL()}})
}

func applyFilters[T entity](items []T, rt *resourceType[T], args []filterArg) []T {
	if len(args) == 0 {
		return items
	}
	out := make([]T, 0, len(items)/4)
	for _, v := range items {
		if matchesAll(v, rt, args) {
			out = append(out, v)
		}
	}
	return out
}

func matchesAll[T entity](v T, rt *resourceType[T], args []filterArg) bool {
	for _, a := range args {
		f := rt.filters[a.name]
		if !slices.ContainsFunc(a.values, func(want string) bool { return f.match(v, want) }) {
			return false
		}
	}
	return true
}

// newResource starts a resource object with its self link.
func (c *call) newResource(typ, id string) resource {
	return resource{Type: typ, ID: id, Links: resourceLinks{Self: c.base + "/v1/" + typ + "/" + id}}
}

// wantsRelation reports whether relationship bit/name is rendered: when the
// fieldset asks for it, or when it is included (so included resources are
// always linked from the primary data).
func (c *call) wantsRelation(m fieldMask, bit int, name string, primary bool) bool {
	return m.has(bit) || (primary && c.params.include[name])
}

func (c *call) relLinks(typ, id, name string) relLinks {
	owner := c.base + "/v1/" + typ + "/" + id
	return relLinks{Self: owner + "/relationships/" + name, Related: owner + "/" + name}
}

// relateOne renders a to-one relationship, including the target when asked.
func relateOne[T entity](c *call, ownerType, ownerID, name string, rt *resourceType[T], target T, primary bool) *relationship {
	rel := &relationship{Links: c.relLinks(ownerType, ownerID, name)}
	var zero T
	if primary && c.params.include[name] && target != zero {
		rel.Data = &linkage{Type: rt.name, ID: target.resID()}
		includeResource(c, rt, target)
	}
	return rel
}

// relateMany renders a to-many relationship. When included, data holds the
// first limit[name] linkages and meta.paging.total the true count, so a client
// can count beyond the include limit.
func relateMany[T entity](c *call, ownerType, ownerID, name string, rt *resourceType[T], targets []T, primary bool) *relationship {
	rel := &relationship{Links: c.relLinks(ownerType, ownerID, name)}
	if !primary || !c.params.include[name] {
		if c.s.cfg.Quirks {
			rel.Meta = &pagingMeta{Paging: paging{Total: 0, Limit: quirkPagingLimit}}
		}
		return rel
	}
	limit := c.params.relLimit(name)
	n := min(limit, len(targets))
	data := make([]linkage, n)
	for i, t := range targets[:n] {
		data[i] = linkage{Type: rt.name, ID: t.resID()}
		includeResource(c, rt, t)
	}
	rel.Data = data
	rel.Meta = &pagingMeta{Paging: paging{Total: len(targets), Limit: limit}}
	return rel
}

// includeResource adds v to the document's included resources once.
func includeResource[T entity](c *call, rt *resourceType[T], v T) {
	k := rt.name + "/" + v.resID()
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	if c.seen[k] {
		return
	}
	c.seen[k] = true
	c.included = append(c.included, rt.render(c, v, c.params.mask(rt.name), false))
}

func (c *call) selfURL() string {
	u := c.base + c.path
	if c.r.URL.RawQuery != "" {
		u += "?" + c.r.URL.RawQuery
	}
	return u
}

// nextURL is the absolute link to the page starting at offset: the same
// query with a new cursor.
func (c *call) nextURL(offset int) string {
	q, _ := url.ParseQuery(c.r.URL.RawQuery) // already validated
	q.Set("cursor", c.s.encodeCursor(c.path, offset))
	return c.base + c.path + "?" + q.Encode()
}

// Cursors are opaque to clients: an offset and a MAC that binds it to the
// path, so a tampered or transplanted cursor is refused.
func (s *Server) encodeCursor(path string, offset int) string {
	b := binary.AppendUvarint(nil, uint64(offset))
	return base64.RawURLEncoding.EncodeToString(append(b, s.cursorMAC(path, b)...))
}

func (s *Server) decodeCursor(path, cursor string) (int, bool) {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(cursor)
	if err != nil {
		return 0, false
	}
	off, n := binary.Uvarint(raw)
	if n <= 0 || off > 1<<31 || !hmac.Equal(raw[n:], s.cursorMAC(path, raw[:n])) {
		return 0, false
	}
	return int(off), true
}

func (s *Server) cursorMAC(path string, b []byte) []byte {
	m := hmac.New(sha256.New, s.cursorKey)
	m.Write([]byte(path))
	m.Write([]byte{0})
	m.Write(b)
	return m.Sum(nil)[:8]
}

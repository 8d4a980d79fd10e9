package sandbox

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
)

// entityDoc is a request document as POST and PATCH take it:
// {"data": {"type", "id"?, "attributes", "relationships"}}.
type entityDoc struct {
	Data struct {
		Type          string                     `json:"type"`
		ID            string                     `json:"id"`
		Attributes    map[string]json.RawMessage `json:"attributes"`
		Relationships map[string]struct {
			Data json.RawMessage `json:"data"`
		} `json:"relationships"`
	} `json:"data"`
}

// body reads a request document member by member and gathers every problem,
// as Apple reports them together: each getter returns the zero value after
// recording why.
type body struct {
	doc  entityDoc
	errs []*apiError
}

// readBody decodes c's body as a document of type typ that may hold the
// attributes attrs and the relationships rels. A body that is not JSON, or
// not a document, is 422; the wrong type 409; other members are refused.
func readBody(c *call, typ string, attrs, rels []string) (*body, *apiError) {
	b := &body{}
	dec := json.NewDecoder(bytes.NewReader(c.body))
	if err := dec.Decode(&b.doc); err != nil {
		return nil, errUnprocessable("The request body is not a JSON:API request document: " + err.Error())
	}
	if dec.More() {
		return nil, errUnprocessable("The request body holds more than one JSON document.")
	}
	if b.doc.Data.Type != typ {
		return nil, errEntity("ENTITY_ERROR.ATTRIBUTE.INVALID", "/data/type",
			fmt.Sprintf("The resource type '%s' is not valid here: expected '%s'", b.doc.Data.Type, typ))
	}
	var unknown []string
	for name := range b.doc.Data.Attributes {
		if !slices.Contains(attrs, name) {
			unknown = append(unknown, "/data/attributes/"+name)
		}
	}
	for name := range b.doc.Data.Relationships {
		if !slices.Contains(rels, name) {
			unknown = append(unknown, "/data/relationships/"+name)
		}
	}
	sort.Strings(unknown)
	for _, p := range unknown {
		b.errs = append(b.errs, errEntity("ENTITY_ERROR.ATTRIBUTE.UNKNOWN", p,
			fmt.Sprintf("'%s' is not a member this request takes", p)))
	}
	return b, nil
}

func (b *body) fail(e *apiError) { b.errs = append(b.errs, e) }

// str reads a string attribute. Required ones must be present and not
// empty; with values, it must be one of them. present is false when the
// attribute is absent or null.
func (b *body) str(name string, required bool, values []string) (v string, present bool) {
	ptr := "/data/attributes/" + name
	raw, ok := b.doc.Data.Attributes[name]
	if !ok || string(raw) == "null" {
		if required {
			b.fail(errEntity("ENTITY_ERROR.ATTRIBUTE.REQUIRED", ptr,
				fmt.Sprintf("You must provide a value for the attribute '%s' with this request", name)))
		}
		return "", false
	}
	if json.Unmarshal(raw, &v) != nil {
		b.fail(errEntity("ENTITY_ERROR.ATTRIBUTE.TYPE", ptr, fmt.Sprintf("The attribute '%s' must be a string", name)))
		return "", false
	}
	switch {
	case v == "" && required:
		b.fail(errEntity("ENTITY_ERROR.ATTRIBUTE.REQUIRED", ptr,
			fmt.Sprintf("You must provide a value for the attribute '%s' with this request", name)))
		return "", false
	case values != nil && !slices.Contains(values, v):
		b.fail(errEntity("ENTITY_ERROR.ATTRIBUTE.INVALID", ptr,
			fmt.Sprintf("'%s' is not a valid value for the attribute '%s'", v, name)))
		return "", false
	}
	return v, true
}

// linkage reads relationship name's data: one linkage (many false) or a list.
// Every linkage must have type typ and an id. present is false when the
// relationship is absent or its data null; required ones are then refused.
func (b *body) linkage(name, typ string, many, required bool) (ids []string, present bool) {
	ptr := "/data/relationships/" + name
	rel, ok := b.doc.Data.Relationships[name]
	if !ok || len(rel.Data) == 0 || string(rel.Data) == "null" {
		if required {
			b.fail(errEntity("ENTITY_ERROR.RELATIONSHIP.REQUIRED", ptr, fmt.Sprintf("The relationship '%s' is required", name)))
		}
		return nil, false
	}
	var links []linkage
	var err error
	if many {
		err = json.Unmarshal(rel.Data, &links)
	} else {
		var one linkage
		err = json.Unmarshal(rel.Data, &one)
		links = []linkage{one}
	}
	if err != nil {
		b.fail(errEntity("ENTITY_ERROR.RELATIONSHIP.INVALID", ptr+"/data",
			fmt.Sprintf("The relationship '%s' must hold %s", name, map[bool]string{true: "a list of linkages", false: "one linkage"}[many])))
		return nil, false
	}
	for i, l := range links {
		at := ptr + "/data"
		if many {
			at += "/" + itoa(i)
		}
		if l.Type != typ || l.ID == "" {
			b.fail(errEntity("ENTITY_ERROR.RELATIONSHIP.INVALID", at,
				fmt.Sprintf("A linkage in '%s' must have type '%s' and an id", name, typ)))
			return nil, false
		}
		ids = append(ids, l.ID)
	}
	if required && len(ids) == 0 {
		b.fail(errEntity("ENTITY_ERROR.RELATIONSHIP.REQUIRED", ptr, fmt.Sprintf("The relationship '%s' is required", name)))
	}
	return ids, true
}

// written answers a successful write with the resource, rendered in full as
// a GET of it would be (Apple's 201 and 200 documents carry every attribute,
// certificateContent and profileContent included).
func written[T entity](c *call, rt *resourceType[T], v T, status int) reply {
	res := rt.render(c, v, allFields(rt.name), true)
	if c.abort != nil {
		return errorReply(c.abort)
	}
	return jsonReply(status, document{Data: res, Links: docLinks{Self: c.base + "/v1/" + rt.name + "/" + v.resID()}})
}

// newID returns a 10-character id like Apple's that no resource of st uses.
// Callers hold the write lock.
func (st *store) newID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	for {
		var b [10]byte
		_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
		for i := range b {
			b[i] = alphabet[int(b[i])%len(alphabet)]
		}
		id := string(b[:])
		if !st.idTaken(id) {
			return id
		}
	}
}

func (st *store) idTaken(id string) bool {
	_, c := st.certs.get(id)
	_, p := st.profiles.get(id)
	_, b := st.bundles.get(id)
	_, d := st.devices.get(id)
	return c || p || b || d || slices.ContainsFunc(st.revoked, func(v *certificate) bool { return v.id == id })
}

// reply answers a write whose body had problems; ok means it had none.
func (b *body) reply() (reply, bool) {
	if len(b.errs) == 0 {
		return reply{}, true
	}
	return errorReply(b.errs...), false
}

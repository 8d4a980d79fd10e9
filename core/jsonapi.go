package core

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// The JSON:API documents App Store Connect sends, decoded just enough for the
// lists: A is the attribute type, which for the four resources is the model
// itself (the models' JSON tags are Apple's attribute names).

// resource is one item of "data" or "included".
type resource[A any] struct {
	Type          string                  `json:"type"`
	ID            string                  `json:"id"`
	Attributes    A                       `json:"attributes"`
	Relationships map[string]relationship `json:"relationships"`
}

// relationship is a resource's link to others: "data" is one linkage (to-one),
// an array of them (to-many) or null; meta.paging.total counts a to-many
// relationship when Apple includes only its first items.
type relationship struct {
	Data json.RawMessage `json:"data"`
	Meta *pagingMeta     `json:"meta"`
}

type linkage struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// one returns the linkage of a to-one relationship, if present.
func (r relationship) one() (linkage, bool) {
	var l linkage
	if len(r.Data) == 0 || r.Data[0] != '{' || json.Unmarshal(r.Data, &l) != nil || l.ID == "" {
		return linkage{}, false
	}
	return l, true
}

// count is the size of a to-many relationship: the larger of what Apple says
// the total is and the linkages it sent, since either may be missing.
func (r relationship) count() int {
	var ls []linkage
	if len(r.Data) > 0 && r.Data[0] == '[' {
		_ = json.Unmarshal(r.Data, &ls) // unreadable linkages count as none
	}
	n := len(ls)
	if r.Meta != nil && r.Meta.Paging.Total > n {
		n = r.Meta.Paging.Total
	}
	return n
}

type pagingMeta struct {
	Paging struct {
		Total int `json:"total"`
		Limit int `json:"limit"`
	} `json:"paging"`
}

// listDocument is a page of a collection.
type listDocument[A any] struct {
	Data     []resource[A]               `json:"data"`
	Included []resource[json.RawMessage] `json:"included"`
	Links    struct {
		Self string `json:"self"`
		Next string `json:"next"`
	} `json:"links"`
	Meta *pagingMeta `json:"meta"`
}

// singleDocument is the answer for one resource.
type singleDocument[A any] struct {
	Data resource[A] `json:"data"`
}

// included finds the included resources of a page by type and id.
type included map[string]json.RawMessage

func indexIncluded(items []resource[json.RawMessage]) included {
	idx := make(included, len(items))
	for _, it := range items {
		idx[it.Type+"\x00"+it.ID] = it.Attributes
	}
	return idx
}

// attributes decodes the attributes of the included resource typ/id into v,
// reporting whether it was there.
func (in included) attributes(typ, id string, v any) bool {
	raw, ok := in[typ+"\x00"+id]
	return ok && json.Unmarshal(raw, v) == nil
}

// ListOptions are the options every list shares.
type ListOptions struct {
	// OnPage, when set, is called after each page with the number of items
	// received so far and the total Apple announced (0 if it did not). The
	// total is for progress display only: lists end when Apple sends no next
	// page, whatever the total said. It is called on the listing goroutine.
	OnPage func(fetched, total int)
}

// maxPages stops a server that keeps sending new next links: 10,000 pages of
// 200 is more than any account holds.
const maxPages = 10000

// pageLimit is the largest page Apple serves.
const pageLimit = 200

// listQuery is the query every list sends: its fields, the page size, and the
// filters that are set. Array values are comma-separated, as Apple's spec
// says (style form, explode false).
func listQuery(fields map[string][]string, filters map[string][]string) url.Values {
	q := url.Values{}
	q.Set("limit", strconv.Itoa(pageLimit))
	for k, v := range fields {
		q.Set(k, strings.Join(v, ","))
	}
	for k, v := range filters {
		var vals []string
		for _, s := range v {
			if s = strings.TrimSpace(s); s != "" {
				vals = append(vals, s)
			}
		}
		if len(vals) > 0 {
			q.Set("filter["+k+"]", strings.Join(vals, ","))
		}
	}
	return q
}

// listAll fetches every page of the collection at path, converting each item
// with convert. It follows links.next only to the scheme and host of the first
// request, and stops when a page has no next link.
func listAll[A, T any](ctx context.Context, c *Client, what, path string, q url.Values, opt ListOptions,
	convert func(r *resource[A], in included) T) ([]T, *Response, error) {
	resp := &Response{}
	u, err := c.endpoint(path, q)
	if err != nil {
		return nil, nil, err
	}
	first := u
	seen := map[string]bool{}
	out := []T{} // an empty list prints as [] in --json, not null
	for page := 1; ; page++ {
		doc, err := getJSON[listDocument[A]](ctx, c, u, resp)
		if err != nil {
			return nil, resp, fmt.Errorf("listing %s: %w", what, err)
		}
		resp.Pages++
		idx := indexIncluded(doc.Included)
		for i := range doc.Data {
			out = append(out, convert(&doc.Data[i], idx))
		}
		if opt.OnPage != nil {
			total := 0
			if doc.Meta != nil {
				total = doc.Meta.Paging.Total
			}
			opt.OnPage(len(out), total)
		}
		if doc.Links.Next == "" {
			return out, resp, nil
		}
		seen[u.String()] = true
		next, err := nextPage(first, u, doc.Links.Next)
		if err != nil {
			return nil, resp, fmt.Errorf("listing %s: %w", what, err)
		}
		if seen[next.String()] || page >= maxPages {
			return nil, resp, fmt.Errorf("listing %s: App Store Connect keeps sending next pages (%d so far): stopped", what, page)
		}
		u = next
	}
}

// nextPage resolves a links.next value against the current page and refuses
// one that leaves the scheme and host of the first request: the token must
// not be sent anywhere else.
func nextPage(first, current *url.URL, next string) (*url.URL, error) {
	ref, err := url.Parse(next)
	if err != nil {
		return nil, fmt.Errorf("App Store Connect sent an unreadable next-page link: %v", err)
	}
	u := current.ResolveReference(ref)
	if !strings.EqualFold(u.Scheme, first.Scheme) || !strings.EqualFold(u.Host, first.Host) {
		return nil, fmt.Errorf("the next-page link points to %s://%s, not %s://%s: refusing to send the key's token there",
			u.Scheme, u.Host, first.Scheme, first.Host)
	}
	return u, nil
}

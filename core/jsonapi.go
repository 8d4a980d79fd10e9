package core

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
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

// ids returns the ids of a to-many relationship's linkages (at most the
// limit the request set) and its size: the larger of what Apple says the
// total is and the linkages it sent, since either may be missing.
func (r relationship) ids() ([]string, int) {
	var ls []linkage
	if len(r.Data) > 0 && r.Data[0] == '[' {
		_ = json.Unmarshal(r.Data, &ls) // unreadable linkages count as none
	}
	out := make([]string, 0, len(ls))
	for _, l := range ls {
		if l.ID != "" {
			out = append(out, l.ID)
		}
	}
	n := len(ls)
	if r.Meta != nil && r.Meta.Paging.Total > n {
		n = r.Meta.Paging.Total
	}
	return out, n
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
	// page, whatever the total said. It is called on the listing goroutine,
	// or, for a list fetched in partitions, by one partition's goroutine at a
	// time.
	OnPage func(fetched, total int)
	// Sequential fetches a list that could be fetched in partitions (see
	// listPartitioned) as the one chain of pages, as App Store Connect
	// pages it.
	Sequential bool
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
// with convert, whose error (a malformed item) ends the list. It follows links.next only to the scheme and host of the first
// request, and stops when a page has no next link.
//
// Pages must be fetched one after another (each names the next), so whatever
// happens between two requests delays a list of many pages beyond its round
// trips. A fetcher goroutine therefore reads only the links of a page (after
// checking the whole document is well-formed JSON) and asks for the next page
// at once, while this goroutine decodes and converts the items: decoding a
// page of 200 profiles overlaps the next round trip instead of delaying it.
// The fetcher runs at most one page ahead, so memory stays bounded, and it
// has ended by the time listAll returns.
//
// onItems, when not nil, is given each page's items as soon as they are
// converted (a slice of its own), on the listing goroutine: a window can show
// the first rows of a long list a round trip after asking.
func listAll[A, T any](ctx context.Context, c *Client, what, path string, q url.Values, opt ListOptions,
	convert func(r *resource[A], in included) (T, error), onItems func([]T)) ([]T, *Response, error) {
	u, err := c.endpoint(path, q)
	if err != nil {
		return nil, nil, err
	}
	resp := &Response{}
	out, err := listFrom(ctx, c, what, u, resp, opt, convert, onItems)
	if err != nil {
		return nil, resp, err
	}
	return out, resp, nil
}

// listFrom is listAll from the page at u on, adding the exchanges to resp.
func listFrom[A, T any](ctx context.Context, c *Client, what string, u *url.URL, resp *Response, opt ListOptions,
	convert func(r *resource[A], in included) (T, error), onItems func([]T)) ([]T, error) {
	fctx, stop := context.WithCancel(ctx)
	defer stop()
	pages := make(chan *pageEnvelope, 1)
	var fetchErr error // written by the fetcher before it closes pages
	go func() {
		defer close(pages)
		fetchErr = fetchPages(fctx, c, u, resp, pages)
	}()

	out := []T{} // an empty list prints as [] in --json, not null
	var decodeErr error
	for env := range pages {
		if decodeErr != nil {
			continue // drain, so the fetcher can end
		}
		<-env.nextSent
		var doc listDocument[A]
		if err := env.decode(&doc); err != nil {
			decodeErr = err
			stop()
			continue
		}
		env.body = nil // decoded: let it go
		idx := indexIncluded(doc.Included)
		before := len(out)
		for i := range doc.Data {
			item, err := convert(&doc.Data[i], idx)
			if err != nil {
				decodeErr = err
				break
			}
			out = append(out, item)
		}
		if decodeErr != nil {
			stop()
			continue
		}
		if onItems != nil && len(out) > before {
			onItems(slices.Clone(out[before:]))
		}
		if opt.OnPage != nil {
			total := 0
			if env.Meta != nil {
				total = env.Meta.Paging.Total
			}
			opt.OnPage(len(out), total)
		}
	}
	// pages is closed: the fetcher is done with resp and fetchErr.
	if decodeErr != nil {
		return nil, fmt.Errorf("listing %s: %w", what, decodeErr)
	}
	if fetchErr != nil {
		return nil, fmt.Errorf("listing %s: %w", what, fetchErr)
	}
	return out, nil
}

// pageEnvelope is a page of a collection of which only the links and the
// paging are decoded yet.
type pageEnvelope struct {
	// body is the whole document, well-formed JSON.
	body  []byte
	Links struct {
		Self string `json:"self"`
		Next string `json:"next"`
	}
	Meta *pagingMeta
	// status is the HTTP status the page came with, for errors.
	status int
	// nextSent is closed once the request for the next page has been
	// written, or will not be: see fetchPages.
	nextSent chan struct{}
}

// decodeBody reads the links and the paging of a page, checking that the
// whole body is well-formed JSON, and keeps the body (getJSON hands over a
// body it does not use again) for decode. It is on the path between two
// requests of a list, so it validates the body in one pass with json.Valid
// and decodes only the two small top-level members, found by topLevelMembers,
// rather than decoding the document, which scans it twice.
func (env *pageEnvelope) decodeBody(body []byte) error {
	if !json.Valid(body) {
		// Let encoding/json say what is wrong, as it would have.
		return json.Unmarshal(body, &struct{}{})
	}
	var err error
	topLevelMembers(body, func(key string, value []byte) {
		// Matched and decoded as encoding/json does a document's fields:
		// names regardless of case, repeated members in turn into the same
		// field, and the first error reported.
		var e error
		switch {
		case strings.EqualFold(key, "links"):
			e = json.Unmarshal(value, &env.Links)
		case strings.EqualFold(key, "meta"):
			e = json.Unmarshal(value, &env.Meta)
		}
		if err == nil {
			err = e
		}
	})
	if err != nil {
		return err
	}
	env.body = body
	return nil
}

// topLevelMembers calls member for each member of the JSON object doc, in
// order, with its key and its value. doc must be valid JSON (json.Valid); if
// it is not an object, member is not called. It only tracks strings and
// nesting, which valid JSON makes enough.
func topLevelMembers(doc []byte, member func(key string, value []byte)) {
	depth := 0
	key, valueStart := "", -1
	expectKey := false
	for i := 0; i < len(doc); i++ {
		switch c := doc[i]; c {
		case '"':
			start := i
			for i++; doc[i] != '"'; i++ {
				if doc[i] == '\\' {
					i++ // the escaped character, which may be a quote
				}
			}
			if depth == 1 && expectKey {
				expectKey = false
				key = string(doc[start+1 : i])
				if strings.ContainsRune(key, '\\') {
					_ = json.Unmarshal(doc[start:i+1], &key)
				}
				i += bytes.IndexByte(doc[i:], ':') // in valid JSON a colon follows a key
				valueStart = i + 1
			}
		case '{', '[':
			if depth == 0 && c == '{' {
				expectKey = true
			}
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				if valueStart >= 0 {
					member(key, bytes.TrimSpace(doc[valueStart:i]))
				}
				return
			}
		case ',':
			if depth == 1 && valueStart >= 0 {
				member(key, bytes.TrimSpace(doc[valueStart:i]))
				expectKey, valueStart = true, -1
			}
		}
	}
}

// decode decodes the page's items and included resources into doc. The body
// is well-formed JSON, so an error here is a document of the wrong shape,
// which asking again would not change.
func (env *pageEnvelope) decode(doc any) error {
	if err := json.Unmarshal(env.body, doc); err != nil {
		return &ResponseError{StatusCode: env.status, Err: err}
	}
	return nil
}

// fetchPages fetches the pages of a list from u on, following links.next,
// and hands each envelope to pages. It records the exchanges in resp and
// returns when a page has no next link, on the first error, or when ctx ends.
func fetchPages(ctx context.Context, c *Client, u *url.URL, resp *Response, pages chan<- *pageEnvelope) error {
	// Decoding a page takes milliseconds of processor time. Were it to start
	// as soon as the page is handed over, it would compete for the
	// processors with the goroutines that write the next page's request
	// (net/http's), delaying the one thing the list's wall time depends on.
	// So the decoder waits for the page's nextSent, closed by the next
	// request's WroteRequest trace hook, when that request ends, or when
	// fetching stops.
	var released func() // closes nextSent of the page handed over last
	defer func() {
		if released != nil {
			released()
		}
	}()
	first := u
	seen := map[string]bool{}
	for page := 1; ; page++ {
		pctx := ctx
		if release := released; release != nil {
			// The hook may run after getJSON has returned (net/http
			// can read an answer before it has finished writing): it
			// must not read released, which this goroutine changes.
			pctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
				WroteRequest: func(httptrace.WroteRequestInfo) { release() },
			})
		}
		env, err := getJSON[pageEnvelope](pctx, c, u, resp)
		if released != nil {
			released()
			released = nil
		}
		if err != nil {
			return err
		}
		resp.Pages++
		env.status = http.StatusOK
		if resp.HTTPResponse != nil {
			env.status = resp.HTTPResponse.StatusCode
		}
		sent := make(chan struct{})
		env.nextSent = sent
		released = sync.OnceFunc(func() { close(sent) })
		select {
		case pages <- env:
		case <-ctx.Done():
			return ctx.Err()
		}
		if env.Links.Next == "" {
			return nil
		}
		seen[u.String()] = true
		next, err := nextPage(first, u, env.Links.Next)
		if err != nil {
			return err
		}
		if seen[next.String()] || page >= maxPages {
			return fmt.Errorf("App Store Connect keeps sending next pages (%d so far): stopped", page)
		}
		u = next
	}
}

// nextPage resolves a links.next value against the current page and refuses
// one that leaves the origin (scheme, host and port) of the first request:
// the token must not be sent anywhere else.
func nextPage(first, current *url.URL, next string) (*url.URL, error) {
	ref, err := url.Parse(next)
	if err != nil {
		return nil, fmt.Errorf("App Store Connect sent an unreadable next-page link: %s", SafeText(err.Error()))
	}
	u := current.ResolveReference(ref)
	if !sameOrigin(u, first) {
		return nil, fmt.Errorf("the next-page link points to %s, not %s://%s: refusing to send the key's token there",
			SafeText(u.Scheme+"://"+u.Host), first.Scheme, first.Host)
	}
	return u, nil
}

// sameOrigin reports whether a and b have the same scheme, host and port, a
// missing port being the scheme's default.
func sameOrigin(a, b *url.URL) bool {
	port := func(u *url.URL) string {
		if p := u.Port(); p != "" {
			return p
		}
		switch strings.ToLower(u.Scheme) {
		case "https":
			return "443"
		case "http":
			return "80"
		}
		return ""
	}
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}

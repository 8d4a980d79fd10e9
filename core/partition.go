package core

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"slices"
	"sync"
)

// Partitioned listing.
//
// Cursor paging makes a list a chain of round trips: each page names the
// next, so a list of 5,000 profiles is 25 requests one after another, and
// Apple's own time per page is in every link. Lists that Apple can filter by
// an enumerated attribute (profiles by profileType, certificates by
// certificateType, devices by platform) are fetched instead as partitions
// side by side, one chain per value, within the client's in-flight limit:
// the list then takes about as long as its largest partition.
//
// It must give exactly what the one chain gives, and Apple may know values
// its spec does not (the live API has certificate and profile types its
// enum lacks). So:
//
//   - the unfiltered first page comes first. A list of one page is done
//     with it, so small accounts send the one request they always did. Its
//     meta.paging.total is the list's total, and its items are a sample of
//     the values present. A list of a few pages, or one the sample says
//     would not be shortened (mostly of one value), goes on as a chain
//     (partitionsPay);
//   - the partitions of the values in that sample start at once, largest
//     first. When their first pages' totals add up to the list's total,
//     no other value can hold an item, and no other partition is asked for;
//     when they fall short, the partitions of the enum's other values are
//     asked for too;
//   - the result is checked: the partitions' totals add up to the list's
//     total, each partition holds what its total said and only items of its
//     value, and no item is in two partitions. On any mismatch (a value the
//     enum does not know, totals that disagree, a list that changed while it
//     was listed) the partitions are dropped and the unfiltered chain goes on
//     from its first page, which was kept for this: the sequential result.
//
// Whichever way a list was fetched, its items come back in id order, so that
// the two ways give the same list.

// partitioning says how a list may be split: by the filter attr, whose
// values Apple's spec enumerates, read from an item by of.
type partitioning[T any] struct {
	attr   string
	values []string
	of     func(T) string
	id     func(T) string
}

// The partitionings of the lists that have one. The values are the enums of
// the filters in Apple's spec (4.4.1).
var (
	profilePartitions = partitioning[Profile]{attr: "profileType", values: ProfileTypes(),
		of: func(p Profile) string { return p.ProfileType }, id: func(p Profile) string { return p.ID }}
	certificatePartitions = partitioning[Certificate]{attr: "certificateType", values: CertificateTypes(),
		of: func(c Certificate) string { return c.CertificateType }, id: func(c Certificate) string { return c.ID }}
	devicePartitions = partitioning[Device]{attr: "platform", values: []string{"IOS", "MAC_OS", "UNIVERSAL"},
		of: func(d Device) string { return d.Platform }, id: func(d Device) string { return d.ID }}
)

// listPartitioned lists the collection at path as listAll does, in
// partitions by p when it is longer than a page and the query does not
// filter by p's attribute already (see above). The items are in id order.
//
// onItems, when not nil, is given the items as they arrive, each item once
// (the partitions fetch again what the first page held), by one goroutine at
// a time; the list returned is the one to keep.
func listPartitioned[A, T any](ctx context.Context, c *Client, what, path string, q url.Values, opt ListOptions,
	convert func(r *resource[A], in included) (T, error), p partitioning[T], onItems func([]T)) ([]T, *Response, error) {
	byID := func(a, b T) int { return cmp.Compare(p.id(a), p.id(b)) }
	if q.Has("filter[" + p.attr + "]") {
		out, resp, err := listAll(ctx, c, what, path, q, opt, convert, onItems)
		slices.SortFunc(out, byID)
		return out, resp, err
	}
	u, err := c.endpoint(path, q)
	if err != nil {
		return nil, nil, err
	}
	resp := &Response{}
	first, err := getJSON[listDocument[A]](ctx, c, u, resp)
	if err != nil {
		return nil, resp, fmt.Errorf("listing %s: %w", what, err)
	}
	resp.Pages++
	head := make([]T, 0, len(first.Data))
	idx := indexIncluded(first.Included)
	for i := range first.Data {
		item, err := convert(&first.Data[i], idx)
		if err != nil {
			return nil, resp, fmt.Errorf("listing %s: %w", what, err)
		}
		head = append(head, item)
	}
	total := 0
	if first.Meta != nil {
		total = first.Meta.Paging.Total
	}
	onItems = onceEach(onItems, p.id)
	if onItems != nil && len(head) > 0 {
		onItems(slices.Clone(head))
	}
	if opt.OnPage != nil {
		opt.OnPage(len(head), total)
	}
	if first.Links.Next == "" {
		slices.SortFunc(head, byID)
		return head, resp, nil
	}
	if total > len(head) && !opt.Sequential && partitionsPay(head, total, c.MaxInFlight(), p) {
		out, ok, err := fetchPartitions(ctx, c, what, path, q, opt, convert, p, head, total, resp, onItems)
		if err != nil {
			return nil, resp, err
		}
		if ok {
			slices.SortFunc(out, byID)
			return out, resp, nil
		}
	}
	// The sequential chain, from the unfiltered first page on.
	next, err := nextPage(u, u, first.Links.Next)
	if err != nil {
		return nil, resp, fmt.Errorf("listing %s: %w", what, err)
	}
	rest := opt
	if opt.OnPage != nil {
		rest.OnPage = func(fetched, total int) { opt.OnPage(len(head)+fetched, total) }
	}
	tail, err := listFrom(ctx, c, what, next, resp, rest, convert, onItems)
	if err != nil {
		return nil, resp, err
	}
	out := append(head, tail...)
	slices.SortFunc(out, byID)
	return out, resp, nil
}

// partitionsPay reports whether partitions are likely to end the list
// sooner than the chain's remaining pages: estimating each value's share of
// total from the sample, the partitions' requests over the in-flight limit,
// or their longest chain, must be at most three quarters of the pages the
// chain has left. A list of a few pages, or of one value, stays a chain.
func partitionsPay[T any](sample []T, total, inFlight int, p partitioning[T]) bool {
	remaining := (total+pageLimit-1)/pageLimit - 1
	if len(sample) == 0 || remaining < 3 {
		return false
	}
	counts := map[string]int{}
	for _, it := range sample {
		counts[p.of(it)]++
	}
	requests, longest := 0, 0
	for _, n := range counts {
		pages := (total*n/len(sample) + pageLimit) / pageLimit
		requests += pages
		longest = max(longest, pages)
	}
	rounds := max(longest, (requests+inFlight-1)/max(1, inFlight))
	return rounds*4 <= remaining*3
}

// partitionState is one partition's chain as fetchPartitions follows it.
type partitionState[T any] struct {
	total   int // its first page's meta.paging.total; -1 before that page
	fetched int // items received so far, for progress
	items   []T
	done    bool
}

// partitionEvent is what a partition's goroutine reports: its first page's
// total, or its end.
type partitionEvent[T any] struct {
	value string
	first bool // the first page came: total is set
	total int
	items []T
	resp  *Response
	err   error
}

// fetchPartitions fetches the partitions of the list whose unfiltered first
// page held sample and announced total. It reports ok false, having stopped
// every partition, when the partitions do not make up the list exactly; an
// error is a partition's failure, which the list's would have been too.
func fetchPartitions[A, T any](ctx context.Context, c *Client, what, path string, q url.Values, opt ListOptions,
	convert func(r *resource[A], in included) (T, error), p partitioning[T], sample []T, total int, resp *Response,
	onItems func([]T)) ([]T, bool, error) {
	pctx, stop := context.WithCancel(ctx)
	defer stop()
	events := make(chan partitionEvent[T])
	states := map[string]*partitionState[T]{}
	var progress sync.Mutex // OnPage is called by one partition at a time
	fetchedAll := 0
	running := 0
	launch := func(value string) error {
		pq := url.Values{}
		for k, v := range q {
			pq[k] = v
		}
		pq.Set("filter["+p.attr+"]", value)
		u, err := c.endpoint(path, pq)
		if err != nil {
			return err
		}
		st := &partitionState[T]{total: -1}
		states[value] = st
		running++
		go func() {
			reported := false
			own := &Response{}
			items, err := listFrom(pctx, c, what, u, own, ListOptions{OnPage: func(fetched, t int) {
				if opt.OnPage != nil {
					progress.Lock()
					fetchedAll += fetched - st.fetched
					st.fetched = fetched
					opt.OnPage(fetchedAll, total)
					progress.Unlock()
				}
				if !reported {
					reported = true
					events <- partitionEvent[T]{value: value, first: true, total: t}
				}
			}}, convert, onItems)
			events <- partitionEvent[T]{value: value, items: items, resp: own, err: err}
		}()
		return nil
	}

	// The values the sample holds, most frequent first: their chains are
	// likely the longest, and the in-flight limit serves requests in turn.
	counts := map[string]int{}
	for _, it := range sample {
		counts[p.of(it)]++
	}
	var seen, unseen []string
	for _, v := range p.values {
		if counts[v] > 0 {
			seen = append(seen, v)
		} else {
			unseen = append(unseen, v)
		}
	}
	slices.SortStableFunc(seen, func(a, b string) int { return counts[b] - counts[a] })
	ok := len(seen) > 0
	var failure error
	for _, v := range seen {
		if failure = launch(v); failure != nil {
			ok = false
			break
		}
	}
	widened := false
	for running > 0 {
		ev := <-events
		st := states[ev.value]
		if ev.first {
			st.total = ev.total
		} else {
			running--
			st.done, st.items = true, ev.items
			mergeResponse(resp, ev.resp)
			switch {
			case ev.err != nil:
				if failure == nil && ok {
					failure = ev.err
				}
			case st.total < 0 || len(st.items) != st.total:
				ok = false // a partition that did not hold what it said
			default:
				for _, it := range st.items {
					if p.of(it) != ev.value {
						ok = false // Apple's filter and the attribute disagree
					}
				}
			}
		}
		if !ok || failure != nil {
			stop()
			continue
		}
		// Once every partition asked for has announced its total: complete,
		// short (ask for the others), or inconsistent.
		sum, known := 0, true
		for _, s := range states {
			if s.total < 0 {
				known = false
				break
			}
			sum += s.total
		}
		switch {
		case !known:
		case sum > total:
			ok = false
			stop()
		case sum < total && !widened:
			widened = true
			for _, v := range unseen {
				if failure = launch(v); failure != nil {
					stop()
					break
				}
			}
		case sum < total:
			ok = false // items of a value the enum does not know
			stop()
		}
	}
	if failure != nil && ok {
		return nil, false, failure // listFrom's, which names the list
	}
	if !ok {
		return nil, false, nil
	}
	out := make([]T, 0, total)
	ids := make(map[string]bool, total)
	for _, v := range p.values {
		st := states[v]
		if st == nil {
			continue
		}
		for _, it := range st.items {
			if ids[p.id(it)] {
				return nil, false, nil // in two partitions: the list moved
			}
			ids[p.id(it)] = true
			out = append(out, it)
		}
	}
	if len(out) != total {
		return nil, false, nil
	}
	return out, true, nil
}

// onceEach wraps onItems (nil stays nil) so that it hears of each item, by
// id, once, and is called by one goroutine at a time.
func onceEach[T any](onItems func([]T), id func(T) string) func([]T) {
	if onItems == nil {
		return nil
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	return func(items []T) {
		mu.Lock()
		defer mu.Unlock()
		fresh := items[:0]
		for _, it := range items {
			if k := id(it); !seen[k] {
				seen[k] = true
				fresh = append(fresh, it)
			}
		}
		if len(fresh) > 0 {
			onItems(fresh)
		}
	}
}

// mergeResponse adds what the exchanges of more did to resp.
func mergeResponse(resp, more *Response) {
	if more == nil {
		return
	}
	resp.Requests += more.Requests
	resp.Pages += more.Pages
	resp.BytesReceived += more.BytesReceived
	resp.BytesOnWire += more.BytesOnWire
	if more.HTTPResponse != nil {
		resp.HTTPResponse = more.HTTPResponse
		resp.RateLimit = more.RateLimit
	}
}

package core

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// contentBatchSize is how many items one content request asks for: the
// largest page Apple serves. 200 ids of 10 characters make a query of about
// 2.4 KB, well within what servers accept in a URL.
const contentBatchSize = pageLimit

// contentBatch is up to contentBatchSize certificates or profiles whose
// content one request fetches: GET /v1/{collection}?filter[id]=... with the
// content in its sparse fieldset.
type contentBatch struct {
	collection string // "certificates" or "profiles"
	fields     []string
	items      []batchItem
}

// batchItem is one item of a batch and what to do with its attributes.
type batchItem struct {
	index int // in DownloadMany's items
	item  DownloadItem
	id    string
	// save checks the attributes Apple sent for the item, as a single
	// download does, and writes the file.
	save func(attrs json.RawMessage) (string, bool, error)
	// single downloads the item with a request of its own.
	single func(ctx context.Context) (string, bool, error)
}

// contentBatches sorts items into batches of certificates and of profiles, in
// the order of items. Items that cannot be asked for (neither kind, an id that
// is not plain) are finished at once with their error.
func (c *Client) contentBatches(items []DownloadItem, dir string, opt DownloadOptions, finish func(int, DownloadResult)) []*contentBatch {
	var batches []*contentBatch
	open := map[string]*contentBatch{}
	add := func(collection string, fields []string, bi batchItem) {
		if err := checkID(bi.id); err != nil {
			finish(bi.index, DownloadResult{Item: bi.item, Err: fmt.Errorf("%s: %w", downloading(bi.item), err)})
			return
		}
		b := open[collection]
		if b == nil || len(b.items) == contentBatchSize {
			b = &contentBatch{collection: collection, fields: fields}
			open[collection] = b
			batches = append(batches, b)
		}
		b.items = append(b.items, bi)
	}
	for i, it := range items {
		switch {
		case it.Certificate != nil:
			cert := *it.Certificate
			add("certificates", certificateContentFields, contentItem(i, it, cert.ID,
				func(attrs certificateContent) ([]byte, error) { return checkCertificate(cert, attrs) },
				func(der []byte) (string, bool, error) { return saveCertificate(cert, der, dir, opt) },
				func(ctx context.Context) (string, bool, error) { return c.Certificates.download(ctx, cert, dir, opt) }))
		case it.Profile != nil:
			prof := *it.Profile
			add("profiles", profileContentFields, contentItem(i, it, prof.ID,
				func(attrs profileContent) ([]byte, error) { return checkProfile(prof, attrs) },
				func(data []byte) (string, bool, error) { return saveProfile(prof, data, dir, opt) },
				func(ctx context.Context) (string, bool, error) { return c.Profiles.download(ctx, prof, dir, opt) }))
		default:
			finish(i, DownloadResult{Item: it, Err: errors.New("nothing to download: the item has neither a certificate nor a profile")})
		}
	}
	return batches
}

// run fetches the batch's content and saves each item, finishing every item
// it reaches; items it does not reach because ctx ended are left unfinished.
//
// A batch refused as a whole with 403 falls back to one request per item:
// the key's role may forbid some of the items only (a Developer key asking
// for a distribution profile), and the others must still arrive. A missing
// agreement forbids every item alike, so it does not.
func (b *contentBatch) run(ctx context.Context, c *Client, finish func(int, DownloadResult)) {
	attrs, err := fetchContent(ctx, c, b.collection, b.fields, b.items)
	switch {
	case ctx.Err() != nil:
		return
	case IsForbidden(err) && !agreementMissing(err):
		b.runSingly(ctx, c, finish)
		return
	}
	for _, bi := range b.items {
		if ctx.Err() != nil {
			return
		}
		res := DownloadResult{Item: bi.item}
		raw, found := attrs[bi.id]
		switch {
		case err != nil:
			res.Err = fmt.Errorf("%s: %w", downloading(bi.item), err)
		case !found:
			res.Err = fmt.Errorf("%s: App Store Connect no longer has it (deleted or revoked since the list was made): refresh the list", downloading(bi.item))
		default:
			res.Path, res.Reused, res.Err = bi.save(raw)
		}
		finish(bi.index, res)
	}
}

// runSingly downloads the batch's items with a request each, at most
// MaxInFlight at a time (the client's limit holds either way).
func (b *contentBatch) runSingly(ctx context.Context, c *Client, finish func(int, DownloadResult)) {
	inParallel(ctx, c.MaxInFlight(), b.items, func(bi batchItem) {
		res := DownloadResult{Item: bi.item}
		res.Path, res.Reused, res.Err = bi.single(ctx)
		finish(bi.index, res)
	})
}

// inParallel calls do for each job, n at a time, and hands out no more jobs
// once ctx has ended. It returns when every call has returned.
func inParallel[J any](ctx context.Context, n int, jobs []J, do func(J)) {
	next := make(chan J)
	var wg sync.WaitGroup
	for range min(n, len(jobs)) {
		wg.Go(func() {
			for j := range next {
				do(j)
			}
		})
	}
feed:
	for _, j := range jobs {
		select {
		case next <- j:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
}

// contentItem is the batch item for items[index], whose id is id: its
// attributes (of type A) are checked by check, as a single download checks
// them, and the bytes check returns are written by save; single downloads
// it with a request of its own.
func contentItem[A any](index int, it DownloadItem, id string, check func(A) ([]byte, error),
	save func([]byte) (string, bool, error), single func(context.Context) (string, bool, error)) batchItem {
	return batchItem{index: index, item: it, id: id, single: single,
		save: func(raw json.RawMessage) (string, bool, error) {
			var attrs A
			if err := json.Unmarshal(raw, &attrs); err != nil {
				return "", false, fmt.Errorf("%s: %w", downloading(it), &ResponseError{StatusCode: 200, Err: err})
			}
			data, err := check(attrs)
			if err != nil {
				return "", false, fmt.Errorf("%s: %w", downloading(it), err)
			}
			return save(data)
		}}
}

// fetchContent asks App Store Connect for the content of the items of one
// batch and returns their attributes by id; an id it does not answer for is
// absent. It follows links.next, which a batch within one page should not
// have, as far as there are items.
func fetchContent(ctx context.Context, c *Client, collection string, fields []string, items []batchItem) (map[string]json.RawMessage, error) {
	ids := make([]string, 0, len(items))
	seen := map[string]bool{}
	for _, bi := range items {
		if !seen[bi.id] {
			seen[bi.id] = true
			ids = append(ids, bi.id)
		}
	}
	q := url.Values{}
	q.Set("filter[id]", strings.Join(ids, ","))
	q.Set("fields["+collection+"]", strings.Join(fields, ","))
	q.Set("limit", strconv.Itoa(pageLimit))
	u, err := c.endpoint("/v1/"+collection, q)
	if err != nil {
		return nil, err
	}
	first, resp := u, &Response{}
	out := make(map[string]json.RawMessage, len(ids))
	for page := 1; ; page++ {
		doc, err := getJSON[listDocument[json.RawMessage]](ctx, c, u, resp)
		if err != nil {
			return nil, err
		}
		for _, r := range doc.Data {
			out[r.ID] = r.Attributes
		}
		if doc.Links.Next == "" {
			return out, nil
		}
		if page >= len(ids) {
			return nil, fmt.Errorf("App Store Connect keeps sending next pages (%d so far) for %d items: stopped", page, len(ids))
		}
		if u, err = nextPage(first, u, doc.Links.Next); err != nil {
			return nil, err
		}
	}
}

//go:build unix

package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox"
)

// BenchmarkSparseBytes is figure 2: the bytes of the large account's four
// lists as the client asks for them (sparse fieldsets: only the attributes a
// list shows, no certificate or profile content) against the same requests
// without any fields[...] parameter, so that App Store Connect sends every
// attribute, content included. The full listing is made with plain HTTP
// requests that follow links.next, signed with an Admin key (the sandbox, as
// Apple, refuses Developer keys a default fieldset that holds distribution
// content). Bytes do not depend on latency, so the sandbox adds none.
func BenchmarkSparseBytes(b *testing.B) {
	srv := startSandbox(b, largeAccount)
	key := srv.NewKey(core.KindTeam, sandbox.RoleAdmin)
	ctx := context.Background()
	token, err := core.SignToken(credentials(key), 0, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	routes := [4]string{"GET /v1/certificates", "GET /v1/profiles", "GET /v1/bundleIds", "GET /v1/devices"}

	var sparse, full, fullNoInclude [4]int64
	for b.Loop() {
		srv.ResetStats()
		c, _ := newClient(srv.URL(), key)
		l, err := listAll(ctx, c, true)
		if err != nil {
			b.Fatal(err)
		}
		// The first request of each list, as the client sent it.
		firsts := map[string]string{}
		for _, r := range srv.Requests() {
			if _, ok := firsts[r.Route]; !ok && r.Query.Get("cursor") == "" {
				firsts[r.Route] = r.URL
			}
		}
		for i, route := range routes {
			sparse[i] = l.resp[i].BytesReceived
			first, ok := firsts[route]
			if !ok {
				b.Fatalf("no request for %s in the sandbox's log", route)
			}
			u, err := url.Parse(srv.URL())
			if err != nil {
				b.Fatal(err)
			}
			u.Path, u.RawQuery, _ = strings.Cut(first, "?")
			q := u.Query()
			for k := range q {
				if strings.HasPrefix(k, "fields[") {
					q.Del(k)
				}
			}
			u.RawQuery = q.Encode()
			n, items, err := rawListing(ctx, u.String(), token)
			if err != nil {
				b.Fatal(err)
			}
			if items != l.items[i] {
				b.Fatalf("%s: the full listing has %d items, the sparse one %d", listNames[i], items, l.items[i])
			}
			full[i] = n
			// Without include too: the plainest "everything" request,
			// which still lacks what the profile list shows.
			if q.Get("include") != "" {
				for k := range q {
					if k == "include" || strings.HasPrefix(k, "limit[") {
						q.Del(k)
					}
				}
				u.RawQuery = q.Encode()
				if fullNoInclude[i], _, err = rawListing(ctx, u.String(), token); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	var ts, tf int64
	for i := range routes {
		b.ReportMetric(float64(sparse[i]), listNames[i]+"-sparse-bytes")
		b.ReportMetric(float64(full[i]), listNames[i]+"-full-bytes")
		b.ReportMetric(100*float64(sparse[i])/float64(full[i]), listNames[i]+"-percent")
		if fullNoInclude[i] > 0 {
			b.ReportMetric(float64(fullNoInclude[i]), listNames[i]+"-full-noinclude-bytes")
			b.ReportMetric(100*float64(sparse[i])/float64(fullNoInclude[i]), listNames[i]+"-noinclude-percent")
		}
		ts += sparse[i]
		tf += full[i]
	}
	b.ReportMetric(float64(ts), "sparse-bytes")
	b.ReportMetric(float64(tf), "full-bytes")
	b.ReportMetric(100*float64(ts)/float64(tf), "percent")
}

// rawListing follows a list from first through links.next with plain HTTP
// GETs and returns the body bytes received and the items listed.
func rawListing(ctx context.Context, first, token string) (bytes int64, items int, err error) {
	for next, pages := first, 0; next != ""; pages++ {
		if pages > 1000 {
			return 0, 0, fmt.Errorf("more than 1000 pages from %s", first)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, next, nil)
		if err != nil {
			return 0, 0, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, 0, err
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			return 0, 0, err
		}
		if res.StatusCode != http.StatusOK {
			return 0, 0, fmt.Errorf("%s: %s: %.300s", next, res.Status, body)
		}
		bytes += int64(len(body))
		var page struct {
			Data  []json.RawMessage `json:"data"`
			Links struct {
				Next string `json:"next"`
			} `json:"links"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			return 0, 0, fmt.Errorf("%s: %v", next, err)
		}
		items += len(page.Data)
		next = page.Links.Next
	}
	return bytes, items, nil
}

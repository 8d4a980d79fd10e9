package sandbox

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/asckeys/asckeys/core"
)

// token signs an ES256 token for key the way Apple documents, with golang-jwt
// directly (not the project's client, which these tests check independently).
// edit may change the claims and header before signing.
func token(t testing.TB, key TestKey, now time.Time, edit func(claims jwt.MapClaims, header map[string]any)) string {
	t.Helper()
	claims := jwt.MapClaims{
		"aud": key.Kind.Audience(),
		"iat": now.Add(-time.Minute).Unix(),
		"exp": now.Add(18 * time.Minute).Unix(),
	}
	if key.Kind == core.KindIndividual {
		claims["sub"] = "user"
	} else {
		claims["iss"] = key.IssuerID
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	tok.Header["kid"] = key.KeyID
	if edit != nil {
		edit(claims, tok.Header)
	}
	s, err := tok.SignedString(key.PrivateKey)
	if err != nil {
		t.Fatalf("signing a token: %v", err)
	}
	return s
}

// client makes authenticated requests against a sandbox.
type client struct {
	t   *testing.T
	srv *Server
	key TestKey
	tok string
	hc  *http.Client
}

func newClient(t *testing.T, srv *Server, key TestKey) *client {
	return &client{t: t, srv: srv, key: key, tok: token(t, key, time.Now(), nil), hc: srv.HTTPClient()}
}

// url joins the key's base URL and an API path with query.
func (c *client) url(path string) string {
	if strings.HasPrefix(path, "http") {
		return path
	}
	if c.key.Kind == core.KindEnterprise {
		return c.srv.EnterpriseURL() + path
	}
	return c.srv.URL() + path
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (c *client) do(method, path string) response {
	c.t.Helper()
	res, err := c.try(method, path)
	if err != nil {
		c.t.Fatal(err)
	}
	return res
}

// try is do for goroutines other than the test's, which must not call Fatal.
func (c *client) try(method, path string) (response, error) {
	req, err := http.NewRequest(method, c.url(path), nil)
	if err != nil {
		return response{}, err
	}
	if c.tok != "" {
		req.Header.Set("Authorization", "Bearer "+c.tok)
	}
	return exchange(c.hc, req)
}

// send makes a request and reads the whole answer.
func send(t *testing.T, hc *http.Client, req *http.Request) response {
	t.Helper()
	res, err := exchange(hc, req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func exchange(hc *http.Client, req *http.Request) (response, error) {
	res, err := hc.Do(req)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: %w", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: reading the body: %w", req.Method, req.URL, err)
	}
	return response{status: res.StatusCode, header: maps.Clone(res.Header), body: body}, nil
}

func (c *client) get(path string) response { c.t.Helper(); return c.do(http.MethodGet, path) }

// doc is a JSON:API document as a test reads it.
type doc struct {
	Data     json.RawMessage `json:"data"`
	Included []resourceJSON  `json:"included"`
	Links    struct {
		Self string `json:"self"`
		Next string `json:"next"`
	} `json:"links"`
	Meta *struct {
		Paging struct {
			Total int `json:"total"`
			Limit int `json:"limit"`
		} `json:"paging"`
	} `json:"meta"`
	Errors []struct {
		ID     string            `json:"id"`
		Status string            `json:"status"`
		Code   string            `json:"code"`
		Title  string            `json:"title"`
		Detail string            `json:"detail"`
		Source map[string]string `json:"source"`
	} `json:"errors"`
}

type resourceJSON struct {
	Type          string                     `json:"type"`
	ID            string                     `json:"id"`
	Attributes    map[string]json.RawMessage `json:"attributes"`
	Relationships map[string]struct {
		Data  json.RawMessage   `json:"data"`
		Links map[string]string `json:"links"`
		Meta  *struct {
			Paging struct {
				Total int `json:"total"`
				Limit int `json:"limit"`
			} `json:"paging"`
		} `json:"meta"`
	} `json:"relationships"`
	Links map[string]string `json:"links"`
}

func (r response) doc(t *testing.T) doc {
	t.Helper()
	var d doc
	if err := json.Unmarshal(r.body, &d); err != nil {
		t.Fatalf("body is not JSON (%v): %.300s", err, r.body)
	}
	return d
}

func (d doc) list(t *testing.T) []resourceJSON {
	t.Helper()
	var out []resourceJSON
	if err := json.Unmarshal(d.Data, &out); err != nil {
		t.Fatalf("data is not a list: %v", err)
	}
	return out
}

func (d doc) one(t *testing.T) resourceJSON {
	t.Helper()
	var out resourceJSON
	if err := json.Unmarshal(d.Data, &out); err != nil {
		t.Fatalf("data is not a resource: %v", err)
	}
	return out
}

func (r resourceJSON) str(name string) string {
	var s string
	_ = json.Unmarshal(r.Attributes[name], &s)
	return s
}

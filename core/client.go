package core

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Defaults of a Client.
const (
	// DefaultMaxInFlight is how many requests one key has in flight at most:
	// Apple throttles bursts of parallel requests.
	DefaultMaxInFlight = 4
	// DefaultRequestTimeout bounds one request, body included, so a stalled
	// answer cannot hang a listing.
	DefaultRequestTimeout = 60 * time.Second
	// maxBodyBytes bounds what one answer may weigh. A page of 200 profiles
	// with their included items is a few megabytes.
	maxBodyBytes = 128 << 20
)

// RetryPolicy bounds how reads are retried after 5xx, 429, dropped
// connections and garbled bodies. Zero fields take the defaults of
// DefaultRetryPolicy.
type RetryPolicy struct {
	// MaxAttempts counts every try, the first included. 1 means no retry.
	MaxAttempts int
	// BaseDelay is the first backoff step; each next step doubles, and the
	// wait is a random duration up to the step ("full jitter").
	BaseDelay time.Duration
	// MaxDelay caps one backoff step.
	MaxDelay time.Duration
	// MaxElapsed caps the time spent on one request, waits included: no retry
	// starts after it, and a Retry-After that would pass it ends the retries.
	MaxElapsed time.Duration
}

// DefaultRetryPolicy is what a Client uses unless told otherwise.
var DefaultRetryPolicy = RetryPolicy{MaxAttempts: 5, BaseDelay: 500 * time.Millisecond, MaxDelay: 15 * time.Second, MaxElapsed: 60 * time.Second}

func (p RetryPolicy) withDefaults() RetryPolicy {
	d := DefaultRetryPolicy
	if p.MaxAttempts > 0 {
		d.MaxAttempts = p.MaxAttempts
	}
	if p.BaseDelay > 0 {
		d.BaseDelay = p.BaseDelay
	}
	if p.MaxDelay > 0 {
		d.MaxDelay = p.MaxDelay
	}
	if p.MaxElapsed > 0 {
		d.MaxElapsed = p.MaxElapsed
	}
	return d
}

// backoff is the wait before try number attempt+1: a random duration in
// [0, min(MaxDelay, BaseDelay*2^(attempt-1))].
func (p RetryPolicy) backoff(attempt int) time.Duration {
	step := p.BaseDelay
	for i := 1; i < attempt && step < p.MaxDelay; i++ {
		step *= 2
	}
	step = min(step, p.MaxDelay)
	return rand.N(step + 1)
}

// Client talks to App Store Connect with one key. It is safe for concurrent
// use: lists of different resources may run side by side, sharing one token
// and at most MaxInFlight requests at a time. Make one Client per key and
// share it, since the token and the in-flight limit belong to the Client.
type Client struct {
	creds   Credentials
	baseURL *url.URL
	baseErr error
	http    *http.Client
	tokens  *TokenSource
	sem     chan struct{}
	retry   RetryPolicy
	timeout time.Duration
	sleep   func(ctx context.Context, d time.Duration) error // waits between retries (sleepCtx)

	mu     sync.Mutex
	lastRL RateLimit

	// Certificates lists and downloads signing certificates.
	Certificates *CertificatesService
	// Profiles lists and downloads provisioning profiles.
	Profiles *ProfilesService
	// BundleIDs lists bundle IDs.
	BundleIDs *BundleIDsService
	// Devices lists registered devices.
	Devices *DevicesService
}

// userAgent names this program to Apple in every request.
var userAgent = fmt.Sprintf("%s/%s (+https://github.com/asckeys/asckeys)", AppName, Version)

// Option configures a Client.
type Option func(*Client)

// WithBaseURL points the client at another server, such as the sandbox in
// tests. The default is the key kind's base URL. A path prefix is kept.
func WithBaseURL(base string) Option {
	return func(c *Client) {
		u, err := url.Parse(strings.TrimRight(base, "/"))
		if err == nil && (u.Scheme != "http" && u.Scheme != "https" || u.Host == "") {
			err = errors.New("it needs http:// or https:// and a host")
		}
		if err == nil && u.Scheme == "http" && !IsLoopbackHost(u.Hostname()) {
			// The key's token would cross the network in the clear.
			err = errors.New("plain http is allowed only for loopback addresses (127.0.0.1, ::1, localhost): use https")
		}
		if err != nil {
			c.baseErr = fmt.Errorf("the App Store Connect address %q is not usable: %v", base, err)
			return
		}
		c.baseURL, c.baseErr = u, nil
	}
}

// WithHTTPClient sets the HTTP client, for proxies or custom transports. Its
// Timeout, if any, applies too; the client's own request timeout
// (DefaultRequestTimeout) is enforced either way. Its CheckRedirect is not
// used: the client follows no redirect (see RedirectError). hc itself is not
// changed.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.http = hc
		}
	}
}

// WithRetry sets the retry policy for reads; zero fields keep the defaults.
func WithRetry(p RetryPolicy) Option {
	return func(c *Client) { c.retry = p.withDefaults() }
}

// NewClient returns a client for the key creds. Problems with the
// credentials or options are reported by the first call, not here, so that a
// window can be built before a key is complete.
func NewClient(creds Credentials, opts ...Option) *Client {
	c := &Client{
		creds:   creds,
		http:    &http.Client{},
		sem:     make(chan struct{}, DefaultMaxInFlight),
		retry:   DefaultRetryPolicy,
		timeout: DefaultRequestTimeout,
		sleep:   sleepCtx,
	}
	WithBaseURL(creds.Kind.BaseURL())(c)
	for _, o := range opts {
		o(c)
	}
	if c.tokens == nil {
		c.tokens = NewTokenSource(creds, time.Now)
	}
	// A copy, so that a caller's http.Client keeps its own redirect policy
	// for its other uses.
	hc := *c.http
	hc.CheckRedirect = refuseRedirect
	c.http = &hc
	c.Certificates = &CertificatesService{c}
	c.Profiles = &ProfilesService{c}
	c.BundleIDs = &BundleIDsService{c}
	c.Devices = &DevicesService{c}
	return c
}

// Credentials returns the key the client signs with.
func (c *Client) Credentials() Credentials { return c.creds }

// Tokens returns the client's token source, whose Signed count shows how many
// tokens the client has signed.
func (c *Client) Tokens() *TokenSource { return c.tokens }

// MaxInFlight is how many requests the client has in flight at most.
func (c *Client) MaxInFlight() int { return cap(c.sem) }

// LastRateLimit is what the most recent answer's X-Rate-Limit said; Known is
// false before any answer carried one.
func (c *Client) LastRateLimit() RateLimit {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastRL
}

// Response describes the HTTP exchanges behind one call: for a list, all its
// pages and retries.
type Response struct {
	// HTTPResponse is the last answer received. Its body has been read and
	// closed already; the headers remain.
	HTTPResponse *http.Response
	// RateLimit is what the last answer's X-Rate-Limit said.
	RateLimit RateLimit
	// Requests counts the HTTP requests sent, retries included.
	Requests int
	// Pages counts the pages of a list that were received.
	Pages int
	// BytesReceived counts the body bytes received over all requests, as
	// decoded: what the answers weigh uncompressed.
	BytesReceived int64
	// BytesOnWire counts the same bodies as they crossed the network:
	// compressed, when App Store Connect sent them in gzip.
	BytesOnWire int64
}

// requireProvisioning refuses, before any request, what Apple refuses to
// individual keys.
func (c *Client) requireProvisioning() error { return CheckProvisioningKey(c.creds.Kind) }

// endpoint builds an absolute URL for path (which starts with "/v1/") under
// the base URL.
func (c *Client) endpoint(path string, q url.Values) (*url.URL, error) {
	if c.baseErr != nil {
		return nil, c.baseErr
	}
	u := *c.baseURL
	u.Path = strings.TrimSuffix(u.Path, "/") + path
	u.RawPath = ""
	u.RawQuery = q.Encode()
	return &u, nil
}

// getJSON fetches u and decodes its JSON body into a new T, retrying reads as
// the retry policy allows and adding what happened to resp.
//
// Retried: 5xx, 429, transport errors, request timeouts and 200s whose JSON is
// garbled (a body cut short). A 401 makes the token source sign a fresh
// token, and the request is sent once more; a second 401 is returned.
func getJSON[T any](ctx context.Context, c *Client, u *url.URL, resp *Response) (*T, error) {
	start := time.Now()
	reauthorized := false
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		tok, err := c.tokens.Token()
		if err != nil {
			return nil, err
		}
		ex, err := c.roundTrip(ctx, u, tok)
		if ex != nil {
			resp.record(ex)
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		var failure error
		var retryAfter time.Duration
		switch {
		case err != nil:
			var ne *NetworkError
			if !errors.As(err, &ne) || !transientNetError(ne.Err) {
				return nil, err
			}
			failure = err
		case ex.resp.StatusCode >= 200 && ex.resp.StatusCode < 300:
			ct := ex.resp.Header.Get("Content-Type")
			if ct != "" && !isJSONMediaType(ct) && !looksLikeJSON(ex.body) {
				// A proxy or captive portal answering in place of Apple:
				// another try will get the same page.
				mt := "text/plain"
				if looksLikeHTML(ex.body) || strings.Contains(ct, "html") {
					mt = "text/html"
				}
				return nil, &ResponseError{StatusCode: ex.resp.StatusCode, ContentType: mt}
			}
			v := new(T)
			derr := decodeJSON(ex.body, v)
			if derr == nil {
				return v, nil
			}
			failure = &ResponseError{StatusCode: ex.resp.StatusCode, Err: derr}
		default:
			apiErr := parseAPIError(ex.resp.StatusCode, ex.resp.Header.Get("Content-Type"), ex.body,
				ex.rateLimit, parseRetryAfter(ex.resp.Header, time.Now()))
			switch {
			case ex.resp.StatusCode == http.StatusUnauthorized && !reauthorized:
				// The token may have been revoked or the clock moved: one
				// fresh signature, one more try, not counted as a retry.
				reauthorized = true
				c.tokens.invalidateToken(tok)
				attempt--
				continue
			case budgetSpent(apiErr):
				// The hour's budget returns over the hour, not within any
				// backoff: retrying only spends the wait.
				return nil, &RateLimitError{Limit: apiErr.RateLimit.Limit, Remaining: apiErr.RateLimit.Remaining, Err: apiErr}
			case ex.resp.StatusCode == http.StatusTooManyRequests || ex.resp.StatusCode >= 500:
				failure, retryAfter = apiErr, apiErr.RetryAfter
			default:
				return nil, apiErr
			}
		}
		if err := c.waitToRetry(ctx, attempt, start, retryAfter); err != nil {
			if errors.Is(err, errRetriesSpent) {
				return nil, failure
			}
			return nil, err
		}
	}
}

// budgetSpent reports whether e is a 429 for a spent hourly budget: X-Rate-Limit
// says nothing remains, and no Retry-After says when to come back. A 429 with
// budget left is Apple throttling a burst, which passes in seconds.
func budgetSpent(e *APIError) bool {
	return e.StatusCode == http.StatusTooManyRequests && e.RateLimit.Known && e.RateLimit.Remaining == 0 && e.RetryAfter <= 0
}

// bodyDecoder is a document that reads itself from a whole answer body and
// may keep it: see pageEnvelope.
type bodyDecoder interface{ decodeBody(body []byte) error }

// decodeJSON decodes an answer body, which is not used again, into v.
func decodeJSON(body []byte, v any) error {
	if d, ok := v.(bodyDecoder); ok {
		return d.decodeBody(body)
	}
	return json.Unmarshal(body, v)
}

// exchange is one request's answer, with the body read in full.
type exchange struct {
	resp      *http.Response
	body      []byte // decompressed
	wire      int64  // the body's bytes as they came over the connection
	rateLimit RateLimit
}

// roundTrip sends one GET within the in-flight limit and the request timeout,
// and reads the whole body under that timeout. Transport failures come back
// as *NetworkError.
func (c *Client) roundTrip(ctx context.Context, u *url.URL, token string) (*exchange, error) {
	ex, _, err := c.send(ctx, http.MethodGet, u, token, nil)
	return ex, err
}

// refuseRedirect is the CheckRedirect of every Client's http.Client. Go keeps
// the Authorization header on a redirect to the same host on another port,
// or from https to http; App Store Connect never redirects API calls, and no
// same-origin redirect is worth following with a token either. So none is
// followed: the request ends with a *RedirectError, which is not retried.
func refuseRedirect(req *http.Request, _ []*http.Request) error {
	u := *req.URL
	u.User, u.RawQuery, u.ForceQuery, u.Fragment = nil, "", false, ""
	e := &RedirectError{Location: SafeText(redactTokens(u.String()))}
	if req.Response != nil {
		e.StatusCode = req.Response.StatusCode
	}
	return e
}

// IsLoopbackHost reports whether host (a name or an IP address, without a
// port) is this computer: "localhost", 127.0.0.0/8 or ::1. Only these may be
// spoken to over plain http, since a token sent there crosses no network.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// sleepCtx waits d or until ctx is done, whichever comes first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

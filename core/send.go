package core

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// How writes are sent, and when they are retried.
//
// A read can be sent again whenever it failed. A create cannot: a POST that
// reached Apple and whose answer was lost may have made a certificate or a
// profile, and sending it again would make a second one (and a certificate
// counts against the type's limit). A DELETE sent again after it worked
// answers 404, hiding that it worked. So POST and DELETE are sent again only
// when Apple provably did not act on them:
//
//   - the request was never written to a connection (no connection could be
//     made, the TLS handshake failed): nothing reached Apple;
//   - 401: the token was refused before anything was done; a fresh token is
//     signed and the request sent once more, as for reads;
//   - 429 with Retry-After: a throttled request is refused, not processed,
//     and Apple said when to come back (a spent hourly budget, without
//     Retry-After, is a *RateLimitError, as for reads);
//   - 503: the server says it cannot handle requests now, before handling
//     this one.
//
// Everything else after the request was written (a dropped connection, a
// timeout, a cancelled context, 500, 502, 504, a 2xx whose body cannot be
// read) is an *UnknownOutcomeError: the caller must look at the list before
// trying again. PATCH sets attributes to given values, so sending it twice
// does no harm: it is retried as reads are.

// writeOp describes one kind of write, for its retries and its messages.
type writeOp struct {
	method string
	// action is what the request does, as in "create the certificate".
	action string
	// list is what to refresh when the outcome is unknown, as in
	// "certificates".
	list string
}

// idempotent reports whether sending the request twice does what sending it
// once does.
func (op writeOp) idempotent() bool { return op.method == http.MethodPatch }

// UnknownOutcomeError is a create or delete that was sent to App Store
// Connect but got no usable answer: Apple may or may not have done it. It is
// not retried (a second create could make a second certificate or profile):
// the caller refreshes the list to find out.
type UnknownOutcomeError struct {
	// Action is what the request was to do ("create the certificate").
	Action string
	// List is the list to refresh ("certificates").
	List string
	// Err is what happened: a *NetworkError, an *APIError (5xx), a
	// *ResponseError or the context's error.
	Err error
}

// Error says that the outcome is unknown and what to do.
func (e *UnknownOutcomeError) Error() string {
	return redactTokens(fmt.Sprintf("the request to %s was sent to App Store Connect, but no usable answer came back (%s), "+
		"so the outcome at Apple is unknown: refresh the list of %s to see whether it was done before trying again",
		e.Action, e.cause(), e.List))
}

// cause says what happened to the answer. A *NetworkError's own message
// ("could not reach App Store Connect") would contradict that the request
// was sent.
func (e *UnknownOutcomeError) cause() string {
	var ne *NetworkError
	var apiErr *APIError
	var respErr *ResponseError
	switch {
	case errors.As(e.Err, &apiErr):
		// Its own message says to try again later, which is what must
		// not be done blindly.
		return strings.TrimSpace(fmt.Sprintf("Apple's servers answered %d %s", apiErr.StatusCode, apiErr.Code()))
	case errors.As(e.Err, &respErr):
		return "the answer was cut short or garbled"
	case errors.As(e.Err, &ne) && ne.Timeout > 0:
		return fmt.Sprintf("none within %s", ne.Timeout)
	case errors.As(e.Err, &ne):
		return fmt.Sprintf("the connection failed: %v", ne.Err)
	case errors.Is(e.Err, context.Canceled):
		return "it was cancelled"
	case errors.Is(e.Err, context.DeadlineExceeded):
		return "the time allowed ran out"
	}
	return e.Err.Error()
}

// Unwrap returns what happened.
func (e *UnknownOutcomeError) Unwrap() error { return e.Err }

// IsUnknownOutcome reports whether err is a write whose outcome at Apple is
// unknown.
func IsUnknownOutcome(err error) bool {
	var e *UnknownOutcomeError
	return errors.As(err, &e)
}

// writeDocument is a JSON:API request document: {"data": {...}}.
type writeDocument struct {
	Data writeData `json:"data"`
}

type writeData struct {
	Type          string                `json:"type"`
	ID            string                `json:"id,omitempty"`
	Attributes    any                   `json:"attributes,omitempty"`
	Relationships map[string]linkageDoc `json:"relationships,omitempty"`
}

// linkageDoc is a relationship in a request: one linkage or a list of them.
type linkageDoc struct {
	Data any `json:"data"`
}

func toOne(typ, id string) linkageDoc { return linkageDoc{Data: linkage{Type: typ, ID: id}} }

func toMany(typ string, ids []string) linkageDoc {
	ls := make([]linkage, 0, len(ids))
	for _, id := range ids {
		ls = append(ls, linkage{Type: typ, ID: id})
	}
	return linkageDoc{Data: ls}
}

// sendWrite sends doc (nil for a DELETE) to u and decodes a success's body
// into a new T; a success without a body (204) leaves T zero. It retries
// only as the rules above allow and adds what happened to resp.
func sendWrite[T any](ctx context.Context, c *Client, op writeOp, u *url.URL, doc any, resp *Response) (*T, error) {
	var body []byte
	if doc != nil {
		var err error
		if body, err = json.Marshal(doc); err != nil {
			return nil, fmt.Errorf("preparing the request to %s: %w", op.action, err)
		}
	}
	unknown := func(err error) error { return &UnknownOutcomeError{Action: op.action, List: op.list, Err: err} }
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
		ex, sent, err := c.send(ctx, op.method, u, tok, body)
		resp.record(ex)
		mayHaveActed := sent && !op.idempotent()
		if ctxErr := ctx.Err(); ctxErr != nil && err != nil {
			// Cancelled mid-request: an answer that came is still used.
			if mayHaveActed {
				return nil, unknown(ctxErr)
			}
			return nil, ctxErr
		}
		var failure error
		var retryAfter time.Duration
		switch {
		case err != nil:
			var ne *NetworkError
			switch {
			case mayHaveActed:
				return nil, unknown(err)
			case !errors.As(err, &ne) || !transientNetError(ne.Err):
				return nil, err
			}
			failure = err
		case ex.resp.StatusCode >= 200 && ex.resp.StatusCode < 300:
			v := new(T)
			if len(bytes.TrimSpace(ex.body)) == 0 {
				return v, nil
			}
			derr := decodeJSON(ex.body, v)
			if derr == nil {
				return v, nil
			}
			failure = &ResponseError{StatusCode: ex.resp.StatusCode, Err: derr}
			if !op.idempotent() {
				return nil, unknown(failure)
			}
		default:
			apiErr := parseAPIError(ex.resp.StatusCode, ex.resp.Header.Get("Content-Type"), ex.body,
				ex.rateLimit, parseRetryAfter(ex.resp.Header, time.Now()))
			status := ex.resp.StatusCode
			switch {
			case status == http.StatusUnauthorized && !reauthorized:
				reauthorized = true
				c.tokens.invalidateToken(tok)
				attempt--
				continue
			case budgetSpent(apiErr):
				return nil, &RateLimitError{Limit: apiErr.RateLimit.Limit, Remaining: apiErr.RateLimit.Remaining, Err: apiErr}
			case status == http.StatusTooManyRequests && (apiErr.RetryAfter > 0 || op.idempotent()),
				status == http.StatusServiceUnavailable,
				status >= 500 && op.idempotent():
				failure, retryAfter = apiErr, apiErr.RetryAfter
			case status >= 500 && status != http.StatusNotImplemented && status != http.StatusHTTPVersionNotSupported:
				// 500, 502, 504...: the request may have been handled before
				// the failure.
				return nil, unknown(apiErr)
			default:
				return nil, apiErr
			}
		}
		// Only failures that left nothing done at Apple get here (or any
		// failure of a PATCH), so the last one is the answer.
		if err := c.waitToRetry(ctx, attempt, start, retryAfter); err != nil {
			if errors.Is(err, errRetriesSpent) {
				return nil, failure
			}
			return nil, err
		}
	}
}

// readBody reads an answer's whole body, decompressing it when it came in
// gzip, and returns it with the number of bytes that came over the
// connection. The limit applies to the decompressed body, so a small
// compressed answer cannot unpack into gigabytes.
func readBody(hr *http.Response) (body []byte, wire int64, err error) {
	counted := &countingReader{r: hr.Body}
	var r io.Reader = counted
	if strings.EqualFold(strings.TrimSpace(hr.Header.Get("Content-Encoding")), "gzip") {
		zr, err := gzip.NewReader(counted)
		if err != nil {
			return nil, counted.n, fmt.Errorf("the answer's gzip data is unreadable: %w", err)
		}
		defer zr.Close()
		r = zr
		// As net/http's transport does when it decompresses: the headers
		// describe the body as the caller gets it.
		hr.Header.Del("Content-Encoding")
		hr.Header.Del("Content-Length")
		hr.ContentLength = -1
		hr.Uncompressed = true
	}
	body, err = io.ReadAll(io.LimitReader(r, maxBodyBytes+1))
	if err == nil && hr.Uncompressed {
		// The end of the gzip stream is not the end of the body: read on,
		// so the connection can be used again.
		_, _ = io.Copy(io.Discard, io.LimitReader(counted, 1<<10))
	}
	return body, counted.n, err
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// record adds one exchange (nil when no request was sent) to r, for reads
// (getJSON) and writes (sendWrite) alike.
func (r *Response) record(ex *exchange) {
	if ex == nil {
		return
	}
	r.Requests++
	r.BytesReceived += int64(len(ex.body))
	r.BytesOnWire += ex.wire
	if ex.resp != nil {
		r.HTTPResponse = ex.resp
		r.RateLimit = ex.rateLimit
	}
}

// errRetriesSpent ends a retry loop: the last failure is the answer.
var errRetriesSpent = errors.New("retries spent")

// waitToRetry waits before try number attempt+1 as the retry policy says
// (retryAfter, when Apple named one, instead of the backoff). It returns
// errRetriesSpent when no further try may start, or the context's error.
func (c *Client) waitToRetry(ctx context.Context, attempt int, start time.Time, retryAfter time.Duration) error {
	if attempt >= c.retry.MaxAttempts {
		return errRetriesSpent
	}
	wait := c.retry.backoff(attempt)
	if retryAfter > 0 {
		wait = retryAfter
	}
	if time.Since(start)+wait > c.retry.MaxElapsed {
		return errRetriesSpent
	}
	return c.sleep(ctx, wait)
}

// send sends one request with method and body (nil for none) within the
// in-flight limit and the request timeout, and reads the whole answer under
// that timeout. sent reports whether any of the request may have reached the
// server: false only when it was never written to a connection (no
// connection, a failed handshake). Transport failures come back as
// *NetworkError.
// Redirects come back as *RedirectError. roundTrip is send for a GET.
func (c *Client) send(ctx context.Context, method string, u *url.URL, token string, body []byte) (ex *exchange, sent bool, err error) {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
	defer func() { <-c.sem }()

	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	// The hooks may run on net/http's goroutines.
	var wrote atomic.Bool
	actx = httptrace.WithClientTrace(actx, &httptrace.ClientTrace{
		WroteHeaderField: func(string, []string) { wrote.Store(true) },
		WroteHeaders:     func() { wrote.Store(true) },
	})
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(actx, method, u.String(), rd)
	if err != nil {
		return nil, false, fmt.Errorf("building a request to App Store Connect: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	// Apple compresses answers for clients that ask: a page of 200 profiles
	// is about a tenth of its size in gzip. Asking here, rather than leaving
	// it to net/http's transport (which asks and decompresses unseen unless
	// a custom transport disables it), makes every transport ask and lets
	// the exchange count the bytes that crossed the network.
	req.Header.Set("Accept-Encoding", "gzip")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	netErr := func(err error) error {
		if ctx.Err() == nil && errors.Is(actx.Err(), context.DeadlineExceeded) {
			return &NetworkError{Host: u.Host, Timeout: c.timeout, Err: err}
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return &NetworkError{Host: u.Host, Err: err}
	}
	// From here on a request may have been sent: the exchange counts even
	// if it failed.
	ex = &exchange{}
	hr, err := c.http.Do(req)
	var redirect *RedirectError
	if errors.As(err, &redirect) {
		return ex, true, redirect
	}
	if err != nil {
		return ex, wrote.Load(), netErr(err)
	}
	data, wire, err := readBody(hr)
	hr.Body.Close()
	ex.body, ex.wire = data, wire
	if err != nil {
		return ex, true, netErr(err)
	}
	if len(data) > maxBodyBytes {
		return ex, true, fmt.Errorf("App Store Connect's answer is larger than %d MiB: refusing to read it", maxBodyBytes>>20)
	}
	hr.Body = http.NoBody
	ex.resp = hr
	if rl, ok := ParseRateLimit(hr.Header.Get("X-Rate-Limit")); ok {
		ex.rateLimit = rl
		c.mu.Lock()
		c.lastRL = rl
		c.mu.Unlock()
	}
	return ex, true, nil
}

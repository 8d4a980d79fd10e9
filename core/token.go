package core

import (
	"crypto/elliptic"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Token lifetimes. Apple refuses a token whose exp - iat exceeds 20 minutes.
// Tokens are back-dated by TokenBackdate so that a server clock slightly
// behind ours still accepts them; the lifetime counted from now is therefore
// at most 20 minutes minus the back-dating.
const (
	// TokenBackdate is how far iat is set before the signing time.
	TokenBackdate = 60 * time.Second
	// MaxTokenLifetime is the longest lifetime, counted from the signing
	// time, that SignToken gives a token: exp - iat is then exactly 20 minutes.
	MaxTokenLifetime = 20*time.Minute - TokenBackdate
	// tokenRefreshMargin is how long before its expiry a cached token is
	// replaced, so that a request never leaves with a token about to expire.
	tokenRefreshMargin = 2 * time.Minute
)

// appleClaims is the claims set Apple expects. jwt.RegisteredClaims would
// serialise a one-element audience as an array unless a package-wide switch
// were flipped; Apple wants a plain string, so this type marshals one. Times are
// whole seconds, independent of jwt.TimePrecision.
type appleClaims struct {
	Issuer    string `json:"iss,omitempty"`
	Subject   string `json:"sub,omitempty"`
	IssuedAt  int64  `json:"iat"`
	ExpiresAt int64  `json:"exp"`
	Audience  string `json:"aud"`
}

// The methods below make appleClaims a jwt.Claims, so that jwt can sign it
// (and tests can parse it back).

// GetExpirationTime returns exp.
func (c appleClaims) GetExpirationTime() (*jwt.NumericDate, error) {
	return jwt.NewNumericDate(time.Unix(c.ExpiresAt, 0)), nil
}

// GetIssuedAt returns iat.
func (c appleClaims) GetIssuedAt() (*jwt.NumericDate, error) {
	return jwt.NewNumericDate(time.Unix(c.IssuedAt, 0)), nil
}

// GetNotBefore returns nil: Apple's tokens carry no nbf.
func (c appleClaims) GetNotBefore() (*jwt.NumericDate, error) { return nil, nil }

// GetIssuer returns iss, empty for individual keys.
func (c appleClaims) GetIssuer() (string, error) { return c.Issuer, nil }

// GetSubject returns sub, "user" for individual keys.
func (c appleClaims) GetSubject() (string, error) { return c.Subject, nil }

// GetAudience returns aud as the one-element list jwt expects.
func (c appleClaims) GetAudience() (jwt.ClaimStrings, error) {
	return jwt.ClaimStrings{c.Audience}, nil
}

// checkCredentials says, in words a person can act on, what is missing from
// credentials before anything is signed. It never prints key material.
func checkCredentials(creds Credentials) error {
	switch creds.Kind {
	case KindTeam, KindIndividual, KindEnterprise:
	default:
		return fmt.Errorf("unknown key kind %q: use team, individual or enterprise", creds.Kind)
	}
	if creds.KeyID == "" {
		return errors.New("the key has no Key ID: copy it from App Store Connect (Users and Access > Integrations)")
	}
	if creds.Kind.HasIssuer() && creds.IssuerID == "" {
		return fmt.Errorf("the %s key %s has no Issuer ID: copy it from the top of the keys page in App Store Connect", creds.Kind.Label(), creds.KeyID)
	}
	if creds.PrivateKey == nil {
		return fmt.Errorf("the private key of key %s is missing", creds.KeyID)
	}
	if creds.PrivateKey.Curve != elliptic.P256() {
		return fmt.Errorf("the private key of key %s is not an EC P-256 key: App Store Connect keys always are", creds.KeyID)
	}
	return nil
}

// SignToken signs one App Store Connect token for creds at time now.
//
// The token's iat is now minus 60 seconds (TokenBackdate) and its exp is now
// plus ttl, both in whole seconds. A ttl of zero or less means the longest
// lifetime; a ttl above MaxTokenLifetime (19 minutes) is capped to it, so exp -
// iat never exceeds the 20 minutes Apple allows; a ttl under one second is
// raised to one second. Team and enterprise keys carry iss (the Issuer ID);
// individual keys carry sub "user" and no iss. aud is a plain string chosen by
// the key kind.
func SignToken(creds Credentials, ttl time.Duration, now time.Time) (string, error) {
	if err := checkCredentials(creds); err != nil {
		return "", err
	}
	if ttl <= 0 || ttl > MaxTokenLifetime {
		ttl = MaxTokenLifetime
	}
	secs := int64(ttl / time.Second)
	if secs < 1 {
		secs = 1
	}
	claims := appleClaims{
		IssuedAt:  now.Unix() - int64(TokenBackdate/time.Second),
		ExpiresAt: now.Unix() + secs,
		Audience:  creds.Kind.Audience(),
	}
	if creds.Kind.HasIssuer() {
		claims.Issuer = creds.IssuerID
	} else {
		claims.Subject = "user"
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	tok.Header["kid"] = creds.KeyID // "alg" and "typ" are set by jwt.
	s, err := tok.SignedString(creds.PrivateKey)
	if err != nil {
		// jwt's errors name no key material; keep the Key ID for context.
		return "", fmt.Errorf("signing a token with key %s: %w", creds.KeyID, err)
	}
	return s, nil
}

// TokenSource hands out tokens for one key. It reuses one token until about
// two minutes before it expires, as Apple asks, and is safe for concurrent
// use: requests that find the token stale wait for a single signature instead
// of each signing their own.
type TokenSource struct {
	creds Credentials
	now   func() time.Time

	mu     sync.Mutex
	token  string
	expiry time.Time

	signed atomic.Int64
}

// NewTokenSource returns a TokenSource for creds. now is the clock used for
// iat and exp; nil means time.Now.
func NewTokenSource(creds Credentials, now func() time.Time) *TokenSource {
	if now == nil {
		now = time.Now
	}
	return &TokenSource{creds: creds, now: now}
}

// Token returns a valid token, signing a new one only when none is cached or
// the cached one expires within two minutes.
func (ts *TokenSource) Token() (string, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	now := ts.now()
	if ts.token != "" && now.Before(ts.expiry.Add(-tokenRefreshMargin)) {
		return ts.token, nil
	}
	tok, err := SignToken(ts.creds, MaxTokenLifetime, now)
	if err != nil {
		return "", err
	}
	ts.signed.Add(1)
	ts.token = tok
	ts.expiry = time.Unix(now.Unix()+int64(MaxTokenLifetime/time.Second), 0)
	return tok, nil
}

// invalidateToken drops the cached token only if it is still the one that was
// rejected. Several requests that fail with the same token then cause one new
// signature, not one each.
func (ts *TokenSource) invalidateToken(rejected string) {
	ts.mu.Lock()
	if ts.token == rejected {
		ts.token = ""
	}
	ts.mu.Unlock()
}

// Signed reports how many tokens this source has signed. Benchmarks and tests
// use it to check that a full listing signs one token.
func (ts *TokenSource) Signed() int64 { return ts.signed.Load() }

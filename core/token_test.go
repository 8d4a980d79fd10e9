package core

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func newTestKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func testCreds(t testing.TB, kind KeyKind) Credentials {
	c := Credentials{KeyID: "ABC123DEFG", Kind: kind, PrivateKey: newTestKey(t)}
	if kind.HasIssuer() {
		c.IssuerID = "57246542-96fe-1a63-e053-0824d011072a"
	}
	return c
}

// decodeSegment returns one base64url part of a JWT as a JSON object.
func decodeSegment(t *testing.T, tok string, i int) map[string]json.RawMessage {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSignTokenClaims(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, kind := range Kinds {
		t.Run(string(kind), func(t *testing.T) {
			creds := testCreds(t, kind)
			tok, err := SignToken(creds, 0, now)
			if err != nil {
				t.Fatal(err)
			}
			// The signature verifies with the public key, as ES256.
			parsed, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return &creds.PrivateKey.PublicKey, nil },
				jwt.WithValidMethods([]string{"ES256"}), jwt.WithTimeFunc(func() time.Time { return now }))
			if err != nil {
				t.Fatalf("token does not verify: %v", err)
			}
			if parsed.Header["kid"] != creds.KeyID || parsed.Header["typ"] != "JWT" || parsed.Header["alg"] != "ES256" {
				t.Errorf("header = %v", parsed.Header)
			}
			if sig, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[2]); len(sig) != 64 {
				t.Errorf("signature is %d bytes, Apple wants raw 64-byte R||S", len(sig))
			}

			claims := decodeSegment(t, tok, 1)
			if got, want := string(claims["aud"]), fmt.Sprintf("%q", kind.Audience()); got != want {
				t.Errorf("aud = %s, want the plain string %s", got, want)
			}
			var iat, exp int64
			json.Unmarshal(claims["iat"], &iat)
			json.Unmarshal(claims["exp"], &exp)
			if iat != now.Unix()-60 {
				t.Errorf("iat = %d, want now-60 = %d", iat, now.Unix()-60)
			}
			if exp != now.Add(19*time.Minute).Unix() || exp-iat != 1200 {
				t.Errorf("exp = %d (exp-iat %d), want now+19min, exp-iat 1200", exp, exp-iat)
			}
			if kind == KindIndividual {
				if string(claims["sub"]) != `"user"` || claims["iss"] != nil {
					t.Errorf("individual key: sub = %s, iss = %s; want sub \"user\" and no iss", claims["sub"], claims["iss"])
				}
			} else if string(claims["iss"]) != fmt.Sprintf("%q", creds.IssuerID) || claims["sub"] != nil {
				t.Errorf("%s key: iss = %s, sub = %s", kind, claims["iss"], claims["sub"])
			}
			if _, ok := claims["nbf"]; ok {
				t.Error("nbf is set; Apple does not ask for it")
			}
		})
	}
}

func TestSignTokenLifetime(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 900_000_000, time.UTC)
	creds := testCreds(t, KindTeam)
	for _, tc := range []struct {
		ttl      time.Duration
		lifetime int64 // exp - now, seconds
	}{
		{0, 19 * 60},
		{-time.Minute, 19 * 60},
		{5 * time.Minute, 5 * 60},
		{19 * time.Minute, 19 * 60},
		{20 * time.Minute, 19 * 60}, // capped: exp - iat would be 21 minutes
		{time.Hour, 19 * 60},
		{90 * time.Second, 90},
		{time.Millisecond, 1},
	} {
		tok, err := SignToken(creds, tc.ttl, now)
		if err != nil {
			t.Fatal(err)
		}
		var exp, iat int64
		c := decodeSegment(t, tok, 1)
		json.Unmarshal(c["exp"], &exp)
		json.Unmarshal(c["iat"], &iat)
		if exp-now.Unix() != tc.lifetime || exp-iat > 20*60 {
			t.Errorf("ttl %v: exp - now = %ds, exp - iat = %ds; want %ds and at most 1200s", tc.ttl, exp-now.Unix(), exp-iat, tc.lifetime)
		}
	}
}

func TestSignTokenRefusesIncompleteCredentials(t *testing.T) {
	good := testCreds(t, KindTeam)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	for name, tc := range map[string]struct {
		creds Credentials
		words string
	}{
		"no key id":    {Credentials{IssuerID: good.IssuerID, Kind: KindTeam, PrivateKey: good.PrivateKey}, "no Key ID"},
		"no issuer":    {Credentials{KeyID: "K", Kind: KindTeam, PrivateKey: good.PrivateKey}, "no Issuer ID"},
		"no key":       {Credentials{KeyID: "K", IssuerID: "I", Kind: KindTeam}, "private key of key K is missing"},
		"wrong curve":  {Credentials{KeyID: "K", IssuerID: "I", Kind: KindTeam, PrivateKey: p384}, "not an EC P-256 key"},
		"unknown kind": {Credentials{KeyID: "K", IssuerID: "I", Kind: "personal", PrivateKey: good.PrivateKey}, "unknown key kind"},
	} {
		_, err := SignToken(tc.creds, 0, time.Now())
		if err == nil || !strings.Contains(err.Error(), tc.words) {
			t.Errorf("%s: err = %v, want it to say %q", name, err, tc.words)
		}
		if err != nil && strings.Contains(err.Error(), good.PrivateKey.D.String()) {
			t.Errorf("%s: error carries the private key", name)
		}
	}
	// Individual keys need no Issuer ID.
	ind := testCreds(t, KindIndividual)
	if _, err := SignToken(ind, 0, time.Now()); err != nil {
		t.Errorf("individual key without issuer: %v", err)
	}
}

func TestTokenSourceReusesUntilNearExpiry(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	ts := NewTokenSource(testCreds(t, KindTeam), clock)

	first, err := ts.Token()
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(16*time.Minute + 59*time.Second) // 2 min 1 s before expiry
	if tok, _ := ts.Token(); tok != first || ts.Signed() != 1 {
		t.Fatalf("token replaced %v before the 2-minute margin (signed %d)", now, ts.Signed())
	}
	now = now.Add(2 * time.Second) // inside the margin
	second, _ := ts.Token()
	if second == first || ts.Signed() != 2 {
		t.Fatalf("token not replaced within 2 minutes of expiry (signed %d)", ts.Signed())
	}

	// A rejected token is dropped once: the second report of the same token,
	// from a concurrent request, must not drop the fresh one.
	ts.invalidateToken(second)
	third, _ := ts.Token()
	ts.invalidateToken(second)
	if again, _ := ts.Token(); again != third || ts.Signed() != 3 {
		t.Errorf("stale invalidation dropped the fresh token (signed %d)", ts.Signed())
	}
}

func TestTokenSourceConcurrentSignsOnce(t *testing.T) {
	ts := NewTokenSource(testCreds(t, KindTeam), nil)
	var wg sync.WaitGroup
	tokens := make([]string, 64)
	for i := range tokens {
		wg.Go(func() {
			tok, err := ts.Token()
			if err != nil {
				t.Error(err)
			}
			tokens[i] = tok
		})
	}
	wg.Wait()
	if ts.Signed() != 1 {
		t.Errorf("64 concurrent requests signed %d tokens, want 1", ts.Signed())
	}
	for _, tok := range tokens {
		if tok != tokens[0] {
			t.Fatal("concurrent requests got different tokens")
		}
	}
}

func TestCredentialsNeverPrintKey(t *testing.T) {
	c := testCreds(t, KindTeam)
	d := c.PrivateKey.D.String()
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(verb, c); strings.Contains(s, d) {
			t.Errorf("%s prints the private key", verb)
		}
	}
	// A client, too, prints no key material through its options or errors.
	cl := NewClient(c)
	if s := fmt.Sprintf("%+v", cl.Credentials()); strings.Contains(s, d) {
		t.Error("client credentials print the private key")
	}
}

package sandbox

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/asn1"
	"encoding/base64"
	"math/big"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/asckeys/asckeys/core"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// TestTokensAreCheckedLikeApple sends one request per token variant and
// checks that exactly the ones Apple would accept get through, and that
// refusals carry Apple's 401 body.
func TestTokensAreCheckedLikeApple(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	srv := StartTest(t, Config{Seed: 1, Now: func() time.Time { return now }})
	team := srv.NewKey(core.KindTeam, RoleAdmin)
	ent := srv.NewKey(core.KindEnterprise, RoleAdmin)
	ind := srv.NewKey(core.KindIndividual, RoleAdmin)
	unregistered := NewTestKey(core.KindTeam, RoleAdmin)
	revoked := srv.NewKey(core.KindTeam, RoleAdmin)
	srv.RevokeKey(revoked.KeyID)
	impostor := team // same kid and issuer, another private key
	impostor.PrivateKey, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)

	edit := func(f func(jwt.MapClaims, map[string]any)) func(jwt.MapClaims, map[string]any) { return f }
	cases := []struct {
		name       string
		key        TestKey
		enterprise bool // send to EnterpriseURL
		path       string
		token      func(t *testing.T) string // nil: the header is omitted
		header     string                    // when set, the raw Authorization header
		want       int
		reason     string // expected in the request log's Reason
	}{
		{name: "team key, good token", key: team, want: 200},
		{name: "enterprise key at the enterprise URL", key: ent, enterprise: true, want: 200},
		{name: "individual key on /v1/apps", key: ind, path: "/v1/apps", want: 200},
		{name: "lifetime of exactly 20 minutes", key: team, want: 200, token: func(t *testing.T) string {
			return token(t, team, now, edit(func(c jwt.MapClaims, _ map[string]any) {
				c["iat"], c["exp"] = now.Unix(), now.Add(20*time.Minute).Unix()
			}))
		}},
		{name: "iat within the clock skew", key: team, want: 200, token: func(t *testing.T) string {
			return token(t, team, now, edit(func(c jwt.MapClaims, _ map[string]any) {
				c["iat"], c["exp"] = now.Add(30*time.Second).Unix(), now.Add(10*time.Minute).Unix()
			}))
		}},

		{name: "no Authorization header", key: team, token: func(*testing.T) string { return "" }, want: 401, reason: "no Authorization"},
		{name: "not a bearer token", key: team, header: "Basic dXNlcjpwYXNz", want: 401, reason: "not a Bearer"},
		{name: "garbage token", key: team, header: "Bearer not.a.jwt", want: 401, reason: "token"},
		{name: "unregistered kid", key: unregistered, want: 401, reason: "not a registered key"},
		{name: "revoked key", key: revoked, want: 401, reason: "revoked"},
		{name: "aud as an array", key: team, want: 401, reason: "array", token: func(t *testing.T) string {
			return token(t, team, now, edit(func(c jwt.MapClaims, _ map[string]any) { c["aud"] = []string{"appstoreconnect-v1"} }))
		}},
		{name: "aud missing", key: team, want: 401, reason: "aud is missing", token: func(t *testing.T) string {
			return token(t, team, now, edit(func(c jwt.MapClaims, _ map[string]any) { delete(c, "aud") }))
		}},
		{name: "enterprise aud at the team URL", key: team, want: 401, reason: "this base URL wants", token: func(t *testing.T) string {
			return token(t, team, now, edit(func(c jwt.MapClaims, _ map[string]any) { c["aud"] = "apple-developer-enterprise-v1" }))
		}},
		{name: "enterprise key at the team URL", key: ent, want: 401, reason: "this base URL wants"},
		{name: "team key at the enterprise URL", key: team, enterprise: true, want: 401, reason: "cannot be used", token: func(t *testing.T) string {
			return token(t, team, now, edit(func(c jwt.MapClaims, _ map[string]any) { c["aud"] = "apple-developer-enterprise-v1" }))
		}},
		{name: "signed by another key", key: impostor, want: 401, reason: "signature"},
		{name: "DER-encoded signature instead of R||S", key: team, want: 401, reason: "token", token: func(t *testing.T) string {
			return derSignature(t, token(t, team, now, nil))
		}},
		{name: "alg none", key: team, want: 401, reason: "token", token: func(t *testing.T) string {
			claims := jwt.MapClaims{"aud": "appstoreconnect-v1", "iss": team.IssuerID, "iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix()}
			tok := jwt.NewWithClaims(jwt.SigningMethodNone, claims)
			tok.Header["kid"] = team.KeyID
			s, err := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}},
		{name: "typ not JWT", key: team, want: 401, reason: "typ", token: func(t *testing.T) string {
			return token(t, team, now, edit(func(_ jwt.MapClaims, h map[string]any) { h["typ"] = "JOSE" }))
		}},
		{name: "21-minute lifetime", key: team, want: 401, reason: "more than 20 minutes", token: func(t *testing.T) string {
			return token(t, team, now, edit(func(c jwt.MapClaims, _ map[string]any) {
				c["iat"], c["exp"] = now.Add(-time.Minute).Unix(), now.Add(20*time.Minute).Unix()
			}))
		}},
		{name: "expired", key: team, want: 401, reason: "expired", token: func(t *testing.T) string {
			return token(t, team, now.Add(-30*time.Minute), nil)
		}},
		{name: "iat in the future", key: team, want: 401, reason: "in the future", token: func(t *testing.T) string {
			return token(t, team, now, edit(func(c jwt.MapClaims, _ map[string]any) {
				c["iat"], c["exp"] = now.Add(5*time.Minute).Unix(), now.Add(15*time.Minute).Unix()
			}))
		}},
		{name: "exp missing", key: team, want: 401, reason: "exp is missing", token: func(t *testing.T) string {
			return token(t, team, now, edit(func(c jwt.MapClaims, _ map[string]any) { delete(c, "exp") }))
		}},
		{name: "team token without iss", key: team, want: 401, reason: "iss", token: func(t *testing.T) string {
			return token(t, team, now, edit(func(c jwt.MapClaims, _ map[string]any) { delete(c, "iss"); c["sub"] = "user" }))
		}},
		{name: "team token with another issuer", key: team, want: 401, reason: "Issuer ID", token: func(t *testing.T) string {
			return token(t, team, now, edit(func(c jwt.MapClaims, _ map[string]any) { c["iss"] = newUUID() }))
		}},
		{name: "individual token with iss", key: ind, path: "/v1/apps", want: 401, reason: "must not carry iss", token: func(t *testing.T) string {
			return token(t, ind, now, edit(func(c jwt.MapClaims, _ map[string]any) { c["iss"] = newUUID() }))
		}},
		{name: "individual token without sub", key: ind, path: "/v1/apps", want: 401, reason: `sub "user"`, token: func(t *testing.T) string {
			return token(t, ind, now, edit(func(c jwt.MapClaims, _ map[string]any) { delete(c, "sub") }))
		}},

		{name: "individual key on /v1/certificates", key: ind, path: "/v1/certificates", want: 403},
		{name: "individual key on /v1/profiles", key: ind, path: "/v1/profiles", want: 403},
		{name: "individual key on /v1/bundleIds", key: ind, path: "/v1/bundleIds", want: 403},
		{name: "individual key on /v1/devices", key: ind, path: "/v1/devices", want: 403},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.path
			if path == "" {
				path = "/v1/certificates?limit=1&fields[certificates]=name"
			}
			base := srv.URL()
			if tc.enterprise {
				base = srv.EnterpriseURL()
			}
			req, _ := http.NewRequest(http.MethodGet, base+path, nil)
			switch {
			case tc.header != "":
				req.Header.Set("Authorization", tc.header)
			case tc.token == nil:
				req.Header.Set("Authorization", "Bearer "+token(t, tc.key, now, nil))
			default:
				if tok := tc.token(t); tok != "" {
					req.Header.Set("Authorization", "Bearer "+tok)
				}
			}
			res := send(t, srv.HTTPClient(), req)
			if res.status != tc.want {
				t.Fatalf("status %d, want %d; body %.300s", res.status, tc.want, res.body)
			}
			switch tc.want {
			case 401:
				assertNotAuthorized(t, res)
				log := srv.Requests()
				if got := log[len(log)-1].Reason; !strings.Contains(got, tc.reason) {
					t.Errorf("logged reason %q does not mention %q", got, tc.reason)
				}
			case 403:
				e := res.doc(t).Errors
				if len(e) != 1 || e[0].Code != "FORBIDDEN_ERROR" || e[0].Status != "403" || !strings.Contains(e[0].Detail, "Individual API keys") {
					t.Errorf("403 body = %s", res.body)
				}
			}
		})
	}
}

func assertNotAuthorized(t *testing.T, res response) {
	t.Helper()
	d := res.doc(t)
	if len(d.Errors) != 1 {
		t.Fatalf("want one error, got %s", res.body)
	}
	e := d.Errors[0]
	if e.Status != "401" || e.Code != "NOT_AUTHORIZED" || e.Title != notAuthorizedTitle || e.Detail != notAuthorizedDetail {
		t.Errorf("401 body differs from Apple's: %s", res.body)
	}
	if !uuidRE.MatchString(e.ID) {
		t.Errorf("error id %q is not a UUID", e.ID)
	}
	if ct := res.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	if h := res.header.Get("X-Rate-Limit"); h != "" {
		t.Errorf("a refused token spends no key's budget, yet X-Rate-Limit = %q", h)
	}
}

// derSignature re-encodes an ES256 token's R||S signature as ASN.1 DER, the
// mistake clients make when they sign with a generic ECDSA API.
func derSignature(t *testing.T, tok string) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(raw) != 64 {
		t.Fatalf("unexpected signature: %v", err)
	}
	der, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(raw[:32]), new(big.Int).SetBytes(raw[32:])})
	if err != nil {
		t.Fatal(err)
	}
	return parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(der)
}

func TestRegisterKeyRefusesBadKeys(t *testing.T) {
	srv := New(Config{Seed: 1})
	good := NewTestKey(core.KindTeam, RoleAdmin)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	cases := map[string]Key{
		"no key id":              {IssuerID: good.IssuerID, Kind: core.KindTeam, PublicKey: good.PublicKey},
		"no public key":          {KeyID: "ABC", IssuerID: good.IssuerID, Kind: core.KindTeam},
		"P-384":                  {KeyID: "ABC", IssuerID: good.IssuerID, Kind: core.KindTeam, PublicKey: &p384.PublicKey},
		"team without issuer":    {KeyID: "ABC", Kind: core.KindTeam, PublicKey: good.PublicKey},
		"individual with issuer": {KeyID: "ABC", IssuerID: good.IssuerID, Kind: core.KindIndividual, PublicKey: good.PublicKey},
		"unknown kind":           {KeyID: "ABC", IssuerID: good.IssuerID, Kind: "personal", PublicKey: good.PublicKey},
	}
	for name, k := range cases {
		if err := srv.RegisterKey(k); err == nil {
			t.Errorf("%s: registered", name)
		}
	}
	if err := srv.RegisterKey(good.Key); err != nil {
		t.Errorf("a good key was refused: %v", err)
	}
}

func TestNewTestKeyLooksLikeApples(t *testing.T) {
	k := NewTestKey(core.KindTeam, RoleAdmin)
	if !regexp.MustCompile(`^[A-Z0-9]{10}$`).MatchString(k.KeyID) || !uuidRE.MatchString(k.IssuerID) {
		t.Errorf("Key ID %q / Issuer ID %q do not look like Apple's", k.KeyID, k.IssuerID)
	}
	if !strings.HasPrefix(string(k.PEM), "-----BEGIN PRIVATE KEY-----\n") {
		t.Errorf("PEM is not PKCS#8: %.40s", k.PEM)
	}
	if ind := NewTestKey(core.KindIndividual, RoleDeveloper); ind.IssuerID != "" || ind.Role != RoleDeveloper {
		t.Errorf("individual key = %+v", ind.Key)
	}
}

// TestDeveloperRoleCannotDownloadDistribution checks Apple's rule that only
// Admin keys may download distribution certificates and profiles.
func TestDeveloperRoleCannotDownloadDistribution(t *testing.T) {
	srv := StartTest(t, Config{Seed: 3})
	dev := newClient(t, srv, srv.NewKey(core.KindTeam, RoleDeveloper))
	admin := newClient(t, srv, srv.NewKey(core.KindTeam, RoleAdmin))
	var devCert, distCert string
	for _, c := range srv.Certificates() {
		switch c.CertificateType {
		case "DEVELOPMENT":
			devCert = c.ID
		case "DISTRIBUTION":
			distCert = c.ID
		}
	}
	var devProfile, storeProfile string
	for _, p := range srv.Profiles() {
		switch p.ProfileType {
		case "IOS_APP_DEVELOPMENT":
			devProfile = p.ID
		case "IOS_APP_STORE":
			storeProfile = p.ID
		}
	}
	cases := []struct {
		path      string
		dev, adm  int
		forbidden string
	}{
		{"/v1/certificates?fields[certificates]=name,certificateType", 200, 200, ""},
		{"/v1/certificates/" + devCert + "?fields[certificates]=certificateContent", 200, 200, ""},
		{"/v1/certificates/" + distCert + "?fields[certificates]=certificateContent", 403, 200, "DISTRIBUTION"},
		{"/v1/certificates/" + distCert, 403, 200, "DISTRIBUTION"}, // the default fieldset holds the content
		{"/v1/certificates?limit=200&fields[certificates]=certificateContent", 403, 200, ""},
		{"/v1/certificates?limit=200&filter[certificateType]=DEVELOPMENT,IOS_DEVELOPMENT,MAC_APP_DEVELOPMENT&fields[certificates]=certificateContent", 200, 200, ""},
		{"/v1/profiles/" + devProfile + "?fields[profiles]=profileContent", 200, 200, ""},
		{"/v1/profiles/" + storeProfile + "?fields[profiles]=profileContent", 403, 200, "IOS_APP_STORE"},
		{"/v1/profiles/" + storeProfile + "?fields[profiles]=name&include=certificates&fields[certificates]=certificateContent", 403, 200, ""},
		{"/v1/profiles/" + storeProfile + "?fields[profiles]=name,uuid", 200, 200, ""},
	}
	for _, tc := range cases {
		if got := dev.get(tc.path); got.status != tc.dev {
			t.Errorf("Developer key: %s: %d, want %d (%.200s)", tc.path, got.status, tc.dev, got.body)
		} else if tc.dev == 403 {
			e := got.doc(t).Errors
			if len(e) != 1 || e[0].Code != "FORBIDDEN_ERROR" || !strings.Contains(e[0].Detail, "Only Admin keys") || !strings.Contains(e[0].Detail, tc.forbidden) {
				t.Errorf("Developer key: %s: body %s", tc.path, got.body)
			}
		}
		if got := admin.get(tc.path); got.status != tc.adm {
			t.Errorf("Admin key: %s: %d, want %d", tc.path, got.status, tc.adm)
		}
	}
	if got := dev.do(http.MethodDelete, "/v1/certificates/"+distCert); got.status != 403 {
		t.Errorf("a Developer key revoked a distribution certificate: %d", got.status)
	}
	if got := dev.do(http.MethodDelete, "/v1/profiles/"+storeProfile); got.status != 403 {
		t.Errorf("a Developer key deleted an App Store profile: %d", got.status)
	}
}

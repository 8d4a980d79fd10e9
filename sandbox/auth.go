package sandbox

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/asckeys/asckeys/core"
)

// Role is the role an API key was created with in App Store Connect. Only
// Admin keys may download distribution certificates and profiles: a
// Developer key gets 403 for any request whose response would carry the
// content of a non-development certificate or profile, including lists
// without fields[...] (the default fieldset holds the content), and for
// deleting them.
type Role string

// The roles the sandbox tells apart.
const (
	RoleAdmin     Role = "ADMIN"
	RoleDeveloper Role = "DEVELOPER"
)

// Key registers an API key's public half with the sandbox, as creating a key
// in App Store Connect does.
type Key struct {
	KeyID     string
	IssuerID  string // required for team and enterprise keys, empty for individual keys
	Kind      core.KeyKind
	Role      Role // empty means RoleAdmin
	PublicKey *ecdsa.PublicKey
}

// TestKey is a freshly generated key: its registration, its private key and
// the private key as Apple hands it out (a PKCS#8 PEM .p8 file).
type TestKey struct {
	Key
	PrivateKey *ecdsa.PrivateKey
	PEM        []byte
}

// Token lifetime rules, as Apple applies them.
const (
	// MaxTokenLifetime is the longest exp - iat Apple accepts.
	MaxTokenLifetime = 20 * time.Minute
	// ClockSkew is how far in the future iat may be. Apple does not document
	// one; a minute matches the 60 s clients back-date iat by.
	ClockSkew = time.Minute
)

// NewTestKey generates a P-256 key of the given kind and role, with a random
// 10-character Key ID and, except for individual keys, a random Issuer ID.
// Register it with Server.RegisterKey, or use Server.NewKey to do both.
func NewTestKey(kind core.KeyKind, role Role) TestKey {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic("sandbox: generating a P-256 key: " + err.Error()) // cannot happen: crypto/rand does not fail
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		panic("sandbox: encoding a P-256 key: " + err.Error()) // cannot happen for a P-256 key
	}
	if kind == "" {
		kind = core.KindTeam
	}
	k := TestKey{
		Key:        Key{KeyID: randomID(), Kind: kind, Role: role, PublicKey: &priv.PublicKey},
		PrivateKey: priv,
		PEM:        pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}),
	}
	if kind.HasIssuer() {
		k.IssuerID = newUUID()
	}
	return k
}

// NewKey generates a key with NewTestKey and registers it.
func (s *Server) NewKey(kind core.KeyKind, role Role) TestKey {
	k := NewTestKey(kind, role)
	if err := s.RegisterKey(k.Key); err != nil {
		panic("sandbox: registering a generated key: " + err.Error()) // cannot happen: the key is well formed
	}
	return k
}

// registeredKey is a key as the sandbox knows it.
type registeredKey struct {
	Key
	revoked bool
}

// RegisterKey makes the sandbox accept tokens signed by k. Registering a Key
// ID again replaces the earlier registration.
func (s *Server) RegisterKey(k Key) error {
	switch {
	case k.KeyID == "":
		return errors.New("sandbox: a key needs a Key ID")
	case k.PublicKey == nil:
		return fmt.Errorf("sandbox: key %s has no public key", k.KeyID)
	case k.PublicKey.Curve != elliptic.P256():
		return fmt.Errorf("sandbox: key %s is not on P-256; App Store Connect keys are ES256", k.KeyID)
	}
	if _, err := k.PublicKey.ECDH(); err != nil { // rejects points not on the curve
		return fmt.Errorf("sandbox: key %s: %w", k.KeyID, err)
	}
	switch k.Kind {
	case core.KindTeam, core.KindEnterprise:
		if k.IssuerID == "" {
			return fmt.Errorf("sandbox: %s key %s needs an Issuer ID", k.Kind, k.KeyID)
		}
	case core.KindIndividual:
		if k.IssuerID != "" {
			return fmt.Errorf("sandbox: individual key %s must not have an Issuer ID", k.KeyID)
		}
	default:
		return fmt.Errorf("sandbox: key %s has unknown kind %q", k.KeyID, k.Kind)
	}
	if k.Role == "" {
		k.Role = RoleAdmin
	}
	s.keysMu.Lock()
	s.keys[k.KeyID] = &registeredKey{Key: k}
	s.keysMu.Unlock()
	return nil
}

// RevokeKey makes every later token signed by the key fail with 401, as
// revoking a key in App Store Connect does.
func (s *Server) RevokeKey(keyID string) {
	s.keysMu.Lock()
	if k, ok := s.keys[keyID]; ok {
		revoked := *k
		revoked.revoked = true
		s.keys[keyID] = &revoked
	}
	s.keysMu.Unlock()
}

func (s *Server) lookupKey(keyID string) *registeredKey {
	s.keysMu.RLock()
	defer s.keysMu.RUnlock()
	return s.keys[keyID]
}

// authFailure carries why a token was refused. Apple's body never says; the
// reason goes into the request log to help whoever debugs a client.
type authFailure string

func (f authFailure) Error() string { return string(f) }

// tokenParser checks the header and the ES256 signature (raw 64-byte R||S);
// the claims are checked by hand below because Apple is stricter than
// golang-jwt's defaults (aud must be a plain string, lifetime at most 20 min).
var tokenParser = jwt.NewParser(
	jwt.WithValidMethods([]string{jwt.SigningMethodES256.Alg()}),
	jwt.WithoutClaimsValidation(),
	jwt.WithJSONNumber(),
)

// authenticate verifies the request's bearer token the way Apple does and
// returns the key that signed it.
func (s *Server) authenticate(r *http.Request, audience string) (*registeredKey, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, authFailure("no Authorization header")
	}
	scheme, token, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		return nil, authFailure("Authorization is not a Bearer token")
	}
	s.stats.sawToken(token)

	var key *registeredKey
	claims := jwt.MapClaims{}
	_, err := tokenParser.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		if typ, _ := t.Header["typ"].(string); typ != "JWT" {
			return nil, authFailure(fmt.Sprintf("header typ is %v, not JWT", t.Header["typ"]))
		}
		kid, _ := t.Header["kid"].(string)
		key = s.lookupKey(kid)
		if key == nil {
			return nil, authFailure(fmt.Sprintf("kid %q is not a registered key", kid))
		}
		return key.PublicKey, nil
	})
	if err != nil {
		var f authFailure
		if errors.As(err, &f) {
			return nil, f
		}
		return nil, authFailure("token: " + err.Error())
	}
	if key.revoked {
		return nil, authFailure("key " + key.KeyID + " was revoked")
	}
	if err := checkClaims(claims, key, audience, s.now()); err != nil {
		return nil, err
	}
	return key, nil
}

// checkClaims applies Apple's rules to a token whose signature is good.
func checkClaims(c jwt.MapClaims, key *registeredKey, audience string, now time.Time) error {
	switch aud := c["aud"].(type) {
	case string:
		if aud != audience {
			return authFailure(fmt.Sprintf("aud is %q; this base URL wants %q", aud, audience))
		}
	case nil:
		return authFailure("aud is missing")
	default:
		return authFailure("aud is not a JSON string (an array is refused)")
	}
	if key.Kind.Audience() != audience {
		return authFailure(fmt.Sprintf("a %s key cannot be used at the %s base URL", key.Kind, audience))
	}
	if key.Kind == core.KindIndividual {
		if sub, _ := c["sub"].(string); sub != "user" {
			return authFailure(`individual key token needs sub "user"`)
		}
		if _, ok := c["iss"]; ok {
			return authFailure("individual key token must not carry iss")
		}
	} else if iss, _ := c["iss"].(string); iss != key.IssuerID {
		return authFailure(fmt.Sprintf("iss %v does not match the key's Issuer ID", c["iss"]))
	}
	iat, err := numericClaim(c, "iat")
	if err != nil {
		return err
	}
	exp, err := numericClaim(c, "exp")
	if err != nil {
		return err
	}
	switch {
	case exp-iat > int64(MaxTokenLifetime/time.Second):
		return authFailure(fmt.Sprintf("exp - iat is %ds, more than 20 minutes", exp-iat))
	case exp <= iat:
		return authFailure("exp is not after iat")
	case now.Unix() >= exp:
		return authFailure(fmt.Sprintf("token expired %ds ago", now.Unix()-exp))
	case iat > now.Add(ClockSkew).Unix():
		return authFailure(fmt.Sprintf("iat is %ds in the future", iat-now.Unix()))
	}
	return nil
}

func numericClaim(c jwt.MapClaims, name string) (int64, error) {
	n, ok := c[name].(json.Number)
	if !ok {
		return 0, authFailure(name + " is missing or not a number")
	}
	v, err := n.Int64()
	if err != nil {
		f, ferr := n.Float64()
		if ferr != nil {
			return 0, authFailure(name + " is not a number")
		}
		v = int64(f)
	}
	return v, nil
}

// randomID returns a 10-character upper-case id like Apple's Key IDs.
func randomID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	var b [10]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}

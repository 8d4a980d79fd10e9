package sandbox_test

import (
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox"
)

// A sandbox with one team key, asked for its apps with a token signed as
// Apple documents.
func Example() {
	srv := sandbox.New(sandbox.Config{Seed: 1, Profiles: 500})
	if err := srv.Start(); err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	key := srv.NewKey(core.KindTeam, sandbox.RoleAdmin)

	now := time.Now()
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{
		"iss": key.IssuerID, "aud": "appstoreconnect-v1",
		"iat": now.Add(-time.Minute).Unix(), "exp": now.Add(18 * time.Minute).Unix(),
	})
	tok.Header["kid"] = key.KeyID
	signed, err := tok.SignedString(key.PrivateKey)
	if err != nil {
		fmt.Println(err)
		return
	}

	req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/v1/apps?fields[apps]=name,bundleId&limit=2", nil)
	req.Header.Set("Authorization", "Bearer "+signed)
	res, err := srv.HTTPClient().Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	fmt.Println(res.StatusCode, res.Header.Get("X-Rate-Limit"))
	fmt.Println(srv.Stats().Requests, "request,", srv.Stats().DistinctTokens, "token")
	// Output:
	// 200 user-hour-lim:3600;user-hour-rem:3599;
	// 1 request, 1 token
}

package core_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox"
)

// TestVerifyMessages: what Verify says when the key cannot be checked reads
// once, naturally: App Store Connect is named once, and what to do follows.
func TestVerifyMessages(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, srv *sandbox.Server) *core.Client
		want  string // the message, with the host (which varies) as HOST; "..." ends a prefix
	}{
		{"401 rejected", func(t *testing.T, srv *sandbox.Server) *core.Client {
			return clientFor(srv, sandbox.NewTestKey(core.KindTeam, sandbox.RoleAdmin)) // never registered
		}, "App Store Connect rejected the key (401 NOT_AUTHORIZED): the Key ID, Issuer ID or key kind is wrong, " +
			"the key was revoked, or this computer's clock is wrong. Apple said: Authentication credentials are missing or invalid. " +
			"Provide a properly configured and signed bearer token, and make sure that it has not expired. " +
			"Learn more about Generating Tokens for API Requests https://developer.apple.com/go/?id=api-generating-tokens"},
		{"403 refused", func(t *testing.T, srv *sandbox.Server) *core.Client {
			srv.InjectFaults(sandbox.Fault{Kind: sandbox.FaultStatus, Status: 403})
			c, _ := sandboxClient(t, srv, core.KindTeam, sandbox.RoleAdmin)
			return c
		}, "App Store Connect refused this request (403 FORBIDDEN_ERROR): the key's role does not allow it. Individual keys " +
			"cannot use provisioning at all, and only Admin keys may download distribution certificates and profiles. " +
			"Apple said: This request is forbidden for security reasons: The API key in use does not allow this request"},
		{"network down", func(t *testing.T, srv *sandbox.Server) *core.Client {
			c, _ := sandboxClient(t, srv, core.KindTeam, sandbox.RoleAdmin, core.WithRetry(core.RetryPolicy{MaxAttempts: 1}))
			srv.Close()
			return c
		}, "could not reach App Store Connect (HOST): check your connection: dial tcp HOST: connect: ..."}, // refused or reset
		{"timeout", func(t *testing.T, srv *sandbox.Server) *core.Client {
			srv.InjectFaults(sandbox.Fault{Kind: sandbox.FaultStall, Stall: time.Minute})
			c, _ := sandboxClient(t, srv, core.KindTeam, sandbox.RoleAdmin,
				core.WithRetry(core.RetryPolicy{MaxAttempts: 1}), core.WithRequestTimeout(100*time.Millisecond))
			return c
		}, "App Store Connect (HOST) did not answer within 100ms: check your connection, or try again later"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := sandbox.StartTest(t, sandbox.Config{Seed: 41})
			host := strings.TrimPrefix(strings.TrimSuffix(srv.URL(), sandbox.PathPrefix), "http://")
			c := tc.setup(t, srv)
			_, _, err := c.Verify(context.Background())
			if err == nil {
				t.Fatal("Verify succeeded")
			}
			got := strings.ReplaceAll(err.Error(), host, "HOST")
			if prefix, cut := strings.CutSuffix(tc.want, "..."); got != tc.want && !(cut && strings.HasPrefix(got, prefix)) {
				t.Errorf("Verify says\n%s\nwant\n%s", got, tc.want)
			}
			if n := strings.Count(err.Error(), "App Store Connect"); n != 1 {
				t.Errorf("App Store Connect is named %d times", n)
			}
		})
	}
}

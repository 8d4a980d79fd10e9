//go:build unix

package bench

import (
	"testing"
	"time"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox"
)

// BenchmarkSignToken is figure 6: signing one App Store Connect token
// (ES256), what a client does once per key every 17 minutes or so.
func BenchmarkSignToken(b *testing.B) {
	creds := credentials(sandbox.NewTestKey(core.KindTeam, sandbox.RoleAdmin))
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := core.SignToken(creds, 0, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCachedToken is what every request after the first pays for its
// token: a look at the cached one.
func BenchmarkCachedToken(b *testing.B) {
	ts := core.NewTokenSource(credentials(sandbox.NewTestKey(core.KindTeam, sandbox.RoleAdmin)), nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ts.Token(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(ts.Signed()), "tokens-signed")
}

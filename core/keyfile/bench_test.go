package keyfile

import (
	"strings"
	"testing"

	"github.com/asckeys/asckeys/core/keyfile/keyfiletest"
)

// BenchmarkParse measures an ordinary key and inputs built to make a naive
// PEM scanner quadratic; each should take about as long per byte.
func BenchmarkParse(b *testing.B) {
	k := keyfiletest.New(b)
	for name, in := range map[string]string{
		"key":             string(k.PKCS8),
		"quoted-escaped":  `"` + strings.ReplaceAll(string(k.PKCS8), "\n", `\n`) + `"`,
		"many-begins":     strings.Repeat("-----BEGIN A-----\n", 3600),
		"many-key-begins": strings.Repeat("-----BEGIN PRIVATE KEY-----\n", 2300),
		"ends-only":       "-----BEGIN A-----" + strings.Repeat("-----END B-----", 4000),
		"dashes":          strings.Repeat("-", 65000),
	} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				_, _ = Parse([]byte(in))
			}
		})
	}
}

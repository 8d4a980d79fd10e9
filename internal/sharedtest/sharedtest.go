// Package sharedtest decides what a test does when the reference material in
// ../shared (Apple's OpenAPI spec, captured responses, public test keys) is not
// beside the repository: it skips with the reason, or, when
// ASCKEYS_REQUIRE_SHARED=1 (make test sets it), fails, so a run that promised
// those checks cannot pass without them.
package sharedtest

import (
	"os"
	"testing"
)

// RequireVar names the environment variable that turns the skip into a failure.
const RequireVar = "ASCKEYS_REQUIRE_SHARED"

// Missing ends t for want of reference material: t.Skipf normally, t.Fatalf
// when RequireVar is set to 1.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv(RequireVar) == "1" {
		t.Fatalf(format+" ("+RequireVar+"=1: this check is required)", args...)
	}
	t.Skipf(format, args...)
}

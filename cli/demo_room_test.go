package cli

import (
	"strings"
	"testing"

	"github.com/asckeys/asckeys/sandbox"
)

// The demo says where it has room for a new certificate and where it is at
// Apple's limit: the demo account's seed fills the distribution types.
func TestDemoRoomNamesFullAndOpenTypes(t *testing.T) {
	srv := sandbox.StartTest(t, demoConfig)
	msg := demoRoom(srv)
	if !strings.Contains(msg, "DEVELOPMENT (") {
		t.Errorf("the demo has no room for a development certificate: %s", msg)
	}
	t.Log(msg)
	for _, typ := range []string{"DISTRIBUTION", "IOS_DISTRIBUTION"} {
		if !strings.Contains(msg, typ) {
			t.Errorf("the demo says nothing about %s: %s", typ, msg)
		}
	}
}

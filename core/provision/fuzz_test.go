package provision_test

import (
	"errors"
	"testing"
	"time"

	"github.com/asckeys/asckeys/core/provision"
)

// FuzzDecode feeds Decode damaged and made-up profiles: it must never panic,
// every refusal must be an ErrNotProfile, and whatever it accepts must have a
// UUID that can name a file.
func FuzzDecode(f *testing.F) {
	f.Add(signed(f, plistWith("55B8FDB4-B7D2-402D-B48B-2523F7B9C384", "seed")))
	f.Add(signed(f, []byte(`<?xml version="1.0"?><plist><dict><key>UUID</key><array><array></array></array></dict></plist>`)))
	f.Add([]byte("0\x80"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := provision.Decode(data, time.Unix(1_700_000_000, 0))
		if err != nil {
			if !errors.Is(err, provision.ErrNotProfile) {
				t.Fatalf("error %v is not ErrNotProfile", err)
			}
			return
		}
		if !provision.IsUUID(p.UUID) {
			t.Fatalf("accepted UUID %q", p.UUID)
		}
	})
}

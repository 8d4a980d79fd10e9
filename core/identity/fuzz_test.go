package identity

import (
	"testing"
)

// FuzzDecodeP12 feeds DecodeP12 damaged and made-up files: it must never
// panic, and whatever it accepts must be a key with its own certificate.
func FuzzDecodeP12(f *testing.F) {
	key := testKey()
	cert := newCert(f, key, "Apple Distribution: Fuzz (ABCDE12345)", nil, nil)
	for _, modern := range []bool{false, true} {
		data, err := EncodeP12(cert, key, "pw", modern)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, "pw")
		f.Add(data, "")
		f.Add(berOuter(f, data), "pw")
		f.Add(data[:len(data)/3], "pw")
	}
	if ts, err := pkcs12LegacyTrustStore(cert, "pw"); err == nil {
		f.Add(ts, "pw")
	}
	f.Add([]byte{}, "")
	f.Add([]byte{0x30, 0x80, 0x04, 0x80, 0x30, 0x80, 0, 0, 0, 0, 0, 0}, "pw")
	f.Add([]byte{0x30, 0x84, 0xff, 0xff, 0xff, 0xff}, "pw")
	f.Add([]byte{0x1f, 0xff, 0xff, 0xff}, "pw")
	// Rounds and password length are what a decode's time grows with: keep
	// both small enough for many inputs a second.
	saved := maxP12Iterations
	maxP12Iterations = 4096
	f.Cleanup(func() { maxP12Iterations = saved })
	f.Fuzz(func(t *testing.T, data []byte, password string) {
		if len(password) > 64 {
			t.Skip("long passwords only slow the key derivation down")
		}
		_ = hasIndefiniteLength(data)
		id, err := DecodeP12(data, password)
		if err != nil {
			if id.Key != nil || id.Certificate != nil {
				t.Fatal("an error with a half-filled identity")
			}
			return
		}
		if !Matches(id.Certificate, id.Key) {
			t.Fatal("accepted a key that is not the certificate's")
		}
	})
}

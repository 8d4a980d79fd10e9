package gui

import "testing"

func TestSplitRawKeepsGoErrorsBehindDetails(t *testing.T) {
	for _, tc := range []struct{ in, short, raw string }{
		{
			"Could not reach App Store Connect (127.0.0.1:39753): check your connection: dial tcp 127.0.0.1:39753: connect: connection refused.",
			"Could not reach App Store Connect (127.0.0.1:39753): check your connection.",
			"dial tcp 127.0.0.1:39753: connect: connection refused.",
		},
		{
			`The keychain cannot be reached: exec: "dbus-launch": executable file not found in $PATH`,
			"The keychain cannot be reached.",
			`exec: "dbus-launch": executable file not found in $PATH`,
		},
		{"The Key ID must be 10 characters.", "The Key ID must be 10 characters.", ""},
	} {
		short, raw := splitRaw(tc.in)
		if short != tc.short || raw != tc.raw {
			t.Errorf("splitRaw(%q) = %q, %q; want %q, %q", tc.in, short, raw, tc.short, tc.raw)
		}
	}
}

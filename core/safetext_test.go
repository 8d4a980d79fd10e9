package core_test

import (
	"testing"

	"github.com/asckeys/asckeys/core"
)

func TestSafeText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Apple Distribution: Example Corp (A1B2C3D4E5)", "Apple Distribution: Example Corp (A1B2C3D4E5)"},
		{"match AppStore com.example.app ✓ 日本語", "match AppStore com.example.app ✓ 日本語"},
		{"\x1b]0;pwned\x07\x1b[2J", `\x1b]0;pwned\x07\x1b[2J`},
		{"a\x00b\x7fc", `a\x00b\x7fc`},
		{"C1 \u009b31m", `C1 \x9b31m`},
		{"evil\u202egpj.exe", `evil\u202egpj.exe`},
		{"isolate\u2066x\u2069", `isolate\u2066x\u2069`},
		{"two\nlines\r\tand tab", "two lines  and tab"},
		{"line\u2028sep", `line\u2028sep`},
		{"bad \xff utf8", `bad \xff utf8`},
		{"", ""},
	} {
		if got := core.SafeText(tc.in); got != tc.want {
			t.Errorf("SafeText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

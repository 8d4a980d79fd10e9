package cli

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestConfirm(t *testing.T) {
	for _, tc := range []struct {
		name     string
		yes, tty bool
		input    string
		want     error
		usage    bool
	}{
		{name: "--yes", yes: true},
		{name: "no terminal", usage: true},
		{name: "y", tty: true, input: "y\n"},
		{name: "YES", tty: true, input: " YES \n"},
		{name: "enter", tty: true, input: "\n", want: errNotConfirmed},
		{name: "n", tty: true, input: "n\n", want: errNotConfirmed},
		{name: "end of input", tty: true, want: errNotConfirmed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			env := &Env{Stdin: strings.NewReader(tc.input), Stderr: &stderr, IsTerminal: func(any) bool { return tc.tty }}
			err := confirm(env, tc.yes, "Revoke X?", "revoking X stops 2 profiles")
			var ue usageError
			switch {
			case tc.usage:
				if !errors.As(err, &ue) || !strings.Contains(err.Error(), "--yes") || !strings.Contains(err.Error(), "revoking X") {
					t.Fatalf("err = %v, want a usage error naming --yes and what would happen", err)
				}
			case !errors.Is(err, tc.want) && err != tc.want:
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if asked := strings.Contains(stderr.String(), "Revoke X? [y/N]"); asked != (tc.tty && !tc.yes) {
				t.Errorf("asked = %v (stderr %q)", asked, stderr.String())
			}
		})
	}
}

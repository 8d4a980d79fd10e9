package cli

import (
	"fmt"
	"strings"
)

// shellQuote quotes s for a POSIX shell (sh, bash, zsh, dash): inside single
// quotes nothing is special but the single quote itself, which is closed,
// escaped and reopened:
//
//	it's  ->  'it'\''s'
//
// Whatever s holds ($(), backticks, ;, newlines), the shell reads it back as
// s and runs none of it.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// envVar is one variable of an env export.
type envVar struct{ name, value string }

// The syntaxes of an env export.
const (
	// syntaxShell is NAME='value' lines for sh, bash, zsh and dash: to
	// source (. ./file) or eval.
	syntaxShell = "sh"
	// syntaxGitHub is GitHub Actions' env file ($GITHUB_ENV): NAME=value a
	// line, the value taken as it is, with no quoting at all.
	syntaxGitHub = "github"
)

// formatEnv writes vars in syntax. GitHub's env file has no quoting, so a
// value that could break out of its line there (a line break, a NUL) is
// refused, not written.
func formatEnv(syntax string, vars []envVar) ([]byte, error) {
	var b strings.Builder
	for _, v := range vars {
		switch syntax {
		case syntaxGitHub:
			if strings.ContainsAny(v.value, "\r\n\x00") {
				return nil, fmt.Errorf("%s spans several lines, which GitHub's env file (NAME=value a line, no quoting) cannot hold safely, so nothing was written: use --format env-fastlane, whose key is base64 on one line, or write the file for a shell (--syntax sh) and source it", v.name)
			}
			fmt.Fprintf(&b, "%s=%s\n", v.name, v.value)
		default:
			fmt.Fprintf(&b, "%s=%s\n", v.name, shellQuote(v.value))
		}
	}
	return []byte(b.String()), nil
}

// Package clocale keeps Fyne from logging "Error parsing user locale C" on
// every start where the locale is C.UTF-8 (the default of many servers and
// CI images), which would put noise before every command-line error.
//
// Fyne reads the locale in a package init, before main runs. Go initializes
// packages in import-path order among those whose imports are ready (Go 1.21
// and later), and this package imports only what Fyne's locale reader
// (github.com/jeandeaual/go-locale) imports too, so its init runs first.
// It sets LANGUAGE, which that reader consults before the C.* value and which
// gettext ignores under a C locale, so nothing else changes.
package clocale

import (
	"os"
	"strings"
)

func init() {
	Apply(os.Getenv, os.Setenv)
}

// Apply sets LANGUAGE=en when the effective locale is a C or POSIX variant
// with a codeset (C.UTF-8, POSIX.utf8), which Fyne cannot parse, and LANGUAGE
// is not set already.
func Apply(getenv func(string) string, setenv func(string, string) error) {
	if getenv("LANGUAGE") != "" {
		return
	}
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := getenv(name)
		if v == "" {
			continue
		}
		base, _, hasCodeset := strings.Cut(v, ".")
		if hasCodeset && (base == "C" || base == "POSIX") {
			_ = setenv("LANGUAGE", "en")
		}
		return
	}
}

package core

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxFileNameBytes bounds a file name made by SafeFileName. Most file systems
// allow 255 bytes; the margin leaves room for " (2)" suffixes and temp names.
const MaxFileNameBytes = 200

// SafeFileName turns a name from App Store Connect into a file name that is
// safe on macOS, Windows and Linux:
//   - path separators and the characters Windows forbids (< > : " / \ | ? *)
//     are replaced, ": " by " - " so "iOS Distribution: Jane" stays readable;
//   - control and invisible formatting characters (which could disguise an
//     extension) are replaced, and invalid UTF-8 too;
//   - runs of dots become one, so ".." cannot appear; leading dots (hidden
//     files) and leading or trailing spaces and dots (Windows drops them) go;
//   - Windows device names (CON, PRN, AUX, NUL, COM0-9, LPT0-9, with or without
//     an extension) get a leading "_";
//   - the result is at most MaxFileNameBytes bytes, cut between characters,
//     and never empty ("unnamed").
func SafeFileName(s string) string { return safeFileName(s, MaxFileNameBytes) }

func safeFileName(s string, maxBytes int) string {
	s = strings.ToValidUTF8(s, "_")
	s = strings.ReplaceAll(s, ": ", " - ")
	var b strings.Builder
	prevDot := false
	for _, r := range s {
		switch {
		case r == '/' || r == '\\' || r == ':':
			r = '-'
		case unicode.IsSpace(r): // tabs and line breaks too, before they count as control characters
			r = ' '
		case strings.ContainsRune(`<>"|?*`, r), unicode.IsControl(r), unicode.Is(unicode.Cf, r),
			r == utf8.RuneError:
			r = '_'
		}
		if r == '.' && prevDot {
			continue
		}
		prevDot = r == '.'
		b.WriteRune(r)
	}
	s = truncateUTF8(b.String(), maxBytes)
	s = strings.Trim(s, " .")
	if s == "" {
		s = "unnamed"
	}
	if isWindowsReserved(s) {
		s = truncateUTF8("_"+s, maxBytes)
		s = strings.TrimRight(s, " .")
	}
	return s
}

// TruncateUTF8 cuts s to at most n bytes without splitting a character: for
// quoting a piece of untrusted input in a message.
func TruncateUTF8(s string, n int) string { return truncateUTF8(s, n) }

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// isWindowsReserved reports whether Windows treats name as a device, whatever
// its extension: "CON", "con.txt", "COM1.tar.gz", "LPT¹".
func isWindowsReserved(name string) bool {
	stem, _, _ := strings.Cut(name, ".")
	stem = strings.ToUpper(strings.TrimRight(stem, " "))
	switch stem {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(stem) >= 4 && (strings.HasPrefix(stem, "COM") || strings.HasPrefix(stem, "LPT")) {
		switch stem[3:] {
		case "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "¹", "²", "³":
			return true
		}
	}
	return false
}

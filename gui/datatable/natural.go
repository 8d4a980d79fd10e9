package datatable

import (
	"cmp"
	"unicode"
	"unicode/utf8"
)

// naturalCompare orders strings the way a person reads them: letters without
// regard to case, and runs of digits by their numeric value, so "Device 9"
// comes before "Device 10" and ISO dates sort chronologically. It returns 0
// for strings that differ only in case or leading zeros, which leaves their
// order to the stable sort. It never allocates: it runs O(n log n) times per
// sort of 10,000 rows.
func naturalCompare(a, b string) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		ca, cb := a[i], b[j]
		if isDigit(ca) && isDigit(cb) {
			si := i
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			sj := j
			for j < len(b) && isDigit(b[j]) {
				j++
			}
			if c := compareDigits(a[si:i], b[sj:j]); c != 0 {
				return c
			}
			continue
		}
		if ca < utf8.RuneSelf && cb < utf8.RuneSelf {
			if c := cmp.Compare(lowerASCII(ca), lowerASCII(cb)); c != 0 {
				return c
			}
			i++
			j++
			continue
		}
		ra, na := utf8.DecodeRuneInString(a[i:])
		rb, nb := utf8.DecodeRuneInString(b[j:])
		if c := cmp.Compare(unicode.ToLower(ra), unicode.ToLower(rb)); c != 0 {
			return c
		}
		i += na
		j += nb
	}
	// One is a prefix of the other: the shorter comes first.
	return cmp.Compare(len(a)-i, len(b)-j)
}

// compareDigits compares two runs of ASCII digits by value, whatever their
// length, so serial-like numbers longer than an int64 still compare right.
func compareDigits(a, b string) int {
	a, b = trimZeros(a), trimZeros(b)
	if c := cmp.Compare(len(a), len(b)); c != 0 {
		return c
	}
	return cmp.Compare(a, b)
}

func trimZeros(s string) string {
	for len(s) > 1 && s[0] == '0' {
		s = s[1:]
	}
	return s
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

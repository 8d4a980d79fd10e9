package keyfile

import (
	"encoding/base64"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// quoteChars are the quotes that shells, YAML, .env files and word processors
// put around a pasted key.
const quoteChars = "\"'`“”‘’"

func isSpace(r rune) bool { return unicode.IsSpace(r) || r == '\ufeff' }

// decodeText turns the input into text, undoing byte-order marks and UTF-16.
// It reports false when the input is binary.
func decodeText(data []byte, rep *repairs) (string, bool) {
	switch {
	case len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF:
		rep.add("removed a byte-order mark")
		data = data[3:]
	case len(data) >= 2 && len(data)%2 == 0 && (data[0] == 0xFF && data[1] == 0xFE || data[0] == 0xFE && data[1] == 0xFF):
		s, ok := decodeUTF16(data[2:], data[0] == 0xFE)
		if !ok {
			return "", false
		}
		rep.add("converted the file from UTF-16 text")
		data = []byte(s)
	case len(data) >= 4 && len(data)%2 == 0 && looksUTF16LE(data):
		s, ok := decodeUTF16(data, false)
		if !ok {
			return "", false
		}
		rep.add("converted the file from UTF-16 text")
		data = []byte(s)
	}
	if !utf8.Valid(data) {
		return "", false
	}
	s := string(data)
	for _, r := range s {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' && r != '\v' && r != '\f' || r == 0x7f {
			return "", false
		}
	}
	return s, true
}

// looksUTF16LE spots UTF-16 without a byte-order mark: ASCII text with a zero
// after every character, as Windows tools write it.
func looksUTF16LE(b []byte) bool {
	for i := 0; i < len(b); i += 2 {
		if b[i+1] != 0 || b[i] == 0 || b[i] >= 0x80 {
			return false
		}
	}
	return true
}

func decodeUTF16(b []byte, bigEndian bool) (string, bool) {
	if len(b)%2 != 0 {
		return "", false
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		if bigEndian {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		} else {
			u[i] = uint16(b[2*i+1])<<8 | uint16(b[2*i])
		}
	}
	s := string(utf16.Decode(u))
	return s, !strings.ContainsRune(s, utf8.RuneError)
}

// parseText undoes what CI secrets do to a key, then reads its PEM blocks.
func parseText(s string, rep *repairs) (parsed, *Error) {
	// Several rounds, since damage nests: base64 of a quoted key with \n
	// literals is common in CI variables.
	for round := 0; round < 4; round++ {
		if trimmedEmpty(s) {
			return parsed{}, newError(ErrEmpty, "the key file holds only blank space or quotes: %s", chooseOriginal)
		}
		if q, ok := unquote(s); ok {
			rep.add("removed surrounding quotes")
			s = q
		}
		if strings.Contains(s, `\n`) || strings.Contains(s, `\r`) {
			rep.add(`replaced literal \n sequences with line breaks`)
			// Doubly escaped first, as CI variables passed through two
			// shells arrive.
			s = strings.NewReplacer(`\\r\\n`, "\n", `\\n`, "\n", `\r\n`, "\n", `\n`, "\n", `\\r`, "", `\r`, "").Replace(s)
		}
		if strings.Contains(s, `\/`) {
			// JSON encoders such as PHP's escape every / of the base64.
			rep.add("removed JSON escapes")
			s = strings.ReplaceAll(s, `\/`, "/")
		}
		if strings.Contains(s, "\r") {
			rep.add("converted Windows line endings (CRLF)")
			s = strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(s)
		}
		if beginRE.MatchString(s) {
			return parsePEMText(s, rep)
		}
		decoded, ok := decodeBase64Loose(s)
		if !ok {
			return parsed{}, errNotPEM()
		}
		if text, isText := decodeText(decoded, rep); isText {
			if !beginRE.MatchString(text) && !strings.ContainsAny(strings.TrimSpace(text), quoteChars) {
				return parsed{}, errNotPEM()
			}
			rep.add("decoded base64 of the whole file")
			s = text
			continue
		}
		// The base64 body of a key without its -----BEGIN and -----END lines,
		// as some CI set-ups store it.
		p, kerr := parseBinary(decoded, rep, "added the missing -----BEGIN and -----END lines")
		if kerr != nil && kerr.Kind == ErrBinary {
			return parsed{}, errNotPEM()
		}
		return p, kerr
	}
	return parsed{}, errNotPEM()
}

// unquote strips one pair of matching quotes around s, with any blank space
// outside them.
func unquote(s string) (string, bool) {
	t := strings.TrimFunc(s, isSpace)
	first, n1 := utf8.DecodeRuneInString(t)
	last, n2 := utf8.DecodeLastRuneInString(t)
	if len(t) < n1+n2 || !strings.ContainsRune(quoteChars, first) {
		return s, false
	}
	pairs := map[rune]rune{'"': '"', '\'': '\'', '`': '`', '“': '”', '‘': '’', '”': '”', '’': '’'}
	if pairs[first] != last {
		return s, false
	}
	return t[n1 : len(t)-n2], true
}

// decodeBase64Loose decodes s as base64 in any of its usual alphabets, with or
// without padding and line breaks. Short strings are not taken for base64.
func decodeBase64Loose(s string) ([]byte, bool) {
	clean := strings.Map(func(r rune) rune {
		if isSpace(r) {
			return -1
		}
		return r
	}, s)
	if len(clean) < 16 {
		return nil, false
	}
	b, _, ok := decodeBase64(clean)
	return b, ok
}

// decodeBase64 tries the standard alphabet first; fixed reports that another
// alphabet or missing padding had to be accepted.
func decodeBase64(clean string) (b []byte, fixed bool, ok bool) {
	if b, err := base64.StdEncoding.DecodeString(clean); err == nil {
		return b, false, true
	}
	trimmed := strings.TrimRight(clean, "=")
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(trimmed); err == nil {
			return b, true, true
		}
	}
	return nil, false, false
}

// The PEM boundary lines, matched loosely: CI tools and editors lose dashes,
// add spaces and change case.
var (
	beginRE = regexp.MustCompile(`(?i)-{2,}[ \t]*BEGIN[ \t]+([A-Z0-9][A-Z0-9 ]{0,40}?)[ \t]*-{2,}`)
	endRE   = regexp.MustCompile(`(?i)-{2,}[ \t]*END[ \t]+([A-Z0-9][A-Z0-9 ]{0,40}?)[ \t]*-{2,}`)
	exactRE = regexp.MustCompile(`^-----(BEGIN|END) [A-Z0-9]+( [A-Z0-9]+)*-----$`)
)

// block is one PEM block as found in the text.
type block struct {
	typ      string // upper case, single spaces
	body     string // text between the boundary lines
	complete bool   // an END line was found
	exact    bool   // both boundary lines were well formed
}

// scanBlocks finds the PEM blocks in s and returns the text outside them. It
// matches all boundary lines once and pairs them up, so it stays linear in the
// input however many boundaries a hostile file holds.
func scanBlocks(s string) (blocks []block, outside string) {
	begins := beginRE.FindAllStringSubmatchIndex(s, -1)
	ends := endRE.FindAllStringIndex(s, -1)
	var out strings.Builder
	pos, e := 0, 0
	for bi, loc := range begins {
		if loc[0] < pos {
			continue // inside the block before
		}
		out.WriteString(s[pos:loc[0]])
		b := block{typ: normType(s[loc[2]:loc[3]])}
		after := loc[1]
		for e < len(ends) && ends[e][0] < after {
			e++
		}
		next := len(s)
		for _, nb := range begins[bi+1:] {
			if nb[0] >= after {
				next = nb[0]
				break
			}
		}
		if e < len(ends) && ends[e][0] < next {
			b.body = s[after:ends[e][0]]
			b.complete = true
			b.exact = exactRE.MatchString(s[loc[0]:loc[1]]) && exactRE.MatchString(s[ends[e][0]:ends[e][1]])
			pos = ends[e][1]
		} else {
			b.body = s[after:next]
			pos = next
		}
		blocks = append(blocks, b)
	}
	out.WriteString(s[pos:])
	return blocks, out.String()
}

func normType(t string) string { return strings.Join(strings.Fields(strings.ToUpper(t)), " ") }

func isKeyType(t string) bool { return strings.HasSuffix(t, "PRIVATE KEY") }

// parsePEMText reads the one key in s, refusing files with none or several.
func parsePEMText(s string, rep *repairs) (parsed, *Error) {
	blocks, outside := scanBlocks(s)
	var keys []block
	var others []string
	for _, b := range blocks {
		if isKeyType(b.typ) {
			keys = append(keys, b)
		} else {
			others = append(others, b.typ)
		}
	}
	switch {
	case len(keys) > 1:
		return parsed{}, newError(ErrMultipleKeys, "the file holds %d keys, but a .p8 holds exactly one: put each key in its own file, or %s", len(keys), chooseOriginal)
	case len(keys) == 0:
		return parsed{}, refuseNonKey(others)
	}
	for _, t := range others {
		rep.add("ignored " + describeType(t) + " in the file")
	}
	if strings.TrimFunc(outside, isSpace) != "" {
		rep.add("ignored text before or after the key")
	}
	return parseKeyBlock(keys[0], s, rep)
}

// refuseNonKey explains a file whose PEM blocks hold no private key.
func refuseNonKey(types []string) *Error {
	for _, t := range types {
		if strings.HasSuffix(t, "PUBLIC KEY") {
			return errPublicKey()
		}
	}
	for _, t := range types {
		if strings.Contains(t, "CERTIFICATE") || t == "X509 CRL" || t == "PKCS7" || t == "CMS" {
			return errCertificate(describeType(t))
		}
	}
	what := "a PEM block of another kind"
	if len(types) > 0 {
		what = describeType(types[0])
	}
	return newError(ErrNotKey, "the file holds %s, not a key: %s", what, chooseOriginal)
}

// describeType names a PEM block type in words, without echoing arbitrary
// input.
func describeType(t string) string {
	switch {
	case strings.Contains(t, "CERTIFICATE REQUEST"):
		return "a certificate signing request"
	case strings.Contains(t, "CERTIFICATE"):
		return "a certificate"
	case t == "X509 CRL":
		return "a certificate revocation list"
	case t == "PKCS7" || t == "CMS":
		return "a PKCS#7 signature or certificate bundle"
	case strings.HasSuffix(t, "PUBLIC KEY"):
		return "a public key"
	case t == "EC PARAMETERS":
		return "an EC PARAMETERS block"
	case t == "DH PARAMETERS":
		return "Diffie-Hellman parameters"
	}
	return "a PEM block of another kind"
}

// parseKeyBlock decodes the one key block and notes how its text was repaired.
func parseKeyBlock(b block, s string, rep *repairs) (parsed, *Error) {
	switch b.typ {
	case "ENCRYPTED PRIVATE KEY":
		return parsed{}, errEncrypted()
	case "OPENSSH PRIVATE KEY":
		return parsed{}, errUnsupported("an OpenSSH key (made by ssh-keygen), not an App Store Connect API key")
	case "PUTTY PRIVATE KEY", "SSH2 ENCRYPTED PRIVATE KEY":
		return parsed{}, errUnsupported("an SSH key, not an App Store Connect API key")
	}
	var data []string
	headers := false
	for _, line := range strings.Split(b.body, "\n") {
		t := strings.TrimFunc(line, isSpace)
		if t == "" {
			continue
		}
		if name, value, ok := strings.Cut(t, ":"); ok && len(data) == 0 {
			headers = true
			if strings.EqualFold(strings.TrimSpace(name), "Proc-Type") && strings.Contains(strings.ToUpper(value), "ENCRYPTED") {
				return parsed{}, errEncrypted()
			}
			continue
		}
		data = append(data, t)
	}
	if len(data) == 0 {
		return parsed{}, errDamaged("it has no data between its -----BEGIN and -----END lines")
	}
	der, fixed, ok := decodeBase64(strings.Map(func(r rune) rune {
		if isSpace(r) {
			return -1
		}
		return r
	}, strings.Join(data, "")))
	if !ok {
		return parsed{}, errDamaged("its base64 text does not decode")
	}
	p, kerr := parseKeyDER(der)
	if kerr != nil {
		if !b.complete && kerr.Kind == ErrDamaged {
			return parsed{}, errDamaged("its -----END line is missing and the key is cut short")
		}
		return parsed{}, kerr
	}
	if !b.exact && b.complete {
		rep.add("repaired the -----BEGIN and -----END lines")
	}
	if !b.complete {
		rep.add("added the missing -----END line")
	}
	if headers {
		rep.add("removed PEM headers")
	}
	if fixed {
		rep.add("repaired the key's base64 padding")
	}
	if (p.format == formatPKCS8) != (b.typ == "PRIVATE KEY") && !(p.format == formatSEC1 && b.typ == "EC PRIVATE KEY") {
		rep.add("corrected a PEM label that did not match the key inside")
	}
	noteLayout(b, data, s, rep)
	return p, nil
}

// noteLayout describes the whitespace and line-length repairs, so a user can
// see how the stored key differs from the file.
func noteLayout(b block, data []string, s string, rep *repairs) {
	lines := strings.Split(b.body, "\n")
	switch {
	case len(lines) == 1 || len(data) == 1 && len(data[0]) > 64:
		rep.add("re-wrapped a key whose body was on one line")
	case slices.ContainsFunc(data, func(d string) bool { return len(d) > 64 }):
		rep.add("re-wrapped the key onto 64-character lines")
	}
	stray := false
	for i, line := range lines {
		if len(lines) == 1 {
			break // BEGIN, body and END on one line: the re-wrap says it all
		}
		edge := i == 0 || i == len(lines)-1
		if !edge && strings.TrimFunc(line, isSpace) == "" || line != strings.TrimFunc(line, isSpace) {
			stray = true
		}
	}
	trimmed := strings.TrimFunc(s, isSpace)
	if !strings.HasPrefix(s, trimmed) || strings.TrimPrefix(s, trimmed) != "\n" && strings.TrimPrefix(s, trimmed) != "" {
		stray = true
	}
	if stray {
		rep.add("removed stray whitespace and indentation")
	}
}

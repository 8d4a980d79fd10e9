package gui

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// dateLayout is how dates read everywhere in the window: "3 Nov 2026".
const dateLayout = "2 Jan 2006"

// count writes n with thousands separators: 1,200.
func count(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + count(-n)
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// plural writes "1 certificate" or "24 certificates".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return count(n) + " " + many
}

// ago says how long before now t was, as a person would: "just now",
// "5 minutes ago", "3 hours ago", "yesterday", "12 days ago", or the date.
func ago(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case t.IsZero():
		return "never"
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute", "minutes") + " ago"
	case d < 24*time.Hour:
		return plural(int(d/time.Hour), "hour", "hours") + " ago"
	case d < 48*time.Hour:
		return "yesterday"
	case d < 30*24*time.Hour:
		return plural(int(d/(24*time.Hour)), "day", "days") + " ago"
	}
	return "on " + t.Local().Format(dateLayout)
}

// date writes t as a date, or "—" when there is none.
func date(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Local().Format(dateLayout)
}

// sentence turns a message from the vault or the key checks ("enter the Key
// ID: ...") into one that reads well on its own under a field.
func sentence(msg string) string {
	msg = strings.TrimSpace(msg)
	r, n := utf8.DecodeRuneInString(msg)
	if n == 0 {
		return ""
	}
	msg = string(unicode.ToUpper(r)) + msg[n:]
	if !strings.HasSuffix(msg, ".") && !strings.HasSuffix(msg, "?") && !strings.HasSuffix(msg, "!") {
		msg += "."
	}
	return msg
}

// errText is what an error says to the user, as a sentence.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return sentence(err.Error())
}

// progressText reads "400 of 1,200", or "400" while the total is unknown.
func progressText(done, total int) string {
	if total <= 0 {
		return count(done)
	}
	return fmt.Sprintf("%s of %s", count(done), count(total))
}

package core

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Time is a date from App Store Connect. It keeps the text Apple sent in Raw,
// so that --json output prints dates exactly as Apple wrote them.
//
// A date that is null, empty or unreadable leaves the time zero (Raw keeps an
// unreadable text): one odd date must not make a whole list fail.
type Time struct {
	time.Time
	Raw string
}

// Apple writes "2019-11-29T13:56:50.220+0000": no colon in the offset, which
// RFC 3339 parsers refuse. Go accepts any fractional seconds after the seconds
// field when parsing, so these layouts cover with and without milliseconds.
var timeLayouts = []string{
	"2006-01-02T15:04:05Z0700",
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z07",
	"2006-01-02T15:04:05", // no zone: taken as UTC
}

// ParseTime reads a date as App Store Connect writes it
// ("2019-11-29T13:56:50.220+0000", with or without milliseconds) or as RFC 3339
// ("2019-11-29T13:56:50Z", "2019-11-29T13:56:50.22+01:00").
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("empty date")
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("unreadable date %q: expected e.g. 2019-11-29T13:56:50.220+0000", s)
}

// NewTime returns a Time for t whose Raw is t in Apple's format.
func NewTime(t time.Time) Time {
	if t.IsZero() {
		return Time{}
	}
	return Time{Time: t, Raw: t.Format("2006-01-02T15:04:05.000-0700")}
}

// UnmarshalJSON reads a JSON string date or null.
func (t *Time) UnmarshalJSON(b []byte) error {
	*t = Time{}
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a date must be a string: %w", err)
	}
	// Raw is printed as it is (--json, tables): made safe here, where it
	// comes from App Store Connect. A date SafeText changes does not parse.
	t.Raw = SafeText(s)
	if parsed, err := ParseTime(s); err == nil {
		t.Time = parsed
	}
	return nil
}

// MarshalJSON writes the text Apple sent, or null for no date.
func (t Time) MarshalJSON() ([]byte, error) {
	switch {
	case t.Raw != "":
		return json.Marshal(t.Raw)
	case t.Time.IsZero():
		return []byte("null"), nil
	default:
		return json.Marshal(t.Time.Format(time.RFC3339Nano))
	}
}

// String is the date as Apple sent it, or "" for none.
func (t Time) String() string {
	if t.Raw != "" {
		return t.Raw
	}
	if t.Time.IsZero() {
		return ""
	}
	return t.Time.Format(time.RFC3339)
}

package core

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RateLimit is what App Store Connect's X-Rate-Limit header said: the hourly
// request budget of the key and how much of it is left. Known is false when
// the header was absent or unreadable.
type RateLimit struct {
	Limit     int  `json:"limit"`
	Remaining int  `json:"remaining"`
	Known     bool `json:"known"`
}

// String reads like "3598 of 3600 requests left this hour".
func (r RateLimit) String() string {
	if !r.Known {
		return "rate limit unknown"
	}
	return strconv.Itoa(r.Remaining) + " of " + strconv.Itoa(r.Limit) + " requests left this hour"
}

// ParseRateLimit reads an X-Rate-Limit header such as
// "user-hour-lim:3600;user-hour-rem:3598;". Pairs are separated by ";", keys
// and values by ":"; spaces, unknown pairs and a trailing ";" are tolerated.
// It reports ok only when both the limit and the remainder were found.
func ParseRateLimit(s string) (RateLimit, bool) {
	var rl RateLimit
	var haveLim, haveRem bool
	for _, pair := range strings.Split(s, ";") {
		k, v, found := strings.Cut(pair, ":")
		if !found {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "user-hour-lim":
			rl.Limit, haveLim = n, true
		case "user-hour-rem":
			rl.Remaining, haveRem = n, true
		}
	}
	if !haveLim || !haveRem {
		return RateLimit{}, false
	}
	rl.Known = true
	return rl, true
}

// parseRetryAfter reads a Retry-After header: delay seconds, or an HTTP date
// measured against the response's Date header when there is one (so that a
// wrong local clock does not matter), else against now. It returns zero when
// the header is absent or unreadable.
func parseRetryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(24*time.Hour/time.Second) {
			secs = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second
	}
	at, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	if d, err := http.ParseTime(h.Get("Date")); err == nil {
		now = d
	}
	if wait := at.Sub(now); wait > 0 {
		return wait
	}
	return 0
}

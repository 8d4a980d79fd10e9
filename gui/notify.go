package gui

import (
	"fmt"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"

	"github.com/asckeys/asckeys/actions"
	"github.com/asckeys/asckeys/storage"
)

// maxNotices is how many items are announced one by one at a time; the
// rest are summed up in one more notification, so a first start with many
// items due does not bury the desktop.
const maxNotices = 4

// notifier sends the desktop notifications about certificates and profiles
// crossing 30, 15, 7, 3 and 1 days before their expiry or their expiry day
// (actions.DueNotices), each item and threshold once across runs
// (storage.NotifiedStore), unless the user turned them off (Settings).
type notifier struct {
	send     func(*fyne.Notification)
	sent     *storage.NotifiedStore
	settings *storage.SettingsStore // nil: the defaults
	now      func() time.Time
	// rounds counts the calls of notify that have finished, sending or
	// not: tests wait on it.
	rounds atomic.Int64
}

// notify announces what keys have newly crossed. It reads and writes the
// disk: call it off the UI goroutine.
func (n *notifier) notify(keys []actions.KeyExpiry) {
	defer n.rounds.Add(1)
	if n.settings != nil {
		if st, _ := n.settings.Load(); st.NotificationsOff {
			return
		}
	}
	due := actions.DueNotices(keys)
	if len(due) == 0 {
		return
	}
	names := make([]string, len(due))
	byName := map[string]actions.ExpiryNotice{}
	for i, d := range due {
		names[i] = d.Name
		byName[d.Name] = d
	}
	fresh, err := n.sent.Claim(names, n.now())
	if err != nil {
		// Not remembered, so not sent: it would come again at every start.
		return
	}
	var out []*fyne.Notification
	for i, name := range fresh {
		if i == maxNotices && len(fresh) > maxNotices+1 {
			out = append(out, fyne.NewNotification(
				fmt.Sprintf("%d more certificates and profiles are expiring or expired", len(fresh)-maxNotices),
				"See the Overview in ASC Keys for every key."))
			break
		}
		d := byName[name]
		out = append(out, fyne.NewNotification(d.Title, d.Body))
	}
	fyne.Do(func() {
		for _, note := range out {
			n.send(note)
		}
	})
}

package gui

import (
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/asckeys/asckeys/storage"
)

// rawMarkers begin the part of an error that Go or the system wrote rather
// than ASC Keys: what a person reads is the sentence before it, and the rest
// waits behind Details for whoever needs it.
var rawMarkers = []string{
	"exec: ", "dial tcp", "dial udp", "lookup ", "read tcp", "write tcp", "x509: ", "tls: ",
	"context deadline exceeded", "net/http: ", "Post \"", "Get \"", "dbus: ",
	"org.freedesktop.", "The name org.", "open /", "stat /", "remote error: ",
}

// splitRaw cuts msg at its first raw Go or system error: short is the
// sentence before it, raw the rest (empty when there is none).
func splitRaw(msg string) (short, raw string) {
	at := -1
	for _, m := range rawMarkers {
		if i := strings.Index(msg, m); i > 0 && (at < 0 || i < at) {
			at = i
		}
	}
	if at < 0 {
		return msg, ""
	}
	short = strings.TrimRight(strings.TrimSpace(msg[:at]), ":(,;")
	if short == "" {
		return msg, ""
	}
	return sentence(short), strings.TrimSpace(msg[at:])
}

// explain is what err says to a person, and the raw cause for Details. A
// keychain error names its cause in the middle of the sentence
// ("could not read … (exec: "dbus-launch": …): install …"), so it is told
// again without it.
func explain(err error) (short, raw string) {
	var ke *storage.KeychainError
	if errors.As(err, &ke) && ke.Err != nil && ke.Err != ke.Kind {
		bare := *ke
		bare.Err = nil
		return sentence(bare.Error()), ke.Err.Error()
	}
	return splitRaw(errText(err))
}

// detailedMessage is a message whose raw cause stays behind a Details
// toggle, so the line reads as a sentence and keeps its height.
type detailedMessage struct {
	message
	detail *widget.Label
	toggle *widget.Button
	box    *fyne.Container
}

func newDetailedMessage() *detailedMessage {
	m := &detailedMessage{message: newMessage()}
	m.detail = &widget.Label{Wrapping: fyne.TextWrapBreak, Selectable: true, SizeName: m.SizeName}
	m.detail.Hide()
	m.toggle = widget.NewButton("Details", m.onToggle)
	m.toggle.Importance = widget.LowImportance
	m.toggle.Hide()
	m.box = container.NewVBox(container.NewBorder(nil, nil, nil, m.toggle, m.Label), m.detail)
	return m
}

func (m *detailedMessage) set(t tone, text string) {
	short, raw := splitRaw(text)
	m.show(t, short, raw)
}

// setError shows err as explain tells it.
func (m *detailedMessage) setError(err error) {
	short, raw := explain(err)
	m.show(toneError, short, raw)
}

func (m *detailedMessage) show(t tone, short, raw string) {
	m.message.set(t, short)
	m.detail.SetText(raw)
	m.detail.Hide()
	m.toggle.SetText("Details")
	if raw == "" {
		m.toggle.Hide()
	} else {
		m.toggle.Show()
	}
}

func (m *detailedMessage) clear() { m.set(toneNone, "") }

func (m *detailedMessage) onToggle() {
	if m.detail.Visible() {
		m.detail.Hide()
		m.toggle.SetText("Details")
	} else {
		m.detail.Show()
		m.toggle.SetText("Hide Details")
	}
	m.box.Refresh()
}

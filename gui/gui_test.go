package gui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// texts gathers every piece of text a person can read in o.
func texts(o fyne.CanvasObject) []string {
	var out []string
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.Label:
			out = append(out, w.Text)
		case *widget.Button:
			out = append(out, w.Text)
		case *widget.RichText:
			out = append(out, segmentsText(w.Segments))
		case *widget.Card:
			out = append(out, w.Title, w.Subtitle)
			if w.Content != nil {
				walk(w.Content)
			}
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		}
		if r := test.WidgetRenderer(asWidget(o)); r != nil {
			for _, c := range r.Objects() {
				walk(c)
			}
		}
	}
	walk(o)
	return out
}

// segmentsText is the text of rich-text segments, list items included.
func segmentsText(segs []widget.RichTextSegment) string {
	var b strings.Builder
	for _, s := range segs {
		switch s := s.(type) {
		case *widget.ListSegment:
			b.WriteString(segmentsText(s.Items))
		case *widget.ParagraphSegment:
			b.WriteString(segmentsText(s.Texts))
		default:
			b.WriteString(s.Textual())
		}
		b.WriteString(" ")
	}
	return b.String()
}

func asWidget(o fyne.CanvasObject) fyne.Widget {
	switch w := o.(type) {
	case *widget.Label, *widget.Button, *widget.RichText, *widget.Card:
		return nil // their text is read above
	case fyne.Widget:
		return w
	}
	return nil
}

func findButton(o fyne.CanvasObject, label string) *widget.Button {
	var found *widget.Button
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if found != nil {
			return
		}
		switch w := o.(type) {
		case *widget.Button:
			if w.Text == label {
				found = w
				return
			}
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
			return
		}
		if w, ok := o.(fyne.Widget); ok {
			for _, c := range test.WidgetRenderer(w).Objects() {
				walk(c)
			}
		}
	}
	walk(o)
	return found
}

func TestEmptyWindowTeachesHowToLinkAKey(t *testing.T) {
	a := test.NewTempApp(t)
	w := test.NewWindow(nil)
	defer w.Close()
	content := Create(a, w, Options{})
	w.SetContent(content)
	w.Resize(fyne.NewSize(1100, 700))

	all := strings.Join(texts(content), "\n")
	for _, want := range []string{
		"App Store Connect API Keys",
		"No keys linked yet.",
		"Users and Access",
		"Integrations",
		"Admin",
		"only once",
		"Drop your AuthKey_XXXXXXXXXX.p8 here",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("the empty window does not say %q; it shows:\n%s", want, all)
		}
	}
	add := findButton(content, "Add New")
	if add == nil {
		t.Fatal("the organization panel has no Add New button")
	}
	if add.Disabled() {
		t.Error("Add New is disabled in the empty state")
	}
}

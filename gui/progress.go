package gui

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// progressDialog shows long work at Apple (regenerating 50 profiles,
// registering 100 devices): a bar with a count, and Cancel, which stops the
// work between items; what was under way is finished, so the summary that
// follows can say exactly what was done and what was not.
type progressDialog struct {
	m      *modal
	what   string // "Regenerating profiles"
	text   *widget.Label
	bar    *widget.ProgressBar
	cancel *dialogButton
	stop   context.CancelFunc
	// cancelled: Cancel was pressed (the summary says so).
	cancelled bool
}

// showProgress opens a progress dialog for total items; ctx is cancelled
// by its Cancel button.
func (d *dialogs) showProgress(title, what string, total int, parent context.Context) (*progressDialog, context.Context) {
	ctx, stop := context.WithCancel(parent)
	p := &progressDialog{what: what, stop: stop}
	p.text = widget.NewLabel("")
	p.text.Wrapping = fyne.TextWrapWord
	p.bar = widget.NewProgressBar()
	p.bar.TextFormatter = func() string { return "" }
	p.cancel = newDialogButton("Cancel", nil, p.onCancel)
	p.m = d.newModal(title, 460, container.NewVBox(p.text, p.bar), []fyne.CanvasObject{p.cancel}, p.onCancel, nil)
	p.m.onClosed(stop)
	p.set(0, total)
	p.m.show()
	d.focus(p.cancel)
	return p, ctx
}

// set shows that done of total items are finished (UI goroutine).
func (p *progressDialog) set(done, total int) {
	text := fmt.Sprintf("%s… %s", p.what, progressText(done, total))
	if p.cancelled {
		text = fmt.Sprintf("Stopping after the one under way… %s", progressText(done, total))
	}
	p.text.SetText(text)
	p.bar.Max = float64(max(total, 1))
	p.bar.SetValue(float64(min(done, max(total, 1))))
}

func (p *progressDialog) onCancel() {
	if p.cancelled {
		return
	}
	p.cancelled = true
	p.cancel.Disable()
	p.text.SetText("Stopping after the one under way…")
	p.stop()
}

// close hides the dialog once the work has ended.
func (p *progressDialog) close() { p.m.hide() }

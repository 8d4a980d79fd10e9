package gui

import (
	"context"
	"errors"
	"os"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/asckeys/asckeys/storage"
)

// passphrases answers the encrypted key file's questions for its
// passphrase (storage.PassphraseFunc) in the window: ASCKEYS_PASSPHRASE
// when set; the one typed in Add New, for the save it made; else a dialog
// that asks for it. It is called off the UI goroutine (the vault's work),
// and waits for the answer there.
type passphrases struct {
	win fyne.Window

	mu    sync.Mutex
	typed string
}

// give hands over the passphrase typed in Add New for the next question.
func (p *passphrases) give(pass string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.typed = pass
}

func (p *passphrases) ask(ctx context.Context, path string, creating bool) (string, error) {
	if env := os.Getenv(storage.PassphraseEnv); env != "" {
		return env, nil
	}
	p.mu.Lock()
	typed := p.typed
	p.typed = ""
	p.mu.Unlock()
	if typed != "" {
		return typed, nil
	}
	if creating {
		// Only Add New creates the file, and it hands over its passphrase.
		return "", errors.New("choose the passphrase in Add New, which asks for it twice")
	}
	answer := make(chan string, 1)
	fyne.Do(func() {
		entry := widget.NewPasswordEntry()
		items := []*widget.FormItem{widget.NewFormItem("Passphrase", entry)}
		d := dialog.NewForm("Unlock the encrypted key file", "Unlock", "Cancel", items, func(ok bool) {
			if ok {
				answer <- entry.Text
			} else {
				answer <- ""
			}
		}, p.win)
		d.Resize(fyne.NewSize(480, 0))
		d.Show()
		p.win.Canvas().Focus(entry)
	})
	select {
	case pass := <-answer:
		if pass == "" {
			return "", errors.New("no passphrase was typed, so the key in " + path + " cannot be used: try again and type it")
		}
		return pass, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

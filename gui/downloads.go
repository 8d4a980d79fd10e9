package gui

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	fstorage "fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/asckeys/asckeys/core"
)

// downloader saves certificates and profiles of the key shown: it asks for
// a folder (starting at the last one used), shows progress with Cancel, and
// ends with what was written, per file, with a way to open the folder.
type downloader struct {
	u *ui
	// folderOpen is made once and reused; onFolder is what the current
	// download does with the chosen folder.
	folderOpen  *dialog.FileDialog
	chooserKeys *keyHandler
	onFolder    func(dir string)

	// The progress dialog of the download running, if any.
	progress     *modal
	progressBar  *widget.ProgressBar
	progressText *widget.Label
	cancel       context.CancelFunc
	// result is the last result dialog, for tests to read.
	result *downloadResult
}

// downloadResult is what the result dialog shows.
type downloadResult struct {
	m       *modal
	dir     string
	lines   []string
	title   string
	written int
	failed  int
}

// startDownload asks for a folder and downloads items there with the key
// shown.
func (u *ui) startDownload(items []core.DownloadItem) {
	if len(items) == 0 || !u.view.isOpen {
		return
	}
	keyID := u.view.key.ID
	start := u.state.DownloadDir
	if start == "" {
		start = u.opts.firstDownloadDir()
	}
	// Finding a folder that exists touches the disk: not on the UI goroutine.
	makeIt := start == u.opts.DownloadDir && start != ""
	u.background(func(context.Context) {
		if makeIt {
			_ = os.MkdirAll(start, 0o755)
		}
		at := folderLister(start)
		fyne.Do(func() {
			u.downloads.chooseFolder(at, func(chosen string) { u.downloads.run(keyID, items, chosen) })
		})
	})
}

// chooseFolder shows the folder chooser at start (nil: Fyne's default) and
// calls then with the folder chosen; cancelling does nothing.
func (dl *downloader) chooseFolder(start fyne.ListableURI, then func(dir string)) {
	u := dl.u
	if dl.folderOpen == nil {
		dl.folderOpen = dialog.NewFolderOpen(dl.onFolderChosen, u.win)
		dl.folderOpen.SetConfirmText("Download Here")
		dl.folderOpen.SetTitleText("Choose Where to Download")
		// While the chooser is up, Escape cancels it rather than what is
		// under it.
		dl.chooserKeys = &keyHandler{escape: dl.folderOpen.Dismiss}
		dl.folderOpen.SetOnClosed(func() { u.keyboard.pop(dl.chooserKeys) })
	}
	dl.onFolder = then
	if start != nil {
		dl.folderOpen.SetLocation(start)
	}
	dl.folderOpen.Resize(u.win.Canvas().Size())
	u.keyboard.push(dl.chooserKeys)
	dl.folderOpen.Show()
}

// onFolderChosen is the folder chooser's answer: an error, nothing
// (cancelled) or the folder.
func (dl *downloader) onFolderChosen(dir fyne.ListableURI, err error) {
	then := dl.onFolder
	dl.onFolder = nil
	switch {
	case err != nil:
		dl.u.showError("Could not open the folder", err)
	case dir == nil || then == nil:
		// Cancelled.
	default:
		then(dir.Path())
	}
}

// run downloads items into dir with the key with vault id keyID.
func (dl *downloader) run(keyID string, items []core.DownloadItem, dir string) {
	u := dl.u
	u.state.DownloadDir = dir
	u.saveState()

	ctx, cancel := context.WithCancel(u.ctx)
	dl.cancel = cancel
	dl.showProgress(len(items))
	u.background(func(context.Context) {
		defer cancel()
		client, err := u.clients.get(ctx, u.vault, keyID)
		if err != nil {
			fyne.Do(func() {
				dl.hideProgress()
				u.showError("Could not download", err)
			})
			return
		}
		results, err := client.DownloadMany(ctx, items, dir, core.DownloadOptions{}, func(done, total int, _ core.DownloadResult) {
			fyne.Do(func() { dl.setProgress(done, total) })
		})
		u.view.rateLimitFrom(keyID, client)
		fyne.Do(func() {
			dl.hideProgress()
			if results == nil && err != nil {
				// Nothing was tried: the key cannot download at all.
				u.showMessage("Could Not Download", errText(err), theme.ErrorIcon())
				return
			}
			dl.showResult(dir, results, errors.Is(err, context.Canceled))
		})
	})
}

func (dl *downloader) showProgress(total int) {
	dl.progressText = widget.NewLabel("")
	dl.progressBar = widget.NewProgressBar()
	dl.progressBar.TextFormatter = func() string { return "" }
	cancel := newDialogButton("Cancel", nil, dl.onCancel)
	dl.progress = dl.u.newModal("Downloading", 420, container.NewVBox(dl.progressText, dl.progressBar),
		[]fyne.CanvasObject{cancel}, dl.onCancel, nil)
	dl.setProgress(0, total)
	dl.progress.show()
}

// setProgress reads "12 of 40" with the bar to match.
func (dl *downloader) setProgress(done, total int) {
	if dl.progress == nil {
		return
	}
	dl.progressText.SetText(fmt.Sprintf("Downloading %s… %s", plural(total, "file", "files"), progressText(done, total)))
	dl.progressBar.Max = float64(max(total, 1))
	dl.progressBar.SetValue(float64(done))
}

func (dl *downloader) hideProgress() {
	if dl.progress != nil {
		dl.progress.hide()
		dl.progress = nil
	}
}

// onCancel stops the downloads; what was written stays, and files are
// never left half-written.
func (dl *downloader) onCancel() {
	if dl.cancel != nil {
		dl.cancel()
	}
	if dl.progress != nil {
		dl.progressText.SetText("Stopping…")
	}
}

// showResult lists what was written and what failed, in words, and offers
// to open the folder.
func (dl *downloader) showResult(dir string, results []core.DownloadResult, cancelled bool) {
	r := &downloadResult{dir: dir}
	for _, res := range results {
		switch {
		case res.Err != nil && errors.Is(res.Err, context.Canceled):
			r.failed++
			r.lines = append(r.lines, fmt.Sprintf("✗ %s: not downloaded (cancelled)", res.Item))
		case res.Err != nil:
			r.failed++
			// The client's errors name the item; others get its name here.
			text := errText(res.Err)
			if !strings.Contains(res.Err.Error(), res.Item.String()) {
				text = fmt.Sprintf("%s: %s", res.Item, text)
			}
			r.lines = append(r.lines, "✗ "+text)
		case res.Reused:
			r.written++
			r.lines = append(r.lines, "✓ "+filepath.Base(res.Path)+" (already there, same content)")
		default:
			r.written++
			r.lines = append(r.lines, "✓ "+filepath.Base(res.Path))
		}
	}
	switch {
	case cancelled:
		r.title = fmt.Sprintf("Download Cancelled: %d of %d Saved", r.written, len(results))
	case r.failed == 0:
		r.title = "Downloaded " + plural(r.written, "File", "Files")
	case r.written == 0:
		r.title = "Download Failed"
	default:
		r.title = fmt.Sprintf("Downloaded %d of %d Files", r.written, len(results))
	}

	where := widget.NewLabel("Folder: " + dir)
	where.Wrapping = fyne.TextWrapWord
	where.Importance = widget.LowImportance
	list := container.NewVBox()
	for _, line := range r.lines {
		l := widget.NewLabel(line)
		l.Wrapping = fyne.TextWrapWord
		if line[0] != "✓"[0] {
			l.Importance = widget.DangerImportance
		}
		list.Add(l)
	}
	scroll := container.NewVScroll(list)
	// Tall enough for a few explained failures; longer lists scroll.
	height := float32(len(r.lines)) * 40
	if r.failed > 0 {
		height = max(height+float32(r.failed)*100, 220)
	}
	scroll.SetMinSize(fyne.NewSize(0, min(height, 360)))

	open := newDialogButton("Open Folder", theme.FolderOpenIcon(), func() { dl.openFolder(dir) })
	var m *modal
	done := newDialogButton("Done", nil, func() { m.hide() })
	done.Importance = widget.HighImportance
	m = dl.u.newModal(r.title, 560, container.NewBorder(where, nil, nil, nil, scroll),
		[]fyne.CanvasObject{open, done}, func() { m.hide() }, func() { m.hide() })
	r.m = m
	dl.result = r
	m.show()
	dl.u.win.Canvas().Focus(done)
}

// openFolder shows dir in the system's file manager.
func (dl *downloader) openFolder(dir string) {
	u, err := url.Parse(fstorage.NewFileURI(dir).String())
	if err == nil {
		err = dl.u.app.OpenURL(u)
	}
	if err != nil {
		dl.u.showError("Could not open the folder", err)
	}
}

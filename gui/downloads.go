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
	fstorage "fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/asckeys/asckeys/core"
)

// downloader saves certificates and profiles of a key: it asks for a folder
// (starting at the last one used), shows progress with Cancel, and ends with
// what was written, per file, with a way to open the folder.
type downloader struct {
	dialogs *dialogs
	work    *worker
	client  func(ctx context.Context, id string) (*core.Client, error)
	openURL func(*url.URL) error // shows a folder in the file manager
	// firstDir is where the first download goes (Options.firstDownloadDir);
	// makeDir, when it is that folder, is made if missing (the demo's).
	firstDir, makeDir string
	// lastDir is the folder of the last download, "" for none yet.
	lastDir string
	// What the downloader reports: the folder a download went to, and the
	// rate limit its client saw.
	onFolderUsed func(dir string)
	onRateLimit  func(keyID string, client *core.Client)
	// onForbidden reports the items Apple refused to this key (403).
	onForbidden func(keyID string, items []core.DownloadItem)

	// folder is made once and reused; onFolder is what the current
	// download does with the chosen folder.
	folder   *chooser[fyne.ListableURI]
	onFolder func(dir string)

	// The progress dialog of the download running, if any.
	progress     *modal
	progressBar  *widget.ProgressBar
	progressText *widget.Label
	cancel       context.CancelFunc
}

// start asks for a folder and downloads items there with the key with
// vault id keyID; done (may be nil) runs when every item was written.
func (dl *downloader) start(keyID string, items []core.DownloadItem, done func()) {
	if len(items) == 0 {
		return
	}
	start := dl.lastDir
	if start == "" {
		start = dl.firstDir
	}
	// Finding a folder that exists touches the disk: not on the UI goroutine.
	makeIt := start == dl.makeDir && start != ""
	dl.work.background(func(context.Context) {
		if makeIt {
			_ = os.MkdirAll(start, 0o755)
		}
		at := folderLister(start)
		fyne.Do(func() {
			dl.chooseFolder(at, func(chosen string) { dl.run(keyID, items, chosen, done) })
		})
	})
}

// chooseFolder shows the folder chooser at start (nil: Fyne's default) and
// calls then with the folder chosen; cancelling does nothing.
func (dl *downloader) chooseFolder(start fyne.ListableURI, then func(dir string)) {
	if dl.folder == nil {
		dl.folder = newFolderChooser(dl.dialogs, "Choose Where to Download", "Download Here",
			func(err error) {
				dl.onFolder = nil
				dl.dialogs.showError("Could not open the folder", err)
			},
			func(dir fyne.ListableURI) {
				then := dl.onFolder
				dl.onFolder = nil
				if then != nil {
					then(dir.Path())
				}
			})
	}
	dl.onFolder = then
	dl.folder.show(start)
}

// run downloads items into dir with the key with vault id keyID.
func (dl *downloader) run(keyID string, items []core.DownloadItem, dir string, done func()) {
	dl.lastDir = dir
	dl.onFolderUsed(dir)

	ctx, cancel := context.WithCancel(dl.work.ctx)
	dl.cancel = cancel
	dl.showProgress(len(items))
	dl.work.background(func(context.Context) {
		defer cancel()
		client, err := dl.client(ctx, keyID)
		if err != nil {
			fyne.Do(func() {
				dl.hideProgress()
				dl.dialogs.showError("Could not download", err)
			})
			return
		}
		results, err := client.DownloadMany(ctx, items, dir, core.DownloadOptions{}, func(done, total int, _ core.DownloadResult) {
			fyne.Do(func() { dl.setProgress(done, total) })
		})
		dl.onRateLimit(keyID, client)
		var refused []core.DownloadItem
		for _, res := range results {
			if core.IsForbidden(res.Err) {
				refused = append(refused, res.Item)
			}
		}
		fyne.Do(func() {
			if len(refused) > 0 {
				dl.onForbidden(keyID, refused)
			}
			dl.hideProgress()
			if results == nil && err != nil {
				// Nothing was tried: the key cannot download at all.
				dl.dialogs.showMessage("Could Not Download", errText(err), theme.ErrorIcon())
				return
			}
			if dl.showResult(dir, results, errors.Is(err, context.Canceled)) && done != nil {
				done()
			}
		})
	})
}

func (dl *downloader) showProgress(total int) {
	dl.progressText = widget.NewLabel("")
	dl.progressBar = widget.NewProgressBar()
	dl.progressBar.TextFormatter = func() string { return "" }
	cancel := newDialogButton("Cancel", nil, dl.onCancel)
	dl.progress = dl.dialogs.newModal("Downloading", 420, container.NewVBox(dl.progressText, dl.progressBar),
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

// showResult lists what was written and what failed, by name, and offers
// to open the folder when something is in it. It reports whether every item
// was written.
func (dl *downloader) showResult(dir string, results []core.DownloadResult, cancelled bool) bool {
	var r struct {
		lines           []string
		title           string
		written, failed int
	}
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
			r.lines = append(r.lines, fmt.Sprintf("✓ %s: %s (already there, same content)", res.Item, filepath.Base(res.Path)))
		default:
			r.written++
			r.lines = append(r.lines, fmt.Sprintf("✓ %s: %s", res.Item, filepath.Base(res.Path)))
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

	var m *modal
	done := newDialogButton("Done", nil, func() { m.hide() })
	done.Importance = widget.HighImportance
	buttons := []fyne.CanvasObject{done}
	if r.written > 0 {
		// An empty folder is not worth opening.
		open := newDialogButton("Open Folder", theme.FolderOpenIcon(), func() { dl.openFolder(dir) })
		buttons = []fyne.CanvasObject{open, done}
	}
	m = dl.dialogs.newModal(r.title, 560, container.NewBorder(where, nil, nil, nil, scroll),
		buttons, func() { m.hide() }, func() { m.hide() })
	m.show()
	dl.dialogs.focus(done)
	return !cancelled && r.failed == 0
}

// openFolder shows dir in the system's file manager.
func (dl *downloader) openFolder(dir string) {
	u, err := url.Parse(fstorage.NewFileURI(dir).String())
	if err == nil {
		err = dl.openURL(u)
	}
	if err != nil {
		dl.dialogs.showError("Could not open the folder", err)
	}
}

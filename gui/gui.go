// Package gui is the Fyne window of ASC Keys: the organization panel with the
// linked App Store Connect API keys, the Add New dialog, the certificate and
// profile tables and downloads. It never imports Fyne's app package, so its
// tests run on Fyne's test driver without cgo or OpenGL.
//
// Each pane is a small struct holding the widgets it changes and what it
// needs (the vault, a client getter, the background worker, the dialogs);
// it reports through callbacks, and the window (ui) wires the panes together.
//
// Threading: Fyne widgets, and the data behind them, belong to the UI
// goroutine. Network, keychain and disk work runs in goroutines started with
// worker.background, and every result comes back through fyne.Do.
package gui

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/provision"
	"github.com/asckeys/asckeys/storage"
)

// Create builds the content of the main window, sets the app's theme (the
// default one with colours that pass WCAG AA), registers its drop handler
// and starts loading the linked keys.
func Create(a fyne.App, w fyne.Window, opts Options) fyne.CanvasObject {
	a.Settings().SetTheme(newTheme())
	u := newUI(a, w, opts)
	content := u.buildUI()
	u.start()
	return content
}

// ui is the main window: it makes the panes, wires what one reports to what
// another does, and holds the key list they all show. On the left the
// organization panel; on the right the selected key, the empty state or the
// damaged key list.
type ui struct {
	win     fyne.Window
	opts    Options
	vault   *storage.Vault
	work    *worker
	dialogs *dialogs
	states  *storage.StateStore
	cache   *storage.ListCache
	clients *clientCache
	pass    *passphrases // the encrypted key file's passphrase

	// The fields below belong to the UI goroutine.
	state    storage.WindowState
	keys     []storage.Key
	secrets  map[string]error // vault id -> nil or why the private key cannot be loaded
	selected string           // vault id of the key on the right, "" for none
	shown    bool             // Options.Show was applied
	// noKeychain is why the system keychain cannot be used, once a check
	// found out; the banner says it, once, and Add New before its form.
	noKeychain error
	banner     *detailedMessage
	bannerBox  *fyne.Container
	keyDir     string // the folder of the last key file chosen
	// localShown: the right side shows the profiles on this machine until a
	// key is chosen in the panel or added; a key list read meanwhile keeps
	// the key view up to date behind it.
	localShown bool
	// overviewShown: the right side shows the Overview of every key, on the
	// same terms as localShown; overviewFirst: the key list read at start
	// decided whether it comes first (it does with more than one key).
	overviewShown, overviewFirst bool

	org       *orgPanel
	empty     *emptyState
	view      *keyView
	corrupt   *corruptView
	downloads *downloader
	profiles  *profiles  // the inspector and installs
	local     *onThisMac // the profiles installed on this machine
	overview  *overview  // every key's expiry at once
	add       *addDialog // the Add New dialog open, if any
	right     *fyne.Container
}

func newUI(a fyne.App, w fyne.Window, opts Options) *ui {
	u := &ui{
		win: w, opts: opts, vault: opts.Vault,
		work:    newWorker(),
		dialogs: newDialogs(w),
		states:  storage.NewStateStore(stateDir(opts)),
		cache:   storage.NewListCache(stateDir(opts)),
		clients: newClientCache(opts.Vault, func(c core.Credentials) *core.Client { return clientFor(opts, c) }),
		secrets: map[string]error{},
		pass:    &passphrases{win: w},
	}
	if opts.Vault != nil {
		opts.Vault.FileVault().SetPassphrase(u.pass.ask)
	}
	u.org = &orgPanel{
		win:      w,
		onSelect: u.chooseKey,
		onAddNew: u.onAddNew,
		onRename: u.renameKey,
		onVerify: u.verifyKey,
		onRemove: u.removeKey,
		onExport: u.exportKey,
		onLocal:  u.showLocal,
	}
	u.org.onOverview = u.showOverview
	u.empty = &emptyState{hint: opts.Hint, onAddNew: u.onAddNew}
	u.corrupt = &corruptView{work: u.work, vault: opts.Vault, onRestored: func() { u.reloadKeys("") }}
	u.view = &keyView{
		work:       u.work,
		cache:      u.cache,
		client:     u.clients.get,
		dialogs:    u.dialogs,
		vault:      opts.Vault,
		onVerify:   u.verifyKey,
		onAddNew:   u.onAddNew,
		onDownload: u.startDownload,
		onInstall:  func(keyID string, rows []core.Profile, done func()) { u.profiles.installFromApple(keyID, rows, done) },
		onDetails: func(what string, fields []detail) {
			u.dialogs.showDetails(strings.ToUpper(what[:1])+what[1:], fields, u.work.background)
		},
		readiness: newReadinessPane(u.work, u.dialogs, opts.Vault, u.cache, u.clients.get, provision.HomeFolders),
	}
	u.downloads = &downloader{
		dialogs:      u.dialogs,
		work:         u.work,
		client:       u.clients.get,
		openURL:      a.OpenURL,
		firstDir:     firstDownloadDir(opts),
		makeDir:      opts.DownloadDir,
		onFolderUsed: u.onFolderUsed,
		onRateLimit:  u.view.rateLimitFrom,
		onForbidden:  u.view.markForbidden,
	}
	u.profiles = &profiles{
		dialogs: u.dialogs,
		work:    u.work,
		vault:   opts.Vault,
		client:  u.clients.get,
		folders: provision.HomeFolders,
		reveal:  u.downloads.openFolder,
	}
	u.local = &onThisMac{dialogs: u.dialogs, work: u.work, profiles: u.profiles}
	u.overview = newOverview(a, u, opts)
	u.profiles.onInstalled = func() {
		if u.showingLocal() {
			u.local.scan()
		}
	}
	return u
}

func (u *ui) buildUI() fyne.CanvasObject {
	// Until the key list is read, the right side stays blank rather than
	// flash the empty state at someone who has keys.
	u.empty.buildUI()
	u.right = container.NewStack(layout.NewSpacer())
	u.view.buildUI()
	u.corrupt.buildUI()
	u.local.buildUI()
	u.overview.buildUI()
	split := container.NewHSplit(u.org.buildUI(), u.right)
	split.Offset = 0.2
	u.banner = newDetailedMessage()
	u.banner.SizeName = theme.SizeNameText
	u.bannerBox = container.NewPadded(container.NewBorder(nil, nil, widget.NewIcon(theme.ErrorIcon()), nil, u.banner.box))
	u.bannerBox.Hide()
	// Registered once, for the whole window; the work is in handleDrop so
	// that tests can call it (the test driver cannot drop files).
	u.win.SetOnDropped(func(_ fyne.Position, uris []fyne.URI) { u.handleDrop(uris) })
	u.addShortcuts()
	u.win.SetOnClosed(u.close)
	return container.NewBorder(u.bannerBox, nil, nil, nil, split)
}

// addShortcuts adds the desktop's usual keys: Ctrl+N (⌘N) for Add New,
// Ctrl+R (⌘R) to refresh the lists, Ctrl+F (⌘F) to search the tab shown.
// Fyne offers them to the canvas when the focused widget does not take them.
func (u *ui) addShortcuts() {
	add := func(key fyne.KeyName, do func()) {
		u.win.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: key, Modifier: fyne.KeyModifierShortcutDefault},
			func(fyne.Shortcut) { do() })
	}
	add(fyne.KeyN, func() {
		if !u.org.blocked() {
			u.onAddNew()
		}
	})
	add(fyne.KeyR, u.view.onRefresh)
	add(fyne.KeyF, u.view.focusSearch)
}

// start reads the window's state and the key list in the background, and
// keeps texts such as "Updated 3 minutes ago" true as time passes.
func (u *ui) start() {
	u.work.background(func(ctx context.Context) {
		st := u.states.Load()
		fyne.Do(func() {
			u.state = st
			u.downloads.lastDir = st.DownloadDir
			u.reloadKeys(st.SelectedKey)
		})
	})
	u.work.background(func(ctx context.Context) {
		tick := time.NewTicker(time.Minute)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				fyne.Do(func() {
					u.view.tick()
					u.org.tick()
					u.overview.tick()
				})
			}
		}
	})
}

// close stops the background work when the window closes.
func (u *ui) close() {
	u.work.stop()
	u.view.close()
}

// wait blocks until the background work has ended. Tests call it after
// closing the window; it must not be called on the UI goroutine.
func (u *ui) wait() { u.work.wait() }

// reloadKeys reads the key list in the background, shows it, and selects
// the key with vault id selectID (or keeps the current one, or the first).
// It then checks in the background that each key's private key is in the
// keychain.
func (u *ui) reloadKeys(selectID string) {
	if u.vault == nil {
		u.showKeys(nil, nil, selectID)
		return
	}
	u.work.background(func(ctx context.Context) {
		keys, err := u.vault.List(ctx)
		fyne.Do(func() { u.showKeys(keys, err, selectID) })
		if err != nil || len(keys) == 0 {
			return
		}
		bctx, cancel := storage.WithBackgroundTimeout(ctx)
		defer cancel()
		secrets, serr := u.vault.CheckSecrets(bctx)
		if serr != nil {
			// The list itself failed to read; showKeys has said so.
			return
		}
		fyne.Do(func() { u.showSecrets(secrets) })
	})
}

// showKeys puts a freshly read key list on screen.
func (u *ui) showKeys(keys []storage.Key, err error, selectID string) {
	var corrupt *storage.CorruptConfigError
	if errors.As(err, &corrupt) {
		u.keys = nil
		u.localShown = false
		u.org.setKeys(nil, u.secrets)
		u.org.setBlocked(true)
		u.corrupt.show(corrupt)
		u.setRight(u.corrupt.content)
		return
	}
	u.org.setBlocked(false)
	if err != nil {
		u.dialogs.showError("Could not read the list of keys", err)
	}
	u.keys = keys
	u.org.setKeys(keys, u.secrets)
	if selectID == "" {
		selectID = u.selected
	}
	if _, ok := u.keyByID(selectID); !ok && len(keys) > 0 {
		selectID = keys[0].ID
	}
	u.selectKey(selectID)
	u.overview.setKeys(keys, u.selected)
	if !u.overviewFirst {
		// Decided once, on the list read at start: a key added later is
		// shown itself.
		u.overviewFirst = true
		if len(keys) > 1 && u.opts.Show == "" && !u.localShown {
			u.showOverview()
		}
	}
	u.applyShow()
}

// showSecrets marks the keys whose private key is missing or unreadable.
func (u *ui) showSecrets(secrets map[string]error) {
	u.secrets = secrets
	u.noKeychain = nil
	for _, err := range secrets {
		if errors.Is(err, storage.ErrNoKeychain) {
			u.noKeychain = err
			break
		}
	}
	if u.noKeychain != nil {
		u.banner.setError(u.noKeychain)
		u.bannerBox.Show()
	} else {
		u.bannerBox.Hide()
	}
	u.org.setKeys(u.keys, u.secrets)
	if k, ok := u.keyByID(u.selected); ok {
		u.view.setKey(k, u.secrets[k.ID])
	}
}

// keyByID finds a key of the current list by vault id.
func (u *ui) keyByID(id string) (storage.Key, bool) {
	return findKey(u.keys, id)
}

// findKey finds the key with vault id id in keys.
func findKey(keys []storage.Key, id string) (storage.Key, bool) {
	for _, k := range keys {
		if k.ID == id && id != "" {
			return k, true
		}
	}
	return storage.Key{}, false
}

// selectKey shows the key with vault id id on the right (or the empty state
// when there is none) and remembers the choice for the next run.
func (u *ui) selectKey(id string) {
	k, ok := u.keyByID(id)
	if !ok {
		u.selected = ""
		u.view.close()
		u.org.selectKey("")
		if !u.localShown && !u.overviewShown {
			u.setRight(u.empty.content)
		}
		return
	}
	changed := u.selected != k.ID
	u.selected = k.ID
	if !u.localShown && !u.overviewShown {
		u.org.selectKey(k.ID)
		u.setRight(u.view.content)
	}
	if changed || !u.view.showing(k.ID) {
		u.view.open(k, u.secrets[k.ID])
	} else {
		u.view.setKey(k, u.secrets[k.ID])
	}
	if u.state.SelectedKey != k.ID {
		u.state.SelectedKey = k.ID
		u.saveState()
	}
}

// chooseKey is a key chosen in the panel: it replaces whatever the right
// side showed.
func (u *ui) chooseKey(id string) {
	u.localShown, u.overviewShown = false, false
	u.selectKey(id)
}

// showLocal shows the profiles installed on this machine on the right, read
// afresh; choosing a key in the panel shows that key again.
func (u *ui) showLocal() {
	u.localShown, u.overviewShown = true, false
	u.org.selectKey("")
	u.setRight(u.local.content)
	u.local.scan()
}

// showingLocal reports whether the right side shows the installed profiles.
func (u *ui) showingLocal() bool { return u.localShown }

// onFolderUsed remembers the folder of the last download for the next one.
func (u *ui) onFolderUsed(dir string) {
	u.state.DownloadDir = dir
	u.saveState()
}

// saveState writes the window's state in the background.
func (u *ui) saveState() {
	st := u.state
	u.work.background(func(context.Context) {
		// Losing the state costs only a default on the next run: not worth
		// a dialog.
		_ = u.states.Save(st)
	})
}

// setRight shows obj on the right-hand side.
func (u *ui) setRight(obj fyne.CanvasObject) {
	if len(u.right.Objects) == 1 && u.right.Objects[0] == obj {
		return
	}
	u.right.Objects = []fyne.CanvasObject{obj}
	u.right.Refresh()
}

// startDownload asks for a folder and downloads items there with the key
// with vault id keyID.
func (u *ui) startDownload(keyID string, items []core.DownloadItem, done func()) {
	u.downloads.start(keyID, items, done)
}

// worker runs the window's background work (network, keychain, disk) with a
// context that ends when the window closes, and counts it so that tests and
// shutdown can wait for it.
type worker struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex // guards closed, so no work starts once stop began
	closed bool
}

func newWorker() *worker {
	ctx, cancel := context.WithCancel(context.Background())
	return &worker{ctx: ctx, cancel: cancel}
}

// background runs work off the UI goroutine with the window's context.
// The work reports back only through fyne.Do. Once the window has closed, no
// new work starts.
func (w *worker) background(work func(ctx context.Context)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	w.wg.Go(func() { work(w.ctx) })
}

// stop cancels the work running and refuses new work.
func (w *worker) stop() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	w.cancel()
}

// wait blocks until the work has ended; never on the UI goroutine.
func (w *worker) wait() { w.wg.Wait() }

// clientCache keeps one App Store Connect client per key: a client owns the
// key's token, reused until it nearly expires as Apple asks, and the limit of
// requests in flight, so lists, downloads and checks of one key share it.
// Clients are made off the UI goroutine (they need the private key from the
// keychain), hence the mutex.
type clientCache struct {
	vault *storage.Vault
	make  func(core.Credentials) *core.Client
	mu    sync.Mutex
	m     map[string]*core.Client
}

func newClientCache(v *storage.Vault, make func(core.Credentials) *core.Client) *clientCache {
	return &clientCache{vault: v, make: make, m: map[string]*core.Client{}}
}

// get returns the client of the key with vault id id, loading its private
// key from the vault the first time. Call it off the UI goroutine.
func (c *clientCache) get(ctx context.Context, id string) (*core.Client, error) {
	c.mu.Lock()
	cl := c.m[id]
	c.mu.Unlock()
	if cl != nil {
		return cl, nil
	}
	if c.vault == nil {
		return nil, errors.New("no key vault is open")
	}
	// The user asked for this key: the keychain may show an unlock prompt.
	kctx, cancel := storage.WithInteractiveTimeout(ctx)
	defer cancel()
	creds, err := c.vault.Credentials(kctx, id)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m[id] == nil {
		c.m[id] = c.make(creds)
	}
	return c.m[id], nil
}

// put keeps client as the client of the key with vault id id, as when Add
// New verified the key with it: its token is reused.
func (c *clientCache) put(id string, client *core.Client) {
	if client == nil {
		return
	}
	c.mu.Lock()
	c.m[id] = client
	c.mu.Unlock()
}

// forget drops the client of a key that was removed or re-imported.
func (c *clientCache) forget(id string) {
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}

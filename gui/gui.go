// Package gui is the Fyne window of ASC Keys: the organization panel with the
// linked App Store Connect API keys, the Add New dialog, the certificate and
// profile tables and downloads. It never imports Fyne's app package, so its
// tests run on Fyne's test driver without cgo or OpenGL.
//
// Threading: Fyne widgets, and the data behind them, belong to the UI
// goroutine. Network, keychain and disk work runs in goroutines started with
// ui.background, and every result comes back through fyne.Do.
package gui

import (
	"context"
	"errors"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/storage"
)

// Create builds the content of the main window, registers its drop handler
// and starts loading the linked keys.
func Create(a fyne.App, w fyne.Window, opts Options) fyne.CanvasObject {
	u := newUI(a, w, opts)
	content := u.buildUI()
	u.start()
	return content
}

// ui is the main window: the organization panel on the left, and on the
// right the selected key, the empty state or the damaged key list.
type ui struct {
	app   fyne.App
	win   fyne.Window
	opts  Options
	vault *storage.Vault

	// ctx ends when the window closes, stopping all background work; bg
	// counts that work, so tests and shutdown can wait for it.
	ctx    context.Context
	cancel context.CancelFunc
	bg     sync.WaitGroup
	bgMu   sync.Mutex // guards closed, so no work starts once wait began
	closed bool

	states  *storage.StateStore
	cache   *storage.ListCache
	clients *clientCache

	// The fields below belong to the UI goroutine.
	state    storage.WindowState
	keys     []storage.Key
	secrets  map[string]error // vault id -> nil or why the private key cannot be loaded
	selected string           // vault id of the key on the right, "" for none
	loaded   bool             // the key list was read at least once: "no keys" is true

	org       *orgPanel
	empty     *emptyState
	view      *keyView
	corrupt   *corruptView
	downloads *downloader
	right     *fyne.Container
	queue     dialogQueue
	keyboard  keyStack
	add       *addDialog // the Add New dialog open, if any
	pending   *notice    // shown when its key is next opened
	shown     bool       // Options.Show was applied
}

func newUI(a fyne.App, w fyne.Window, opts Options) *ui {
	ctx, cancel := context.WithCancel(context.Background())
	u := &ui{
		app: a, win: w, opts: opts, vault: opts.Vault,
		ctx: ctx, cancel: cancel,
		states:  storage.NewStateStore(opts.stateDir()),
		cache:   storage.NewListCache(opts.stateDir()),
		clients: newClientCache(opts.client),
		secrets: map[string]error{},
	}
	u.org = newOrgPanel(u)
	u.empty = newEmptyState(u)
	u.view = newKeyView(u)
	u.corrupt = newCorruptView(u)
	u.downloads = &downloader{u: u}
	return u
}

func (u *ui) buildUI() fyne.CanvasObject {
	// Until the key list is read, the right side stays blank rather than
	// flash the empty state at someone who has keys.
	u.empty.buildUI()
	u.right = container.NewStack(layout.NewSpacer())
	u.view.buildUI()
	u.corrupt.buildUI()
	split := container.NewHSplit(u.org.buildUI(), u.right)
	split.Offset = 0.23
	// Registered once, for the whole window; the work is in handleDrop so
	// that tests can call it (the test driver cannot drop files).
	u.win.SetOnDropped(func(_ fyne.Position, uris []fyne.URI) { u.handleDrop(uris) })
	// Keys reach the canvas only when nothing has the focus; dialogs use
	// this for Escape and Enter (their own widgets handle the focused case).
	u.win.Canvas().SetOnTypedKey(u.keyboard.typedKey)
	u.addShortcuts()
	u.win.SetOnClosed(u.close)
	return split
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
		if !u.org.addNew.Disabled() {
			u.openAddDialog(addPrefill{})
		}
	})
	add(fyne.KeyR, u.view.onRefresh)
	add(fyne.KeyF, u.view.focusSearch)
}

// start reads the window's state and the key list in the background, and
// keeps texts such as "Updated 3 minutes ago" true as time passes.
func (u *ui) start() {
	u.background(func(ctx context.Context) {
		st := u.states.Load()
		fyne.Do(func() {
			u.state = st
			u.reloadKeys(st.SelectedKey)
		})
	})
	u.background(func(ctx context.Context) {
		tick := time.NewTicker(time.Minute)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				fyne.Do(func() {
					u.view.tick()
					u.org.list.Refresh()
				})
			}
		}
	})
}

// close stops the background work when the window closes.
func (u *ui) close() {
	u.bgMu.Lock()
	u.closed = true
	u.bgMu.Unlock()
	u.cancel()
	u.view.close()
}

// wait blocks until the background work has ended. Tests call it after
// closing the window; it must not be called on the UI goroutine.
func (u *ui) wait() { u.bg.Wait() }

// background runs work off the UI goroutine with the window's context.
// The work reports back only through fyne.Do.
// Once the window has closed, no new work starts.
func (u *ui) background(work func(ctx context.Context)) {
	u.bgMu.Lock()
	defer u.bgMu.Unlock()
	if u.closed {
		return
	}
	u.bg.Go(func() { work(u.ctx) })
}

// reloadKeys reads the key list in the background, shows it, and selects
// the key with vault id selectID (or keeps the current one, or the first).
// It then checks in the background that each key's private key is in the
// keychain.
func (u *ui) reloadKeys(selectID string) {
	if u.vault == nil {
		u.showKeys(nil, nil, selectID)
		return
	}
	u.background(func(ctx context.Context) {
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
		u.org.setKeys(nil)
		u.org.setBlocked(true)
		u.corrupt.show(corrupt)
		u.setRight(u.corrupt.content)
		return
	}
	u.org.setBlocked(false)
	if err != nil {
		u.showError("Could not read the list of keys", err)
	}
	u.keys = keys
	u.loaded = true
	u.org.setKeys(keys)
	if selectID == "" {
		selectID = u.selected
	}
	if _, ok := u.keyByID(selectID); !ok && len(keys) > 0 {
		selectID = keys[0].ID
	}
	u.selectKey(selectID)
	u.applyShow()
}

// showSecrets marks the keys whose private key is missing or unreadable.
func (u *ui) showSecrets(secrets map[string]error) {
	u.secrets = secrets
	u.org.setKeys(u.keys)
	if k, ok := u.keyByID(u.selected); ok {
		u.view.setKey(k, u.secrets[k.ID])
	}
}

// keyByID finds a key of the current list by vault id.
func (u *ui) keyByID(id string) (storage.Key, bool) {
	for _, k := range u.keys {
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
		u.setRight(u.empty.content)
		return
	}
	changed := u.selected != k.ID
	u.selected = k.ID
	u.org.selectKey(k.ID)
	u.setRight(u.view.content)
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

// saveState writes the window's state in the background.
func (u *ui) saveState() {
	st := u.state
	u.background(func(context.Context) {
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

// showError shows err in a dialog titled title. It may be called from any
// goroutine: like every hop back to the UI, it goes through fyne.Do.
func (u *ui) showError(title string, err error) {
	if err == nil || errors.Is(err, context.Canceled) {
		return
	}
	fyne.Do(func() { u.showMessage(title, errText(err), theme.ErrorIcon()) })
}

// clientCache keeps one App Store Connect client per key: a client owns the
// key's token, reused until it nearly expires as Apple asks, and the limit of
// requests in flight, so lists, downloads and checks of one key share it.
// Clients are made off the UI goroutine (they need the private key from the
// keychain), hence the mutex.
type clientCache struct {
	make func(core.Credentials) *core.Client
	mu   sync.Mutex
	m    map[string]*core.Client
}

func newClientCache(make func(core.Credentials) *core.Client) *clientCache {
	return &clientCache{make: make, m: map[string]*core.Client{}}
}

// get returns the client of the key with vault id id, loading its private
// key from the vault the first time. Call it off the UI goroutine.
func (c *clientCache) get(ctx context.Context, v *storage.Vault, id string) (*core.Client, error) {
	c.mu.Lock()
	cl := c.m[id]
	c.mu.Unlock()
	if cl != nil {
		return cl, nil
	}
	if v == nil {
		return nil, errors.New("no key vault is open")
	}
	// The user asked for this key: the keychain may show an unlock prompt.
	kctx, cancel := storage.WithInteractiveTimeout(ctx)
	defer cancel()
	creds, err := v.Credentials(kctx, id)
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

package gui

import (
	"context"
	"fmt"
	"image/color"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/provision"
	"github.com/asckeys/asckeys/storage"
)

// The provisioning profiles of this machine, the window's side: the
// inspector of a .mobileprovision, installing into both Xcode folders and
// the dialog that says what that wrote and removed. The rules (decoding,
// the folders, what supersedes what) are core/provision's, as for the
// command line.

// profileFile is a .mobileprovision read, decoded and with its
// certificates' private keys looked for, off the UI goroutine.
type profileFile struct {
	path    string // "" for a profile from Apple
	data    []byte
	profile *provision.Profile
	// keysErr is why the keychain could not be asked about the private
	// keys: the marks then say "could not look" rather than "missing".
	keysErr error
}

// profiles inspects and installs provisioning profiles for the window.
type profiles struct {
	dialogs *dialogs
	work    *worker
	vault   *storage.Vault // nil: no private key can be looked for
	client  func(ctx context.Context, id string) (*core.Client, error)
	// folders are the two installed-profile folders (provision.HomeFolders).
	folders func() ([]string, error)
	// reveal shows a folder in the file manager.
	reveal func(dir string)
	// onInstalled runs on the UI goroutine after an install wrote something,
	// so that the inventory of this machine can be read again.
	onInstalled func()
}

// isProfileFile reports whether path names a provisioning profile, by its
// extension as the Finder does.
func isProfileFile(path string) bool {
	return strings.EqualFold(filepath.Ext(path), provision.Ext)
}

// read reads and decodes the profile at path and looks for its
// certificates' private keys. Errors name the file. It touches the disk and
// the keychain: call it off the UI goroutine.
func (ps *profiles) read(ctx context.Context, path string) (profileFile, error) {
	data, err := provision.ReadFile(path)
	if err != nil {
		return profileFile{}, err
	}
	p, err := provision.Decode(data, time.Now())
	if err != nil {
		return profileFile{}, fmt.Errorf("%q is not a provisioning profile that can be read: %w", filepath.Base(path), err)
	}
	f := profileFile{path: path, data: data, profile: p}
	f.keysErr = ps.markPrivateKeys(ctx, p)
	return f, nil
}

// markPrivateKeys marks the certificates whose private key the keychain
// holds, by the signing identities' public-key match (the command line's
// rule, storage's HasIdentity). It returns why it could not look, if so.
func (ps *profiles) markPrivateKeys(ctx context.Context, p *provision.Profile) error {
	spkis := p.SPKIs()
	if len(spkis) == 0 {
		return nil
	}
	if ps.vault == nil {
		return storage.ErrNoKeychain
	}
	has, err := ps.vault.HasIdentity(ctx, spkis)
	p.MarkPrivateKeys(has)
	return err
}

// inspectFile reads the profile at path in the background and opens its
// inspector; a file that is not one gets a message saying so.
func (ps *profiles) inspectFile(path string) {
	ps.work.background(func(ctx context.Context) {
		f, err := ps.read(ctx, path)
		fyne.Do(func() {
			if err != nil {
				ps.dialogs.showMessage("Not a Provisioning Profile", errText(err), theme.ErrorIcon())
				return
			}
			ps.inspect(f, nil)
		})
	})
}

// inspect shows what f holds: general facts, entitlements, devices,
// certificates with their private-key mark, and what its signature proves,
// with Install and Reveal. done (may be nil) runs once it closed.
func (ps *profiles) inspect(f profileFile, done func()) *modal {
	p := f.profile
	tabs := container.NewAppTabs(
		container.NewTabItem("General", container.NewVScroll(generalFacts(p))),
		container.NewTabItem("Entitlements", entitlementsTree(p.Entitlements)),
		container.NewTabItem("Devices", devicesList(p)),
		container.NewTabItem("Certificates", container.NewVScroll(certificateMarks(p, f.keysErr))),
	)
	sig := widget.NewLabel(signatureText(p))
	sig.Wrapping = fyne.TextWrapWord
	sig.Importance = signatureImportance(p)
	// The tree and lists scroll inside a fixed least height.
	area := canvas.NewRectangle(color.Transparent)
	area.SetMinSize(fyne.NewSize(0, 420))
	content := container.NewBorder(nil, sig, nil, nil, container.NewStack(area, tabs))

	var m *modal
	closeBtn := newDialogButton("Close", nil, func() { m.hide() })
	install := newDialogButton("Install", theme.DownloadIcon(), func() { ps.installData(p.Name, f.data) })
	install.Importance = widget.HighImportance
	buttons := []fyne.CanvasObject{}
	if f.path != "" {
		dir := filepath.Dir(f.path)
		buttons = append(buttons, newDialogButton("Reveal", theme.FolderOpenIcon(), func() { ps.reveal(dir) }))
	}
	if f.data != nil {
		buttons = append(buttons, install)
	}
	buttons = append(buttons, closeBtn)
	m = ps.dialogs.newModal(profileTitle(p), 720, content, buttons, func() { m.hide() }, nil)
	if done != nil {
		m.onClosed(done)
	}
	m.show()
	ps.dialogs.focus(closeBtn)
	return m
}

// profileTitle names a profile in a dialog's title.
func profileTitle(p *provision.Profile) string {
	if p.Name == "" {
		return "Provisioning Profile " + p.UUID
	}
	return p.Name
}

// generalFacts are the profile's facts, one a line, each selectable.
func generalFacts(p *provision.Profile) fyne.CanvasObject {
	paren := func(a, b string) string {
		switch {
		case a == "":
			return orDash(b)
		case b == "":
			return a
		}
		return a + " (" + b + ")"
	}
	expires := date(p.ExpirationDate)
	if p.Expired {
		expires += " — expired: Xcode will not sign with it"
	}
	facts := []struct{ label, value string }{
		{"Name", orDash(p.Name)},
		{"UUID", p.UUID},
		{"Team", paren(p.TeamName, p.TeamIdentifier)},
		{"App ID name", orDash(p.AppIDName)},
		{"Bundle ID", orDash(p.BundleIdentifier)},
		{"Platform", orDash(p.Platform)},
		{"Kind", profileKindLabel(p.Kind)},
		{"Created", date(p.CreationDate)},
		{"Expires", expires},
	}
	form := container.New(layout.NewFormLayout())
	for _, f := range facts {
		v := &widget.Label{Text: f.value, Wrapping: fyne.TextWrapBreak, Selectable: true}
		if f.label == "Expires" && p.Expired {
			v.Importance = widget.DangerImportance
		}
		form.Add(widget.NewLabelWithStyle(f.label, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
		form.Add(v)
	}
	return form
}

// orDash is s, or "—" when it is empty.
func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// profileKindLabel is a decoded profile's kind in words.
func profileKindLabel(kind string) string { return orDash(provision.KindLabel(kind)) }

// signatureText says in words what provision's SignatureValid and
// SignerClaimsApple do and do not prove.
func signatureText(p *provision.Profile) string {
	switch {
	case !p.SignatureValid:
		return "Signature: does NOT verify. The profile was altered after it was signed; Xcode will refuse it. Download it again from App Store Connect."
	case p.SignerClaimsApple:
		return "Signature: verifies, and the signing certificate names Apple as its issuer. The content is as signed; the chain up to Apple's root is not checked here."
	}
	return "Signature: verifies, but the signing certificate does not name Apple as its issuer: this profile was not made by Apple."
}

func signatureImportance(p *provision.Profile) widget.Importance {
	switch {
	case !p.SignatureValid:
		return widget.DangerImportance
	case !p.SignerClaimsApple:
		return widget.WarningImportance
	}
	return widget.MediumImportance
}

// entNode is the entitlements tree: each node's children and text, by
// node id ("" is the root).
type entNode struct {
	children map[string][]string
	text     map[string]string
}

// entitlementsTree shows the decoded entitlements as a tree: dictionaries
// and arrays open, every other value shown as text.
func entitlementsTree(ent map[string]any) fyne.CanvasObject {
	if len(ent) == 0 {
		return container.NewCenter(widget.NewLabel("This profile grants no entitlements."))
	}
	n := buildEntitlements(ent)
	tree := widget.NewTree(
		func(id widget.TreeNodeID) []widget.TreeNodeID { return n.children[id] },
		func(id widget.TreeNodeID) bool { return id == "" || len(n.children[id]) > 0 },
		func(bool) fyne.CanvasObject { return &widget.Label{Truncation: fyne.TextTruncateEllipsis} },
		func(id widget.TreeNodeID, _ bool, o fyne.CanvasObject) { o.(*widget.Label).SetText(n.text[id]) },
	)
	tree.OpenAllBranches()
	return tree
}

// buildEntitlements indexes a decoded plist dictionary as tree nodes.
func buildEntitlements(ent map[string]any) entNode {
	n := entNode{children: map[string][]string{}, text: map[string]string{}}
	var add func(parent, label string, v any)
	add = func(parent, label string, v any) {
		// A unit separator cannot appear in a plist key shown as text, so
		// the path stays unique.
		id := parent + "\x1f" + label
		n.children[parent] = append(n.children[parent], id)
		switch v := v.(type) {
		case map[string]any:
			if len(v) == 0 {
				n.text[id] = label + ": (empty)"
				return
			}
			n.text[id] = label
			for _, k := range sortedKeys(v) {
				add(id, k, v[k])
			}
		case []any:
			if len(v) == 0 {
				n.text[id] = label + ": (empty)"
				return
			}
			n.text[id] = label + " (" + plural(len(v), "item", "items") + ")"
			for i, e := range v {
				add(id, "["+strconv.Itoa(i)+"]", e)
			}
		default:
			n.text[id] = label + ": " + plistText(v)
		}
	}
	for _, k := range sortedKeys(ent) {
		add("", k, ent[k])
	}
	return n
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// plistText writes a plist value that is not a container as text.
func plistText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case time.Time:
		return v.Local().Format(dateLayout + " 15:04")
	case []byte:
		return plural(len(v), "byte", "bytes") + " of data"
	}
	return fmt.Sprint(v)
}

// devicesList lists the UDIDs the profile runs on, or says why there are
// none.
func devicesList(p *provision.Profile) fyne.CanvasObject {
	switch {
	case p.ProvisionsAllDevices:
		return container.NewCenter(widget.NewLabel("Runs on every device of the organization (an in-house profile)."))
	case len(p.Devices) == 0:
		return container.NewCenter(widget.NewLabel("No devices: this kind of profile is not limited to listed devices."))
	}
	list := widget.NewList(
		func() int { return len(p.Devices) },
		func() fyne.CanvasObject { return &widget.Label{TextStyle: fyne.TextStyle{Monospace: true}} },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(p.Devices[i]) },
	)
	count := widget.NewLabel(plural(len(p.Devices), "device", "devices"))
	count.Importance = widget.LowImportance
	return container.NewBorder(nil, count, nil, nil, list)
}

// privateKeyMark says whether this machine holds a certificate's private
// key, or that it could not look.
func privateKeyMark(c provision.Certificate, keysErr error) (string, fyne.Resource, widget.Importance) {
	switch {
	case c.HasPrivateKey:
		return "Private key: here", theme.ConfirmIcon(), widget.SuccessImportance
	case keysErr != nil:
		return "Private key: could not look (" + strings.TrimSuffix(errText(keysErr), ".") + ")", theme.WarningIcon(), widget.WarningImportance
	}
	return "Private key: missing on this machine; it cannot sign with this certificate", theme.ErrorIcon(), widget.DangerImportance
}

// certificateMarks lists the certificates the profile allows to sign, each
// with whether its private key is here.
func certificateMarks(p *provision.Profile, keysErr error) fyne.CanvasObject {
	if len(p.Certificates) == 0 {
		return widget.NewLabel("The profile names no certificate.")
	}
	box := container.NewVBox()
	for i, c := range p.Certificates {
		if i > 0 {
			box.Add(widget.NewSeparator())
		}
		text, icon, imp := privateKeyMark(c, keysErr)
		mark := &widget.Label{Text: text, Importance: imp, Wrapping: fyne.TextWrapWord}
		facts := &widget.Label{
			Text:     fmt.Sprintf("Serial %s · SHA-1 %s · expires %s", orDash(c.SerialNumber), orDash(c.SHA1), date(c.ExpirationDate)),
			SizeName: theme.SizeNameCaptionText, Wrapping: fyne.TextWrapBreak, Selectable: true,
		}
		box.Add(widget.NewLabelWithStyle(orDash(c.CommonName), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		box.Add(facts)
		box.Add(container.NewBorder(nil, nil, widget.NewIcon(icon), nil, mark))
	}
	return box
}

// installOutcome is what installing one profile did.
type installOutcome struct {
	name string // what the profile is called before it could be read
	res  provision.InstallResult
	err  error
}

// installData installs a profile's bytes into both folders in the
// background and shows what that did.
func (ps *profiles) installData(name string, data []byte) {
	ps.work.background(func(context.Context) {
		out := ps.installOne(name, func() ([]byte, error) { return data, nil })
		fyne.Do(func() { ps.showInstalled([]installOutcome{out}) })
	})
}

// installOne gets a profile's bytes with content and installs them into
// both folders, removing what it supersedes. Call it off the UI goroutine.
func (ps *profiles) installOne(name string, content func() ([]byte, error)) installOutcome {
	out := installOutcome{name: name}
	folders, err := ps.folders()
	if err != nil {
		out.err = fmt.Errorf("finding the Xcode profile folders: %w", err)
		return out
	}
	data, err := content()
	if err == nil {
		out.res, err = provision.Install(folders, data, false, time.Now())
	}
	out.err = err
	return out
}

// showInstalled lists, per profile, the files written and the profiles
// removed as superseded, or why it failed.
func (ps *profiles) showInstalled(outs []installOutcome) *modal {
	list := container.NewVBox()
	line := func(text string, imp widget.Importance) {
		l := &widget.Label{Text: text, Wrapping: fyne.TextWrapBreak, Importance: imp}
		list.Add(l)
	}
	var ok int
	var firstDir string
	for _, o := range outs {
		if o.err != nil {
			text := errText(o.err)
			if o.name != "" && !strings.Contains(text, o.name) {
				text = o.name + ": " + text
			}
			line("✗ "+text, widget.DangerImportance)
			continue
		}
		ok++
		p := o.res.Profile
		line(fmt.Sprintf("✓ %s (%s)", profileTitle(p), p.UUID), widget.MediumImportance)
		for _, path := range o.res.Paths {
			line("    written: "+path, widget.LowImportance)
			if firstDir == "" {
				firstDir = filepath.Dir(path)
			}
		}
		for _, r := range o.res.Removed {
			line(fmt.Sprintf("    removed: %s (%s), superseded", orDash(r.Name), r.UUID), widget.LowImportance)
		}
		if p.Expired {
			line("    it expired on "+date(p.ExpirationDate)+": Xcode will not sign with it; regenerate it at App Store Connect", widget.WarningImportance)
		}
	}
	title := "Installed " + plural(ok, "Profile", "Profiles")
	switch {
	case ok == 0:
		title = "Install Failed"
	case ok < len(outs):
		title = fmt.Sprintf("Installed %d of %d Profiles", ok, len(outs))
	}
	scroll := container.NewVScroll(list)
	scroll.SetMinSize(fyne.NewSize(0, min(float32(len(list.Objects))*40+20, 360)))

	var m *modal
	done := newDialogButton("Done", nil, func() { m.hide() })
	done.Importance = widget.HighImportance
	buttons := []fyne.CanvasObject{done}
	if firstDir != "" {
		buttons = []fyne.CanvasObject{newDialogButton("Reveal", theme.FolderOpenIcon(), func() { ps.reveal(firstDir) }), done}
	}
	m = ps.dialogs.newModal(title, 640, scroll, buttons, func() { m.hide() }, func() { m.hide() })
	m.show()
	ps.dialogs.focus(done)
	if ok > 0 && ps.onInstalled != nil {
		ps.onInstalled()
	}
	return m
}

// installFromApple fetches each profile's content from Apple with the key
// with vault id keyID and installs it, showing progress and then what each
// wrote, removed or why it failed. done (may be nil) runs when every one
// was installed.
func (ps *profiles) installFromApple(keyID string, rows []core.Profile, done func()) {
	if len(rows) == 0 {
		return
	}
	text := widget.NewLabel("")
	bar := widget.NewProgressBar()
	bar.TextFormatter = func() string { return "" }
	bar.Max = float64(len(rows))
	setProgress := func(n int) {
		text.SetText(fmt.Sprintf("Installing %s… %s", plural(len(rows), "profile", "profiles"), progressText(n, len(rows))))
		bar.SetValue(float64(n))
	}
	setProgress(0)
	progress := ps.dialogs.newModal("Installing", 420, container.NewVBox(text, bar), nil, nil, nil)
	progress.show()
	ps.work.background(func(ctx context.Context) {
		client, err := ps.client(ctx, keyID)
		outs := make([]installOutcome, len(rows))
		for i, p := range rows {
			if err != nil {
				outs[i] = installOutcome{name: p.Name, err: err}
				continue
			}
			outs[i] = ps.installOne(p.Name, func() ([]byte, error) {
				data, _, err := client.Profiles.Content(ctx, p)
				return data, err
			})
			fyne.Do(func() { setProgress(i + 1) })
		}
		fyne.Do(func() {
			progress.hide()
			ps.showInstalled(outs)
			if done != nil && !slices.ContainsFunc(outs, func(o installOutcome) bool { return o.err != nil }) {
				done()
			}
		})
	})
}

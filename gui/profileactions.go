package gui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/asckeys/asckeys/actions"
	"github.com/asckeys/asckeys/core"
)

// The Profiles tab's actions: New Profile, Regenerate and Delete.

type profileTools struct {
	create, regenerate, remove *widget.Button
	// resume finishes regenerations whose create failed after the delete
	// (their definitions are kept in the vault); shown only when there are.
	resume   *widget.Button
	selected []core.Profile
}

func (w *writes) buildProfileTools() {
	t := &w.profiles
	tab := w.v.profiles
	t.create = toolButton("New Profile…", theme.ContentAddIcon(), false, w.openNewProfile)
	t.regenerate = toolButton("Regenerate…", theme.ViewRefreshIcon(), true, func() { w.askRegenerate(t.selected) })
	t.remove = toolButton("Delete…", theme.DeleteIcon(), true, func() { w.askDeleteProfiles(t.selected) })
	t.resume = toolButton("Finish Regeneration…", theme.HistoryIcon(), false, w.askResume)
	t.resume.Importance = widget.WarningImportance
	t.resume.Hide()
	for _, b := range []*widget.Button{t.create, t.regenerate, t.remove, t.resume} {
		tab.addTool(b)
	}
	tab.onRows = append(tab.onRows, func([]core.Profile) { w.findPending() })
	tab.onSelection = append(tab.onSelection, func(sel []core.Profile) {
		t.selected = sel
		enableFor(t.regenerate, len(sel) > 0)
		enableFor(t.remove, len(sel) > 0)
	})
}

// newProfileForm is the New Profile dialog: each choice is checked against
// Apple's rules (core) as it is made, and what cannot be chosen says why.
type newProfileForm struct {
	w         *writes
	f         *formDialog
	name      *dialogEntry
	nameMsg   message
	kind      *widget.Select
	search    *dialogEntry
	bundleBox *widget.List
	bundleMsg message
	certBox   *fyne.Container
	certMsg   message
	devBox    *fyne.Container
	devMsg    message

	typeOf   map[string]string // label -> profile type
	bundles  []core.BundleID   // every bundle ID listed
	shown    []core.BundleID   // those the search matches
	bundle   *core.BundleID    // the one chosen
	certs    map[string]bool   // chosen certificate ids
	devices  map[string]bool   // chosen device ids
	allCerts []core.Certificate
	allDevs  []core.Device
}

func (w *writes) openNewProfile() {
	p := &newProfileForm{w: w, nameMsg: newMessage(), bundleMsg: newMessage(), certMsg: newMessage(), devMsg: newMessage(),
		typeOf: map[string]string{}, certs: map[string]bool{}, devices: map[string]bool{}}
	p.bundles = w.v.bundles.table.All()
	slices.SortFunc(p.bundles, func(a, b core.BundleID) int { return strings.Compare(a.Identifier, b.Identifier) })
	p.shown = p.bundles
	p.allCerts = w.v.certs.table.All()
	p.allDevs = w.v.devices.table.All()

	p.name = newDialogEntry("e.g. Notes App Store")
	p.name.OnChanged = func(string) { p.check() }
	var labels []string
	for _, t := range core.ProfileTypes() {
		if core.CheckProfileType(t) != nil {
			continue
		}
		l := fmt.Sprintf("%s (%s)", core.ProfileTypeLabel(t), t)
		labels = append(labels, l)
		p.typeOf[l] = t
	}
	p.kind = widget.NewSelect(labels, func(string) { p.typeChanged() })
	p.kind.PlaceHolder = "Choose the profile type"
	p.search = newDialogEntry("Search bundle IDs")
	p.search.OnChanged = func(q string) { p.filterBundles(q) }
	p.bundleBox = widget.NewList(func() int { return len(p.shown) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			b := p.shown[i]
			o.(*widget.Label).SetText(fmt.Sprintf("%s  ·  %s  ·  %s", b.Identifier, b.Name, core.PlatformLabel(b.Platform)))
		})
	p.bundleBox.OnSelected = func(i widget.ListItemID) {
		b := p.shown[i]
		p.bundle = &b
		p.check()
	}
	bundleScroll := container.New(&minHeight{130}, p.bundleBox)
	p.certBox = container.NewVBox()
	p.devBox = container.NewVBox()
	certScroll := container.NewVScroll(p.certBox)
	certScroll.SetMinSize(fyne.NewSize(0, 170))
	devScroll := container.NewVScroll(p.devBox)
	devScroll.SetMinSize(fyne.NewSize(0, 170))

	left := container.NewVBox(fieldLabel("Name"), p.name, p.nameMsg.Label, fieldLabel("Type"), p.kind,
		fieldLabel("Bundle ID"), p.search, bundleScroll, p.bundleMsg.Label)
	right := container.NewVBox(fieldLabel("Certificates"), certScroll, p.certMsg.Label, fieldLabel("Devices"), devScroll, p.devMsg.Label)
	p.f = w.newForm("New Profile", 900, container.NewGridWithColumns(2, left, right), "Create Profile…", p.submit)
	p.typeChanged()
	p.f.m.show()
	w.v.dialogs.focus(p.name)
}

// minHeight gives its content at least h of height.
type minHeight struct{ h float32 }

func (l *minHeight) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		s = s.Max(o.MinSize())
	}
	return fyne.NewSize(s.Width, max(s.Height, l.h))
}

func (l *minHeight) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Resize(size)
		o.Move(fyne.NewPos(0, 0))
	}
}

func (p *newProfileForm) profileType() string { return p.typeOf[p.kind.Selected] }

func (p *newProfileForm) filterBundles(q string) {
	q = strings.ToLower(strings.TrimSpace(q))
	p.shown = slices.DeleteFunc(slices.Clone(p.bundles), func(b core.BundleID) bool {
		return q != "" && !strings.Contains(strings.ToLower(b.Identifier+" "+b.Name), q)
	})
	p.bundleBox.UnselectAll()
	if p.bundle != nil {
		if i := slices.IndexFunc(p.shown, func(b core.BundleID) bool { return b.ID == p.bundle.ID }); i >= 0 {
			p.bundleBox.Select(i)
		}
	}
	p.bundleBox.Refresh()
	p.check()
}

// typeChanged offers the certificates and devices that fit the type, the
// fitting valid certificates and (development, ad hoc) the enabled devices
// of its platform chosen.
func (p *newProfileForm) typeChanged() {
	pt := p.profileType()
	now := time.Now()
	p.certBox.RemoveAll()
	p.devBox.RemoveAll()
	clear(p.certs)
	clear(p.devices)
	if pt == "" {
		p.certBox.Add(caption("Choose the profile type first: it decides which certificates and devices fit."))
		p.check()
		return
	}
	// Certificates: those that fit, chosen when valid; the others by type,
	// with the reason.
	refused := map[string]int{}
	for _, c := range p.allCerts {
		if err := core.CheckCertificateFitsProfile(pt, c.CertificateType); err != nil {
			refused[c.CertificateType]++
			continue
		}
		label := fmt.Sprintf("%s · expires %s", c.Label(), date(c.ExpirationDate.Time))
		check := widget.NewCheck(label, nil)
		if !c.ExpirationDate.After(now) {
			check.Disable()
			p.certBox.Add(container.NewVBox(check, caption("Expired: Apple refuses expired certificates in a profile.")))
			continue
		}
		id := c.ID
		p.certs[id] = true
		check.SetChecked(true)
		check.OnChanged = func(on bool) { p.certs[id] = on; p.check() }
		p.certBox.Add(check)
	}
	types := make([]string, 0, len(refused))
	for t := range refused {
		types = append(types, t)
	}
	slices.Sort(types)
	for _, t := range types {
		err := core.CheckCertificateFitsProfile(pt, t)
		off := widget.NewCheck(fmt.Sprintf("%s %s", plural(refused[t], "certificate:", "certificates:"), core.CertificateTypeLabel(t)), nil)
		off.Disable()
		p.certBox.Add(container.NewVBox(off, caption(line(err.Error()))))
	}
	// Devices.
	if !core.ProfileTakesDevices(pt) {
		p.devBox.Add(caption(line(core.CheckProfileDevices(pt, 1).Error())))
	} else {
		platform := actions.ProfileDevicePlatform(pt)
		other := 0
		for _, d := range p.allDevs {
			if d.Platform != platform {
				other++
				continue
			}
			check := widget.NewCheck(fmt.Sprintf("%s · %s", d.Name, deviceModel(d)), nil)
			if d.Status != "ENABLED" {
				check.Disable()
				p.devBox.Add(container.NewVBox(check, caption("Disabled: Apple refuses disabled devices; enable it in the Devices tab first.")))
				continue
			}
			id := d.ID
			p.devices[id] = true
			check.SetChecked(true)
			check.OnChanged = func(on bool) { p.devices[id] = on; p.check() }
			p.devBox.Add(check)
		}
		if other > 0 {
			off := widget.NewCheck(plural(other, "device", "devices")+" of another platform", nil)
			off.Disable()
			p.devBox.Add(container.NewVBox(off, caption(fmt.Sprintf("%s profiles run on %s devices only.",
				core.ProfileTypeLabel(pt), core.PlatformLabel(platform)))))
		}
	}
	p.certBox.Refresh()
	p.devBox.Refresh()
	p.check()
}

// line is s as a sentence, its first letter kept when it is a label such
// as "iOS".
func line(s string) string {
	if strings.HasPrefix(s, "iOS") {
		if s = strings.TrimSpace(s); !strings.HasSuffix(s, ".") {
			s += "."
		}
		return s
	}
	return sentence(s)
}

// chosen lists the ids set in m, in the order of the rows.
func chosen[T any](rows []T, id func(T) string, m map[string]bool) []string {
	var out []string
	for _, r := range rows {
		if m[id(r)] {
			out = append(out, id(r))
		}
	}
	return out
}

// check applies the rules to what is chosen so far and enables Create only
// when nothing Apple would refuse is left.
func (p *newProfileForm) check() {
	ok := true
	say := func(m message, err error, fine string) {
		if err != nil {
			m.set(toneError, errText(err))
			ok = false
			return
		}
		m.set(toneNote, fine)
	}
	if strings.TrimSpace(p.name.Text) == "" {
		p.nameMsg.clear()
		ok = false
	} else {
		say(p.nameMsg, core.CheckProfileName(p.name.Text), "")
	}
	pt := p.profileType()
	if pt == "" {
		ok = false
	}
	switch {
	case p.bundle == nil:
		p.bundleMsg.set(toneNote, fmt.Sprintf("Choose one of %s.", plural(len(p.shown), "bundle ID", "bundle IDs")))
		ok = false
	default:
		p.bundleMsg.set(toneNote, "Chosen: "+p.bundle.Identifier)
	}
	if pt != "" {
		certs := chosen(p.allCerts, func(c core.Certificate) string { return c.ID }, p.certs)
		switch fit := core.CertificateTypesForProfile(pt); {
		case len(certs) > 0:
			p.certMsg.set(toneNote, plural(len(certs), "certificate", "certificates")+" chosen.")
		case !slices.ContainsFunc(p.allCerts, func(c core.Certificate) bool {
			return slices.Contains(fit, c.CertificateType) && c.ExpirationDate.After(time.Now())
		}):
			p.certMsg.set(toneError, fmt.Sprintf("No valid certificate can sign %s profiles: create a %s certificate in the Certificates tab first.",
				core.ProfileTypeLabel(pt), core.CertificateTypeLabel(fit[0])))
			ok = false
		default:
			p.certMsg.set(toneError, "Choose at least one certificate: the profile is signed with it.")
			ok = false
		}
		if core.ProfileTakesDevices(pt) {
			devs := chosen(p.allDevs, func(d core.Device) string { return d.ID }, p.devices)
			say(p.devMsg, core.CheckProfileDevices(pt, len(devs)), plural(len(devs), "device", "devices")+" chosen.")
		} else {
			p.devMsg.clear()
		}
	}
	if ok {
		p.f.errMsg.clear()
		p.f.goOn.Enable()
	} else {
		p.f.goOn.Disable()
	}
}

// newProfile is what the form describes.
func (p *newProfileForm) newProfile() actions.NewProfile {
	np := actions.NewProfile{Name: strings.TrimSpace(p.name.Text), Type: p.profileType(),
		CertificateIDs: chosen(p.allCerts, func(c core.Certificate) string { return c.ID }, p.certs)}
	if p.bundle != nil {
		np.BundleID = p.bundle.ID
	}
	if core.ProfileTakesDevices(np.Type) {
		np.DeviceIDs = chosen(p.allDevs, func(d core.Device) string { return d.ID }, p.devices)
	}
	return np
}

// submit plans the profile (actions.PlanProfile: every rule, the name not
// taken), then asks before creating it.
func (p *newProfileForm) submit() {
	w := p.w
	np := p.newProfile()
	var plan actions.ProfilePlan
	w.runForm(p.f, func(ctx context.Context, e writeEnv) (func(), error) {
		var err error
		plan, err = actions.PlanProfile(ctx, e.lists, np)
		if err != nil {
			return nil, err
		}
		return func() {
			w.ask("Create Profile", "Create the "+plan.String()+"?", nil, "Create Profile", func() { w.createProfile(plan) })
		}, nil
	})
}

func (w *writes) createProfile(plan actions.ProfilePlan) {
	w.run("Creating the profile…", "Could Not Create the Profile", func(ctx context.Context, e writeEnv) (func(), error) {
		created, err := actions.CreateProfile(ctx, e.lists, plan)
		if err != nil {
			return nil, err
		}
		return func() {
			w.done(fmt.Sprintf("Created the %s profile %q: UUID %s. Download or install it from the Profiles tab.",
				core.ProfileTypeLabel(created.ProfileType), created.Name, created.UUID), w.v.profiles)
		}, nil
	})
}

// askDeleteProfiles asks before deleting profiles at Apple.
func (w *writes) askDeleteProfiles(ps []core.Profile) {
	if len(ps) == 0 {
		return
	}
	label := plural(len(ps), "Profile", "Profiles")
	question := actions.DeleteQuestion(ps) + " Copies already installed keep working until they expire."
	w.ask("Delete "+label, question, nil, "Delete "+label, func() {
		w.run("Deleting…", "Could Not Delete the Profiles", func(ctx context.Context, e writeEnv) (func(), error) {
			done, err := actions.DeleteProfiles(ctx, e.lists, ps)
			if err != nil {
				if len(done) > 0 {
					fyne.Do(func() { w.v.load([]resourcePane{w.v.profiles}, false) })
				}
				return nil, err
			}
			return func() {
				w.v.profiles.table.ClearSelection()
				w.done(fmt.Sprintf("Deleted %s at Apple.", plural(len(done), "profile", "profiles")), w.v.profiles)
			}, nil
		})
	})
}

// askRegenerate asks before regenerating profiles, offering to add every
// enabled device.
func (w *writes) askRegenerate(ps []core.Profile) {
	if len(ps) == 0 {
		return
	}
	all := widget.NewCheck("Add all enabled devices of the platform (development and ad hoc profiles)", nil)
	label := plural(len(ps), "Profile", "Profiles")
	w.ask("Regenerate "+label, actions.RegenerateQuestion(ps), all, "Regenerate "+label, func() { w.regenerate(ps, all.Checked) })
}

// regenerate plans and runs the regeneration with a progress bar; Cancel
// stops handing out profiles (one whose old profile was deleted is still
// made again).
func (w *writes) regenerate(ps []core.Profile, allDevices bool) {
	v := w.v
	k := v.key
	total := len(ps)
	p, ctx := v.dialogs.showProgress("Regenerating Profiles", "Regenerating profiles", total, v.work.ctx)
	v.work.background(func(context.Context) {
		e, err := w.env(ctx, k)
		var done []actions.Regenerated
		if err == nil {
			r := &actions.Regenerator{Lists: e.lists, Pending: v.vault, KeyID: k.ID, AllDevices: allDevices,
				Progress: func(n, total int) { fyne.Do(func() { p.set(n, total) }) }}
			var plan actions.RegeneratePlan
			if plan, err = r.Plan(ctx, ps); err == nil {
				done, err = r.Run(ctx, plan)
			}
			v.rateLimitFrom(k.ID, e.deps.Client)
		}
		fyne.Do(func() {
			p.close()
			if !v.showing(k.ID) {
				return
			}
			w.showRegenerateSummary(ps, done, err, p.cancelled)
		})
	})
}

// showRegenerateSummary says which profiles were made again (their new
// UUIDs), which failed and which were left as they were.
func (w *writes) showRegenerateSummary(ps []core.Profile, done []actions.Regenerated, err error, cancelled bool) {
	var b strings.Builder
	fmt.Fprintf(&b, "Regenerated %s of %d.", plural(len(done), "profile", "profiles"), len(ps))
	for i, g := range done {
		if i == 15 {
			fmt.Fprintf(&b, "\n  … and %d more", len(done)-15)
			break
		}
		fmt.Fprintf(&b, "\n  %q: new UUID %s", g.Name, g.NewUUID)
	}
	var failed []string
	var regenErr *actions.RegenerateError
	for _, e := range unjoin(err) {
		if errors.As(e, &regenErr) {
			failed = append(failed, regenErr.Name)
		}
	}
	var untouched []string
	for _, p := range ps {
		if !slices.ContainsFunc(done, func(g actions.Regenerated) bool { return g.Name == p.Name }) && !slices.Contains(failed, p.Name) {
			untouched = append(untouched, p.Name)
		}
	}
	if len(untouched) > 0 {
		why := "nothing was changed"
		if cancelled {
			why = "cancelled before they were started"
		}
		fmt.Fprintf(&b, "\n\nLeft as they were (%s): %s.", why, quoted(untouched, 15))
	}
	if err != nil && !(cancelled && errors.Is(err, context.Canceled)) {
		fmt.Fprintf(&b, "\n\n%s", errText(err))
		if len(failed) > 0 {
			b.WriteString("\n\nIn this window, Finish Regeneration on the Profiles tab does the same.")
		}
	}
	icon := theme.ConfirmIcon()
	if len(done) < len(ps) {
		icon = theme.WarningIcon()
	}
	w.v.profiles.table.ClearSelection()
	w.v.dialogs.showMessage("Regeneration Finished", b.String(), icon)
	text := fmt.Sprintf("Regenerated %s of %d.", plural(len(done), "profile", "profiles"), len(ps))
	if len(done) == 1 {
		text = fmt.Sprintf("Regenerated %q: new UUID %s.", done[0].Name, done[0].NewUUID)
	}
	w.done(text, w.v.profiles)
}

// findPending shows Finish Regeneration when the vault keeps definitions
// of profiles whose regeneration did not finish, for the key shown.
func (w *writes) findPending() {
	v := w.v
	if !v.isOpen || v.vault == nil {
		return
	}
	k := v.key
	v.work.background(func(context.Context) {
		pending, err := v.vault.PendingProfiles(k.ID)
		fyne.Do(func() {
			if !v.showing(k.ID) {
				return
			}
			if err == nil && len(pending) > 0 {
				w.profiles.resume.SetText(fmt.Sprintf("Finish Regeneration (%d)…", len(pending)))
				w.profiles.resume.Show()
			} else {
				w.profiles.resume.Hide()
			}
		})
	})
}

// askResume asks before creating again the profiles whose regeneration did
// not finish, then does it (actions.Regenerator.Resume).
func (w *writes) askResume() {
	v := w.v
	k := v.key
	v.work.background(func(context.Context) {
		pending, err := v.vault.PendingProfiles(k.ID)
		fyne.Do(func() {
			if !v.showing(k.ID) {
				return
			}
			if err != nil {
				w.showFailure("Could Not Read the Kept Profiles", err)
				return
			}
			if len(pending) == 0 {
				w.findPending()
				return
			}
			names := make([]string, len(pending))
			for i, d := range pending {
				names[i] = d.Name
			}
			question := fmt.Sprintf("Create again %s whose regeneration did not finish: %s? Each old profile still at Apple is deleted first; "+
				"one made meanwhile is kept.", plural(len(pending), "profile", "profiles"), quoted(names, 15))
			w.ask("Finish Regeneration", question, nil, "Create Again", func() { w.resume(len(pending)) })
		})
	})
}

// resume runs Regenerator.Resume with a progress bar.
func (w *writes) resume(total int) {
	v := w.v
	k := v.key
	p, ctx := v.dialogs.showProgress("Finishing Regeneration", "Creating profiles again", total, v.work.ctx)
	v.work.background(func(context.Context) {
		e, err := w.env(ctx, k)
		var done []actions.Regenerated
		if err == nil {
			r := &actions.Regenerator{Lists: e.lists, Pending: v.vault, KeyID: k.ID,
				Progress: func(n, total int) { fyne.Do(func() { p.set(n, total) }) }}
			done, err = r.Resume(ctx)
		}
		fyne.Do(func() {
			p.close()
			if !v.showing(k.ID) {
				return
			}
			text := fmt.Sprintf("Created again %s of %d.", plural(len(done), "profile", "profiles"), total)
			for _, g := range done {
				text += fmt.Sprintf("\n  %q: new UUID %s", g.Name, g.NewUUID)
			}
			icon := theme.ConfirmIcon()
			if err != nil {
				text += "\n\n" + errText(err)
				icon = theme.WarningIcon()
			}
			v.dialogs.showMessage("Regeneration Finished", text, icon)
			w.done(strings.SplitN(text, "\n", 2)[0], v.profiles)
		})
	})
}

// unjoin lists the errors of errors.Join, or err alone.
func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

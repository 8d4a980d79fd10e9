package gui

import "github.com/asckeys/asckeys/storage"

// applyShow puts the window in the state Options.Show asks for, once, after
// the key list was first read: README screenshots are taken of it.
func (u *ui) applyShow() {
	if u.shown || u.opts.Show == "" {
		return
	}
	u.shown = true
	switch u.opts.Show {
	case ShowAdd:
		var p addPrefill
		if nk := u.opts.HintKey; nk != nil {
			// The demo's own key parses; should it not, the dialog opens
			// empty, which is still a fair picture of it.
			if parsed, err := storage.ParseKeyData(nk.FileName, nk.Data); err == nil {
				p = prefillOf(parsed)
			}
			p.name, p.issuerID = nk.Name, nk.IssuerID
			if nk.KeyID != "" {
				p.keyID = nk.KeyID
			}
			if nk.Kind != "" {
				p.kind = nk.Kind
			}
		}
		u.openAddDialog(p)
	case ShowCertificates:
		u.view.tabs.SelectIndex(0)
	case ShowProfiles:
		u.view.tabs.SelectIndex(1)
	}
}

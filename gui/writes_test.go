package gui

import (
	"context"
	"crypto/rsa"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	fstorage "fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/identity"
	"github.com/asckeys/asckeys/core/identity/identitytest"
	"github.com/asckeys/asckeys/sandbox"
	"github.com/asckeys/asckeys/storage"
)

// The write side in the window: each action's question, the requests it
// sends to the sandbox, the result it shows and one refusal.

// openAdmin links an Admin team key, opens the window and waits for the
// four lists.
func (h *harness) openAdmin() (storage.Key, sandbox.TestKey) {
	h.t.Helper()
	k, tk := h.link("Example Corp", core.KindTeam, sandbox.RoleAdmin)
	h.open()
	h.waitLoaded()
	return k, tk
}

// apiClient is a client of the sandbox for tk, to arrange data as another
// machine would have.
func (h *harness) apiClient(tk sandbox.TestKey) *core.Client {
	return h.opts.NewClient(core.Credentials{KeyID: tk.KeyID, IssuerID: tk.IssuerID, Kind: tk.Kind, PrivateKey: tk.PrivateKey})
}

// showTab brings tab to the front.
func showTab[T any](h *harness, tab *resourceTab[T]) {
	h.do(func() {
		for i, t := range h.u.view.allTabs() {
			if t.tabItem() == tab.item {
				h.u.view.tabs.SelectIndex(i)
			}
		}
	})
}

// chooseWhere chooses the rows shown for which keep holds.
func chooseWhere[T any](h *harness, tab *resourceTab[T], keep func(T) bool) []T {
	h.t.Helper()
	showTab(h, tab)
	var got []T
	h.do(func() {
		tab.table.ClearSelection()
		tab.table.SetFilter("")
		checks := findAll[*widget.Check](tab.item.Content)
		for i, r := range tab.table.Rows() {
			if keep(r) {
				if i+1 >= len(checks) {
					h.t.Fatalf("row %d is not drawn (%d check boxes)", i, len(checks))
				}
				test.Tap(checks[i+1])
			}
		}
		got = tab.table.Selected()
	})
	return got
}

// chooseOne shows the rows filter finds and chooses the one is picks.
func chooseOne[T any](h *harness, tab *resourceTab[T], filter string, is func(T) bool) {
	h.t.Helper()
	showTab(h, tab)
	h.do(func() {
		tab.table.ClearSelection()
		tab.table.SetFilter(filter)
	})
	h.do(func() {
		// The table's cells are reused in any order: try each box.
		for _, c := range findAll[*widget.Check](tab.item.Content) {
			test.Tap(c)
			if sel := tab.table.Selected(); len(sel) == 1 && is(sel[0]) {
				return
			}
			tab.table.ClearSelection()
		}
		h.t.Fatalf("%q shows no such row", filter)
	})
}

// chooseRows shows only the rows of tab that filter finds and chooses them
// all; want is how many that must be.
func chooseRows[T any](h *harness, tab *resourceTab[T], filter string, want int) []T {
	h.t.Helper()
	var got []T
	h.do(func() {
		for i, t := range h.u.view.allTabs() {
			if t.tabItem() == tab.item {
				h.u.view.tabs.SelectIndex(i)
			}
		}
		tab.table.ClearSelection()
		tab.table.SetFilter(filter)
		if n := len(tab.table.Rows()); n != want {
			h.t.Fatalf("%q finds %d rows, want %d", filter, n, want)
		}
		checks := findAll[*widget.Check](tab.item.Content)
		for i := 1; i <= want; i++ {
			test.Tap(checks[i])
		}
		got = tab.table.Selected()
	})
	if len(got) != want {
		h.t.Fatalf("%d rows chosen, want %d", len(got), want)
	}
	return got
}

// notice is the key view's result line.
func (h *harness) notice() string { return read(h, func() string { return h.u.view.noticeText.Text }) }

// waitNotice waits for the result line to say want.
func (h *harness) waitNotice(want string) string {
	h.t.Helper()
	h.waitFor("the result "+want, func() bool { return strings.Contains(h.u.view.noticeText.Text, want) }, h.screenText)
	return h.notice()
}

// sent counts the requests of route ("POST /v1/certificates") since the
// last ResetStats, once the sandbox has answered every one.
func (h *harness) sent(route string) int { return h.srv.StatsSettled().ByRoute[route] }

// writesSent counts the requests that change something, by route.
func (h *harness) writesSent() map[string]int {
	out := map[string]int{}
	for route, n := range h.srv.StatsSettled().ByRoute {
		if !strings.HasPrefix(route, "GET ") {
			out[route] = n
		}
	}
	return out
}

// dialogText is the text of the dialog on top.
func (h *harness) dialogText() string { return read(h, h.topText) }

// topText is the text of the dialog on top; call it on the UI goroutine.
func (h *harness) topText() string {
	top := h.win.Canvas().Overlays().Top()
	if top == nil {
		return ""
	}
	return strings.Join(texts(top), "\n")
}

// fillToLimit creates certificates of certType with tk until Apple's limit
// for the type is reached.
func (h *harness) fillToLimit(tk sandbox.TestKey, certType string) {
	h.t.Helper()
	c := h.apiClient(tk)
	for i := 0; h.srv.CertificateRoom(certType, core.KindTeam) > 0; i++ {
		csr, err := identity.CSR(identitytest.Key(i % 3))
		if err != nil {
			h.t.Fatal(err)
		}
		if _, _, err := c.Certificates.Create(context.Background(), certType, string(csr)); err != nil {
			h.t.Fatal(err)
		}
	}
}

func TestCreateCertificateOffersWhatTheKeyMayCreateAndSaysTheLimit(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 41, Certificates: 6, Profiles: 4})
	_, tk := h.link("Example Corp", core.KindTeam, sandbox.RoleAdmin)
	h.fillToLimit(tk, "IOS_DISTRIBUTION")
	h.open()
	h.waitLoaded()
	h.tapIn(h.u.view.certs.item.Content, "Create Certificate…")
	top := h.waitDialog("Not offered: Developer ID")
	var labels []string
	h.do(func() {
		radio := findAll[*widget.RadioGroup](top)[0]
		labels = radio.Options
		for _, l := range labels {
			if strings.Contains(l, "DEVELOPER_ID") || strings.Contains(l, "PUSH") {
				t.Errorf("Create Certificate offers %q, which an API key cannot create", l)
			}
		}
		if findButton(top, "Create Certificate").Disabled() == false {
			t.Error("Create Certificate is enabled before a type is chosen")
		}
		radio.SetSelected(labelOf(labels, "(DEVELOPMENT)"))
	})
	s := h.dialogText()
	for _, want := range []string{"Create a new Apple Development certificate (DEVELOPMENT) with Example Corp?",
		"Apple allows 2 current Apple Development certificates per person", "only be created by the Account Holder"} {
		if !strings.Contains(s, want) {
			t.Errorf("the dialog does not say %q:\n%s", want, s)
		}
	}
	h.srv.ResetStats()
	h.tapIn(top, "Create Certificate")
	got := h.waitNotice("Created the Apple Development certificate")
	if n := h.sent("POST /v1/certificates"); n != 1 {
		t.Errorf("%d POSTs sent, want 1", n)
	}
	// The list is read again and the new row's private key is here.
	var id string
	for _, c := range h.srv.Certificates() {
		if strings.Contains(got, c.SerialNumber) {
			id = c.ID
		}
	}
	if id == "" {
		t.Fatalf("the result names no certificate the sandbox has: %s", got)
	}
	h.waitFor("the new certificate listed with its private key here", func() bool {
		for _, c := range h.u.view.certs.table.All() {
			if c.ID == id {
				return h.u.view.writes.privateKeyText(c) == "Here"
			}
		}
		return false
	})

	// At the limit: the choice says so, and Apple's refusal names what to revoke.
	h.tapIn(h.u.view.certs.item.Content, "Create Certificate…")
	top = h.waitDialog("Not offered: Developer ID")
	h.do(func() {
		radio := findAll[*widget.RadioGroup](top)[0]
		l := labelOf(radio.Options, "(IOS_DISTRIBUTION)")
		if !strings.Contains(l, "at the limit") {
			t.Errorf("the full type is not marked: %q", l)
		}
		radio.SetSelected(l)
	})
	if s := h.dialogText(); !strings.Contains(s, "Apple will refuse a new one until one is revoked") {
		t.Errorf("the hint does not warn of the limit:\n%s", s)
	}
	h.srv.ResetStats()
	h.tapIn(top, "Create Certificate")
	h.waitFor("the refusal", func() bool { return strings.Contains(h.topText(), "Candidates to revoke") }, h.topText)
	if s := h.dialogText(); !strings.Contains(s, "as many iOS Distribution certificates") && !strings.Contains(s, "as many") {
		t.Errorf("the refusal does not say the limit is reached:\n%s", s)
	}
	if n := h.sent("POST /v1/certificates"); n != 1 {
		t.Errorf("%d POSTs sent for the refused create, want 1", n)
	}
}

// labelOf finds the option containing part.
func labelOf(options []string, part string) string {
	for _, o := range options {
		if strings.Contains(o, part) {
			return o
		}
	}
	return ""
}

// madeHere makes a certificate of certType whose private key is in the
// vault, as Create Certificate on this machine would have; its profiles
// are created with it.
func (h *harness) madeHere(k storage.Key, tk sandbox.TestKey, signer *rsa.PrivateKey, certType string) core.Certificate {
	h.t.Helper()
	ctx := context.Background()
	if _, err := h.vault.StoreIdentityKey(ctx, k.ID, signer); err != nil {
		h.t.Fatal(err)
	}
	csr, err := identity.CSR(signer)
	if err != nil {
		h.t.Fatal(err)
	}
	cert, _, err := h.apiClient(tk).Certificates.Create(ctx, certType, string(csr))
	if err != nil {
		h.t.Fatal(err)
	}
	return cert.Certificate
}

func TestExportAndImportAP12(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 42, Certificates: 4, Profiles: 2})
	k, tk := h.link("Example Corp", core.KindTeam, sandbox.RoleAdmin)
	signer := identitytest.Key(2)
	cert := h.madeHere(k, tk, signer, "DEVELOPMENT")
	h.open()
	h.waitLoaded()
	h.waitFor("the Private Key column", func() bool { return h.u.view.writes.keysHere != nil })
	h.do(func() {
		for _, c := range h.u.view.certs.table.All() {
			want := "Missing"
			if c.ID == cert.ID {
				want = "Here"
			}
			if got := h.u.view.writes.privateKeyText(c); got != want {
				t.Errorf("the Private Key column of %s says %q, want %q", c.ID, got, want)
			}
		}
	})

	// The column shows it.
	chooseRows(h, h.u.view.certs, cert.SerialNumber, 1)
	h.do(func() {
		if !slices.Contains(texts(h.u.view.certs.item.Content), "Here") {
			t.Errorf("the Private Key column does not show Here:\n%v", texts(h.u.view.certs.item.Content))
		}
	})

	// Export: a generated password, a copy button, the two encodings explained.
	h.tapIn(h.u.view.certs.item.Content, "Export .p12…")
	top := h.waitDialog("protected by this password")
	var password string
	h.do(func() {
		password = findAll[*dialogEntry](top)[0].Text
		test.Tap(findButton(top, "Copy"))
		if got := fyne.CurrentApp().Clipboard().Content(); got != password || len(password) < 20 {
			t.Errorf("the clipboard holds %q, the password is %q", got, password)
		}
	})
	s := h.dialogText()
	for _, want := range []string{"Legacy opens everywhere", "Keychain Access refuses it"} {
		if !strings.Contains(s, want) {
			t.Errorf("the export dialog does not say %q:\n%s", want, s)
		}
	}
	h.do(func() {
		radio := findAll[*widget.RadioGroup](top)[0]
		if !slices.Equal(radio.Options, []string{p12Legacy, p12Modern}) || radio.Selected != p12Legacy {
			t.Errorf("the encodings offered are %q (%q chosen), want legacy first and chosen", radio.Options, radio.Selected)
		}
	})
	path := h.dir + "/dev.p12"
	h.srv.ResetStats()
	h.do(func() { h.u.view.writes.exportP12(cert, path, password, false) }) // as the save dialog does
	h.waitDialog("Certificate Exported")
	if w := h.writesSent(); len(w) != 0 {
		t.Errorf("exporting changed something at Apple: %v", w)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("the .p12 has mode %v, want 0600", fi.Mode().Perm())
	}
	if _, err := identity.DecodeP12(data, password); err != nil {
		t.Errorf("the .p12 does not open with the password shown: %v", err)
	}
	// Never over an existing file.
	h.do(func() {
		h.win.Canvas().Overlays().Top().Hide()
		h.u.view.writes.exportP12(cert, path, password, true)
	})
	h.waitDialog("Could Not Export the Certificate")
	if s := h.dialogText(); !strings.Contains(s, "exists already") {
		t.Errorf("exporting over a file does not say it exists:\n%s", s)
	}
	if again, _ := os.ReadFile(path); string(again) != string(data) {
		t.Error("the existing .p12 was changed")
	}

	// Import by dropping it on the window, once the key is gone from here.
	if err := h.vault.RemoveIdentity(context.Background(), identity.SPKIHash(signer.Public())); err != nil {
		t.Fatal(err)
	}
	h.do(func() { h.u.view.onRefresh() })
	h.waitLoaded()
	h.waitFor("the key marked missing", func() bool { return h.u.view.writes.privateKeyText(cert) == "Missing" })
	h.do(func() {
		h.win.Canvas().Overlays().Top().Hide()
		h.u.handleDrop([]fyne.URI{fstorage.NewFileURI(path)})
	})
	top = h.waitDialog("Import the private key of dev.p12")
	h.do(func() { findAll[*dialogEntry](top)[0].SetText("not-the-one") })
	h.tapIn(top, "Import")
	h.waitFor("the wrong password refused", func() bool { return strings.Contains(strings.ToLower(h.topText()), "wrong password") }, h.topText)
	h.do(func() { findAll[*dialogEntry](top)[0].SetText(password) })
	h.tapIn(top, "Import")
	h.waitNotice("Imported the private key of")
	h.waitFor("the key marked here again", func() bool { return h.u.view.writes.privateKeyText(cert) == "Here" })
	if w := h.writesSent(); len(w) != 0 {
		t.Errorf("importing changed something at Apple: %v", w)
	}
}

func TestRevokeNamesTheProfilesThatStopWorking(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 43, Certificates: 4, Profiles: 2, BundleIDs: 3})
	k, tk := h.link("Example Corp", core.KindTeam, sandbox.RoleAdmin)
	cert := h.madeHere(k, tk, identitytest.Key(1), "IOS_DISTRIBUTION")
	c := h.apiClient(tk)
	for _, name := range []string{"Notes Store", "Notes Ad Hoc Free"} {
		if _, _, err := c.Profiles.Create(context.Background(), core.ProfileCreate{Name: name, Type: "IOS_APP_STORE",
			BundleIDID: h.srv.BundleIDs()[0].ID, CertificateIDs: []string{cert.ID}}); err != nil {
			t.Fatal(err)
		}
	}
	h.open()
	h.waitLoaded()
	chooseRows(h, h.u.view.certs, cert.SerialNumber, 1)
	h.srv.ResetStats()
	h.tapIn(h.u.view.certs.item.Content, "Revoke…")
	top := h.waitDialog("stop working")
	want := fmt.Sprintf("Revoke %q? 2 profile(s) include it and stop working: \"Notes Ad Hoc Free\", \"Notes Store\".", cert.Label()) // by name
	if s := h.dialogText(); !strings.Contains(s, want) {
		t.Errorf("the question is not %q:\n%s", want, s)
	}
	if w := h.writesSent(); len(w) != 0 {
		t.Errorf("something was changed before the answer: %v", w)
	}
	h.tapIn(top, "Revoke 1 Certificate")
	h.waitNotice("Revoked 1 certificate. 2 profiles that included them no longer work")
	if n := h.sent("DELETE /v1/certificates/{id}"); n != 1 {
		t.Errorf("%d DELETEs sent, want 1", n)
	}
	if !slices.Contains(h.srv.RevokedCertificateIDs(), cert.ID) {
		t.Error("the sandbox did not revoke the certificate")
	}
	h.waitFor("the list read again without it", func() bool {
		return h.u.view.certs.isFresh() && !slices.ContainsFunc(h.u.view.certs.table.All(), func(c core.Certificate) bool { return c.ID == cert.ID })
	})

	// A refusal: Apple answers 403 (a role too low).
	other := read(h, func() core.Certificate { return h.u.view.certs.table.All()[0] })
	chooseRows(h, h.u.view.certs, other.SerialNumber, 1)
	h.srv.InjectFaults(sandbox.Fault{Kind: sandbox.FaultStatus, Status: http.StatusForbidden, Match: func(r *http.Request) bool { return r.Method == http.MethodDelete }})
	h.tapIn(h.u.view.certs.item.Content, "Revoke…")
	top = h.waitDialog("Revoke ")
	h.tapIn(top, "Revoke 1 Certificate")
	h.waitDialog("Could Not Revoke")
	if slices.Contains(h.srv.RevokedCertificateIDs(), other.ID) {
		t.Error("the refused certificate was revoked")
	}
}

func TestNewProfileEnforcesAppleRulesAsTheUserPicks(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 44, Certificates: 10, Profiles: 4, BundleIDs: 5, Devices: 8})
	h.openAdmin()
	showTab(h, h.u.view.profiles)
	h.tapIn(h.u.view.profiles.item.Content, "New Profile…")
	top := h.waitDialog("Choose the profile type first")
	var p *newProfileForm
	bundle := h.srv.BundleIDs()[2]
	h.do(func() {
		if !findButton(top, "Create Profile…").Disabled() {
			t.Error("Create Profile is enabled on an empty form")
		}
		p = &newProfileForm{}
		// The dialog's form, for its choices.
		sel := findAll[*widget.Select](top)[0]
		sel.SetSelected(labelOf(sel.Options, "(IOS_APP_STORE)"))
		findAll[*dialogEntry](top)[0].SetText("Notes Store")
		findAll[*dialogEntry](top)[1].SetText(bundle.Identifier)
	})
	s := h.dialogText()
	for _, want := range []string{"iOS App Store profiles cannot list devices", "cannot sign iOS App Store profiles"} {
		if !strings.Contains(s, want) {
			t.Errorf("the form does not say %q:\n%s", want, s)
		}
	}
	_ = p
	// Every valid distribution certificate is chosen; development ones are not offered.
	h.do(func() {
		for _, c := range findAll[*widget.Check](top) {
			if strings.Contains(c.Text, "Apple Development") && !c.Disabled() {
				t.Errorf("a development certificate can be chosen for an App Store profile: %q", c.Text)
			}
		}
		list := findAll[*widget.List](top)[0]
		list.Select(0)
	})
	h.do(func() {
		if findButton(top, "Create Profile…").Disabled() {
			t.Errorf("Create Profile stays disabled on a complete form:\n%s", strings.Join(texts(top), "\n"))
		}
	})
	h.srv.ResetStats()
	h.tapIn(top, "Create Profile…")
	ask := h.waitDialog("Create the iOS App Store profile \"Notes Store\" for " + bundle.Identifier)
	if w := h.writesSent(); len(w) != 0 {
		t.Errorf("something was created before the answer: %v", w)
	}
	h.tapIn(ask, "Create Profile")
	got := h.waitNotice("Created the iOS App Store profile \"Notes Store\": UUID ")
	if n := h.sent("POST /v1/profiles"); n != 1 {
		t.Errorf("%d POSTs sent, want 1", n)
	}
	i := slices.IndexFunc(h.srv.Profiles(), func(p sandbox.ProfileInfo) bool { return p.Name == "Notes Store" })
	if i < 0 || !strings.Contains(got, h.srv.Profiles()[i].UUID) {
		t.Fatalf("the result does not show the new profile's UUID: %s", got)
	}
	h.waitFor("the new profile listed", func() bool {
		return h.u.view.profiles.isFresh() && slices.ContainsFunc(h.u.view.profiles.table.All(), func(p core.Profile) bool { return p.Name == "Notes Store" })
	})

	// Apple refuses the create: one error dialog, nothing listed.
	h.tapIn(h.u.view.profiles.item.Content, "New Profile…")
	top = h.waitDialog("Choose the profile type first")
	h.do(func() {
		sel := findAll[*widget.Select](top)[0]
		sel.SetSelected(labelOf(sel.Options, "(IOS_APP_STORE)"))
		findAll[*dialogEntry](top)[0].SetText("Notes Store 2")
		findAll[*dialogEntry](top)[1].SetText(bundle.Identifier)
		findAll[*widget.List](top)[0].Select(0)
	})
	h.tapIn(top, "Create Profile…")
	ask = h.waitDialog("Create the iOS App Store profile \"Notes Store 2\"")
	h.srv.InjectFaults(sandbox.Fault{Kind: sandbox.FaultStatus, Status: http.StatusForbidden,
		Match: func(r *http.Request) bool { return r.Method == http.MethodPost }})
	h.tapIn(ask, "Create Profile")
	h.waitDialog("Could Not Create the Profile")
	if slices.ContainsFunc(h.srv.Profiles(), func(p sandbox.ProfileInfo) bool { return p.Name == "Notes Store 2" }) {
		t.Error("the refused profile was made")
	}
	h.do(func() { h.win.Canvas().Overlays().Top().Hide() })

	// A development profile with every device unchosen is refused before
	// anything is sent; the name taken is refused naming the profile.
	h.tapIn(h.u.view.profiles.item.Content, "New Profile…")
	top = h.waitDialog("Choose the profile type first")
	h.do(func() {
		sel := findAll[*widget.Select](top)[0]
		sel.SetSelected(labelOf(sel.Options, "(IOS_APP_DEVELOPMENT)"))
		findAll[*dialogEntry](top)[0].SetText("Notes Store")
		findAll[*widget.List](top)[0].Select(0)
		for _, c := range findAll[*widget.Check](top) {
			if c.Checked && strings.Contains(c.Text, " · ") && !strings.Contains(c.Text, "expires") {
				c.SetChecked(false) // a device
			}
		}
	})
	if s := h.dialogText(); !strings.Contains(s, "must list at least one device") || !read(h, func() bool { return findButton(top, "Create Profile…").Disabled() }) {
		t.Errorf("no device chosen for a development profile is not refused:\n%s", s)
	}
	h.do(func() {
		for _, c := range findAll[*widget.Check](top) {
			if strings.Contains(c.Text, " · ") && !strings.Contains(c.Text, "expires") && !c.Disabled() {
				c.SetChecked(true)
				break
			}
		}
	})
	h.srv.ResetStats()
	h.tapIn(top, "Create Profile…")
	h.waitFor("the name refused", func() bool { return strings.Contains(h.topText(), "A profile named \"Notes Store\" already exists") }, h.topText)
	if w := h.writesSent(); len(w) != 0 {
		t.Errorf("a refused profile sent %v", w)
	}
}

func TestRegenerateManyShowsProgressAndNewUUIDs(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 45, Certificates: 8, Profiles: 16, Devices: 10})
	h.openAdmin()
	// The ad hoc profiles: the filter shows them all in view.
	n := read(h, func() int {
		h.u.view.profiles.table.SetFilter("Ad Hoc")
		return len(h.u.view.profiles.table.Rows())
	})
	if n < 3 {
		t.Fatalf("the seed has %d ad hoc profiles", n)
	}
	chosen := chooseRows(h, h.u.view.profiles, "Ad Hoc", n)
	h.tapIn(h.u.view.profiles.item.Content, "Regenerate…")
	top := h.waitDialog("Each gets a new UUID")
	if s := h.dialogText(); !strings.Contains(s, fmt.Sprintf("Delete and create again %d profile(s): ", len(chosen))) {
		t.Errorf("the question does not say what happens:\n%s", s)
	}
	h.do(func() {
		if c := findAll[*widget.Check](top); len(c) != 1 || !strings.HasPrefix(c[0].Text, "Add all enabled devices") {
			t.Errorf("Regenerate does not offer to add all enabled devices: %v", c)
		}
	})
	h.srv.ResetStats()
	// The first create fails: the summary says which one and keeps its definition.
	h.srv.InjectFaults(sandbox.Fault{Kind: sandbox.FaultStatus, Status: http.StatusInternalServerError, Times: 1,
		Match: func(r *http.Request) bool { return r.Method == http.MethodPost && r.URL.Path == "/v1/profiles" }})
	h.tapIn(top, "Regenerate "+plural(len(chosen), "Profile", "Profiles"))
	sum := h.waitDialog("Regeneration Finished")
	s := strings.Join(read(h, func() []string { return texts(sum) }), "\n")
	if !strings.Contains(s, fmt.Sprintf("Regenerated %d profiles of %d.", len(chosen)-1, len(chosen))) {
		t.Errorf("the summary does not count what was done:\n%s", s)
	}
	if !strings.Contains(s, "was deleted, but creating it again failed") {
		t.Errorf("the summary does not say which one failed:\n%s", s)
	}
	for _, p := range h.srv.Profiles() {
		if slices.ContainsFunc(chosen, func(c core.Profile) bool { return c.Name == p.Name }) && !strings.Contains(s, p.UUID) {
			t.Errorf("the summary does not show the new UUID %s of %q:\n%s", p.UUID, p.Name, s)
		}
	}
	if n := h.sent("DELETE /v1/profiles/{id}"); n != len(chosen) {
		t.Errorf("%d DELETEs sent, want %d", n, len(chosen))
	}
	pending, err := h.vault.PendingProfiles(read(h, func() string { return h.u.view.key.ID }))
	if err != nil || len(pending) != 1 {
		t.Fatalf("the failed profile's definition is not kept: %v %v", pending, err)
	}

	// Finish Regeneration, offered in the window, makes it again.
	h.do(func() { sum.Hide() })
	h.waitFor("Finish Regeneration offered", func() bool {
		b := findButton(h.u.view.profiles.item.Content, "Finish Regeneration (1)…")
		return b != nil && !b.Disabled()
	}, h.screenText)
	h.tapIn(h.u.view.profiles.item.Content, "Finish Regeneration (1)…")
	top = h.waitDialog(fmt.Sprintf("Create again 1 profile whose regeneration did not finish: %q?", pending[0].Name))
	h.srv.ResetStats()
	h.tapIn(top, "Create Again")
	sum = h.waitDialog("Created again 1 profile of 1.")
	if n := h.sent("POST /v1/profiles"); n != 1 {
		t.Errorf("%d POSTs sent to finish, want 1", n)
	}
	if left, err := h.vault.PendingProfiles(read(h, func() string { return h.u.view.key.ID })); err != nil || len(left) != 0 {
		t.Errorf("definitions still kept after finishing: %v %v", left, err)
	}
	h.do(func() { sum.Hide() })
	h.waitFor("Finish Regeneration gone", func() bool {
		return findButton(h.u.view.profiles.item.Content, "Finish Regeneration (1)…") == nil
	})
}

func TestRegenerateCanBeCancelledAndSaysWhatWasLeft(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 46, Certificates: 8, Profiles: 40, Devices: 6})
	h.openAdmin()
	var rows []core.Profile
	h.do(func() {
		for _, p := range h.u.view.profiles.table.All() {
			if (p.ProfileType == "IOS_APP_STORE" || p.ProfileType == "IOS_APP_DEVELOPMENT") && p.ExpirationDate.After(time.Now()) {
				rows = append(rows, p)
			}
		}
	})
	if len(rows) <= core.DefaultMaxInFlight+1 {
		t.Skipf("the seed has %d profiles to regenerate", len(rows))
	}
	// Hold the first DELETE until Cancel was pressed: the rest are never started.
	release := make(chan struct{})
	h.srv.InjectFaults(sandbox.Fault{Kind: sandbox.FaultStall, Until: release, Match: func(r *http.Request) bool { return r.Method == http.MethodDelete }, Times: 100})
	h.do(func() {
		h.u.view.profiles.table.ClearSelection()
		h.u.view.writes.regenerate(rows, false)
	})
	h.waitFor("the progress bar", func() bool { return strings.Contains(h.topText(), "Regenerating profiles… 0 of") }, h.topText)
	h.waitFor("a DELETE under way", func() bool { return h.srv.Stats().InFlight > 0 })
	h.tapIn(read(h, func() fyne.CanvasObject { return h.win.Canvas().Overlays().Top() }), "Cancel")
	h.waitFor("the cancel shown", func() bool { return strings.Contains(h.topText(), "Stopping after the one under way") }, h.topText)
	close(release)
	sum := h.waitDialog("Regeneration Finished")
	s := strings.Join(read(h, func() []string { return texts(sum) }), "\n")
	if !strings.Contains(s, "cancelled before they were started") {
		t.Errorf("the summary does not say what was left:\n%s", s)
	}
	if strings.Contains(s, fmt.Sprintf("Regenerated %d profiles", len(rows))) {
		t.Errorf("every profile was regenerated despite Cancel:\n%s", s)
	}
}

func TestRegisterDeviceChecksTheUDIDAsTyped(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 47, Devices: 6})
	h.openAdmin()
	showTab(h, h.u.view.devices)
	h.tapIn(h.u.view.devices.item.Content, "Register Device…")
	top := h.waitDialog("device slots")
	entries := read(h, func() []*dialogEntry { return findAll[*dialogEntry](top) })
	h.do(func() { entries[1].SetText("1234") })
	if s := h.dialogText(); !strings.Contains(s, "UDID") || strings.Contains(s, "A valid UDID") {
		t.Errorf("a short UDID is not refused as typed:\n%s", s)
	}
	h.do(func() {
		entries[0].SetText("Jane's iPhone")
		entries[1].SetText("00008030-001a35e11a88003a")
	})
	if s := h.dialogText(); !strings.Contains(s, "A valid UDID: 00008030-001A35E11A88003A") {
		t.Errorf("a good UDID is not confirmed as typed:\n%s", s)
	}
	h.srv.ResetStats()
	h.tapIn(top, "Register Device")
	h.waitNotice(`Registered "Jane's iPhone" (00008030-001A35E11A88003A`)
	if n := h.sent("POST /v1/devices"); n != 1 {
		t.Errorf("%d POSTs sent, want 1", n)
	}
	h.waitFor("the device listed", func() bool {
		return h.u.view.devices.isFresh() && slices.ContainsFunc(h.u.view.devices.table.All(), func(d core.Device) bool { return d.Name == "Jane's iPhone" })
	})

	// The same UDID again: refused naming the device that has it, nothing sent.
	h.tapIn(h.u.view.devices.item.Content, "Register Device…")
	top = h.waitDialog("device slots")
	h.do(func() {
		e := findAll[*dialogEntry](top)
		e[0].SetText("Jane again")
		e[1].SetText("00008030-001A35E11A88003A")
	})
	h.srv.ResetStats()
	h.tapIn(top, "Register Device")
	h.waitFor("the duplicate refused", func() bool { return strings.Contains(h.topText(), `is already registered as "Jane's iPhone"`) }, h.topText)
	if w := h.writesSent(); len(w) != 0 {
		t.Errorf("a duplicate UDID sent %v", w)
	}
}

func TestDisableEnableAndRenameDevices(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 48, Devices: 6})
	h.openAdmin()
	devs := h.srv.Devices()
	var target sandbox.DeviceInfo
	for _, d := range devs {
		if d.Status == "ENABLED" {
			target = d
			break
		}
	}
	chooseRows(h, h.u.view.devices, target.UDID, 1)
	h.tapIn(h.u.view.devices.item.Content, "Disable…")
	top := h.waitDialog("Disable 1 device: \"" + target.Name + "\"?")
	if s := h.dialogText(); !strings.Contains(s, "can no longer be included in new or regenerated profiles") {
		t.Errorf("the question does not say what disabling does:\n%s", s)
	}
	h.srv.ResetStats()
	h.tapIn(top, "Disable 1 Device")
	h.waitNotice("Disabled 1 device")
	if n := h.sent("PATCH /v1/devices/{id}"); n != 1 {
		t.Errorf("%d PATCHes sent, want 1", n)
	}
	h.waitFor("the device shown disabled", func() bool {
		return slices.ContainsFunc(h.u.view.devices.table.All(), func(d core.Device) bool { return d.ID == target.ID && d.Status == "DISABLED" })
	})

	// Enable, refused by Apple: the error says so and the list stays.
	chooseRows(h, h.u.view.devices, target.UDID, 1)
	h.srv.InjectFaults(sandbox.Fault{Kind: sandbox.FaultStatus, Status: http.StatusConflict, Match: func(r *http.Request) bool { return r.Method == http.MethodPatch }})
	h.tapIn(h.u.view.devices.item.Content, "Enable…")
	top = h.waitDialog("Enable 1 device")
	h.tapIn(top, "Enable 1 Device")
	h.waitDialog("Could Not Enable the Devices")
	h.do(func() { h.win.Canvas().Overlays().Top().Hide() })

	// Rename.
	chooseRows(h, h.u.view.devices, target.UDID, 1)
	h.tapIn(h.u.view.devices.item.Content, "Rename…")
	top = h.waitDialog("Rename \"" + target.Name + "\"")
	h.do(func() { findAll[*dialogEntry](top)[0].SetText("Test iPad") })
	h.srv.ResetStats()
	h.tapIn(top, "Rename")
	h.waitNotice(`Renamed "` + target.Name + `" to "Test iPad"`)
	if n := h.sent("PATCH /v1/devices/{id}"); n != 1 {
		t.Errorf("%d PATCHes sent for the rename, want 1", n)
	}
}

// deviceFile is Apple's upload file of n new devices, one registered
// already and one bad line.
func deviceFile(n int, registered sandbox.DeviceInfo) []byte {
	var b strings.Builder
	b.WriteString("Device ID\tDevice Name\tDevice Platform\n")
	for i := range n {
		fmt.Fprintf(&b, "%040x\tTester %d\tios\n", 0xabc000+i, i)
	}
	fmt.Fprintf(&b, "%s\t%s\tios\n", registered.UDID, registered.Name)
	b.WriteString("not-a-udid\tBroken\tios\n")
	return []byte(b.String())
}

func TestImportDeviceListPreviewsThenRegistersWithProgress(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 49, Devices: 4})
	h.openAdmin()
	var known sandbox.DeviceInfo
	for _, d := range h.srv.Devices() {
		if len(d.UDID) != 36 {
			known = d
			break
		}
	}
	path := h.writeFile("devices.txt", deviceFile(3, known))
	h.srv.ResetStats()
	h.do(func() { h.u.view.writes.previewDeviceFile(path) }) // as the file chooser does
	top := h.waitDialog("Register 3 new devices from devices.txt?")
	s := h.dialogText()
	for _, want := range []string{"Will be registered (3)", "Skipped, registered already (1)", "registered already as \"" + known.Name + "\"",
		"Refused, not a device line (1)", "line 6:"} {
		if !strings.Contains(s, want) {
			t.Errorf("the preview does not say %q:\n%s", want, s)
		}
	}
	if w := h.writesSent(); len(w) != 0 {
		t.Errorf("the preview registered something: %v", w)
	}
	h.tapIn(top, "Register 3 Devices")
	sum := h.waitDialog("Device Import Finished")
	if s := strings.Join(read(h, func() []string { return texts(sum) }), "\n"); !strings.Contains(s, "Registered 3 devices of 3.") {
		t.Errorf("the summary is not right:\n%s", s)
	}
	if n := h.sent("POST /v1/devices"); n != 3 {
		t.Errorf("%d POSTs sent, want 3", n)
	}

	// A refusal of one of the three, sent side by side (the sandbox holds
	// them until all three are under way): the summary says which one was
	// not registered.
	var b strings.Builder
	b.WriteString("Device ID\tDevice Name\tDevice Platform\n")
	for i := range 3 {
		fmt.Fprintf(&b, "%040x\tLater %d\tios\n", 0xdef000+i, i)
	}
	path = h.writeFile("more.txt", []byte(b.String()))
	h.do(func() { h.win.Canvas().Overlays().Top().Hide() })
	h.do(func() { h.u.view.writes.previewDeviceFile(path) })
	top = h.waitDialog("Register 3 new devices from more.txt?")
	h.srv.ResetStats()
	var posts atomic.Int32
	h.srv.InjectFaults(sandbox.Fault{Kind: sandbox.FaultStatus, Status: http.StatusForbidden,
		Match: func(r *http.Request) bool { return r.Method == http.MethodPost && posts.Add(1) == 2 }})
	h.srv.HoldUntilInFlight(3, time.Minute)
	defer h.srv.HoldUntilInFlight(0, 0)
	h.tapIn(top, "Register 3 Devices")
	sum = h.waitDialog("Device Import Finished")
	s = strings.Join(read(h, func() []string { return texts(sum) }), "\n")
	if !strings.Contains(s, "Registered 2 devices of 3.") {
		t.Errorf("the summary does not say 2 of 3 were registered:\n%s", s)
	}
	var refused []string
	for i := range 3 {
		name := fmt.Sprintf("Later %d", i)
		if !slices.ContainsFunc(h.srv.Devices(), func(d sandbox.DeviceInfo) bool { return d.Name == name }) {
			refused = append(refused, fmt.Sprintf("%q (line %d)", name, i+2))
		}
	}
	if len(refused) != 1 {
		t.Fatalf("the sandbox has registered all but %v, want all but one", refused)
	}
	if want := "Not registered, because it stopped on an error: " + refused[0] + "."; !strings.Contains(s, want) {
		t.Errorf("the summary does not say %q:\n%s", want, s)
	}
}

func TestNewAndDeleteBundleIDs(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 50, BundleIDs: 6, Profiles: 10, Apps: 2})
	h.openAdmin()
	showTab(h, h.u.view.bundles)
	h.tapIn(h.u.view.bundles.item.Content, "New Bundle ID…")
	top := h.waitDialog("An identifier taken by anyone else")
	h.do(func() { findAll[*dialogEntry](top)[0].SetText("com.example..bad") })
	if s := h.dialogText(); strings.Contains(s, "A valid identifier.") {
		t.Errorf("a bad identifier is accepted as typed:\n%s", s)
	}
	h.do(func() {
		e := findAll[*dialogEntry](top)
		e[0].SetText("com.example.newapp")
		e[1].SetText("New App")
	})
	h.srv.ResetStats()
	h.tapIn(top, "Register Bundle ID")
	h.waitNotice(`Registered the bundle ID com.example.newapp ("New App"`)
	if n := h.sent("POST /v1/bundleIds"); n != 1 {
		t.Errorf("%d POSTs sent, want 1", n)
	}
	h.waitFor("the bundle ID listed", func() bool {
		return h.u.view.bundles.isFresh() && slices.ContainsFunc(h.u.view.bundles.table.All(), func(b core.BundleID) bool { return b.Identifier == "com.example.newapp" })
	})

	// The same identifier again: refused naming the one there, nothing sent.
	h.tapIn(h.u.view.bundles.item.Content, "New Bundle ID…")
	top = h.waitDialog("An identifier taken by anyone else")
	h.do(func() {
		e := findAll[*dialogEntry](top)
		e[0].SetText("com.example.newapp")
		e[1].SetText("Again")
	})
	h.srv.ResetStats()
	h.tapIn(top, "Register Bundle ID")
	h.waitFor("the duplicate refused", func() bool { return strings.Contains(h.topText(), "is already registered as \"New App\"") }, h.topText)
	if w := h.writesSent(); len(w) != 0 {
		t.Errorf("a duplicate bundle ID sent %v", w)
	}
	h.tapIn(top, "Cancel")

	// Delete one with profiles: the question names them.
	var withProfiles, inUse sandbox.BundleIDInfo
	for _, b := range h.srv.BundleIDs() {
		switch {
		case b.AppID != "" && inUse.ID == "":
			inUse = b
		case b.AppID == "" && len(b.ProfileIDs) > 0 && withProfiles.ID == "":
			withProfiles = b
		}
	}
	if withProfiles.ID == "" || inUse.ID == "" {
		t.Fatalf("the seed has no bundle ID with profiles (%v) or none in use (%v)", withProfiles, inUse)
	}
	chooseOne(h, h.u.view.bundles, withProfiles.Identifier, func(b core.BundleID) bool { return b.ID == withProfiles.ID })
	h.srv.ResetStats()
	h.tapIn(h.u.view.bundles.item.Content, "Delete…")
	top = h.waitDialog("Apple deletes its")
	if s := h.dialogText(); !strings.Contains(s, fmt.Sprintf("Delete the bundle ID %s", withProfiles.Identifier)) || !strings.Contains(s, fmt.Sprintf("its %d profile(s) with it", len(withProfiles.ProfileIDs))) {
		t.Errorf("the question does not name the profiles:\n%s", s)
	}
	h.tapIn(top, "Delete Bundle ID")
	h.waitNotice("Deleted the bundle ID " + withProfiles.Identifier)
	if n := h.sent("DELETE /v1/bundleIds/{id}"); n != 1 {
		t.Errorf("%d DELETEs sent, want 1", n)
	}

	// One an app uses: Apple refuses, and says why.
	chooseOne(h, h.u.view.bundles, inUse.Identifier, func(b core.BundleID) bool { return b.ID == inUse.ID })
	h.tapIn(h.u.view.bundles.item.Content, "Delete…")
	top = h.waitDialog("Delete the bundle ID " + inUse.Identifier)
	h.tapIn(top, "Delete Bundle ID")
	h.waitDialog("in use by the App Store")
}

func TestCancellingADeviceImportFinishesTheOneUnderWay(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 51, Devices: 4})
	h.openAdmin()
	var b strings.Builder
	b.WriteString("Device ID\tDevice Name\tDevice Platform\n")
	for i := range 5 {
		fmt.Fprintf(&b, "%040x\tLab %d\tios\n", 0xfed000+i, i)
	}
	path := h.writeFile("lab.txt", []byte(b.String()))
	h.do(func() { h.u.view.writes.previewDeviceFile(path) })
	top := h.waitDialog("Register 5 new devices from lab.txt?")
	release := make(chan struct{})
	h.srv.InjectFaults(sandbox.Fault{Kind: sandbox.FaultStall, Until: release, Times: 100,
		Match: func(r *http.Request) bool { return r.Method == http.MethodPost }})
	h.srv.ResetStats()
	h.tapIn(top, "Register 5 Devices")
	// Devices are registered side by side, as many as the client has in
	// flight: the sandbox holds them until all 4 are under way.
	h.waitFor("4 POSTs under way", func() bool { return h.srv.Stats().InFlight == 4 })
	if s := h.dialogText(); !strings.Contains(s, "Registering devices… 0 of 5") {
		t.Errorf("the progress does not count:\n%s", s)
	}
	h.tapIn(read(h, func() fyne.CanvasObject { return h.win.Canvas().Overlays().Top() }), "Cancel")
	close(release)
	sum := h.waitDialog("Device Import Finished")
	s := strings.Join(read(h, func() []string { return texts(sum) }), "\n")
	for _, want := range []string{"Registered 4 devices of 5.", `Not registered, because the import was cancelled: "Lab 4" (line 6)`} {
		if !strings.Contains(s, want) {
			t.Errorf("the summary does not say %q:\n%s", want, s)
		}
	}
	if n := h.sent("POST /v1/devices"); n != 4 {
		t.Errorf("%d POSTs sent after Cancel, want the 4 under way", n)
	}
	for i := range 4 {
		if !slices.ContainsFunc(h.srv.Devices(), func(d sandbox.DeviceInfo) bool { return d.Name == fmt.Sprintf("Lab %d", i) }) {
			t.Errorf("Lab %d, under way when Cancel was pressed, is not registered", i)
		}
	}
}

func TestDeleteProfilesAsksNamingThem(t *testing.T) {
	h := newHarness(t, sandbox.Config{Seed: 52, Profiles: 10})
	h.openAdmin()
	n := read(h, func() int {
		h.u.view.profiles.table.SetFilter("Ad Hoc")
		return len(h.u.view.profiles.table.Rows())
	})
	if n < 2 {
		t.Fatalf("the seed has %d ad hoc profiles", n)
	}
	chosen := chooseRows(h, h.u.view.profiles, "Ad Hoc", n)
	h.srv.ResetStats()
	h.tapIn(h.u.view.profiles.item.Content, "Delete…")
	top := h.waitDialog("This cannot be undone.")
	s := h.dialogText()
	if !strings.Contains(s, fmt.Sprintf("Delete %d profile(s): ", n)) {
		t.Errorf("the question does not count the profiles:\n%s", s)
	}
	for _, p := range chosen {
		if !strings.Contains(s, fmt.Sprintf("%q (%s, %s)", p.Name, core.ProfileTypeLabel(p.ProfileType), p.UUID)) {
			t.Errorf("the question does not name %q:\n%s", p.Name, s)
		}
	}
	if w := h.writesSent(); len(w) != 0 {
		t.Errorf("something was deleted before the answer: %v", w)
	}
	// Apple refuses the second: the first is gone, the error says so.
	var deletes atomic.Int32
	h.srv.InjectFaults(sandbox.Fault{Kind: sandbox.FaultStatus, Status: http.StatusForbidden,
		Match: func(r *http.Request) bool { return r.Method == http.MethodDelete && deletes.Add(1) == 2 }})
	h.tapIn(top, "Delete "+plural(n, "Profile", "Profiles"))
	msg := h.waitDialog("Could Not Delete the Profiles")
	if s := strings.Join(read(h, func() []string { return texts(msg) }), "\n"); !strings.Contains(s, "1 profile(s) before it were deleted") {
		t.Errorf("the error does not say what was deleted:\n%s", s)
	}
	h.do(func() { msg.Hide() })
	h.waitFor("the list read again without the first", func() bool {
		return h.u.view.profiles.isFresh() && !slices.ContainsFunc(h.u.view.profiles.table.All(), func(p core.Profile) bool { return p.ID == chosen[0].ID })
	})

	// The rest, deleted.
	rest := chooseRows(h, h.u.view.profiles, "Ad Hoc", n-1)
	h.srv.ResetStats()
	h.tapIn(h.u.view.profiles.item.Content, "Delete…")
	top = h.waitDialog("This cannot be undone.")
	h.tapIn(top, "Delete "+plural(len(rest), "Profile", "Profiles"))
	h.waitNotice(fmt.Sprintf("Deleted %s at Apple.", plural(len(rest), "profile", "profiles")))
	if got := h.sent("DELETE /v1/profiles/{id}"); got != len(rest) {
		t.Errorf("%d DELETEs sent, want %d", got, len(rest))
	}
}

package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/internal/window"
	"github.com/asckeys/asckeys/sandbox"
	"github.com/asckeys/asckeys/storage"
)

// The demo account: hundreds of rows of every kind, served with a little
// latency so loading looks as it does against Apple.
var demoConfig = sandbox.Config{
	Seed:         2026,
	Certificates: 160,
	Profiles:     480,
	BundleIDs:    120,
	Devices:      160,
	Apps:         12,
	Latency:      60 * time.Millisecond,
	HourlyLimit:  3600,
}

func newDemoCmd(env *Env) *cobra.Command {
	var show string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Try the whole app on a sandbox App Store Connect, with no Apple account",
		Long: `Opens the window on a sample account served by a local sandbox App Store Connect: every
certificate and profile type, expired and expiring items, hundreds of rows. Every button that changes
something works against the sandbox: create, export, import and revoke certificates (the distribution
types start at Apple's limit, development ones have room), create, regenerate and delete profiles,
register, import, enable, disable and rename devices, create and delete bundle IDs. The demo keys live
in memory and in a throwaway folder: your own keychain and settings are never touched.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if env.OpenWindow == nil {
				return fmt.Errorf("this build has no window")
			}
			switch show {
			case "", window.ShowAdd, window.ShowCertificates, window.ShowProfiles:
			default:
				return usagef("--show takes %s, %s or %s", window.ShowAdd, window.ShowCertificates, window.ShowProfiles)
			}
			d, err := startDemo(cmd, env)
			if err != nil {
				return err
			}
			defer d.close()
			d.win.Show = show
			return env.OpenWindow(d.win)
		},
	}
	// --show opens the window in a given state for the README's screenshots
	// (scripts/screenshots.sh); it is not for people, hence hidden.
	cmd.Flags().StringVar(&show, "show", "", "open the window showing: add, certificates or profiles")
	_ = cmd.Flags().MarkHidden("show")
	return cmd
}

// demoRoom says which certificate types the demo team can still create and
// which are at Apple's limit, as a real team of that size would be: making
// room means revoking one, as with Apple.
func demoRoom(srv *sandbox.Server) string {
	var room, full []string
	for _, t := range core.CreatableCertificateTypes() {
		switch n := srv.CertificateRoom(t, core.KindTeam); {
		case n == 0:
			full = append(full, t)
		case n > 0:
			room = append(room, fmt.Sprintf("%s (%d more)", t, n))
		}
	}
	msg := "Demo certificates: room for " + strings.Join(room, ", ")
	if len(full) > 0 {
		msg += "; at Apple's limit, so revoke one first: " + strings.Join(full, ", ")
	}
	return msg + "."
}

type demo struct {
	srv *sandbox.Server
	dir string
	win window.Options
}

func (d *demo) close() {
	d.srv.Close()
	os.RemoveAll(d.dir)
}

// startDemo starts the sandbox, links a demo key in a throwaway vault and
// leaves a second sandbox key on disk for trying Add New.
func startDemo(cmd *cobra.Command, env *Env) (*demo, error) {
	ctx := cmd.Context()
	dir, err := os.MkdirTemp("", "asckeys-demo-")
	if err != nil {
		return nil, fmt.Errorf("creating the demo's throwaway folder: %w", err)
	}
	d := &demo{dir: dir, srv: sandbox.New(demoConfig)}
	if err := d.srv.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("starting the sandbox: %w", err)
	}
	fail := func(err error) (*demo, error) { d.close(); return nil, err }

	vault, err := storage.Open(storage.Options{Dir: filepath.Join(dir, "config"), Keychain: storage.NewMemKeychain()})
	if err != nil {
		return fail(err)
	}
	main := d.srv.NewKey(core.KindTeam, sandbox.RoleAdmin)
	k, _, err := vault.Add(ctx, storage.NewKey{Name: "Example Corp", KeyID: main.KeyID, IssuerID: main.IssuerID, Kind: core.KindTeam, Data: main.PEM})
	if err != nil {
		return fail(fmt.Errorf("linking the demo key: %w", err))
	}
	_, _ = vault.RecordCheck(ctx, k.ID, time.Now(), nil)

	second := d.srv.NewKey(core.KindTeam, sandbox.RoleDeveloper)
	p8 := filepath.Join(dir, "AuthKey_"+second.KeyID+".p8")
	if err := storage.WriteFilePrivate(p8, second.PEM); err != nil {
		return fail(fmt.Errorf("writing the second demo key: %w", err))
	}
	hint := fmt.Sprintf("Demo: another sandbox key (Developer role) to try Add New with is %s, Issuer ID %s.", p8, second.IssuerID)
	fmt.Fprintf(env.Stdout, "ASC Keys demo: a sandbox App Store Connect runs at %s.\n%s\n"+
		"Every write button works against the sandbox; everything is thrown away when the window closes.\n", d.srv.URL(), hint)
	fmt.Fprintln(env.Stdout, demoRoom(d.srv))

	d.win = window.Options{
		Title:       core.AppName + " (demo)",
		Vault:       vault,
		NewClient:   ClientFactory(d.srv.URL()),
		StateDir:    filepath.Join(dir, "state"),
		DownloadDir: filepath.Join(dir, "downloads"),
		Hint:        hint,
		HintKey: &storage.NewKey{Name: "Example Corp (Developer)", KeyID: second.KeyID, IssuerID: second.IssuerID,
			Kind: core.KindTeam, Data: second.PEM, FileName: p8},
	}
	return d, nil
}

package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/asckeys/asckeys/actions"
	"github.com/asckeys/asckeys/core"
)

// listFlags are the flags every list shares.
type listFlags struct {
	key    string
	asJSON bool
	types  []string
}

func (f *listFlags) add(cmd *cobra.Command, typeHelp string, typeValues []string) {
	keyFlag(cmd, &f.key)
	cmd.Flags().BoolVar(&f.asJSON, "json", false, "print a JSON array with Apple's attribute names")
	if typeHelp != "" {
		cmd.Flags().StringSliceVarP(&f.types, "type", "t", nil, typeHelp)
		_ = cmd.RegisterFlagCompletionFunc("type", cobra.FixedCompletions(typeValues, cobra.ShellCompDirectiveNoFileComp))
	}
}

// upper normalises enum values typed by people ("ios_app_store").
func upper(vals []string) []string {
	out := make([]string, 0, len(vals))
	for _, v := range vals {
		if v = strings.ToUpper(strings.TrimSpace(v)); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// withClient resolves the key and makes its client.
func withClient(ctx context.Context, env *Env, ref string) (*core.Client, error) {
	d, err := provisioningDeps(ctx, env, ref)
	return d.Client, err
}

// provisioningDeps is actionDeps for a command that needs the client: an
// individual key is refused before any request.
func provisioningDeps(ctx context.Context, env *Env, ref string) (actions.Deps, error) {
	d, err := actionDeps(ctx, env, ref)
	if err == nil && d.Client == nil {
		err = fmt.Errorf("%s is an individual key: %w", d.Key.Name, core.ErrIndividualKeyProvisioning)
	}
	return d, err
}

func expires(t core.Time, now time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Local().Format("2006-01-02") + " (" + core.ExpiryOf(t.Time, now).Label + ")"
}

func newCertsCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{Use: "certs", Aliases: []string{"certificates"}, Short: "List, create, download, export, import and revoke signing certificates", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usagef("say what to do with certificates: %s", subcommandNames(cmd))
		}}
	var lf listFlags
	list := &cobra.Command{
		Use:     "list [--key KEY] [--type T] [--json]",
		Short:   "List the signing certificates",
		Example: "  asckeys certs list --type DISTRIBUTION,IOS_DISTRIBUTION",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			d, err := provisioningDeps(ctx, env, lf.key)
			if err != nil {
				return err
			}
			certs, _, err := d.Client.Certificates.List(ctx, &core.CertificateListOptions{Types: upper(lf.types)})
			if err != nil {
				return err
			}
			rows, err := actions.WithPrivateKeys(ctx, d, certs)
			if err != nil {
				// The list is still right; only the KEY column is unknown.
				fmt.Fprintln(env.Stderr, "asckeys: warning: "+oneLine(err.Error()))
			}
			if lf.asJSON {
				return writeJSON(env.Stdout, rows)
			}
			now := time.Now()
			t := newTable(env.Stdout, "NAME", "TYPE", "PLATFORM", "SERIAL", "EXPIRES", "KEY", "ID")
			for _, c := range rows {
				key := "—"
				if c.HasPrivateKey {
					key = "here"
				}
				t.row(dash(c.Certificate.Label()), core.CertificateTypeLabel(c.CertificateType), core.PlatformLabel(c.Platform), c.SerialNumber, expires(c.ExpirationDate, now), key, c.ID)
			}
			return t.flush()
		},
	}
	lf.add(list, "only these certificate types (comma-separated), e.g. DISTRIBUTION", core.CertificateTypes())

	var df listFlags
	var dl downloadFlags
	download := &cobra.Command{
		Use:   "download --out DIR (--all | ID...) [--key KEY] [--type T] [--overwrite]",
		Short: "Download certificates (.cer, DER) into a folder",
		Example: `  asckeys certs download --out ./certs --all --type DISTRIBUTION
  asckeys certs download --out ./certs 8Q3BH4B8PF`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := dl.check(args); err != nil {
				return err
			}
			c, certs, err := listCerts(cmd.Context(), env, df)
			if err != nil {
				return err
			}
			var items []core.DownloadItem
			err = pick(args, dl.all, len(certs), func(i int) []string { return []string{certs[i].ID, certs[i].SerialNumber} },
				func(i int) { items = append(items, core.DownloadItem{Certificate: &certs[i]}) }, "certificate")
			if err != nil {
				return err
			}
			return runDownloads(cmd.Context(), env, c, items, dl)
		},
	}
	df.add(download, "with --all: only these certificate types", core.CertificateTypes())
	dl.add(download)
	cmd.AddCommand(list, download)
	addCertsWriteCmds(cmd, env)
	return cmd
}

func listCerts(ctx context.Context, env *Env, lf listFlags) (*core.Client, []core.Certificate, error) {
	c, err := withClient(ctx, env, lf.key)
	if err != nil {
		return nil, nil, err
	}
	certs, _, err := c.Certificates.List(ctx, &core.CertificateListOptions{Types: upper(lf.types)})
	return c, certs, err
}

func newProfilesCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{Use: "profiles", Short: "List, download, create, delete and regenerate provisioning profiles", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usagef("say what to do with profiles: %s", subcommandNames(cmd))
		}}
	var lf listFlags
	list := &cobra.Command{
		Use:     "list [--key KEY] [--type T] [--json]",
		Short:   "List the provisioning profiles",
		Example: "  asckeys profiles list --type IOS_APP_STORE --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, profiles, err := listProfiles(cmd.Context(), env, lf)
			if err != nil {
				return err
			}
			if lf.asJSON {
				return writeJSON(env.Stdout, profiles)
			}
			now := time.Now()
			t := newTable(env.Stdout, "NAME", "TYPE", "BUNDLE ID", "EXPIRES", "CERTS", "DEVICES", "UUID")
			for _, p := range profiles {
				t.row(p.Name, core.ProfileTypeLabel(p.ProfileType), dash(p.BundleIdentifier), expires(p.ExpirationDate, now),
					strconv.Itoa(p.CertificateCount), strconv.Itoa(p.DeviceCount), p.UUID)
			}
			return t.flush()
		},
	}
	lf.add(list, "only these profile types (comma-separated), e.g. IOS_APP_STORE", core.ProfileTypes())

	var df listFlags
	var dl downloadFlags
	download := &cobra.Command{
		Use:   "download --out DIR (--all | ID-or-UUID...) [--key KEY] [--type T] [--overwrite]",
		Short: "Download provisioning profiles (<UUID>.mobileprovision) into a folder",
		Example: `  # every App Store profile, for a build machine
  asckeys profiles download --all --type IOS_APP_STORE --out ~/Library/Developer/Xcode/UserData/Provisioning\ Profiles`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := dl.check(args); err != nil {
				return err
			}
			c, profiles, err := listProfiles(cmd.Context(), env, df)
			if err != nil {
				return err
			}
			var items []core.DownloadItem
			err = pick(args, dl.all, len(profiles), func(i int) []string { return []string{profiles[i].ID, profiles[i].UUID} },
				func(i int) { items = append(items, core.DownloadItem{Profile: &profiles[i]}) }, "profile")
			if err != nil {
				return err
			}
			return runDownloads(cmd.Context(), env, c, items, dl)
		},
	}
	df.add(download, "with --all: only these profile types", core.ProfileTypes())
	dl.add(download)
	cmd.AddCommand(list, download)
	addProfileWriteCmds(cmd, env)
	cmd.AddCommand(newProfilesLocalCmds(env)...)
	return cmd
}

func listProfiles(ctx context.Context, env *Env, lf listFlags) (*core.Client, []core.Profile, error) {
	c, err := withClient(ctx, env, lf.key)
	if err != nil {
		return nil, nil, err
	}
	profiles, _, err := c.Profiles.List(ctx, &core.ProfileListOptions{Types: upper(lf.types)})
	return c, profiles, err
}

func newBundleIDsCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{Use: "bundle-ids", Short: "List, register and delete bundle IDs", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usagef("say what to do with bundle IDs: %s", subcommandNames(cmd))
		}}
	var lf listFlags
	var platforms []string
	list := &cobra.Command{
		Use:   "list [--key KEY] [--platform P] [--json]",
		Short: "List the bundle IDs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := withClient(cmd.Context(), env, lf.key)
			if err != nil {
				return err
			}
			ids, _, err := c.BundleIDs.List(cmd.Context(), &core.BundleIDListOptions{Platforms: upper(platforms)})
			if err != nil {
				return err
			}
			if lf.asJSON {
				return writeJSON(env.Stdout, ids)
			}
			t := newTable(env.Stdout, "NAME", "IDENTIFIER", "PLATFORM", "SEED ID", "ID")
			for _, b := range ids {
				t.row(b.Name, b.Identifier, core.PlatformLabel(b.Platform), dash(b.SeedID), b.ID)
			}
			return t.flush()
		},
	}
	lf.add(list, "", nil)
	list.Flags().StringSliceVar(&platforms, "platform", nil, "only these platforms: IOS, MAC_OS, UNIVERSAL")
	cmd.AddCommand(list)
	addBundleIDWriteCmds(cmd, env)
	return cmd
}

func newDevicesCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{Use: "devices", Short: "List, register, import, enable, disable and rename devices", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usagef("say what to do with devices: %s", subcommandNames(cmd))
		}}
	var lf listFlags
	var platforms, statuses []string
	list := &cobra.Command{
		Use:   "list [--key KEY] [--platform P] [--status S] [--json]",
		Short: "List the registered devices",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := withClient(cmd.Context(), env, lf.key)
			if err != nil {
				return err
			}
			devices, _, err := c.Devices.List(cmd.Context(), &core.DeviceListOptions{Platforms: upper(platforms), Statuses: upper(statuses)})
			if err != nil {
				return err
			}
			if lf.asJSON {
				return writeJSON(env.Stdout, devices)
			}
			t := newTable(env.Stdout, "NAME", "UDID", "CLASS", "MODEL", "PLATFORM", "STATUS", "ADDED")
			for _, d := range devices {
				added := "—"
				if !d.AddedDate.IsZero() {
					added = d.AddedDate.Local().Format("2006-01-02")
				}
				t.row(d.Name, d.UDID, core.DeviceClassLabel(d.DeviceClass), dash(d.Model), core.PlatformLabel(d.Platform), core.DeviceStatusLabel(d.Status), added)
			}
			return t.flush()
		},
	}
	lf.add(list, "", nil)
	list.Flags().StringSliceVar(&platforms, "platform", nil, "only these platforms: IOS, MAC_OS, UNIVERSAL")
	list.Flags().StringSliceVar(&statuses, "status", nil, "only these statuses: ENABLED, DISABLED")
	cmd.AddCommand(list)
	addDeviceWriteCmds(cmd, env)
	return cmd
}

// downloadFlags are the flags of both download commands.
type downloadFlags struct {
	out       string
	all       bool
	overwrite bool
}

func (d *downloadFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&d.out, "out", "o", "", "the folder to write into (created if missing)")
	cmd.Flags().BoolVar(&d.all, "all", false, "download every listed item (after --type)")
	cmd.Flags().BoolVar(&d.overwrite, "overwrite", false, "replace a different file of the same name (default: write beside it with a (2) suffix)")
	_ = cmd.MarkFlagDirname("out")
}

func (d *downloadFlags) check(args []string) error {
	if d.out == "" {
		return usagef("--out DIR is required: the folder to write into")
	}
	if d.all == (len(args) > 0) {
		return usagef("give either --all or the ids to download, not both and not neither")
	}
	return nil
}

// pick chooses the listed items to download: all of them, or those whose id
// (or serial number or UUID) was named. An unknown name is an error before
// anything is downloaded.
func pick(args []string, all bool, n int, ids func(int) []string, add func(int), what string) error {
	if all {
		for i := 0; i < n; i++ {
			add(i)
		}
		if n == 0 {
			return fmt.Errorf("no %s matches: nothing to download", what)
		}
		return nil
	}
	for _, a := range args {
		found := false
		for i := 0; i < n && !found; i++ {
			for _, id := range ids(i) {
				if id != "" && strings.EqualFold(id, a) {
					add(i)
					found = true
					break
				}
			}
		}
		if !found {
			return fmt.Errorf("no %s with id %q: list them with 'asckeys %ss list'", what, a, map[string]string{"certificate": "cert", "profile": "profile"}[what])
		}
	}
	return nil
}

// runDownloads writes items into the folder, one line per file on stdout as
// soon as it is written (so an interrupted run has said what it finished) and
// one line per failure on stderr. Every item is tried. Items that Ctrl-C cut
// short are not failures: one line says the run was cancelled.
func runDownloads(ctx context.Context, env *Env, c *core.Client, items []core.DownloadItem, dl downloadFlags) error {
	if err := os.MkdirAll(dl.out, 0o755); err != nil {
		return fmt.Errorf("creating the folder %s: %w", dl.out, err)
	}
	failed := 0 // progress runs one call at a time; read after DownloadMany returns
	progress := func(_, _ int, r core.DownloadResult) {
		switch {
		case r.Err == nil:
			fmt.Fprintln(env.Stdout, r.Path)
		case ctx.Err() != nil && errors.Is(r.Err, context.Canceled):
		default:
			failed++
			fmt.Fprintf(env.Stderr, "asckeys: %s: %s\n", r.Item, oneLine(r.Err.Error()))
		}
	}
	_, err := c.DownloadMany(ctx, items, dl.out, core.DownloadOptions{Overwrite: dl.overwrite}, progress)
	if ctx.Err() != nil {
		return errors.New("cancelled: files already written are complete; nothing half-written was left")
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d downloads failed (see above); the others were written", failed, len(items))
	}
	return err
}

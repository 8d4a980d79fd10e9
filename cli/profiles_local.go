package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/provision"
)

// The profiles on this machine: inspect, install, local, local clean. They
// call core/provision, which the window's inspector calls too.

// newProfilesLocalCmds are the profiles subcommands about this machine.
func newProfilesLocalCmds(env *Env) []*cobra.Command {
	return []*cobra.Command{newProfilesInspectCmd(env), newProfilesInstallCmd(env), newProfilesLocalCmd(env)}
}

// profileFolders are the two installed-profile folders under $HOME.
func profileFolders(env *Env) ([]string, error) {
	if home := strings.TrimSpace(env.Getenv("HOME")); home != "" {
		return provision.Folders(home), nil
	}
	return provision.HomeFolders()
}

// appleProfiles lists the profiles at Apple once, for the arguments that are
// not files.
type appleProfiles struct {
	env      *Env
	lf       listFlags
	client   *core.Client
	profiles []core.Profile
}

func (a *appleProfiles) list(ctx context.Context) error {
	if a.client != nil {
		return nil
	}
	c, profiles, err := listProfiles(ctx, a.env, a.lf)
	if err != nil {
		return err
	}
	a.client, a.profiles = c, profiles
	return nil
}

// content fetches the .mobileprovision of the profile whose id or UUID is ref.
func (a *appleProfiles) content(ctx context.Context, ref string) ([]byte, error) {
	if err := a.list(ctx); err != nil {
		return nil, err
	}
	var found *core.Profile
	err := pick([]string{ref}, false, len(a.profiles), func(i int) []string { return []string{a.profiles[i].ID, a.profiles[i].UUID} },
		func(i int) { found = &a.profiles[i] }, "profile")
	if err != nil {
		return nil, fmt.Errorf("%s is not a file; %w", core.SafeText(ref), err)
	}
	data, _, err := a.client.Profiles.Content(ctx, *found)
	return data, err
}

// isFile reports whether ref names something on disk (a file, or a pipe that
// ReadFile will refuse with its own message).
func isFile(ref string) bool {
	_, err := os.Stat(ref)
	return err == nil || !errors.Is(err, fs.ErrNotExist)
}

func newProfilesInspectCmd(env *Env) *cobra.Command {
	var lf listFlags
	cmd := &cobra.Command{
		Use:   "inspect (FILE | ID | UUID) [--key KEY] [--json]",
		Short: "Show what a provisioning profile holds: devices, certificates (and whether this machine has their keys), entitlements",
		Long: `Decodes a .mobileprovision: a file, an installed profile's UUID, or a profile at App Store Connect (its id or UUID).
signatureValid says the CMS signature verifies against the certificate the profile carries; signerClaimsApple says
that certificate names Apple as its issuer. The chain to Apple's root is not checked.`,
		Example: "  asckeys profiles inspect ~/Downloads/App_Store.mobileprovision\n  asckeys profiles inspect 55b8fdb4-b7d2-402d-b48b-2523f7b9c384 --json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			p, err := findProfile(ctx, env, args[0], lf)
			if err != nil {
				return err
			}
			markPrivateKeys(ctx, env, p)
			if lf.asJSON {
				return writeJSON(env.Stdout, p)
			}
			return printProfile(env, p)
		},
	}
	keyFlag(cmd, &lf.key)
	cmd.Flags().BoolVar(&lf.asJSON, "json", false, "print one JSON object")
	return cmd
}

// findProfile decodes ref: a file, else an installed profile of that UUID,
// else a profile at App Store Connect.
func findProfile(ctx context.Context, env *Env, ref string, lf listFlags) (*provision.Profile, error) {
	now := time.Now()
	if isFile(ref) {
		data, err := provision.ReadFile(ref)
		if err != nil {
			return nil, err
		}
		p, err := provision.Decode(data, now)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", ref, err)
		}
		return p, nil
	}
	if provision.IsUUID(ref) {
		if folders, err := profileFolders(env); err == nil {
			installed, _, _ := provision.Scan(folders, now)
			for _, in := range installed {
				if strings.EqualFold(in.UUID, ref) {
					return in.Profile, nil
				}
			}
		}
	}
	a := &appleProfiles{env: env, lf: lf}
	data, err := a.content(ctx, ref)
	if err != nil {
		return nil, err
	}
	return provision.Decode(data, now)
}

// markPrivateKeys asks the vault which embedded certificates' keys this
// machine holds, by the signing identities' public-key match. When the
// keychain cannot be read the answer stays false and one line says why.
func markPrivateKeys(ctx context.Context, env *Env, p *provision.Profile) {
	spkis := p.SPKIs()
	if len(spkis) == 0 {
		return
	}
	s, err := openSession(env)
	if err == nil {
		var has map[string]bool
		has, err = s.vault.HasIdentity(ctx, spkis)
		p.MarkPrivateKeys(has)
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "asckeys: could not look for the certificates' private keys, so hasPrivateKey is false: %s\n", oneLine(err.Error()))
	}
}

func printProfile(env *Env, p *provision.Profile) error {
	date := func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.Local().Format("2006-01-02 15:04")
	}
	w := env.Stdout
	t := newTable(w, "FIELD", "VALUE")
	t.row("Name", dash(p.Name))
	t.row("UUID", p.UUID)
	t.row("Kind", p.Kind)
	t.row("Team", dash(p.TeamName)+" ("+dash(p.TeamIdentifier)+")")
	t.row("App ID", dash(p.AppIDName)+" ("+dash(p.BundleIdentifier)+")")
	t.row("Platform", dash(p.Platform))
	t.row("Created", date(p.CreationDate))
	expires := date(p.ExpirationDate)
	if p.Expired {
		expires += " (expired)"
	}
	t.row("Expires", expires)
	devices := strconv.Itoa(len(p.Devices))
	if p.ProvisionsAllDevices {
		devices = "all devices"
	}
	t.row("Devices", devices)
	t.row("Signature", signatureLabel(p))
	if err := t.flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nCertificates:")
	// Not "PRIVATE KEY": output with that phrase reads as a leaked PEM block.
	ct := newTable(w, "  NAME", "SERIAL", "SHA-1", "EXPIRES", "ITS KEY ON THIS MACHINE")
	for _, c := range p.Certificates {
		key := "no"
		if c.HasPrivateKey {
			key = "yes"
		}
		ct.row("  "+dash(c.CommonName), dash(c.SerialNumber), c.SHA1, date(c.ExpirationDate), key)
	}
	if err := ct.flush(); err != nil {
		return err
	}
	if len(p.Devices) > 0 {
		fmt.Fprintln(w, "\nDevices:")
		for _, d := range p.Devices {
			fmt.Fprintln(w, "  "+d)
		}
	}
	fmt.Fprintln(w, "\nEntitlements:")
	return writeJSON(w, p.Entitlements)
}

func signatureLabel(p *provision.Profile) string {
	switch {
	case !p.SignatureValid:
		return "does NOT verify: the profile was altered after it was signed"
	case p.SignerClaimsApple:
		return "verifies; the signer names Apple as its issuer (the chain to Apple's root is not checked)"
	}
	return "verifies, but the signer does not name Apple as its issuer: not a profile from Apple"
}

// installed is what install prints for each profile in --json.
type installed struct {
	UUID    string   `json:"uuid"`
	Name    string   `json:"name"`
	Paths   []string `json:"paths"`
	Removed []string `json:"removed"`
}

func newProfilesInstallCmd(env *Env) *cobra.Command {
	var lf listFlags
	var all, keepOld bool
	cmd := &cobra.Command{
		Use:   "install (ID... | UUID... | FILE... | --all [--type T]) [--key KEY] [--keep-old] [--json]",
		Short: "Install provisioning profiles into both Xcode folders, removing the ones they supersede",
		Long: `Writes <UUID>.mobileprovision, byte for byte, into both
  ~/Library/Developer/Xcode/UserData/Provisioning Profiles (Xcode 16 and later)
  ~/Library/MobileDevice/Provisioning Profiles (older Xcode and other tools)
and removes the installed profiles each supersedes (same name and team, created earlier) unless --keep-old.
--all installs every active profile at App Store Connect (after --type).`,
		Example: "  asckeys profiles install ~/Downloads/App_Store.mobileprovision\n  asckeys profiles install --all --type IOS_APP_STORE",
		RunE: func(cmd *cobra.Command, args []string) error {
			if all == (len(args) > 0) {
				return usagef("give either --all or the profiles to install (files, ids or UUIDs), not both and not neither")
			}
			folders, err := profileFolders(env)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			a := &appleProfiles{env: env, lf: lf}
			if all {
				if err := a.list(ctx); err != nil {
					return err
				}
				now := time.Now()
				for _, p := range a.profiles {
					// Apple's profileState lags the date: both must say active.
					if p.ProfileState == "ACTIVE" && p.Expiry(now).State != core.ExpiryExpired {
						args = append(args, p.ID)
					}
				}
				if len(args) == 0 {
					return errors.New("no active profile matches: nothing to install")
				}
			}
			var out []installed
			for _, ref := range args {
				data, err := profileData(ctx, a, ref)
				if err != nil {
					return err
				}
				res, err := provision.Install(folders, data, keepOld, time.Now())
				if err != nil {
					return fmt.Errorf("%s: %w", core.SafeText(ref), err)
				}
				one := installed{UUID: res.Profile.UUID, Name: res.Profile.Name, Paths: res.Paths, Removed: []string{}}
				for _, r := range res.Removed {
					one.Removed = append(one.Removed, r.UUID)
				}
				out = append(out, one)
				if res.Profile.Expired {
					fmt.Fprintf(env.Stderr, "asckeys: warning: %s (%s) expired on %s: Xcode will not sign with it; regenerate it at App Store Connect\n",
						res.Profile.Name, res.Profile.UUID, res.Profile.ExpirationDate.Local().Format("2006-01-02"))
				}
				if !lf.asJSON {
					for _, p := range res.Paths {
						fmt.Fprintln(env.Stdout, p)
					}
					for _, r := range res.Removed {
						fmt.Fprintf(env.Stdout, "removed %s (%s): superseded by %s\n", r.Name, r.UUID, res.Profile.UUID)
					}
				}
			}
			if lf.asJSON {
				return writeJSON(env.Stdout, out)
			}
			return nil
		},
	}
	lf.add(cmd, "with --all: only these profile types", core.ProfileTypes())
	cmd.Flags().Lookup("json").Usage = "print a JSON array: uuid, name, paths written, UUIDs removed"
	cmd.Flags().BoolVar(&all, "all", false, "install every active profile at App Store Connect (after --type)")
	cmd.Flags().BoolVar(&keepOld, "keep-old", false, "keep the installed profiles the new ones supersede")
	return cmd
}

// profileData is the content of a profile to install: a file, else a profile
// at App Store Connect by id or UUID.
func profileData(ctx context.Context, a *appleProfiles, ref string) ([]byte, error) {
	if isFile(ref) {
		return provision.ReadFile(ref)
	}
	return a.content(ctx, ref)
}

func newProfilesLocalCmd(env *Env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "local [--json]",
		Short: "List the provisioning profiles installed on this machine, with their state",
		Long: `Lists every .mobileprovision in the two Xcode folders once per UUID, with its state: valid, expired, or
superseded (a newer profile of the same name and team is installed). Files that cannot be read are named on stderr.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			list, err := scanLocal(env)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(env.Stdout, list)
			}
			if len(list) == 0 {
				fmt.Fprintln(env.Stdout, "No provisioning profile is installed.")
				return nil
			}
			t := newTable(env.Stdout, "NAME", "KIND", "BUNDLE ID", "EXPIRES", "STATE", "FOLDERS", "UUID")
			for _, in := range list {
				exp := "—"
				if !in.ExpirationDate.IsZero() {
					exp = in.ExpirationDate.Local().Format("2006-01-02")
				}
				t.row(dash(in.Name), in.Kind, dash(in.BundleIdentifier), exp, in.State, folderLabel(env, in.Folders), in.UUID)
			}
			return t.flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	cmd.AddCommand(newProfilesLocalCleanCmd(env))
	return cmd
}

// scanLocal lists the installed profiles, naming each skipped file on stderr.
func scanLocal(env *Env) ([]provision.Installed, error) {
	folders, err := profileFolders(env)
	if err != nil {
		return nil, err
	}
	list, problems, err := provision.Scan(folders, time.Now())
	for _, p := range problems {
		fmt.Fprintf(env.Stderr, "asckeys: skipped: %s\n", oneLine(core.SafeText(p.Error())))
	}
	if list == nil {
		list = []provision.Installed{}
	}
	return list, err
}

// folderLabel names the folders a profile is in, briefly.
func folderLabel(env *Env, in []string) string {
	folders, _ := profileFolders(env)
	return strings.Join(provision.FolderNames(folders, in), ", ")
}

func newProfilesLocalCleanCmd(env *Env) *cobra.Command {
	var expired, superseded, dryRun, yes bool
	cmd := &cobra.Command{
		Use:     "clean (--expired | --superseded) [--dry-run] [--yes]",
		Short:   "Remove expired or superseded installed profiles from both folders",
		Example: "  asckeys profiles local clean --expired --superseded --dry-run",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !expired && !superseded {
				return usagef("say what to remove: --expired, --superseded or both")
			}
			list, err := scanLocal(env)
			if err != nil {
				return err
			}
			doomed := provision.Select(list, expired, superseded)
			if len(doomed) == 0 {
				fmt.Fprintln(env.Stdout, "Nothing to remove.")
				return nil
			}
			if dryRun {
				for _, in := range doomed {
					for _, p := range in.Paths {
						fmt.Fprintf(env.Stdout, "would remove %s (%s, %s)\n", p, in.Name, in.State)
					}
				}
				return nil
			}
			if err := confirm(env, yes, fmt.Sprintf("Remove %d installed profiles from both folders?", len(doomed)),
				fmt.Sprintf("would remove %d installed profiles (see them with --dry-run)", len(doomed))); err != nil {
				return err
			}
			var errs []error
			for _, in := range doomed {
				if err := provision.Remove(in); err != nil {
					errs = append(errs, err)
					continue
				}
				for _, p := range in.Paths {
					fmt.Fprintf(env.Stdout, "removed %s (%s, %s)\n", p, in.Name, in.State)
				}
			}
			if len(errs) > 0 {
				return fmt.Errorf("%d of %d profiles could not be removed: %w", len(errs), len(doomed), errs[0])
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&expired, "expired", false, "remove the expired profiles")
	cmd.Flags().BoolVar(&superseded, "superseded", false, "remove the profiles a newer one of the same name and team replaces")
	cmd.Flags().BoolVarP(&dryRun, "dry-run", "n", false, "print what would be removed and change nothing")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/asckeys/asckeys/actions"
	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/storage"
)

// provisioning is what a write command needs: the key's lists (the
// window's cache when fresh, else Apple), its vault and the key.
type provisioning struct {
	lists *actions.Lists
	vault *storage.Vault
	key   storage.Key
}

// openProvisioning resolves the key, refuses an individual key and makes
// its client and lists.
func openProvisioning(ctx context.Context, env *Env, ref string) (*provisioning, error) {
	s, k, err := openKey(ctx, env, ref)
	if err != nil {
		return nil, err
	}
	if err := core.CheckProvisioningKey(k.Kind); err != nil {
		return nil, fmt.Errorf("%s is an individual key: %w", k.Name, err)
	}
	c, err := s.client(ctx, k)
	if err != nil {
		return nil, err
	}
	// The window's cache (gui.Options.stateDir): what it listed a moment
	// ago costs the command line no request.
	cache := storage.NewListCache(s.stateDir)
	return &provisioning{lists: &actions.Lists{Client: c, Cache: cache, VaultID: k.ID}, vault: s.vault, key: k}, nil
}

// profileJSON is a created profile as --json prints it.
type profileJSON struct {
	ID          string `json:"id"`
	UUID        string `json:"uuid"`
	Name        string `json:"name"`
	ProfileType string `json:"profileType"`
}

func addProfileWriteCmds(cmd *cobra.Command, env *Env) {
	cmd.AddCommand(newProfilesCreateCmd(env), newProfilesDeleteCmd(env), newProfilesRegenerateCmd(env))
}

func newProfilesCreateCmd(env *Env) *cobra.Command {
	var key, out string
	var yes, asJSON bool
	var np actions.NewProfile
	create := &cobra.Command{
		Use:   "create --name N --type T --bundle-id BID [--cert ID...] [--device ID...] [--all-devices] [--out DIR] [--yes] [--json]",
		Short: "Create a provisioning profile",
		Long: `Create a provisioning profile. BID is a bundle identifier (com.example.app) or its id.
Without --cert, every valid certificate whose type fits the profile type is included; development
and ad hoc profiles without --device include every enabled device of their platform (--all-devices
says so explicitly). Everything Apple would refuse is checked before anything is sent.`,
		Example: `  asckeys profiles create --name "Notes App Store" --type IOS_APP_STORE --bundle-id com.example.notes --yes
  asckeys profiles create --name "Notes Dev" --type IOS_APP_DEVELOPMENT --bundle-id com.example.notes --out . --yes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if np.Name == "" || np.Type == "" || np.BundleID == "" {
				return usagef("--name, --type and --bundle-id are required")
			}
			ctx := cmd.Context()
			p, err := openProvisioning(ctx, env, key)
			if err != nil {
				return err
			}
			plan, err := actions.PlanProfile(ctx, p.lists, np)
			if err != nil {
				return err
			}
			if err := confirm(env, yes, "Create the "+plan.String()+"?", "would create the "+plan.String()); err != nil {
				return err
			}
			created, err := actions.CreateProfile(ctx, p.lists, plan)
			if err != nil {
				return err
			}
			var path string
			if out != "" {
				if path, err = created.Save(out, core.DownloadOptions{}); err != nil {
					return fmt.Errorf("the profile %q was created (id %s, UUID %s), but writing it into %s failed: %w; download it with 'asckeys profiles download --out DIR %s'",
						created.Name, created.ID, created.UUID, out, err, created.ID)
				}
			}
			if asJSON {
				return writeJSON(env.Stdout, profileJSON{created.ID, created.UUID, created.Name, created.ProfileType})
			}
			fmt.Fprintf(env.Stdout, "created %s profile %q: id %s, UUID %s\n", core.ProfileTypeLabel(created.ProfileType), created.Name, created.ID, created.UUID)
			if path != "" {
				fmt.Fprintln(env.Stdout, path)
			}
			return nil
		},
	}
	keyFlag(create, &key)
	f := create.Flags()
	f.StringVar(&np.Name, "name", "", "the profile's name (unique on the team)")
	f.StringVarP(&np.Type, "type", "t", "", "the profile type, e.g. IOS_APP_STORE or IOS_APP_DEVELOPMENT")
	f.StringVar(&np.BundleID, "bundle-id", "", "the bundle identifier (com.example.app) or its id")
	f.StringSliceVar(&np.CertificateIDs, "cert", nil, "a certificate to include (id or serial; repeat or separate by commas); default: every valid one that fits")
	f.StringSliceVar(&np.DeviceIDs, "device", nil, "a device to include (id; repeat or separate by commas); development and ad hoc only")
	f.BoolVar(&np.AllDevices, "all-devices", false, "include every enabled device of the profile's platform")
	f.StringVarP(&out, "out", "o", "", "also write <UUID>.mobileprovision into this folder")
	f.BoolVarP(&yes, "yes", "y", false, "create without asking")
	f.BoolVar(&asJSON, "json", false, "print {id, uuid, name, profileType}")
	_ = create.RegisterFlagCompletionFunc("type", cobra.FixedCompletions(core.ProfileTypes(), cobra.ShellCompDirectiveNoFileComp))
	_ = create.MarkFlagDirname("out")
	return create
}

func newProfilesDeleteCmd(env *Env) *cobra.Command {
	var key string
	var yes bool
	del := &cobra.Command{
		Use:   "delete ID... [--yes]",
		Short: "Delete provisioning profiles (ids or UUIDs) at Apple",
		Long: `Delete provisioning profiles at Apple, one request each. Copies already installed keep working until
they expire; to change a profile, regenerate it instead.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			p, err := openProvisioning(ctx, env, key)
			if err != nil {
				return err
			}
			profiles, err := actions.FindProfiles(ctx, p.lists, args)
			if err != nil {
				return err
			}
			what := fmt.Sprintf("%d profile(s): %s", len(profiles), actions.DescribeProfiles(profiles))
			if err := confirm(env, yes, actions.DeleteQuestion(profiles), "would delete "+what); err != nil {
				return err
			}
			done, err := actions.DeleteProfiles(ctx, p.lists, profiles)
			for _, id := range done {
				fmt.Fprintln(env.Stdout, "deleted", id)
			}
			return err
		},
	}
	keyFlag(del, &key)
	del.Flags().BoolVarP(&yes, "yes", "y", false, "delete without asking")
	return del
}

func newProfilesRegenerateCmd(env *Env) *cobra.Command {
	var key string
	var yes, asJSON, allDevices, resume bool
	regen := &cobra.Command{
		Use:   "regenerate (ID... | --resume) [--all-devices] [--yes] [--json]",
		Short: "Delete provisioning profiles and create them again (new UUIDs)",
		Long: `Delete each profile and create it again with the same name, type, bundle ID, certificates and devices:
expired or revoked certificates are replaced by every valid certificate of a fitting type, disabled
devices are left out, and --all-devices adds every enabled device of the platform. Each definition
is kept on this machine from before the delete until the new profile exists: when a create fails
after its delete, 'asckeys profiles regenerate --resume' finishes it.`,
		Example: `  asckeys profiles regenerate 9KZ7N2QX4B --all-devices --yes
  asckeys profiles regenerate --resume --yes`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if resume == (len(args) > 0) {
				return usagef("give the profiles to regenerate (ids or UUIDs), or --resume, not both and not neither")
			}
			ctx := cmd.Context()
			p, err := openProvisioning(ctx, env, key)
			if err != nil {
				return err
			}
			r := &actions.Regenerator{Lists: p.lists, Pending: p.vault, KeyID: p.key.ID, AllDevices: allDevices}
			var done []actions.Regenerated
			if resume {
				pending, err := p.vault.PendingProfiles(p.key.ID)
				if err != nil {
					return err
				}
				if len(pending) == 0 {
					return errors.New("no regeneration is waiting to be finished for this key: nothing to resume")
				}
				names := make([]string, len(pending))
				for i, d := range pending {
					names[i] = fmt.Sprintf("%q", d.Name)
				}
				what := fmt.Sprintf("%d profile(s) whose regeneration did not finish: %s", len(pending), strings.Join(names, ", "))
				if err := confirm(env, yes, "Create again "+what+"?", "would create again "+what); err != nil {
					return err
				}
				done, err = r.Resume(ctx)
				return printRegenerated(env, asJSON, done, err)
			}
			profiles, err := actions.FindProfiles(ctx, p.lists, args)
			if err != nil {
				return err
			}
			plan, err := r.Plan(ctx, profiles)
			if err != nil {
				return err
			}
			what := fmt.Sprintf("%d profile(s): %s", len(profiles), actions.DescribeProfiles(profiles))
			if err := confirm(env, yes, actions.RegenerateQuestion(profiles), "would delete and create again "+what); err != nil {
				return err
			}
			done, err = r.Run(ctx, plan)
			return printRegenerated(env, asJSON, done, err)
		},
	}
	keyFlag(regen, &key)
	f := regen.Flags()
	f.BoolVar(&allDevices, "all-devices", false, "add every enabled device of the platform (development and ad hoc)")
	f.BoolVar(&resume, "resume", false, "finish regenerations whose create failed after the delete")
	f.BoolVarP(&yes, "yes", "y", false, "regenerate without asking")
	f.BoolVar(&asJSON, "json", false, "print [{name, oldUuid, newUuid, id}]")
	return regen
}

// printRegenerated prints what was made, even when some failed: those are
// in err, one line each folded into the error line.
func printRegenerated(env *Env, asJSON bool, done []actions.Regenerated, err error) error {
	if done == nil {
		done = []actions.Regenerated{}
	}
	if asJSON {
		if werr := writeJSON(env.Stdout, done); werr != nil {
			return werr
		}
	} else {
		for _, g := range done {
			fmt.Fprintf(env.Stdout, "regenerated %q: UUID %s -> %s (id %s)\n", g.Name, g.OldUUID, g.NewUUID, g.ID)
		}
	}
	if err != nil {
		return fmt.Errorf("%s", strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	return nil
}

package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/asckeys/asckeys/actions"
	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/provision"
)

// doctor: readiness per bundle ID x kind, and its repair. The check and the
// fix are actions' (readiness.go, readiness_fix.go), which the window's
// Readiness view calls too.

func newDoctorCmd(env *Env) *cobra.Command {
	var key string
	var f actions.ReadinessFilter
	var fix, install, yes, asJSON bool
	cmd := &cobra.Command{
		Use:   "doctor [--bundle-id BID...] [--kind K...] [--fix] [--install] [--key KEY] [--yes] [--json]",
		Short: "Check that each bundle ID can be signed and shipped from this machine, and fix what is missing",
		Long: `For each bundle ID x kind (development, adhoc, appstore, inhouse, developerid, as the account has
them) doctor checks: a usable certificate (valid, its private key here); a profile of that kind that is
not expired, not INVALID, includes such a certificate and (development, ad hoc) every enabled device of
its platform; and that profile installed in both Xcode folders at its newest UUID. The check needs only
the four lists (the window's cache when fresh), no request per bundle ID.

Kinds: development for every bundle ID; adhoc for iOS and universal ones; appstore on team accounts;
inhouse on enterprise accounts only; developerid for Mac and universal bundle IDs when the team has a
Developer ID Application certificate.

--fix creates the certificates and creates or regenerates the profiles that are missing, after one
confirmation listing it all; --install installs the profiles into both Xcode folders. Exit status 0
when every checked cell is ready (after the fix, when asked), 1 otherwise.`,
		Example: `  asckeys doctor
  asckeys doctor --bundle-id com.example.notes --kind appstore --json
  asckeys doctor --fix --install --yes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := actions.CheckKinds(f.Kinds); err != nil {
				return usageError{err}
			}
			ctx := cmd.Context()
			folders, err := profileFolders(env)
			if err != nil {
				return err
			}
			p, err := openProvisioning(ctx, env, key)
			if err != nil {
				return err
			}
			d := actions.Deps{Vault: p.vault, Key: p.key, Client: p.lists.Client}
			cells, usable, err := doctorCheck(ctx, env, d, p.lists, folders, f)
			if err != nil {
				return err
			}
			if !fix && !install {
				return doctorReport(env, cells, asJSON)
			}
			var todo []actions.Cell
			for _, c := range cells {
				if !c.Ready {
					todo = append(todo, c)
				}
			}
			plan := actions.PlanFix(todo, usable, install)
			if !fix {
				plan.CertificateTypes, plan.Create, plan.Regenerate = nil, nil, nil
			}
			info := env.Stdout
			if asJSON {
				info = env.Stderr // stdout holds the one JSON document
			} else {
				printCells(info, cells)
			}
			if plan.Empty() {
				if len(plan.Manual) > 0 {
					printLines(info, "Only a person can do what remains:", plan.Manual)
				}
				return doctorReport(env, cells, asJSON)
			}
			printLines(info, "The fix:", plan.Lines())
			if plan.ChangesApple() {
				if err := confirm(env, yes, "Do all of the above at Apple with "+p.key.Name+"?", "would "+plan.Summary()); err != nil {
					return err
				}
			}
			fixer := &actions.Fixer{Deps: d, Lists: p.lists, Pending: p.vault}
			if install {
				fixer.Folders = folders
			}
			res, fixErr := fixer.Run(ctx, plan)
			printFixResult(info, res)
			// Checked again against Apple's lists, not the cache.
			fresh := &actions.Lists{Client: p.lists.Client}
			after, _, err := doctorCheck(ctx, env, d, fresh, folders, f)
			if err != nil {
				return errors.Join(fixErr, err)
			}
			if !asJSON {
				fmt.Fprintln(info, "\nAfter the fix:")
			}
			if err := doctorReport(env, after, asJSON); err != nil {
				if fixErr != nil {
					return fmt.Errorf("%w; %s", err, strings.ReplaceAll(fixErr.Error(), "\n", "; "))
				}
				return err
			}
			if fixErr != nil {
				return fmt.Errorf("%s", strings.ReplaceAll(fixErr.Error(), "\n", "; "))
			}
			return nil
		},
	}
	keyFlag(cmd, &key)
	fl := cmd.Flags()
	fl.StringSliceVar(&f.BundleIDs, "bundle-id", nil, "check only this bundle ID (identifier or id; repeat or separate by commas)")
	fl.StringSliceVar(&f.Kinds, "kind", nil, "check only this kind: "+strings.Join(actions.Kinds, ", ")+" (repeat or separate by commas)")
	fl.BoolVar(&fix, "fix", false, "create the certificates and create or regenerate the profiles that are missing (asks first)")
	fl.BoolVar(&install, "install", false, "install the cells' profiles into both Xcode folders")
	fl.BoolVarP(&yes, "yes", "y", false, "fix without asking")
	fl.BoolVar(&asJSON, "json", false, "print [{bundleIdentifier, kind, ready, problems:[{code, message}], fix:[...]}]")
	_ = cmd.RegisterFlagCompletionFunc("kind", cobra.FixedCompletions(actions.Kinds, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// doctorCheck gathers and checks; a bundle ID asked for that is not
// registered is an error. The keychain warning goes to stderr.
func doctorCheck(ctx context.Context, env *Env, d actions.Deps, l *actions.Lists, folders []string, f actions.ReadinessFilter) ([]actions.Cell, []actions.ListedCertificate, error) {
	in, warning, err := actions.GatherReadiness(ctx, d, l, folders)
	if err != nil {
		return nil, nil, err
	}
	if warning != nil {
		fmt.Fprintln(env.Stderr, "asckeys: warning: "+oneLine(warning.Error()))
	}
	for _, ref := range f.BundleIDs {
		if !slices.ContainsFunc(in.BundleIDs, func(b core.BundleID) bool { return b.Identifier == ref || b.ID == ref }) {
			return nil, nil, fmt.Errorf("no bundle ID %q is registered: list them with 'asckeys bundle-ids list'", core.SafeText(ref))
		}
	}
	var usable []actions.ListedCertificate
	for _, c := range in.Certificates {
		if c.HasPrivateKey && c.ExpirationDate.After(in.Now) {
			usable = append(usable, c)
		}
	}
	return actions.CheckReadiness(in, f), usable, nil
}

// doctorReport prints the cells and returns the exit status as an error
// when some cell is not ready.
func doctorReport(env *Env, cells []actions.Cell, asJSON bool) error {
	if asJSON {
		if cells == nil {
			cells = []actions.Cell{}
		}
		if err := writeJSON(env.Stdout, cells); err != nil {
			return err
		}
	} else {
		printCells(env.Stdout, cells)
	}
	bad := 0
	for _, c := range cells {
		if !c.Ready {
			bad++
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d bundle ID x kind cells are not ready: 'asckeys doctor --fix --install' repairs what can be repaired here", bad, len(cells))
	}
	return nil
}

func printCells(out io.Writer, cells []actions.Cell) {
	if len(cells) == 0 {
		fmt.Fprintln(out, "No bundle ID x kind to check.")
		return
	}
	t := newTable(out, "BUNDLE ID", "KIND", "READY", "PROBLEMS")
	for _, c := range cells {
		ready, codes := "yes", "—"
		if !c.Ready {
			ready = "no"
			cs := make([]string, len(c.Problems))
			for i, p := range c.Problems {
				cs[i] = p.Code
			}
			codes = strings.Join(cs, ", ")
		}
		t.row(c.BundleIdentifier, c.Kind, ready, codes)
	}
	_ = t.flush()
	for _, c := range cells {
		if c.Ready {
			continue
		}
		fmt.Fprintf(out, "\n%s, %s:\n", c.BundleIdentifier, provision.KindLabel(c.Kind))
		for _, p := range c.Problems {
			fmt.Fprintf(out, "  %s: %s\n", p.Code, p.Message)
		}
		for _, s := range c.Fix {
			fmt.Fprintf(out, "  fix: %s\n", s)
		}
	}
}

func printLines(out io.Writer, title string, lines []string) {
	fmt.Fprintln(out, "\n"+title)
	for _, l := range lines {
		fmt.Fprintln(out, "  - "+l)
	}
}

func printFixResult(out io.Writer, res actions.FixResult) {
	for _, c := range res.Certificates {
		fmt.Fprintf(out, "created the %s certificate %q: id %s (its private key is in this machine's keychain)\n", core.CertificateTypeLabel(c.CertificateType), c.Name, c.ID)
	}
	for _, p := range res.Created {
		fmt.Fprintf(out, "created %s profile %q: id %s, UUID %s\n", core.ProfileTypeLabel(p.ProfileType), p.Name, p.ID, p.UUID)
	}
	for _, g := range res.Regenerated {
		fmt.Fprintf(out, "regenerated %q: UUID %s -> %s (id %s)\n", g.Name, g.OldUUID, g.NewUUID, g.ID)
	}
	for _, in := range res.Installed {
		fmt.Fprintf(out, "installed %q (%s)\n", in.Profile.Name, in.Profile.UUID)
		for _, r := range in.Removed {
			fmt.Fprintf(out, "removed %s (%s): superseded by %s\n", r.Name, r.UUID, in.Profile.UUID)
		}
	}
}

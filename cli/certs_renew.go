package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/asckeys/asckeys/actions"
	"github.com/asckeys/asckeys/core"
)

func newCertsRenewCmd(env *Env) *cobra.Command {
	var key string
	var revokeOld, revokeFirst, dryRun, yes, asJSON bool
	cmd := &cobra.Command{
		Use:   "renew ID [--revoke-old] [--revoke-first] [--dry-run] [--key KEY] [--yes] [--json]",
		Short: "Replace a certificate: a new one of the same type, its profiles regenerated, the old one revoked if asked",
		Long: `Creates a new certificate of the same type (its private key made and kept in this machine's keychain),
then regenerates every profile that included the old one with the same name, type, bundle ID, devices
and other certificates, the new certificate instead of the old; with --revoke-old the old certificate is
revoked last. --dry-run prints the plan and sends only GETs.

When the type is at Apple's limit the new certificate cannot be made beside the old: renew says so and
changes nothing; --revoke-first renews in the order that works, revoking the old certificate before the
create (in between, builds cannot be signed with it and its profiles are INVALID until regenerated).`,
		Example: `  asckeys certs renew 8Q3BH4B8PF --dry-run
  asckeys certs renew 8Q3BH4B8PF --revoke-old --yes`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			p, err := openProvisioning(ctx, env, key)
			if err != nil {
				return err
			}
			d := actions.Deps{Vault: p.vault, Key: p.key, Client: p.lists.Client}
			plan, err := actions.PlanRenew(ctx, d, args[0])
			if err != nil {
				return err
			}
			plan.RevokeOld, plan.RevokeFirst = revokeOld || revokeFirst, revokeFirst
			info := env.Stdout
			if asJSON {
				info = env.Stderr
			}
			fmt.Fprintf(info, "Renewing %q (%s), serial %s, expires %s:\n", plan.Old.Label(), core.CertificateTypeLabel(plan.Old.CertificateType),
				plan.Old.SerialNumber, expires(plan.Old.ExpirationDate, time.Now()))
			for _, l := range plan.Lines() {
				fmt.Fprintln(info, "  - "+l)
			}
			if dryRun {
				if asJSON {
					// What would be regenerated; no new UUID yet.
					planned := actions.RenewResult{OldID: plan.Old.ID, Regenerated: []actions.RenewedProfile{}}
					for _, pr := range plan.Profiles {
						planned.Regenerated = append(planned.Regenerated, actions.RenewedProfile{Name: pr.Name, OldUUID: pr.UUID})
					}
					return writeJSON(env.Stdout, planned)
				}
				fmt.Fprintln(env.Stdout, "Dry run: nothing was created, regenerated or revoked.")
				return nil
			}
			if err := confirm(env, yes, "Do all of the above at Apple?", "would "+strings.Join(plan.Lines(), "; ")); err != nil {
				return err
			}
			res, err := actions.Renew(ctx, d, p.lists, p.vault, plan)
			if asJSON && res.NewID != "" {
				if werr := writeJSON(env.Stdout, res); werr != nil {
					return werr
				}
			} else if !asJSON {
				if res.NewID != "" {
					fmt.Fprintf(env.Stdout, "Created the %s certificate %q, serial %s: id %s (its private key is in this machine's keychain)\n",
						core.CertificateTypeLabel(res.Created.CertificateType), res.Created.Name, res.Created.SerialNumber, res.NewID)
				}
				for _, g := range res.Regenerated {
					fmt.Fprintf(env.Stdout, "regenerated %q: UUID %s -> %s\n", g.Name, g.OldUUID, g.NewUUID)
				}
				if res.Revoked {
					fmt.Fprintf(env.Stdout, "Revoked %s\n", res.OldID)
				}
			}
			if err != nil {
				return fmt.Errorf("%s", strings.ReplaceAll(err.Error(), "\n", "; "))
			}
			return nil
		},
	}
	keyFlag(cmd, &key)
	cmd.Flags().BoolVar(&revokeOld, "revoke-old", false, "revoke the old certificate once its profiles are regenerated")
	cmd.Flags().BoolVar(&revokeFirst, "revoke-first", false, "revoke the old certificate before creating the new one (when its type is at Apple's limit)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the plan; send only GETs")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "renew without asking")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print {oldId, newId, regenerated:[{name, oldUuid, newUuid}], revoked}")
	return cmd
}

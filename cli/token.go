package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/asckeys/asckeys/core"
)

// maxTokenTTL is the longest lifetime `asckeys token` signs: Apple refuses
// tokens whose exp - iat exceeds 20 minutes, and iat is back-dated a minute.
const maxTokenTTL = core.MaxTokenLifetime

func newTokenCmd(env *Env) *cobra.Command {
	var ttl time.Duration
	cmd := &cobra.Command{
		Use:   "token [KEY] [--ttl DURATION]",
		Short: "Print a fresh App Store Connect token (JWT) for use with curl",
		Long: fmt.Sprintf(`Prints a freshly signed ES256 token for a linked key, valid for --ttl (at most %s:
Apple refuses tokens that live longer than 20 minutes, and the issue time is set a minute back
against clock skew). Nothing else is printed on stdout, so it can go straight into a header.`, maxTokenTTL),
		Example: `  curl -H "Authorization: Bearer $(asckeys token "CI key")" \
    "https://api.appstoreconnect.apple.com/v1/certificates?limit=200&fields[certificates]=name,serialNumber,expirationDate"`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: completeKeys,
		RunE: func(cmd *cobra.Command, args []string) error {
			// Tokens carry whole seconds: below one, Apple would get 1 s,
			// which is not what was asked for.
			if ttl < time.Second || ttl > 20*time.Minute {
				return usagef("--ttl %s is out of range: give a duration from 1s to 20m (tokens are capped at %s)", ttl, maxTokenTTL)
			}
			ctx := cmd.Context()
			ref := ""
			if len(args) == 1 {
				ref = args[0]
			}
			s, k, err := openKey(ctx, env, ref)
			if err != nil {
				return err
			}
			creds, err := s.credentials(ctx, k)
			if err != nil {
				return err
			}
			tok, err := core.SignToken(creds, ttl, time.Now())
			if err != nil {
				return err
			}
			fmt.Fprintln(env.Stdout, tok)
			return nil
		},
	}
	cmd.Flags().DurationVar(&ttl, "ttl", maxTokenTTL, "how long the token stays valid (at most 20m; capped at "+maxTokenTTL.String()+")")
	return cmd
}

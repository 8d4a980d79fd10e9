package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/asckeys/asckeys/actions"
	"github.com/asckeys/asckeys/core"
)

func addBundleIDWriteCmds(cmd *cobra.Command, env *Env) {
	cmd.AddCommand(newBundleIDsCreateCmd(env), newBundleIDsDeleteCmd(env))
}

func newBundleIDsCreateCmd(env *Env) *cobra.Command {
	var key string
	var asJSON bool
	var b actions.NewBundleID
	create := &cobra.Command{
		Use:     "create --identifier I --name N [--platform IOS|MAC_OS|UNIVERSAL] [--json]",
		Short:   "Register a bundle ID (an explicit or, ending in .*, a wildcard App ID)",
		Example: `  asckeys bundle-ids create --identifier com.example.notes --name "Notes"`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if b.Identifier == "" || b.Name == "" {
				return usagef("--identifier and --name are required")
			}
			p, err := openProvisioning(cmd.Context(), env, key)
			if err != nil {
				return err
			}
			created, err := actions.CreateBundleID(cmd.Context(), p.lists, b)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(env.Stdout, created)
			}
			fmt.Fprintf(env.Stdout, "registered %s %q (%s): id %s\n", created.Identifier, created.Name, core.PlatformLabel(created.Platform), created.ID)
			return nil
		},
	}
	keyFlag(create, &key)
	f := create.Flags()
	f.StringVar(&b.Identifier, "identifier", "", "the bundle identifier, e.g. com.example.app")
	f.StringVar(&b.Name, "name", "", "its name, e.g. the app's name")
	f.StringVar(&b.Platform, "platform", "", "IOS (default), MAC_OS or UNIVERSAL")
	f.BoolVar(&asJSON, "json", false, "print the registered bundle ID")
	_ = create.RegisterFlagCompletionFunc("platform", cobra.FixedCompletions([]string{"IOS", "MAC_OS", "UNIVERSAL"}, cobra.ShellCompDirectiveNoFileComp))
	return create
}

func newBundleIDsDeleteCmd(env *Env) *cobra.Command {
	var key string
	var yes bool
	del := &cobra.Command{
		Use:   "delete ID [--yes]",
		Short: "Delete a bundle ID (its id or identifier) and, as Apple does, its profiles",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := openProvisioning(cmd.Context(), env, key)
			if err != nil {
				return err
			}
			d, err := actions.PlanBundleIDDelete(cmd.Context(), p.lists, args[0])
			if err != nil {
				return err
			}
			if err := confirm(env, yes, d.Question(), "would delete "+d.What()); err != nil {
				return err
			}
			if err := actions.DeleteBundleID(cmd.Context(), p.lists, d); err != nil {
				return err
			}
			fmt.Fprintln(env.Stdout, "deleted", d.BundleID.ID)
			return nil
		},
	}
	keyFlag(del, &key)
	del.Flags().BoolVarP(&yes, "yes", "y", false, "delete without asking")
	return del
}

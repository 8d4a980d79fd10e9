package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/asckeys/asckeys/actions"
	"github.com/asckeys/asckeys/core"
)

func addDeviceWriteCmds(cmd *cobra.Command, env *Env) {
	cmd.AddCommand(newDevicesRegisterCmd(env), newDevicesImportCmd(env),
		newDevicesStatusCmd(env, "enable", "ENABLED"), newDevicesStatusCmd(env, "disable", "DISABLED"), newDevicesRenameCmd(env))
}

func newDevicesRegisterCmd(env *Env) *cobra.Command {
	var key string
	var asJSON bool
	var d actions.NewDevice
	reg := &cobra.Command{
		Use:   "register --name N --udid U [--platform IOS|MAC_OS] [--json]",
		Short: "Register a device for development and ad hoc profiles",
		Long: `Register a device. The UDID is checked first: 40 hex digits, 8 and 16 hex digits
(00008030-001A35E11A88003A) or a Mac's UUID. Without --platform, a Mac's UUID means MAC_OS and
anything else IOS. A registered device takes one of the year's device slots.`,
		Example: `  asckeys devices register --name "Jane's iPhone" --udid 00008030-001A35E11A88003A`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if d.Name == "" || d.UDID == "" {
				return usagef("--name and --udid are required")
			}
			p, err := openProvisioning(cmd.Context(), env, key)
			if err != nil {
				return err
			}
			dev, err := actions.RegisterDevice(cmd.Context(), p.lists, d)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(env.Stdout, dev)
			}
			fmt.Fprintf(env.Stdout, "registered %q (%s, %s): id %s\n", dev.Name, dev.UDID, core.PlatformLabel(dev.Platform), dev.ID)
			return nil
		},
	}
	keyFlag(reg, &key)
	f := reg.Flags()
	f.StringVar(&d.Name, "name", "", "the device's name, e.g. its owner and model")
	f.StringVar(&d.UDID, "udid", "", "the device's UDID (Finder, Xcode's Devices window, System Information)")
	f.StringVar(&d.Platform, "platform", "", "IOS (iPhone, iPad, Apple TV, Watch, Vision Pro) or MAC_OS")
	f.BoolVar(&asJSON, "json", false, "print the registered device")
	_ = reg.RegisterFlagCompletionFunc("platform", cobra.FixedCompletions([]string{"IOS", "MAC_OS"}, cobra.ShellCompDirectiveNoFileComp))
	return reg
}

// importJSON is devices import --json.
type importJSON struct {
	Registered []actions.ImportedDevice `json:"registered"`
	Skipped    []actions.DeviceLine     `json:"skipped"`
	Bad        []actions.BadLine        `json:"bad"`
	// Planned are the devices --dry-run would register.
	Planned []actions.DeviceLine `json:"planned,omitempty"`
}

func newDevicesImportCmd(env *Env) *cobra.Command {
	var key string
	var dryRun, yes, skipBad, asJSON bool
	imp := &cobra.Command{
		Use:   "import FILE [--dry-run] [--skip-bad] [--yes] [--json]",
		Short: "Register the devices of Apple's multiple-device upload file",
		Long: `Register the devices listed in Apple's multiple-device upload file: tab-separated, first line
"Device ID<TAB>Device Name<TAB>Device Platform", then one device per line with platform ios or mac.
Devices already registered are skipped. When any line is malformed nothing is registered and every
bad line is reported by number, unless --skip-bad registers the good ones.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := actions.ReadDeviceFile(args[0])
			if err != nil {
				return err
			}
			lines, bad, err := actions.ParseDeviceFile(data)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			if len(bad) > 0 && !skipBad {
				problems := make([]string, len(bad))
				for i, b := range bad {
					problems[i] = fmt.Sprintf("line %d: %s", b.Line, b.Problem)
				}
				return fmt.Errorf("%d line(s) of %s are malformed, so nothing was registered: %s; fix them, or add --skip-bad to register the others",
					len(bad), args[0], strings.Join(problems, "; "))
			}
			p, err := openProvisioning(cmd.Context(), env, key)
			if err != nil {
				return err
			}
			plan, err := actions.PlanDeviceImport(cmd.Context(), p.lists, lines, bad)
			if err != nil {
				return err
			}
			out := importJSON{Registered: []actions.ImportedDevice{}, Skipped: plan.Registered, Bad: plan.Bad}
			if !asJSON {
				// Part of the report, not an error: --skip-bad asked for it.
				for _, b := range bad {
					fmt.Fprintf(env.Stdout, "line %d: skipped, malformed: %s\n", b.Line, b.Problem)
				}
				for _, d := range plan.Registered {
					fmt.Fprintf(env.Stdout, "line %d: %s is already registered as %q, skipped\n", d.Line, d.UDID, d.Existing.Name)
				}
			}
			if dryRun || len(plan.New) == 0 {
				out.Planned = plan.New
				if !asJSON {
					for _, d := range plan.New {
						fmt.Fprintf(env.Stdout, "line %d: would register %q (%s, %s)\n", d.Line, d.Name, d.UDID, core.PlatformLabel(d.Platform))
					}
					if len(plan.New) == 0 {
						fmt.Fprintln(env.Stdout, "nothing to register: every device of the file is registered")
					}
				}
				if asJSON {
					return writeJSON(env.Stdout, out)
				}
				return nil
			}
			what := fmt.Sprintf("%d new device(s) from %s (each takes one of the year's device slots)", len(plan.New), args[0])
			if err := confirm(env, yes, "Register "+what+"?", "would register "+what); err != nil {
				return err
			}
			got, err := actions.ImportDevices(cmd.Context(), p.lists, plan, func(d actions.ImportedDevice) {
				if !asJSON {
					fmt.Fprintf(env.Stdout, "line %d: registered %q (%s): id %s\n", d.Line, d.Device.Name, d.Device.UDID, d.Device.ID)
				}
			})
			out.Registered = append(out.Registered, got...)
			if asJSON {
				if werr := writeJSON(env.Stdout, out); werr != nil {
					return werr
				}
			}
			return err
		},
	}
	keyFlag(imp, &key)
	f := imp.Flags()
	f.BoolVar(&dryRun, "dry-run", false, "say what would be registered and send nothing but the device list")
	f.BoolVar(&skipBad, "skip-bad", false, "register the good lines even when some are malformed")
	f.BoolVarP(&yes, "yes", "y", false, "register without asking")
	f.BoolVar(&asJSON, "json", false, "print {registered, skipped, bad, planned}")
	return imp
}

func newDevicesStatusCmd(env *Env, verb, status string) *cobra.Command {
	var key string
	cmd := &cobra.Command{
		Use:   verb + " ID...",
		Short: strings.ToUpper(verb[:1]) + verb[1:] + " devices (PATCH; devices cannot be deleted, only disabled)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := openProvisioning(cmd.Context(), env, key)
			if err != nil {
				return err
			}
			done, err := actions.SetDevicesStatus(cmd.Context(), p.lists, status, args)
			for _, d := range done {
				fmt.Fprintf(env.Stdout, "%s %q: %s\n", d.ID, d.Name, core.DeviceStatusLabel(d.Status))
			}
			return err
		},
	}
	keyFlag(cmd, &key)
	return cmd
}

func newDevicesRenameCmd(env *Env) *cobra.Command {
	var key string
	cmd := &cobra.Command{
		Use:   "rename ID NAME",
		Short: "Rename a device (PATCH)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := openProvisioning(cmd.Context(), env, key)
			if err != nil {
				return err
			}
			d, err := actions.RenameDevice(cmd.Context(), p.lists, args[0], args[1])
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "%s is now %q\n", d.ID, d.Name)
			return nil
		},
	}
	keyFlag(cmd, &key)
	return cmd
}

package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/asckeys/asckeys/actions"
	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/storage"
)

// The write side of certificates: flags, prompts and output only; the steps
// are in actions.

// actionDeps resolves the key and makes what the actions need.
func actionDeps(ctx context.Context, env *Env, ref string) (actions.Deps, error) {
	s, k, err := openKey(ctx, env, ref)
	if err != nil {
		return actions.Deps{}, err
	}
	d := actions.Deps{Vault: s.vault, Key: k}
	if !k.Kind.CanProvision() {
		// The action refuses it with its own message, before any request.
		return d, nil
	}
	d.Client, err = s.client(ctx, k)
	return d, err
}

func addCertsWriteCmds(cmd *cobra.Command, env *Env) {
	cmd.AddCommand(newCertsCreateCmd(env), newCertsRevokeCmd(env), newCertsExportCmd(env), newCertsImportCmd(env), newCertsRenewCmd(env))
}

func newCertsCreateCmd(env *Env) *cobra.Command {
	var key, certType, out string
	var yes, asJSON bool
	cmd := &cobra.Command{
		Use:   "create --type T [--out DIR] [--key KEY] [--yes] [--json]",
		Short: "Create a signing certificate; its private key is made here and kept in the keychain",
		Example: `  asckeys certs create --type DISTRIBUTION --out ./certs --yes
  asckeys certs create --type DEVELOPMENT --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			certType = strings.ToUpper(strings.TrimSpace(certType))
			if certType == "" {
				return usagef("--type is required: one of %s", strings.Join(core.CreatableCertificateTypes(), ", "))
			}
			d, err := actionDeps(ctx, env, key)
			if err != nil {
				return err
			}
			if err := actions.CheckCreateCertificate(d, certType); err != nil {
				return err
			}
			label := core.CertificateTypeLabel(certType)
			if err := confirm(env, yes, fmt.Sprintf("Create a new %s certificate (%s) with %s? It counts against Apple's limit for the type.", label, certType, d.Key.Name),
				"creating a "+label+" certificate"); err != nil {
				return err
			}
			res, err := actions.CreateCertificate(ctx, d, certType, out)
			if err != nil {
				return err
			}
			if res.Warning != "" {
				fmt.Fprintln(env.Stderr, "asckeys: warning: "+oneLine(res.Warning))
			}
			if asJSON {
				return writeJSON(env.Stdout, res)
			}
			fmt.Fprintf(env.Stdout, "Created the %s certificate %q, serial %s, expires %s: id %s\n",
				label, res.Name, res.SerialNumber, expires(res.ExpirationDate, time.Now()), res.ID)
			how := "made here"
			if res.ReusedKey {
				how = "made here for an earlier request that got no certificate"
			}
			fmt.Fprintf(env.Stdout, "Its private key (%s) is in this machine's keychain: 'asckeys certs export %s --p12 FILE' makes a .p12 of both.\n", how, res.ID)
			if res.Path != "" {
				fmt.Fprintln(env.Stdout, res.Path)
			}
			return nil
		},
	}
	keyFlag(cmd, &key)
	cmd.Flags().StringVarP(&certType, "type", "t", "", "the certificate type, e.g. DEVELOPMENT or DISTRIBUTION")
	_ = cmd.RegisterFlagCompletionFunc("type", cobra.FixedCompletions(core.CreatableCertificateTypes(), cobra.ShellCompDirectiveNoFileComp))
	cmd.Flags().StringVarP(&out, "out", "o", "", "also write the certificate (.cer) into this folder")
	_ = cmd.MarkFlagDirname("out")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print {id, serialNumber, certificateType, expirationDate, hasPrivateKey}")
	return cmd
}

func newCertsRevokeCmd(env *Env) *cobra.Command {
	var key string
	var yes, asJSON, dryRun, deleteKey bool
	cmd := &cobra.Command{
		Use:   "revoke ID... [--dry-run] [--delete-key] [--key KEY] [--yes] [--json]",
		Short: "Revoke certificates, after listing the profiles that include them",
		Example: `  asckeys certs revoke 8Q3BH4B8PF --dry-run
  asckeys certs revoke 8Q3BH4B8PF --yes`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			d, err := actionDeps(ctx, env, key)
			if err != nil {
				return err
			}
			plan, err := actions.PlanRevoke(ctx, d, args)
			if err != nil {
				return err
			}
			if !asJSON {
				printRevokePlan(env.Stdout, plan)
			}
			if dryRun {
				if asJSON {
					return writeJSON(env.Stdout, plan.Unrevoked())
				}
				fmt.Fprintln(env.Stdout, "Dry run: nothing was revoked.")
				return nil
			}
			if err := confirm(env, yes, plan.Question(deleteKey), fmt.Sprintf("revoking %d certificate(s)", len(plan.Certificates))); err != nil {
				return err
			}
			res, err := actions.Revoke(ctx, d, plan, deleteKey)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(env.Stdout, res)
			}
			for _, id := range res.Revoked {
				fmt.Fprintf(env.Stdout, "Revoked %s\n", id)
			}
			switch {
			case deleteKey:
				fmt.Fprintf(env.Stdout, "Removed %d private key(s) from this machine's keychain.\n", res.KeysDeleted)
			default:
				fmt.Fprintln(env.Stdout, "Private keys here were kept (--delete-key removes them).")
			}
			return nil
		},
	}
	keyFlag(cmd, &key)
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "list the certificates and the profiles they would invalidate, revoke nothing")
	cmd.Flags().BoolVar(&deleteKey, "delete-key", false, "also remove the certificates' private keys from this machine's keychain")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print {revoked:[ids], affectedProfiles:[{id,name,uuid}]}")
	return cmd
}

func printRevokePlan(out io.Writer, plan actions.RevokePlan) {
	for _, c := range plan.Certificates {
		fmt.Fprintf(out, "Certificate %q (%s), serial %s, id %s\n", c.Label(), core.CertificateTypeLabel(c.CertificateType), c.SerialNumber, c.ID)
		n := 0
		for _, p := range plan.Affected {
			if p.CertificateID == c.ID {
				if n == 0 {
					fmt.Fprintln(out, "  included in these profiles, which stop working when it is revoked:")
				}
				n++
				fmt.Fprintf(out, "  - %q  %s  %s\n", p.Name, p.UUID, core.ProfileTypeLabel(p.ProfileType))
			}
		}
		if n == 0 {
			fmt.Fprintln(out, "  included in no profile")
		}
	}
}

// passwordFlags read a .p12 password from stdin or a file, never from the
// command line (where other users' ps would see it).
type passwordFlags struct {
	stdin bool
	file  string
}

func (p *passwordFlags) add(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&p.stdin, "password-stdin", false, "read the .p12 password from the first line of stdin")
	cmd.Flags().StringVar(&p.file, "password-file", "", "read the .p12 password from the first line of this file")
}

// maxPasswordFile bounds what --password-file reads: a password is a line.
const maxPasswordFile = 64 << 10

func (p *passwordFlags) read(env *Env) (string, error) {
	var r io.Reader
	switch {
	case p.stdin == (p.file != ""):
		return "", usagef("give the .p12 password with exactly one of --password-stdin or --password-file FILE")
	case p.stdin:
		r = env.Stdin
	default:
		// A pipe is allowed (--password-file <(pass show ...)): it is read,
		// not waited on forever by anything but its writer.
		f, err := os.Open(p.file)
		if err != nil {
			return "", fmt.Errorf("reading the password file: %w", err)
		}
		defer f.Close()
		r = f
	}
	line, err := bufio.NewReader(io.LimitReader(r, maxPasswordFile)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", usagef("the .p12 password is empty: macOS refuses to import a .p12 without one; give a password")
	}
	return pw, nil
}

func newCertsExportCmd(env *Env) *cobra.Command {
	var key, out string
	var modern bool
	var pw passwordFlags
	cmd := &cobra.Command{
		Use:   "export ID --p12 FILE (--password-stdin | --password-file F) [--modern] [--key KEY]",
		Short: "Write a certificate and its private key as a .p12 (mode 0600, never over an existing file)",
		Example: `  printf '%s\n' "$P12_PASSWORD" | asckeys certs export 8Q3BH4B8PF --p12 dist.p12 --password-stdin
  asckeys certs export 8Q3BH4B8PF --p12 dist.p12 --password-file ./p12-password --modern`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usagef("--p12 FILE is required: the .p12 to write")
			}
			password, err := pw.read(env)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			d, err := actionDeps(ctx, env, key)
			if err != nil {
				return err
			}
			res, err := actions.ExportP12(ctx, d, args[0], out, password, modern)
			if err != nil {
				return err
			}
			enc := "legacy encoding (3DES, SHA-1 MAC), readable by macOS, Windows and OpenSSL 1 and 3"
			if modern {
				enc = "AES-256 with a SHA-256 MAC"
			}
			fmt.Fprintf(env.Stdout, "Wrote %q with its private key to %s (%s)\n", res.Certificate.Label(), res.Path, enc)
			return nil
		},
	}
	keyFlag(cmd, &key)
	cmd.Flags().StringVar(&out, "p12", "", "the .p12 file to create")
	cmd.Flags().BoolVar(&modern, "modern", false, "encrypt with AES-256 and a SHA-256 MAC (macOS before 14, older Windows and OpenSSL 1 cannot read it)")
	pw.add(cmd)
	return cmd
}

func newCertsImportCmd(env *Env) *cobra.Command {
	var key string
	var asJSON bool
	var pw passwordFlags
	cmd := &cobra.Command{
		Use:     "import-p12 FILE (--password-stdin | --password-file F) [--key KEY] [--json]",
		Short:   "Keep the private key of a .p12 in the keychain, for its certificate",
		Example: `  printf '%s\n' "$P12_PASSWORD" | asckeys certs import-p12 dist.p12 --password-stdin`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := storage.ReadP12File(args[0])
			if err != nil {
				return err
			}
			password, err := pw.read(env)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			d, err := actionDeps(ctx, env, key)
			if err != nil {
				return err
			}
			res, err := actions.ImportP12(ctx, d, data, password)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(env.Stdout, res)
			}
			fmt.Fprintf(env.Stdout, "Imported the private key of %q (serial %s, id %s): it is in this machine's keychain\n", res.Certificate.Label(), res.SerialNumber, res.ID)
			return nil
		},
	}
	keyFlag(cmd, &key)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the certificate as certs list --json does")
	pw.add(cmd)
	return cmd
}

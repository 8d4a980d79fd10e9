package cli

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/core/keyfile"
	"github.com/asckeys/asckeys/storage"
)

func newKeysCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Link, list, check, rename, remove and export App Store Connect API keys",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usagef("say what to do with keys: %s", subcommandNames(cmd))
		},
	}
	cmd.AddCommand(
		newKeysAddCmd(env),
		newKeysImportCmd(env),
		newKeysListCmd(env),
		newKeysVerifyCmd(env),
		newKeysRenameCmd(env),
		newKeysRemoveCmd(env),
		newKeysExportCmd(env),
		newKeysRestoreCmd(env),
	)
	return cmd
}

func subcommandNames(cmd *cobra.Command) string {
	var names []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	return strings.Join(names, ", ")
}

func newKeysAddCmd(env *Env) *cobra.Command {
	var (
		p8, name, keyID, issuerID string
		individual, enterprise    bool
		noVerify                  bool
		store                     string
	)
	cmd := &cobra.Command{
		Use:   "add --p8 FILE [--name N] [--key-id K] [--issuer-id I] [--individual | --enterprise] [--store keychain|file] [--no-verify]",
		Short: "Link a key from its .p8 file (the private key goes to the system keychain, or an encrypted file with --store file)",
		Example: `  asckeys keys add --p8 ~/Downloads/AuthKey_ABCDE12345.p8 --issuer-id 69a6de70-03db-47e3-e053-5b8c7c11a4d1
  asckeys keys add --p8 AuthKey_ABCDE12345.p8 --individual --name "My key"
  ASCKEYS_PASSPHRASE=... asckeys keys add --p8 AuthKey_ABCDE12345.p8 --issuer-id ... --store file`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if p8 == "" {
				return usagef("--p8 FILE is required: the AuthKey_XXXXXXXXXX.p8 file you downloaded from App Store Connect")
			}
			if individual && enterprise {
				return usagef("--individual and --enterprise exclude each other: a key is one or the other")
			}
			where, err := storage.ParseStore(store)
			if err != nil {
				return usageError{err}
			}
			nk, err := storage.ReadKeyFile(p8)
			if err != nil {
				return err
			}
			nk.Store = where
			// The flags override what the file says (a fastlane JSON file
			// carries the Key ID, Issuer ID and kind); a .p8 is a team key
			// unless told otherwise.
			if name != "" {
				nk.Name = name
			}
			if keyID != "" {
				nk.KeyID = keyID
			}
			if issuerID != "" {
				nk.IssuerID = issuerID
			}
			switch {
			case individual:
				nk.Kind = core.KindIndividual
			case enterprise:
				nk.Kind = core.KindEnterprise
			}
			return addKey(cmd.Context(), env, nk, !noVerify)
		},
	}
	f := cmd.Flags()
	f.StringVar(&p8, "p8", "", "the .p8 private key file")
	f.StringVar(&name, "name", "", "a name for the key (default: its Key ID)")
	f.StringVar(&keyID, "key-id", "", "the Key ID (default: from the file name AuthKey_<KEYID>.p8)")
	f.StringVar(&issuerID, "issuer-id", "", "the Issuer ID (team and enterprise keys)")
	f.BoolVar(&individual, "individual", false, "an individual key (no Issuer ID)")
	f.BoolVar(&enterprise, "enterprise", false, "an Apple Developer Enterprise Program key")
	f.BoolVar(&noVerify, "no-verify", false, "save without asking Apple whether the key works (offline)")
	f.StringVar(&store, "store", "keychain", "where the private key is kept: keychain, or file (an encrypted file in the config folder, its passphrase typed twice or from ASCKEYS_PASSPHRASE; for machines without a keychain)")
	_ = cmd.MarkFlagFilename("p8", "p8")
	return cmd
}

func newKeysImportCmd(env *Env) *cobra.Command {
	var name, store string
	var noVerify bool
	cmd := &cobra.Command{
		Use:     "import FILE [--name N] [--store keychain|file] [--no-verify]",
		Short:   "Link a key from a fastlane API key JSON file",
		Example: `  asckeys keys import fastlane_api_key.json --name "CI key"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			nk, err := storage.ReadKeyFile(args[0])
			var refused *keyfile.Error
			if errors.As(err, &refused) {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			if err != nil {
				return err
			}
			nk.Name = name
			if nk.Store, err = storage.ParseStore(store); err != nil {
				return usageError{err}
			}
			return addKey(cmd.Context(), env, nk, !noVerify)
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "a name for the key (default: its Key ID)")
	cmd.Flags().StringVar(&store, "store", "keychain", "where the private key is kept: keychain, or file (an encrypted file, see keys add)")
	cmd.Flags().BoolVar(&noVerify, "no-verify", false, "save without asking Apple whether the key works (offline)")
	return cmd
}

// addKey checks nk, asks Apple whether it works unless told not to, and links
// it. Nothing is saved when Apple refuses the key.
func addKey(ctx context.Context, env *Env, nk storage.NewKey, verify bool) error {
	s, err := openSession(env)
	if err != nil {
		return err
	}
	if err := s.refuseEnv("linking a key"); err != nil {
		return err
	}
	p, err := s.vault.Prepare(ctx, nk)
	if err != nil {
		return err
	}
	for _, w := range p.Warnings() {
		fmt.Fprintln(env.Stderr, "warning: "+w)
	}
	var check func(context.Context, core.Credentials) error
	var verified string
	if verify {
		check = func(ctx context.Context, creds core.Credentials) error {
			res, _, err := s.newClient(creds).Verify(ctx)
			if err == nil {
				verified = describeVerify(creds.Kind, res)
			}
			return err
		}
	}
	kctx, cancel := storage.WithInteractiveTimeout(ctx)
	defer cancel()
	k, warnings, err := s.vault.Link(kctx, p, check)
	var refused *storage.VerifyError
	if errors.As(err, &refused) {
		return fmt.Errorf("%w. Nothing was saved; fix the details, or add --no-verify to save the key without checking", refused.Err)
	}
	if err != nil {
		return err
	}
	for _, w := range warnings[len(p.Warnings()):] {
		fmt.Fprintln(env.Stderr, "warning: "+w)
	}
	fmt.Fprintf(env.Stdout, "Linked %q (Key ID %s, %s key, private key in %s).", k.Name, k.KeyID, strings.ToLower(k.Kind.Label()), storePlace(k.Where()))
	if verified != "" {
		fmt.Fprint(env.Stdout, " "+verified)
	} else {
		fmt.Fprint(env.Stdout, " Not checked with Apple yet: run asckeys keys verify "+shellQuote(core.SafeText(k.Name)))
	}
	fmt.Fprintln(env.Stdout)
	return nil
}

func describeVerify(kind core.KeyKind, res core.VerifyResult) string {
	if !kind.CanProvision() {
		return fmt.Sprintf("Apple accepted it: it sees %s.", plural(res.Apps, "app"))
	}
	return fmt.Sprintf("Apple accepted it: it sees %s.", plural(res.Certificates, "certificate"))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

type keyRow struct {
	storage.Key
	// Store is where the private key lives: keychain, file or env.
	Store  storage.Store `json:"store"`
	Status string        `json:"status"`
	// KeychainCheckedAt is when the status's keychain part was found.
	KeychainCheckedAt time.Time `json:"keychainCheckedAt,omitzero"`
}

// storePlace names where a private key lives, in a sentence.
func storePlace(s storage.Store) string {
	switch s {
	case storage.StoreFile:
		return "the encrypted key file"
	case storage.StoreEnv:
		return "the environment (nothing stored)"
	}
	return "the keychain"
}

func newKeysListCmd(env *Env) *cobra.Command {
	var asJSON, check bool
	cmd := &cobra.Command{
		Use:   "list [--check] [--json]",
		Short: "List the linked keys and their state",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := openSession(env)
			if err != nil {
				return err
			}
			keys, err := s.vault.List(cmd.Context())
			if err != nil {
				return err
			}
			missing, checkedAt, err := secretStates(cmd.Context(), s.vault, keys, check)
			if err != nil {
				fmt.Fprintln(env.Stderr, "warning: could not check the keychain: "+err.Error())
			}
			if err := keychainTrouble(missing); err != nil {
				// Once, with the platform's advice, rather than on every row.
				fmt.Fprintln(env.Stderr, "warning: "+err.Error())
			}
			rows := make([]keyRow, len(keys))
			oldest := time.Time{}
			for i, k := range keys {
				k := safeKey(k)
				rows[i] = keyRow{Key: k, Store: k.Where(), Status: keyStatus(k, missing[k.ID])}
				if s.envKey != nil {
					rows[i].Store = storage.StoreEnv
				}
				if at, ok := checkedAt[k.ID]; ok {
					rows[i].KeychainCheckedAt = at
					if oldest.IsZero() || at.Before(oldest) {
						oldest = at
					}
				}
			}
			if asJSON {
				return writeJSON(env.Stdout, rows)
			}
			if len(rows) == 0 {
				fmt.Fprintln(env.Stdout, "No key is linked yet: add one with 'asckeys keys add --p8 AuthKey_XXXXXXXXXX.p8'.")
				return nil
			}
			t := newTable(env.Stdout, "NAME", "KEY ID", "KIND", "ISSUER ID", "ADDED", "STORED IN", "STATUS")
			for _, r := range rows {
				t.row(r.Name, r.KeyID, r.Kind.Label(), dash(r.IssuerID), r.AddedAt.Local().Format("2006-01-02"), string(r.Store), r.Status)
			}
			if err := t.flush(); err != nil {
				return err
			}
			if !check && !oldest.IsZero() {
				fmt.Fprintf(env.Stdout, "Private keys as last found in the keychain, %s: 'asckeys keys list --check' checks again now.\n",
					checkedAgo(time.Since(oldest)))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&check, "check", false, "ask the keychain for every private key now, rather than say what it last held")
	return cmd
}

// secretStates says, for each key, whether its private key is in the
// keychain (nil) or what is wrong, and when that was found. With check, or
// for keys never checked, the keychain is asked now (storage keeps what it
// says); otherwise the last check is told, which needs no keychain: listing
// 20 keys would otherwise be 20 round trips to the keychain's process.
func secretStates(ctx context.Context, v *storage.Vault, keys []storage.Key, check bool) (map[string]error, map[string]time.Time, error) {
	states := map[string]error{}
	at := map[string]time.Time{}
	if !check {
		last := v.LastSecretChecks(keys)
		for id, c := range last {
			states[id], at[id] = c.Err, c.CheckedAt
		}
		if len(last) == len(keys) {
			return states, at, nil
		}
	}
	kctx, cancel := storage.WithBackgroundTimeout(ctx)
	defer cancel()
	fresh, err := v.CheckSecrets(kctx)
	now := time.Now()
	for id, e := range fresh {
		if _, known := at[id]; !known {
			states[id], at[id] = e, now
		}
	}
	return states, at, err
}

// checkedAgo says how long ago a check was, in words.
func checkedAgo(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "less than a minute ago"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute") + " ago"
	case d < 48*time.Hour:
		return plural(int(d/time.Hour), "hour") + " ago"
	}
	return plural(int(d/(24*time.Hour)), "day") + " ago"
}

// keyStatus says in words how a key stands. A keychain that is locked, not
// running or not answering says nothing about the key: only a private key
// that is gone, different or damaged asks for the .p8 again.
func keyStatus(k storage.Key, secretErr error) string {
	switch {
	case secretErr == nil:
	case errors.Is(secretErr, storage.ErrSecretNotFound):
		return "private key missing from " + storePlace(k.Where()) + ": add the .p8 again"
	case errors.Is(secretErr, storage.ErrSecretMismatch):
		return storePlace(k.Where()) + " holds a different private key: add the .p8 again"
	case errors.Is(secretErr, storage.ErrSecretDamaged):
		return "private key damaged in " + storePlace(k.Where()) + ": add the .p8 again"
	case errors.Is(secretErr, storage.ErrKeychainLocked):
		return "keychain locked: unlock it and list again (the key is fine)"
	case errors.Is(secretErr, storage.ErrNoKeychain):
		return "no keychain running: start or install one and list again (the key is fine), or keep keys in the encrypted file (keys add --store file)"
	case errors.Is(secretErr, storage.ErrKeychainTimeout):
		return "keychain did not answer: answer its unlock prompt and list again (the key is fine)"
	default:
		return "keychain not reachable: try again (the key is fine)"
	}
	switch k.Verification() {
	case storage.Verified:
		return "verified " + k.LastVerified.Local().Format("2006-01-02 15:04")
	case storage.Rejected:
		return "rejected: " + k.LastError
	}
	return "not yet verified"
}

// keychainTrouble is an error in secrets that is the keychain's own failure
// rather than a key's (CheckSecrets gives every later key the same one), or
// nil.
func keychainTrouble(secrets map[string]error) error {
	for _, err := range secrets {
		var ke *storage.KeychainError
		if errors.As(err, &ke) && !errors.Is(err, storage.ErrSecretNotFound) {
			return ke
		}
	}
	return nil
}

func newKeysVerifyCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:               "verify KEY",
		Short:             "Ask Apple whether a linked key works",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeKeys,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, k, err := openKey(ctx, env, args[0])
			if err != nil {
				return err
			}
			c, err := s.client(ctx, k)
			if err != nil {
				return err
			}
			res, _, verr := c.Verify(ctx)
			// Only Apple's answer is recorded: an offline check leaves the
			// key's state as it was.
			if _, err := s.vault.RecordCheck(ctx, k.ID, time.Now(), verr); err != nil {
				fmt.Fprintln(env.Stderr, "warning: could not record the check: "+err.Error())
			}
			if verr != nil {
				return fmt.Errorf("%s: %w", k.Name, verr)
			}
			sk := safeKey(k)
			fmt.Fprintf(env.Stdout, "%s (Key ID %s): %s\n", sk.Name, sk.KeyID, describeVerify(k.Kind, res))
			return nil
		},
	}
}

func newKeysRenameCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:               "rename KEY NEW-NAME",
		Short:             "Rename a linked key",
		Args:              cobra.ExactArgs(2),
		ValidArgsFunction: completeKeys,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, k, err := openKey(ctx, env, args[0])
			if err != nil {
				return err
			}
			if err := s.refuseEnv("renaming a key"); err != nil {
				return err
			}
			if err := s.vault.Rename(ctx, k.ID, args[1]); err != nil {
				return err
			}
			renamed, err := s.vault.Get(ctx, k.ID)
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "Renamed %q to %q.\n", k.Name, renamed.Name)
			return nil
		},
	}
}

func newKeysRemoveCmd(env *Env) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "remove KEY [--yes]",
		Short: "Unlink a key and delete its private key from the keychain",
		Long: `Unlinks a key and deletes its private key from the system keychain. Apple lets you download
a .p8 only once: keep a copy (asckeys keys export) if you may need the key again.`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeKeys,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, k, err := openKey(ctx, env, args[0])
			if err != nil {
				return err
			}
			if err := s.refuseEnv("removing a key"); err != nil {
				return err
			}
			question := fmt.Sprintf("Remove %q (Key ID %s)? Its private key will be deleted from %s and cannot be downloaded from Apple again.", k.Name, k.KeyID, storePlace(k.Where()))
			if err := confirm(env, yes, question, fmt.Sprintf("removing %q deletes its private key, which cannot be downloaded from Apple again", k.Name)); err != nil {
				return err
			}
			kctx, cancel := storage.WithInteractiveTimeout(ctx)
			defer cancel()
			if err := s.vault.Remove(kctx, k.ID); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "Removed %q (Key ID %s) and its private key.\n", k.Name, k.KeyID)
			return nil
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

// Export formats.
const (
	formatFastlane     = "fastlane"
	formatEnvFastlane  = "env-fastlane"
	formatEnvCodemagic = "env-codemagic"
)

func newKeysExportCmd(env *Env) *cobra.Command {
	var format, syntax, out string
	cmd := &cobra.Command{
		Use:   "export KEY --format fastlane|env-fastlane|env-codemagic [--syntax sh|github] [--out FILE]",
		Short: "Write a key, private key included, for fastlane or Codemagic (only on this explicit request)",
		Long: `Writes a key with its private key in a form other tools read:
  fastlane        fastlane's API key JSON (app_store_connect_api_key(key_filepath: ...))
  env-fastlane    APP_STORE_CONNECT_API_KEY_* variables (the key base64-encoded)
  env-codemagic   APP_STORE_CONNECT_KEY_IDENTIFIER, _ISSUER_ID and _PRIVATE_KEY for Codemagic's CLI tools
The env formats are written for --syntax:
  sh              NAME='value' lines, quoted for sh, bash, zsh and dash: source the file (. ./keys.env)
                  or eval "$(asckeys keys export ...)"; nothing in a value runs (the default)
  github          NAME=value lines for GitHub Actions' $GITHUB_ENV, which has no quoting: a value
                  that spans lines (env-codemagic's private key) is refused, use env-fastlane there
A key whose Key ID is not the shape Apple issues, or whose Issuer ID is not a UUID, is not exported.
With --out the file is created readable by you alone (0600); it must be a regular file or a new
path (never a link, a device or a folder). Without it, or with --out -, the secret goes to stdout.`,
		Example: `  asckeys keys export "CI key" --format fastlane --out fastlane/api_key.json
  asckeys keys export ABCDE12345 --format env-fastlane --syntax github >> "$GITHUB_ENV"
  eval "$(asckeys keys export ABCDE12345 --format env-codemagic)"`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeKeys,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			switch format {
			case formatFastlane, formatEnvFastlane, formatEnvCodemagic:
			case "":
				return usagef("--format is required: fastlane, env-fastlane or env-codemagic")
			default:
				return usagef("unknown --format %q: use fastlane, env-fastlane or env-codemagic", format)
			}
			switch {
			case syntax != syntaxShell && syntax != syntaxGitHub:
				return usagef("unknown --syntax %q: use sh (for a shell to source or eval) or github (for $GITHUB_ENV)", syntax)
			case format == formatFastlane && cmd.Flags().Changed("syntax"):
				return usagef("--syntax is for the env formats; --format fastlane writes JSON")
			}
			s, k, err := openKey(ctx, env, args[0])
			if err != nil {
				return err
			}
			kctx, cancel := storage.WithInteractiveTimeout(ctx)
			defer cancel()
			var data []byte
			if format == formatFastlane {
				data, err = s.vault.ExportFastlane(kctx, k.ID)
			} else {
				var pem []byte
				if pem, err = s.vault.PrivateKeyPEM(kctx, k.ID); err == nil {
					data, err = envExport(format, syntax, k, pem)
				}
			}
			if err != nil {
				return err
			}
			if out != "" && out != "-" {
				if err := storage.WriteFilePrivate(out, data); err != nil {
					return err
				}
				fmt.Fprintf(env.Stdout, "Wrote %s (readable by you alone). It holds the private key: keep it out of version control.\n", out)
				return nil
			}
			if env.IsTerminal(env.Stdout) {
				fmt.Fprintln(env.Stderr, "warning: this prints the private key to your terminal; use --out FILE to write it to a private file instead")
			}
			_, err = env.Stdout.Write(data)
			return err
		},
	}
	cmd.Flags().StringVar(&format, "format", "", "fastlane, env-fastlane or env-codemagic")
	cmd.Flags().StringVar(&syntax, "syntax", syntaxShell, "for the env formats: sh (quoted, to source or eval) or github (for $GITHUB_ENV)")
	cmd.Flags().StringVarP(&out, "out", "o", "", "write to FILE (mode 0600; a regular file or a new path) instead of stdout; - prints")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{formatFastlane, formatEnvFastlane, formatEnvCodemagic}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("syntax", cobra.FixedCompletions([]string{syntaxShell, syntaxGitHub}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// envExport writes the key as environment variables in syntax (formatEnv).
// fastlane takes the key base64-encoded, one line in any syntax; Codemagic
// takes the PEM itself, whose line breaks a shell's quotes keep.
func envExport(format, syntax string, k storage.Key, pem []byte) ([]byte, error) {
	var vars []envVar
	add := func(name, value string) { vars = append(vars, envVar{name, value}) }
	if format == formatEnvFastlane {
		add("APP_STORE_CONNECT_API_KEY_KEY_ID", k.KeyID)
		if k.IssuerID != "" {
			add("APP_STORE_CONNECT_API_KEY_ISSUER_ID", k.IssuerID)
		}
		add("APP_STORE_CONNECT_API_KEY_KEY", base64.StdEncoding.EncodeToString(pem))
		add("APP_STORE_CONNECT_API_KEY_IS_KEY_CONTENT_BASE64", "true")
		if k.Kind == core.KindEnterprise {
			add("APP_STORE_CONNECT_API_KEY_IN_HOUSE", "true")
		}
	} else {
		add("APP_STORE_CONNECT_KEY_IDENTIFIER", k.KeyID)
		if k.IssuerID != "" {
			add("APP_STORE_CONNECT_ISSUER_ID", k.IssuerID)
		}
		add("APP_STORE_CONNECT_PRIVATE_KEY", strings.TrimRight(string(pem), "\n"))
	}
	return formatEnv(syntax, vars)
}

func newKeysRestoreCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "restore-backup",
		Short: "Replace a damaged keys.json with its backup (the version before the last change)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := openSession(env)
			if err != nil {
				return err
			}
			if err := s.refuseEnv("restoring the key list"); err != nil {
				return err
			}
			if err := s.vault.RestoreBackup(); err != nil {
				return err
			}
			keys, err := s.vault.List(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "Restored %s from its backup: %s linked.\n", s.vault.Path(), plural(len(keys), "key"))
			return nil
		},
	}
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

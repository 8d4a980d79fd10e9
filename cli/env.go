package cli

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/adrg/xdg"

	"github.com/spf13/cobra"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/storage"
)

// APIURLVar names the environment variable that replaces the base URL of
// every key.
const APIURLVar = "ASCKEYS_API_URL"

// KeychainServiceVar names the environment variable that replaces the
// keychain service name (default core.AppID): tests use a service of their own
// so they can never touch the user's keys.
const KeychainServiceVar = "ASCKEYS_KEYCHAIN_SERVICE"

// BaseURLOverride reads ASCKEYS_API_URL: "" when unset, the URL without a
// trailing slash when it is usable, or an error saying how to fix it. Plain
// http is allowed only for loopback addresses, so a token never crosses a
// network in the clear.
func BaseURLOverride(getenv func(string) string) (string, error) {
	raw := strings.TrimSpace(getenv(APIURLVar))
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Errorf("%s=%q is not a base URL like https://host[:port]: fix or unset it", APIURLVar, raw)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("%s must be a plain base URL, without user, query or fragment", APIURLVar)
	}
	if u.Scheme == "http" && !core.IsLoopbackHost(u.Hostname()) {
		return "", fmt.Errorf("%s uses plain http for %s: only loopback addresses (127.0.0.1, ::1, localhost) may use http, since the token would cross the network in the clear; use https", APIURLVar, u.Hostname())
	}
	return strings.TrimRight(raw, "/"), nil
}

// ClientFactory makes the client for a key's credentials, honouring a base URL
// override.
func ClientFactory(base string) func(core.Credentials) *core.Client {
	return func(creds core.Credentials) *core.Client {
		var opts []core.Option
		if base != "" {
			opts = append(opts, core.WithBaseURL(base))
		}
		return core.NewClient(creds, opts...)
	}
}

// session is what most commands need: the vault and a way to make clients.
type session struct {
	vault     *storage.Vault
	newClient func(core.Credentials) *core.Client
	// stateDir holds the window's list cache.
	stateDir string
	// envKey is the key given in the environment (storage.EnvKey), when
	// there is one: then it is the only key, vault is a throwaway one in
	// memory and a temporary folder, and nothing is stored.
	envKey *storage.Key
}

// envOnly is what an env-only session says about its key.
const envOnly = "the key comes from the environment (ASCKEYS_KEY_ID or APP_STORE_CONNECT_API_KEY_KEY_ID)"

func openSession(env *Env) (*session, error) {
	base, err := BaseURLOverride(env.Getenv)
	if err != nil {
		return nil, usageError{err}
	}
	nk, fromEnv, err := storage.EnvKey(env.Getenv)
	if err != nil {
		return nil, err
	}
	if fromEnv {
		return openEnvSession(env, base, nk)
	}
	return openLinkedSession(env, base)
}

// openLinkedSession opens the user's own vault.
func openLinkedSession(env *Env, base string) (*session, error) {
	v, err := storage.Open(storage.Options{Service: strings.TrimSpace(env.Getenv(KeychainServiceVar)), Passphrase: env.passphrase})
	if err != nil {
		return nil, err
	}
	return &session{vault: v, newClient: ClientFactory(base), stateDir: filepath.Join(xdg.CacheHome, "asckeys")}, nil
}

// openEnvSession makes the session of a key given in the environment: a
// vault in a temporary folder (removed when the command ends) on a keychain
// in memory, holding only that key, checked and repaired as any added key.
// Nothing is written under HOME or the XDG folders, and nothing reaches the
// system keychain; what would have to be kept is refused (Ephemeral).
func openEnvSession(env *Env, base string, nk storage.NewKey) (*session, error) {
	dir, err := os.MkdirTemp("", "asckeys-env-")
	if err != nil {
		return nil, fmt.Errorf("making a temporary folder for the key given in the environment: %w", err)
	}
	env.atExit(func() { _ = os.RemoveAll(dir) })
	v, err := storage.Open(storage.Options{Dir: filepath.Join(dir, "vault"), Keychain: storage.NewMemKeychain(), Ephemeral: envOnly})
	if err != nil {
		return nil, err
	}
	k, warnings, err := v.Add(context.Background(), nk)
	if err != nil {
		return nil, fmt.Errorf("the key given in the environment: %w", err)
	}
	for _, w := range warnings {
		fmt.Fprintln(env.Stderr, "warning: the key given in the environment: "+w)
	}
	k.Store = storage.StoreEnv
	return &session{vault: v, newClient: ClientFactory(base), stateDir: filepath.Join(dir, "state"), envKey: &k}, nil
}

// refuseEnv refuses, in an env-only session, a command that changes the
// linked keys: there are none, and the environment's key is not stored.
func (s *session) refuseEnv(what string) error {
	if s.envKey == nil {
		return nil
	}
	return usagef("%s works on the linked keys, and %s, so nothing is linked or changed: unset those variables to %s", what, envOnly, what)
}

// openKey opens the session and finds the key ref names (see resolveKey).
func openKey(ctx context.Context, env *Env, ref string) (*session, storage.Key, error) {
	s, err := openSession(env)
	if err != nil {
		return nil, storage.Key{}, err
	}
	k, err := s.resolveKey(ctx, ref)
	return s, k, err
}

// resolveKey finds the key a command is about: ref is a name or a Key ID;
// empty ref means the only linked key.
func (s *session) resolveKey(ctx context.Context, ref string) (storage.Key, error) {
	if s.envKey != nil {
		// The environment's key is the only key; a --key that names
		// another is a mistake worth saying.
		if ref != "" && !strings.EqualFold(ref, s.envKey.KeyID) && !strings.EqualFold(ref, s.envKey.Name) {
			return storage.Key{}, usagef("--key %q names another key, but %s (Key ID %s), and it is the only key used: leave out --key, or unset those variables", core.SafeText(ref), envOnly, s.envKey.KeyID)
		}
		return *s.envKey, nil
	}
	if ref != "" {
		return s.vault.Find(ctx, ref)
	}
	keys, err := s.vault.List(ctx)
	if err != nil {
		return storage.Key{}, err
	}
	switch len(keys) {
	case 0:
		return storage.Key{}, fmt.Errorf("no key is linked yet: add one with 'asckeys keys add --p8 AuthKey_XXXXXXXXXX.p8'")
	case 1:
		return keys[0], nil
	}
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.Name
	}
	return storage.Key{}, usagef("%d keys are linked (%s): say which with --key NAME or --key KEYID", len(keys), strings.Join(names, ", "))
}

// credentials loads a linked key's private key from the keychain, with the
// long timeout: the keychain may ask to be unlocked.
func (s *session) credentials(ctx context.Context, k storage.Key) (core.Credentials, error) {
	kctx, cancel := storage.WithInteractiveTimeout(ctx)
	defer cancel()
	return s.vault.Credentials(kctx, k.ID)
}

// client makes a client for a linked key.
func (s *session) client(ctx context.Context, k storage.Key) (*core.Client, error) {
	creds, err := s.credentials(ctx, k)
	if err != nil {
		return nil, err
	}
	return s.newClient(creds), nil
}

// keyFlag adds the --key flag with completion of the linked keys' names.
func keyFlag(cmd *cobra.Command, ref *string) {
	cmd.Flags().StringVarP(ref, "key", "k", "", "the key to use: its name or Key ID (optional when one key is linked)")
	_ = cmd.RegisterFlagCompletionFunc("key", completeKeys)
}

func completeKeys(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
	v, err := storage.Open(storage.Options{Service: strings.TrimSpace(os.Getenv(KeychainServiceVar))})
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	keys, err := v.List(cmd.Context())
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, k := range keys {
		k := safeKey(k)
		out = append(out, k.Name+"\t"+k.KeyID+" ("+k.Kind.Label()+")")
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

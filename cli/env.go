package cli

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"

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
}

func openSession(env *Env) (*session, error) {
	base, err := BaseURLOverride(env.Getenv)
	if err != nil {
		return nil, usageError{err}
	}
	v, err := storage.Open(storage.Options{Service: strings.TrimSpace(env.Getenv(KeychainServiceVar))})
	if err != nil {
		return nil, err
	}
	return &session{vault: v, newClient: ClientFactory(base)}, nil
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

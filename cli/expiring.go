package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/asckeys/asckeys/actions"
	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/storage"
)

// expiringJSON is one row of 'asckeys expiring --json', as the contract
// names its fields.
type expiringJSON struct {
	Key            string    `json:"key"`
	Kind           string    `json:"kind"`
	ID             string    `json:"id"`
	Name           string    `json:"name"`
	ExpirationDate core.Time `json:"expirationDate"`
	DaysLeft       int       `json:"daysLeft"`
}

func newExpiringCmd(env *Env) *cobra.Command {
	var within, key string
	var allKeys, check, asJSON bool
	cmd := &cobra.Command{
		Use:   "expiring [--within 30d] [--all-keys] [--check] [--json]",
		Short: "List the certificates and profiles of every linked key that expire soon",
		Long: `Lists the certificates and profiles of every linked key that expire within --within (default 30
days), or have expired but are still listed, soonest first. Expiry comes from the dates, not from
Apple's profileState (which keeps expired profiles ACTIVE).

The lists come from the window's cache when it is fresh enough (6 hours by default: settings.json,
"expiryMaxAge"), so a cron job does not spend the hourly request budget; otherwise from Apple, and
the cache is updated. When Apple cannot be reached, older cached lists are used and a warning on
stderr says how old they are. --check exits 1 when anything is listed, for cron or a CI step.
--key limits the list to one key; --all-keys (the default) says every key explicitly.`,
		Example: `  asckeys expiring
  asckeys expiring --within 14d --check     # in cron: mail when something needs renewing
  asckeys expiring --json | jq '.[] | select(.daysLeft < 7)'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			days, err := actions.ParseWithin(within)
			if err != nil {
				return usageError{err}
			}
			if allKeys && key != "" {
				return usagef("--all-keys and --key contradict each other: give one")
			}
			return runExpiring(cmd.Context(), env, key, days, check, asJSON)
		},
	}
	cmd.Flags().StringVar(&within, "within", "30d", "how far ahead to look: days (30d), weeks (2w) or hours (720h)")
	cmd.Flags().BoolVar(&allKeys, "all-keys", false, "every linked key (the default)")
	cmd.Flags().BoolVar(&check, "check", false, "exit 1 when anything is listed (for cron and CI)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array of {key, kind, id, name, expirationDate, daysLeft}")
	keyFlag(cmd, &key)
	cmd.Flags().Lookup("key").Usage = "only this key: its name or Key ID (default: every linked key)"
	return cmd
}

func runExpiring(ctx context.Context, env *Env, ref string, days int, check, asJSON bool) error {
	s, err := openSession(env)
	if err != nil {
		return err
	}
	var keys []storage.Key
	if ref != "" {
		k, err := s.vault.Find(ctx, ref)
		if err != nil {
			return err
		}
		keys = []storage.Key{k}
	} else if keys, err = s.vault.List(ctx); err != nil {
		return err
	}
	if len(keys) == 0 {
		return errors.New("no key is linked yet: add one with 'asckeys keys add --p8 AuthKey_XXXXXXXXXX.p8'")
	}
	settings, serr := storage.NewSettingsStore(s.vault.Dir()).Load()
	if serr != nil {
		fmt.Fprintln(env.Stderr, "asckeys: warning: "+oneLine(serr.Error()))
	}
	now := time.Now()
	src := actions.ExpirySource{
		// The window's cache (gui.Options.stateDir); a throwaway one for a
		// key given in the environment.
		Cache:  storage.NewListCache(s.stateDir),
		Client: s.client,
		MaxAge: settings.ExpiryCacheAge(),
		Now:    func() time.Time { return now },
	}
	found := src.Keys(ctx, keys)
	if err := ctx.Err(); err != nil {
		return err
	}
	var failed []string
	for _, ke := range found {
		name := core.SafeText(ke.Key.Name)
		switch {
		case ke.Individual:
			fmt.Fprintf(env.Stderr, "asckeys: note: %s is an individual key, which Apple refuses provisioning: skipped\n", name)
		case ke.Offline():
			fmt.Fprintf(env.Stderr, "asckeys: warning: %s: Apple could not be asked (%s): using the lists cached %s\n",
				name, oneLine(core.SafeText(ke.Err.Error())), age(now.Sub(ke.FetchedAt)))
		case ke.Err != nil:
			failed = append(failed, fmt.Sprintf("%s: %s", name, oneLine(ke.Err.Error())))
		}
	}
	items := actions.Expiring(found, days)
	if asJSON {
		rows := make([]expiringJSON, 0, len(items))
		for _, it := range items {
			rows = append(rows, expiringJSON{Key: it.KeyName, Kind: it.Kind, ID: it.ID, Name: it.Name,
				ExpirationDate: it.ExpirationDate, DaysLeft: it.Expiry.DaysLeft})
		}
		if err := writeJSON(env.Stdout, rows); err != nil {
			return err
		}
	} else if len(items) == 0 {
		fmt.Fprintf(env.Stdout, "Nothing expires within %s across %s.\n", plural(days, "day"), plural(len(keys), "key"))
	} else {
		t := newTable(env.Stdout, "EXPIRES", "KIND", "NAME", "TYPE", "KEY", "ID")
		for _, it := range items {
			t.row(expires(it.ExpirationDate, now), it.Kind, dash(it.Name), it.Type, it.KeyName, it.ID)
		}
		if err := t.flush(); err != nil {
			return err
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("no list for %s; the others are shown: check the network and the key (asckeys keys verify)", strings.Join(failed, "; "))
	}
	if check && len(items) > 0 {
		if len(items) == 1 {
			return fmt.Errorf("1 %s expires within %s or has expired", items[0].Kind, plural(days, "day"))
		}
		return fmt.Errorf("%d certificates and profiles expire within %s or have expired", len(items), plural(days, "day"))
	}
	return nil
}

// age says how long ago something was, roughly: "5 minutes ago".
func age(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute") + " ago"
	case d < 48*time.Hour:
		return plural(int(d/time.Hour), "hour") + " ago"
	}
	return plural(int(d/(24*time.Hour)), "day") + " ago"
}

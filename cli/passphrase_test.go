package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/asckeys/asckeys/storage"
)

// TestPassphraseIsAskedTwiceOnCreation: a new encrypted file's passphrase
// is typed twice and must match; an existing one's once; without a
// terminal, ASCKEYS_PASSPHRASE or a message that names it.
func TestPassphraseIsAskedTwiceOnCreation(t *testing.T) {
	env := func(stdin string, terminal bool, vars map[string]string) (*Env, *bytes.Buffer) {
		var stderr bytes.Buffer
		e := &Env{Stdin: strings.NewReader(stdin), Stderr: &stderr, Getenv: func(k string) string { return vars[k] },
			IsTerminal: func(any) bool { return terminal }}
		e.fill()
		return e, &stderr
	}
	ctx := context.Background()

	e, stderr := env("open sesame\nopen sesame\n", true, nil)
	if got, err := e.passphrase(ctx, "/x/secrets.age", true); err != nil || got != "open sesame" {
		t.Fatalf("creating: %q, %v", got, err)
	}
	if !strings.Contains(stderr.String(), "Choose a passphrase") || !strings.Contains(stderr.String(), "Type it again") {
		t.Errorf("creating did not ask twice: %q", stderr)
	}
	if strings.Contains(stderr.String(), "open sesame") {
		t.Error("the passphrase was echoed")
	}

	e, _ = env("open sesame\nopen sesam\n", true, nil)
	if _, err := e.passphrase(ctx, "/x/secrets.age", true); err == nil || !strings.Contains(err.Error(), "differ") {
		t.Fatalf("two different passphrases: %v", err)
	}

	e, stderr = env("open sesame\n", true, nil)
	if got, err := e.passphrase(ctx, "/x/secrets.age", false); err != nil || got != "open sesame" || strings.Contains(stderr.String(), "again") {
		t.Fatalf("opening: %q, %v, %q", got, err, stderr)
	}

	e, _ = env("", false, map[string]string{storage.PassphraseEnv: "from env"})
	if got, err := e.passphrase(ctx, "/x/secrets.age", true); err != nil || got != "from env" {
		t.Fatalf("from %s: %q, %v", storage.PassphraseEnv, got, err)
	}

	e, _ = env("", false, nil)
	if _, err := e.passphrase(ctx, "/x/secrets.age", false); err == nil || !strings.Contains(err.Error(), storage.PassphraseEnv) {
		t.Fatalf("no terminal, no variable: %v", err)
	}
}

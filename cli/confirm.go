package cli

import (
	"bufio"
	"errors"
	"fmt"
	"strings"
)

// errNotConfirmed is the answer "no" to a confirmation (exit status 1).
var errNotConfirmed = errors.New("nothing was changed: not confirmed")

// confirm asks before a command changes something that cannot be taken back
// (at Apple, or a private key): question says what will happen, in the user's
// words. --yes (yes) skips it. When stdin is not a terminal nobody can answer,
// so the command refuses with a usage error (exit 2) that names --yes and
// says what it would have done (refusal). Only "y" or "yes" goes ahead.
func confirm(env *Env, yes bool, question, refusal string) error {
	if yes {
		return nil
	}
	if !env.IsTerminal(env.Stdin) {
		return usagef("%s: add --yes to confirm", refusal)
	}
	fmt.Fprintf(env.Stderr, "%s [y/N] ", question)
	answer, _ := bufio.NewReader(env.Stdin).ReadString('\n')
	if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
		return errNotConfirmed
	}
	return nil
}

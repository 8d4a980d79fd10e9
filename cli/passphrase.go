package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/asckeys/asckeys/storage"
)

// passphrase answers the encrypted key file's question for its passphrase
// (storage.PassphraseFunc): ASCKEYS_PASSPHRASE when set, else typed on the
// terminal without echo, twice when the file is being created. Without a
// terminal and without the variable, it says how to give one.
func (e *Env) passphrase(ctx context.Context, path string, creating bool) (string, error) {
	if p := e.Getenv(storage.PassphraseEnv); p != "" {
		return p, nil
	}
	if !e.IsTerminal(e.Stdin) {
		return "", fmt.Errorf("the encrypted key file %s needs its passphrase and nobody can type it here (stdin is not a terminal): set %s", path, storage.PassphraseEnv)
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if creating {
		fmt.Fprintf(e.Stderr, "Choose a passphrase for the encrypted key file %s (ASC Keys cannot recover it): ", path)
	} else {
		fmt.Fprintf(e.Stderr, "Passphrase of the encrypted key file %s: ", path)
	}
	first, err := e.readSecretLine()
	if err != nil || !creating {
		return first, err
	}
	if first == "" {
		return "", errors.New("an empty passphrase is refused: nothing was saved")
	}
	fmt.Fprint(e.Stderr, "Type it again: ")
	second, err := e.readSecretLine()
	if err != nil {
		return "", err
	}
	if first != second {
		return "", errors.New("the two passphrases differ: nothing was saved; run the command again")
	}
	return first, nil
}

// readSecretLine reads one line from the terminal without echo (from a
// plain reader in tests).
func (e *Env) readSecretLine() (string, error) {
	defer fmt.Fprintln(e.Stderr)
	if f, ok := e.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		b, err := term.ReadPassword(int(f.Fd()))
		return string(b), err
	}
	if e.stdinLines == nil {
		e.stdinLines = bufio.NewReader(e.Stdin)
	}
	line, err := e.stdinLines.ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", fmt.Errorf("reading the passphrase: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

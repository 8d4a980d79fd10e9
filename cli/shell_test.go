package cli

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/storage"
)

// hostileValues would each run a command, or change another variable, if an
// export wrote them unquoted and a shell sourced the file.
var hostileValues = map[string]string{
	"semicolon":   "X;touch MARKER;#",
	"IFS":         "X;touch${IFS}MARKER;#",
	"subshell":    "$(touch MARKER)",
	"backticks":   "`touch MARKER`",
	"single":      "a'; touch MARKER; echo '",
	"double":      `a"; touch MARKER; echo "`,
	"newline":     "X\ntouch MARKER",
	"backslash":   `a\'; touch MARKER; #`,
	"assignment":  "X APP_STORE_CONNECT_API_KEY_IN_HOUSE=true",
	"trailing bs": `X\`,
}

// TestEnvExportsRunNothingWhenRead: every hostile value in every field of
// each env format, read as its syntax is read (sourced by sh, eval'd by
// bash, parsed as GitHub's env file), runs nothing (the marker file never
// appears) and reads back exactly; what GitHub's format cannot hold is
// refused, not written.
func TestEnvExportsRunNothingWhenRead(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the exports are for POSIX shells and GitHub's Linux and macOS runners")
	}
	for _, shell := range []string{"sh", "bash"} {
		if _, err := exec.LookPath(shell); err != nil {
			t.Fatalf("%s is needed to check what a shell makes of an export: %v", shell, err)
		}
	}
	for name, value := range hostileValues {
		k := storage.Key{Name: "CI", KeyID: value, IssuerID: value, Kind: core.KindEnterprise}
		for _, format := range []string{formatEnvFastlane, formatEnvCodemagic} {
			t.Run(name+"/"+format, func(t *testing.T) {
				sh, err := envExport(format, syntaxShell, k, []byte(value))
				if err != nil {
					t.Fatal(err)
				}
				want := ReadEnvWith(t, "sh", sh, `. ./e.env`)
				if got := ReadEnvWith(t, "bash", sh, `eval "$(cat e.env)"`); !sameVars(got, want) {
					t.Errorf("bash's eval reads %q, sh's . reads %q", got, want)
				}
				checkValues(t, format, want, value)

				gh, err := envExport(format, syntaxGitHub, k, []byte(value))
				if strings.Contains(value, "\n") {
					if err == nil {
						t.Errorf("GitHub's env file got a value with a line break:\n%s", gh)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				checkValues(t, format, parseGitHubEnv(t, string(gh)), value)
			})
		}
	}
}

// checkValues: the Key ID and Issuer ID read back exactly, and no other
// variable appeared.
func checkValues(t *testing.T, format string, vars map[string]string, value string) {
	t.Helper()
	keyID, issuer, names := "APP_STORE_CONNECT_API_KEY_KEY_ID", "APP_STORE_CONNECT_API_KEY_ISSUER_ID", 5
	if format == formatEnvCodemagic {
		keyID, issuer, names = "APP_STORE_CONNECT_KEY_IDENTIFIER", "APP_STORE_CONNECT_ISSUER_ID", 3
		if vars["APP_STORE_CONNECT_PRIVATE_KEY"] != value {
			t.Errorf("the private key reads back as %q, want %q", vars["APP_STORE_CONNECT_PRIVATE_KEY"], value)
		}
	}
	if vars[keyID] != value || vars[issuer] != value {
		t.Errorf("%s = %q, %s = %q; want %q", keyID, vars[keyID], issuer, vars[issuer], value)
	}
	if len(vars) != names {
		t.Errorf("%d variables read back, want %d: %q", len(vars), names, vars)
	}
}

// parseShellWith writes the export to e.env in a fresh folder, has shell read
// it with load, and returns the APP_STORE_CONNECT_ variables it then holds.
// It fails the test if the marker file appeared.
func ReadEnvWith(t *testing.T, shell string, export []byte, load string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "e.env"), export, 0o600); err != nil {
		t.Fatal(err)
	}
	script := "set -a; " + load + "; env -0"
	cmd := exec.Command(shell, "-c", script)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "IFS= \t\n"}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s -c %q: %v\n%s", shell, script, err, export)
	}
	if _, err := os.Stat(filepath.Join(dir, "MARKER")); err == nil {
		t.Fatalf("%s ran a command while reading the export:\n%s", shell, export)
	}
	vars := map[string]string{}
	for _, kv := range strings.Split(string(out), "\x00") {
		if name, value, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(name, "APP_STORE_CONNECT_") {
			vars[name] = value
		}
	}
	return vars
}

// parseGitHubEnv reads a GitHub Actions env file as GitHub documents it
// ("Setting an environment variable", workflow commands): each line is
// {name}={value}, the value everything after the first "=" with no quoting,
// or {name}<<{delimiter} followed by the value's lines and the delimiter on
// a line of its own.
func parseGitHubEnv(t *testing.T, file string) map[string]string {
	t.Helper()
	vars := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(file))
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		eq, heredoc := strings.Index(line, "="), strings.Index(line, "<<")
		if eq >= 0 && (heredoc < 0 || eq < heredoc) {
			vars[line[:eq]] = line[eq+1:]
			continue
		}
		if heredoc < 0 {
			t.Fatalf("GitHub would refuse the line %q", line)
		}
		name, delim := line[:heredoc], line[heredoc+2:]
		var lines []string
		for sc.Scan() && sc.Text() != delim {
			lines = append(lines, sc.Text())
		}
		vars[name] = strings.Join(lines, "\n")
	}
	return vars
}

func sameVars(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

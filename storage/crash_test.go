package storage

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The vault under crashes: a child process adds and removes keys in a loop
// and is killed with SIGKILL at a random moment, again and again, on one
// vault folder and one keychain that outlive it (fileKeychain, the
// file-backed test keychain of process_test.go). After every kill the vault
// must hold exactly what the child was told, give or take the one operation
// that was in flight: keys.json parses, every key whose Add returned is there
// with its private key, every key whose Remove returned is gone, and Open
// plus CleanUp leave no removal unfinished.

const (
	crashHelperEnv = "ASCKEYS_CRASH_HELPER"
	crashDirEnv    = "ASCKEYS_CRASH_DIR"
	crashSeedEnv   = "ASCKEYS_CRASH_SEED"
	// crashKills is how many times the child is killed, every time: the
	// README promises that many. Each kill takes some 40 ms, so a slow
	// machine runs longer rather than proving less.
	crashKills = 200
	// crashMaxLive is how many keys the child keeps before it removes one,
	// so keys.json stays small and every run both adds and removes.
	crashMaxLive = 4
)

// TestCrashHelperProcess is not a test: TestVaultSurvivesKills runs this
// test binary with -test.run=^TestCrashHelperProcess$ and
// ASCKEYS_CRASH_HELPER set, as the child it kills. Without the variable it
// does nothing.
func TestCrashHelperProcess(t *testing.T) {
	if os.Getenv(crashHelperEnv) == "" {
		return
	}
	dir := os.Getenv(crashDirEnv)
	seed, _ := strconv.ParseUint(os.Getenv(crashSeedEnv), 10, 64)
	rng := rand.New(rand.NewPCG(seed, uint64(os.Getpid())))
	ctx := context.Background()
	// Open finishes what an earlier child's kill interrupted.
	v, err := Open(Options{Dir: filepath.Join(dir, "vault"), Keychain: newFileKeychain(filepath.Join(dir, "keychain"))})
	if err != nil {
		fmt.Printf("FAILED open: %v\n", err)
		os.Exit(3)
	}
	keys, err := v.List(ctx)
	if err != nil {
		fmt.Printf("FAILED list: %v\n", err)
		os.Exit(3)
	}
	live := make([]string, 0, len(keys))
	for _, k := range keys {
		live = append(live, k.ID)
	}
	fmt.Println("READY")
	for i := 0; ; i++ {
		if len(live) >= crashMaxLive || len(live) > 0 && rng.IntN(3) == 0 {
			j := rng.IntN(len(live))
			id := live[j]
			fmt.Printf("REMOVING %s\n", id)
			if err := v.Remove(ctx, id); err != nil {
				fmt.Printf("FAILED remove %s: %v\n", id, err)
				os.Exit(3)
			}
			fmt.Printf("REMOVED %s\n", id)
			live = slices.Delete(live, j, j+1)
			continue
		}
		name := fmt.Sprintf("crash-%d-%d", seed, i) // each child has its own seed
		nk, _ := newKey(t, name, crashKeyID(rng))
		fmt.Printf("ADDING %s\n", name)
		k, _, err := v.Add(ctx, nk)
		if err != nil {
			fmt.Printf("FAILED add %s: %v\n", name, err)
			os.Exit(3)
		}
		fmt.Printf("ADDED %s %s %s\n", k.ID, k.Name, k.Fingerprint)
		live = append(live, k.ID)
	}
}

// crashKeyID makes a random Key ID of Apple's shape: 10 upper-case letters
// and digits.
func crashKeyID(rng *rand.Rand) string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 10)
	for i := range b {
		b[i] = chars[rng.IntN(len(chars))]
	}
	return string(b)
}

// crashKey is what the parent knows about a key the child added.
type crashKey struct{ id, name, fingerprint string }

// crashState is the vault as the child reported it: the keys whose Add
// returned and not yet removed, and the operation under way when it died.
type crashState struct {
	live     map[string]crashKey // by vault id
	removed  map[string]bool     // ids whose Remove returned
	adding   string              // name of the key being added, if any
	removing string              // id of the key being removed, if any
}

var crashLine = regexp.MustCompile(`^(READY|ADDING|ADDED|REMOVING|REMOVED|FAILED)\b ?(.*)$`)

// apply reads one child's output into the state. It returns whether the
// child got as far as READY.
func (s *crashState) apply(t *testing.T, lines []string) (ready bool) {
	t.Helper()
	s.adding, s.removing = "", ""
	for _, line := range lines {
		m := crashLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		f := strings.Fields(m[2])
		switch m[1] {
		case "READY":
			ready = true
		case "ADDING":
			s.adding = f[0]
		case "ADDED":
			s.live[f[0]] = crashKey{id: f[0], name: f[1], fingerprint: f[2]}
			s.adding = ""
		case "REMOVING":
			s.removing = f[0]
		case "REMOVED":
			delete(s.live, f[0])
			s.removed[f[0]] = true
			s.removing = ""
		case "FAILED":
			t.Fatalf("the child failed: %s", line)
		}
	}
	return ready
}

// runCrashChild starts the child, kills it at a random moment, and returns
// every line it printed and whether the kill came after it was ready.
func runCrashChild(t *testing.T, dir string, seed uint64, rng *rand.Rand) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashHelperEnv+"=1", crashDirEnv+"="+dir, crashSeedEnv+"="+strconv.FormatUint(seed, 10))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1024)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var got []string
	// Most kills land while keys are being added and removed; one in five
	// lands anywhere from the start, during Open's clean-up included.
	if rng.IntN(5) > 0 {
		guard := time.After(30 * time.Second) // a hang guard, not a timing assertion
	wait:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("the child ended before it was ready: %v\n%s", cmd.Wait(), stderr.String())
				}
				got = append(got, l)
				if l == "READY" {
					break wait
				}
			case <-guard:
				_ = cmd.Process.Kill()
				t.Fatalf("the child never got ready:\n%s", stderr.String())
			}
		}
		time.Sleep(time.Duration(rng.IntN(30_000)) * time.Microsecond)
	} else {
		time.Sleep(time.Duration(rng.IntN(40_000)) * time.Microsecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for l := range lines {
		got = append(got, l)
	}
	err = cmd.Wait()
	var exit interface{ Sys() any }
	if errors.As(err, &exit) {
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && !(ws.Signaled() && ws.Signal() == syscall.SIGKILL) {
			t.Fatalf("the child ended on its own (%v) before the kill:\n%s\n%s", err, strings.Join(got, "\n"), stderr.String())
		}
	}
	return got
}

// vaultTemps lists the temporary files an interrupted atomic write of
// keys.json or its backup leaves in the vault folder.
func vaultTemps(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	var temps []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "."+FileName) {
			temps = append(temps, e.Name())
		}
	}
	return temps
}

func TestVaultSurvivesKills(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a child process 200 times: not in -short")
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(crashSeedEnv); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (set %s to repeat)", seed, crashSeedEnv)
	rng := rand.New(rand.NewPCG(seed, 0))
	dir := t.TempDir()
	vaultDir := filepath.Join(dir, "vault")
	state := &crashState{live: map[string]crashKey{}, removed: map[string]bool{}}
	ctx := context.Background()
	start := time.Now()
	var kills, midOp, midWrite, beforeReady, written int
	seenTemps := map[string]bool{}
	for kills < crashKills {
		lines := runCrashChild(t, dir, seed+uint64(kills), rng)
		kills++
		if !state.apply(t, lines) {
			beforeReady++
		}
		if state.adding != "" || state.removing != "" {
			midOp++
		}
		for _, tmp := range vaultTemps(t, vaultDir) {
			if !seenTemps[tmp] {
				seenTemps[tmp] = true
				midWrite++
			}
		}

		// keys.json parses; it is absent only before the first write.
		raw, err := os.ReadFile(filepath.Join(vaultDir, FileName))
		if errors.Is(err, fs.ErrNotExist) {
			if written > 0 || len(state.live) > 0 {
				t.Fatalf("kill %d: keys.json is gone after it was written", kills)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		written++
		doc, err := decode(raw)
		if err != nil {
			t.Fatalf("kill %d: keys.json does not parse: %v\n%s", kills, err, raw)
		}

		// It holds the old or the new state of the operation in flight:
		// every key the child was told is added, nothing it was told is
		// removed, and nothing else but the key in flight.
		listed := map[string]Key{}
		for _, k := range doc.Keys {
			listed[k.ID] = k
		}
		for id, want := range state.live {
			got, ok := listed[id]
			switch {
			case !ok && id == state.removing:
				delete(state.live, id) // the removal in flight got recorded: the new state
				state.removed[id] = true
			case !ok:
				t.Fatalf("kill %d: key %s (%s) was added, and is lost", kills, id, want.name)
			case got.Name != want.name || got.Fingerprint != want.fingerprint:
				t.Fatalf("kill %d: key %s is listed as %q %s, added as %q %s", kills, id, got.Name, got.Fingerprint, want.name, want.fingerprint)
			}
		}
		for id, k := range listed {
			switch _, ok := state.live[id]; {
			case ok:
			case state.removed[id]:
				t.Fatalf("kill %d: key %s (%s) was removed, and is back", kills, id, k.Name)
			case k.Name == state.adding:
				state.live[id] = crashKey{id: id, name: k.Name, fingerprint: k.Fingerprint} // the add in flight was saved: the new state
			default:
				t.Fatalf("kill %d: key %s (%s) is listed but was never added", kills, id, k.Name)
			}
		}

		// Open and CleanUp (as the next start does) finish every removal,
		// and every key is there with its private key.
		kc := newFileKeychain(filepath.Join(dir, "keychain"))
		v, err := Open(Options{Dir: vaultDir, Keychain: kc})
		if err != nil {
			t.Fatalf("kill %d: %v", kills, err)
		}
		if err := v.CleanUp(ctx); err != nil {
			t.Fatalf("kill %d: CleanUp: %v", kills, err)
		}
		after, _, err := v.load()
		if err != nil {
			t.Fatalf("kill %d: %v", kills, err)
		}
		if len(after.PendingDeletes) != 0 {
			t.Fatalf("kill %d: %d removals still pending after Open and CleanUp", kills, len(after.PendingDeletes))
		}
		if temps := vaultTemps(t, vaultDir); len(temps) != 0 {
			t.Fatalf("kill %d: Open left the temporary files of interrupted writes: %v", kills, temps)
		}
		// A kill between storing a private key and saving keys.json leaves
		// the secret under an id nothing lists, but recorded: Open deletes it.
		for _, account := range fileKeychainAccounts(t, kc) {
			if _, ok := state.live[account]; !ok {
				t.Fatalf("kill %d: the keychain holds a private key (id %s) that no key lists", kills, account)
			}
		}
		for id, k := range state.live {
			creds, err := v.Credentials(ctx, id)
			if err != nil {
				t.Fatalf("kill %d: key %s (%s) has lost its private key: %v", kills, id, k.name, err)
			}
			if creds.PrivateKey == nil {
				t.Fatalf("kill %d: key %s loaded without a private key", kills, id)
			}
		}
		for id := range state.removed {
			if _, err := kc.Get(ctx, id); !errors.Is(err, ErrSecretNotFound) {
				t.Fatalf("kill %d: the private key of removed key %s is still in the keychain (%v)", kills, id, err)
			}
		}
	}
	t.Logf("%d kills in %s: %d mid-operation, %d before the child was ready; %d left a temporary keys.json behind (killed mid-write); %d keys live at the end, %d removed",
		kills, time.Since(start).Round(time.Millisecond), midOp, beforeReady, midWrite, len(state.live), len(state.removed))
	if midOp == 0 {
		t.Error("no kill landed mid-operation: the test proved nothing")
	}
	if len(state.removed) == 0 || written == 0 {
		t.Error("the children never removed a key or never wrote keys.json")
	}
}

// fileKeychainAccounts lists the accounts holding a secret in f.
func fileKeychainAccounts(t *testing.T, f *fileKeychain) []string {
	t.Helper()
	var accounts []string
	err := f.update(context.Background(), OpGet, func(m map[string]string) (bool, error) {
		for a := range m {
			accounts = append(accounts, a)
		}
		return false, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return accounts
}

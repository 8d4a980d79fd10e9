package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/asckeys/asckeys/core/keyfile/keyfiletest"
)

func TestRunTimesOutAndCancels(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	stuck := func() (string, error) { <-block; return "late", nil }

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := run(ctx, OpGet, stuck)
	if !errors.Is(err, ErrKeychainTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a keychain that never answers: %v", err)
	}
	containsAll(t, err.Error(), "did not answer in time", "unlock")

	ctx, cancel = context.WithCancel(context.Background())
	go cancel()
	if _, err := run(ctx, OpSet, stuck); !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled call: %v", err)
	}

	got, err := run(context.Background(), OpGet, func() (string, error) { return "secret", nil })
	if err != nil || got != "secret" {
		t.Fatalf("a call that answers: %q, %v", got, err)
	}
	_, err = run(context.Background(), OpDelete, func() (string, error) { return "", keyring.ErrNotFound })
	if !errors.Is(err, ErrSecretNotFound) || !errors.Is(err, keyring.ErrNotFound) {
		t.Fatalf("not found: %v", err)
	}
}

func TestKeychainErrorMessages(t *testing.T) {
	for kind, want := range map[error]string{
		ErrSecretNotFound:  "no private key for this entry",
		ErrNoKeychain:      noKeychainAdvice,
		ErrKeychainLocked:  lockedAdvice,
		ErrKeychainTimeout: "answer its prompt and try again",
		ErrSecretTooLarge:  "larger than this keychain accepts",
		ErrKeychainFailed:  "try again",
	} {
		err := error(&KeychainError{Op: OpSet, Kind: kind, Err: errors.New("detail")})
		if !errors.Is(err, kind) {
			t.Errorf("%v is not %v", err, kind)
		}
		containsAll(t, err.Error(), "could not save the private key in the keychain (detail)", want)
	}
}

func TestSystemKeychainRefusesOversizedSecrets(t *testing.T) {
	err := NewSystemKeychain("io.asckeys.app.test-unused").Set(context.Background(), "x", strings.Repeat("A", maxSecretBytes+1))
	if !errors.Is(err, ErrSecretTooLarge) {
		t.Fatalf("oversized secret: %v", err)
	}
}

func TestScrubRemovesTheSecret(t *testing.T) {
	k := keyfiletest.New(t)
	secret := string(k.PKCS8)
	lines := strings.Split(strings.TrimSpace(secret), "\n")
	for _, leaked := range []string{secret, "bad item: " + lines[1], "x" + lines[2] + "y"} {
		err := scrub(&KeychainError{Op: OpSet, Kind: ErrKeychainFailed, Err: errors.New(leaked)}, secret)
		keyfiletest.AssertNoKeyMaterial(t, strings.ReplaceAll(err.Error(), "PRIVATE KEY", ""), k)
		if !errors.Is(err, ErrKeychainFailed) || !strings.Contains(err.Error(), "[redacted]") {
			t.Errorf("scrubbed error %v", err)
		}
	}
}

func TestMemKeychainFaults(t *testing.T) {
	ctx := context.Background()
	kc := NewMemKeychain()
	boom := errors.New("boom")
	kc.Inject(Fault{Op: OpSet, After: 1, Times: 2, Err: boom})
	var results []error
	for i := range 5 {
		results = append(results, kc.Set(ctx, fmt.Sprint(i), "s"))
	}
	want := []error{nil, boom, boom, nil, nil}
	for i := range want {
		if results[i] != want[i] {
			t.Errorf("call %d: %v, want %v", i+1, results[i], want[i])
		}
	}
	if got := kc.Accounts(); strings.Join(got, ",") != "0,3,4" {
		t.Errorf("accounts %v", got)
	}
	if kc.Calls(OpSet) != 5 {
		t.Errorf("calls %d", kc.Calls(OpSet))
	}
	if _, err := kc.Get(ctx, "missing"); !errors.Is(err, ErrSecretNotFound) {
		t.Errorf("missing: %v", err)
	}
	kc.SetLocked(true)
	if _, err := kc.Get(ctx, "0"); !errors.Is(err, ErrKeychainLocked) {
		t.Errorf("locked: %v", err)
	}
	kc.SetLocked(false)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := kc.Delete(cancelled, "0"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	kc.Inject(Fault{Op: OpDelete, Apply: true})
	if err := kc.Delete(ctx, "0"); !errors.Is(err, ErrKeychainFailed) {
		t.Errorf("applied fault: %v", err)
	}
	if _, ok := kc.Secret("0"); ok {
		t.Error("an applied fault did not apply")
	}
}

func TestMemKeychainIsRaceSafe(t *testing.T) {
	ctx := context.Background()
	kc := NewMemKeychain()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 50 {
				account := fmt.Sprintf("%d-%d", w, i)
				if err := kc.Set(ctx, account, account); err != nil {
					t.Error(err)
				}
				if got, err := kc.Get(ctx, account); err != nil || got != account {
					t.Errorf("%s: %q, %v", account, got, err)
				}
				if i%2 == 0 {
					kc.Delete(ctx, account)
				}
			}
		})
	}
	wg.Wait()
	if n := len(kc.Accounts()); n != 8*25 {
		t.Errorf("%d secrets, want 200", n)
	}
}

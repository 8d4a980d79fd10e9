package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/zalando/go-keyring"
)

// Keychain stores secrets by account in the operating system's keychain (or a
// stand-in for tests). Every call takes a context whose deadline bounds how
// long it may wait: a keychain can block until its owner answers an unlock
// prompt. Errors are *KeychainError values that errors.Is matches against
// ErrSecretNotFound, ErrNoKeychain, ErrKeychainLocked, ErrKeychainTimeout,
// ErrSecretTooLarge and ErrKeychainFailed.
type Keychain interface {
	Set(ctx context.Context, account, secret string) error
	Get(ctx context.Context, account string) (string, error)
	Delete(ctx context.Context, account string) error
}

// How long keychain calls may take. Background checks must not hang the
// program; something the user just asked for may wait for an unlock prompt.
const (
	BackgroundTimeout  = 5 * time.Second
	InteractiveTimeout = 2 * time.Minute
)

// WithBackgroundTimeout bounds ctx by BackgroundTimeout, for keychain work
// the user did not ask for (status checks).
func WithBackgroundTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, BackgroundTimeout)
}

// WithInteractiveTimeout bounds ctx by InteractiveTimeout, for keychain work
// the user asked for, which may have to wait for an unlock prompt.
func WithInteractiveTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, InteractiveTimeout)
}

// The kinds of keychain failure. A *KeychainError's Kind is one of these (or
// context.Canceled), and errors.Is matches it.
var (
	ErrSecretNotFound  = errors.New("no such secret in the keychain")
	ErrNoKeychain      = errors.New("no keychain available")
	ErrKeychainLocked  = errors.New("keychain locked or access denied")
	ErrKeychainTimeout = errors.New("keychain did not answer in time")
	ErrSecretTooLarge  = errors.New("secret too large for the keychain")
	ErrKeychainFailed  = errors.New("keychain failed")
)

// Op names a keychain operation.
type Op string

// The keychain operations.
const (
	OpSet    Op = "set"
	OpGet    Op = "get"
	OpDelete Op = "delete"
)

// KeychainError is a failed keychain call. Its message says what failed and
// what the user can do; it never holds the secret.
type KeychainError struct {
	Op   Op
	Kind error // one of the Err* kinds above, or context.Canceled
	Err  error // the underlying error, if any
}

// Error describes the failure and its remedy.
func (e *KeychainError) Error() string {
	var b strings.Builder
	switch e.Op {
	case OpSet:
		b.WriteString("could not save the private key in the keychain")
	case OpDelete:
		b.WriteString("could not delete the private key from the keychain")
	default:
		b.WriteString("could not read the private key from the keychain")
	}
	if e.Err != nil && e.Err != e.Kind {
		fmt.Fprintf(&b, " (%v)", e.Err)
	}
	b.WriteString(": ")
	b.WriteString(advice(e.Kind))
	return b.String()
}

// Is matches the error's Kind, so errors.Is(err, ErrKeychainLocked) works
// whatever the underlying error.
func (e *KeychainError) Is(target error) bool { return target == e.Kind }

// Unwrap returns the underlying error.
func (e *KeychainError) Unwrap() error { return e.Err }

func advice(kind error) string {
	switch kind {
	case ErrSecretNotFound:
		return "the keychain holds no private key for this entry"
	case ErrNoKeychain:
		return noKeychainAdvice
	case ErrKeychainLocked:
		return lockedAdvice
	case ErrKeychainTimeout:
		return "the keychain did not answer in time; it may be waiting for you to unlock it or to allow ASC Keys: answer its prompt and try again"
	case ErrSecretTooLarge:
		return fmt.Sprintf("the secret is larger than this keychain accepts (%d bytes): this is a bug in ASC Keys, please report it", maxSecretBytes)
	case context.Canceled:
		return "cancelled"
	}
	return "the keychain reported an error: try again, and if it keeps failing, check that the keychain works (" + keychainTool + ")"
}

// contextError turns a finished context into a keychain error.
func contextError(op Op, err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return &KeychainError{Op: op, Kind: ErrKeychainTimeout, Err: err}
	}
	return &KeychainError{Op: op, Kind: context.Canceled, Err: err}
}

// NewSystemKeychain returns the operating system's keychain through
// go-keyring: the Secret Service (GNOME Keyring, KeePassXC) on Linux, the
// login keychain on macOS, Credential Manager on Windows. Secrets are stored
// under service and the account given to each call.
//
// Each call runs in its own goroutine and gives up when ctx ends; a context
// without a deadline gets InteractiveTimeout. go-keyring cannot be
// interrupted, so a call that timed out may still finish later (a Set may
// still store its secret); callers that care record that possibility.
func NewSystemKeychain(service string) Keychain {
	return &systemKeychain{service: service}
}

type systemKeychain struct{ service string }

func (k *systemKeychain) Set(ctx context.Context, account, secret string) error {
	if len(secret) > maxSecretBytes {
		return &KeychainError{Op: OpSet, Kind: ErrSecretTooLarge, Err: fmt.Errorf("%d bytes", len(secret))}
	}
	_, err := run(ctx, OpSet, func() (struct{}, error) {
		return struct{}{}, keyring.Set(k.service, account, secret)
	})
	return scrub(err, secret)
}

func (k *systemKeychain) Get(ctx context.Context, account string) (string, error) {
	return run(ctx, OpGet, func() (string, error) { return keyring.Get(k.service, account) })
}

func (k *systemKeychain) Delete(ctx context.Context, account string) error {
	_, err := run(ctx, OpDelete, func() (struct{}, error) {
		return struct{}{}, keyring.Delete(k.service, account)
	})
	return err
}

// run calls fn in a goroutine and waits for it or for ctx.
func run[T any](ctx context.Context, op Op, fn func() (T, error)) (T, error) {
	var zero T
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = WithInteractiveTimeout(ctx)
		defer cancel()
	}
	if err := ctx.Err(); err != nil {
		return zero, contextError(op, err)
	}
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1) // buffered: a late answer must not block the goroutine forever
	go func() {
		v, err := fn()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return zero, classify(op, r.err)
		}
		return r.v, nil
	case <-ctx.Done():
		return zero, contextError(op, ctx.Err())
	}
}

// classify maps go-keyring's and the platform's errors to a kind.
func classify(op Op, err error) error { return classifyWith(op, err, classifyPlatform) }

// classifyWith is classify with the platform's mapping given, so every
// platform's is tested everywhere.
func classifyWith(op Op, err error, platform func(error) error) error {
	kind := ErrKeychainFailed
	switch {
	case errors.Is(err, keyring.ErrNotFound):
		kind = ErrSecretNotFound
	case errors.Is(err, keyring.ErrSetDataTooBig):
		kind = ErrSecretTooLarge
	case errors.Is(err, keyring.ErrUnsupportedPlatform):
		kind = ErrNoKeychain
	default:
		if k := platform(err); k != nil {
			kind = k
		}
	}
	return &KeychainError{Op: op, Kind: kind, Err: err}
}

// scrub removes any trace of secret from err's text. No keychain is known to
// echo a secret, but the price of one that does is too high to trust that.
func scrub(err error, secret string) error {
	if err == nil || secret == "" {
		return err
	}
	var ke *KeychainError
	if !errors.As(err, &ke) || ke.Err == nil {
		return err
	}
	text := ke.Err.Error()
	clean := redact(text, secret)
	if clean == text {
		return err
	}
	return &KeychainError{Op: ke.Op, Kind: ke.Kind, Err: errors.New(clean)}
}

// redact replaces the secret, and every line of it long enough to identify
// it, with [redacted].
func redact(text, secret string) string {
	text = strings.ReplaceAll(text, secret, "[redacted]")
	for _, line := range strings.Split(secret, "\n") {
		line = strings.TrimSpace(line)
		if len(line) >= 8 && !strings.HasPrefix(line, "-----") {
			text = strings.ReplaceAll(text, line, "[redacted]")
		}
	}
	return text
}

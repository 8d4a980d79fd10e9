package storage

import (
	"context"
	"maps"
	"slices"
	"sync"
)

// MemKeychain is a Keychain in memory, safe for concurrent use, for tests
// and the demo (go-keyring's own mock is not safe under the race detector).
// Faults can be injected to make calls fail on cue.
type MemKeychain struct {
	mu      sync.Mutex
	secrets map[string]string
	calls   map[Op]int
	faults  []*Fault
	locked  bool
}

// Fault makes matching MemKeychain calls fail.
type Fault struct {
	Op    Op    // the operation to fail; "" for all
	After int   // let this many matching calls succeed first
	Times int   // fail this many calls, then stop; 0 fails every later call
	Err   error // what to return; nil means a *KeychainError of kind ErrKeychainFailed
	// Apply carries the operation out before failing, as a keychain does
	// when it answers after the caller gave up waiting.
	Apply bool
	// Silent reports success without doing anything, as the Secret Service
	// does when its unlock prompt is dismissed.
	Silent bool
	seen   int
	fired  int
}

// NewMemKeychain returns an empty in-memory keychain.
func NewMemKeychain() *MemKeychain {
	return &MemKeychain{secrets: map[string]string{}, calls: map[Op]int{}}
}

// Inject adds a fault; faults are checked in the order they were added.
func (m *MemKeychain) Inject(f Fault) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.faults = append(m.faults, &f)
}

// ClearFaults removes every injected fault.
func (m *MemKeychain) ClearFaults() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.faults = nil
}

// SetLocked makes every call fail with ErrKeychainLocked until unlocked.
func (m *MemKeychain) SetLocked(locked bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.locked = locked
}

// Secret returns the stored secret, bypassing faults, for tests to inspect.
func (m *MemKeychain) Secret(account string) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.secrets[account]
	return s, ok
}

// Accounts lists the accounts holding a secret, sorted.
func (m *MemKeychain) Accounts() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Sorted(maps.Keys(m.secrets))
}

// Calls counts the calls made to op, failed ones included.
func (m *MemKeychain) Calls(op Op) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls[op]
}

// Set stores secret for account.
func (m *MemKeychain) Set(ctx context.Context, account, secret string) error {
	_, err := m.do(ctx, OpSet, func() (string, error) {
		m.secrets[account] = secret
		return "", nil
	})
	return err
}

// Get returns account's secret.
func (m *MemKeychain) Get(ctx context.Context, account string) (string, error) {
	return m.do(ctx, OpGet, func() (string, error) {
		s, ok := m.secrets[account]
		if !ok {
			return "", &KeychainError{Op: OpGet, Kind: ErrSecretNotFound}
		}
		return s, nil
	})
}

// Delete removes account's secret.
func (m *MemKeychain) Delete(ctx context.Context, account string) error {
	_, err := m.do(ctx, OpDelete, func() (string, error) {
		if _, ok := m.secrets[account]; !ok {
			return "", &KeychainError{Op: OpDelete, Kind: ErrSecretNotFound}
		}
		delete(m.secrets, account)
		return "", nil
	})
	return err
}

func (m *MemKeychain) do(ctx context.Context, op Op, fn func() (string, error)) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls[op]++
	if err := ctx.Err(); err != nil {
		return "", contextError(op, err)
	}
	if m.locked {
		return "", &KeychainError{Op: op, Kind: ErrKeychainLocked}
	}
	for _, f := range m.faults {
		if f.Op != "" && f.Op != op {
			continue
		}
		f.seen++
		if f.seen <= f.After || f.Times > 0 && f.fired >= f.Times {
			continue
		}
		f.fired++
		if f.Silent {
			return "", nil
		}
		if f.Apply {
			_, _ = fn()
		}
		if f.Err != nil {
			return "", f.Err
		}
		return "", &KeychainError{Op: op, Kind: ErrKeychainFailed}
	}
	return fn()
}

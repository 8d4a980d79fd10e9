package storage

import (
	"errors"
	"fmt"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/zalando/go-keyring"
)

// exitError returns a real *exec.ExitError with status code, as go-keyring
// returns when security(1) fails.
func exitError(t *testing.T, code int) error {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("needs sh")
	}
	err := exec.Command("sh", "-c", fmt.Sprintf("exit %d", code)).Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != code {
		t.Fatalf("exit %d: %v", code, err)
	}
	return err
}

// TestClassifyDarwin maps what go-keyring's macOS backend returns: its own
// ErrNotFound (it reads "could not be found" in security's output), the
// *exec.ExitError of security(1) with the low byte of the OSStatus, a
// missing /usr/bin/security, and the texts security prints.
func TestClassifyDarwin(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"go-keyring not found", keyring.ErrNotFound, ErrSecretNotFound},
		{"go-keyring too big", keyring.ErrSetDataTooBig, ErrSecretTooLarge},
		{"go-keyring unsupported", keyring.ErrUnsupportedPlatform, ErrNoKeychain},
		{"errSecItemNotFound", exitError(t, 44), ErrSecretNotFound},
		{"errSecInteractionNotAllowed", exitError(t, 36), ErrKeychainLocked},
		{"errSecAuthFailed", exitError(t, 51), ErrKeychainLocked},
		{"userCanceledErr", exitError(t, 128), ErrKeychainLocked},
		{"errSecWrPerm", exitError(t, 195), ErrKeychainLocked},
		{"errSecNoSuchKeychain", exitError(t, 50), ErrNoKeychain},
		{"errSecNotAvailable", exitError(t, 53), ErrNoKeychain},
		{"other status", exitError(t, 1), ErrKeychainFailed},
		{"no security tool", &exec.Error{Name: "/usr/bin/security", Err: exec.ErrNotFound}, ErrNoKeychain},
		{"text: not found", errors.New("security: SecKeychainSearchCopyNext: The specified item could not be found in the keychain."), ErrSecretNotFound},
		{"text: interaction", errors.New("security: SecKeychainItemCopyContent: User interaction is not allowed."), ErrKeychainLocked},
		{"text: canceled", errors.New("security: SecKeychainAddGenericPassword: User canceled the operation."), ErrKeychainLocked},
		{"text: no keychain", errors.New("security: SecKeychainCopyDefault: The specified keychain could not be found."), ErrNoKeychain},
		{"something else", errors.New("boom"), ErrKeychainFailed},
	} {
		got := classifyWith(OpGet, tc.err, classifyDarwin)
		if !errors.Is(got, tc.want) {
			t.Errorf("%s: classify(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
	for _, advice := range []string{darwinNoKeychainAdvice, darwinLockedAdvice} {
		if !strings.Contains(advice, "login keychain") {
			t.Errorf("macOS advice %q does not say which keychain", advice)
		}
	}
}

// TestClassifyWindows maps what go-keyring's Windows backend returns: its
// ErrNotFound (for ERROR_NOT_FOUND) and wincred's syscall.Errno values.
func TestClassifyWindows(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"go-keyring not found", keyring.ErrNotFound, ErrSecretNotFound},
		{"go-keyring too big", keyring.ErrSetDataTooBig, ErrSecretTooLarge},
		{"ERROR_NOT_FOUND", syscall.Errno(1168), ErrSecretNotFound},
		{"ERROR_NO_SUCH_LOGON_SESSION", syscall.Errno(1312), ErrNoKeychain},
		{"ERROR_ACCESS_DENIED", syscall.Errno(5), ErrKeychainLocked},
		{"ERROR_BAD_LENGTH", syscall.Errno(24), ErrSecretTooLarge},
		{"wrapped", fmt.Errorf("CredWriteW: %w", syscall.Errno(1312)), ErrNoKeychain},
		{"ERROR_INVALID_PARAMETER", syscall.Errno(87), ErrKeychainFailed},
	} {
		got := classifyWith(OpSet, tc.err, classifyWindows)
		if !errors.Is(got, tc.want) {
			t.Errorf("%s: classify(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
	if !strings.Contains(windowsNoKeychainAdvice, "signed-in user") {
		t.Errorf("Windows advice %q names no remedy", windowsNoKeychainAdvice)
	}
}

// TestNoSecretServiceNamesBothRemedies: where no Secret Service exists, the
// message says how to get one and how to do without (the encrypted file).
func TestNoSecretServiceNamesBothRemedies(t *testing.T) {
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		t.Skip("the Secret Service is Linux's")
	}
	msg := (&KeychainError{Op: OpSet, Kind: ErrNoKeychain}).Error()
	containsAll(t, msg, "GNOME Keyring", "unlock", "--store file", "Encrypted file")
}

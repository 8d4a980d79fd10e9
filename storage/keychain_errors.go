package storage

import (
	"errors"
	"os/exec"
	"strings"
	"syscall"
)

// The mapping of the macOS Keychain's and Windows Credential Manager's
// errors to our kinds lives here, without build tags, so that it is tested
// on every system (keychain_errors_test.go) though only one of them runs
// it; keychain_darwin.go and keychain_windows.go pick theirs.

// The advice each system's keychain failures get.
const (
	darwinNoKeychainAdvice = "the macOS keychain is not available: open Keychain Access, make sure your login keychain exists and is unlocked, then try again"
	darwinLockedAdvice     = "the keychain is locked or access was refused: unlock your login keychain and click Allow when macOS asks about ASC Keys, then try again"
	darwinKeychainTool     = "for example in Keychain Access"

	windowsNoKeychainAdvice = "Windows Credential Manager is not available to this account (as for services and some remote sessions): run ASC Keys as the signed-in user, then try again"
	windowsLockedAdvice     = "Windows Credential Manager refused access: run ASC Keys as the signed-in user, then try again"
	windowsKeychainTool     = "for example in Control Panel > Credential Manager"
)

// securityTexts are what macOS's security(1) prints for the Security
// framework's errors (SecCopyErrorMessageString), in case a caller passes
// its output on: go-keyring turns "could not be found" into ErrNotFound
// itself and otherwise returns only the exit status.
var securityTexts = []struct {
	text string
	kind error
}{
	{"The specified item could not be found in the keychain.", ErrSecretNotFound},
	{"User interaction is not allowed.", ErrKeychainLocked},
	{"The user name or passphrase you entered is not correct.", ErrKeychainLocked},
	{"User canceled the operation.", ErrKeychainLocked},
	{"Write permissions error.", ErrKeychainLocked},
	{"The specified keychain could not be found.", ErrNoKeychain},
	{"No keychain is available. You may need to restart your computer.", ErrNoKeychain},
}

// classifyDarwin reads the errors of the security(1) tool that go-keyring
// runs: its exit status is the low byte of the Security framework's
// OSStatus; a missing tool is an *exec.Error.
func classifyDarwin(err error) error {
	var execErr *exec.Error
	if errors.As(err, &execErr) {
		return ErrNoKeychain // /usr/bin/security is missing
	}
	msg := err.Error()
	for _, t := range securityTexts {
		if strings.Contains(msg, t.text) {
			return t.kind
		}
	}
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		return nil
	}
	switch exitErr.ExitCode() {
	case 44: // errSecItemNotFound (-25300)
		return ErrSecretNotFound
	case 36, 51, 128, 195: // errSecInteractionNotAllowed (-25308), errSecAuthFailed (-25293), userCanceledErr (-128), errSecWrPerm (-61)
		return ErrKeychainLocked
	case 50, 53: // errSecNoSuchKeychain (-25294), errSecNotAvailable (-25291)
		return ErrNoKeychain
	}
	return nil
}

// Win32 error codes Credential Manager returns (through wincred, as
// syscall.Errno values).
const (
	errorAccessDenied       = syscall.Errno(5)
	errorBadLength          = syscall.Errno(24)
	errorNotFound           = syscall.Errno(1168)
	errorNoSuchLogonSession = syscall.Errno(1312)
)

// classifyWindows reads the Win32 errors of Credential Manager.
func classifyWindows(err error) error {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return nil
	}
	switch errno {
	case errorNotFound:
		return ErrSecretNotFound
	case errorNoSuchLogonSession:
		return ErrNoKeychain
	case errorAccessDenied:
		return ErrKeychainLocked
	case errorBadLength:
		return ErrSecretTooLarge
	}
	return nil
}

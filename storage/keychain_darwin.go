package storage

import (
	"errors"
	"os/exec"
)

// maxSecretBytes keeps go-keyring's "security -i" command line under its
// 4096-byte limit after base64 encoding and quoting; a P-256 key's PEM is
// about 240 bytes.
const maxSecretBytes = 2048

const (
	noKeychainAdvice = "the macOS keychain is not available: open Keychain Access, make sure your login keychain exists and is unlocked, then try again"
	lockedAdvice     = "the keychain is locked or access was refused: unlock your login keychain and click Allow when macOS asks about ASC Keys, then try again"
	keychainTool     = "for example in Keychain Access"
)

// classifyPlatform reads the exit status of the security(1) tool that
// go-keyring runs: it exits with the low byte of the Security framework's
// OSStatus.
func classifyPlatform(err error) error {
	var execErr *exec.Error
	if errors.As(err, &execErr) {
		return ErrNoKeychain // /usr/bin/security is missing
	}
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		return nil
	}
	switch exitErr.ExitCode() {
	case 44: // errSecItemNotFound (-25300)
		return ErrSecretNotFound
	case 36, 51, 128, 195: // errSecInteractionNotAllowed, errSecAuthFailed, userCanceledErr, errSecWrPerm
		return ErrKeychainLocked
	case 50, 53: // errSecNoSuchKeychain, errSecNotAvailable
		return ErrNoKeychain
	}
	return nil
}

package storage

import (
	"errors"
	"syscall"
)

// maxSecretBytes is Credential Manager's limit on a credential's blob
// (CRED_MAX_CREDENTIAL_BLOB_SIZE, 5 x 512 bytes), which go-keyring enforces
// too; a P-256 key's PEM is about 240 bytes.
const maxSecretBytes = 2560

const (
	noKeychainAdvice = "Windows Credential Manager is not available to this account (as for services and some remote sessions): run ASC Keys as the signed-in user, then try again"
	lockedAdvice     = "Windows Credential Manager refused access: run ASC Keys as the signed-in user, then try again"
	keychainTool     = "for example in Control Panel > Credential Manager"
)

// Win32 error codes Credential Manager returns.
const (
	errorAccessDenied       = syscall.Errno(5)
	errorNotFound           = syscall.Errno(1168)
	errorNoSuchLogonSession = syscall.Errno(1312)
	errorInvalidParameter   = syscall.Errno(87)
	errorBadLength          = syscall.Errno(24)
)

func classifyPlatform(err error) error {
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
	}
	return nil
}

//go:build !linux && !darwin && !windows

package storage

// maxSecretBytes is a sanity bound; a P-256 key's PEM is about 240 bytes.
const maxSecretBytes = 64 << 10

const (
	noKeychainAdvice = "ASC Keys found no keychain it can use on this system; it keeps private keys only in a keychain: install and unlock a Secret Service (GNOME Keyring or KeePassXC), then try again"
	lockedAdvice     = "the keychain is locked or refused access: unlock it and allow ASC Keys when asked, then try again"
	keychainTool     = "with your desktop's keychain manager"
)

func classifyPlatform(error) error { return nil }

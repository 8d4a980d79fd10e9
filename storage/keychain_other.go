//go:build !linux && !darwin && !windows

package storage

// maxSecretBytes is a sanity bound; a P-256 key's PEM is about 240 bytes.
const maxSecretBytes = 64 << 10

const (
	noKeychainAdvice = "ASC Keys found no keychain it can use on this system: install and unlock a Secret Service (GNOME Keyring or KeePassXC), then try again; or keep the keys in an encrypted file protected by a passphrase instead: asckeys keys add --store file (in the window: Add New, Encrypted file)"
	lockedAdvice     = "the keychain is locked or refused access: unlock it and allow ASC Keys when asked, then try again"
	keychainTool     = "with your desktop's keychain manager"
)

func classifyPlatform(error) error { return nil }

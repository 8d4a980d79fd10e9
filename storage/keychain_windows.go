package storage

// maxSecretBytes is Credential Manager's limit on a credential's blob
// (CRED_MAX_CREDENTIAL_BLOB_SIZE, 5 x 512 bytes), which go-keyring enforces
// too; a P-256 key's PEM is about 240 bytes.
const maxSecretBytes = 2560

const (
	noKeychainAdvice = windowsNoKeychainAdvice
	lockedAdvice     = windowsLockedAdvice
	keychainTool     = windowsKeychainTool
)

func classifyPlatform(err error) error { return classifyWindows(err) }

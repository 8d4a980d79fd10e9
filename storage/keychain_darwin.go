package storage

// maxSecretBytes keeps go-keyring's "security -i" command line under its
// 4096-byte limit after base64 encoding and quoting; a P-256 key's PEM is
// about 240 bytes.
const maxSecretBytes = 2048

const (
	noKeychainAdvice = darwinNoKeychainAdvice
	lockedAdvice     = darwinLockedAdvice
	keychainTool     = darwinKeychainTool
)

func classifyPlatform(err error) error { return classifyDarwin(err) }

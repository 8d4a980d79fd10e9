package storage

import (
	"errors"
	"net"
	"os/exec"
	"strings"
	"syscall"

	"github.com/godbus/dbus/v5"
)

// maxSecretBytes is a sanity bound: the Secret Service has no hard limit,
// and a P-256 key's PEM is about 240 bytes.
const maxSecretBytes = 64 << 10

const (
	noKeychainAdvice = "no Secret Service is running on this session's D-Bus to keep private keys in: install and unlock GNOME Keyring (the gnome-keyring package) or turn on KeePassXC's Secret Service integration, then try again; or keep the keys in an encrypted file protected by a passphrase instead: asckeys keys add --store file (in the window: Add New, Encrypted file)"
	lockedAdvice     = "the keyring is locked or refused access: unlock it (GNOME Keyring or KeePassXC) and allow ASC Keys when asked, then try again"
	keychainTool     = "for example with Seahorse, or: secret-tool search service io.asckeys.app"
)

// classifyPlatform reads the D-Bus and Secret Service errors go-keyring
// passes through.
func classifyPlatform(err error) error {
	switch dbusErrorName(err) {
	case "":
	case "org.freedesktop.Secret.Error.IsLocked", "org.freedesktop.DBus.Error.AccessDenied",
		"org.freedesktop.DBus.Error.InteractiveAuthorizationRequired":
		return ErrKeychainLocked
	case "org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner",
		"org.freedesktop.DBus.Error.UnknownObject", "org.freedesktop.DBus.Error.UnknownMethod",
		"org.freedesktop.Secret.Error.NoSuchObject", "org.freedesktop.DBus.Error.Disconnected":
		// No Secret Service, or one without a default collection (KeePassXC
		// with no database exposed).
		return ErrNoKeychain
	default:
		if name := dbusErrorName(err); strings.HasPrefix(name, "org.freedesktop.DBus.Error.Spawn") {
			return ErrNoKeychain
		}
	}
	var execErr *exec.Error
	var netErr *net.OpError
	switch {
	case errors.As(err, &execErr), errors.As(err, &netErr), errors.Is(err, dbus.ErrClosed),
		errors.Is(err, syscall.ENOENT), errors.Is(err, syscall.ECONNREFUSED):
		// No session bus: godbus tried dbus-launch, or the socket is gone.
		return ErrNoKeychain
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "failed to unlock correct collection"):
		return ErrKeychainLocked
	case strings.HasPrefix(msg, "dbus: couldn't determine address of session bus"),
		strings.HasPrefix(msg, "dbus: invalid bus address"),
		strings.HasPrefix(msg, "dbus: authentication failed"),
		strings.Contains(msg, "dbus-launch"):
		return ErrNoKeychain
	}
	return nil
}

func dbusErrorName(err error) string {
	var v dbus.Error
	if errors.As(err, &v) {
		return v.Name
	}
	var p *dbus.Error
	if errors.As(err, &p) && p != nil {
		return p.Name
	}
	return ""
}

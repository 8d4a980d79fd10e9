package storage

import (
	"errors"
	"fmt"
	"os/exec"
	"syscall"
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"
)

// TestClassifyLinux maps the errors go-keyring passes through from D-Bus and
// the Secret Service, as seen on machines without a bus, without a Secret
// Service, and with a locked keyring.
func TestClassifyLinux(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want error
	}{
		{keyring.ErrNotFound, ErrSecretNotFound},
		{&exec.Error{Name: "dbus-launch", Err: exec.ErrNotFound}, ErrNoKeychain},
		{fmt.Errorf("dial unix /run/user/1000/bus: connect: %w", syscall.ENOENT), ErrNoKeychain},
		{errors.New("dbus: couldn't determine address of session bus"), ErrNoKeychain},
		{dbus.Error{Name: "org.freedesktop.DBus.Error.ServiceUnknown", Body: []any{"The name org.freedesktop.secrets was not provided by any .service files"}}, ErrNoKeychain},
		{&dbus.Error{Name: "org.freedesktop.DBus.Error.Spawn.ChildExited"}, ErrNoKeychain},
		{dbus.Error{Name: "org.freedesktop.Secret.Error.NoSuchObject"}, ErrNoKeychain},
		{dbus.Error{Name: "org.freedesktop.Secret.Error.IsLocked"}, ErrKeychainLocked},
		{dbus.Error{Name: "org.freedesktop.DBus.Error.AccessDenied"}, ErrKeychainLocked},
		{errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'"), ErrKeychainLocked},
		{errors.New("something else"), ErrKeychainFailed},
	} {
		got := classify(OpGet, tc.err)
		if !errors.Is(got, tc.want) {
			t.Errorf("classify(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
	msg := (&KeychainError{Op: OpSet, Kind: ErrNoKeychain}).Error()
	containsAll(t, msg, "GNOME Keyring", "KeePassXC", "Secret Service")
}

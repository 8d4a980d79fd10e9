//go:build !windows

package provision

import (
	"os"
	"syscall"
)

// openFlags read a file without blocking should a named pipe take its place
// after its mode was checked, and without following a symbolic link there.
const openFlags = os.O_RDONLY | syscall.O_NONBLOCK | syscall.O_NOFOLLOW

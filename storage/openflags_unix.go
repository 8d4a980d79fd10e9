//go:build !windows

package storage

import (
	"os"
	"syscall"
)

// openFlags opens a key file without blocking, should a named pipe have
// taken the file's place after its mode was checked.
const openFlags = os.O_RDONLY | syscall.O_NONBLOCK

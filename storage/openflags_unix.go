//go:build !windows

package storage

import (
	"os"
	"syscall"
)

// openFlags opens a key file without blocking, should a named pipe have
// taken the file's place after its mode was checked.
const openFlags = os.O_RDONLY | syscall.O_NONBLOCK

// noFollowFlags open a file of the vault's folder without following a
// symbolic link in its place (the open fails instead) and without blocking
// on a named pipe.
const noFollowFlags = syscall.O_NOFOLLOW | syscall.O_NONBLOCK

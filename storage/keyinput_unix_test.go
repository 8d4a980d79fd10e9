//go:build !windows

package storage

import (
	"path/filepath"
	"syscall"
	"testing"
)

// specialFiles makes a named pipe in dir, with no writer (a blocking open
// or read would wait forever), and names /dev/zero (a read would never end).
func specialFiles(t *testing.T, dir string) []refusal {
	fifo := filepath.Join(dir, "AuthKey_FIFO123456.p8")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	return []refusal{
		{"named pipe", fifo, []string{"named pipe", "AuthKey_XXXXXXXXXX.p8"}},
		{"device", "/dev/zero", []string{"/dev/zero is a device", "fastlane API key .json file"}},
	}
}

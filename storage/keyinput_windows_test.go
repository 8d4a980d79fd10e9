package storage

import "testing"

// specialFiles: Windows has no named pipes or devices in the file system.
func specialFiles(*testing.T, string) []refusal { return nil }

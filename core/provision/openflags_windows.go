//go:build windows

package provision

import "os"

// openFlags: Windows opens no named pipe by a file path and the mode is
// checked on the opened file.
const openFlags = os.O_RDONLY

package storage

import "os"

// openFlags opens a key file; Windows has no named pipes in the file system.
const openFlags = os.O_RDONLY

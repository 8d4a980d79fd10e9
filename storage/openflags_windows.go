package storage

import "os"

// openFlags opens a key file; Windows has no named pipes in the file system.
const openFlags = os.O_RDONLY

// noFollowFlags: Windows has no O_NOFOLLOW; checkVaultFile's Lstat before
// each open refuses links there.
const noFollowFlags = 0

package storage

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/asckeys/asckeys/core/keyfile"
)

// ReadKeyFile reads the key file at path: a .p8 (PKCS#8 or SEC1 PEM,
// repaired as keyfile.Parse does) or a fastlane API key JSON file, told apart
// as ParseKeyData does. It opens the file once, refuses what is not a regular
// file (a folder, a named pipe, a device) with a message that says what to
// give instead, and reads at most keyfile.MaxFileSize+1 bytes, so a wrong
// path cannot fill memory or hang. Errors are *ValidationError values on
// FieldFile.
func ReadKeyFile(path string) (NewKey, error) {
	data, err := readRegular(path, keyFileKind)
	if err != nil {
		return NewKey{}, &ValidationError{Field: FieldFile, Err: err}
	}
	return ParseKeyData(path, data)
}

// fileKind is what a small file read by readRegular should be: its largest
// size, what to give instead, and how big the real thing is.
type fileKind struct {
	max        int64
	give, size string
}

var keyFileKind = fileKind{keyfile.MaxFileSize, giveKeyFile, "a .p8 key is under 1 KiB"}

// MaxP12Size is the largest .p12 ReadP12File reads: a certificate with its
// key and chain is a few KiB.
const MaxP12Size = 1 << 20

// ReadP12File reads a .p12 the user gave with the rules ReadKeyFile follows
// (a regular file, opened once, never a named pipe that would hang, at most
// MaxP12Size bytes).
func ReadP12File(path string) ([]byte, error) {
	return readRegular(path, fileKind{MaxP12Size, "give the .p12 file exported from Keychain Access or 'asckeys certs export'", "a .p12 is a few KiB"})
}

// readRegular reads a small regular file. The mode is checked before the
// open, so a named pipe is never opened, and again on the opened file, in
// case another file was put in its place meanwhile; the open does not block
// even then (openFlags).
func readRegular(path string, kind fileKind) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, openError(path, err)
	}
	if err := checkRegular(path, st, kind); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, openFlags, 0)
	if err != nil {
		return nil, openError(path, err)
	}
	defer f.Close()
	if st, err = f.Stat(); err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	if err := checkRegular(path, st, kind); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, kind.max+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	return data, nil
}

const giveKeyFile = "give the .p8 file: the AuthKey_XXXXXXXXXX.p8 file you downloaded from App Store Connect, or a fastlane API key .json file"

func openError(path string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s does not exist: check the path", path)
	}
	return fmt.Errorf("cannot read %s: %w", path, err)
}

// checkRegular refuses a folder, a pipe, a device or a socket, and a file too
// large to be a key.
func checkRegular(path string, st fs.FileInfo, kind fileKind) error {
	mode := st.Mode()
	switch {
	case mode.IsDir():
		return fmt.Errorf("%s is a folder: %s", path, kind.give)
	case mode&fs.ModeNamedPipe != 0:
		return fmt.Errorf("%s is a named pipe, not a file: %s", path, kind.give)
	case mode&fs.ModeDevice != 0:
		return fmt.Errorf("%s is a device, not a file: %s", path, kind.give)
	case mode&fs.ModeSocket != 0:
		return fmt.Errorf("%s is a socket, not a file: %s", path, kind.give)
	case !mode.IsRegular():
		return fmt.Errorf("%s is not a regular file: %s", path, kind.give)
	case st.Size() > kind.max:
		return fmt.Errorf("%s is %d bytes: %s, so this is not one: %s", path, st.Size(), kind.size, kind.give)
	}
	return nil
}

// ParseKeyData recognises a key in data already read (a file dropped on the
// window, stdin); name is the file's name or path. It is fastlane's API key
// JSON when the name ends in .json or the text is a JSON object: the Key ID,
// Issuer ID and kind then come from it. Otherwise it is a .p8, whose Key ID
// Prepare takes from a name of the form AuthKey_<KEYID>.p8. Data is the key
// as PKCS#8 PEM and Repairs says what reading it changed. Errors are
// *ValidationError values on FieldFile.
func ParseKeyData(name string, data []byte) (NewKey, error) {
	text := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF")))
	if strings.EqualFold(filepath.Ext(name), ".json") || bytes.HasPrefix(text, []byte("{")) {
		f, err := keyfile.ParseFastlane(data)
		if err != nil {
			return NewKey{}, &ValidationError{Field: FieldFile, Err: err}
		}
		return NewKey{KeyID: f.KeyID, IssuerID: f.IssuerID, Kind: f.Kind, Data: f.Key.PEM, FileName: name, Repairs: f.Key.Repairs}, nil
	}
	k, err := keyfile.Parse(data)
	if err != nil {
		return NewKey{}, &ValidationError{Field: FieldFile, Err: err}
	}
	return NewKey{Data: k.PEM, FileName: name, Repairs: k.Repairs}, nil
}

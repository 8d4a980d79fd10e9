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
	data, err := readRegular(path)
	if err != nil {
		return NewKey{}, &ValidationError{Field: FieldFile, Err: err}
	}
	return ParseKeyData(path, data)
}

// readRegular reads a small regular file that should hold a key.
func readRegular(path string) ([]byte, error) {
	return keyFileRules.read(path)
}

// regularFile are the rules for reading a small file the user named: what
// it should be (for the messages) and how large it may be.
type regularFile struct {
	// hint says what to give instead; inside is what a folder would hold.
	hint, inside string
	// limit is the largest size accepted; tooLarge says why it is too large.
	limit    int64
	tooLarge string
}

var keyFileRules = regularFile{hint: giveKeyFile, inside: "the .p8 file", limit: keyfile.MaxFileSize,
	tooLarge: "a .p8 key is under 1 KiB, so this is not one"}

// MaxP12Size is the largest .p12 ReadP12File reads: a certificate with its
// key and chain is a few KiB.
const MaxP12Size = 1 << 20

// ReadP12File reads a .p12 the user gave with the rules ReadKeyFile follows
// (a regular file, opened once, never a named pipe that would hang, at most
// MaxP12Size bytes).
func ReadP12File(path string) ([]byte, error) {
	r := regularFile{hint: "give the .p12 file exported from Keychain Access or 'asckeys certs export'",
		inside: "the .p12 file", limit: MaxP12Size, tooLarge: "a .p12 is a few KiB"}
	return r.read(path)
}

// ReadTextFile reads a small regular file the user named (a device list,
// for example), by the rules key files are read with: a named pipe, device
// or folder is refused without being opened, so a wrong path cannot hang,
// and at most limit bytes are accepted. what names the file expected
// ("Apple's device list (.txt)").
func ReadTextFile(path string, limit int64, what string) ([]byte, error) {
	r := regularFile{hint: "give " + what, inside: what, limit: limit, tooLarge: fmt.Sprintf("at most %d bytes are read", limit)}
	data, err := r.read(path)
	if err == nil && int64(len(data)) > limit { // it grew after the check
		return nil, fmt.Errorf("%s is larger than %d bytes: %s", path, limit, r.hint)
	}
	return data, err
}

// read reads the file, at most limit+1 bytes. The mode is checked before the open, so a named pipe
// is never opened, and again on the opened file, in case another file was
// put in its place meanwhile; the open does not block even then (openFlags).
func (r regularFile) read(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, openError(path, err)
	}
	if err := r.check(path, st); err != nil {
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
	if err := r.check(path, st); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, r.limit+1))
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

// check refuses a folder, a pipe, a device or a socket, and a file too
// large.
func (r regularFile) check(path string, st fs.FileInfo) error {
	mode := st.Mode()
	switch {
	case mode.IsDir():
		return fmt.Errorf("%s is a folder: give %s inside it", path, r.inside)
	case mode&fs.ModeNamedPipe != 0:
		return fmt.Errorf("%s is a named pipe, not a file: %s", path, r.hint)
	case mode&fs.ModeDevice != 0:
		return fmt.Errorf("%s is a device, not a file: %s", path, r.hint)
	case mode&fs.ModeSocket != 0:
		return fmt.Errorf("%s is a socket, not a file: %s", path, r.hint)
	case !mode.IsRegular():
		return fmt.Errorf("%s is not a regular file: %s", path, r.hint)
	case st.Size() > r.limit:
		return fmt.Errorf("%s is %d bytes: %s: %s", path, st.Size(), r.tooLarge, r.hint)
	}
	return nil
}

// ParseKeyData recognises a key in data already read (a file dropped on the
// window, stdin); name is the file's name or path. It is fastlane's API key
// JSON when the name ends in .json or the text is a JSON object: the Key ID,
// Issuer ID and kind then come from it. Otherwise it is a .p8, whose Key ID
// Prepare takes from a name of the form AuthKey_<KEYID>.p8. Data is the key
// as PKCS#8 PEM and Repairs says what reading it changed. A Key ID in a
// file must be Apple's shape (only a typed one may be unusual, with a
// warning): it ends up in shell exports. Errors are *ValidationError values
// on FieldFile.
func ParseKeyData(name string, data []byte) (NewKey, error) {
	text := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF")))
	if strings.EqualFold(filepath.Ext(name), ".json") || bytes.HasPrefix(text, []byte("{")) {
		f, err := keyfile.ParseFastlane(data)
		if err != nil {
			return NewKey{}, &ValidationError{Field: FieldFile, Err: err}
		}
		if warning, _ := keyfile.CheckKeyID(f.KeyID); warning != "" {
			return NewKey{}, &ValidationError{Field: FieldFile, Err: errors.New(`the fastlane JSON's "key_id" is not a Key ID Apple issues (10 upper-case letters and digits, like 2X9R4HXF34): fix it in the file, copying the Key ID from App Store Connect`)}
		}
		return NewKey{KeyID: f.KeyID, IssuerID: f.IssuerID, Kind: f.Kind, Data: f.Key.PEM, FileName: name, Repairs: f.Key.Repairs}, nil
	}
	k, err := keyfile.Parse(data)
	if err != nil {
		return NewKey{}, &ValidationError{Field: FieldFile, Err: err}
	}
	return NewKey{Data: k.PEM, FileName: name, Repairs: k.Repairs}, nil
}

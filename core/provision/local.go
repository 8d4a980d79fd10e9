package provision

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/asckeys/asckeys/core"
)

// Ext is the extension of an installed profile: "<UUID>.mobileprovision".
const Ext = ".mobileprovision"

// Folders are the two folders profiles are installed into, under home:
// Xcode 16 and later read the first, older Xcode (and tools that still write
// only there) the second. They are the same on every OS.
func Folders(home string) []string {
	return []string{
		filepath.Join(home, "Library", "Developer", "Xcode", "UserData", "Provisioning Profiles"),
		filepath.Join(home, "Library", "MobileDevice", "Provisioning Profiles"),
	}
}

// FolderNames names each of in, folders found among folders (as Folders
// lists them), for people: "Xcode 16+" for the first, "older Xcode" for the
// second, the path itself for any other.
func FolderNames(folders, in []string) []string {
	names := make([]string, len(in))
	for i, f := range in {
		switch {
		case len(folders) > 0 && f == folders[0]:
			names[i] = "Xcode 16+"
		case len(folders) > 1 && f == folders[1]:
			names[i] = "older Xcode"
		default:
			names[i] = f
		}
	}
	return names
}

// HomeFolders are Folders of the user's home folder ($HOME on Unix).
func HomeFolders() ([]string, error) {
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return nil, fmt.Errorf("cannot tell the home folder, where profiles are installed (%v): set HOME", err)
	}
	return Folders(home), nil
}

// ReadFile reads a profile file a person named: it must be a regular file
// (a named pipe is refused before it is opened, so nothing hangs) of at most
// MaxFileSize bytes. A symbolic link given by name is followed; one inside
// an installed folder is not (see Scan).
func ReadFile(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s does not exist: check the path", path)
		}
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	if err := checkRegular(path, st); err != nil {
		return nil, err
	}
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	return readNoFollow(path)
}

// readNoFollow opens path without following a link in its place and checks
// the opened file again: it may have been swapped since it was looked at.
func readNoFollow(path string) ([]byte, error) {
	f, err := os.OpenFile(path, openFlags, 0)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	if err := checkRegular(path, st); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%s is over %d MiB: not a provisioning profile", path, MaxFileSize>>20)
	}
	return data, nil
}

func checkRegular(path string, st fs.FileInfo) error {
	mode := st.Mode()
	switch {
	case mode.IsDir():
		return fmt.Errorf("%s is a folder: give a .mobileprovision file", path)
	case mode&fs.ModeSymlink != 0:
		return fmt.Errorf("%s is a symbolic link: it was left alone (ASC Keys neither reads nor removes links in the profile folders)", path)
	case !mode.IsRegular():
		return fmt.Errorf("%s is not a regular file (a pipe, device or socket): give a .mobileprovision file", path)
	case st.Size() > MaxFileSize:
		return fmt.Errorf("%s is %d bytes, over the %d MiB a profile can be: not a provisioning profile", path, st.Size(), MaxFileSize>>20)
	}
	return nil
}

// The states of an installed profile.
const (
	StateValid      = "valid"
	StateExpired    = "expired"
	StateSuperseded = "superseded"
)

// Installed is one installed profile, found in one or both folders.
type Installed struct {
	UUID             string    `json:"uuid"`
	Name             string    `json:"name"`
	BundleIdentifier string    `json:"bundleIdentifier"`
	Kind             string    `json:"kind"`
	ExpirationDate   time.Time `json:"expirationDate"`
	State            string    `json:"state"`
	Folders          []string  `json:"folders"`
	// Paths are its files, one per folder it is in.
	Paths []string `json:"-"`
	// Profile is what its file says.
	Profile *Profile `json:"-"`
}

// Problem is a file in a profile folder that was skipped, and why.
type Problem struct {
	Path string
	Err  error
}

func (p Problem) Error() string { return p.Err.Error() }

// Scan lists the profiles installed in folders, once per UUID, sorted by
// name then creation date, with their state at now. A missing folder holds
// nothing. Files that are links, not regular, or not readable profiles are
// Problems and are otherwise left alone. A folder that is a link to the other
// folder (a common workaround for tools that write only one) counts once.
func Scan(folders []string, now time.Time) ([]Installed, []Problem, error) {
	byUUID := map[string]*Installed{}
	var problems []Problem
	for _, dir := range realFolders(folders) {
		if err := checkFolder(dir.path); err != nil {
			problems = append(problems, Problem{Path: dir.path, Err: err})
			continue
		}
		entries, err := os.ReadDir(dir.path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("listing %s: %w", dir.path, err)
		}
		for _, e := range entries {
			if !strings.EqualFold(filepath.Ext(e.Name()), Ext) {
				continue
			}
			path := filepath.Join(dir.path, e.Name())
			p, err := readInstalled(path, now)
			if err != nil {
				problems = append(problems, Problem{Path: path, Err: err})
				continue
			}
			key := strings.ToUpper(p.UUID)
			in := byUUID[key]
			if in == nil {
				in = &Installed{UUID: p.UUID, Name: p.Name, BundleIdentifier: p.BundleIdentifier, Kind: p.Kind,
					ExpirationDate: p.ExpirationDate, Profile: p}
				byUUID[key] = in
			}
			for _, f := range dir.names {
				in.Folders = appendOnce(in.Folders, f)
				in.Paths = appendOnce(in.Paths, filepath.Join(f, e.Name()))
			}
		}
	}
	out := make([]Installed, 0, len(byUUID))
	for _, in := range byUUID {
		out = append(out, *in)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Profile, out[j].Profile
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		if !a.CreationDate.Equal(b.CreationDate) {
			return a.CreationDate.Before(b.CreationDate)
		}
		return a.UUID < b.UUID
	})
	for i := range out {
		out[i].State = state(out[i].Profile, out, now)
	}
	return out, problems, nil
}

func readInstalled(path string, now time.Time) (*Profile, error) {
	st, err := os.Lstat(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	if err := checkRegular(path, st); err != nil {
		return nil, err
	}
	data, err := readNoFollow(path)
	if err != nil {
		return nil, err
	}
	p, err := Decode(data, now)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// state is expired once the expiry date is past, else superseded when
// another installed profile of the same name and team was created later
// (Apple's regenerated profile replaces the old one), else valid.
func state(p *Profile, all []Installed, now time.Time) string {
	if p.Expired {
		return StateExpired
	}
	if Supersedes(all, p) {
		return StateSuperseded
	}
	return StateValid
}

// Supersedes reports whether one of installed is a newer profile of p's
// name and team.
func Supersedes(installed []Installed, p *Profile) bool {
	for _, o := range installed {
		if supersedes(o.Profile, p) {
			return true
		}
	}
	return false
}

// supersedes is the one rule: newer replaces older when both have the same
// name and team and newer was created later.
func supersedes(newer, older *Profile) bool {
	return !strings.EqualFold(newer.UUID, older.UUID) && newer.Name == older.Name && newer.TeamIdentifier == older.TeamIdentifier &&
		newer.CreationDate.After(older.CreationDate)
}

// folder is a folder to read or write once, and the names it is known by.
type folder struct {
	path  string
	names []string
}

// realFolders merges folders that are the same folder (one a link to the
// other) so that each is read or written once.
func realFolders(folders []string) []folder {
	var out []folder
next:
	for _, f := range folders {
		st, err := os.Stat(f)
		if err == nil {
			for i := range out {
				if ost, err := os.Stat(out[i].path); err == nil && os.SameFile(st, ost) {
					out[i].names = append(out[i].names, f)
					if lst, err := os.Lstat(out[i].path); err == nil && lst.Mode()&fs.ModeSymlink != 0 {
						out[i].path = f // write through the real folder, not the link
					}
					continue next
				}
			}
		}
		out = append(out, folder{path: f, names: []string{f}})
	}
	return out
}

func appendOnce(s []string, v string) []string {
	for _, e := range s {
		if e == v {
			return s
		}
	}
	return append(s, v)
}

// Select returns the installed profiles to clean: the expired ones when
// expired is set, the superseded ones when superseded is set.
func Select(installed []Installed, expired, superseded bool) []Installed {
	var out []Installed
	for _, in := range installed {
		if (expired && in.State == StateExpired) || (superseded && in.State == StateSuperseded) {
			out = append(out, in)
		}
	}
	return out
}

// Remove deletes an installed profile's files from every folder it is in.
// A file already gone is not an error. os.Remove never follows a link.
func Remove(in Installed) error {
	var errs []error
	for _, p := range in.Paths {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("removing %s: %w", p, err))
		}
	}
	return errors.Join(errs...)
}

// InstallResult says what Install did.
type InstallResult struct {
	Profile *Profile
	// Paths are the files written (or already there, identical).
	Paths []string
	// Removed are the installed profiles it superseded and removed.
	Removed []Installed
}

// Install writes data, a profile, as "<UUID>.mobileprovision" into every one
// of folders (created 0755 if missing), byte for byte, each file complete or
// absent (core.WriteFile). Unless keepOld, the installed profiles it
// supersedes (same name and team, created earlier) are then removed from
// every folder. A profile whose signature does not verify is refused: it was
// altered, and Xcode would refuse it too.
func Install(folders []string, data []byte, keepOld bool, now time.Time) (InstallResult, error) {
	p, err := Decode(data, now)
	if err != nil {
		return InstallResult{}, err
	}
	if !p.SignatureValid {
		return InstallResult{}, fmt.Errorf("the profile %q (%s) has a CMS signature that does not verify: it was altered after it was signed; download it again", p.Name, p.UUID)
	}
	res := InstallResult{Profile: p}
	name := p.UUID + Ext
	if core.SafeFileName(name) != name {
		return InstallResult{}, fmt.Errorf("the profile's UUID %s cannot name a file here", p.UUID)
	}
	for _, dir := range realFolders(folders) {
		if err := checkFolder(dir.path); err != nil {
			return res, err
		}
		if _, _, err := core.WriteFile(dir.path, name, data, true); err != nil {
			return res, fmt.Errorf("installing %s: %w", p.UUID, err)
		}
		for _, n := range dir.names {
			res.Paths = append(res.Paths, filepath.Join(n, name))
		}
	}
	if keepOld {
		return res, nil
	}
	installed, _, err := Scan(folders, now)
	if err != nil {
		return res, err
	}
	for _, in := range installed {
		if !supersedes(p, in.Profile) {
			continue
		}
		if err := Remove(in); err != nil {
			return res, err
		}
		res.Removed = append(res.Removed, in)
	}
	return res, nil
}

// checkFolder refuses to write into a profile folder that is something
// other than a folder, or a link to somewhere other than the other profile
// folder (realFolders merges that case before this is called).
func checkFolder(dir string) error {
	st, err := os.Lstat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil // WriteFile creates it
	case err != nil:
		return fmt.Errorf("looking at %s: %w", dir, err)
	case st.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("%s is a symbolic link to another place: ASC Keys writes only into the real profile folders; replace the link with a folder (or make it point to the other profile folder)", dir)
	case !st.IsDir():
		return fmt.Errorf("%s is not a folder: move it away so profiles can be installed there", dir)
	}
	return nil
}

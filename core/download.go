package core

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/smallstep/pkcs7"
	"howett.net/plist"
)

// DownloadOptions control how downloads are written.
type DownloadOptions struct {
	// Overwrite lets a download replace a different file of the same name.
	// Without it the new file gets a " (2)", " (3)" ... suffix instead. A file
	// with identical content is reused either way.
	Overwrite bool
}

// idPattern is what an App Store Connect id may look like before it is put in
// a path: Apple's are letters and digits; nothing may climb out of the path.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._~-]*$`)

// checkID refuses ids that are not plain, before they go into a path or a
// comma-separated filter.
func checkID(id string) error {
	if !idPattern.MatchString(id) {
		return fmt.Errorf("the item's App Store Connect id %q is not usable: refresh the list", id)
	}
	return nil
}

// itemURL is the URL of one resource, refusing ids that are not plain.
func (c *Client) itemURL(collection, id string, q url.Values) (*url.URL, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	return c.endpoint("/v1/"+collection+"/"+id, q)
}

// The attributes a download asks for: the content, and what it is checked
// against. Single downloads and batches (DownloadMany) ask for the same.
var (
	certificateContentFields = []string{"certificateContent", "serialNumber"}
	profileContentFields     = []string{"profileContent", "uuid"}
)

type certificateContent struct {
	CertificateContent string `json:"certificateContent"`
	SerialNumber       string `json:"serialNumber"`
}

type profileContent struct {
	ProfileContent string `json:"profileContent"`
	UUID           string `json:"uuid"`
}

// decodeContent decodes the base64 Apple sends, tolerating line breaks.
func decodeContent(s string) ([]byte, error) {
	s = strings.Join(strings.Fields(s), "")
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
}

// CertificateFileName is the file a certificate is saved as:
// "<name> (<serial>).cer", for example
// "Apple Distribution - Example Corp (5CF4E617EE678ABF).cer". The name is
// Apple's name for the certificate (else its display name, else its type)
// made safe by SafeFileName; the serial, in upper-case hex, tells apart
// certificates of the same name, such as a renewed one and its predecessor.
func CertificateFileName(c Certificate) string {
	name := firstNonEmpty(c.Name, c.DisplayName)
	if name == "" && c.CertificateType != "" {
		name = CertificateTypeLabel(c.CertificateType)
	}
	if name == "" {
		name = "certificate"
	}
	suffix := ".cer"
	if serial := cleanSerial(c.SerialNumber); serial != "" {
		suffix = " (" + serial + ").cer"
	}
	return safeFileName(name, MaxFileNameBytes-len(suffix)) + suffix
}

// ProfileFileName is the file a profile is saved as: "<UUID>.mobileprovision",
// the name Xcode itself uses, so saving twice finds the same file. A profile
// without a UUID is named after its name.
func ProfileFileName(p Profile) string {
	const ext = ".mobileprovision"
	return safeFileName(firstNonEmpty(p.UUID, p.Name, "profile"), MaxFileNameBytes-len(ext)) + ext
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// cleanSerial keeps the hex digits of a serial, upper-cased, for file names.
func cleanSerial(s string) string {
	s = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s)), "0x")
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("0123456789abcdef", r) {
			b.WriteRune(r)
		}
	}
	return truncateUTF8(strings.ToUpper(b.String()), 40)
}

// parseSerial reads a serial as Apple shows it (hex, maybe with colons).
func parseSerial(s string) (*big.Int, bool) {
	s = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s)), "0x")
	s = strings.NewReplacer(":", "", " ", "").Replace(s)
	n, ok := new(big.Int).SetString(s, 16)
	return n, ok && s != ""
}

// Content fetches the certificate's DER bytes and checks them: they must parse
// as X.509, and the serial must be the one the list showed (compared as
// numbers). Individual keys get ErrIndividualKeyProvisioning.
func (s *CertificatesService) Content(ctx context.Context, c Certificate) ([]byte, *Response, error) {
	if err := s.client.requireProvisioning(); err != nil {
		return nil, nil, err
	}
	what := downloading(DownloadItem{Certificate: &c})
	u, err := s.client.itemURL("certificates", c.ID, url.Values{"fields[certificates]": {strings.Join(certificateContentFields, ",")}})
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", what, err)
	}
	resp := &Response{}
	doc, err := getJSON[singleDocument[certificateContent]](ctx, s.client, u, resp)
	if err != nil {
		return nil, resp, fmt.Errorf("%s: %w", what, err)
	}
	der, err := checkCertificate(c, doc.Data.Attributes)
	if err != nil {
		return nil, resp, fmt.Errorf("%s: %w", what, err)
	}
	return der, resp, nil
}

// checkCertificate checks the content Apple sent for c and returns its DER.
func checkCertificate(c Certificate, attrs certificateContent) ([]byte, error) {
	if attrs.CertificateContent == "" {
		return nil, errors.New("App Store Connect sent no content for it")
	}
	der, err := decodeContent(attrs.CertificateContent)
	if err != nil {
		return nil, fmt.Errorf("its content is not base64: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		// x509's errors may quote the certificate's fields.
		return nil, fmt.Errorf("its content is not an X.509 certificate: %s", SafeText(err.Error()))
	}
	listed := firstNonEmpty(c.SerialNumber, attrs.SerialNumber)
	want, ok := parseSerial(listed)
	if !ok {
		return nil, fmt.Errorf("App Store Connect gave no readable serial number (%q) to check it against", listed)
	}
	if cert.SerialNumber.Cmp(want) != 0 {
		return nil, fmt.Errorf("App Store Connect sent a certificate with serial %X, not the listed %s: nothing was saved", cert.SerialNumber, SafeText(listed))
	}
	return der, nil
}

// Download saves the certificate into dir as CertificateFileName(c) and
// returns the path written (or reused: see DownloadOptions). The file is
// complete or absent, never half-written.
func (s *CertificatesService) Download(ctx context.Context, c Certificate, dir string, opt DownloadOptions) (string, error) {
	path, _, err := s.download(ctx, c, dir, opt)
	return path, err
}

func (s *CertificatesService) download(ctx context.Context, c Certificate, dir string, opt DownloadOptions) (string, bool, error) {
	der, _, err := s.Content(ctx, c)
	if err != nil {
		return "", false, err
	}
	return saveCertificate(c, der, dir, opt)
}

// saveCertificate writes the checked DER of c into dir.
func saveCertificate(c Certificate, der []byte, dir string, opt DownloadOptions) (string, bool, error) {
	if c.SerialNumber == "" {
		// Name the file after the serial actually checked.
		if cert, err := x509.ParseCertificate(der); err == nil {
			c.SerialNumber = fmt.Sprintf("%X", cert.SerialNumber)
		}
	}
	return writeFileNoClobber(dir, CertificateFileName(c), der, opt.Overwrite)
}

// ProfileInfo is what a downloaded profile says about itself in its signed
// property list. Its texts are made safe to show (SafeText); a UUID that
// SafeText would change is refused instead, since it names the profile's file
// and is compared with the listed one.
type ProfileInfo struct {
	UUID           string `plist:"UUID"`
	Name           string `plist:"Name"`
	TeamIdentifier []string
}

// ParseProfile reads a .mobileprovision: CMS signed data whose content is a
// property list. The signature is not checked against Apple's roots.
func ParseProfile(data []byte) (ProfileInfo, error) {
	p7, err := pkcs7.Parse(data)
	if err != nil {
		return ProfileInfo{}, fmt.Errorf("not a signed profile (CMS): %s", SafeText(err.Error()))
	}
	var info ProfileInfo
	if _, err := plist.Unmarshal(p7.Content, &info); err != nil {
		// The parser's errors may quote the property list.
		return ProfileInfo{}, fmt.Errorf("the profile's property list is unreadable: %s", SafeText(err.Error()))
	}
	if !isSafe(info.UUID) {
		return ProfileInfo{}, fmt.Errorf("the profile's UUID \"%s\" is malformed (it holds control or invisible characters): nothing was saved", SafeText(info.UUID))
	}
	info.Name = SafeText(info.Name)
	for i := range info.TeamIdentifier {
		info.TeamIdentifier[i] = SafeText(info.TeamIdentifier[i])
	}
	return info, nil
}

// Content fetches the profile's .mobileprovision bytes and checks them: they
// must be CMS signed data whose property list has the UUID the list showed.
// Individual keys get ErrIndividualKeyProvisioning.
func (s *ProfilesService) Content(ctx context.Context, p Profile) ([]byte, *Response, error) {
	if err := s.client.requireProvisioning(); err != nil {
		return nil, nil, err
	}
	what := downloading(DownloadItem{Profile: &p})
	u, err := s.client.itemURL("profiles", p.ID, url.Values{"fields[profiles]": {strings.Join(profileContentFields, ",")}})
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", what, err)
	}
	resp := &Response{}
	doc, err := getJSON[singleDocument[profileContent]](ctx, s.client, u, resp)
	if err != nil {
		return nil, resp, fmt.Errorf("%s: %w", what, err)
	}
	data, err := checkProfile(p, doc.Data.Attributes)
	if err != nil {
		return nil, resp, fmt.Errorf("%s: %w", what, err)
	}
	return data, resp, nil
}

// checkProfile checks the content Apple sent for p and returns the
// .mobileprovision bytes.
func checkProfile(p Profile, attrs profileContent) ([]byte, error) {
	if attrs.ProfileContent == "" {
		return nil, errors.New("App Store Connect sent no content for it")
	}
	data, err := decodeContent(attrs.ProfileContent)
	if err != nil {
		return nil, fmt.Errorf("its content is not base64: %v", err)
	}
	info, err := ParseProfile(data)
	if err != nil {
		return nil, err
	}
	listed := firstNonEmpty(p.UUID, attrs.UUID)
	if info.UUID == "" || !strings.EqualFold(strings.TrimSpace(info.UUID), listed) {
		return nil, fmt.Errorf("App Store Connect sent a profile with UUID %q, not the listed %q: nothing was saved", info.UUID, listed)
	}
	return data, nil
}

// Download saves the profile into dir as ProfileFileName(p) and returns the
// path written (or reused: see DownloadOptions). The file is complete or
// absent, never half-written.
func (s *ProfilesService) Download(ctx context.Context, p Profile, dir string, opt DownloadOptions) (string, error) {
	path, _, err := s.download(ctx, p, dir, opt)
	return path, err
}

func (s *ProfilesService) download(ctx context.Context, p Profile, dir string, opt DownloadOptions) (string, bool, error) {
	data, _, err := s.Content(ctx, p)
	if err != nil {
		return "", false, err
	}
	return saveProfile(p, data, dir, opt)
}

// saveProfile writes the checked .mobileprovision of p into dir.
func saveProfile(p Profile, data []byte, dir string, opt DownloadOptions) (string, bool, error) {
	if p.UUID == "" {
		if info, err := ParseProfile(data); err == nil {
			p.UUID = info.UUID
		}
	}
	return writeFileNoClobber(dir, ProfileFileName(p), data, opt.Overwrite)
}

// DownloadItem is one thing to download: set exactly one field.
type DownloadItem struct {
	Certificate *Certificate
	Profile     *Profile
}

// String names the item for messages.
func (it DownloadItem) String() string {
	switch {
	case it.Certificate != nil:
		return fmt.Sprintf("certificate %q", firstNonEmpty(it.Certificate.Name, it.Certificate.DisplayName, it.Certificate.ID))
	case it.Profile != nil:
		return fmt.Sprintf("profile %q", firstNonEmpty(it.Profile.Name, it.Profile.UUID, it.Profile.ID))
	}
	return "empty download item"
}

// downloading is what an error about downloading it starts with.
func downloading(it DownloadItem) string { return "downloading " + it.String() }

// DownloadResult is how one download went.
type DownloadResult struct {
	Item DownloadItem
	// Path is the file written or reused.
	Path string
	// Reused is set when a file with the same content was already there.
	Reused bool
	Err    error
}

// DownloadMany saves items into dir. It fetches the content of up to 200
// certificates (or profiles) with one request, so that a team's whole set
// costs a few requests of the key's hourly budget rather than one each, and
// keeps at most MaxInFlight requests in flight. Each item gets the checks and
// the file handling of a single Download; a failed item does not stop the
// others, and an item App Store Connect no longer has is a failed item.
// progress, when set, is called after each item, one call at a time but from
// background goroutines, with the number done so far. Results come back in
// the order of items; the error joins the failures, or is ctx's error if the
// context ended.
func (c *Client) DownloadMany(ctx context.Context, items []DownloadItem, dir string, opt DownloadOptions,
	progress func(done, total int, res DownloadResult)) ([]DownloadResult, error) {
	results := make([]DownloadResult, len(items))
	for i, it := range items {
		results[i].Item = it
	}
	if len(items) > 0 {
		if err := c.requireProvisioning(); err != nil {
			return nil, err
		}
	}
	var mu sync.Mutex
	done := 0
	finish := func(i int, res DownloadResult) {
		mu.Lock()
		defer mu.Unlock()
		results[i] = res
		done++
		if progress != nil {
			progress(done, len(items), res)
		}
	}
	batches := c.contentBatches(items, dir, opt, finish)
	inParallel(ctx, c.MaxInFlight(), batches, func(b *contentBatch) { b.run(ctx, c, finish) })
	if err := ctx.Err(); err != nil {
		for i := range results {
			if results[i].Path == "" && results[i].Err == nil { // never started
				results[i].Err = err
			}
		}
		return results, err
	}
	var errs []error
	for _, r := range results {
		if r.Err != nil {
			errs = append(errs, r.Err)
		}
	}
	if len(errs) > 0 {
		return results, fmt.Errorf("%d of %d downloads failed:\n%w", len(errs), len(items), errors.Join(errs...))
	}
	return results, nil
}

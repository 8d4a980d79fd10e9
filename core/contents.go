package core

import (
	"context"
	"encoding/json"
	"fmt"
)

// Contents fetches the DER of many certificates, contentBatchSize per
// request (GET /v1/certificates?filter[id]=...), each checked as Content
// checks one, and returns them by id. It is how the public keys of listed
// certificates are learnt when a signing key must be matched to them.
// Certificates Apple did not answer for are absent from the map.
func (s *CertificatesService) Contents(ctx context.Context, certs []Certificate) (map[string][]byte, error) {
	if err := s.client.requireProvisioning(); err != nil {
		return nil, err
	}
	out := make(map[string][]byte, len(certs))
	for start := 0; start < len(certs); start += contentBatchSize {
		batch := certs[start:min(start+contentBatchSize, len(certs))]
		items := make([]batchItem, len(batch))
		for i, c := range batch {
			if err := checkID(c.ID); err != nil {
				return nil, err
			}
			items[i] = batchItem{id: c.ID}
		}
		attrs, err := fetchContent(ctx, s.client, "certificates", certificateContentFields, items)
		if err != nil {
			return nil, fmt.Errorf("fetching the content of %d certificates: %w", len(batch), err)
		}
		for _, c := range batch {
			raw, ok := attrs[c.ID]
			if !ok {
				continue
			}
			var content certificateContent
			if err := json.Unmarshal(raw, &content); err != nil {
				return nil, fmt.Errorf("%s: %w", downloading(DownloadItem{Certificate: &c}), &ResponseError{StatusCode: 200, Err: err})
			}
			der, err := checkCertificate(c, content)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", downloading(DownloadItem{Certificate: &c}), err)
			}
			out[c.ID] = der
		}
	}
	return out, nil
}

// SaveCertificate writes der, the checked content of c (a certificate just
// created, say), into dir as a download would: CertificateFileName(c), never
// half-written, reusing an identical file and, without opt.Overwrite,
// writing beside a different one. It returns the path.
func SaveCertificate(c Certificate, der []byte, dir string, opt DownloadOptions) (string, error) {
	path, _, err := saveCertificate(c, der, dir, opt)
	return path, err
}

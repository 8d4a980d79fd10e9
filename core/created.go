package core

import "context"

// Save writes the created profile's .mobileprovision into dir as
// <UUID>.mobileprovision, by the rules of a download (never half-written,
// never replacing a different file unless opt.Overwrite), so that --out
// costs no second request.
func (p CreatedProfile) Save(dir string, opt DownloadOptions) (string, error) {
	path, _, err := saveProfile(p.Profile, p.Content, dir, opt)
	return path, err
}

// InParallel calls do for each job, n at a time (a caller running writes
// passes MaxInFlight, the client's limit, so no job waits inside the client
// while another could start), and hands out no more jobs once ctx has ended.
// It returns when every call has returned.
func InParallel[J any](ctx context.Context, n int, jobs []J, do func(J)) {
	inParallel(ctx, n, jobs, do)
}

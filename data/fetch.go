package data

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// errStalled is the cancellation cause when a download receives no bytes for too long.
var errStalled = errors.New("download stalled")

// get downloads url into w, showing progress on e.out. It fails on a status other than
// 200 OK, on a body larger than f.MaxSize, on a body shorter than its Content-Length, and
// when no bytes arrive for e.stall.
func (e *ensurer) get(ctx context.Context, url string, f RemoteFile, w io.Writer) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	// The timer covers the wait for the response headers as well as each wait for body bytes.
	timer := time.AfterFunc(e.stall, func() { cancel(errStalled) })
	defer timer.Stop()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("data: invalid download URL %s: %w", url, err)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return e.transferError(ctx, url, err)
	}
	defer resp.Body.Close()

	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("data: GET %s: %s", url, resp.Status)
	}
	if resp.ContentLength > f.MaxSize {
		return fmt.Errorf("data: GET %s: the server announces %d bytes, more than the %d-byte limit for %s", url, resp.ContentLength, f.MaxSize, f.Name)
	}

	fmt.Fprintf(e.out, "data: downloading %s from %s\n", f.Name, url)
	bar := newProgress(e.out, f.Name, resp.ContentLength)
	body := &stallReader{r: resp.Body, timer: timer, timeout: e.stall}
	n, err := io.Copy(io.MultiWriter(w, bar), io.LimitReader(body, f.MaxSize+1))
	bar.finish()

	if err != nil {
		return e.transferError(ctx, url, err)
	}
	if n > f.MaxSize {
		return fmt.Errorf("data: GET %s: the body is larger than the %d-byte limit for %s", url, f.MaxSize, f.Name)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return fmt.Errorf("data: GET %s: the body ended after %d of %d bytes", url, n, resp.ContentLength)
	}
	return nil
}

// transferError adds the URL to a failed transfer's error and reports a stall as such.
func (e *ensurer) transferError(ctx context.Context, url string, err error) error {
	if errors.Is(context.Cause(ctx), errStalled) {
		return fmt.Errorf("data: GET %s: no data received for %s: %w", url, e.stall, errStalled)
	}
	return fmt.Errorf("data: GET %s failed: %w", url, err)
}

// stallReader restarts the stall timer whenever bytes arrive.
type stallReader struct {
	r       io.Reader
	timer   *time.Timer
	timeout time.Duration
}

func (s *stallReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if n > 0 {
		s.timer.Reset(s.timeout)
	}
	return n, err
}

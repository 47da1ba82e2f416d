package childproc

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"
)

// The reasons WaitHTTP200 gives up.
var (
	ErrExited   = errors.New("the process exited")
	ErrNotReady = errors.New("no 200 answer in time")
)

// WaitHTTP200 asks url with GET every 100 ms (2 s at most each) until it answers 200
// (nil), the process exits (ErrExited), limit passes (ErrNotReady) or ctx ends (its
// error).
func (p *Proc) WaitHTTP200(ctx context.Context, url string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		select {
		case <-p.exited:
			return ErrExited
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if resp, err := client.Get(url); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return ErrNotReady
		}
		time.Sleep(100 * time.Millisecond)
	}
}

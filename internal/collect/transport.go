package collect

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

// The official client decodes responses into typed structs, which drop fields the struct does
// not name (and some it misnames, such as Device.AdvertisedRoutes). To keep the API's raw JSON
// while still making every call through the client, the bottom transport reads each response
// body in full and records it in a capture carried by the request's context; the collector then
// works from those bytes, and the typed result is discarded.
type capture struct {
	method, path string // of the last request
	status       int
	header       http.Header
	body         []byte
	err          error // transport error after the last attempt
	attempts     int
}

type captureKey struct{}

func withCapture(ctx context.Context, c *capture) context.Context {
	return context.WithValue(ctx, captureKey{}, c)
}

// maxBody bounds one response body; far above any real tailnet's device list.
const maxBody = 1 << 30

// retryTransport retries 429, 5xx and timed-out attempts with exponential backoff, honouring
// Retry-After, gives each attempt its own timeout, and records responses for capture. It sits
// below the authentication transport, so it never sees credentials it did not need to send and
// never logs headers.
type retryTransport struct {
	base     http.RoundTripper
	attempts int
	timeout  time.Duration
	maxDelay time.Duration
	sleep    func(context.Context, time.Duration) error
	now      func() time.Time
	log      *slog.Logger
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c, _ := req.Context().Value(captureKey{}).(*capture)
	if c == nil {
		c = &capture{}
	}
	c.method, c.path = req.Method, req.URL.RequestURI()
	for attempt := 1; ; attempt++ {
		c.attempts = attempt
		resp, body, err := t.once(req)
		if ctxErr := req.Context().Err(); ctxErr != nil {
			return nil, ctxErr
		}
		retry := err != nil || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
		if !retry || attempt >= t.attempts {
			if err != nil {
				c.err = err
				return nil, err
			}
			c.status, c.header, c.body = resp.StatusCode, resp.Header, body
			resp.Body = io.NopCloser(bytes.NewReader(body))
			resp.ContentLength = int64(len(body))
			return resp, nil
		}
		delay := min(backoff(attempt), t.maxDelay)
		status := 0
		if resp != nil {
			status = resp.StatusCode
			if ra, ok := retryAfter(resp.Header.Get("Retry-After"), t.now()); ok {
				delay = min(ra, t.maxDelay)
			}
		}
		t.log.Debug("retrying request", "method", req.Method, "path", req.URL.Path, "status", status,
			"err", err, "attempt", attempt, "delay", delay)
		if err := t.sleep(req.Context(), delay); err != nil {
			return nil, err
		}
	}
}

// once makes one attempt and reads the whole body within the attempt's timeout.
func (t *retryTransport) once(req *http.Request) (*http.Response, []byte, error) {
	ctx, cancel := context.WithTimeout(req.Context(), t.timeout)
	defer cancel()
	r := req.Clone(ctx)
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, nil, err
		}
		r.Body = body
	}
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return nil, nil, t.describe(ctx, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, nil, t.describe(ctx, err)
	}
	if len(body) > maxBody {
		return nil, nil, fmt.Errorf("response body larger than %d bytes", maxBody)
	}
	t.log.Debug("response", "method", req.Method, "path", req.URL.Path, "status", resp.StatusCode, "bytes", len(body))
	return resp, body, nil
}

func (t *retryTransport) describe(ctx context.Context, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("no complete response within %v", t.timeout)
	}
	return err
}

// backoff returns the wait before attempt+1: 1s, 2s, 4s, ...
func backoff(attempt int) time.Duration {
	return time.Second << min(attempt-1, 10)
}

// retryAfter parses a Retry-After header: delay-seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}

// bearerAuth sends an API access token as a bearer token. It implements the official client's
// Auth interface, so API keys and OAuth clients reach every request the same way.
type bearerAuth struct{ token string }

func (a bearerAuth) HTTPClient(orig *http.Client, _ string) *http.Client {
	return &http.Client{
		Transport:     &bearerTransport{base: orig.Transport, token: a.token},
		CheckRedirect: orig.CheckRedirect,
		Jar:           orig.Jar,
		Timeout:       orig.Timeout,
	}
}

type bearerTransport struct {
	base  http.RoundTripper
	token string
}

func (t *bearerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+t.token)
	return t.base.RoundTrip(r)
}

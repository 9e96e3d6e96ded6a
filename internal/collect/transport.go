package collect

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
)

// The official client decodes responses into typed structs, which drop fields the struct does
// not name (and some it misnames, such as Device.AdvertisedRoutes). To keep the API's raw JSON
// while still making every call through the client, the bottom transport reads each response
// body and records it in a capture carried by the request's context; the collector then works
// from those bytes, and the typed result is discarded.
type capture struct {
	// limit bounds a successful response's body; 0 means defaultLimit.
	limit int64
	// stream hands a successful response's body on unread (the log endpoints), still bounded by
	// limit and by RequestTimeout between two reads.
	stream bool

	method, path string // of the last request
	status       int
	header       http.Header
	body         []byte // nil when streamed
	err          error  // transport error after the last attempt
	attempts     int
}

type captureKey struct{}

func withCapture(ctx context.Context, c *capture) context.Context {
	return context.WithValue(ctx, captureKey{}, c)
}

// Response size limits. A body beyond its endpoint's limit fails that endpoint and is not
// retried. They sit far above any real tailnet (a device is about 2 KiB with every field) and far
// below what would exhaust a CI runner's memory.
const (
	limitDevices = 64 << 20 // devices, with every field
	limitUsers   = 16 << 20
	limitList    = 4 << 20   // the key list, webhooks, posture integrations
	limitPolicy  = 4 << 20   // the policy file
	limitObject  = 1 << 20   // one key, settings, DNS, log streaming, contacts
	limitLogs    = 256 << 20 // each log endpoint, read as a stream
	limitToken   = 64 << 10  // an OAuth token response
	limitError   = 64 << 10  // an error response is read this far, for its message
	defaultLimit = limitObject
)

// retryTransport retries 429, 5xx and timed-out attempts with exponential backoff, honouring
// Retry-After, gives each attempt its own timeout, bounds and records response bodies for capture,
// and fails fast when the server cannot be reached at all (refused connection, unknown host).
// It sits below the authentication transport and never logs headers.
type retryTransport struct {
	base     http.RoundTripper
	attempts int
	timeout  time.Duration
	maxDelay time.Duration
	maxBody  int64 // when positive, lowers every limit
	sleep    func(context.Context, time.Duration) error
	now      func() time.Time
	log      *slog.Logger
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c, _ := req.Context().Value(captureKey{}).(*capture)
	if c == nil {
		c = &capture{}
	}
	limit := c.limit
	if limit <= 0 {
		limit = defaultLimit
	}
	if t.maxBody > 0 {
		limit = min(limit, t.maxBody)
	}
	c.method, c.path = req.Method, req.URL.RequestURI()
	c.status, c.header, c.body, c.err = 0, nil, nil, nil
	for attempt := 1; ; attempt++ {
		c.attempts = attempt
		resp, body, err := t.once(req, c.stream, limit)
		if ctxErr := req.Context().Err(); ctxErr != nil {
			if resp != nil {
				resp.Body.Close()
			}
			return nil, ctxErr
		}
		retry := retryable(err) || err == nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500)
		if !retry || attempt >= t.attempts {
			if err != nil {
				c.err = err
				return nil, err
			}
			c.status, c.header = resp.StatusCode, resp.Header
			if body != nil {
				c.body = body
				resp.Body = io.NopCloser(bytes.NewReader(body))
				resp.ContentLength = int64(len(body))
			}
			return resp, nil
		}
		delay := min(backoff(attempt), t.maxDelay)
		status := 0
		if resp != nil {
			resp.Body.Close()
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

// once makes one attempt. It reads the whole body within the attempt's timeout, or, for a
// streamed successful response, returns it unread (body nil) with the timeout applying between
// reads. A retried response is returned with its body still to close.
func (t *retryTransport) once(req *http.Request, stream bool, limit int64) (*http.Response, []byte, error) {
	a := t.start(req.Context())
	r := req.Clone(a.ctx)
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			a.stop()
			return nil, nil, err
		}
		r.Body = body
	}
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		a.stop()
		return nil, nil, t.describe(a, r, err)
	}
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	if ok && stream {
		resp.Body = &streamBody{r: resp.Body, limit: limit, a: a, t: t, req: r}
		return resp, nil, nil
	}
	defer a.stop()
	if !ok {
		// Only the message matters; a longer error body is cut, not refused.
		body, err := io.ReadAll(io.LimitReader(resp.Body, limitError))
		resp.Body.Close()
		if err != nil {
			return nil, nil, t.describe(a, r, err)
		}
		resp.Body = io.NopCloser(bytes.NewReader(nil))
		return resp, body, nil
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, nil, t.describe(a, r, err)
	}
	if int64(len(body)) > limit {
		return nil, nil, &tooLargeError{limit: limit}
	}
	t.log.Debug("response", "method", req.Method, "path", req.URL.Path, "status", resp.StatusCode, "bytes", len(body))
	return resp, body, nil
}

// attempt is one try's context, cancelled when its timer fires.
type attempt struct {
	ctx      context.Context
	cancel   context.CancelFunc
	timer    *time.Timer
	timedOut atomic.Bool
}

func (t *retryTransport) start(parent context.Context) *attempt {
	ctx, cancel := context.WithCancel(parent)
	a := &attempt{ctx: ctx, cancel: cancel}
	a.timer = time.AfterFunc(t.timeout, func() {
		a.timedOut.Store(true)
		cancel()
	})
	return a
}

func (a *attempt) stop() {
	a.timer.Stop()
	a.cancel()
}

// describe turns a transport error into one of the collector's: a server that cannot be reached,
// an attempt that timed out, or the error itself.
func (t *retryTransport) describe(a *attempt, req *http.Request, err error) error {
	if ce := connectFailure(req.URL.Host, err, a.timedOut.Load(), t.timeout); ce != nil {
		return ce
	}
	if a.timedOut.Load() {
		return &timeoutError{timeout: t.timeout}
	}
	return err
}

// connectFailure returns a *connectError when err means no connection could be made: the name
// does not resolve, the connection is refused or unanswered, or the server's certificate is not
// trusted. None of these mends itself between two attempts.
func connectFailure(host string, err error, timedOut bool, timeout time.Duration) error {
	if de, ok := errors.AsType[*net.DNSError](err); ok {
		return &connectError{host: host, msg: fmt.Sprintf("cannot resolve %s: %s", de.Name, de.Err)}
	}
	if ce, ok := errors.AsType[*tls.CertificateVerificationError](err); ok {
		return &connectError{host: host, msg: fmt.Sprintf("cannot connect to %s: TLS: %v", host, ce.Err)}
	}
	oe, ok := errors.AsType[*net.OpError](err)
	if !ok || oe.Op != "dial" && oe.Op != "proxyconnect" {
		return nil
	}
	msg := "connection failed"
	switch {
	case timedOut || oe.Timeout():
		msg = fmt.Sprintf("no connection within %v", timeout)
	case oe.Err != nil:
		msg = oe.Err.Error()
		var sys interface{ Unwrap() error }
		if errors.As(oe.Err, &sys) && sys.Unwrap() != nil {
			msg = sys.Unwrap().Error() // "connection refused" rather than "connect: connection refused"
		}
	}
	return &connectError{host: host, msg: "cannot connect to " + host + ": " + msg}
}

func retryable(err error) bool {
	if err == nil {
		return false
	}
	_, noConnection := errors.AsType[*connectError](err)
	_, tooLarge := errors.AsType[*tooLargeError](err)
	return !noConnection && !tooLarge
}

// connectError means the API server could not be reached: nothing else will work either, so
// collection stops at once.
type connectError struct{ host, msg string }

func (e *connectError) Error() string { return e.msg }

// tooLargeError is a response body beyond its endpoint's limit.
type tooLargeError struct{ limit int64 }

func (e *tooLargeError) Error() string {
	return fmt.Sprintf("response body larger than %s, the limit for this endpoint; not retried", size(e.limit))
}

// timeoutError is an attempt that got no complete response in time.
type timeoutError struct{ timeout time.Duration }

func (e *timeoutError) Error() string {
	return fmt.Sprintf("no complete response within %v", e.timeout)
}

func size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// streamBody is a successful streamed body: at most limit bytes, each read within the timeout.
type streamBody struct {
	r     io.ReadCloser
	n     int64
	limit int64
	a     *attempt
	t     *retryTransport
	req   *http.Request
}

func (b *streamBody) Read(p []byte) (int, error) {
	if b.n > b.limit {
		return 0, &tooLargeError{limit: b.limit}
	}
	b.a.timer.Reset(b.t.timeout)
	if rest := b.limit + 1 - b.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	if b.n > b.limit {
		return n, &tooLargeError{limit: b.limit}
	}
	if err != nil && err != io.EOF {
		return n, b.t.describe(b.a, b.req, err)
	}
	return n, err
}

func (b *streamBody) Close() error {
	b.a.stop()
	return b.r.Close()
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

// tokenAuth sends a bearer token from src on every request: the API access token, or the access
// token an OAuth client was issued. It implements the official client's Auth interface. issued
// is told every token used, so that the scrubber removes it from all output.
type tokenAuth struct {
	src    oauth2.TokenSource
	issued func(string)
}

func (a tokenAuth) HTTPClient(orig *http.Client, _ string) *http.Client {
	return &http.Client{
		Transport:     &tokenTransport{base: orig.Transport, auth: a},
		CheckRedirect: orig.CheckRedirect,
	}
}

type tokenTransport struct {
	base http.RoundTripper
	auth tokenAuth
}

func (t *tokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	tok, err := t.auth.src.Token()
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, &tokenError{err: err}
	}
	t.auth.issued(tok.AccessToken)
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	return t.base.RoundTrip(r)
}

// tokenError is a failure to obtain an OAuth access token.
type tokenError struct{ err error }

func (e *tokenError) Error() string { return "OAuth token request: " + e.err.Error() }

func (e *tokenError) Unwrap() error { return e.err }

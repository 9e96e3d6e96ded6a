package sink

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// errRedirect is what a refused redirect comes back as.
var errRedirect = errors.New("the receiver answered with a redirect, which is not followed")

// httpPoster sends requests for one sink: redirects refused, secrets kept out of every error.
type httpPoster struct {
	client  *http.Client
	now     func() time.Time
	secrets []string // redacted from anything a reply or an error could carry
	maxBody int64    // how much of a reply is read
}

func newHTTP(c *http.Client) *httpPoster {
	var own http.Client
	if c != nil {
		own = *c
	} else {
		own.Timeout = time.Minute
	}
	own.CheckRedirect = func(*http.Request, []*http.Request) error { return errRedirect }
	return &httpPoster{client: &own, now: time.Now, maxBody: 1 << 20}
}

// reply is a receiver's answer.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// do sends one request; name is the sink's Name, for errors.
func (p *httpPoster) do(ctx context.Context, name, method, target string, header http.Header, body []byte) (*reply, error) {
	req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%s: %s", name, p.redact(err.Error()))
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("User-Agent", "tailaudit")
	resp, err := p.client.Do(req)
	if err != nil {
		// A url.Error repeats the URL, whose path may be the secret (Slack): keep only the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if errors.Is(err, errRedirect) {
			return nil, fmt.Errorf("%s: %w", name, errRedirect)
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, fmt.Errorf("%s: no answer: %w", name, ctxErr)
		}
		return nil, fmt.Errorf("%s: %s", name, p.redact(err.Error()))
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, p.maxBody+1))
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, fmt.Errorf("%s: reading the answer: %w", name, ctxErr)
		}
		return nil, fmt.Errorf("%s: reading the answer: %s", name, p.redact(err.Error()))
	}
	if int64(len(b)) > p.maxBody {
		return nil, fmt.Errorf("%s: HTTP %d: the answer is longer than %d bytes", name, resp.StatusCode, p.maxBody)
	}
	return &reply{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// statusErr is the error for a reply that is not a success: the status, a short excerpt of the
// body and any Retry-After.
func (p *httpPoster) statusErr(name string, r *reply, what string) Result {
	msg := fmt.Sprintf("%s: HTTP %d", name, r.status)
	if what != "" {
		msg += ": " + what
	}
	if ex := p.excerpt(r.body); ex != "" {
		msg += ": " + ex
	}
	return Result{Err: errors.New(msg), RetryAfter: retryAfter(r.header, p.now())}
}

// isHTML says whether a reply is a web page: a proxy's, a login page's or a captive portal's.
func isHTML(r *reply) bool {
	ct := strings.ToLower(r.header.Get("Content-Type"))
	if strings.HasPrefix(ct, "text/html") {
		return true
	}
	b := bytes.ToLower(bytes.TrimSpace(r.body[:min(len(r.body), 64)]))
	return bytes.HasPrefix(b, []byte("<!doctype html")) || bytes.HasPrefix(b, []byte("<html"))
}

// excerptLen is how many characters of a reply an error message quotes.
const excerptLen = 200

// excerpt is the start of a body on one line: printable characters only, secrets redacted.
func (p *httpPoster) excerpt(body []byte) string {
	s := p.redact(string(body))
	var b strings.Builder
	space := false
	n := 0
	for _, r := range s {
		if n >= excerptLen {
			b.WriteString("...")
			break
		}
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			n++
			space = false
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// redact replaces every secret in s.
func (p *httpPoster) redact(s string) string {
	for _, sec := range p.secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	return s
}

package sink

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// Result is what became of one alert handed to Deliver.
type Result struct {
	// Err is nil when the receiver acknowledged the alert: a 2xx answer (Slack's "ok", HEC code 0,
	// a bulk item created, or a 409 conflict, which means the document is already there).
	Err error
	// RetryAfter is what the receiver asked the sender to wait (a Retry-After header, in seconds or
	// as an HTTP date), 0 when it asked nothing.
	RetryAfter time.Duration
}

// Sink is one receiver of alerts.
type Sink interface {
	// Name is the spec without secrets, such as "splunk=https://hec.example.com:8088": no query
	// string, no userinfo, and for Slack and webhook URLs, whose path is often the secret, only the
	// host and a fingerprint of the whole URL. A Splunk or Elasticsearch index other than the
	// default is added as "#index=NAME", so that sinks into two indexes have two names.
	Name() string
	// MaxBatch is how many alerts one Deliver may carry.
	MaxBatch() int
	// Deliver sends alerts and returns one Result per alert, in the same order. It never panics; an
	// error that concerns the whole request is in every Result.
	Deliver(ctx context.Context, alerts []finding.Alert) []Result
}

// The environment variables secrets are read from.
const (
	EnvWebhookSecret = "TAILAUDIT_WEBHOOK_SECRET"
	EnvSplunkToken   = "TAILAUDIT_SPLUNK_TOKEN"
	EnvElasticAPIKey = "TAILAUDIT_ELASTIC_API_KEY"
)

// Kinds lists the sink kinds Parse accepts.
func Kinds() []string { return []string{"slack", "webhook", "splunk", "elasticsearch", "stdout"} }

// Parse builds a sink from a spec such as "slack=URL", "webhook=URL", "splunk=URL?ack=true",
// "elasticsearch=URL?index=NAME" or "stdout". Secrets come from env (os.Getenv in the command);
// requests go through client, nil for a default one, whose redirects are refused whatever it
// says, so that an alert and its credentials never go where the URL did not point. The stdout
// sink writes to stdout. The writer is a parameter, not os.Stdout, so that commands and tests
// pass their own.
func Parse(spec string, env func(string) string, client *http.Client, stdout io.Writer) (Sink, error) {
	kind, raw, hasURL := strings.Cut(strings.TrimSpace(spec), "=")
	kind = strings.ToLower(strings.TrimSpace(kind))
	if !slices.Contains(Kinds(), kind) {
		return nil, fmt.Errorf("unknown sink %q (valid sinks: %s)", kind, strings.Join(Kinds(), ", "))
	}
	if kind == "stdout" {
		if hasURL {
			return nil, fmt.Errorf("sink stdout takes no URL")
		}
		if stdout == nil {
			return nil, fmt.Errorf("sink stdout: no standard output to write to")
		}
		return &stdoutSink{w: stdout}, nil
	}
	if !hasURL || strings.TrimSpace(raw) == "" {
		return nil, fmt.Errorf("sink %s needs a URL: %s=https://...", kind, kind)
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		// url.Error would repeat the URL, which may carry a secret.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("sink %s: bad URL: %v", kind, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("sink %s: URL scheme %q is not http or https", kind, u.Scheme)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("sink %s: URL has no host", kind)
	}
	if u.User != nil {
		return nil, fmt.Errorf("sink %s: credentials in the URL are refused; the secret comes from the environment", kind)
	}
	if env == nil {
		env = func(string) string { return "" }
	}
	h := newHTTP(client)
	switch kind {
	case "slack":
		return newSlack(u, h)
	case "webhook":
		return newWebhook(u, env, h)
	case "splunk":
		return newSplunk(u, env, h)
	default:
		return newElastic(u, env, h)
	}
}

// secretEnv reads a required secret.
func secretEnv(env func(string) string, kind, name string) (string, error) {
	v := strings.TrimSpace(env(name))
	if v == "" {
		return "", fmt.Errorf("sink %s: the secret is read from %s, which is not set", kind, name)
	}
	return v, nil
}

// options takes the query parameters a sink understands out of u, and refuses any other.
func options(u *url.URL, kind string, allowed ...string) (url.Values, error) {
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("sink %s: bad query string: %v", kind, err)
	}
	for k := range q {
		if !slices.Contains(allowed, k) {
			return nil, fmt.Errorf("sink %s: unknown option %q in the URL (options: %s)", kind, k, strings.Join(allowed, ", "))
		}
	}
	u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = "", false, "", ""
	return q, nil
}

// hostName is scheme://host[:port]/path, without query or fragment.
func hostName(kind string, u *url.URL, withPath bool) string {
	s := kind + "=" + u.Scheme + "://" + u.Host
	if withPath {
		s += strings.TrimSuffix(u.EscapedPath(), "/")
	}
	return s
}

// fingerprintName names a URL whose path may be a secret: its host and the first hex digits of a
// hash of the whole URL, so that two Slack webhooks get two names and neither shows its path.
func fingerprintName(kind string, u *url.URL) string {
	sum := sha256.Sum256([]byte(u.String()))
	return hostName(kind, u, false) + "#" + hex.EncodeToString(sum[:4])
}

// allResults is n copies of one result, for errors that concern a whole request.
func allResults(n int, r Result) []Result {
	out := make([]Result, n)
	for i := range out {
		out[i] = r
	}
	return out
}

// retryAfter reads a Retry-After header: delay seconds or an HTTP date.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		return time.Duration(min(n, int64(24*time.Hour/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return min(d, 24*time.Hour)
		}
	}
	return 0
}

// requests splits encoded items into requests of at most maxN items and maxBytes bytes; an item
// longer than maxBytes goes alone. Items that could not be encoded (nil) are left out.
func requests(items [][]byte, maxN, maxBytes int) [][]int {
	var out [][]int
	var cur []int
	size := 0
	for i, b := range items {
		if b == nil {
			continue
		}
		if len(cur) > 0 && (len(cur) == maxN || size+len(b) > maxBytes) {
			out, cur, size = append(out, cur), nil, 0
		}
		cur, size = append(cur, i), size+len(b)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

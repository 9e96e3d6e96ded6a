package collect

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/tailaudit/tailaudit/engine/tailnet"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	tailscale "tailscale.com/client/tailscale/v2"
)

// Run collects a snapshot of the tailnet and, when opts.EventsSince is positive, recent
// configuration audit logs and network flow logs. It only reads.
//
// An endpoint that answers 403 or 404, an error status, HTML, an empty body, malformed JSON, a
// body beyond its size limit or a redirect is recorded in the snapshot's collection errors and
// the rest is still collected; so is a value that does not match the snapshot schema, which is
// kept as the API sent it. Run fails as a whole only when the credentials are rejected (401, or
// no OAuth token), the server cannot be reached, the context ends, or every endpoint failed.
//
// Secrets never leave Run: the snapshot, the events, the collection errors, progress, log
// records and the returned error all pass through one scrubber.
func Run(ctx context.Context, opts Options) (*tailnet.Snapshot, *Events, error) {
	if err := opts.checkCredentials(); err != nil {
		return nil, nil, err
	}
	opts = opts.withDefaults()
	sc := newScrubber(opts.APIKey, opts.OAuthClientSecret)
	opts.Logger = slog.New(&scrubHandler{h: opts.Logger.Handler(), sc: sc})
	snap, events, err := run(ctx, opts, sc)
	if err != nil {
		return nil, nil, &scrubbedError{msg: sc.text(err.Error()), err: err}
	}
	return snap, events, nil
}

func run(ctx context.Context, opts Options, sc *scrubber) (*tailnet.Snapshot, *Events, error) {
	c, err := newCollector(ctx, opts, sc)
	if err != nil {
		return nil, nil, err
	}
	snap := tailnet.New(opts.Tailnet, opts.Clock(), tailnet.Tool{Name: "tailaudit", Version: opts.Version})
	steps := []struct {
		endpoint string
		fetch    func(context.Context) (any, []error)
	}{
		{tailnet.EndpointDevices, c.devices},
		{tailnet.EndpointUsers, c.users},
		{tailnet.EndpointKeys, c.keys},
		{tailnet.EndpointSettings, c.settings},
		{tailnet.EndpointDNS, c.dns},
		{tailnet.EndpointPolicy, c.policy},
		{tailnet.EndpointLogstream, c.logstream},
		{tailnet.EndpointWebhooks, c.webhooks},
		{tailnet.EndpointPostureIntegrations, c.postureIntegrations},
		{tailnet.EndpointContacts, c.contacts},
	}
	// Logstream answers 404 when no stream is configured, which looks the same as a wrong
	// tailnet, so it does not count towards "every endpoint failed".
	failed, counted := 0, 0
	for _, step := range steps {
		start := time.Now()
		v, errs := step.fetch(ctx)
		if err := fatal(ctx, errs); err != nil {
			return nil, nil, err
		}
		if step.endpoint != tailnet.EndpointLogstream {
			counted++
			if v == nil {
				failed++
			}
		}
		if v != nil {
			snap.Set(step.endpoint, sc.value(v))
		}
		for _, err := range errs {
			snap.AddError(c.collectionError(step.endpoint, err))
			c.log.Debug("endpoint not collected", "endpoint", step.endpoint, "err", err)
		}
		c.progress(step.endpoint, v, errs, time.Since(start))
	}
	if failed == counted {
		return nil, nil, fmt.Errorf("collect: every endpoint failed; first: %s", snap.Errors()[0])
	}
	if err := snap.Validate(); err != nil {
		ve, ok := errors.AsType[*tailnet.ValidationError](err)
		if !ok {
			return nil, nil, fmt.Errorf("collect: %w", err)
		}
		problems := make([]problem, len(ve.Problems))
		for i, p := range ve.Problems {
			problems[i] = problem{pointer: p.Pointer, msg: p.Msg}
		}
		c.recordProblems(snap, problems)
	}
	events := &Events{}
	if opts.EventsSince > 0 {
		if events, err = c.events(ctx, opts.Clock(), opts.EventsSince); err != nil {
			return nil, nil, err
		}
	}
	return snap, events, nil
}

// maxProblemsPerEndpoint bounds the schema problems recorded for one endpoint, so that a server
// sending a million bad devices does not make a million collection errors.
const maxProblemsPerEndpoint = 20

// problem is a value that does not match the snapshot schema.
type problem struct{ pointer, msg string }

// recordProblems records each value that does not match the snapshot schema as a collection
// error of its endpoint, located by JSON pointer. The value stays in the snapshot as the API sent
// it, and the rules that depend on the endpoint are not assessed.
func (c *collector) recordProblems(snap *tailnet.Snapshot, problems []problem) {
	// The schema validator reports some problems in map order; sort them so that two
	// collections of the same answers write the same snapshot.
	slices.SortStableFunc(problems, func(a, b problem) int { return strings.Compare(a.pointer, b.pointer) })
	count := map[string]int{}
	var order []string
	for _, p := range problems {
		endpoint, _, _ := strings.Cut(strings.TrimPrefix(p.pointer, "/"), "/")
		if endpoint == "" {
			endpoint = "snapshot"
		}
		if count[endpoint] == 0 {
			order = append(order, endpoint)
		}
		count[endpoint]++
		if count[endpoint] > maxProblemsPerEndpoint {
			continue
		}
		msg := fmt.Sprintf("%s: %s; kept as the API sent it", p.pointer, p.msg)
		ce := c.collectionError(endpoint, errors.New(msg))
		ce.Pointer = p.pointer // check then loads the snapshot and assesses everything else
		snap.AddError(ce)
	}
	for _, endpoint := range order {
		if n := count[endpoint] - maxProblemsPerEndpoint; n > 0 {
			msg := fmt.Sprintf("/%s: %d more values that do not match the snapshot schema", endpoint, n)
			snap.AddError(c.collectionError(endpoint, errors.New(msg)))
		}
	}
}

type collector struct {
	opts     Options
	client   *tailscale.Client
	http     *http.Client // authenticated, for the calls the client lacks
	base     *url.URL
	log      *slog.Logger
	sc       *scrubber
	token    *capture // the last OAuth token request
	progress func(endpoint string, v any, errs []error, took time.Duration)
}

// newCollector builds the HTTP stack: the official client on top, then the transport that adds
// the bearer token, then retryTransport over the base transport. The OAuth token request goes
// through the same retryTransport with the run's context, so it has the timeouts, retries, size
// limit and refusal of redirects of every API call.
func newCollector(ctx context.Context, opts Options, sc *scrubber) (*collector, error) {
	base, err := url.Parse(strings.TrimSuffix(opts.BaseURL, "/"))
	if err != nil || base.Scheme == "" || base.Host == "" {
		return nil, fmt.Errorf("invalid base URL %q", sc.text(opts.BaseURL))
	}
	var rt http.RoundTripper = http.DefaultTransport
	if opts.HTTPClient != nil && opts.HTTPClient.Transport != nil {
		rt = opts.HTTPClient.Transport
	}
	httpc := &http.Client{
		Transport: &retryTransport{
			base: rt, attempts: opts.MaxAttempts, timeout: opts.RequestTimeout, maxDelay: opts.MaxRetryDelay,
			maxBody: opts.MaxBodyBytes, sleep: opts.Sleep, now: opts.Clock, log: opts.Logger,
		},
		// A redirect from the API means a login page or a wrong base URL: report it. Following
		// it would send the credentials to wherever it points.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	c := &collector{opts: opts, base: base, log: opts.Logger, sc: sc, token: &capture{limit: limitToken}}
	src := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: opts.APIKey, TokenType: "Bearer"})
	if opts.OAuthClientID != "" {
		cfg := clientcredentials.Config{
			ClientID:     opts.OAuthClientID,
			ClientSecret: opts.OAuthClientSecret,
			TokenURL:     base.JoinPath("api", "v2", "oauth", "token").String(),
			AuthStyle:    oauth2.AuthStyleInHeader,
		}
		// The token source keeps this context for every token request it makes.
		src = cfg.TokenSource(withCapture(context.WithValue(ctx, oauth2.HTTPClient, httpc), c.token))
	}
	c.client = &tailscale.Client{
		BaseURL:   base,
		Tailnet:   opts.Tailnet,
		UserAgent: "tailaudit/" + cmpOr(opts.Version, "dev"),
		HTTP:      httpc,
		Auth:      tokenAuth{src: src, issued: sc.add},
	}
	c.client.Devices() // initialises the client, which wraps HTTP with the authentication transport
	c.http = c.client.HTTP
	c.progress = func(string, any, []error, time.Duration) {}
	if w := opts.Progress; w != nil {
		c.progress = func(endpoint string, v any, errs []error, took time.Duration) {
			status := "collected"
			if n, ok := v.([]any); ok {
				status = fmt.Sprintf("%d collected", len(n))
			}
			if len(errs) > 0 {
				status = fmt.Sprintf("not collected: %v", errs[0])
				if v != nil {
					status = fmt.Sprintf("partly collected: %v", errs[0])
				}
			}
			line := fmt.Sprintf("collect: %s: %s (%s)", endpoint, status, took.Round(time.Millisecond))
			fmt.Fprintln(w, sc.text(line))
		}
	}
	return c, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// endpointError is one request that did not yield usable JSON.
type endpointError struct {
	request string // "GET /api/v2/tailnet/-/keys"
	status  int
	msg     string
}

func (e *endpointError) Error() string {
	if e.status != 0 {
		return fmt.Sprintf("%s: HTTP %d: %s", e.request, e.status, e.msg)
	}
	return fmt.Sprintf("%s: %s", e.request, e.msg)
}

// authError means the credentials were rejected; collection stops.
type authError struct{ err error }

func (e *authError) Error() string {
	return fmt.Sprintf("Tailscale API rejected the credentials: %v", e.err)
}

func (e *authError) Unwrap() error { return e.err }

// stopError is a failure that ends collection without blaming the credentials, such as an OAuth
// token endpoint that stays unavailable.
type stopError struct{ msg string }

func (e *stopError) Error() string { return e.msg }

// scrubbedError is Run's error with its text scrubbed; it still unwraps to the cause.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }

func (e *scrubbedError) Unwrap() error { return e.err }

// fatal returns the error that ends collection among errs, if any.
func fatal(ctx context.Context, errs []error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("collect: %w", err)
	}
	for _, err := range errs {
		if ae, ok := errors.AsType[*authError](err); ok {
			return fmt.Errorf("collect: %w", ae)
		}
		if ce, ok := errors.AsType[*connectError](err); ok {
			return fmt.Errorf("collect: %w; check the base URL and the network", ce)
		}
		if se, ok := errors.AsType[*stopError](err); ok {
			return fmt.Errorf("collect: %w", se)
		}
	}
	return nil
}

// collectionError turns err into a scrubbed collection error of endpoint.
func (c *collector) collectionError(endpoint string, err error) tailnet.CollectionError {
	e := tailnet.CollectionError{Endpoint: endpoint, Message: err.Error()}
	if ee, ok := errors.AsType[*endpointError](err); ok {
		e = tailnet.CollectionError{Endpoint: endpoint, Status: ee.status, Message: ee.msg, Request: ee.request}
	}
	e.Message, e.Request = c.sc.text(e.Message), c.sc.text(e.Request)
	return e
}

// response is a classified captured response.
type response struct {
	body   []byte
	header http.Header
}

type kind int

const (
	jsonBody kind = iota
	textBody      // the policy file: HuJSON, not necessarily JSON
)

// call runs fn (a typed client call, or a raw request) with a body limit and classifies what the
// API answered from the captured response rather than from the typed result.
func (c *collector) call(ctx context.Context, limit int64, k kind, fn func(ctx context.Context) error) (*response, error) {
	cp := &capture{limit: limit}
	callErr := fn(withCapture(ctx, cp))
	if err := c.failure(ctx, cp, callErr); err != nil {
		return nil, err
	}
	req := strings.TrimSpace(cp.method + " " + cp.path)
	status, body := cp.status, cp.body
	switch {
	case len(bytes.TrimSpace(body)) == 0:
		return nil, &endpointError{request: req, status: status, msg: "empty response body"}
	case looksLikeHTML(cp.header, body):
		return nil, &endpointError{request: req, status: status, msg: htmlPage}
	}
	if k == jsonBody {
		if err := checkJSON(body); err != nil {
			return nil, &endpointError{request: req, status: status, msg: err.Error()}
		}
	}
	if callErr != nil {
		// The raw JSON is fine; the typed decode disagreed with it, which is why we keep raw.
		c.log.Debug("typed client decode failed; using raw response", "request", req, "err", callErr)
	}
	return &response{body: body, header: cp.header}, nil
}

const htmlPage = "answered with an HTML page, not the Tailscale API; check the base URL"

// failure returns the error of a call that got no successful response: the context ended, no
// OAuth token, no connection, no response, or an error status.
func (c *collector) failure(ctx context.Context, cp *capture, callErr error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if te, ok := errors.AsType[*tokenError](callErr); ok {
		return c.tokenFailure(te)
	}
	req := strings.TrimSpace(cp.method + " " + cp.path)
	if cp.status == 0 {
		err := cp.err
		if err == nil {
			err = callErr
		}
		if err == nil {
			err = errors.New("no response")
		}
		if ce, ok := errors.AsType[*connectError](err); ok {
			return ce
		}
		return &endpointError{request: req, msg: err.Error()}
	}
	status, body := cp.status, cp.body
	switch {
	case status == http.StatusUnauthorized:
		return &authError{&endpointError{request: req, status: status, msg: apiMessage(body)}}
	case status >= 300 && status < 400:
		return &endpointError{request: req, status: status, msg: fmt.Sprintf(
			"redirected to %s instead of answering; a login page or a wrong base URL?", cp.header.Get("Location"))}
	case status >= 400:
		return &endpointError{request: req, status: status, msg: apiMessage(body)}
	}
	return nil
}

// tokenFailure explains why no OAuth access token was issued. Only an answer that refuses the
// client (400, 401, 403) blames the credentials; an endpoint still unavailable after its retries,
// a redirect (never followed) or a timeout says so instead.
func (c *collector) tokenFailure(te *tokenError) error {
	if ce, ok := errors.AsType[*connectError](te.err); ok {
		return ce
	}
	re, ok := errors.AsType[*oauth2.RetrieveError](te.err)
	if !ok {
		err := te.err
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err
		}
		return &stopError{fmt.Sprintf("OAuth token request failed after %s: %v", attempts(c.token.attempts), err)}
	}
	status := re.Response.StatusCode
	switch {
	case status >= 300 && status < 400:
		return &stopError{fmt.Sprintf("OAuth token request failed: HTTP %d: redirected to %s; redirects are not followed",
			status, re.Response.Header.Get("Location"))}
	case status == http.StatusTooManyRequests || status >= 500:
		return &stopError{fmt.Sprintf("OAuth token request failed: HTTP %d after %s: %s",
			status, attempts(c.token.attempts), oauthMessage(re))}
	}
	return &authError{fmt.Errorf("OAuth token request failed: HTTP %d: %s", status, oauthMessage(re))}
}

func attempts(n int) string {
	if n == 1 {
		return "1 attempt"
	}
	return fmt.Sprintf("%d attempts", n)
}

// oauthMessage is the OAuth error code and description, or the API's message.
func oauthMessage(re *oauth2.RetrieveError) string {
	if re.ErrorCode != "" {
		return strings.TrimSuffix(re.ErrorCode+": "+re.ErrorDescription, ": ")
	}
	return apiMessage(re.Body)
}

// rawGet makes a GET through the authenticated client, for endpoints the official client lacks.
// A successful body goes to consume, when given.
func (c *collector) rawGet(path string, query url.Values, consume func(io.Reader) error) func(context.Context) error {
	return func(ctx context.Context) error {
		u := c.base.JoinPath(path)
		u.RawQuery = query.Encode()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return err
		}
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", c.client.UserAgent)
		resp, err := c.http.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if consume != nil && resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return consume(resp.Body)
		}
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
}

func (c *collector) tailnetPath(elem ...string) string {
	parts := append([]string{"api", "v2", "tailnet", url.PathEscape(c.opts.Tailnet)}, elem...)
	return "/" + strings.Join(parts, "/")
}

func looksLikeHTML(h http.Header, body []byte) bool {
	if strings.HasPrefix(strings.ToLower(h.Get("Content-Type")), "text/html") {
		return true
	}
	b := bytes.ToLower(bytes.TrimSpace(body[:min(len(body), 512)]))
	return bytes.HasPrefix(b, []byte("<!doctype html")) || bytes.HasPrefix(b, []byte("<html"))
}

func checkJSON(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	var v json.RawMessage
	if err := dec.Decode(&v); err != nil {
		if se, ok := errors.AsType[*json.SyntaxError](err); ok {
			return fmt.Errorf("malformed JSON at byte %d: %v", se.Offset, se)
		}
		return fmt.Errorf("malformed JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("malformed JSON: data after the first value")
	}
	return nil
}

// apiMessage extracts the API's {"message": ...} or a short prefix of a non-JSON body.
func apiMessage(body []byte) string {
	var e struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &e) == nil && e.Message != "" {
		return e.Message
	}
	if looksLikeHTML(nil, body) {
		return "HTML page instead of an API error"
	}
	s := strings.TrimSpace(string(body))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	if s == "" {
		return "empty response body"
	}
	return s
}

// decode parses a JSON body keeping numbers as json.Number.
func decode(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

// member returns body's field name as an array (a list response such as {"devices": [...]}).
func member(r *response, name string) ([]any, error) {
	v, err := decode(r.body)
	if err != nil {
		return nil, err
	}
	m, _ := v.(map[string]any)
	arr, ok := m[name].([]any)
	if !ok {
		if m != nil && m[name] == nil {
			if _, present := m[name]; present {
				return []any{}, nil
			}
		}
		return nil, fmt.Errorf("response has no %q array", name)
	}
	return arr, nil
}

func object(r *response) (map[string]any, error) {
	v, err := decode(r.body)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("response is not a JSON object")
	}
	return m, nil
}

// list fetches a list endpoint through fn and returns its name array.
func (c *collector) list(ctx context.Context, name string, limit int64, fn func(context.Context) error) (any, []error) {
	r, err := c.call(ctx, limit, jsonBody, fn)
	if err != nil {
		return nil, []error{err}
	}
	arr, err := member(r, name)
	if err != nil {
		return nil, []error{err}
	}
	return arr, nil
}

func (c *collector) single(ctx context.Context, limit int64, fn func(context.Context) error) (any, []error) {
	r, err := c.call(ctx, limit, jsonBody, fn)
	if err != nil {
		return nil, []error{err}
	}
	m, err := object(r)
	if err != nil {
		return nil, []error{err}
	}
	return m, nil
}

func (c *collector) devices(ctx context.Context) (any, []error) {
	return c.list(ctx, "devices", limitDevices, func(ctx context.Context) error {
		_, err := c.client.Devices().List(ctx, tailscale.WithFields(tailscale.IncludeFieldsAll))
		return err
	})
}

func (c *collector) users(ctx context.Context) (any, []error) {
	return c.list(ctx, "users", limitUsers, func(ctx context.Context) error {
		_, err := c.client.Users().List(ctx, nil, nil)
		return err
	})
}

// keys lists every key (all=true: user and tailnet level) and fetches each one, since the list
// holds only ids. A key deleted between the two calls (404) is skipped.
func (c *collector) keys(ctx context.Context) (any, []error) {
	ids, errs := c.list(ctx, "keys", limitList, func(ctx context.Context) error {
		_, err := c.client.Keys().List(ctx, true)
		return err
	})
	if errs != nil {
		return nil, errs
	}
	out := []any{}
	for _, v := range ids.([]any) {
		m, _ := v.(map[string]any)
		id, _ := m["id"].(string)
		if id == "" {
			continue
		}
		key, kerrs := c.single(ctx, limitObject, func(ctx context.Context) error {
			_, err := c.client.Keys().Get(ctx, id)
			return err
		})
		if kerrs != nil {
			if ee, ok := errors.AsType[*endpointError](kerrs[0]); ok && ee.status == http.StatusNotFound {
				c.log.Debug("key vanished between list and get", "id", id)
				continue
			}
			if ctx.Err() != nil || fatal(ctx, kerrs) != nil {
				return nil, kerrs
			}
			errs = append(errs, kerrs...)
			continue
		}
		out = append(out, key)
	}
	return out, errs
}

func (c *collector) settings(ctx context.Context) (any, []error) {
	return c.single(ctx, limitObject, func(ctx context.Context) error {
		_, err := c.client.TailnetSettings().Get(ctx)
		return err
	})
}

// dns stores the four DNS responses as returned; a failed one is an error for "dns" while the
// others are kept.
func (c *collector) dns(ctx context.Context) (any, []error) {
	d := c.client.DNS()
	parts := []struct {
		key string
		fn  func(context.Context) error
	}{
		{"nameservers", func(ctx context.Context) error { _, err := d.Nameservers(ctx); return err }},
		{"preferences", func(ctx context.Context) error { _, err := d.Preferences(ctx); return err }},
		{"searchPaths", func(ctx context.Context) error { _, err := d.SearchPaths(ctx); return err }},
		{"splitDNS", func(ctx context.Context) error { _, err := d.SplitDNS(ctx); return err }},
	}
	out := map[string]any{}
	var errs []error
	for _, p := range parts {
		v, perrs := c.single(ctx, limitObject, p.fn)
		if perrs != nil {
			if fatal(ctx, perrs) != nil {
				return nil, perrs
			}
			errs = append(errs, perrs...)
			continue
		}
		out[p.key] = v
	}
	if len(out) == 0 {
		return nil, errs
	}
	return out, errs
}

func (c *collector) policy(ctx context.Context) (any, []error) {
	r, err := c.call(ctx, limitPolicy, textBody, func(ctx context.Context) error {
		_, err := c.client.PolicyFile().Raw(ctx)
		return err
	})
	if err != nil {
		return nil, []error{err}
	}
	return map[string]any{"hujson": string(r.body), "etag": r.header.Get("Etag")}, nil
}

// logstream reads both log types' streaming configuration and status. A 404 means no stream is
// configured for that type and is recorded as null, not as an error.
func (c *collector) logstream(ctx context.Context) (any, []error) {
	out := map[string]any{}
	var errs []error
	for _, lt := range []tailscale.LogType{tailscale.LogTypeConfig, tailscale.LogTypeNetwork} {
		entry := map[string]any{"config": nil, "status": nil}
		for _, part := range []struct {
			key string
			fn  func(context.Context) error
		}{
			{"config", func(ctx context.Context) error {
				_, err := c.client.Logging().LogstreamConfiguration(ctx, lt)
				return err
			}},
			// The official client has no call for the stream status.
			{"status", c.rawGet(c.tailnetPath("logging", string(lt), "stream", "status"), nil, nil)},
		} {
			v, perrs := c.single(ctx, limitObject, part.fn)
			if perrs != nil {
				if ee, ok := errors.AsType[*endpointError](perrs[0]); ok && ee.status == http.StatusNotFound {
					continue
				}
				if fatal(ctx, perrs) != nil {
					return nil, perrs
				}
				errs = append(errs, perrs...)
				continue
			}
			entry[part.key] = v
		}
		out[string(lt)] = entry
	}
	return out, errs
}

func (c *collector) webhooks(ctx context.Context) (any, []error) {
	return c.list(ctx, "webhooks", limitList, func(ctx context.Context) error {
		_, err := c.client.Webhooks().List(ctx)
		return err
	})
}

func (c *collector) postureIntegrations(ctx context.Context) (any, []error) {
	return c.list(ctx, "integrations", limitList, func(ctx context.Context) error {
		_, err := c.client.DevicePosture().ListIntegrations(ctx)
		return err
	})
}

func (c *collector) contacts(ctx context.Context) (any, []error) {
	return c.single(ctx, limitObject, func(ctx context.Context) error {
		_, err := c.client.Contacts().Get(ctx)
		return err
	})
}

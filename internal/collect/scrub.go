package collect

import (
	"context"
	"log/slog"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// redacted stands in for a secret the scrubber removed from a string.
const redacted = "[redacted]"

// secretWords are the fragments of a field name that mark its value as a secret, matched against
// the lower-cased name: "webhookSecret", "s3SecretAccessKey", "Authorization", "nodePrivateKey".
var secretWords = []string{
	"secret", "token", "password", "passwd", "private", "credential", "apikey", "api_key",
	"authorization", "cookie", "signature",
}

// publicKeyFields are public key material that a rule may need, kept whatever their name says.
var publicKeyFields = map[string]bool{
	"nodekey": true, "machinekey": true, "tailnetlockkey": true, "discokey": true,
}

// Key material Tailscale marks with a prefix, anywhere in a string: auth keys, API tokens, OAuth
// client secrets, SCIM and webhook keys (tskey-…), webhook signing secrets (whsec-…), node and
// machine private keys (privkey:…) and tailnet lock private keys (nlpriv:…). Public keys
// (nodekey:, mkey:, discokey:, nlpub:, tlpub:) are not secrets and stay.
var keyMaterial = regexp.MustCompile(`(?i)(tskey-|whsec[-_]|privkey:|nlpriv:)[A-Za-z0-9_.:+/=-]*`)

// bearer is a token after the HTTP "Bearer" scheme, as in an echoed Authorization header.
var bearer = regexp.MustCompile(`(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+`)

// secretName matches a name containing one of secretWords.
var secretName = `[A-Za-z0-9_.-]*(?:` + strings.Join(secretWords, "|") + `)[A-Za-z0-9_.-]*`

// Secret-named values in free text, as in an error body that echoes a request: a quoted JSON
// field (`"client_secret": "…"`), a form or query parameter (`client_secret=…`), and a header
// line (`Authorization: Basic …`). Group 1 is kept, the rest is replaced.
var (
	jsonAssignment   = regexp.MustCompile(`(?i)("` + secretName + `"\s*:\s*)("(?:[^"\\]|\\.)*"|[^\s,}\]]+)`)
	formAssignment   = regexp.MustCompile(`(?i)(\b` + secretName + `=)[^\s&,;"'<>]+`)
	headerAssignment = regexp.MustCompile(`(?i)(\b(?:proxy-authorization|authorization|cookie|set-cookie|x-[a-z0-9-]*(?:token|secret|key))\s*:\s*)[^\r\n]+`)
)

// urlPattern finds URLs in a string, to remove the password (or token) in their userinfo.
var urlPattern = regexp.MustCompile(`(?i)\b[a-z][a-z0-9+.-]*://[^\s"'<>]+`)

// minSecretLen is the shortest credential replaced wherever it appears: shorter values would
// match ordinary text, and no Tailscale credential is that short.
const minSecretLen = 8

// scrubber removes secrets from everything the collector stores or prints: the snapshot, the
// events, collection errors, progress, log records and the error Run returns. It knows the
// credentials of the run (and the OAuth access token once issued) and removes those exact values
// wherever they appear, besides everything that looks like a secret.
type scrubber struct {
	mu      sync.Mutex
	secrets []string // longest first, so that a secret containing another goes whole
}

func newScrubber(secrets ...string) *scrubber {
	s := &scrubber{}
	for _, v := range secrets {
		s.add(v)
	}
	return s
}

// add makes s remove v, and its URL-encoded form, wherever they appear.
func (s *scrubber) add(v string) {
	if len(v) < minSecretLen {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, form := range []string{v, url.QueryEscape(v)} {
		if !slices.Contains(s.secrets, form) {
			s.secrets = append(s.secrets, form)
		}
	}
	slices.SortFunc(s.secrets, func(a, b string) int { return len(b) - len(a) })
}

// text returns str with every secret in it replaced by "[redacted]". Each pattern runs only on a
// string that holds what it needs to match, so that the many strings of a large snapshot that
// cannot hold a secret cost a few substring searches each.
func (s *scrubber) text(str string) string {
	s.mu.Lock()
	for _, secret := range s.secrets {
		if strings.Contains(str, secret) {
			str = strings.ReplaceAll(str, secret, redacted)
		}
	}
	s.mu.Unlock()
	lower := strings.ToLower(str)
	if strings.Contains(lower, "://") {
		str = urlPattern.ReplaceAllStringFunc(str, scrubUserinfo)
	}
	if containsAny(lower, "tskey-", "whsec", "privkey:", "nlpriv:") {
		str = keyMaterial.ReplaceAllString(str, redacted)
	}
	if strings.Contains(lower, "bearer") {
		str = bearer.ReplaceAllString(str, "$1 "+redacted)
	}
	if !containsAny(lower, secretWords...) && !(strings.Contains(lower, "x-") && strings.Contains(lower, "key")) {
		return str
	}
	str = headerAssignment.ReplaceAllString(str, "${1}"+redacted)
	str = formAssignment.ReplaceAllString(str, "${1}"+redacted)
	return jsonAssignment.ReplaceAllStringFunc(str, func(m string) string {
		sub := jsonAssignment.FindStringSubmatch(m)
		if strings.HasPrefix(sub[2], `"`) {
			return sub[1] + `"` + redacted + `"`
		}
		return sub[1] + redacted
	})
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// scrubUserinfo removes the password from a URL's userinfo, or the whole userinfo when it is a
// single token ("https://TOKEN@host").
func scrubUserinfo(u string) string {
	scheme, rest, _ := strings.Cut(u, "://")
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndex(rest[:end], "@")
	if at < 0 {
		return u
	}
	user, _, hasPassword := strings.Cut(rest[:at], ":")
	info := redacted
	if hasPassword {
		info = user + ":" + redacted
	}
	return scheme + "://" + info + rest[at:]
}

// value scrubs a decoded JSON value in place and returns it: fields whose name marks a secret
// are removed, and every string (and object key) is scrubbed as text.
func (s *scrubber) value(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if secretField(k) {
				delete(t, k)
				continue
			}
			e = s.value(e)
			if sk := s.text(k); sk != k {
				delete(t, k)
				k = sk
			}
			t[k] = e
		}
	case []any:
		for i, e := range t {
			t[i] = s.value(e)
		}
	case string:
		return s.text(t)
	}
	return v
}

// secretField reports whether a field of this name holds a secret: its lower-cased name contains
// one of secretWords, or it is "key" (the key material of an auth key or token), unless it is a
// public key.
func secretField(name string) bool {
	lower := strings.ToLower(name)
	if publicKeyFields[lower] || strings.Contains(lower, "public") {
		return false
	}
	if lower == "key" {
		return true
	}
	for _, w := range secretWords {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

// scrubHandler passes log records on with their message and every attribute scrubbed, and the
// value of an attribute whose name marks a secret replaced.
type scrubHandler struct {
	h  slog.Handler
	sc *scrubber
}

func (h *scrubHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.h.Enabled(ctx, l) }

func (h *scrubHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, h.sc.text(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.h.Handle(ctx, out)
}

func (h *scrubHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	scrubbed := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		scrubbed[i] = h.attr(a)
	}
	return &scrubHandler{h: h.h.WithAttrs(scrubbed), sc: h.sc}
}

func (h *scrubHandler) WithGroup(name string) slog.Handler {
	return &scrubHandler{h: h.h.WithGroup(name), sc: h.sc}
}

func (h *scrubHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch {
	case secretField(a.Key):
		return slog.String(a.Key, redacted)
	case v.Kind() == slog.KindGroup:
		group := v.Group()
		scrubbed := make([]any, len(group))
		for i, g := range group {
			scrubbed[i] = h.attr(g)
		}
		return slog.Group(a.Key, scrubbed...)
	case v.Kind() == slog.KindString, v.Kind() == slog.KindAny:
		return slog.String(a.Key, h.sc.text(v.String()))
	}
	return slog.Attr{Key: a.Key, Value: v}
}

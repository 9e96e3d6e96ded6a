package sink

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// webhook posts each alert to a URL, signed with the Standard Webhooks scheme.
type webhook struct {
	name string
	url  string
	key  []byte
	http *httpPoster
}

// minSecretBytes is the shortest signing key accepted. Standard Webhooks asks for 24 to 64 random
// bytes; anything much shorter can be guessed offline from one signed delivery.
const minSecretBytes = 16

func newWebhook(u *url.URL, env func(string) string, h *httpPoster) (*webhook, error) {
	secret, err := secretEnv(env, "webhook", EnvWebhookSecret)
	if err != nil {
		return nil, err
	}
	key, err := webhookKey(secret)
	if err != nil {
		return nil, fmt.Errorf("sink webhook: %s: %v", EnvWebhookSecret, err)
	}
	h.secrets = append(h.secrets, secret, u.String(), u.EscapedPath(), u.Path, u.RawQuery)
	return &webhook{name: fingerprintName("webhook", u), url: u.String(), key: key, http: h}, nil
}

// webhookKey is the HMAC key of a secret: "whsec_" followed by base64 is decoded, as the
// Standard Webhooks libraries do; any other value is used as its own bytes.
func webhookKey(secret string) ([]byte, error) {
	key := []byte(secret)
	if rest, ok := strings.CutPrefix(secret, "whsec_"); ok {
		var err error
		if key, err = base64.StdEncoding.DecodeString(rest); err != nil {
			return nil, fmt.Errorf("a whsec_ secret is base64 after the prefix, and this one does not decode")
		}
	}
	if len(key) < minSecretBytes {
		return nil, fmt.Errorf("the secret is %d bytes long; at least %d are needed", len(key), minSecretBytes)
	}
	return key, nil
}

func (w *webhook) Name() string { return w.name }

func (*webhook) MaxBatch() int { return 1 }

func (w *webhook) Deliver(ctx context.Context, alerts []finding.Alert) (out []Result) {
	defer recoverInto(w.name, len(alerts), &out)
	out = make([]Result, len(alerts))
	for i, a := range alerts {
		out[i] = w.deliver(ctx, a)
	}
	return out
}

// webhookPayload is the body: the Standard Webhooks envelope, with the alert as data.
type webhookPayload struct {
	Type      string        `json:"type"`
	Timestamp string        `json:"timestamp"`
	Data      finding.Alert `json:"data"`
}

// WebhookEventType is the type of every webhook payload.
const WebhookEventType = "tailaudit.alert"

func (w *webhook) deliver(ctx context.Context, a finding.Alert) Result {
	body, err := json.Marshal(webhookPayload{Type: WebhookEventType, Timestamp: a.Time.UTC().Format(time.RFC3339Nano), Data: a})
	if err != nil {
		return Result{Err: fmt.Errorf("%s: encode alert %s: %w", w.name, a.ID, err)}
	}
	ts := strconv.FormatInt(w.http.now().Unix(), 10)
	r, err := w.http.do(ctx, w.name, http.MethodPost, w.url, http.Header{
		"Content-Type":      {"application/json"},
		"Webhook-Id":        {a.ID},
		"Webhook-Timestamp": {ts},
		"Webhook-Signature": {"v1," + sign(w.key, a.ID, ts, body)},
	}, body)
	if err != nil {
		return Result{Err: err}
	}
	if r.status/100 != 2 {
		return w.http.statusErr(w.name, r, "")
	}
	if isHTML(r) {
		// A receiver answers 2xx with anything, but a web page is a proxy's or a login form's.
		return w.http.statusErr(w.name, r, "the answer is a web page, not a webhook receiver's")
	}
	return Result{}
}

// sign is the base64 HMAC-SHA256 of "id.timestamp.body".
func sign(key []byte, id, ts string, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

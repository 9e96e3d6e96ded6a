package sink

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// slack posts each alert to a Slack incoming webhook, whose URL is its secret.
type slack struct {
	name string
	url  string
	http *httpPoster
}

func newSlack(u *url.URL, h *httpPoster) (*slack, error) {
	h.secrets = append(h.secrets, u.String(), u.EscapedPath(), u.Path, u.RawQuery)
	return &slack{name: fingerprintName("slack", u), url: u.String(), http: h}, nil
}

func (s *slack) Name() string { return s.name }

func (*slack) MaxBatch() int { return 1 }

func (s *slack) Deliver(ctx context.Context, alerts []finding.Alert) (out []Result) {
	defer recoverInto(s.name, len(alerts), &out)
	out = make([]Result, len(alerts))
	for i, a := range alerts {
		out[i] = s.deliver(ctx, a)
	}
	return out
}

func (s *slack) deliver(ctx context.Context, a finding.Alert) Result {
	body, err := json.Marshal(slackMessage(a))
	if err != nil {
		return Result{Err: fmt.Errorf("%s: encode alert %s: %w", s.name, a.ID, err)}
	}
	r, err := s.http.do(ctx, s.name, http.MethodPost, s.url, http.Header{"Content-Type": {"application/json"}}, body)
	if err != nil {
		return Result{Err: err}
	}
	// Slack answers a message it took with 200 and the text "ok", and anything else with an
	// error code as text (invalid_payload, no_service, channel_is_archived...).
	if r.status/100 == 2 && string(bytes.TrimSpace(r.body)) == "ok" {
		return Result{}
	}
	if r.status/100 == 2 {
		what := "the answer is not Slack's \"ok\""
		if isHTML(r) {
			what = "the answer is a web page, not Slack's \"ok\""
		}
		return s.http.statusErr(s.name, r, what)
	}
	return s.http.statusErr(s.name, r, "")
}

// slackMessage is the incoming-webhook payload: a plain text line for notifications, and blocks
// with the severity, rule, message and runbook for the channel.
func slackMessage(a finding.Alert) map[string]any {
	sev := strings.ToUpper(string(a.Severity))
	title := a.Rule.ID
	if a.Rule.Title != "" {
		title += ": " + a.Rule.Title
	}
	text := fmt.Sprintf("[%s] %s: %s", sev, a.Rule.ID, a.Message)
	fields := []map[string]any{
		{"type": "mrkdwn", "text": "*Severity*\n" + slackEscape(sev)},
		{"type": "mrkdwn", "text": "*Rule*\n" + slackEscape(title)},
	}
	if actor := actorName(a.Actor); actor != "" {
		fields = append(fields, map[string]any{"type": "mrkdwn", "text": "*Actor*\n" + slackEscape(actor)})
	}
	if target := targetName(a.Target); target != "" {
		fields = append(fields, map[string]any{"type": "mrkdwn", "text": "*Target*\n" + slackEscape(target)})
	}
	blocks := []map[string]any{
		{"type": "header", "text": map[string]any{"type": "plain_text", "text": clip(sev+" "+title, 150)}},
		{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": clip(slackEscape(a.Message), 3000)}},
		{"type": "section", "fields": fields},
	}
	if a.Runbook != "" {
		blocks = append(blocks, map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn",
			"text": clip("*Runbook* "+slackLink(a.Runbook), 3000)}})
	}
	blocks = append(blocks, map[string]any{"type": "context", "elements": []map[string]any{
		{"type": "mrkdwn", "text": slackEscape("tailaudit alert " + a.ID + " at " + a.Time.UTC().Format("2006-01-02 15:04:05Z"))}}})
	return map[string]any{"text": clip(text, 3000), "blocks": blocks}
}

// slackEscape escapes the three characters Slack's mrkdwn gives a meaning to.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// slackLink is a runbook as a link when it is a web address, as text otherwise.
func slackLink(s string) string {
	if u, err := url.Parse(s); err == nil && (u.Scheme == "http" || u.Scheme == "https") && !strings.ContainsAny(s, "|<> ") {
		return "<" + s + ">"
	}
	return slackEscape(s)
}

// clip shortens s to at most n characters, as Slack limits the length of block texts.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func actorName(a *finding.Actor) string {
	if a == nil {
		return ""
	}
	for _, s := range []string{a.LoginName, a.DisplayName, a.ID} {
		if s != "" {
			return s
		}
	}
	return ""
}

func targetName(t *finding.Target) string {
	if t == nil {
		return ""
	}
	s := t.Name
	if s == "" {
		s = t.ID
	}
	if t.Type != "" && s != "" {
		s = strings.ToLower(t.Type) + " " + s
	}
	return s
}

// recoverInto turns a panic in Deliver into an error for every alert.
func recoverInto(name string, n int, out *[]Result) {
	if p := recover(); p != nil {
		*out = allResults(n, Result{Err: fmt.Errorf("%s: internal error: %v", name, p)})
	}
}

package output

import (
	"encoding/json"
	"io"
	"time"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// alertECS writes one Elastic Common Schema document per line: event.kind alert, rule.*, user.*,
// and what ECS has no field for under tailaudit.*.
type alertECS struct{ enc *json.Encoder }

func newAlertECS(w io.Writer) alertEncoder { return alertECS{json.NewEncoder(w)} }

// ECSDocument is an alert as an Elastic Common Schema document: what -f ecs writes, one a line,
// and what the Elasticsearch sink indexes, so that both give the same document.
type ECSDocument struct {
	Timestamp string         `json:"@timestamp"`
	Message   string         `json:"message"`
	Event     ecsEvent       `json:"event"`
	Rule      ecsRule        `json:"rule"`
	User      *ecsUser       `json:"user,omitempty"`
	Log       ecsLog         `json:"log"`
	Tailaudit ecsTailaudit   `json:"tailaudit"`
	Labels    map[string]any `json:"labels,omitempty"`
}

type ecsEvent struct {
	Kind     string   `json:"kind"`
	ID       string   `json:"id"`
	Severity int      `json:"severity"` // 1 info to 5 critical
	Category []string `json:"category"`
	Type     []string `json:"type"`
	Dataset  string   `json:"dataset"`
	Reason   string   `json:"reason"`
	Start    string   `json:"start,omitempty"`
	End      string   `json:"end,omitempty"`
}

type ecsRule struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Ruleset   string `json:"ruleset"`
	Reference string `json:"reference,omitempty"`
}

type ecsUser struct {
	ID       string `json:"id,omitempty"`
	Name     string `json:"name,omitempty"`
	FullName string `json:"full_name,omitempty"`
	Email    string `json:"email,omitempty"`
}

type ecsLog struct {
	Level string `json:"level"`
}

type ecsTailaudit struct {
	AlertID  string              `json:"alert_id"`
	Dedup    string              `json:"dedup"`
	Severity finding.Severity    `json:"severity"`
	Actor    *finding.Actor      `json:"actor,omitempty"`
	Target   *finding.Target     `json:"target,omitempty"`
	Evidence any                 `json:"evidence,omitempty"`
	Controls map[string][]string `json:"controls,omitempty"`
	Events   int                 `json:"events"`
}

func (e alertECS) alert(a *finding.Alert) error { return e.enc.Encode(ECS(*a)) }

func (alertECS) end() error { return nil }

func (alertECS) close() {}

// ECS is the Elastic Common Schema document of an alert.
func ECS(a finding.Alert) ECSDocument {
	d := ECSDocument{
		Timestamp: a.Time.UTC().Format(time.RFC3339Nano),
		Message:   a.Message,
		Event: ecsEvent{Kind: "alert", ID: a.ID, Severity: a.Severity.Rank(), Category: []string{"configuration"},
			Type: []string{"change"}, Dataset: "tailaudit.alerts", Reason: a.Message},
		Rule: ecsRule{ID: a.Rule.ID, Name: a.Rule.Title, Ruleset: "tailaudit", Reference: a.Runbook},
		Log:  ecsLog{Level: string(a.Severity)},
		Tailaudit: ecsTailaudit{AlertID: a.ID, Dedup: a.Dedup, Severity: a.Severity, Actor: a.Actor, Target: a.Target,
			Evidence: ecsEvidence(a.Evidence), Controls: a.Controls, Events: len(a.Events)},
	}
	if a.Window != nil {
		d.Event.Start, d.Event.End = a.Window.Start.UTC().Format(time.RFC3339Nano), a.Window.End.UTC().Format(time.RFC3339Nano)
	}
	if a.Target != nil && a.Target.Type == "NODE" && a.Actor == nil {
		d.Event.Category, d.Event.Type = []string{"network"}, []string{"connection"}
	}
	if u := a.Actor; u != nil && (u.ID != "" || u.LoginName != "" || u.DisplayName != "") {
		d.User = &ecsUser{ID: u.ID, Name: u.LoginName, FullName: u.DisplayName}
		if u.Type == "USER" {
			d.User.Email = u.LoginName
		}
	}
	return d
}

// ecsEvidence is an alert's evidence as tailaudit.evidence holds it: an object as it is, any other
// value (a custom rule may give a string, a number or a list) as {"value": it}. The index template
// maps the field flattened, which takes only an object: Elasticsearch would reject the document,
// and the outbox would retry it for ever.
func ecsEvidence(v any) any {
	switch v.(type) {
	case nil, map[string]any:
		return v
	}
	return map[string]any{"value": v}
}

package finding

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// AlertResult is the result every alert carries in JSON, so that a consumer reading findings and
// alerts from one stream can tell them apart.
const AlertResult Result = "alert"

// Alert is what an alert rule raised about one or more audit or flow log events. Its ID is stable:
// the same rule, dedup key and window start give the same ID on every run, so that a receiver can
// recognise a re-send.
type Alert struct {
	Result   Result              `json:"result"` // always AlertResult
	ID       string              `json:"id"`
	Rule     RuleRef             `json:"rule"`
	Severity Severity            `json:"severity"`
	Message  string              `json:"message"`
	Time     time.Time           `json:"time"` // of the event that raised it
	Actor    *Actor              `json:"actor,omitempty"`
	Target   *Target             `json:"target,omitempty"`
	Dedup    string              `json:"dedup"`
	Window   *AlertWindow        `json:"window,omitempty"` // for rules with custom.window
	Events   []map[string]any    `json:"events"`           // the events that raised it, oldest first
	Evidence any                 `json:"evidence,omitempty"`
	Runbook  string              `json:"runbook,omitempty"`
	Controls map[string][]string `json:"controls,omitempty"`
	Location *Location           `json:"location,omitempty"` // where the raising event was read
}

// AlertWindow is the span of events a windowed rule looked at, and how many of them counted
// towards its threshold.
type AlertWindow struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Count int       `json:"count"`
}

// Actor is who made a change, as the audit log names them.
type Actor struct {
	ID          string `json:"id,omitempty"`
	Type        string `json:"type,omitempty"`
	LoginName   string `json:"loginName,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
}

// Target is what a change was made to, or the node a flow log entry came from.
type Target struct {
	ID       string `json:"id,omitempty"`
	Name     string `json:"name,omitempty"`
	Type     string `json:"type,omitempty"`
	Property string `json:"property,omitempty"`
}

// AlertID is the stable id of an alert: a hash of the rule id, the dedup key and the start of the
// window (the raising event's time for rules without a window).
func AlertID(ruleID, dedup string, windowStart time.Time) string {
	h := sha256.New()
	for _, part := range []string{ruleID, dedup, windowStart.UTC().Format(time.RFC3339Nano)} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))[:32]
}

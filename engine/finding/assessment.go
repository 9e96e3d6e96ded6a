package finding

import (
	"fmt"
	"strings"
	"time"
)

// AssessmentSchemaVersion identifies the JSON shape of an AssessmentReport (an evidence pack's
// report.json). It changes only when a field changes meaning or disappears; new fields may be added
// without a bump.
const AssessmentSchemaVersion = "tailaudit.assessment/v1"

// ControlStatus is the verdict on one framework control.
type ControlStatus string

// The statuses a control can have.
const (
	// ControlPass: every mapped check was assessed, none failed, and at least one of them covers the
	// control fully on its own.
	ControlPass ControlStatus = "pass"
	// ControlPartial: the mapped checks were assessed and none failed, but none covers the control on
	// its own; an attestation must complete it.
	ControlPartial ControlStatus = "partial"
	// ControlFail: at least one mapped check failed, or errored, on at least one resource.
	ControlFail ControlStatus = "fail"
	// ControlWaived: the only failures are covered by waivers in force.
	ControlWaived ControlStatus = "waived"
	// ControlNotAssessed: a mapped check could not run (its input was not given or not collected) or
	// ran with a threshold looser than the framework's minimum; Reason says which.
	ControlNotAssessed ControlStatus = "not_assessed"
	// ControlManual: no tailnet data can show the control; a person must attest it.
	ControlManual ControlStatus = "manual"
	// ControlAttested: a manual or partial control completed by an attestation in force.
	ControlAttested ControlStatus = "attested"
)

// ControlStatuses lists every control status, worst first, in the order summaries print them.
var ControlStatuses = []ControlStatus{ControlFail, ControlNotAssessed, ControlWaived, ControlPartial, ControlManual, ControlAttested, ControlPass}

// Coverage says how much of a control one mapped check decides.
type Coverage string

// The coverages a mapping may declare.
const (
	// CoverageFull: the check alone, over its whole population, decides the control.
	CoverageFull Coverage = "full"
	// CoveragePartial: the check decides part of the control; the rest needs other evidence.
	CoveragePartial Coverage = "partial"
	// CoverageSupporting: the check corroborates the control without deciding any part of it.
	CoverageSupporting Coverage = "supporting"
)

// AssessmentReport is report.json: the per-control verdicts of one run for one or more frameworks,
// with the period they cover and what the run read.
type AssessmentReport struct {
	SchemaVersion string    `json:"schemaVersion"` // AssessmentSchemaVersion
	Tool          Tool      `json:"tool"`
	GeneratedAt   time.Time `json:"generatedAt"`
	// CollectedAt is when the snapshot was collected; zero when the run had no snapshot.
	CollectedAt time.Time `json:"collectedAt,omitzero"`
	// Tailnet names the tailnet the snapshot came from, when it says.
	Tailnet     string       `json:"tailnet,omitempty"`
	Inputs      []Input      `json:"inputs,omitempty"`
	Period      *Period      `json:"period,omitempty"` // nil when no period was asked for
	Assessments []Assessment `json:"assessments"`      // one per framework, in catalogue order
	// Changes is what changed since the earlier pack given with --previous; nil without one.
	Changes *Changes `json:"changes,omitempty"`
}

// Assessment is one framework's verdict, control by control, in catalogue order.
type Assessment struct {
	Framework FrameworkRef      `json:"framework"`
	Retention RetentionResult   `json:"retention"`
	Controls  []ControlResult   `json:"controls"`
	Summary   AssessmentSummary `json:"summary"`
	// Attestations lists every attestation given for this framework, whether or not it counted
	// (an expired one is listed with its status so that the report says why it did not count).
	Attestations []Attestation `json:"attestations,omitempty"`
}

// FrameworkRef names a framework catalogue.
type FrameworkRef struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Version string `json:"version"`
}

// ControlResult is the verdict on one control and everything behind it.
type ControlResult struct {
	ID     string        `json:"id"`
	Title  string        `json:"title"`  // a paraphrase in our own words
	Family string        `json:"family"` // the group the control belongs to, e.g. CC6, A.8, 164.312, 10
	Status ControlStatus `json:"status"`
	// Reason says in one sentence why the control has its status.
	Reason string `json:"reason"`

	// From the catalogue, in our own words.
	Objective   string `json:"objective,omitempty"`   // what the control is for
	Frequency   string `json:"frequency,omitempty"`   // how often the framework expects it performed
	PointInTime bool   `json:"pointInTime,omitempty"` // one snapshot shows it at one moment only, not over the period
	Requirement string `json:"requirement,omitempty"` // HIPAA: "required" or "addressable"
	Guidance    string `json:"guidance,omitempty"`    // what to ask for beyond the checks

	Checks []CheckResult `json:"checks,omitempty"` // empty for a manual control
	// Attestation is the attestation that completed the control (status valid), or, when none is in
	// force, the latest one given for it that did not count (expired or not yet valid).
	Attestation *Attestation `json:"attestation,omitempty"`
}

// CheckResult is one mapped rule's outcome for a control.
type CheckResult struct {
	Rule          RuleRef  `json:"rule"`
	Coverage      Coverage `json:"coverage"`
	Procedure     string   `json:"procedure,omitempty"`     // how the check tests the control
	PassCriterion string   `json:"passCriterion,omitempty"` // what it takes to pass
	// Result is the rule's worst result over its findings: fail, error, waived, warn, manual,
	// not_assessed or pass. A rule with no finding at all is not_assessed.
	Result Result `json:"result"`
	// Reason explains a result other than pass or fail: the missing input, the error, the threshold
	// looser than the framework's minimum.
	Reason     string      `json:"reason,omitempty"`
	Population *Population `json:"population,omitempty"` // what the rule examined; nil when not assessed
	// Findings are the rule's findings other than pass records: failures, warnings, waived results,
	// errors, manual and not-assessed results, in Sort order. Waivers in force are on them.
	Findings []Finding `json:"findings,omitempty"`
}

// Population is what one check examined: every item of a snapshot collection (devices, users,
// keys...), or a whole document (the policy file, the tailnet's settings) counted as one.
type Population struct {
	// Type is the kind of item, singular: device, user, key, policy, tailnet...
	Type string `json:"type"`
	// Size is how many items were examined. When every item failed the engine writes no pass record,
	// and Size is the number of distinct failing items.
	Size int `json:"size"`
	// The item ids by outcome. An item with several findings is listed once, under its worst.
	Passed  []string `json:"passed,omitempty"`
	Failed  []string `json:"failed,omitempty"`
	Errored []string `json:"errored,omitempty"` // the rule could not evaluate them
	Waived  []string `json:"waived,omitempty"`
	Warned  []string `json:"warned,omitempty"`
	Manual  []string `json:"manual,omitempty"`
	// Completeness says how the catalogue shows that the population is the whole of it (for
	// example, that the snapshot lists every device the API returned).
	Completeness string `json:"completeness,omitempty"`
}

// String summarises p as "60 devices: 57 pass, 3 fail".
func (p Population) String() string {
	noun := p.Type
	if p.Size != 1 {
		noun = plural(noun)
	}
	var parts []string
	for _, c := range []struct {
		n    int
		word string
	}{{len(p.Passed), "pass"}, {len(p.Failed), "fail"}, {len(p.Errored), "error"}, {len(p.Waived), "waived"}, {len(p.Warned), "warn"}, {len(p.Manual), "manual"}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.word))
		}
	}
	if len(parts) == 0 {
		return fmt.Sprintf("%d %s", p.Size, noun)
	}
	return fmt.Sprintf("%d %s: %s", p.Size, noun, strings.Join(parts, ", "))
}

func plural(noun string) string {
	switch {
	case noun == "":
		return "items"
	case noun == "policy":
		return "policies"
	case strings.HasSuffix(noun, "s"):
		return noun
	}
	return noun + "s"
}

// AttestationStatus says whether an attestation counts.
type AttestationStatus string

// The statuses of an attestation, judged against the run's clock.
const (
	AttestationValid       AttestationStatus = "valid"         // dated on or before today, expiring today or later
	AttestationExpired     AttestationStatus = "expired"       // its expiry day has passed: it does not count
	AttestationNotYetValid AttestationStatus = "not_yet_valid" // dated after today: it does not count
)

// Attestation is a person's signed-off statement that a control is met, from the attestations file.
type Attestation struct {
	Framework string            `json:"framework"`
	Control   string            `json:"control"`
	Statement string            `json:"statement"`
	By        string            `json:"by"`
	Date      string            `json:"date"`    // YYYY-MM-DD, when it was made
	Expires   string            `json:"expires"` // YYYY-MM-DD, the last day it counts
	Evidence  string            `json:"evidence,omitempty"`
	Source    string            `json:"source,omitempty"` // where it is written, as file:line
	Status    AttestationStatus `json:"status"`
}

// AssessmentSummary counts a framework's controls by status and by what can decide them.
type AssessmentSummary struct {
	Controls int                   `json:"controls"`
	Status   map[ControlStatus]int `json:"status"`
	// Automated counts controls a check covers fully, so that tailnet data alone can pass them.
	Automated int `json:"automated"`
	// Partial counts controls with checks that cover them only in part: they need attestation too.
	Partial int `json:"partial"`
	// Manual counts controls no check can decide, including those mapped only to rules that can
	// only ask for attestation.
	Manual int `json:"manual"`
}

// Period is the time range a report is about, and how well the audit events cover it.
type Period struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// Events says how the configuration audit events given cover the period; nil when none were given.
	Events *EventCoverage `json:"events,omitempty"`
}

// EventCoverage is what the configuration audit events show about a period.
type EventCoverage struct {
	Events   int `json:"events"`   // configuration audit events read, in or out of the period
	InPeriod int `json:"inPeriod"` // of them, inside the period
	Other    int `json:"other"`    // records without an eventTime (network flow logs), not counted
	// First and Last are the earliest and latest eventTime read; zero when there were none.
	First time.Time `json:"first,omitzero"`
	Last  time.Time `json:"last,omitzero"`
	// GapThreshold is the longest stretch without an event that is not reported as a gap, in Go
	// duration syntax (such as "72h0m0s").
	GapThreshold string `json:"gapThreshold"`
	// Gaps are the stretches inside the period, including from its start to the first event and from
	// the last event to its end, longer than GapThreshold. A gap means either that nothing was changed
	// or that events are missing; the events alone cannot tell which.
	Gaps []Gap `json:"gaps,omitempty"`
	// Covered holds when events reach from the start of the period to its end with no gap.
	Covered bool `json:"covered"`
	// Reason says, when Covered is false, why.
	Reason string `json:"reason,omitempty"`
}

// Gap is a stretch of a period without configuration audit events.
type Gap struct {
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Duration string    `json:"duration"` // Go duration syntax
}

// RetentionResult is a framework's log retention requirement checked against the log streaming the
// snapshot shows.
type RetentionResult struct {
	Requirement RetentionRequirement `json:"requirement"`
	// Status is pass, partial (logs leave the tailnet, but how long the destination keeps them needs
	// attestation), fail (configuration logs are not streamed, so only Tailscale's own 90 days exist)
	// or not_assessed (the snapshot has no log stream data).
	Status  ControlStatus `json:"status"`
	Reason  string        `json:"reason"`
	Streams []LogStream   `json:"streams,omitempty"`
}

// RetentionRequirement is how long a framework wants logs or documentation kept, from its catalogue.
type RetentionRequirement struct {
	Description string `json:"description"`
	Basis       string `json:"basis"` // where the period comes from: a clause, or the organisation's own policy
	Scope       string `json:"scope"` // what must be kept: audit logs, documentation...
	// MinimumMonths is the period in calendar months after any configured override.
	MinimumMonths int `json:"minimumMonths"`
	// ImmediatelyAvailableMonths is how much of the most recent history must be at hand without a
	// restore; 0 when the framework sets none.
	ImmediatelyAvailableMonths int `json:"immediatelyAvailableMonths,omitempty"`
	// Configurable reports whether the organisation sets the period; when false it is a minimum that
	// configuration may raise but not lower.
	Configurable bool `json:"configurable"`
	// Configured is the period the run was told to use, in months, when one was given; 0 otherwise.
	Configured int `json:"configured,omitempty"`
}

// LogStream is one log streaming destination in the snapshot.
type LogStream struct {
	LogType         string    `json:"logType"` // configuration or network
	Configured      bool      `json:"configured"`
	DestinationType string    `json:"destinationType,omitempty"`
	URL             string    `json:"url,omitempty"`
	LastActivity    time.Time `json:"lastActivity,omitzero"`
	LastError       string    `json:"lastError,omitempty"`
}

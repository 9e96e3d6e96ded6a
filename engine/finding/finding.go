package finding

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// SchemaVersion identifies the JSON shape of a Report. It changes only when a field changes meaning or
// disappears; new fields may be added without a bump.
const SchemaVersion = "tailaudit.report/v1"

// Severity ranks how much a failing rule matters.
type Severity string

// The severities a rule may declare, most severe first.
const (
	Critical Severity = "critical"
	High     Severity = "high"
	Medium   Severity = "medium"
	Low      Severity = "low"
	Info     Severity = "info"
)

// Severities lists every valid severity, most severe first.
var Severities = []Severity{Critical, High, Medium, Low, Info}

// ParseSeverity accepts a severity name in any case.
func ParseSeverity(s string) (Severity, error) {
	sev := Severity(strings.ToLower(strings.TrimSpace(s)))
	if sev.Rank() == 0 {
		return "", fmt.Errorf("unknown severity %q (want one of critical, high, medium, low, info)", s)
	}
	return sev, nil
}

// Rank orders severities: critical is 5, info is 1, an unknown severity is 0.
func (s Severity) Rank() int {
	switch s {
	case Critical:
		return 5
	case High:
		return 4
	case Medium:
		return 3
	case Low:
		return 2
	case Info:
		return 1
	}
	return 0
}

// AtLeast reports whether s is as severe as threshold or more.
func (s Severity) AtLeast(threshold Severity) bool { return s.Rank() >= threshold.Rank() }

// Result is the outcome a finding records.
type Result string

// The results a finding may carry.
const (
	Fail        Result = "fail"         // a deny result that is not waived
	Warn        Result = "warn"         // advisory: a warn result, or a deny before the rule's effective_on date
	Pass        Result = "pass"         // the rule examined this resource (or the whole input) and found nothing
	Waived      Result = "waived"       // a deny result covered by a waiver that has not expired
	NotAssessed Result = "not_assessed" // the rule needs an input document that was not given or not collected
	Manual      Result = "manual"       // no data can show this; a person must attest it
	Error       Result = "error"        // the rule failed at evaluation time
)

// Results lists every result in the order summaries print them.
var Results = []Result{Fail, Warn, Waived, Error, Pass, NotAssessed, Manual}

// Rule is a rule's metadata, as declared in its METADATA block.
type Rule struct {
	ID          string              `json:"id"`
	Title       string              `json:"title"`
	Description string              `json:"description,omitempty"`
	Severity    Severity            `json:"severity"`
	Remediation string              `json:"remediation,omitempty"`
	Namespace   string              `json:"namespace,omitempty"` // the Rego package, e.g. tailaudit.policy.ssh_root_accept
	Controls    map[string][]string `json:"controls,omitempty"`  // framework id → control ids
	EffectiveOn string              `json:"effectiveOn,omitempty"`
	Source      *Location           `json:"source,omitempty"` // where the rule is defined
	Builtin     bool                `json:"builtin,omitempty"`
	// Aggregate, declared by custom.aggregate, lets reports show the rule's results that share a
	// cause as one entry listing their resources; nil for a rule that reports each result on its
	// own. It guides renderers only, so it is not part of the JSON of a rule.
	Aggregate *Aggregate `json:"-"`
}

// Aggregate says which of a rule's results have the same cause: those with the same result,
// severity, waiver and baseline state whose evidence has the same value (or none) under each key of
// By. With By empty, every result of the rule has one cause.
type Aggregate struct {
	By []string
}

// RuleRef is the part of a rule every finding repeats.
type RuleRef struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Severity    Severity `json:"severity"`
	Remediation string   `json:"remediation,omitempty"`
}

// Ref returns the short form of r that findings carry.
func (r Rule) Ref() RuleRef {
	return RuleRef{ID: r.ID, Title: r.Title, Severity: r.Severity, Remediation: r.Remediation}
}

// Location points at a value in an input file. Line and Column are 1-based; Column counts bytes.
type Location struct {
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
	Path   string `json:"path,omitempty"` // JSON pointer into the input document, e.g. /ssh/2
}

// String renders the location as file:line:column, leaving out what is unknown.
func (l *Location) String() string {
	if l == nil {
		return ""
	}
	s := l.File
	if l.Line > 0 {
		s += fmt.Sprintf(":%d", l.Line)
		if l.Column > 0 {
			s += fmt.Sprintf(":%d", l.Column)
		}
	}
	if s == "" {
		return l.Path
	}
	return s
}

// Resource names the tailnet object a finding is about.
type Resource struct {
	Type string `json:"type"`
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// Waiver accepts the findings of some rules within one scope, until a day. It is written in the
// config file or as a tailaudit:ignore comment in the policy file; a finding it covers carries a copy,
// marked Expired when the day has passed. Only why, by whom, until when, where it is written and
// whether it expired are part of a finding's JSON.
type Waiver struct {
	Rules []string `json:"-"` // the rule ids it waives, matched regardless of case

	// The scope. At most one of Fingerprint, Path and Resource is set; with none, the waiver covers
	// every finding of its rules (in File, when File is set).
	Fingerprint string `json:"-"` // one finding's fingerprint
	Path        string `json:"-"` // a JSON pointer: the value there and everything inside it
	Resource    string `json:"-"` // a resource id or name
	File        string `json:"-"` // only findings located in this file, as an inline waiver's own file; "" for any

	Reason  string `json:"reason"`
	By      string `json:"by,omitempty"`
	Expires string `json:"expires,omitempty"` // YYYY-MM-DD; the waiver stops applying after this day
	Source  string `json:"source,omitempty"`  // where the waiver is written, as file:line

	// Written is where the waiver is written, to the column, for diagnostics about it.
	Written Location `json:"-"`

	Expired bool `json:"expired,omitempty"` // set on a finding's copy: it no longer applies, and the finding keeps its result
}

// Finding is one result of one rule.
type Finding struct {
	Rule        RuleRef             `json:"rule"`
	Result      Result              `json:"result"`
	Severity    Severity            `json:"severity"` // the rule's severity, or the result's override
	Message     string              `json:"message"`
	Location    *Location           `json:"location,omitempty"`
	Resource    *Resource           `json:"resource,omitempty"`
	Evidence    any                 `json:"evidence,omitempty"`
	Controls    map[string][]string `json:"controls,omitempty"`
	Fingerprint string              `json:"fingerprint,omitempty"`
	Waiver      *Waiver             `json:"waiver,omitempty"`
	// Baseline says, when the run compared a change with its base, whether the base had this
	// finding too (matched by fingerprint); "" when no base was given.
	Baseline BaselineState `json:"baselineState,omitempty"`
}

// BaselineState says how a finding of a changed input compares with the findings of its base.
type BaselineState string

// The baseline states. A fail, warn or waived finding of the changed input is new or unchanged; a
// finding of the base that the changed input no longer has is fixed, and listed in
// Baseline.Fixed rather than among the report's findings.
const (
	BaselineNew       BaselineState = "new"
	BaselineUnchanged BaselineState = "unchanged"
	BaselineFixed     BaselineState = "fixed"
)

// Baseline records the comparison of a run with the run over its base (the policy before a change).
type Baseline struct {
	Base    string                `json:"base"`              // the base input, as the user named it
	NewOnly bool                  `json:"newOnly,omitempty"` // only new findings count against --fail-on
	Counts  map[BaselineState]int `json:"counts"`            // findings by baseline state, fixed ones included
	Fixed   []Finding             `json:"fixed"`             // the base's findings the changed input no longer has
}

// Input describes one file the run read, so a report can be tied to exactly what it judged.
type Input struct {
	Kind   string `json:"kind"` // policy, snapshot, events, config, base-policy
	Path   string `json:"path"`
	SHA256 string `json:"sha256,omitempty"`
}

// Diagnostic is something the run noticed about its inputs that is not a rule result, such as an
// unknown top-level key in a policy file.
type Diagnostic struct {
	Level    string    `json:"level"` // warning or info
	Message  string    `json:"message"`
	Location *Location `json:"location,omitempty"`
}

// Tool names the program that produced a report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	URI     string `json:"informationUri,omitempty"`
}

// Report is everything one run produced, in the order renderers print it.
type Report struct {
	SchemaVersion string       `json:"schemaVersion"`
	Tool          Tool         `json:"tool"`
	GeneratedAt   time.Time    `json:"generatedAt"`
	FailOn        Severity     `json:"failOn"`
	Inputs        []Input      `json:"inputs,omitempty"`
	Rules         []Rule       `json:"rules"`
	Findings      []Finding    `json:"findings"`
	Diagnostics   []Diagnostic `json:"diagnostics,omitempty"`
	Baseline      *Baseline    `json:"baseline,omitempty"` // set when the run was compared with a base
	Summary       Summary      `json:"summary"`
}

// Summary counts findings by result, and failures by severity.
type Summary struct {
	Results    map[Result]int   `json:"results"`
	Failures   map[Severity]int `json:"failures"` // fail results only, by severity
	Gate       string           `json:"gate"`     // "passed" or "failed" against FailOn
	RulesCount int              `json:"rules"`
}

// Gating reports whether f counts against the --fail-on threshold: a failure at or above it, or an
// error at any severity, since a rule that could not be evaluated shows nothing passed.
func (f Finding) Gating(failOn Severity) bool {
	return f.Result == Error || (f.Result == Fail && f.Severity.AtLeast(failOn))
}

// Failed reports whether any finding counts against the report's threshold. When the report gates on
// new findings only (Baseline.NewOnly), a failure the base had too does not count; an error still
// does.
func (r *Report) Failed() bool {
	for _, f := range r.Findings {
		if f.Gating(r.FailOn) && (r.Baseline == nil || !r.Baseline.NewOnly || f.Result == Error || f.Baseline == BaselineNew) {
			return true
		}
	}
	return false
}

// Summarize recomputes r.Summary from r.Findings.
func (r *Report) Summarize() {
	s := Summary{Results: map[Result]int{}, Failures: map[Severity]int{}, Gate: "passed", RulesCount: len(r.Rules)}
	for _, f := range r.Findings {
		s.Results[f.Result]++
		if f.Result == Fail {
			s.Failures[f.Severity]++
		}
	}
	if r.Failed() {
		s.Gate = "failed"
	}
	r.Summary = s
}

// Sort orders findings most severe first, then by result, file position, rule id and message, so
// every renderer prints them in the same, deterministic order.
func Sort(fs []Finding) {
	slices.SortStableFunc(fs, Compare)
}

// Compare is the order of Sort.
func Compare(a, b Finding) int {
	if c := cmp.Compare(b.Severity.Rank(), a.Severity.Rank()); c != 0 {
		return c
	}
	if c := cmp.Compare(resultRank(a.Result), resultRank(b.Result)); c != 0 {
		return c
	}
	if c := cmp.Compare(baselineRank(a.Baseline), baselineRank(b.Baseline)); c != 0 {
		return c
	}
	if c := cmp.Compare(locFile(a), locFile(b)); c != 0 {
		return c
	}
	if c := cmp.Compare(locLine(a), locLine(b)); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Rule.ID, b.Rule.ID); c != 0 {
		return c
	}
	if c := cmp.Compare(resourceKey(a), resourceKey(b)); c != 0 {
		return c
	}
	return cmp.Compare(a.Message, b.Message)
}

func resultRank(r Result) int {
	if i := slices.Index(Results, r); i >= 0 {
		return i
	}
	return len(Results)
}

// baselineRank puts new findings before unchanged ones.
func baselineRank(s BaselineState) int {
	if s == BaselineNew {
		return 0
	}
	return 1
}

func locFile(f Finding) string {
	if f.Location == nil {
		return ""
	}
	return f.Location.File
}

func locLine(f Finding) int {
	if f.Location == nil {
		return 0
	}
	return f.Location.Line
}

func resourceKey(f Finding) string {
	if f.Resource == nil {
		return ""
	}
	return f.Resource.Type + "/" + f.Resource.ID
}

package assess

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/engine/tailnet"
	"github.com/tailaudit/tailaudit/frameworks"
)

// Options is what Assess needs besides the findings, the catalogues and the attestations.
type Options struct {
	// Now is the run's clock: attestations count on the days from their date to their expiry,
	// judged in UTC. Zero means the report's GeneratedAt.
	Now time.Time
	// Snapshot is the tailnet snapshot the findings came from, for its log streaming and its name;
	// nil when the run had none (retention is then not assessed).
	Snapshot *tailnet.Snapshot
	// Params are the rule parameters the run passed (the config file's params). A check whose
	// catalogue limit is below the value given here is not assessed: the rule tested something
	// looser than the framework asks. A parameter not given keeps the rule's default, which the
	// catalogues' tests hold within every limit.
	Params map[string]any
	// Period is the time the report is about; nil for a report about the snapshot's moment only.
	Period *Period
	// Events are the configuration audit event times read for the period (see ReadEvents); nil
	// when no events were given.
	Events *Events
	// GapThreshold is the longest stretch without an audit event that is not reported as a gap;
	// zero means DefaultGapThreshold.
	GapThreshold time.Duration
	// RetentionMonths is the retention period the organisation set, per framework id, in calendar
	// months. It replaces a configurable default and raises, never lowers, a fixed minimum.
	RetentionMonths map[string]int
}

// Period is a report's time range, From inclusive to To exclusive.
type Period struct {
	From, To time.Time
}

// DefaultGapThreshold is the longest stretch without a configuration audit event that a report
// accepts without naming it a gap.
const DefaultGapThreshold = 72 * time.Hour

// Assess computes the verdict on every control of each catalogue, in catalogue order, from the
// findings of report (including the pass records the engine writes per resource), the
// attestations given (as ParseAttestations returns them) and opts. It fails only on attestations
// or retention periods that name a framework or control the catalogues do not hold.
func Assess(report *finding.Report, cats []frameworks.Catalog, atts []finding.Attestation, opts Options) (*finding.AssessmentReport, error) {
	if err := checkAttestations(atts, cats); err != nil {
		return nil, err
	}
	for _, id := range slices.Sorted(mapKeys(opts.RetentionMonths)) {
		if _, ok := catalog(cats, id); !ok {
			return nil, fmt.Errorf("retention for %q: no such framework (known: %s)", id, strings.Join(catalogIDs(cats), ", "))
		}
	}
	now := opts.Now
	if now.IsZero() {
		now = report.GeneratedAt
	}
	out := &finding.AssessmentReport{
		SchemaVersion: finding.AssessmentSchemaVersion,
		Tool:          report.Tool,
		GeneratedAt:   report.GeneratedAt,
		Inputs:        report.Inputs,
		Assessments:   []finding.Assessment{},
	}
	if opts.Snapshot != nil {
		out.CollectedAt = opts.Snapshot.CollectedAt
		out.Tailnet = opts.Snapshot.Tailnet()
	}
	if opts.Period != nil {
		out.Period = &finding.Period{From: opts.Period.From.UTC(), To: opts.Period.To.UTC()}
		if opts.Events != nil {
			threshold := cmp.Or(opts.GapThreshold, DefaultGapThreshold)
			out.Period.Events = Cover(*opts.Period, opts.Events, threshold)
		}
	}
	checks := checkResults(report)
	for _, cat := range cats {
		a := finding.Assessment{
			Framework: finding.FrameworkRef{ID: cat.ID, Name: cat.Name, Version: cat.Version},
			Retention: Retention(cat, retentionFor(opts.RetentionMonths, cat.ID), opts.Period, opts.Snapshot),
			Controls:  make([]finding.ControlResult, 0, len(cat.Controls)),
		}
		mine := attestationsFor(atts, cat.ID, now)
		for _, c := range cat.Controls {
			a.Controls = append(a.Controls, control(c, checks, mine[c.ID], opts.Params))
		}
		for _, id := range slices.Sorted(mapKeys(mine)) {
			a.Attestations = append(a.Attestations, mine[id]...)
		}
		a.Summary = summarize(cat, a.Controls)
		out.Assessments = append(out.Assessments, a)
	}
	return out, nil
}

// retentionFor is the configured period for a framework, its id matched regardless of case.
func retentionFor(months map[string]int, id string) int {
	for k, v := range months {
		if strings.EqualFold(k, id) {
			return v
		}
	}
	return 0
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// ruleResults is what the report holds about one rule: its findings other than pass records and the
// population it examined.
type ruleResults struct {
	rule       finding.RuleRef
	findings   []finding.Finding
	population finding.Population
	passed     bool // a pass record exists
	evaluated  bool // the rule has at least one finding
}

// checkResults groups the report's findings by rule and derives each rule's population.
func checkResults(report *finding.Report) map[string]*ruleResults {
	docs := map[string]string{} // rule id → the document it reads, from its namespace
	for _, r := range report.Rules {
		docs[r.ID] = document(r.Namespace)
	}
	out := map[string]*ruleResults{}
	for _, r := range report.Rules {
		out[r.ID] = &ruleResults{rule: r.Ref()}
	}
	for _, f := range report.Findings {
		rr := out[f.Rule.ID]
		if rr == nil {
			rr = &ruleResults{rule: f.Rule}
			out[f.Rule.ID] = rr
		}
		rr.evaluated = true
		if f.Result == finding.Pass {
			rr.passed = true
			examined, ids, perResource := passRecord(f)
			if perResource {
				rr.population.Type = f.Resource.Type
				rr.population.Size = examined
				rr.population.Passed = append(rr.population.Passed, ids...)
			} else {
				rr.population.Size = 1
				rr.population.Passed = append(rr.population.Passed, docName(f, docs[f.Rule.ID]))
			}
			continue
		}
		rr.findings = append(rr.findings, f)
	}
	for id, rr := range out {
		if !rr.evaluated {
			continue
		}
		finding.Sort(rr.findings)
		rr.population = population(rr, docs[id])
	}
	return out
}

// document names the input document a rule of the namespace reads.
func document(namespace string) string {
	switch {
	case strings.HasPrefix(namespace, "tailaudit.policy."):
		return "policy"
	case strings.HasPrefix(namespace, "tailaudit.change."):
		return "change"
	}
	return "tailnet"
}

// passRecord reads the evidence of a pass record the engine writes for a rule over a snapshot
// collection: how many items it examined and the ids that passed.
func passRecord(f finding.Finding) (examined int, ids []string, ok bool) {
	ev, isMap := f.Evidence.(map[string]any)
	if f.Resource == nil || !isMap {
		return 0, nil, false
	}
	n, ok := number(ev["examined"])
	if !ok {
		return 0, nil, false
	}
	switch v := ev["passedIds"].(type) {
	case []string:
		ids = v
	case []any:
		for _, x := range v {
			s, _ := x.(string)
			ids = append(ids, s)
		}
	}
	return n, ids, true
}

func number(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case int64:
		return int(x), true
	case float64:
		return int(x), true
	case json.Number:
		n, err := strconv.Atoi(string(x))
		return n, err == nil
	}
	return 0, false
}

// docName is what a finding without a resource is about: its input file, or the document.
func docName(f finding.Finding, doc string) string {
	if f.Location != nil && f.Location.File != "" {
		return f.Location.File
	}
	return doc
}

// population completes a rule's population from its failing findings: each item is listed once,
// under its worst result.
func population(rr *ruleResults, doc string) finding.Population {
	p := rr.population
	worst := map[string]finding.Result{}
	var order []string
	for _, f := range rr.findings {
		key, typ := docName(f, doc), doc
		if f.Resource != nil {
			key, typ = cmp.Or(f.Resource.ID, f.Resource.Name), cmp.Or(f.Resource.Type, doc)
		}
		if p.Type == "" {
			p.Type = typ
		}
		prev, seen := worst[key]
		if !seen {
			order = append(order, key)
		}
		if !seen || rank(f.Result) < rank(prev) {
			worst[key] = f.Result
		}
	}
	if p.Type == "" {
		p.Type = doc
	}
	for _, key := range order {
		switch worst[key] {
		case finding.Fail:
			p.Failed = append(p.Failed, key)
		case finding.Error:
			p.Errored = append(p.Errored, key)
		case finding.Waived:
			p.Waived = append(p.Waived, key)
		case finding.Warn:
			p.Warned = append(p.Warned, key)
		case finding.Manual:
			p.Manual = append(p.Manual, key)
		}
	}
	if !rr.passed {
		// No pass record: either every item failed, or the rule reported on the whole input.
		p.Size = len(order)
	}
	return p
}

// rank orders results worst first, for a check's result and for an item's place in a population.
func rank(r finding.Result) int {
	switch r {
	case finding.Fail:
		return 0
	case finding.Error:
		return 1
	case finding.NotAssessed:
		return 2
	case finding.Waived:
		return 3
	case finding.Manual:
		return 4
	case finding.Warn:
		return 5
	case finding.Pass:
		return 6
	}
	return 7
}

// control judges one control.
func control(c frameworks.Control, results map[string]*ruleResults, atts []finding.Attestation, params map[string]any) finding.ControlResult {
	cr := finding.ControlResult{
		ID: c.ID, Title: c.Title, Family: frameworks.Family(c.ID),
		Objective: c.Objective, Frequency: c.Frequency, PointInTime: c.PointInTime,
		Requirement: c.Requirement, Guidance: c.Guidance,
	}
	for _, ch := range c.Checks {
		// Alert rules support monitoring controls over the period through tailaudit alerts; one
		// snapshot's assessment does not run them, so they take no part in its verdict.
		if frameworks.AlertRule(ch.Rule) {
			continue
		}
		cr.Checks = append(cr.Checks, check(ch, c.Population, results[ch.Rule], params))
	}
	valid := pickAttestation(atts)
	if valid != nil {
		cr.Attestation = valid
	}
	attested := valid != nil && valid.Status == finding.AttestationValid
	cr.Status, cr.Reason = status(c, cr.Checks, attested)
	if valid != nil && !attested && (cr.Status == finding.ControlManual || cr.Status == finding.ControlPartial) {
		cr.Reason += fmt.Sprintf("; the attestation by %s does not count: it is %s", valid.By, strings.ReplaceAll(string(valid.Status), "_", " "))
	}
	return cr
}

// status decides a control's status from its checks: fail when any check failed; else not assessed
// when a full or partial check could not run (a supporting check that could not run only
// corroborates nothing, and is named in the reason); else waived when failures were waived; else manual when the control is
// manual or a check asks for attestation; else pass when a check covers the control fully, partial
// otherwise. A valid attestation turns manual and partial into attested.
func status(c frameworks.Control, checks []finding.CheckResult, attested bool) (finding.ControlStatus, string) {
	st, reason, unsupported := decide(c, checks, attested)
	if len(unsupported) > 0 && st != finding.ControlNotAssessed {
		reason += "; supporting checks not assessed: " + shortList(unsupported)
	}
	return st, reason
}

// shortList names up to three ids, and how many more there are.
func shortList(ids []string) string {
	if len(ids) <= 3 {
		return strings.Join(ids, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(ids[:3], ", "), len(ids)-3)
}

func decide(c frameworks.Control, checks []finding.CheckResult, attested bool) (finding.ControlStatus, string, []string) {
	by := map[finding.Result][]string{}
	var unsupported []string // supporting checks that could not run
	for _, ch := range checks {
		r := ch.Result
		if ch.Coverage == finding.CoverageSupporting && (r == finding.NotAssessed || r == finding.Error) {
			unsupported = append(unsupported, ch.Rule.ID)
			continue
		}
		by[r] = append(by[r], ch.Rule.ID)
	}
	list := func(r finding.Result) string { return strings.Join(by[r], ", ") }
	if len(by) == 0 && len(unsupported) > 0 && !c.Manual {
		return finding.ControlNotAssessed, "not assessed: no check could run (" + strings.Join(unsupported, ", ") + ")", nil
	}
	switch {
	case len(by[finding.Fail]) > 0:
		return finding.ControlFail, "failed: " + list(finding.Fail), unsupported
	case len(by[finding.Error]) > 0 || len(by[finding.NotAssessed]) > 0:
		ids := append(slices.Clone(by[finding.Error]), by[finding.NotAssessed]...)
		return finding.ControlNotAssessed, "not assessed: " + strings.Join(ids, ", ") + " could not decide it", unsupported
	case len(by[finding.Waived]) > 0:
		return finding.ControlWaived, "failures waived: " + list(finding.Waived), unsupported
	}
	manual := c.Manual || len(by[finding.Manual]) > 0
	switch {
	case manual && attested:
		return finding.ControlAttested, "no tailnet data can show it; attested", unsupported
	case c.Manual:
		return finding.ControlManual, "no tailnet data can show it: needs attestation", unsupported
	case manual:
		return finding.ControlManual, "needs attestation: " + list(finding.Manual) + " cannot be decided from tailnet data", unsupported
	case c.Coverage() == finding.CoverageFull:
		return finding.ControlPass, "every check passed, and one covers the control fully", unsupported
	case attested:
		return finding.ControlAttested, "every check passed but covers it only in part; attested", unsupported
	}
	return finding.ControlPartial, "every check passed but covers it only in part: needs attestation", unsupported
}

// check is one mapped rule's result for a control.
func check(ch frameworks.Check, completeness string, rr *ruleResults, params map[string]any) finding.CheckResult {
	out := finding.CheckResult{Rule: finding.RuleRef{ID: ch.Rule}, Coverage: ch.Coverage, Procedure: ch.Procedure, PassCriterion: ch.Pass}
	if rr != nil {
		out.Rule = rr.rule
	}
	if rr == nil || !rr.evaluated {
		out.Result = finding.NotAssessed
		out.Reason = "the run has no result for this rule: it was not evaluated"
		return out
	}
	out.Findings = rr.findings
	out.Result = finding.Pass
	for _, f := range rr.findings {
		if rank(f.Result) < rank(out.Result) {
			out.Result = f.Result
		}
	}
	switch out.Result {
	case finding.NotAssessed, finding.Error, finding.Manual:
		for _, f := range rr.findings {
			if f.Result == out.Result {
				out.Reason = f.Message
				break
			}
		}
	}
	if out.Result != finding.NotAssessed {
		p := rr.population
		p.Completeness = completeness
		out.Population = &p
	}
	if out.Result != finding.Fail && out.Result != finding.Error && out.Result != finding.NotAssessed {
		if reason := looser(ch.Limits, params); reason != "" {
			out.Result = finding.NotAssessed
			out.Reason = reason
		}
	}
	return out
}

// looser says which of the run's parameters is looser than the framework's limit, or "".
func looser(limits map[string]float64, params map[string]any) string {
	var msgs []string
	for _, name := range slices.Sorted(mapKeys(limits)) {
		v, given := params[name]
		if !given {
			continue
		}
		var n float64
		switch x := v.(type) {
		case json.Number:
			n, _ = x.Float64()
		case float64:
			n = x
		case int:
			n = float64(x)
		default:
			continue
		}
		if n > limits[name] {
			msgs = append(msgs, fmt.Sprintf("%s is %v, looser than the %v the framework allows", name, n, limits[name]))
		}
	}
	if len(msgs) == 0 {
		return ""
	}
	return "the run's " + strings.Join(msgs, "; ") + ": re-run with a stricter value"
}

func summarize(cat frameworks.Catalog, controls []finding.ControlResult) finding.AssessmentSummary {
	n := frameworks.Count(cat)
	s := finding.AssessmentSummary{Controls: len(controls), Status: map[finding.ControlStatus]int{},
		Automated: n.Automated, Partial: n.Partial, Manual: n.Manual}
	for _, c := range controls {
		s.Status[c.Status]++
	}
	return s
}

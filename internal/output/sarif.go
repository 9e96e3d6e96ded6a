package output

import (
	"io"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// SARIF writes SARIF 2.1.0 for code scanning: one run, every rule, and a result for each fail, warn
// and waived finding, or with Aggregate for each cause that groups them (groupResult).
type SARIF struct {
	Root       string   // base directory that absolute file paths are made relative to
	Frameworks []string // the order control tags are listed in; others follow, sorted
	Sources    *Sources // the input files' text, to count columns in UTF-16 code units; nil counts bytes
	Compact    bool     // no indentation and no new lines but the last: for files and pipes
	// Aggregate: from this many findings of one cause (custom.aggregate), they are listed as one
	// entry; 0 lists each on its own.
	Aggregate int
}

const sarifSchema = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

// Code scanning ranks alerts by security-severity: over 9 critical, 7 to 8.9 high, 4 to 6.9 medium.
func securitySeverity(s finding.Severity) string {
	switch s {
	case finding.Critical:
		return "9.5"
	case finding.High:
		return "8.0"
	case finding.Medium:
		return "5.5"
	case finding.Low:
		return "3.0"
	}
	return "1.0"
}

func sarifLevel(s finding.Severity) string {
	switch s {
	case finding.Critical, finding.High:
		return "error"
	case finding.Medium:
		return "warning"
	}
	return "note"
}

type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool struct {
			Driver sarifDriver `json:"driver"`
		} `json:"tool"`
		Invocations []sarifInvocation `json:"invocations"`
		Results     []sarifResult     `json:"results"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		Version        string      `json:"version,omitempty"`
		InformationURI string      `json:"informationUri,omitempty"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID                   string        `json:"id"`
		Name                 string        `json:"name,omitempty"`
		ShortDescription     sarifText     `json:"shortDescription"`
		FullDescription      sarifText     `json:"fullDescription"`
		Help                 sarifHelp     `json:"help"`
		DefaultConfiguration sarifConfig   `json:"defaultConfiguration"`
		Properties           sarifRuleProp `json:"properties"`
	}
	sarifText struct {
		Text string `json:"text"`
	}
	sarifHelp struct {
		Text     string `json:"text"`
		Markdown string `json:"markdown"`
	}
	sarifConfig struct {
		Level string `json:"level"`
	}
	sarifRuleProp struct {
		SecuritySeverity string   `json:"security-severity"`
		Tags             []string `json:"tags"`
	}
	sarifInvocation struct {
		ExecutionSuccessful bool                `json:"executionSuccessful"`
		Notifications       []sarifNotification `json:"toolExecutionNotifications,omitempty"`
	}
	sarifNotification struct {
		Level          string          `json:"level"`
		Message        sarifText       `json:"message"`
		Locations      []sarifLocation `json:"locations,omitempty"`
		AssociatedRule *sarifRuleRef   `json:"associatedRule,omitempty"`
	}
	sarifRuleRef struct {
		ID    string `json:"id"`
		Index int    `json:"index"`
	}
	sarifResult struct {
		RuleID              string             `json:"ruleId"`
		RuleIndex           int                `json:"ruleIndex"`
		Kind                string             `json:"kind,omitempty"`
		Level               string             `json:"level"`
		Message             sarifText          `json:"message"`
		Locations           []sarifLocation    `json:"locations,omitempty"`
		RelatedLocations    []sarifLocation    `json:"relatedLocations,omitempty"`
		PartialFingerprints map[string]string  `json:"partialFingerprints,omitempty"`
		Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
		BaselineState       string             `json:"baselineState,omitempty"`
		Properties          sarifResultProp    `json:"properties"`
	}
	sarifLocation struct {
		ID               int            `json:"id,omitempty"` // a related location's number within its result, from 1
		PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
		LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
		Message          *sarifText     `json:"message,omitempty"`
	}
	sarifPhysical struct {
		ArtifactLocation struct {
			URI       string `json:"uri"`
			URIBaseID string `json:"uriBaseId,omitempty"`
		} `json:"artifactLocation"`
		Region *sarifRegion `json:"region,omitempty"`
	}
	sarifRegion struct {
		StartLine   int `json:"startLine,omitempty"`
		StartColumn int `json:"startColumn,omitempty"`
	}
	sarifLogical struct {
		Name               string `json:"name,omitempty"`
		FullyQualifiedName string `json:"fullyQualifiedName"`
		Kind               string `json:"kind"`
	}
	sarifSuppression struct {
		Kind          string            `json:"kind"`
		Status        string            `json:"status"`
		Justification string            `json:"justification,omitempty"`
		Properties    map[string]string `json:"properties,omitempty"`
	}
	sarifResultProp struct {
		Severity finding.Severity    `json:"severity"`
		Result   finding.Result      `json:"result"`
		Controls map[string][]string `json:"controls,omitempty"`
		Resource *finding.Resource   `json:"resource,omitempty"`
		Waiver   *finding.Waiver     `json:"waiver,omitempty"` // an expired one too, so it is visible
		// Aggregate, on a result standing for the findings of one cause: the cause, how many there
		// are, and each one's resource and fingerprint.
		Aggregate *sarifAggregate `json:"aggregate,omitempty"`
	}
	sarifAggregate struct {
		Cause    map[string]any `json:"cause"`
		Count    int            `json:"count"`
		Findings []sarifMember  `json:"findings"`
	}
	sarifMember struct {
		Resource    *finding.Resource `json:"resource,omitempty"`
		Path        string            `json:"path,omitempty"`
		Fingerprint string            `json:"fingerprint,omitempty"`
	}
)

// sarifRelatedMax is how many of a group's findings its result names as related locations: code
// scanning takes at most 1,000 locations in a result. Every one is in properties.aggregate.
const sarifRelatedMax = 1000

// Render implements Renderer.
func (s SARIF) Render(w io.Writer, r *finding.Report) error { return s.write(w, s.log(r)) }

// log builds the SARIF log of r.
func (s SARIF) log(r *finding.Report) sarifLog {
	driver := sarifDriver{Name: r.Tool.Name, Version: r.Tool.Version, InformationURI: r.Tool.URI, Rules: []sarifRule{}}
	if driver.Name == "" {
		driver.Name = "tailaudit"
	}
	index := map[string]int{}
	addRule := func(rule finding.Rule) {
		if _, ok := index[rule.ID]; !ok {
			index[rule.ID] = len(driver.Rules)
			driver.Rules = append(driver.Rules, sarifRuleOf(rule, s.Frameworks))
		}
	}
	for _, rule := range r.Rules {
		addRule(rule)
	}
	inv := sarifInvocation{ExecutionSuccessful: true}
	results := []sarifResult{}
	for _, e := range newAggregator(r, s.Aggregate).entries(sorted(r)) {
		f := e.Finding
		// A finding whose rule the report does not list still gets a descriptor, from what it carries.
		addRule(ruleOf(f.Rule))
		ref := &sarifRuleRef{ID: f.Rule.ID, Index: index[f.Rule.ID]}
		if e.members != nil {
			results = append(results, s.groupResult(e, ref.Index))
			continue
		}
		switch f.Result {
		case finding.Fail, finding.Warn, finding.Waived:
			results = append(results, s.result(f, ref.Index))
		case finding.NotAssessed:
			inv.Notifications = append(inv.Notifications, sarifNotification{Level: "note",
				Message: sarifText{"not assessed: " + f.Message}, AssociatedRule: ref})
		case finding.Error:
			inv.ExecutionSuccessful = false
			inv.Notifications = append(inv.Notifications, sarifNotification{Level: "error",
				Message: sarifText{f.Message}, Locations: s.locations(f), AssociatedRule: ref})
			if hasFileLocation(f) {
				// Code scanning shows results, not notifications, on the lines of a pull request: an
				// error at a line of a file (an input that could not be read) is a result there too.
				res := s.result(f, ref.Index)
				res.Level = "error"
				results = append(results, res)
			}
		}
	}
	if r.Baseline != nil {
		// The base's findings that the change fixed: absent from this run, and no longer a problem,
		// so they are reported as passes. Their location is in the base, which is not a file of the
		// checked tree, so they are named by their JSON path only.
		for _, f := range r.Baseline.Fixed {
			addRule(ruleOf(f.Rule))
			res := s.result(f, index[f.Rule.ID])
			res.Kind, res.Level, res.Suppressions = "pass", "none", nil
			res.Locations = s.locations(finding.Finding{Location: &finding.Location{Path: locPath(f)}, Resource: f.Resource})
			results = append(results, res)
		}
	}
	for _, d := range r.Diagnostics {
		level := "note"
		if d.Level == "warning" {
			level = "warning"
		}
		inv.Notifications = append(inv.Notifications, sarifNotification{Level: level,
			Message: sarifText{d.Message}, Locations: s.locations(finding.Finding{Location: d.Location})})
	}

	run := sarifRun{Invocations: []sarifInvocation{inv}, Results: results}
	run.Tool.Driver = driver
	return sarifLog{Schema: sarifSchema, Version: "2.1.0", Runs: []sarifRun{run}}
}

// write streams log as encoding/json would marshal it, each result written on its own as it comes
// (TestSARIFStreamsWhatMarshalWrites holds the two together).
func (s SARIF) write(w io.Writer, log sarifLog) error {
	js := newJSONStream(w, !s.Compact)
	js.beginObject()
	js.member("$schema", log.Schema)
	js.member("version", log.Version)
	js.key("runs")
	js.beginArray()
	for _, run := range log.Runs {
		js.beginObject()
		js.member("tool", run.Tool)
		js.member("invocations", run.Invocations)
		js.key("results")
		if run.Results == nil {
			js.value(nil)
		} else {
			js.beginArray()
			for _, res := range run.Results {
				js.value(res)
			}
			js.end()
		}
		js.end()
	}
	js.end()
	js.end()
	return js.finish()
}

func sarifRuleOf(rule finding.Rule, order frameworkOrder) sarifRule {
	desc := rule.Description
	if desc == "" {
		desc = rule.Title
	}
	text, md := desc, desc
	if rule.Remediation != "" {
		text += "\n\nRemediation: " + rule.Remediation
		md += "\n\n**Remediation:** " + rule.Remediation
	}
	if c := order.text(rule.Controls); c != "" {
		text += "\n\nControls: " + c
		md += "\n\n**Controls:** " + c
	}
	name := rule.ID
	if i := strings.LastIndexByte(rule.Namespace, '.'); i >= 0 {
		name = rule.Namespace[i+1:]
	}
	return sarifRule{
		ID:                   rule.ID,
		Name:                 name,
		ShortDescription:     sarifText{rule.Title},
		FullDescription:      sarifText{desc},
		Help:                 sarifHelp{Text: text, Markdown: md},
		DefaultConfiguration: sarifConfig{sarifLevel(rule.Severity)},
		Properties: sarifRuleProp{
			SecuritySeverity: securitySeverity(rule.Severity),
			Tags:             append([]string{"security", string(rule.Severity)}, order.tags(rule.Controls)...),
		},
	}
}

func (s SARIF) result(f finding.Finding, ruleIndex int) sarifResult {
	res := sarifResult{
		RuleID:     f.Rule.ID,
		RuleIndex:  ruleIndex,
		Level:      sarifLevel(f.Severity),
		Message:    sarifText{f.Message},
		Locations:  s.locations(f),
		Properties: sarifResultProp{Severity: f.Severity, Result: f.Result, Controls: f.Controls, Resource: f.Resource, Waiver: f.Waiver},
	}
	if f.Result == finding.Warn {
		res.Level = "note" // advisory: never fails a gate
	}
	switch f.Baseline {
	case finding.BaselineNew, finding.BaselineUnchanged:
		res.BaselineState = string(f.Baseline)
	case finding.BaselineFixed:
		res.BaselineState = "absent"
	}
	if f.Fingerprint != "" {
		res.PartialFingerprints = map[string]string{"tailauditFingerprint/v1": f.Fingerprint}
	}
	if w := f.Waiver; f.Result == finding.Waived && w != nil && !w.Expired {
		sup := sarifSuppression{Kind: "external", Status: "accepted", Justification: w.Reason}
		if w.File != "" {
			sup.Kind = "inSource" // a tailaudit:ignore comment in the file it waives findings of
		}
		for k, v := range map[string]string{"by": w.By, "expires": w.Expires, "source": w.Source} {
			if v != "" {
				if sup.Properties == nil {
					sup.Properties = map[string]string{}
				}
				sup.Properties[k] = v
			}
		}
		res.Suppressions = []sarifSuppression{sup}
	}
	return res
}

// groupResult is the one result for the findings of one cause: located in their file, with a
// related location for each finding (its resource, or its place in the file) up to sarifRelatedMax,
// a fingerprint of the cause, so that code scanning keeps one alert for it however its resources
// change, and every finding's resource and fingerprint in properties.aggregate.
func (s SARIF) groupResult(e entry, ruleIndex int) sarifResult {
	f := e.Finding
	f.Message += ": " + memberNames(e.members)
	res := s.result(f, ruleIndex)
	res.PartialFingerprints = map[string]string{"tailauditCause/v1": e.fingerprint()}
	agg := &sarifAggregate{Cause: causeMap(e.cause), Count: len(e.members), Findings: make([]sarifMember, len(e.members))}
	for i, m := range e.members {
		agg.Findings[i] = sarifMember{Resource: m.Resource, Path: locPath(m), Fingerprint: m.Fingerprint}
		if i >= sarifRelatedMax {
			continue
		}
		loc := finding.Finding{Resource: m.Resource}
		if hasFileLocation(m) && m.Location.Line > 0 {
			loc.Location = m.Location
		} else if m.Resource == nil {
			loc.Location = &finding.Location{Path: locPath(m)}
		}
		for _, l := range s.locations(loc) {
			l.ID, l.Message = i+1, &sarifText{m.Message}
			res.RelatedLocations = append(res.RelatedLocations, l)
		}
	}
	res.Properties.Aggregate = agg
	return res
}

// locPath is the JSON path a finding points at, or "".
func locPath(f finding.Finding) string {
	if f.Location == nil {
		return ""
	}
	return f.Location.Path
}

// locations points at the finding's file position, or else names its resource or JSON path logically.
func (s SARIF) locations(f finding.Finding) []sarifLocation {
	l := f.Location
	if l != nil && l.File != "" {
		var p sarifPhysical
		p.ArtifactLocation.URI, p.ArtifactLocation.URIBaseID = s.uri(l.File)
		if l.Line > 0 {
			p.Region = &sarifRegion{StartLine: l.Line, StartColumn: s.Sources.column(l.File, l.Line, l.Column, utf16Units)}
		}
		return []sarifLocation{{PhysicalLocation: &p}}
	}
	switch {
	case f.Resource != nil:
		return []sarifLocation{{LogicalLocations: []sarifLogical{{Name: f.Resource.Name,
			FullyQualifiedName: f.Resource.Type + "/" + f.Resource.ID, Kind: "resource"}}}}
	case l != nil && l.Path != "":
		return []sarifLocation{{LogicalLocations: []sarifLogical{{FullyQualifiedName: l.Path, Kind: "element"}}}}
	}
	return nil
}

// uri turns a file path into a URI: relative (to Root when it is absolute) and with forward slashes
// under %SRCROOT%, or an absolute file URI for a path outside the root.
func (s SARIF) uri(file string) (uri, baseID string) {
	file = relativePath(s.Root, file)
	if filepath.IsAbs(file) {
		u := url.URL{Scheme: "file", Path: filepath.ToSlash(file)}
		if !strings.HasPrefix(u.Path, "/") {
			u.Path = "/" + u.Path // a Windows drive letter: file:///C:/...
		}
		return u.String(), ""
	}
	u := url.URL{Path: filepath.ToSlash(file)}
	return u.String(), "%SRCROOT%"
}

package output

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// JUnit writes JUnit XML: a testsuite per rule and a testcase per finding (with Aggregate, per
// group of findings of one cause), so CI systems show failures as failed tests.
type JUnit struct {
	Frameworks []string // the order controls are listed in; others follow, sorted
	// Aggregate: from this many findings of one cause (custom.aggregate), they are listed as one
	// entry; 0 lists each on its own.
	Aggregate int
}

type (
	junitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Errors   int          `xml:"errors,attr"`
		Skipped  int          `xml:"skipped,attr"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name       string          `xml:"name,attr"`
		Tests      int             `xml:"tests,attr"`
		Failures   int             `xml:"failures,attr"`
		Errors     int             `xml:"errors,attr"`
		Skipped    int             `xml:"skipped,attr"`
		Properties []junitProperty `xml:"properties>property,omitempty"`
		Cases      []junitCase     `xml:"testcase"`
	}
	junitProperty struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}
	junitCase struct {
		Name      string        `xml:"name,attr"`
		ClassName string        `xml:"classname,attr"`
		Failure   *junitProblem `xml:"failure,omitempty"`
		Error     *junitProblem `xml:"error,omitempty"`
		Skipped   *junitProblem `xml:"skipped,omitempty"`
	}
	junitProblem struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr,omitempty"`
		Text    string `xml:",chardata"`
	}
)

// Render implements Renderer.
func (j JUnit) Render(w io.Writer, r *finding.Report) error {
	rules := map[string]finding.Rule{}
	var order []string // rule ids: the report's rules first, then any only findings name
	for _, rule := range r.Rules {
		if _, ok := rules[rule.ID]; !ok {
			rules[rule.ID] = rule
			order = append(order, rule.ID)
		}
	}
	cases := map[string][]entry{}
	for _, e := range newAggregator(r, j.Aggregate).entries(sorted(r)) {
		if _, ok := rules[e.Rule.ID]; !ok {
			rules[e.Rule.ID] = ruleOf(e.Rule)
			order = append(order, e.Rule.ID)
		}
		cases[e.Rule.ID] = append(cases[e.Rule.ID], e)
	}

	out := junitSuites{Name: "tailaudit"}
	for _, id := range order {
		fs := cases[id]
		if len(fs) == 0 {
			continue
		}
		rule := rules[id]
		suite := junitSuite{Name: id + " " + rule.Title, Properties: junitProperties(rule, j.Frameworks)}
		for _, e := range fs {
			c := junitCaseOf(rule, e, j.Frameworks)
			suite.Tests++
			switch {
			case c.Failure != nil:
				suite.Failures++
			case c.Error != nil:
				suite.Errors++
			case c.Skipped != nil:
				suite.Skipped++
			}
			suite.Cases = append(suite.Cases, c)
		}
		out.Tests += suite.Tests
		out.Failures += suite.Failures
		out.Errors += suite.Errors
		out.Skipped += suite.Skipped
		out.Suites = append(out.Suites, suite)
	}

	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func junitProperties(rule finding.Rule, order frameworkOrder) []junitProperty {
	props := []junitProperty{{"severity", string(rule.Severity)}}
	if rule.Namespace != "" {
		props = append(props, junitProperty{"namespace", rule.Namespace})
	}
	if c := order.text(rule.Controls); c != "" {
		props = append(props, junitProperty{"controls", c})
	}
	return props
}

// junitCaseOf is the test case of a finding or, for a group of findings of one cause, of the group:
// its failure (or skip) names every finding of the group.
func junitCaseOf(rule finding.Rule, e entry, order frameworkOrder) junitCase {
	f := e.Finding
	c := junitCase{Name: strings.Join(nonEmpty(where(f), oneLine(f.Message)), ": "), ClassName: rule.Namespace}
	if c.ClassName == "" {
		c.ClassName = rule.ID
	}
	switch f.Result {
	case finding.Fail:
		c.Failure = &junitProblem{Message: f.Message, Type: string(f.Severity), Text: junitDetails(f, order) + junitMembers(e.members)}
	case finding.Error:
		c.Error = &junitProblem{Message: f.Message, Type: "error", Text: junitDetails(f, order)}
	case finding.Warn:
		c.Skipped = &junitProblem{Message: "warning: " + f.Message, Text: junitMembers(e.members)}
	case finding.Waived:
		c.Skipped = &junitProblem{Message: "waived: " + waiverText(f.Waiver), Text: junitMembers(e.members)}
	case finding.NotAssessed:
		c.Skipped = &junitProblem{Message: "not assessed: " + f.Message}
	case finding.Manual:
		c.Skipped = &junitProblem{Message: "manual: " + f.Message}
	}
	return c
}

// junitDetails is the body of a failure: what and where, then how to fix it.
func junitDetails(f finding.Finding, order frameworkOrder) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s (%s)\n", f.Rule.ID, f.Rule.Title, f.Severity)
	for _, kv := range [][2]string{
		{"location", f.Location.String()},
		{"resource", resourceText(f.Resource)},
		{"message", f.Message},
		{"remediation", f.Rule.Remediation},
		{"controls", order.text(f.Controls)},
		{"waiver", waiverText(f.Waiver)},
		{"fingerprint", f.Fingerprint},
	} {
		if kv[1] != "" {
			fmt.Fprintf(&b, "%s: %s\n", kv[0], kv[1])
		}
	}
	return b.String()
}

// junitMembers lists the findings of a group, one a line: resource or place, message, fingerprint.
// It is "" for a finding on its own.
func junitMembers(members []finding.Finding) string {
	if len(members) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "findings (%d):\n", len(members))
	for _, m := range members {
		fmt.Fprintf(&b, "  %s\n", strings.Join(nonEmpty(memberWhere(m), oneLine(m.Message), m.Fingerprint), "  "))
	}
	return b.String()
}

// oneLine joins the lines of s with spaces.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

package assess

import (
	"cmp"
	"slices"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// Compare says what changed from prev, the assessment of an earlier pack named name, to cur: the
// controls whose status differs (controls prev did not assess count as changed from nothing), and
// per rule the resources that fail now and did not, or failed then and do not. A resource fails a
// rule when the rule failed or errored on it.
func Compare(name string, prev, cur *finding.AssessmentReport) *finding.Changes {
	ch := &finding.Changes{Previous: name, PreviousGeneratedAt: prev.GeneratedAt,
		Controls: []finding.ControlChange{}, NewlyFailing: []finding.ResourceChange{}, Fixed: []finding.ResourceChange{}}
	was := map[[2]string]finding.ControlStatus{}
	for _, a := range prev.Assessments {
		for _, c := range a.Controls {
			was[[2]string{a.Framework.ID, c.ID}] = c.Status
		}
	}
	for _, a := range cur.Assessments {
		for _, c := range a.Controls {
			if from := was[[2]string{a.Framework.ID, c.ID}]; from != c.Status {
				ch.Controls = append(ch.Controls, finding.ControlChange{Framework: a.Framework.ID, Control: c.ID, Title: c.Title, From: from, To: c.Status})
			}
		}
	}
	before, after := failing(prev), failing(cur)
	for k, typ := range after.failed {
		if _, ok := before.failed[k]; !ok {
			ch.NewlyFailing = append(ch.NewlyFailing, finding.ResourceChange{Rule: k[0], Type: typ, Resource: k[1]})
		}
	}
	for k, typ := range before.failed {
		if _, ok := after.failed[k]; ok {
			continue
		}
		now := "absent"
		if after.passed[k] {
			now = "pass"
		}
		ch.Fixed = append(ch.Fixed, finding.ResourceChange{Rule: k[0], Type: typ, Resource: k[1], Now: now})
	}
	byRuleResource := func(a, b finding.ResourceChange) int {
		return cmp.Or(cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Resource, b.Resource))
	}
	slices.SortFunc(ch.NewlyFailing, byRuleResource)
	slices.SortFunc(ch.Fixed, byRuleResource)
	return ch
}

// outcomesByRule are, over every check of a report, the (rule, resource) pairs that failed, with
// the resource's type, and those that passed.
type outcomesByRule struct {
	failed map[[2]string]string
	passed map[[2]string]bool
}

func failing(r *finding.AssessmentReport) outcomesByRule {
	o := outcomesByRule{failed: map[[2]string]string{}, passed: map[[2]string]bool{}}
	for _, a := range r.Assessments {
		for _, c := range a.Controls {
			for _, chk := range c.Checks {
				p := chk.Population
				if p == nil {
					continue
				}
				for _, ids := range [][]string{p.Failed, p.Errored} {
					for _, id := range ids {
						o.failed[[2]string{chk.Rule.ID, id}] = p.Type
					}
				}
				for _, id := range p.Passed {
					o.passed[[2]string{chk.Rule.ID, id}] = true
				}
			}
		}
	}
	return o
}

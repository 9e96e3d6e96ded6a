package assess_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tailaudit/tailaudit/engine"
	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/frameworks"
	"github.com/tailaudit/tailaudit/internal/assess"
	"github.com/tailaudit/tailaudit/internal/inputs"
	"github.com/tailaudit/tailaudit/policies"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

const demo = "../../fixtures/demo"

// TestAssessDemo judges every framework's controls on the demo tailnet, its policy file and its
// week of audit events, and pins each control's status and reason and each check's result and
// population.
func TestAssessDemo(t *testing.T) {
	ctx := context.Background()
	docs, err := inputs.Load(filepath.Join(demo, "policy.hujson"), filepath.Join(demo, "snapshot.json"), nil)
	if err != nil {
		t.Fatal(err)
	}
	cats, err := frameworks.Load()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(ctx, engine.WithBuiltinRules(policies.FS), engine.WithControls(frameworks.ControlsByRule(cats), func(string, string) bool { return true }))
	if err != nil {
		t.Fatal(err)
	}
	now := docs.Snapshot.CollectedAt
	rep, err := eng.Evaluate(ctx, engine.Input{Policy: docs.Policy, Tailnet: docs.Snapshot, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(demo, "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ev assess.Events
	if err := ev.Read("audit.jsonl", f); err != nil {
		t.Fatal(err)
	}
	src := `{"attestations": [
  {"framework": "soc2", "control": "CC7.4", "statement": "Incident plan exercised", "by": "CISO", "date": "2026-09-30", "expires": "2027-09-29", "evidence": "wiki/ir"},
  {"framework": "soc2", "control": "CC1.4", "statement": "Training done", "by": "HR", "date": "2025-09-30", "expires": "2026-09-29", "evidence": "lms"},
]}`
	atts, err := assess.ParseAttestations("attestations.hujson", []byte(src), cats)
	if err != nil {
		t.Fatal(err)
	}
	period := &assess.Period{From: now.AddDate(0, 0, -7), To: now}
	got, err := assess.Assess(rep, cats, atts, assess.Options{Snapshot: docs.Snapshot, Period: period, Events: &ev, GapThreshold: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	p := got.Period
	fmt.Fprintf(&b, "period %s..%s: %d events, %d in period, covered %v %s\n", p.From.Format(time.RFC3339), p.To.Format(time.RFC3339), p.Events.Events, p.Events.InPeriod, p.Events.Covered, p.Events.Reason)
	for _, a := range got.Assessments {
		fmt.Fprintf(&b, "\n== %s %s: %v\n", a.Framework.ID, a.Framework.Version, statusCounts(a.Summary))
		fmt.Fprintf(&b, "retention %d months: %s: %s\n", a.Retention.Requirement.MinimumMonths, a.Retention.Status, a.Retention.Reason)
		for _, c := range a.Controls {
			fmt.Fprintf(&b, "%s [%s] %s: %s\n", c.ID, c.Family, c.Status, c.Reason)
			for _, ch := range c.Checks {
				pop := "-"
				if ch.Population != nil {
					pop = ch.Population.String()
				}
				fmt.Fprintf(&b, "    %s %s %s (%s)\n", ch.Rule.ID, ch.Coverage, ch.Result, pop)
			}
		}
	}
	golden := filepath.Join("testdata", "demo.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(string(want), b.String()); d != "" {
		t.Errorf("demo assessment (-want +got):\n%s", d)
	}
}

func statusCounts(s finding.AssessmentSummary) string {
	var parts []string
	for _, st := range finding.ControlStatuses {
		if n := s.Status[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, st))
		}
	}
	return strings.Join(parts, ", ")
}

package frameworks_test

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/frameworks"
)

func controlsOf(t *testing.T) map[string]map[string]frameworks.Control {
	t.Helper()
	out := map[string]map[string]frameworks.Control{}
	for _, cat := range load(t) {
		out[cat.ID] = map[string]frameworks.Control{}
		for _, c := range cat.Controls {
			out[cat.ID][c.ID] = c
		}
	}
	return out
}

// TestNoOverClaims pins the review of the mappings: these controls are not decided by any check
// (they are manual, with at most supporting checks), because the checks once mapped to them do not
// evidence what the control asks.
func TestNoOverClaims(t *testing.T) {
	ctl := controlsOf(t)
	for fw, ids := range map[string][]string{
		"pci-dss":  {"11.4.5", "8.2.8", "8.6.2", "6.5.2", "12.10.1", "1.2.8", "10.4.1", "10.5.1", "8.4.2", "8.4.3"},
		"hipaa":    {"164.312(a)(2)(iii)", "164.312(c)(1)", "164.308(a)(5)(ii)(B)", "164.310(d)(1)", "164.308(a)(8)"},
		"soc2":     {"CC4.1", "CC2.3", "A1.2", "CC6.5", "C1.1"},
		"iso27001": {"5.3"},
	} {
		for _, id := range ids {
			c, ok := ctl[fw][id]
			if !ok {
				t.Errorf("%s %s: missing", fw, id)
				continue
			}
			if !c.Manual {
				t.Errorf("%s %s: not manual; its checks %v cannot decide it", fw, id, c.Rules())
			}
		}
	}
	for _, id := range []string{"10.4.1", "10.5.1"} {
		if rules := ctl["pci-dss"][id].Rules(); len(rules) > 0 {
			t.Errorf("pci-dss %s lists %v: a stream existing shows neither daily review nor retention at the destination", id, rules)
		}
	}
}

// TestLintRulesAreChangeManagement: rules about how the policy file is written are evidence of
// change management, never of access control: the live policy cannot hold what Tailscale refuses.
func TestLintRulesAreChangeManagement(t *testing.T) {
	lint := []string{"TA-HOST-001", "TA-GROUP-001", "TA-TAG-002", "TA-VALID-001", "TA-SYNTAX-001", "TA-TAG-003"}
	allowed := map[string][]string{"soc2": {"CC8.1"}, "iso27001": {"8.32", "8.9"}, "pci-dss": {"6.5.1", "1.2.2"}, "hipaa": {}}
	must := map[string]string{"soc2": "CC8.1", "iso27001": "8.32", "pci-dss": "6.5.1"}
	byRule := frameworks.ControlsByRule(load(t))
	for _, rule := range lint {
		for fw, ids := range byRule[rule] {
			for _, id := range ids {
				if !slices.Contains(allowed[fw], id) {
					t.Errorf("lint rule %s is mapped to %s %s, which is not change management", rule, fw, id)
				}
			}
		}
		for fw, id := range must {
			if !slices.Contains(byRule[rule][fw], id) {
				t.Errorf("lint rule %s is not mapped to %s %s", rule, fw, id)
			}
		}
	}
}

func TestAddedControls(t *testing.T) {
	ctl := controlsOf(t)
	for fw, ids := range map[string][]string{
		"pci-dss":  {"10.2.1.5", "10.2.2", "10.3.1", "10.4.1.1", "10.7.3", "1.4.5", "4.2.1", "2.2.7"},
		"iso27001": {"5.25", "5.33", "8.12", "8.18", "8.23"},
		"hipaa":    {"164.312(e)(2)(ii)"},
	} {
		for _, id := range ids {
			if _, ok := ctl[fw][id]; !ok {
				t.Errorf("%s %s: missing", fw, id)
			}
		}
	}
}

// TestRetitled pins titles rewritten because their meaning drifted or they sat close to the
// standard's wording.
func TestRetitled(t *testing.T) {
	ctl := controlsOf(t)
	for _, tt := range []struct{ fw, id, want string }{
		{"soc2", "CC6.5", "retired"},
		{"soc2", "C1.1", "kept"},
		{"pci-dss", "8.4.2", "non-console"},
		{"pci-dss", "7.2.1", "written down"},
		{"pci-dss", "8.2.6", "cut off"},
		{"pci-dss", "10.2.1", "records audit events"},
		{"pci-dss", "10.3.2", "tampering"},
		{"pci-dss", "12.10.1", "written plan"},
	} {
		if got := ctl[tt.fw][tt.id].Title; !strings.Contains(got, tt.want) {
			t.Errorf("%s %s title %q, want it to say %q", tt.fw, tt.id, got, tt.want)
		}
	}
}

// TestControlsDescribed: every control states its objective and frequency; every check its
// procedure and pass criterion; every control with checks its population and that one snapshot
// shows a point in time; HIPAA controls whether they are required or addressable.
func TestControlsDescribed(t *testing.T) {
	for _, cat := range load(t) {
		for _, c := range cat.Controls {
			where := cat.ID + " " + c.ID
			if c.Objective == "" || c.Frequency == "" {
				t.Errorf("%s: objective %q, frequency %q", where, c.Objective, c.Frequency)
			}
			if (cat.ID == "hipaa") != (c.Requirement != "") {
				t.Errorf("%s: requirement %q", where, c.Requirement)
			}
			if len(c.Checks) > 0 && c.Population == "" {
				t.Errorf("%s: checks without a population", where)
			}
			if !c.Manual && !c.PointInTime {
				t.Errorf("%s: decided from a snapshot but not marked pointInTime", where)
			}
			if c.Manual && c.Coverage() == finding.CoverageFull {
				t.Errorf("%s: manual with a full check", where)
			}
			for _, ch := range c.Checks {
				if ch.Procedure == "" || ch.Pass == "" {
					t.Errorf("%s: check %s without procedure or pass criterion", where, ch.Rule)
				}
			}
		}
	}
	ctl := controlsOf(t)
	for _, tt := range []struct{ fw, id, want string }{
		{"pci-dss", "10.4.1", "once a day"},
		{"pci-dss", "7.2.4", "every six months"},
		{"pci-dss", "1.2.7", "every six months"},
	} {
		if got := ctl[tt.fw][tt.id].Frequency; !strings.Contains(got, tt.want) {
			t.Errorf("%s %s frequency %q, want %q", tt.fw, tt.id, got, tt.want)
		}
	}
}

// TestISOStatementOfApplicability: the catalogue's controls and its exclusions, each with a
// reason, are exactly the 93 controls of ISO/IEC 27001:2022 Annex A.
func TestISOStatementOfApplicability(t *testing.T) {
	var want []string
	for theme, n := range map[int]int{5: 37, 6: 8, 7: 14, 8: 34} {
		for i := 1; i <= n; i++ {
			want = append(want, fmt.Sprintf("%d.%d", theme, i))
		}
	}
	var got []string
	for _, cat := range load(t) {
		if cat.ID != "iso27001" {
			if len(cat.Excluded) > 0 {
				t.Errorf("%s lists exclusions; only the ISO catalogue needs them", cat.ID)
			}
			continue
		}
		for _, c := range cat.Controls {
			got = append(got, c.ID)
		}
		for _, x := range cat.Excluded {
			if strings.TrimSpace(x.Reason) == "" {
				t.Errorf("excluded %s without a reason", x.ID)
			}
			got = append(got, x.ID)
		}
	}
	slices.SortFunc(want, frameworks.CompareControlIDs)
	slices.SortFunc(got, frameworks.CompareControlIDs)
	if !slices.Equal(want, got) {
		t.Errorf("ISO controls and exclusions:\n got %v\nwant %v", got, want)
	}
}

var paramDefault = regexp.MustCompile("`([A-Za-z]+)` = ([0-9]+)")

// TestLimitsHoldDefaults: a rule's default threshold is within every framework limit on it, so a
// run that sets nothing assesses every control; and PCI 8.2.6 is limited to 90 days.
func TestLimitsHoldDefaults(t *testing.T) {
	readme, err := os.ReadFile(policiesDir + "/tailnet/README.md")
	if err != nil {
		t.Fatal(err)
	}
	defaults := map[string]float64{}
	for _, m := range paramDefault.FindAllStringSubmatch(string(readme), -1) {
		n, _ := strconv.ParseFloat(m[2], 64)
		defaults[m[1]] = n
	}
	if defaults["inactiveUserDays"] == 0 {
		t.Fatal("no inactiveUserDays default found in the rules' README")
	}
	for _, cat := range load(t) {
		for _, c := range cat.Controls {
			for _, ch := range c.Checks {
				for name, limit := range ch.Limits {
					d, ok := defaults[name]
					if !ok {
						t.Errorf("%s %s: limit on %s, which no rule's README declares", cat.ID, c.ID, name)
					} else if d > limit {
						t.Errorf("%s %s: %s defaults to %v, above the framework's %v", cat.ID, c.ID, name, d, limit)
					}
				}
			}
		}
	}
	c := controlsOf(t)["pci-dss"]["8.2.6"]
	if len(c.Checks) == 0 || c.Checks[0].Rule != "TA-USER-002" || c.Checks[0].Limits["inactiveUserDays"] != 90 {
		t.Errorf("pci-dss 8.2.6 checks = %+v, want TA-USER-002 limited to inactiveUserDays 90", c.Checks)
	}
}

// TestAlertRulesSupportMonitoring: every built-in alert rule is mapped, as a supporting check only,
// to the monitoring controls and nothing else: alerts over a period are detective evidence, and
// none of them decides a control from a snapshot.
func TestAlertRulesSupportMonitoring(t *testing.T) {
	monitoring := map[string]string{"soc2": "CC7.2", "iso27001": "8.16", "pci-dss": "10.4.1.1", "hipaa": "164.308(a)(1)(ii)(D)"}
	cats := load(t)
	byRule := frameworks.ControlsByRule(cats)
	n := 0
	for _, id := range scanRuleIDs(t) {
		if !frameworks.AlertRule(id) {
			continue
		}
		n++
		for fw, want := range monitoring {
			if got := byRule[id][fw]; !slices.Equal(got, []string{want}) {
				t.Errorf("alert rule %s is mapped to %s %v, want [%s]", id, fw, got, want)
			}
		}
	}
	if n < 40 {
		t.Errorf("%d alert rules found, want the 40 or more of the built-in pack", n)
	}
	for _, cat := range cats {
		for _, c := range cat.Controls {
			for _, ch := range c.Checks {
				if frameworks.AlertRule(ch.Rule) && ch.Coverage != finding.CoverageSupporting {
					t.Errorf("%s %s: alert rule %s has coverage %s, want supporting", cat.ID, c.ID, ch.Rule, ch.Coverage)
				}
			}
		}
	}
	for _, tt := range []struct {
		id   string
		want bool
	}{{"TA-ALERT-001", true}, {"TA-FLOW-006", true}, {"TA-DRIFT-005", true}, {"TA-ACL-001", false}, {"TA-LOG-001", false}} {
		if got := frameworks.AlertRule(tt.id); got != tt.want {
			t.Errorf("AlertRule(%s) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

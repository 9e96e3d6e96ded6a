package output

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/internal/sharedcorpus"
	"github.com/xeipuuv/gojsonschema"
)

func TestSARIFValidatesAgainstSchema(t *testing.T) {
	schemaPath := sharedcorpus.Require(t, "schemas/sarif-2.1.0.json")
	schema, err := gojsonschema.NewSchema(gojsonschema.NewReferenceLoader("file://" + schemaPath))
	if err != nil {
		t.Fatalf("load SARIF schema: %v", err)
	}
	empty := &finding.Report{}
	empty.Summarize()
	for _, tt := range []struct {
		name      string
		report    *finding.Report
		aggregate int
	}{
		{"fixture", testReport(), 0},
		{"empty", empty, 0},
		{"aggregated", aggregateReport(), 2},
		{"aggregated_over_related_limit", manyOutdated(sarifRelatedMax + 5), AggregateMin},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := renderString(t, "sarif", Settings{Aggregate: tt.aggregate}, tt.report)
			res, err := schema.Validate(gojsonschema.NewStringLoader(out))
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range res.Errors() {
				t.Errorf("SARIF schema: %s", e)
			}
		})
	}
}

func TestSARIFContent(t *testing.T) {
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID         string
						Properties map[string]any
					}
				}
			}
			Invocations []struct {
				Notifications []struct{ Level string } `json:"toolExecutionNotifications"`
			}
			Results []struct {
				RuleID       string
				RuleIndex    int
				Level        string
				Suppressions []struct{ Kind, Justification string }
			}
		}
	}
	r := testReport()
	if err := json.Unmarshal([]byte(renderString(t, "sarif", Settings{}, r)), &log); err != nil {
		t.Fatal(err)
	}
	if len(log.Runs) != 1 {
		t.Fatalf("%d runs, want 1", len(log.Runs))
	}
	run := log.Runs[0]
	if got, want := len(run.Tool.Driver.Rules), len(r.Rules); got != want {
		t.Errorf("%d rule descriptors, want one per report rule (%d)", got, want)
	}
	var got []string
	for _, res := range run.Results {
		if rule := run.Tool.Driver.Rules[res.RuleIndex]; rule.ID != res.RuleID {
			t.Errorf("result %s has ruleIndex %d, which is %s", res.RuleID, res.RuleIndex, rule.ID)
		}
		s := res.RuleID + " " + res.Level
		for _, sup := range res.Suppressions {
			s += " suppressed:" + sup.Kind + ":" + sup.Justification
		}
		got = append(got, s)
	}
	want := []string{ // fail, warn and waived only, most severe first; the expired waiver does not suppress
		"TA-ACL-001 error",
		"TA-DEV-001 error",
		"TA-SSH-001 error",
		"TA-SSH-001 error",
		"TA-TAG-002 warning",
		"TA-ACL-010 note",
		`TA-SSH-002 warning suppressed:external:break-glass account, "ops" only`,
		"TA-GRP-004 note",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("results (-want +got):\n%s", d)
	}
	if n := len(run.Invocations[0].Notifications); n != 3 {
		t.Errorf("%d notifications, want 3 (not assessed, rule error, diagnostic)", n)
	}
}

func TestSARIFURI(t *testing.T) {
	for _, tt := range []struct {
		root, file, wantURI, wantBase string
	}{
		{"", "policy.hujson", "policy.hujson", "%SRCROOT%"},
		{"", "configs/policy.hujson", "configs/policy.hujson", "%SRCROOT%"},
		{"/repo", "/repo/configs/policy.hujson", "configs/policy.hujson", "%SRCROOT%"},
		{"/repo", "/elsewhere/policy.hujson", "file:///elsewhere/policy.hujson", ""},
		{"", "/abs/policy.hujson", "file:///abs/policy.hujson", ""},
		{"", "my policy.hujson", "my%20policy.hujson", "%SRCROOT%"},
	} {
		uri, base := SARIF{Root: tt.root}.uri(tt.file)
		if uri != tt.wantURI || base != tt.wantBase {
			t.Errorf("uri(%q) with root %q = %q, %q; want %q, %q", tt.file, tt.root, uri, base, tt.wantURI, tt.wantBase)
		}
	}
}

func TestSARIFSuppressionKind(t *testing.T) {
	for _, tt := range []struct {
		waiver *finding.Waiver
		want   string
	}{
		{&finding.Waiver{Reason: "r", Source: ".tailaudit.hujson"}, "external"},
		{&finding.Waiver{Reason: "r", Source: "policy.hujson:12", File: "policy.hujson"}, "inSource"}, // inline
		{&finding.Waiver{Reason: "r", Source: "policy.hujson:12", File: "policy.hujson", Expired: true}, ""},
	} {
		f := finding.Finding{Rule: finding.RuleRef{ID: "TA-X-001"}, Result: finding.Waived, Severity: finding.Low, Waiver: tt.waiver}
		got := ""
		if sups := (SARIF{}).result(f, 0).Suppressions; len(sups) > 0 {
			got = sups[0].Kind
		}
		if got != tt.want {
			t.Errorf("suppression kind for %+v = %q, want %q", *tt.waiver, got, tt.want)
		}
	}
}

func TestSARIFRuleOnlyInFindings(t *testing.T) {
	r := testReport()
	r.Rules = nil // a report that lists no rules still yields a descriptor per finding's rule
	out := renderString(t, "sarif", Settings{}, r)
	if !strings.Contains(out, `"id": "TA-SSH-001"`) {
		t.Errorf("no rule descriptor for TA-SSH-001 in:\n%s", out)
	}
}

// manyOutdated is a report of n devices failing one rule that declares custom.aggregate, for one cause.
func manyOutdated(n int) *finding.Report {
	rule := finding.Rule{ID: "TA-DEV-005", Title: "Tailscale client out of date", Severity: finding.Medium,
		Aggregate: &finding.Aggregate{By: []string{"clientVersion"}}}
	r := &finding.Report{FailOn: finding.High, Rules: []finding.Rule{rule}}
	for i := range n {
		r.Findings = append(r.Findings, finding.Finding{Rule: rule.Ref(), Result: finding.Fail, Severity: finding.Medium,
			Message:  fmt.Sprintf("device d%05d runs Tailscale 1.70.0", i),
			Location: &finding.Location{File: "snapshot.json", Path: fmt.Sprintf("/devices/%d", i)},
			Resource: &finding.Resource{Type: "device", ID: fmt.Sprintf("n%05d", i), Name: fmt.Sprintf("d%05d", i)},
			Evidence: map[string]any{"clientVersion": "1.70.0"}, Fingerprint: fmt.Sprintf("sha256:%05d", i)})
	}
	finding.Sort(r.Findings)
	r.Summarize()
	return r
}

// TestSARIFGroupWithinCodeScanningLimits checks that a cause with more findings than code scanning
// takes locations in one result is one result with sarifRelatedMax related locations, and every
// finding's fingerprint in its properties.
func TestSARIFGroupWithinCodeScanningLimits(t *testing.T) {
	n := sarifRelatedMax + 5
	var log struct {
		Runs []struct {
			Results []struct {
				Locations        []json.RawMessage `json:"locations"`
				RelatedLocations []json.RawMessage `json:"relatedLocations"`
				Fingerprints     map[string]string `json:"partialFingerprints"`
				Properties       struct {
					Aggregate struct {
						Count    int `json:"count"`
						Findings []struct {
							Fingerprint string `json:"fingerprint"`
						} `json:"findings"`
					} `json:"aggregate"`
				} `json:"properties"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(renderString(t, "sarif", Settings{Aggregate: AggregateMin}, manyOutdated(n))), &log); err != nil {
		t.Fatal(err)
	}
	results := log.Runs[0].Results
	if len(results) != 1 {
		t.Fatalf("%d results, want one for the cause", len(results))
	}
	res := results[0]
	if len(res.Locations) != 1 || len(res.RelatedLocations) != sarifRelatedMax {
		t.Errorf("%d locations and %d related locations, want 1 and %d", len(res.Locations), len(res.RelatedLocations), sarifRelatedMax)
	}
	agg := res.Properties.Aggregate
	if agg.Count != n || len(agg.Findings) != n || agg.Findings[n-1].Fingerprint != fmt.Sprintf("sha256:%05d", n-1) {
		t.Errorf("properties.aggregate: count %d, %d findings, want %d each, the last sha256:%05d", agg.Count, len(agg.Findings), n, n-1)
	}
	if res.Fingerprints["tailauditCause/v1"] == "" || res.Fingerprints["tailauditFingerprint/v1"] != "" {
		t.Errorf("partialFingerprints %v, want the cause's only", res.Fingerprints)
	}
}

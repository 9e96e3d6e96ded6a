package finding_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tailaudit/tailaudit/engine/finding"
)

func TestParseSeverity(t *testing.T) {
	for _, tt := range []struct {
		in      string
		want    finding.Severity
		wantErr bool
	}{
		{"high", finding.High, false},
		{" CRITICAL ", finding.Critical, false},
		{"Info", finding.Info, false},
		{"severe", "", true},
		{"", "", true},
	} {
		got, err := finding.ParseSeverity(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseSeverity(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestGate(t *testing.T) {
	for _, tt := range []struct {
		name     string
		findings []finding.Finding
		failOn   finding.Severity
		want     string
	}{
		{"high_fails_at_high", []finding.Finding{{Result: finding.Fail, Severity: finding.High}}, finding.High, "failed"},
		{"medium_passes_at_high", []finding.Finding{{Result: finding.Fail, Severity: finding.Medium}}, finding.High, "passed"},
		{"medium_fails_at_low", []finding.Finding{{Result: finding.Fail, Severity: finding.Medium}}, finding.Low, "failed"},
		{"warnings_never_fail", []finding.Finding{{Result: finding.Warn, Severity: finding.Critical}}, finding.Info, "passed"},
		{"waived_never_fails", []finding.Finding{{Result: finding.Waived, Severity: finding.Critical}}, finding.Info, "passed"},
		{"not_assessed_never_fails", []finding.Finding{{Result: finding.NotAssessed, Severity: finding.Critical}}, finding.Info, "passed"},
		{"error_fails_at_any_threshold", []finding.Finding{{Result: finding.Error, Severity: finding.Info}}, finding.Critical, "failed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &finding.Report{Findings: tt.findings, FailOn: tt.failOn}
			r.Summarize()
			if r.Summary.Gate != tt.want || r.Failed() != (tt.want == "failed") {
				t.Errorf("gate = %q (Failed %v), want %q", r.Summary.Gate, r.Failed(), tt.want)
			}
		})
	}
}

func TestSort(t *testing.T) {
	at := func(file string, line int) *finding.Location { return &finding.Location{File: file, Line: line} }
	fs := []finding.Finding{
		{Rule: finding.RuleRef{ID: "B"}, Result: finding.Pass, Severity: finding.High},
		{Rule: finding.RuleRef{ID: "A"}, Result: finding.Fail, Severity: finding.Low, Location: at("p", 9)},
		{Rule: finding.RuleRef{ID: "C"}, Result: finding.Fail, Severity: finding.High, Location: at("p", 30)},
		{Rule: finding.RuleRef{ID: "D"}, Result: finding.Fail, Severity: finding.High, Location: at("p", 4)},
		{Rule: finding.RuleRef{ID: "E"}, Result: finding.Warn, Severity: finding.High},
	}
	finding.Sort(fs)
	var got []string
	for _, f := range fs {
		got = append(got, f.Rule.ID)
	}
	// Most severe first; within a severity, failures before warnings before passes; then by position.
	if d := cmp.Diff([]string{"D", "C", "E", "B", "A"}, got); d != "" {
		t.Errorf("order (-want +got):\n%s", d)
	}
}

func TestLocationString(t *testing.T) {
	for _, tt := range []struct {
		loc  *finding.Location
		want string
	}{
		{nil, ""},
		{&finding.Location{File: "p.hujson", Line: 3, Column: 7}, "p.hujson:3:7"},
		{&finding.Location{File: "p.hujson", Line: 3}, "p.hujson:3"},
		{&finding.Location{File: "snap.json", Path: "/devices/2"}, "snap.json"},
		{&finding.Location{Path: "/ssh/0"}, "/ssh/0"},
	} {
		if got := tt.loc.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.loc, got, tt.want)
		}
	}
}

// TestWaiverJSON checks that a finding's waiver shows why, by whom, until when, where it is written
// and whether it expired, and nothing of how it matches.
func TestWaiverJSON(t *testing.T) {
	w := finding.Waiver{
		Rules: []string{"TA-SSH-001"}, Fingerprint: "f", Path: "/ssh/1", Resource: "db-1", File: "policy.hujson",
		Reason: "break-glass", By: "sec@example.com", Expires: "2027-01-31", Source: "policy.hujson:12",
		Written: finding.Location{File: "policy.hujson", Line: 12, Column: 5}, Expired: true,
	}
	got, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"reason":"break-glass","by":"sec@example.com","expires":"2027-01-31","source":"policy.hujson:12","expired":true}`
	if d := cmp.Diff(want, string(got)); d != "" {
		t.Errorf("waiver JSON (-want +got):\n%s", d)
	}
}

package policies

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tailaudit/tailaudit/engine"
	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/engine/policyfile"
)

// TestDemoPolicy runs every built-in rule over the demo tailnet's policy file and checks that
// exactly its deliberate problems are found, each at the value it is about.
func TestDemoPolicy(t *testing.T) {
	name := filepath.Join("..", "fixtures", "demo", "policy.hujson")
	src, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	pol, err := policyfile.Parse(name, src)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(context.Background(), engine.WithBuiltinRules(FS))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := eng.Evaluate(context.Background(), engine.Input{Policy: pol, Now: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range rep.Findings {
		switch f.Result {
		case finding.Fail, finding.Warn, finding.Error:
			got = append(got, fmt.Sprintf("%s %s %s", f.Rule.ID, f.Result, f.Location.Path))
		}
	}
	slices.Sort(got)
	want := []string{
		"TA-ACL-005 fail /acls/2",
		"TA-ATTR-001 fail /nodeAttrs/0/target/0",
		"TA-GROUP-002 fail /groups/group:interns",
		"TA-HOST-002 fail /hosts/legacy-dc",
		"TA-SSH-001 fail /ssh/1/users/0",
		"TA-SSH-004 fail /ssh/3/checkPeriod",
		"TA-TAG-002 fail /grants/2/dst/0",
		"TA-TAG-003 warn /tagOwners/tag:k8s-operator",
		"TA-TEST-004 fail /tests/3/deny/2",
		"TA-VALID-001 fail /grants/2/dst/0",
		"TA-VALID-001 warn /grants/1/srcPosture", // postures are not modelled, and said so
		"TA-VALID-001 warn /postures",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("demo findings (-want +got):\n%s", diff)
	}
}

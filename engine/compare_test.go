package engine_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tailscale/hujson"

	"github.com/tailaudit/tailaudit/engine"
	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/engine/policyfile"
	"github.com/tailaudit/tailaudit/engine/source"
	"github.com/tailaudit/tailaudit/internal/sharedcorpus"
	"github.com/tailaudit/tailaudit/policies"
)

func TestCompare(t *testing.T) {
	f := func(id, fp string, result finding.Result, sev finding.Severity) finding.Finding {
		return finding.Finding{Rule: finding.RuleRef{ID: id}, Fingerprint: fp, Result: result, Severity: sev, Message: id}
	}
	base := &finding.Report{
		Inputs: []finding.Input{{Kind: "base-policy", Path: "main:policy.hujson"}},
		Findings: []finding.Finding{
			f("A", "fa", finding.Fail, finding.High),
			f("B", "fb", finding.Fail, finding.High), // gone in head: fixed
			f("C", "fc", finding.Waived, finding.Low),
			f("P", "", finding.Pass, finding.Low),
		},
	}
	head := &finding.Report{
		FailOn: finding.High,
		Findings: []finding.Finding{
			f("A", "fa", finding.Fail, finding.High),
			f("C", "fc", finding.Warn, finding.Low),
			f("D", "fd", finding.Fail, finding.Medium), // new, below --fail-on
			f("E", "", finding.NotAssessed, finding.High),
		},
	}
	engine.Compare(base, head)
	got := map[string]finding.BaselineState{}
	for _, x := range head.Findings {
		got[x.Rule.ID] = x.Baseline
	}
	want := map[string]finding.BaselineState{"A": finding.BaselineUnchanged, "C": finding.BaselineUnchanged, "D": finding.BaselineNew, "E": ""}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("baseline states (-want +got):\n%s", d)
	}
	b := head.Baseline
	if b == nil || b.Base != "main:policy.hujson" || len(b.Fixed) != 1 || b.Fixed[0].Rule.ID != "B" || b.Fixed[0].Baseline != finding.BaselineFixed {
		t.Fatalf("baseline = %+v, want base main:policy.hujson with B fixed", b)
	}
	wantCounts := map[finding.BaselineState]int{finding.BaselineNew: 1, finding.BaselineUnchanged: 2, finding.BaselineFixed: 1}
	if d := cmp.Diff(wantCounts, b.Counts); d != "" {
		t.Errorf("counts (-want +got):\n%s", d)
	}
	if head.Summary.Gate != "failed" {
		t.Errorf("gate = %s, want failed: A is high", head.Summary.Gate)
	}
	head.Baseline.NewOnly = true
	head.Summarize()
	if head.Summary.Gate != "passed" {
		t.Errorf("new-only gate = %s, want passed: the only new finding is medium", head.Summary.Gate)
	}
	head.Findings[2].Severity = finding.High
	head.Summarize()
	if head.Summary.Gate != "failed" {
		t.Errorf("new-only gate = %s, want failed: a new high finding", head.Summary.Gate)
	}
	if base.Findings[1].Baseline != "" {
		t.Error("Compare changed the base report")
	}
}

// edit is a change a pull request typically makes that should keep every finding it does not touch.
type edit struct {
	name string
	// apply changes the parsed file in place; it reports false when the file has nothing to edit.
	apply func(v *hujson.Value, findings []finding.Finding) bool
}

var typicalEdits = []edit{
	{"insert_rule_above", func(v *hujson.Value, _ []finding.Finding) bool {
		acls := member(v, "acls")
		if acls == nil {
			return false
		}
		arr, ok := acls.Value.Value.(*hujson.Array)
		if !ok {
			return false
		}
		rule, err := hujson.Parse([]byte(`{"action": "accept", "src": ["100.100.1.1"], "dst": ["100.100.1.2:65001"]}`))
		if err != nil {
			panic(err)
		}
		arr.Elements = append([]hujson.ArrayElement{rule}, arr.Elements...)
		return true
	}},
	{"reindent", func(v *hujson.Value, _ []finding.Finding) bool {
		before := string(v.Pack())
		v.Format()
		return string(v.Pack()) != before
	}},
	{"reorder_sections_and_groups", func(v *hujson.Value, _ []finding.Finding) bool {
		obj, ok := v.Value.(*hujson.Object)
		if !ok || len(obj.Members) < 2 {
			return false
		}
		slices.Reverse(obj.Members)
		for _, key := range []string{"groups", "hosts", "tagOwners"} {
			if m := member(v, key); m != nil {
				if o, ok := m.Value.Value.(*hujson.Object); ok {
					slices.Reverse(o.Members)
				}
			}
		}
		return true
	}},
	{"add_comments", func(v *hujson.Value, _ []finding.Finding) bool {
		var n int
		walk(v, func(m *hujson.ObjectMember) {
			m.Name.BeforeExtra = append(hujson.Extra("\n// a reviewer's note\n"), m.Name.BeforeExtra...)
			n++
		})
		return n > 0
	}},
	{"rename_unrelated_group", func(v *hujson.Value, findings []finding.Finding) bool {
		groups := member(v, "groups")
		if groups == nil {
			return false
		}
		obj, ok := groups.Value.Value.(*hujson.Object)
		if !ok {
			return false
		}
		// A group is unrelated to the findings when none names it, in its message or evidence, and
		// none points into an entry (an ACL, an SSH rule) that names it.
		var doc any
		if err := json.Unmarshal(standard(v), &doc); err != nil {
			panic(err)
		}
		var mentioned strings.Builder
		for _, f := range findings {
			ev, _ := json.Marshal(f.Evidence)
			mentioned.WriteString(f.Message + string(ev))
			if f.Location != nil {
				entry, _ := json.Marshal(entryAt(doc, f.Location.Path))
				mentioned.Write(entry)
			}
		}
		for _, m := range obj.Members {
			name, _ := m.Name.Value.(hujson.Literal)
			group := name.String()
			if !strings.HasPrefix(group, "group:") || strings.Contains(mentioned.String(), group) {
				continue
			}
			// The group and every use of it: a rename is a search and replace of the quoted name.
			text := strings.ReplaceAll(string(v.Pack()), `"`+group+`"`, `"`+group+`-renamed"`)
			nv, err := hujson.Parse([]byte(text))
			if err != nil {
				panic(err)
			}
			*v = nv
			return true
		}
		return false
	}},
}

// standard returns v as standard JSON, leaving v as it is.
func standard(v *hujson.Value) []byte {
	c := v.Clone()
	c.Standardize()
	return c.Pack()
}

// entryAt returns the value at the first array index along ptr in doc: the entry a finding points
// into. Without an index, it returns nil.
func entryAt(doc any, ptr string) any {
	cur := doc
	for _, tok := range source.Tokens(ptr) {
		switch x := cur.(type) {
		case map[string]any:
			cur = x[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			return x[i]
		default:
			return nil
		}
	}
	return nil
}

func member(v *hujson.Value, key string) *hujson.ObjectMember {
	obj, ok := v.Value.(*hujson.Object)
	if !ok {
		return nil
	}
	for i := range obj.Members {
		if name, ok := obj.Members[i].Name.Value.(hujson.Literal); ok && name.String() == key {
			return &obj.Members[i]
		}
	}
	return nil
}

func walk(v *hujson.Value, fn func(*hujson.ObjectMember)) {
	switch x := v.Value.(type) {
	case *hujson.Object:
		for i := range x.Members {
			fn(&x.Members[i])
			walk(&x.Members[i].Value, fn)
		}
	case *hujson.Array:
		for i := range x.Elements {
			walk(&x.Elements[i], fn)
		}
	}
}

// TestFingerprintsSurviveTypicalEdits edits real policy files the way pull requests do and checks
// that every finding of the original is still there, unchanged, and that an edit adds findings only
// where it adds something: the inserted rule.
func TestFingerprintsSurviveTypicalEdits(t *testing.T) {
	dir := sharedcorpus.Require(t, "corpus/policies")
	paths, err := filepath.Glob(filepath.Join(dir, "*.hujson"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no corpus policies in %s: %v", dir, err)
	}
	ctx := context.Background()
	eng, err := engine.New(ctx, engine.WithBuiltinRules(policies.FS))
	if err != nil {
		t.Fatal(err)
	}
	evaluate := func(t *testing.T, name string, src []byte) *finding.Report {
		t.Helper()
		pol, err := policyfile.Parse(name, src)
		if err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		rep, err := eng.Evaluate(ctx, engine.Input{Policy: pol, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	checked := map[string]int{}
	for _, path := range paths {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := policyfile.Parse(path, src); err != nil {
			continue // the corpus keeps a few files Tailscale rejects; they have no findings to keep
		}
		base := evaluate(t, "base.hujson", src)
		for _, e := range typicalEdits {
			t.Run(filepath.Base(path)+"/"+e.name, func(t *testing.T) {
				v, err := hujson.Parse(slices.Clone(src)) // Format edits in place
				if err != nil {
					t.Skipf("hujson: %v", err)
				}
				if !e.apply(&v, base.Findings) {
					t.Skip("nothing to edit in this file")
				}
				head := evaluate(t, "head.hujson", v.Pack())
				engine.Compare(base, head)
				for _, f := range head.Baseline.Fixed {
					t.Errorf("%s lost a finding of the original: %s %s (%s)", e.name, f.Rule.ID, f.Message, f.Location)
				}
				for _, f := range head.Findings {
					if f.Baseline != finding.BaselineNew {
						continue
					}
					if e.name == "insert_rule_above" && (strings.Contains(f.Message, "acls[0]") || f.Location != nil && strings.HasPrefix(f.Location.Path, "/acls/0")) {
						continue // about the inserted rule
					}
					t.Errorf("%s made a finding new: %s %s (%s)", e.name, f.Rule.ID, f.Message, f.Location)
				}
				checked[e.name]++
			})
		}
	}
	for _, e := range typicalEdits {
		if checked[e.name] == 0 {
			t.Errorf("no corpus file had anything for %s to edit", e.name)
		}
	}
}

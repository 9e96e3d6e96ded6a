package main

import (
	"context"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/spf13/cobra"
)

// parseCase is a command line and the options it must give the command's run function.
type parseCase[O any] struct {
	name string
	args string // split on spaces
	want *O     // nil: the command line is refused and the run function is not called
}

// testParse builds a command with a run function that records its options, runs each case's
// arguments through it, and compares what the run function was given.
func testParse[O any](t *testing.T, newCmd func(*iostreams, func(context.Context, *O) error) *cobra.Command, cases []parseCase[O]) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			s := &iostreams{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard}
			var got *O
			cmd := newCmd(s, func(_ context.Context, o *O) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tt.args))
			cmd.SetOut(io.Discard)
			cmd.SetErr(io.Discard)
			cmd.SilenceUsage, cmd.SilenceErrors = true, true
			err := cmd.ExecuteContext(context.Background())
			if tt.want == nil {
				if err == nil || got != nil {
					t.Errorf("%q: error %v, run function called: %v; want the command line refused", tt.args, err, got != nil)
				}
				return
			}
			if err != nil {
				t.Fatalf("%q: %v", tt.args, err)
			}
			if got == nil {
				t.Fatalf("%q: the run function was not called", tt.args)
			}
			if io := reflect.ValueOf(got).Elem().FieldByName("IO").Interface(); io != s {
				t.Errorf("%q: options carry streams %v, not the command's", tt.args, io)
			}
			ignoreIO := cmp.FilterPath(func(p cmp.Path) bool {
				f, ok := p.Last().(cmp.StructField)
				return ok && f.Name() == "IO"
			}, cmp.Ignore())
			if d := cmp.Diff(tt.want, got, ignoreIO, cmpopts.EquateEmpty(), cmp.Exporter(func(reflect.Type) bool { return true })); d != "" {
				t.Errorf("%q: options (-want +got):\n%s", tt.args, d)
			}
		})
	}
}

func TestCheckArgs(t *testing.T) {
	testParse(t, newCheckCmd, []parseCase[checkOptions]{
		{"policy", "p.hujson", &checkOptions{Policy: "p.hujson", Formats: []string{"text"}, FailOn: "high"}},
		{"stdin", "-", &checkOptions{Policy: "-", Formats: []string{"text"}, FailOn: "high"}},
		{"snapshot_only", "--snapshot s.json", &checkOptions{Snapshot: "s.json", Formats: []string{"text"}, FailOn: "high"}},
		{"every_flag", "p.hujson --snapshot s.json -f github -f sarif=out.sarif --fail-on medium -v --rules r1 --rules r2 --config c.hujson --allow-network-builtins --no-builtin --timeout 1m --rule-timeout 10s",
			&checkOptions{Policy: "p.hujson", Snapshot: "s.json", Formats: []string{"github", "sarif=out.sarif"}, FailOn: "medium", failOnOK: true, Verbose: true,
				Rules: ruleSource{Dirs: []string{"r1", "r2"}, ConfigPath: "c.hujson", AllowNetwork: true, NoBuiltin: true, Limits: evalLimits{Timeout: time.Minute, RuleTimeout: 10 * time.Second}}}},
		{"nothing_to_check", "", nil},
		{"two_policies", "a.hujson b.hujson", nil},
		{"unknown_flag", "p.hujson --fial-on low", nil},
		{"unknown_format", "p.hujson -f yaml", nil},
		{"unknown_format_with_file", "p.hujson -f text -f yaml=out.yaml", nil},
	})
}

func TestTestArgs(t *testing.T) {
	testParse(t, newTestCmd, []parseCase[testOptions]{
		{"builtin", "", &testOptions{Format: "text"}},
		{"dirs", "./rules ./more", &testOptions{Dirs: []string{"./rules", "./more"}, Format: "text"}},
		{"threshold_means_coverage", "./rules --threshold 80", &testOptions{Dirs: []string{"./rules"}, Coverage: true, Threshold: 80, Format: "text"}},
		{"every_flag", "./rules --builtin --run ^test_a -v --coverage -f json --timeout 5s --rule-timeout 1s --rules r --config c.hujson",
			&testOptions{Dirs: []string{"./rules"}, Builtin: true, Run: "^test_a", Verbose: true, Coverage: true, Format: "json",
				Rules: ruleSource{Dirs: []string{"r"}, ConfigPath: "c.hujson", Limits: evalLimits{Timeout: 5 * time.Second, RuleTimeout: time.Second}}}},
		{"format_upper_case", "-f JSON", &testOptions{Format: "json"}},
		{"unknown_format", "-f pretty", nil},
		{"threshold_above_100", "--threshold 101", nil},
		{"threshold_negative", "--threshold -1", nil},
	})
}

func TestRulesListArgs(t *testing.T) {
	testParse(t, newRulesListCmd, []parseCase[rulesListOptions]{
		{"plain", "", &rulesListOptions{Format: "text"}},
		{"json_custom_only", "-f json --rules ./rules --no-builtin", &rulesListOptions{Format: "json", Rules: ruleSource{Dirs: []string{"./rules"}, NoBuiltin: true}}},
		{"long_flag", "--format json", &rulesListOptions{Format: "json"}},
		{"unknown_format", "-f yaml", nil},
		{"json_flag_is_gone", "--json", nil},
		{"an_argument", "TA-SSH-001", nil},
	})
}

func TestRulesShowArgs(t *testing.T) {
	testParse(t, newRulesShowCmd, []parseCase[rulesShowOptions]{
		{"id", "TA-SSH-001", &rulesShowOptions{ID: "TA-SSH-001", Format: "text"}},
		{"json_with_config", "acme-1 -f json --config c.hujson", &rulesShowOptions{ID: "acme-1", Format: "json", Rules: ruleSource{ConfigPath: "c.hujson"}}},
		{"unknown_format", "TA-SSH-001 -f sarif", nil},
		{"no_id", "", nil},
		{"two_ids", "TA-SSH-001 TA-SSH-002", nil},
	})
}

func TestFrameworksListArgs(t *testing.T) {
	testParse(t, newFrameworksListCmd, []parseCase[frameworksListOptions]{
		{"plain", "", &frameworksListOptions{Format: "text"}},
		{"json", "-f json", &frameworksListOptions{Format: "json"}},
		{"unknown_format", "-f csv", nil},
		{"an_argument", "soc2", nil},
	})
}

func TestFrameworksShowArgs(t *testing.T) {
	testParse(t, newFrameworksShowCmd, []parseCase[frameworksShowOptions]{
		{"id", "soc2", &frameworksShowOptions{ID: "soc2", Format: "text"}},
		{"json", "pci-dss -f json", &frameworksShowOptions{ID: "pci-dss", Format: "json"}},
		{"unknown_format", "soc2 --format yaml", nil},
		{"no_id", "", nil},
	})
}

func TestCollectArgs(t *testing.T) {
	testParse(t, newCollectCmd, []parseCase[collectOptions]{
		{"output", "-o s.json", &collectOptions{Output: "s.json"}},
		{"every_flag", "-o - --tailnet acme.example --base-url http://127.0.0.1:1 --events-since 7d --events-out e.jsonl",
			&collectOptions{Output: "-", Tailnet: "acme.example", BaseURL: "http://127.0.0.1:1", EventsSince: "7d", EventsOut: "e.jsonl"}},
		{"an_argument", "-o s.json extra", nil},
	})
}

func TestExplainArgs(t *testing.T) {
	testParse(t, newExplainCmd, []parseCase[explainOptions]{
		{"src", "p.hujson --src group:contractors", &explainOptions{Policy: "p.hujson", Src: "group:contractors", Format: "text"}},
		{"node", "p.hujson --snapshot s.json --node db-1 -f json", &explainOptions{Policy: "p.hujson", Snapshot: "s.json", Node: "db-1", Format: "json"}},
		{"nothing_to_explain", "p.hujson", nil},
		{"node_without_snapshot", "p.hujson --node db-1", nil},
		{"unknown_format", "p.hujson --src group:a -f yaml", nil},
		{"no_policy", "--src group:a", nil},
		{"dst_json", "p.hujson --dst tag:db -f json", &explainOptions{Policy: "p.hujson", Dst: "tag:db", Format: "json"}},
		{"src_and_dst", "--src group:eng p.hujson --dst tag:db", &explainOptions{Policy: "p.hujson", Src: "group:eng", Dst: "tag:db", Format: "text"}},
		{"dst_device", "p.hujson --snapshot s.json --dst db-1", &explainOptions{Policy: "p.hujson", Snapshot: "s.json", Dst: "db-1", Format: "text"}},
		{"stdin", "- --dst tag:ci", &explainOptions{Policy: "-", Dst: "tag:ci", Format: "text"}},
		{"no_arguments", "", nil},
		{"node_with_dst", "p.hujson --snapshot s.json --node db-1 --dst tag:ci", nil},
		{"two_policies", "a.hujson b.hujson --dst tag:ci", nil},
	})
}

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/tailaudit/tailaudit/internal/output"
	"github.com/tailaudit/tailaudit/internal/synth"
	"github.com/tailaudit/tailaudit/policies"
)

// BenchmarkPeers times tailaudit against OPA running the same rules on the same input, whole
// process, in paired runs: each round runs both, in alternating order, so that the machine's load
// falls on both alike. The peer is OPA's own opa command (the version in go.mod, the one `go tool
// opa` runs) with tailaudit's tailscale.* built-ins registered (testdata/opapeer): the built-in
// rules call them, and stock opa cannot compile those rules at all, so this is OPA wired by hand,
// as a user without tailaudit would have to. It evaluates the built-in rule files (tests left out,
// as tailaudit leaves them out) with one query, an object of every deny, warn and manual set of
// the rule packages whose input document is present, over the document `check --print-input`
// prints. Before timing, the results of both are checked equal (the messages of every fail, warn
// and manual finding, against every result OPA returns).
//
// It reports, per input, the medians of wall time and of CPU time (user + system, which the
// machine's other load inflates less) for each, and the ratios opa/tailaudit of both; and the floor:
// tailaudit's check --print-input (start, read and check the input, write it) against opa eval of a
// query that only reads the input. -benchtime Nx runs N rounds.
func BenchmarkPeers(b *testing.B) {
	bin := buildBinary(b)
	peer := buildPeer(b)
	rules := peerRules(b)
	demo, err := filepath.Abs(demoPolicy)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		input func(dir string) []string // writes the input, returns check's arguments for it
	}{
		{"demo_policy", func(string) []string { return []string{demo} }},
		{"rules=10000", func(dir string) []string {
			return []string{writeInput(b, dir, "policy.hujson", synth.Policy(1, 10000))}
		}},
		{"devices=50000", func(dir string) []string {
			snap, err := json.Marshal(synth.Snapshot(1, 50000, 5000, 2000))
			if err != nil {
				b.Fatal(err)
			}
			return []string{"--snapshot", writeInput(b, dir, "snapshot.json", snap)}
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			dir, runDir := b.TempDir(), b.TempDir()
			args := c.input(dir)
			printed, _ := runPeer(b, runDir, bin, append([]string{"check", "--print-input"}, args...), true)
			var doc map[string]any
			dec := json.NewDecoder(bytes.NewReader(printed))
			dec.UseNumber()
			if err := dec.Decode(&doc); err != nil {
				b.Fatal(err)
			}
			check := append(append([]string{"check"}, args...), "-f", "json")
			ours, _ := runPeer(b, runDir, bin, check, true)
			// Both judge the same moment: the input gets the clock of the check it is compared with,
			// or a device last seen 90 days ago could be on either side of a limit.
			var at struct{ GeneratedAt time.Time }
			if err := json.Unmarshal(ours, &at); err != nil {
				b.Fatal(err)
			}
			doc["now"] = at.GeneratedAt.UTC().Format(time.RFC3339)
			same, err := json.Marshal(doc)
			if err != nil {
				b.Fatal(err)
			}
			inputPath := writeInput(b, dir, "input.json", same)
			eval := []string{"eval", "--format", "json", "-i", inputPath, "-d", rules.dir, rules.query(doc)}
			theirs, _ := runPeer(b, runDir, peer, eval, true)
			n := sameResults(b, ours, theirs)

			floorOurs := append([]string{"check", "--print-input"}, args...)
			floorTheirs := []string{"eval", "--format", "json", "-i", inputPath, "count(input) >= 0"}
			var ta, opa, taFloor, opaFloor runTimes
			round := 0
			for b.Loop() {
				pair := []func(){
					func() { ta.add(runPeer(b, runDir, bin, check, false)) },
					func() { opa.add(runPeer(b, runDir, peer, eval, false)) },
				}
				floors := []func(){
					func() { taFloor.add(runPeer(b, runDir, bin, floorOurs, false)) },
					func() { opaFloor.add(runPeer(b, runDir, peer, floorTheirs, false)) },
				}
				if round%2 == 1 {
					slices.Reverse(pair)
					slices.Reverse(floors)
				}
				for _, f := range append(pair, floors...) {
					f()
				}
				round++
			}
			b.ReportMetric(float64(n), "results")
			for _, m := range []struct {
				unit string
				t    *runTimes
			}{{"ta", &ta}, {"opa", &opa}, {"ta-floor", &taFloor}, {"opa-floor", &opaFloor}} {
				b.ReportMetric(ms(m.t.wallMedian()), m.unit+"-wall-ms")
				b.ReportMetric(ms(m.t.cpuMedian()), m.unit+"-cpu-ms")
			}
			b.ReportMetric(float64(opa.wallMedian())/float64(ta.wallMedian()), "opa/ta-wall")
			b.ReportMetric(float64(opa.cpuMedian())/float64(ta.cpuMedian()), "opa/ta-cpu")
		})
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// runTimes are the wall and CPU times of the timed runs of one command.
type runTimes struct{ wall, cpu []time.Duration }

func (r *runTimes) add(_ []byte, t [2]time.Duration) {
	r.wall = append(r.wall, t[0])
	r.cpu = append(r.cpu, t[1])
}

func (r *runTimes) wallMedian() time.Duration { return median(r.wall) }
func (r *runTimes) cpuMedian() time.Duration  { return median(r.cpu) }

func median(ds []time.Duration) time.Duration {
	s := slices.Sorted(slices.Values(ds))
	if len(s)%2 == 0 {
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return s[len(s)/2]
}

// runPeer runs bin with args in dir and returns its stdout (when keep; otherwise it goes to the
// null device) and its wall and CPU (user + system) time. Exit codes 0 and 1 are both normal.
func runPeer(b *testing.B, dir, bin string, args []string, keep bool) ([]byte, [2]time.Duration) {
	b.Helper()
	cmd := exec.Command(bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Dir, cmd.Stderr = dir, &stderr
	if keep {
		cmd.Stdout = &stdout
	}
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 1 {
		err = nil
	}
	if err != nil {
		b.Fatalf("%s %.200v: %v\n%s", filepath.Base(bin), args, err, stderr.Bytes())
	}
	return stdout.Bytes(), [2]time.Duration{wall, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}
}

// buildPeer builds testdata/opapeer, OPA's opa command with the tailscale.* built-ins.
func buildPeer(b *testing.B) string {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "opa")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	build := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, "./testdata/opapeer")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build ./testdata/opapeer: %v\n%s", err, out)
	}
	return bin
}

// peerRuleSet is the built-in rules written out for opa: their directory, and the result sets
// of every rule package.
type peerRuleSet struct {
	dir  string
	sets map[string][]string // package (tailaudit.policy.x) → deny, warn, manual, as it defines them
}

// peerRules writes every built-in rule module but the tests into a directory.
func peerRules(b *testing.B) peerRuleSet {
	b.Helper()
	rs := peerRuleSet{dir: b.TempDir(), sets: map[string][]string{}}
	err := fs.WalkDir(policies.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".rego" || strings.HasSuffix(p, "_test.rego") {
			return err
		}
		src, err := fs.ReadFile(policies.FS, p)
		if err != nil {
			return err
		}
		dst := filepath.Join(rs.dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, src, 0o644); err != nil {
			return err
		}
		m, err := ast.ParseModuleWithOpts(p, string(src), ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			return err
		}
		pkg := strings.TrimPrefix(m.Package.Path.String(), "data.")
		for _, r := range m.Rules {
			name := r.Head.Ref()[0].Value.(ast.Var).String()
			if (name == "deny" || name == "warn" || name == "manual") && !slices.Contains(rs.sets[pkg], name) {
				rs.sets[pkg] = append(rs.sets[pkg], name)
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return rs
}

// query is one query for every result set of the rule packages whose document doc has: an object
// from "package.set" to the set.
func (rs peerRuleSet) query(doc map[string]any) string {
	var members []string
	for _, pkg := range slices.Sorted(maps.Keys(rs.sets)) {
		ns := strings.Split(pkg, ".")
		if len(ns) < 3 || ns[0] != "tailaudit" || ns[1] == "lib" || ns[1] == "alerts" {
			continue
		}
		if _, present := doc[ns[1]]; !present {
			continue
		}
		for _, set := range rs.sets[pkg] {
			members = append(members, fmt.Sprintf("%q: data.%s.%s", pkg+"."+set, pkg, set))
		}
	}
	return "{" + strings.Join(members, ", ") + "}"
}

// effectiveOn is what tailaudit adds to the message of a failure it reports as a warning until
// the rule takes effect.
var effectiveOn = regexp.MustCompile(` \(reported as a warning until the rule takes effect on [0-9-]+\)$`)

// sameResults checks that tailaudit's report (check -f json) and OPA's output (eval --format json
// of the peer query) hold the same results, compared by message, and returns how many.
func sameResults(b *testing.B, report, evalOut []byte) int {
	b.Helper()
	var rep struct {
		Findings []json.RawMessage `json:"findings"`
	}
	if err := json.Unmarshal(report, &rep); err != nil {
		b.Fatalf("tailaudit report: %v", err)
	}
	// Findings of one cause come as one entry (aggregation, on by default as users run it); OPA
	// gives each result, so the entries are expanded back to one finding each to compare.
	each, err := output.ExpandFindings(rep.Findings)
	if err != nil {
		b.Fatalf("tailaudit report: %v", err)
	}
	var ours []string
	for _, raw := range each {
		var f struct {
			Result  string `json:"result"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal(raw, &f); err != nil {
			b.Fatalf("tailaudit report: %v", err)
		}
		switch f.Result {
		case "fail", "warn", "manual", "waived":
			ours = append(ours, effectiveOn.ReplaceAllString(f.Message, ""))
		case "error":
			b.Fatalf("tailaudit reported an error result: %s", f.Message)
		}
	}
	var out struct {
		Result []struct {
			Expressions []struct {
				Value map[string][]any `json:"value"`
			} `json:"expressions"`
		} `json:"result"`
	}
	if err := json.Unmarshal(evalOut, &out); err != nil || len(out.Result) != 1 || len(out.Result[0].Expressions) != 1 {
		b.Fatalf("opa eval output (%v): %.500s", err, evalOut)
	}
	var theirs []string
	for _, set := range out.Result[0].Expressions[0].Value {
		for _, r := range set {
			switch x := r.(type) {
			case string:
				theirs = append(theirs, x)
			case map[string]any:
				msg, _ := x["msg"].(string)
				theirs = append(theirs, msg)
			}
		}
	}
	slices.Sort(ours)
	slices.Sort(theirs)
	if !slices.Equal(ours, theirs) {
		onlyOurs, onlyTheirs := difference(ours, theirs), difference(theirs, ours)
		b.Fatalf("tailaudit has %d results, opa %d; only tailaudit's (first 5): %q; only opa's (first 5): %q",
			len(ours), len(theirs), onlyOurs[:min(5, len(onlyOurs))], onlyTheirs[:min(5, len(onlyTheirs))])
	}
	return len(ours)
}

// difference returns the elements of a (sorted) not matched by one of b (sorted), with repeats.
func difference(a, b []string) []string {
	var out []string
	i := 0
	for _, s := range a {
		for i < len(b) && b[i] < s {
			i++
		}
		if i < len(b) && b[i] == s {
			i++
			continue
		}
		out = append(out, s)
	}
	return out
}

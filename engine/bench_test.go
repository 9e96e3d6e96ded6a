package engine

// This file is an internal test so that the naive counterpart can register the same tailscale.*
// built-ins as the engine and give rules the same input document (Document).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/engine/policyfile"
	"github.com/tailaudit/tailaudit/engine/tailnet"
	"github.com/tailaudit/tailaudit/internal/synth"
	"github.com/tailaudit/tailaudit/policies"
)

// The benchmarks below report; they never assert how fast anything is. Each compares the engine
// (one compiled bundle, one prepared query per input document, input converted to ast.Value once)
// with the naive way conftest works: one prepared query per rule package and result set, each
// evaluated with the raw Go map as input, so OPA converts the input once per query.

var benchRuleCounts = []int{100, 1000, 10000}

// Sizes of the large snapshot: devices, users, keys.
const snapDevices, snapUsers, snapKeys = 50000, 5000, 2000

func BenchmarkParse(b *testing.B) {
	for _, n := range benchRuleCounts {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			src := synth.Policy(1, n)
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := policyfile.Parse("policy.hujson", src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCheck(b *testing.B) {
	ctx := context.Background()
	eng := builtinEngine(b)
	for _, n := range benchRuleCounts {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			in := Input{Policy: benchPolicy(b, n), Now: benchNow}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := eng.Evaluate(ctx, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkNaive(b *testing.B) {
	ctx := context.Background()
	eng := builtinEngine(b)
	nv := naiveFor(b, "tailaudit.policy.")
	for _, n := range benchRuleCounts {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			input := naiveInput(b, eng, Input{Policy: benchPolicy(b, n), Now: benchNow})
			b.ReportAllocs()
			for b.Loop() {
				if _, err := nv.eval(ctx, input); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRatio times the engine and the naive way in the same iterations, alternating which goes
// first, and reports naive time / engine time as x-faster.
func BenchmarkRatio(b *testing.B) {
	eng := builtinEngine(b)
	nv := naiveFor(b, "tailaudit.policy.")
	for _, n := range benchRuleCounts {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			pol := benchPolicy(b, n)
			in := Input{Policy: pol, Now: benchNow}
			found := checkSameFindings(b, eng, nv, in)
			ratio(b, eng, nv, in)
			b.ReportMetric(float64(found), "findings")
		})
	}
}

// BenchmarkSnapshot evaluates a 50,000-device snapshot with every tailnet rule. The snapshot is
// generated inside the benchmark, so plain go test never builds it.
func BenchmarkSnapshot(b *testing.B) {
	ctx := context.Background()
	name := fmt.Sprintf("devices=%d", snapDevices)
	b.Run(name+"/engine", func(b *testing.B) {
		eng := builtinEngine(b)
		in := Input{Tailnet: benchSnapshot(b), Now: snapNow(b)}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := eng.Evaluate(ctx, in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run(name+"/naive", func(b *testing.B) {
		eng := builtinEngine(b)
		nv := naiveFor(b, "tailaudit.tailnet.")
		input := naiveInput(b, eng, Input{Tailnet: benchSnapshot(b), Now: snapNow(b)})
		b.ReportAllocs()
		for b.Loop() {
			if _, err := nv.eval(ctx, input); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run(name+"/ratio", func(b *testing.B) {
		eng := builtinEngine(b)
		nv := naiveFor(b, "tailaudit.tailnet.")
		in := Input{Tailnet: benchSnapshot(b), Now: snapNow(b)}
		found := checkSameFindings(b, eng, nv, in)
		ratio(b, eng, nv, in)
		b.ReportMetric(float64(found), "findings")
	})
}

// ratio runs the engine and the naive evaluation in every iteration and reports their times and
// naive/engine as x-faster. Both are given the same parsed documents; the input map is built
// outside the timed part, as the engine's policy is parsed outside it.
func ratio(b *testing.B, eng *Engine, nv *naive, in Input) {
	b.Helper()
	ctx := context.Background()
	var engT, naiveT time.Duration
	runEngine := func() {
		start := time.Now()
		if _, err := eng.Evaluate(ctx, in); err != nil {
			b.Fatal(err)
		}
		engT += time.Since(start)
	}
	input := naiveInput(b, eng, in)
	runNaive := func() {
		start := time.Now()
		if _, err := nv.eval(ctx, input); err != nil {
			b.Fatal(err)
		}
		naiveT += time.Since(start)
	}
	i := 0
	for b.Loop() {
		if i%2 == 0 {
			runEngine()
			runNaive()
		} else {
			runNaive()
			runEngine()
		}
		i++
	}
	b.ReportMetric(float64(engT.Nanoseconds())/float64(i), "engine-ns/op")
	b.ReportMetric(float64(naiveT.Nanoseconds())/float64(i), "naive-ns/op")
	b.ReportMetric(naiveT.Seconds()/engT.Seconds(), "x-faster")
}

// checkSameFindings fails the benchmark when the engine and the naive way disagree on how many
// deny and warn results the rules produce: a correctness check, outside the timed loop. It returns
// the count.
func checkSameFindings(b *testing.B, eng *Engine, nv *naive, in Input) int {
	b.Helper()
	ctx := context.Background()
	rep, err := eng.Evaluate(ctx, in)
	if err != nil {
		b.Fatal(err)
	}
	got := 0
	for _, f := range rep.Findings {
		switch f.Result {
		case finding.Fail, finding.Warn, finding.Waived:
			got++
		case finding.Error:
			b.Fatalf("engine: %s: %s", f.Rule.ID, f.Message)
		}
	}
	want, err := nv.eval(ctx, naiveInput(b, eng, in))
	if err != nil {
		b.Fatal(err)
	}
	if got != want {
		b.Fatalf("engine found %d deny and warn results, the naive way %d", got, want)
	}
	return got
}

var benchNow = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func snapNow(b *testing.B) time.Time {
	t, err := time.Parse(time.RFC3339, synth.CollectedAt)
	if err != nil {
		b.Fatal(err)
	}
	return t
}

func builtinEngine(b *testing.B) *Engine {
	b.Helper()
	eng, err := New(context.Background(), WithBuiltinRules(policies.FS))
	if err != nil {
		b.Fatal(err)
	}
	return eng
}

func benchPolicy(b *testing.B, rules int) *policyfile.File {
	b.Helper()
	f, err := policyfile.Parse("policy.hujson", synth.Policy(1, rules))
	if err != nil {
		b.Fatal(err)
	}
	return f
}

// naiveInput is the input document the engine builds, as the plain Go map the naive way passes.
func naiveInput(b *testing.B, eng *Engine, in Input) map[string]any {
	b.Helper()
	doc, err := Document(in)
	if err != nil {
		b.Fatal(err)
	}
	return doc
}

// benchSnapshot is the large synthetic snapshot as the CLI holds it: written as JSON and read back
// with tailnet.Decode, so numbers are json.Number and arrays []any.
func benchSnapshot(b *testing.B) *tailnet.Snapshot {
	b.Helper()
	raw, err := json.Marshal(synth.Snapshot(1, snapDevices, snapUsers, snapKeys))
	if err != nil {
		b.Fatal(err)
	}
	snap, err := tailnet.Decode("synth.json", bytes.NewReader(raw))
	if err != nil {
		b.Fatal(err)
	}
	return snap
}

// naive evaluates rules the way conftest does: a query per rule package and result set.
type naive struct {
	queries []rego.PreparedEvalQuery
	names   []string // data.<pkg>.<set> of each query
}

// eval runs every query with the raw input map and returns the number of results.
func (nv *naive) eval(ctx context.Context, input map[string]any) (int, error) {
	n := 0
	for _, q := range nv.queries {
		rs, err := q.Eval(ctx, rego.EvalInput(input))
		if err != nil {
			return 0, err
		}
		if len(rs) > 0 && len(rs[0].Expressions) > 0 {
			set, _ := rs[0].Expressions[0].Value.([]any)
			n += len(set)
		}
	}
	return n, nil
}

// naiveCache keeps the naive queries per namespace for the whole run: preparing them compiles
// every module once per query, which takes seconds and is not what is measured.
var naiveCache sync.Map // namespace prefix → func() (*naive, error)

func naiveFor(b *testing.B, prefix string) *naive {
	b.Helper()
	build, _ := naiveCache.LoadOrStore(prefix, sync.OnceValues(func() (*naive, error) { return newNaive(prefix) }))
	nv, err := build.(func() (*naive, error))()
	if err != nil {
		b.Fatal(err)
	}
	return nv
}

// newNaive prepares data.<pkg>.deny (and data.<pkg>.warn where defined) for every rule package
// under prefix, each query compiling all the built-in modules as Rego v1.
func newNaive(prefix string) (*naive, error) {
	var modules []func(*rego.Rego)
	for _, f := range tailscaleFunctions() { // the custom built-ins some rules call
		modules = append(modules, rego.FunctionDyn(f.Decl, f.Impl))
	}
	sets := map[string][]string{} // package → result sets it defines
	err := fs.WalkDir(policies.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".rego" || strings.HasSuffix(p, "_test.rego") {
			return err
		}
		src, err := fs.ReadFile(policies.FS, p)
		if err != nil {
			return err
		}
		modules = append(modules, rego.Module(p, string(src)))
		m, err := ast.ParseModuleWithOpts(p, string(src), ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			return err
		}
		pkg := strings.TrimPrefix(m.Package.Path.String(), "data.")
		if !strings.HasPrefix(pkg, prefix) {
			return nil
		}
		for _, r := range m.Rules {
			name := r.Head.Ref()[0].Value.(ast.Var).String()
			if (name == "deny" || name == "warn") && !slices.Contains(sets[pkg], name) {
				sets[pkg] = append(sets[pkg], name)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	nv := &naive{}
	for _, pkg := range slices.Sorted(maps.Keys(sets)) {
		for _, set := range sets[pkg] {
			opts := append([]func(*rego.Rego){rego.Query("data." + pkg + "." + set), rego.SetRegoVersion(ast.RegoV1)}, modules...)
			pq, err := rego.New(opts...).PrepareForEval(context.Background())
			if err != nil {
				return nil, fmt.Errorf("prepare data.%s.%s: %w", pkg, set, err)
			}
			nv.queries = append(nv.queries, pq)
			nv.names = append(nv.names, "data."+pkg+"."+set)
		}
	}
	return nv, nil
}

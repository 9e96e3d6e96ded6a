package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/types"

	"github.com/tailaudit/tailaudit/internal/access"
	"github.com/tailaudit/tailaudit/internal/tailnet"
)

// tailscaleFunctions are the Rego built-ins that answer questions with Tailscale's own semantics.
// Each takes as its first argument either the policy document (input.policy) or the whole input, in
// which case a snapshot in input.tailnet lets selectors name devices and resolve to real nodes.
//
//	tailscale.validate(doc)                  [{path, message}]: what Tailscale would reject
//	tailscale.test_results(doc)              [{path, src, dst, want, got, passed, message}]
//	tailscale.reachable(doc, src, dst, port) true when src may connect to dst on port
//	tailscale.reach(doc, src, dst, port)     {allowed, because: [path]}: the rules that allow it
//	tailscale.resolve(doc, selector)         {nodes, prefixes}: what a selector stands for
//
// port is a number (TCP or UDP) or a string such as "tcp:443", "udp:53" or "icmp".
func tailscaleFunctions() []Function {
	doc := types.NewObject(nil, types.NewDynamicProperty(types.S, types.A))
	port := types.NewAny(types.N, types.S)
	// Not Memoize: OPA keys its memo on the arguments printed as text, and the first argument is the
	// whole policy, so every call would print the policy (seconds per check at 10,000 rules).
	// compiled already keeps the costly part, the compiled policy, once per evaluation.
	fn := func(name, desc string, args []types.Type, result types.Type, impl rego.BuiltinDyn) Function {
		return Function{Decl: &rego.Function{Name: name, Description: desc, Decl: types.NewFunction(args, result)}, Impl: impl}
	}
	return []Function{
		fn("tailscale.validate", "what Tailscale would reject in the policy, with JSON paths",
			types.Args(doc), types.NewArray(nil, types.A), builtinValidate),
		fn("tailscale.test_results", "the outcome of every tests and sshTests assertion",
			types.Args(doc), types.NewArray(nil, types.A), builtinTestResults),
		fn("tailscale.reachable", "whether src may connect to dst on port",
			types.Args(doc, types.S, types.S, port), types.B, builtinReachable),
		fn("tailscale.reach", "whether src may connect to dst on port, and the rules that allow it",
			types.Args(doc, types.S, types.S, port), types.A, builtinReach),
		fn("tailscale.resolve", "the nodes and addresses a selector stands for",
			types.Args(doc, types.S), types.A, builtinResolve),
	}
}

// compiledPolicy is a policy compiled for the built-ins, with the topology of the snapshot beside it.
type compiledPolicy struct {
	policy  *access.Policy
	errs    []access.Error
	topo    *access.Topology // nil without a snapshot
	devices map[string]string
}

type compiledKey struct{ doc ast.Value }

// compiled returns the policy the first argument names, compiling it once per evaluation.
func compiled(bctx rego.BuiltinContext, arg *ast.Term) (*compiledPolicy, error) {
	obj, ok := arg.Value.(ast.Object)
	if !ok {
		return nil, fmt.Errorf("want the policy document or input, got %s", ast.ValueName(arg.Value))
	}
	if shared := sharedPolicyFrom(bctx.Context); shared != nil {
		if c, ok := shared.lookup(obj); ok {
			return c, nil
		}
	}
	key := compiledKey{obj}
	if bctx.Cache != nil {
		if c, ok := bctx.Cache.Get(key); ok {
			return c.(*compiledPolicy), nil
		}
	}
	polValue, tailnetValue := ast.Value(obj), ast.Value(nil)
	if p := obj.Get(ast.InternedTerm("policy")); p != nil {
		polValue = p.Value
		if t := obj.Get(ast.InternedTerm("tailnet")); t != nil {
			tailnetValue = t.Value
		}
	}
	polDoc, ok := toGo(polValue).(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the policy document is not an object")
	}
	c := &compiledPolicy{}
	c.policy, c.errs = access.Compile(polDoc)
	if tailnetValue != nil {
		snap, _ := toGo(tailnetValue).(map[string]any)
		c.topo, c.devices = tailnet.Topology(snap)
	}
	if bctx.Cache != nil {
		bctx.Cache.Put(key, c)
	}
	return c, nil
}

// sharedPolicy compiles the evaluated input's policy once for all the queries of one Evaluate, from
// the Go documents the engine already holds, instead of once per query from Rego values.
type sharedPolicy struct {
	policyValue, inputValue ast.Value // input.policy and input, as the queries see them
	doc                     map[string]any
	snapshot                map[string]any // nil without a snapshot

	policyOnce, inputOnce sync.Once
	policy, withSnapshot  *compiledPolicy
}

type sharedPolicyKey struct{}

// withSharedPolicy prepares the policy of in, whose Rego form is input, for the built-ins.
func withSharedPolicy(ctx context.Context, input ast.Value, in Input) context.Context {
	obj, ok := input.(ast.Object)
	if !ok || in.Policy == nil {
		return ctx
	}
	p := obj.Get(ast.InternedTerm("policy"))
	if p == nil {
		return ctx
	}
	sp := &sharedPolicy{policyValue: p.Value, inputValue: input, doc: in.Policy.Doc}
	if in.Tailnet != nil {
		sp.snapshot = in.Tailnet.Raw
	}
	return context.WithValue(ctx, sharedPolicyKey{}, sp)
}

func sharedPolicyFrom(ctx context.Context) *sharedPolicy {
	if ctx == nil {
		return nil
	}
	sp, _ := ctx.Value(sharedPolicyKey{}).(*sharedPolicy)
	return sp
}

// lookup returns the compiled policy when arg is the evaluated input or its policy; the same Rego
// value reaches every query, so pointer identity is enough.
func (sp *sharedPolicy) lookup(arg ast.Value) (*compiledPolicy, bool) {
	switch arg {
	case sp.policyValue:
		sp.policyOnce.Do(func() {
			sp.policy = &compiledPolicy{}
			sp.policy.policy, sp.policy.errs = access.Compile(sp.doc)
		})
		return sp.policy, true
	case sp.inputValue:
		sp.inputOnce.Do(func() {
			sp.withSnapshot = &compiledPolicy{}
			sp.withSnapshot.policy, sp.withSnapshot.errs = access.Compile(sp.doc)
			if sp.snapshot != nil {
				sp.withSnapshot.topo, sp.withSnapshot.devices = tailnet.Topology(sp.snapshot)
			}
		})
		return sp.withSnapshot, true
	}
	return nil, false
}

// toGo converts a Rego value to plain Go values, keeping numbers as json.Number.
func toGo(v ast.Value) any {
	x, err := ast.JSON(v)
	if err != nil {
		return nil
	}
	return x
}

// selector maps a device name to its address when a snapshot is present; anything else is kept.
func (c *compiledPolicy) selector(s string) string {
	if ip, ok := c.devices[strings.ToLower(s)]; ok && !strings.Contains(s, ":") && !strings.Contains(s, "@") {
		return ip
	}
	return s
}

func inputPath(p []any) []any { return append([]any{"policy"}, p...) }

func builtinValidate(bctx rego.BuiltinContext, terms []*ast.Term) (*ast.Term, error) {
	c, err := compiled(bctx, terms[0])
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(c.errs))
	for _, e := range c.errs {
		out = append(out, map[string]any{"path": inputPath(e.Path), "message": e.Message})
	}
	return toTerm(out)
}

func builtinTestResults(bctx rego.BuiltinContext, terms []*ast.Term) (*ast.Term, error) {
	c, err := compiled(bctx, terms[0])
	if err != nil {
		return nil, err
	}
	results := c.policy.RunTests(c.topo)
	out := make([]any, 0, len(results))
	for _, r := range results {
		m := map[string]any{"path": inputPath(r.Path), "src": r.Src, "dst": r.Dst, "want": r.Want, "got": r.Got, "passed": r.Passed, "message": r.String()}
		if r.Err != nil {
			m["error"] = r.Err.Message
		}
		out = append(out, m)
	}
	return toTerm(out)
}

// reachArgs reads (doc, src, dst, port) and asks the policy.
func reachArgs(bctx rego.BuiltinContext, terms []*ast.Term) (bool, []access.Because, error) {
	c, err := compiled(bctx, terms[0])
	if err != nil {
		return false, nil, err
	}
	src, ok := terms[1].Value.(ast.String)
	if !ok {
		return false, nil, fmt.Errorf("src must be a string")
	}
	dst, ok := terms[2].Value.(ast.String)
	if !ok {
		return false, nil, fmt.Errorf("dst must be a string")
	}
	port, proto, err := portArg(terms[3].Value)
	if err != nil {
		return false, nil, err
	}
	return c.policy.Reachable(c.topo, c.selector(string(src)), c.selector(string(dst)), port, proto)
}

// portArg reads a port: 443, "443", "tcp:443", "udp:53" or "icmp".
func portArg(v ast.Value) (int, string, error) {
	switch p := v.(type) {
	case ast.Number:
		n, ok := p.Int()
		if !ok {
			return 0, "", fmt.Errorf("port %v is not a whole number", p)
		}
		return n, "", nil
	case ast.String:
		proto, port, found := strings.Cut(string(p), ":")
		if !found {
			if n, err := strconv.Atoi(string(p)); err == nil {
				return n, "", nil
			}
			return 0, string(p), nil // "icmp": a protocol without ports
		}
		n, err := strconv.Atoi(port)
		if err != nil {
			return 0, "", fmt.Errorf("port %q: want a form such as tcp:443", string(p))
		}
		return n, proto, nil
	}
	return 0, "", fmt.Errorf("port must be a number or a string such as tcp:443")
}

func builtinReachable(bctx rego.BuiltinContext, terms []*ast.Term) (*ast.Term, error) {
	ok, _, err := reachArgs(bctx, terms)
	if err != nil {
		return nil, err
	}
	return ast.BooleanTerm(ok), nil
}

func builtinReach(bctx rego.BuiltinContext, terms []*ast.Term) (*ast.Term, error) {
	ok, because, err := reachArgs(bctx, terms)
	if err != nil {
		return nil, err
	}
	paths := make([]any, 0, len(because))
	for _, b := range because {
		paths = append(paths, inputPath(b.Path))
	}
	return toTerm(map[string]any{"allowed": ok, "because": paths})
}

func builtinResolve(bctx rego.BuiltinContext, terms []*ast.Term) (*ast.Term, error) {
	c, err := compiled(bctx, terms[0])
	if err != nil {
		return nil, err
	}
	sel, ok := terms[1].Value.(ast.String)
	if !ok {
		return nil, fmt.Errorf("selector must be a string")
	}
	res, err := c.policy.Resolve(c.topo, c.selector(string(sel)))
	if err != nil {
		return nil, err
	}
	nodes := make([]any, 0, len(res.Nodes))
	for _, n := range res.Nodes {
		nodes = append(nodes, n)
	}
	pfx := make([]any, 0, len(res.Prefixes))
	for _, p := range res.Prefixes {
		pfx = append(pfx, p.String())
	}
	return toTerm(map[string]any{"nodes": nodes, "prefixes": pfx})
}

// toTerm converts plain Go values (paths hold ints) to a Rego term.
func toTerm(v any) (*ast.Term, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	val, err := ast.ValueFromReader(strings.NewReader(string(b)))
	if err != nil {
		return nil, err
	}
	return ast.NewTerm(val), nil
}

package builtins

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/topdown/cache"
	"github.com/open-policy-agent/opa/v1/types"

	"github.com/tailaudit/tailaudit/internal/access"
)

// Functions returns the Rego built-ins that answer questions with Tailscale's own semantics.
// Each takes as its first argument either the policy document (input.policy) or the whole input, in
// which case a snapshot in input.tailnet lets selectors name devices and resolve to real nodes.
//
//	tailscale.validate(doc)                  [{path, message}]: what Tailscale would reject
//	tailscale.unchecked(doc)                 [{path, message, notModelled?}]: checks Tailscale makes that could not be made
//	tailscale.test_results(doc)              [{path, src, dst, want, got, passed, message}]
//	tailscale.reachable(doc, src, dst, port) true when src may connect to dst on port
//	tailscale.reach(doc, src, dst, port)     {allowed, because: [path]}: the rules that allow it
//	tailscale.resolve(doc, selector)         {nodes, prefixes}: what a selector stands for
//	tailscale.node_capabilities(doc)         {node: {capability: values}}: each node's own CapMap
//	tailscale.nodes_with_capability(doc, c)  [node]: the nodes whose CapMap holds capability c
//	tailscale.attr_grants(doc, attr)         [{path, target, nodes, everyMember}]: nodeAttrs targets granting attr
//	tailscale.reach_every(doc, srcs, dsts, ports) {dst: {src: [path]}}: who reaches each dst on every port
//	tailscale.references(doc)                {refs: [{path, alias, section, field, kind}], named: {section: [alias]}, at: {alias: [ref]}}
//	tailscale.peers(doc, node)               [{name, tags, addresses, allowedIPs, primaryRoutes}]: what node is sent of its peers
//	tailscale.approved_routes(doc)           [{node, route, exitNode, primary, path}]: the routes nodes serve, and why
//	tailscale.exit_nodes(doc)                [{node, users}]: exit nodes and the nodes that may use them
//	tailscale.route_approvers(doc)           [{path, kind, route, approver, nodes, everyMember}]: autoApprovers selectors
//	tailscale.internet_rules(doc)            [{path, dstPath, src, nodes, everyMember}]: rules that open exit nodes
//	tailscale.duplicates(list)               [[k, first]]: entries that repeat an earlier one (lists as sets)
//	tailscale.device(tailnet, key)           device: the snapshot's device with that nodeId, address or name
//	tailscale.device_names(tailnet)          [name]: the distinct names of the snapshot's devices, sorted
//	tailscale.days_since(ts, now_ns)         whole days from the timestamp ts to now_ns, rounded down
//	tailscale.in_change_window(windows, ts)  true when the timestamp ts falls in one of windows ("mon-fri 08:00-18:00", UTC)
//
// port is a number (TCP or UDP) or a string such as "tcp:443", "udp:53" or "icmp".
func Functions() []Function {
	doc := types.NewObject(nil, types.NewDynamicProperty(types.S, types.A))
	port := types.NewAny(types.N, types.S)
	strs := types.NewAny(types.NewSet(types.S), types.NewArray(nil, types.S))
	// Not Memoize: OPA keys its memo on the arguments printed as text, and the first argument is the
	// whole policy, so every call would print the policy (seconds per check at 10,000 rules).
	// compiled already keeps the costly part, the compiled policy, once per evaluation.
	fn := func(name, desc string, args []types.Type, result types.Type, impl rego.BuiltinDyn) Function {
		return Function{Decl: &rego.Function{Name: name, Description: desc, Decl: types.NewFunction(args, result)}, Impl: impl}
	}
	return append([]Function{
		fn("tailscale.validate", "what Tailscale would reject in the policy, with JSON paths",
			types.Args(doc), types.NewArray(nil, types.A), builtinValidate),
		fn("tailscale.unchecked", "the checks Tailscale makes that could not be made here, with JSON paths",
			types.Args(doc), types.NewArray(nil, types.A), builtinUnchecked),
		fn("tailscale.test_results", "the outcome of every tests and sshTests assertion",
			types.Args(doc), types.NewArray(nil, types.A), builtinTestResults),
		fn("tailscale.reachable", "whether src may connect to dst on port",
			types.Args(doc, types.S, types.S, port), types.B, builtinReachable),
		fn("tailscale.reach", "whether src may connect to dst on port, and the rules that allow it",
			types.Args(doc, types.S, types.S, port), types.A, builtinReach),
		fn("tailscale.resolve", "the nodes and addresses a selector stands for",
			types.Args(doc, types.S), types.A, builtinResolve),
		fn("tailscale.reach_every", "per destination, the sources that may connect to it on every one of ports, each with the rules that allow the last",
			types.Args(doc, strs, strs, types.NewArray(nil, types.N)),
			types.NewObject(nil, types.NewDynamicProperty(types.S, types.NewObject(nil, types.NewDynamicProperty(types.S, types.NewArray(nil, types.A))))), builtinReachEvery),
		duplicatesFunction(),
		deviceFunction(),
		windowFunction(),
	}, slices.Concat(capabilityFunctions(doc), routeFunctions(doc), snapshotFunctions())...)
}

// Function is one built-in: its declaration for the compiler and its implementation.
type Function struct {
	Decl *rego.Function
	Impl rego.BuiltinDyn
}

// compiledPolicy is a policy compiled for the built-ins, with the topology of the snapshot beside it.
type compiledPolicy struct {
	policy *access.Policy
	errs   []access.Error
	topo   *access.Topology // nil without a snapshot

	settings access.TailnetSettings // from the snapshot
	capsOnce sync.Once
	caps     map[string]access.CapMap // see capMaps

	netmapOnce sync.Once
	netmap     *access.Netmap // see netmapOf

	doc      map[string]any // the policy document
	refsOnce sync.Once
	refs     *ast.Term // see references
	refsErr  error

	// reacher answers the reachability built-ins, sharing what their questions have in common; it
	// is not safe for concurrent use, and queries run concurrently, hence reachMu.
	reachMu sync.Mutex
	reacher *access.Reacher
}

// withReacher calls f with the policy's Reacher, made on first use, while no other query uses it.
func (c *compiledPolicy) withReacher(f func(*access.Reacher)) {
	c.reachMu.Lock()
	defer c.reachMu.Unlock()
	if c.reacher == nil {
		c.reacher = c.policy.Reacher(c.topo)
	}
	f(c.reacher)
}

// compile compiles a policy, with the topology of snapshot when there is one. The tailnet's own
// domains, which "user:*@domain" and "localpart:*@domain" must name, come from the tailnetDomains
// parameter (params is the input's params), else from the snapshot; without either they are not
// checked, and Unchecked says so.
func compile(policyDoc, snapshot, params map[string]any) *compiledPolicy {
	c := &compiledPolicy{}
	domains := tailnetDomains(params)
	if len(domains) == 0 && snapshot != nil {
		domains = access.SnapshotDomains(snapshot)
	}
	var opts []access.Option
	if len(domains) > 0 {
		opts = append(opts, access.WithTailnetDomains(domains...))
	}
	c.policy, c.errs = access.Compile(policyDoc, opts...)
	c.doc = policyDoc
	if snapshot != nil {
		c.topo = access.SnapshotTopology(snapshot)
		c.settings = access.SnapshotSettings(snapshot)
	}
	return c
}

// tailnetDomains reads the tailnetDomains parameter: a list of domains, or one domain.
func tailnetDomains(params map[string]any) []string {
	var out []string
	switch v := params["tailnetDomains"].(type) {
	case string:
		out = append(out, v)
	case []any:
		for _, d := range v {
			if s, ok := d.(string); ok {
				out = append(out, s)
			}
		}
	}
	return slices.DeleteFunc(out, func(s string) bool { return strings.TrimSpace(s) == "" })
}

// Cache holds what the built-ins compute for one evaluation: the evaluated input's policy, compiled
// once for every query that evaluates it, with and without the snapshot's topology, and the index
// of the snapshot's devices that tailscale.device reads (and their names, for tailscale.device_names). The engine
// makes one per evaluation and hands it to each query with rego.EvalInterQueryBuiltinValueCache;
// it is safe for concurrent use by those queries.
type Cache struct {
	policyValue, inputValue ast.Value // input.policy and input, as the queries see them
	tailnetValue            ast.Value // input.tailnet; nil without a snapshot
	doc                     map[string]any
	snapshot                map[string]any // nil without a snapshot
	params                  map[string]any // input.params; nil without

	policyOnce, inputOnce sync.Once
	policy, withSnapshot  *compiledPolicy

	devicesOnce sync.Once
	devices     deviceIndex // tailscale.device's index of input.tailnet's devices

	namesOnce sync.Once
	names     *ast.Term // tailscale.device_names of input.tailnet
}

// NewCache prepares the cache for an input whose Rego form is input, holding the policy document
// policyDoc (nil when the input has none) and the snapshot document snapshot (nil when absent).
func NewCache(input ast.Value, policyDoc, snapshot map[string]any) *Cache {
	c := &Cache{inputValue: input, doc: policyDoc, snapshot: snapshot}
	obj, isObj := input.(ast.Object)
	if isObj {
		if t := obj.Get(ast.InternedTerm("tailnet")); t != nil {
			c.tailnetValue = t.Value
		}
	}
	if isObj && policyDoc != nil {
		if p := obj.Get(ast.InternedTerm("policy")); p != nil {
			c.policyValue = p.Value
		}
		if p := obj.Get(ast.InternedTerm("params")); p != nil {
			c.params, _ = toGo(p.Value).(map[string]any)
		}
	}
	return c
}

// sameInput reports whether arg is an input built from the same policy and snapshot values as the
// evaluated input: an alert run builds a new input per event around the same policy, snapshot and
// params, and a rule passing that input must not compile the policy again for each event.
func (c *Cache) sameInput(arg ast.Value) bool {
	obj, ok := arg.(ast.Object)
	if !ok || c.policyValue == nil {
		return false
	}
	p := obj.Get(ast.InternedTerm("policy"))
	if p == nil || p.Value != c.policyValue {
		return false
	}
	t := obj.Get(ast.InternedTerm("tailnet"))
	if t == nil {
		return c.tailnetValue == nil
	}
	return t.Value == c.tailnetValue
}

// lookup returns the compiled policy when arg is the evaluated input or its policy; the same Rego
// value reaches every query, so pointer identity is enough.
func (c *Cache) lookup(arg ast.Value) (*compiledPolicy, bool) {
	if c == nil || c.doc == nil {
		return nil, false
	}
	switch arg {
	case c.policyValue:
		c.policyOnce.Do(func() { c.policy = compile(c.doc, nil, nil) })
		return c.policy, true
	case c.inputValue:
	default:
		if !c.sameInput(arg) {
			return nil, false
		}
	}
	c.inputOnce.Do(func() { c.withSnapshot = compile(c.doc, c.snapshot, c.params) })
	return c.withSnapshot, true
}

// The Cache is handed to OPA as its inter-query value cache, the one per-evaluation value OPA
// passes to built-ins. It stores nothing for OPA's own built-ins.

func (c *Cache) Get(ast.Value) (any, bool)                        { return nil, false }
func (c *Cache) Insert(ast.Value, any) int                        { return 0 }
func (c *Cache) Delete(ast.Value)                                 {}
func (c *Cache) GetCache(string) cache.InterQueryValueCacheBucket { return nil }
func (c *Cache) UpdateConfig(*cache.Config)                       {}

type compiledKey struct{ doc ast.Value }

// compiled returns the policy the first argument names: from the evaluation's Cache when it is the
// evaluated input or its policy, otherwise compiled once per query (a rule that builds a policy of
// its own, or a caller such as a Rego test that has no Cache).
func compiled(bctx rego.BuiltinContext, arg *ast.Term) (*compiledPolicy, error) {
	obj, ok := arg.Value.(ast.Object)
	if !ok {
		return nil, fmt.Errorf("want the policy document or input, got %s", ast.ValueName(arg.Value))
	}
	if shared, _ := bctx.InterQueryBuiltinValueCache.(*Cache); shared != nil {
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
	polValue, tailnetValue, paramsValue := ast.Value(obj), ast.Value(nil), ast.Value(nil)
	if p := obj.Get(ast.InternedTerm("policy")); p != nil {
		polValue = p.Value
		if t := obj.Get(ast.InternedTerm("tailnet")); t != nil {
			tailnetValue = t.Value
		}
		if t := obj.Get(ast.InternedTerm("params")); t != nil {
			paramsValue = t.Value
		}
	}
	polDoc, ok := toGo(polValue).(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the policy document is not an object")
	}
	var snap map[string]any
	if tailnetValue != nil {
		snap, _ = toGo(tailnetValue).(map[string]any)
	}
	var params map[string]any
	if paramsValue != nil {
		params, _ = toGo(paramsValue).(map[string]any)
	}
	c := compile(polDoc, snap, params)
	if bctx.Cache != nil {
		bctx.Cache.Put(key, c)
	}
	return c, nil
}

// evaluable is compiled for the built-ins that answer what the policy allows (reachability, tests,
// peers, routes, capabilities). When the policy uses a feature tailaudit does not model, the
// entries using it are left out of the compiled policy, so every such answer would judge only part
// of it: evaluable fails instead, and a rule calling one of these built-ins reports an error rather
// than a result on the rest of the policy. A built-in whose answer comes from some sections only
// names them (nodeAttrs for capabilities), and only what is left out of those sections counts.
func evaluable(bctx rego.BuiltinContext, arg *ast.Term, sections ...string) (*compiledPolicy, error) {
	c, err := compiled(bctx, arg)
	if err != nil {
		return nil, err
	}
	nm := c.policy.NotModelled()
	if len(sections) > 0 {
		nm = slices.DeleteFunc(slices.Clone(nm), func(e access.Error) bool {
			key, _ := e.Path[0].(string)
			return !slices.ContainsFunc(sections, func(s string) bool { return strings.EqualFold(s, key) })
		})
	}
	if len(nm) == 0 {
		return c, nil
	}
	var features, at []string
	for _, e := range nm {
		if !slices.Contains(features, e.NotModelled) {
			features = append(features, e.NotModelled)
		}
		at = append(at, e.Pointer())
	}
	return nil, fmt.Errorf("tailaudit cannot evaluate what the policy allows: %s not modelled, used at %s", strings.Join(features, " and ")+" are", strings.Join(at, ", "))
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
func (c *compiledPolicy) selector(s string) string { return c.topo.DeviceSelector(s) }

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

func builtinUnchecked(bctx rego.BuiltinContext, terms []*ast.Term) (*ast.Term, error) {
	c, err := compiled(bctx, terms[0])
	if err != nil {
		return nil, err
	}
	un := c.policy.Unchecked()
	out := make([]any, 0, len(un))
	for _, e := range un {
		m := map[string]any{"path": inputPath(e.Path), "message": e.Message}
		if e.NotModelled != "" {
			m["notModelled"] = e.NotModelled
		}
		out = append(out, m)
	}
	return toTerm(out)
}

func builtinTestResults(bctx rego.BuiltinContext, terms []*ast.Term) (*ast.Term, error) {
	c, err := evaluable(bctx, terms[0])
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
	c, err := evaluable(bctx, terms[0])
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
	var ok2 bool
	var because []access.Because
	c.withReacher(func(q *access.Reacher) {
		ok2, because, err = q.Reachable(c.selector(string(src)), c.selector(string(dst)), port, proto)
	})
	return ok2, because, err
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

// toTerm converts plain Go values (paths hold ints) to a Rego term, the term OPA would read from
// their JSON: nil, bools, ints, valid UTF-8 strings, []any, []string and map[string]any are
// converted directly, and anything else (a struct, a float, a string that is not valid UTF-8,
// which JSON writes with replacement characters) through its JSON.
func toTerm(v any) (*ast.Term, error) {
	val, err := toValue(v)
	if err != nil {
		return nil, err
	}
	return ast.NewTerm(val), nil
}

// arrayValue is toValue of each element, as a Rego array.
func arrayValue[E any](v []E) (ast.Value, error) {
	out := make([]*ast.Term, len(v))
	for i, e := range v {
		ev, err := toValue(e)
		if err != nil {
			return nil, err
		}
		out[i] = ast.NewTerm(ev)
	}
	return ast.NewArray(out...), nil
}

func toValue(v any) (ast.Value, error) {
	switch v := v.(type) {
	case nil:
		return ast.Null{}, nil
	case bool:
		return ast.Boolean(v), nil
	case int:
		return ast.Number(strconv.Itoa(v)), nil
	case string:
		if utf8.ValidString(v) {
			return ast.String(v), nil
		}
	case []string:
		return arrayValue(v)
	case []any:
		return arrayValue(v)
	case map[string]any:
		kvs := make([][2]*ast.Term, 0, len(v))
		for k, e := range v {
			kv, err := toValue(k)
			if err != nil {
				return nil, err
			}
			ev, err := toValue(e)
			if err != nil {
				return nil, err
			}
			kvs = append(kvs, [2]*ast.Term{ast.NewTerm(kv), ast.NewTerm(ev)})
		}
		return ast.NewObject(kvs...), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return ast.ValueFromReader(bytes.NewReader(b))
}

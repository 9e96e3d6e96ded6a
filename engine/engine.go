package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/internal/builtins"
)

// networkBuiltins are the Rego built-ins that reach outside the process. User rules may call them
// only when the caller opts in with WithNetworkBuiltins.
var networkBuiltins = []string{"http.send", "net.lookup_ip_addr", "opa.runtime"}

// schemaBuiltins are the built-ins OPA marks nondeterministic only because a schema's remote $ref
// is fetched at evaluation time. Rules keep them: with network built-ins off, the capabilities
// allow no host, so a remote $ref is an error and the result depends on the arguments alone.
var schemaBuiltins = []string{"json.match_schema", "json.verify_schema"}

// Option configures an Engine.
type Option func(*settings)

type settings struct {
	builtin      fs.FS
	embedded     bool // builtin holds the rules embedded in this build (WithEmbeddedRules)
	ruleDirs     []string
	ruleFiles    []RuleFile
	allowNetwork bool
	logger       *slog.Logger
	controls     map[string]map[string][]string
	knownControl func(framework, id string) bool
	functions    []Function
	parallelism  int
	ruleTimeout  time.Duration
}

// Function is a custom Rego built-in, such as tailscale.reachable.
type Function struct {
	Decl *rego.Function
	Impl rego.BuiltinDyn
}

// tailscaleFunctions are the tailscale.* built-ins every engine registers.
func tailscaleFunctions() []Function {
	var out []Function
	for _, f := range builtins.Functions() {
		out = append(out, Function{Decl: f.Decl, Impl: f.Impl})
	}
	return out
}

// WithBuiltinRules sets the file system holding the built-in rules (policies.FS, or a bundle standing
// in for them); nil leaves them out. New compiles every module.
func WithBuiltinRules(fsys fs.FS) Option {
	return func(s *settings) { s.builtin, s.embedded = fsys, false }
}

// WithEmbeddedRules is WithBuiltinRules for the rules embedded in this build (policies.FS), which
// its tests compile in full: when no other module is loaded, New then leaves each input
// document's rules to be compiled when an evaluation first has that document (see Engine). Give
// it nothing else: a file system whose rules no test compiled needs WithBuiltinRules.
func WithEmbeddedRules(fsys fs.FS) Option {
	return func(s *settings) { s.builtin, s.embedded = fsys, true }
}

// WithRuleDirs adds directories (or single .rego files) of user rules.
func WithRuleDirs(dirs ...string) Option {
	return func(s *settings) { s.ruleDirs = append(s.ruleDirs, dirs...) }
}

// RuleFile is a user rule module held in memory, such as one read from a bundle.
type RuleFile struct {
	Name string // the path shown to users, such as rules.tar.gz:/acme/pci.rego
	Text string
}

// WithRuleFiles adds user rule modules (and their tests) held in memory.
func WithRuleFiles(files ...RuleFile) Option {
	return func(s *settings) { s.ruleFiles = append(s.ruleFiles, files...) }
}

// WithNetworkBuiltins lets rules call http.send, net.lookup_ip_addr and opa.runtime.
func WithNetworkBuiltins(allow bool) Option { return func(s *settings) { s.allowNetwork = allow } }

// WithLogger sets where diagnostics go; the default discards them.
func WithLogger(l *slog.Logger) Option { return func(s *settings) { s.logger = l } }

// WithControls sets the framework controls each rule evidences (rule id → framework id → control
// ids) and how to tell whether a control id exists, so custom rules' own controls can be checked.
func WithControls(byRule map[string]map[string][]string, known func(framework, id string) bool) Option {
	return func(s *settings) { s.controls, s.knownControl = byRule, known }
}

// WithParallelism sets how many queries evaluate one input at once; rules are split between them,
// so each evaluates a share of the rules. The default is one more than the CPUs Go may use, so that
// a query holding the heaviest rules does not leave a CPU idle while the others finish; more than
// that repeats shared helper work for no gain (BENCHMARKS.md).
func WithParallelism(n int) Option { return func(s *settings) { s.parallelism = max(n, 1) } }

// WithFunctions adds custom Rego built-ins.
func WithFunctions(fns ...Function) Option {
	return func(s *settings) { s.functions = append(s.functions, fns...) }
}

// Engine holds compiled rules. It is safe for concurrent use once built.
//
// What New compiles: when any module is not one of the rules embedded in the binary
// (WithEmbeddedRules) — a rule directory, a bundle, a rule file, a bundle standing in for the
// built-in rules — New compiles every module and reports every error, so a broken custom rule
// fails any run, whatever documents it has. When every module is an embedded one, New compiles
// nothing: each input document's rules are compiled, with the modules they refer to
// (neededModules), when an evaluation first has that document, so that a policy-only check does
// not compile the tailnet, change and alert rules. The embedded rules are the same in every run of
// a build, and the engine's tests compile all of them together (TestBuiltinRulesCompile), so what
// is skipped is known to compile; should a document's share fail all the same, that evaluation
// fails with the compile errors (exit 2), never passes.
type Engine struct {
	settings
	rules    []*rule
	alerts   []*rule               // the alert rules (tailaudit.alerts.* with an alert set), which Evaluate leaves out
	params   map[string]*paramDecl // every parameter the rules declare, by name
	compiler *ast.Compiler         // every module, compiled by New; nil when each document's share is compiled on first use
	modules  *moduleSet
	docs     map[string]*docShards // by input document: its rules, compiled and prepared when first evaluated
	alertSet *compiled             // the alert rules' compiler
	bundle   string                // BundleHash
}

// compiled is a compiler made on first use.
type compiled struct {
	once     sync.Once
	compiler *ast.Compiler
	err      error
}

// docShards are the rules needing one input document and the shards (queries evaluated in
// parallel) they are dealt into. The shards are prepared by the first evaluation that has the
// document, so that a policy-only check does not prepare the tailnet rules' queries.
type docShards struct {
	rules    []*rule
	once     sync.Once
	compiler *ast.Compiler // what the shards were prepared with
	groups   []*queryGroup
	err      error
}

// queryGroup is one prepared query that evaluates every result set of a share of the rules needing
// one input document, so that a document is evaluated in as many passes as there are shards, not
// once per rule.
type queryGroup struct {
	query rego.PreparedEvalQuery
	terms []queryTerm
}

type queryTerm struct {
	rule *rule
	set  string // deny, warn or manual
	bind string // the query variable holding the set
}

// New loads, validates and compiles the rules. Errors name the file and line.
func New(ctx context.Context, opts ...Option) (*Engine, error) {
	e := &Engine{settings: newSettings(opts)}
	srcs, builtin, err := e.sources(false)
	if err != nil {
		return nil, err
	}
	// With the embedded rules alone, New reads each file's METADATA and package (parseHeader) and
	// leaves the rest of the file to be parsed when a compile needs it.
	lazy := e.embedded && allBuiltin(srcs)
	var mods map[string]*ast.Module
	var declared map[string][]string
	if lazy {
		if mods, _, err = parseFiles(srcs, parseHeader); err != nil {
			return nil, err
		}
		declared = map[string][]string{}
		for _, f := range srcs {
			if _, dup := declared[f.name]; !dup { // as parseFiles, the first of a name
				declared[f.name] = declaredSets(f.text)
			}
		}
	} else if mods, err = parseModules(srcs); err != nil {
		return nil, err
	}
	e.bundle = bundleHash(srcs)
	if e.rules, err = collectRules(mods, builtin, e.knownControl, declared); err != nil {
		return nil, err
	}
	for _, r := range e.rules {
		if extra := e.controls[r.meta.ID]; len(extra) > 0 {
			r.meta.Controls = mergeControls(r.meta.Controls, extra)
		}
	}
	e.rules, e.alerts = splitAlertRules(e.rules)
	e.alertSet = &compiled{}
	// The parameter defaults a rule passes to params.merged are checked in the compiled modules: all
	// of them when New compiles, none when every module is an embedded one (TestBuiltinRulesCompile
	// checks the embedded rules' defaults).
	var checked map[string]*ast.Module
	if lazy {
		e.modules = headerModules(srcs, mods)
	} else {
		e.modules = parsedModules(mods)
		if e.compiler, err = e.compile(mods); err != nil {
			return nil, err
		}
		checked = e.compiler.Modules
	}
	if e.params, err = collectParams(slices.Concat(e.rules, e.alerts), checked); err != nil {
		return nil, err
	}
	e.prepare()
	e.logger.Debug("rules loaded", "rules", len(e.rules), "modules", len(mods), "compiled", e.compiler != nil)
	return e, nil
}

// allBuiltin reports whether every file is one of the embedded built-in rules.
func allBuiltin(srcs []regoFile) bool {
	for _, s := range srcs {
		if !s.builtin {
			return false
		}
	}
	return true
}

// compile compiles mods with the sandbox's compiler, returning its errors with file and line.
func (e *Engine) compile(mods map[string]*ast.Module) (*ast.Compiler, error) {
	c := e.newCompiler().WithEnablePrintStatements(false)
	if c.Compile(mods); c.Failed() {
		return nil, e.compileErrors(c.Errors)
	}
	return c, nil
}

// compilerFor returns the compiler to evaluate rules with: New's, or one over the modules of those
// rules' packages and every module they refer to (neededModules).
func (e *Engine) compilerFor(rules []*rule) (*ast.Compiler, error) {
	if e.compiler != nil {
		return e.compiler, nil
	}
	pkgs := make([]string, len(rules))
	for i, r := range rules {
		pkgs[i] = r.pkg
	}
	mods, err := neededModules(e.modules, pkgs)
	if err != nil {
		return nil, fmt.Errorf("load rules:\n%w", err)
	}
	c, err := e.compile(mods)
	if err != nil {
		return nil, fmt.Errorf("load rules:\n%w", err)
	}
	return c, nil
}

// alertCompiler returns the compiler of the alert rules, compiling them on first use.
func (e *Engine) alertCompiler() (*ast.Compiler, error) {
	e.alertSet.once.Do(func() { e.alertSet.compiler, e.alertSet.err = e.compilerFor(e.alerts) })
	return e.alertSet.compiler, e.alertSet.err
}

// newSettings applies opts over the defaults; Tailscale's built-ins are always present.
func newSettings(opts []Option) settings {
	s := settings{
		logger:      slog.New(slog.DiscardHandler),
		functions:   append(tailscaleFunctions(), guardedFunctions()...),
		parallelism: runtime.GOMAXPROCS(0) + 1,
		ruleTimeout: DefaultRuleTimeout,
	}
	for _, o := range opts {
		o(&s)
	}
	return s
}

// Capabilities returns what rules may use: OPA's built-ins (without the network ones unless
// allowNetwork) and tailaudit's tailscale.* functions. Tools such as a strict Rego check use it.
func Capabilities(allowNetwork bool) *ast.Capabilities {
	e := &Engine{settings: newSettings([]Option{WithNetworkBuiltins(allowNetwork)})}
	return e.capabilities()
}

// sources reads the built-in rules and the user's rule directories.
func (e *Engine) sources(withTests bool) ([]regoFile, map[string]bool, error) {
	var srcs []regoFile
	builtin := map[string]bool{}
	if e.builtin != nil {
		b, err := readFS(e.builtin, ".", "", true, withTests)
		if err != nil {
			return nil, nil, fmt.Errorf("read built-in rules: %w", err)
		}
		for i := range b {
			b[i].name = builtinDisplayPath(b[i].name)
			builtin[b[i].name] = true
		}
		srcs = append(srcs, b...)
	}
	for _, dir := range e.ruleDirs {
		u, err := readDir(dir, withTests)
		if err != nil {
			return nil, nil, err
		}
		srcs = append(srcs, u...)
	}
	for _, f := range e.ruleFiles {
		if withTests || !strings.HasSuffix(f.Name, "_test.rego") {
			srcs = append(srcs, regoFile{name: f.Name, text: f.Text})
		}
	}
	return srcs, builtin, nil
}

// capabilities are OPA's built-ins, without the network ones unless allowed and without the
// nondeterministic ones (clock, randomness, signing with a random nonce), plus custom functions.
// With the network off, AllowNet is empty rather than nil: OPA then lets no host be reached, which
// is what stops json.match_schema and json.verify_schema from fetching a remote $ref.
func (e *Engine) capabilities() *ast.Capabilities {
	caps := ast.CapabilitiesForThisVersion()
	caps.Builtins = slices.DeleteFunc(caps.Builtins, func(b *ast.Builtin) bool {
		switch {
		case slices.Contains(networkBuiltins, b.Name):
			return !e.allowNetwork
		case slices.Contains(schemaBuiltins, b.Name):
			return false
		}
		return b.Nondeterministic
	})
	if !e.allowNetwork {
		caps.AllowNet = []string{}
	}
	for _, f := range e.functions {
		caps.Builtins = append(caps.Builtins, &ast.Builtin{Name: f.Decl.Name, Decl: f.Decl.Decl, Nondeterministic: f.Decl.Nondeterministic})
	}
	return caps
}

func (e *Engine) compileErrors(errs ast.Errors) error {
	return explainSandbox(astErrors("", errs), e.allowNetwork)
}

// explainSandbox adds to "undefined function" errors why the sandbox leaves that built-in out.
func explainSandbox(errs LoadErrors, allowNetwork bool) LoadErrors {
	for _, le := range errs {
		name, undefined := strings.CutPrefix(le.Msg, "undefined function ")
		if !undefined {
			continue
		}
		b, known := ast.BuiltinMap[name]
		switch {
		case !known:
		case slices.Contains(networkBuiltins, name):
			if !allowNetwork {
				le.Msg += " (network built-ins are off for rules; pass --allow-network-builtins to allow them)"
			}
		case b.Nondeterministic && !slices.Contains(schemaBuiltins, name):
			le.Msg += " (rules may not use built-ins whose result changes from run to run; read the evaluation time from input.now)"
		}
	}
	return errs
}

// regoOptions are the options of every query. Built-in errors are strict: a built-in that fails (a
// time that does not parse, a value of the wrong type) stops the rule with an error result instead
// of leaving an expression undefined, which would let the rule pass what it could not check.
func (e *Engine) regoOptions(c *ast.Compiler) []func(*rego.Rego) {
	opts := []func(*rego.Rego){rego.Compiler(c), rego.StrictBuiltinErrors(true)}
	for _, f := range e.functions {
		opts = append(opts, rego.FunctionDyn(f.Decl, f.Impl))
	}
	return opts
}

// prepare deals the rules into their input documents; shards prepares a document's queries.
func (e *Engine) prepare() {
	e.docs = map[string]*docShards{}
	for _, r := range e.rules {
		d := e.docs[r.document]
		if d == nil {
			d = &docShards{}
			e.docs[r.document] = d
		}
		d.rules = append(d.rules, r)
	}
}

// shards returns the prepared queries of the rules needing doc, preparing them on first use: one
// query per shard, rules dealt round-robin so that each shard gets a similar mix. Preparing does not
// depend on the caller's context being live, so an evaluation cancelled while preparing does not
// leave the engine unable to evaluate the document later.
func (e *Engine) shards(ctx context.Context, doc string) ([]*queryGroup, error) {
	d := e.docs[doc]
	if d == nil {
		return nil, nil
	}
	d.once.Do(func() {
		if d.compiler, d.err = e.compilerFor(d.rules); d.err != nil {
			return
		}
		shards := make([][]*rule, min(e.parallelism, len(d.rules)))
		for i, r := range d.rules {
			shards[i%len(shards)] = append(shards[i%len(shards)], r)
		}
		for _, shard := range shards {
			g, err := e.prepareGroup(context.WithoutCancel(ctx), d.compiler, shard)
			if err != nil {
				d.err = err
				return
			}
			d.groups = append(d.groups, g)
		}
	})
	return d.groups, d.err
}

func (e *Engine) prepareGroup(ctx context.Context, c *ast.Compiler, rules []*rule) (*queryGroup, error) {
	g := &queryGroup{}
	body := make(ast.Body, 0, len(rules))
	for _, r := range rules {
		ref := ast.MustParseRef("data." + r.pkg)
		for _, set := range r.sets {
			bind := fmt.Sprintf("r%d", len(g.terms))
			g.terms = append(g.terms, queryTerm{rule: r, set: set, bind: bind})
			body = append(body, ast.Equality.Expr(ast.VarTerm(bind), ast.NewTerm(ref.Append(ast.StringTerm(set)))))
		}
	}
	for i := range body {
		body[i].Index = i
	}
	opts := append(e.regoOptions(c), rego.ParsedQuery(body))
	pq, err := rego.New(opts...).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("prepare rules: %w", err)
	}
	g.query = pq
	return g, nil
}

// Rules returns the metadata of every loaded rule, sorted by id.
func (e *Engine) Rules() []finding.Rule {
	out := make([]finding.Rule, len(e.rules))
	for i, r := range e.rules {
		out[i] = r.meta
	}
	slices.SortFunc(out, func(a, b finding.Rule) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Rule returns one rule's metadata by id.
func (e *Engine) Rule(id string) (finding.Rule, bool) {
	for _, r := range e.rules {
		if strings.EqualFold(r.meta.ID, id) {
			return r.meta, true
		}
	}
	return finding.Rule{}, false
}

func mergeControls(a, b map[string][]string) map[string][]string {
	out := map[string][]string{}
	for _, m := range []map[string][]string{a, b} {
		for fw, ids := range m {
			for _, id := range ids {
				if !slices.Contains(out[fw], id) {
					out[fw] = append(out[fw], id)
				}
			}
		}
	}
	for fw := range out {
		slices.Sort(out[fw])
	}
	return out
}

// BundleHash is the hex SHA-256 of the loaded rule modules: of the sorted list of the SHA-256 of each
// module's source, so that two runs with the same hash evaluated the same rules wherever the files
// were. Evidence packs record it.
func (e *Engine) BundleHash() string { return e.bundle }

func bundleHash(srcs []regoFile) string {
	sums := make([]string, len(srcs))
	for i, f := range srcs {
		sum := sha256.Sum256([]byte(f.text))
		sums[i] = hex.EncodeToString(sum[:])
	}
	slices.Sort(sums)
	h := sha256.New()
	for _, s := range sums {
		io.WriteString(h, s+"\n")
	}
	return hex.EncodeToString(h.Sum(nil))
}

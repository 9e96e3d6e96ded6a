package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/engine/policyfile"
	"github.com/tailaudit/tailaudit/engine/source"
	"github.com/tailaudit/tailaudit/engine/tailnet"
	"github.com/tailaudit/tailaudit/internal/builtins"
)

// Input is what one evaluation judges. Absent documents make the rules that need them "not assessed".
type Input struct {
	Policy *policyfile.File // the policy file, or nil

	// Base is the policy file before the change that made Policy, or nil. With both, rules on a
	// change (tailaudit.change.*) see input.change: before and after, the two policy documents,
	// and access, what the change adds to and removes from network access (the access section of
	// `tailaudit diff -f json`; diff is that whole document).
	Base *policyfile.File

	Tailnet *tailnet.Snapshot // the tailnet snapshot, or nil

	// PolicyError explains why no policy could be given, e.g. a snapshot's embedded policy file
	// that does not parse; policy rules then report it as the reason they were not assessed.
	PolicyError string

	Now     time.Time        // the evaluation clock; rules see it as input.now
	Params  map[string]any   // rule thresholds; rules merge their own defaults
	Waivers []finding.Waiver // from the config file; the policy file's inline waivers come with it
	FailOn  finding.Severity
	Inputs  []finding.Input // descriptions of the files read, for the report
}

// Evaluate runs every rule over in and returns the report.
func (e *Engine) Evaluate(ctx context.Context, in Input) (*finding.Report, error) {
	if in.Now.IsZero() {
		return nil, fmt.Errorf("evaluate: Input.Now is required")
	}
	if in.FailOn == "" {
		in.FailOn = finding.High
	}
	if errs := e.CheckParams(in.Params); len(errs) > 0 {
		return nil, fmt.Errorf("evaluate: %w", errs[0])
	}
	doc, err := Document(in)
	if err != nil {
		return nil, err
	}
	value, err := inputValue(doc)
	if err != nil {
		return nil, fmt.Errorf("convert input: %w", err)
	}
	ev := &evaluation{engine: e, in: in, doc: doc, seen: map[string]int{}, waivers: waivers(in)}
	ev.used = make([]bool, len(ev.waivers))
	for _, r := range e.rules {
		if reason := ev.missing(r); reason != "" {
			ev.add(r, finding.Finding{Result: finding.NotAssessed, Message: reason})
		}
	}
	shards, err := e.presentShards(ctx, doc)
	if err != nil {
		return nil, err
	}
	var policyDoc, snapshot map[string]any
	if in.Policy != nil {
		policyDoc = in.Policy.Doc
	}
	if in.Tailnet != nil {
		snapshot = in.Tailnet.Raw
	}
	ev.cache = builtins.NewCache(value, policyDoc, snapshot)
	if err := ev.run(ctx, shards, value); err != nil {
		return nil, err
	}
	return ev.report(), nil
}

// presentShards returns the shards of every document doc has, in the documents' order, compiling
// and preparing the ones not yet prepared each on its own goroutine: two documents' rules compile
// at once on two CPUs. The first document's error, in that order, is the one returned.
func (e *Engine) presentShards(ctx context.Context, doc map[string]any) ([]*queryGroup, error) {
	var names []string
	for _, name := range slices.Sorted(maps.Keys(e.docs)) {
		if _, present := doc[name]; present {
			names = append(names, name)
		}
	}
	groups := make([][]*queryGroup, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		if i == len(names)-1 { // the last on this goroutine
			groups[i], errs[i] = e.shards(ctx, name)
			break
		}
		wg.Go(func() { groups[i], errs[i] = e.shards(ctx, name) })
	}
	wg.Wait()
	var out []*queryGroup
	for i := range names {
		if errs[i] != nil {
			return nil, errs[i]
		}
		out = append(out, groups[i]...)
	}
	return out, nil
}

// Document builds the input document the rules of an evaluation of in see as input: policy,
// policy_meta, tailnet, change, now and params, each present when in gives what it is made from.
// `tailaudit check --print-input` prints it; Evaluate converts it to a Rego value once.
func Document(in Input) (map[string]any, error) {
	doc := map[string]any{"now": in.Now.UTC().Format(time.RFC3339)}
	params := in.Params
	if params == nil {
		params = map[string]any{}
	}
	doc["params"] = params
	if in.Policy != nil {
		doc["policy"] = in.Policy.Doc
		legacy := make([]any, 0, len(in.Policy.Legacy))
		for _, l := range in.Policy.Legacy {
			legacy = append(legacy, map[string]any{"path": l.Path, "was": l.Was, "now": l.Now})
		}
		doc["policy_meta"] = map[string]any{"legacy": legacy, "file": in.Policy.Name}
	}
	if in.Tailnet != nil {
		doc["tailnet"] = in.Tailnet.Raw
	}
	if in.Base != nil && in.Policy != nil {
		change, err := changeDocument(in.Base, in.Policy)
		if err != nil {
			return nil, err
		}
		doc["change"] = change
	}
	return doc, nil
}

// evaluation accumulates one Evaluate call's findings.
type evaluation struct {
	engine   *Engine
	in       Input
	doc      map[string]any
	findings []finding.Finding
	diags    []finding.Diagnostic
	seen     map[string]int      // fingerprint base → occurrences, to keep identical findings apart
	waivers  []finding.Waiver    // inline, then config
	used     []bool              // waivers that matched, by index
	ids      map[string][]string // snapshot collection → item ids, for pass records
	cache    *builtins.Cache     // what the tailscale.* built-ins compute once for this input
}

// evalOptions are the options of every query of the evaluation: the input, and the built-ins'
// cache for it.
func (ev *evaluation) evalOptions(value ast.Value) []rego.EvalOption {
	return []rego.EvalOption{rego.EvalParsedInput(value), rego.EvalInterQueryBuiltinValueCache(ev.cache), rego.EvalGenerateJSON(keepTerm)}
}

// keepTerm leaves a query's bindings as the Rego terms evaluation produced, instead of converting
// every result to Go maps first: collect reads them as terms and converts only what a finding keeps.
func keepTerm(t *ast.Term, _ *rego.EvalContext) (any, error) { return t, nil }

// missing explains why a rule cannot be assessed, or returns "".
func (ev *evaluation) missing(r *rule) string {
	if _, ok := ev.doc[r.document]; !ok {
		switch r.document {
		case "policy":
			if ev.in.PolicyError != "" {
				return ev.in.PolicyError
			}
			return "no policy file was given"
		case "tailnet":
			return "no tailnet snapshot was given (--snapshot)"
		case "event":
			return "it judges audit or flow log events, and none were given"
		case "change":
			return "it judges a change to the policy file, and no base to compare with was given (--base)"
		}
		return "input document " + r.document + " is absent"
	}
	if r.document != "tailnet" {
		return ""
	}
	for _, key := range r.requires {
		if reason, missing := ev.in.Tailnet.Missing(key); missing {
			if _, present := ev.in.Tailnet.Raw[key]; !present && !strings.Contains(reason, "HTTP") {
				return "the snapshot has no " + key
			}
			return "the snapshot could not collect " + reason
		}
		if key == r.resources {
			continue // per resource: see addPasses
		}
		if bad := ev.in.Tailnet.Unassessed(key); len(bad) > 0 {
			first := slices.Min(slices.Collect(maps.Keys(bad)))
			return fmt.Sprintf("the snapshot's %s has %d item(s) with a value that does not match the schema, kept as collected (%s), and the rule reads them all", key, len(bad), bad[first])
		}
	}
	return ""
}

// run evaluates the query shards concurrently, then turns their results into findings in shard
// order, so the report does not depend on which finished first. If a shard's query fails, its rules
// are run one by one so that one broken rule becomes an error finding instead of stopping the run.
func (ev *evaluation) run(ctx context.Context, shards []*queryGroup, value ast.Value) error {
	live := make([][]queryTerm, len(shards))
	results := make([]rego.ResultSet, len(shards))
	errs := make([]error, len(shards))
	var wg sync.WaitGroup
	for i, g := range shards {
		for _, t := range g.terms {
			if ev.missing(t.rule) == "" {
				live[i] = append(live[i], t)
			}
		}
		if len(live[i]) == 0 {
			continue
		}
		wg.Go(func() {
			sctx, cancel := ev.engine.budget(ctx)
			defer cancel()
			results[i], errs[i] = g.query.Eval(sctx, ev.evalOptions(value)...)
		})
	}
	wg.Wait()
	for i := range shards {
		if len(live[i]) == 0 {
			continue
		}
		if errs[i] == nil {
			ev.collect(live[i], results[i])
			continue
		}
		if ctx.Err() != nil {
			return stopped(ctx)
		}
		ev.engine.logger.Debug("shard evaluation failed; isolating rules", "err", errs[i])
		if err := ev.isolate(ctx, live[i], value); err != nil {
			return err
		}
	}
	return nil
}

// isolate evaluates each rule of terms on its own, recording the ones that fail as error findings.
func (ev *evaluation) isolate(ctx context.Context, terms []queryTerm, value ast.Value) error {
	var order []*rule
	for _, t := range terms {
		if !slices.Contains(order, t.rule) {
			order = append(order, t.rule)
		}
	}
	for _, r := range order {
		single, err := ev.engine.prepareGroup(ctx, ev.engine.docs[r.document].compiler, []*rule{r})
		if err != nil {
			return err
		}
		rctx, cancel := ev.engine.budget(ctx)
		rs, err := single.query.Eval(rctx, ev.evalOptions(value)...)
		overBudget := rctx.Err() != nil
		cancel()
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return stopped(ctx)
		case overBudget:
			ev.add(r, finding.Finding{Result: finding.Error, Message: fmt.Sprintf("rule %s did not finish within its evaluation budget of %s", r.meta.ID, ev.engine.ruleTimeout)})
			continue
		default:
			ev.add(r, finding.Finding{Result: finding.Error, Message: fmt.Sprintf("rule %s failed to evaluate: %v", r.meta.ID, err)})
			continue
		}
		ev.collect(single.terms, rs)
	}
	return nil
}

// stopped explains why an evaluation ended before every rule was evaluated: the caller's context
// ended, at its deadline (a --timeout for the whole run) or by a cancellation (a signal).
func stopped(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("evaluation stopped: the run's time limit was reached before every rule finished: %w", ctx.Err())
	}
	return fmt.Errorf("evaluation stopped: %w", ctx.Err())
}

// collect turns query results into findings, rule by rule. A rule with a result of the wrong
// shape gets an error finding for it, and no pass records: what it examined is not known to pass.
func (ev *evaluation) collect(terms []queryTerm, rs rego.ResultSet) {
	type ruleResults struct {
		failed  map[string]bool // resource ids with a result
		results int
		broken  bool // a result could not be read
	}
	per := map[*rule]*ruleResults{}
	var order []*rule
	for _, t := range terms {
		rr := per[t.rule]
		if rr == nil {
			rr = &ruleResults{failed: map[string]bool{}}
			per[t.rule] = rr
			order = append(order, t.rule)
		}
		if len(rs) == 0 {
			continue
		}
		for _, raw := range resultTerms(rs[0].Bindings[t.bind]) {
			f, path, err := ev.decodeTerm(resultSets[t.set], raw)
			if err != nil {
				rr.broken = true
				ev.add(t.rule, finding.Finding{Result: finding.Error, Message: fmt.Sprintf("rule %s: a %s result %v", t.rule.meta.ID, t.set, err)})
				continue
			}
			rr.results++ // a deny, warn or manual result: what it is about did not pass
			if f.Resource != nil {
				rr.failed[f.Resource.ID] = true
			}
			ev.addAt(t.rule, f, path)
		}
	}
	for _, r := range order {
		if !per[r].broken {
			ev.addPasses(r, per[r].results, per[r].failed)
		}
	}
}

// resultTerms returns the results in a binding of a query evaluated with keepTerm: the elements of
// a set or an array, in the order their conversion to Go would list them; nothing for anything else.
func resultTerms(binding any) []*ast.Term {
	t, _ := binding.(*ast.Term)
	if t == nil {
		return nil
	}
	var out []*ast.Term
	switch v := t.Value.(type) {
	case ast.Set:
		out = make([]*ast.Term, 0, v.Len())
		v.Foreach(func(x *ast.Term) { out = append(out, x) })
	case *ast.Array:
		out = make([]*ast.Term, 0, v.Len())
		v.Foreach(func(x *ast.Term) { out = append(out, x) })
	}
	return out
}

// goValue converts a Rego value to the Go value a query result holds: maps, slices, strings,
// json.Number, bools and nil.
func goValue(v ast.Value) any {
	x, err := ast.JSON(v)
	if err != nil {
		return fmt.Sprintf("%v", v) // results are ground: not reached
	}
	return x
}

// decodeTerm is decode for a result as a Rego term. A string, or an object with only string keys
// and a resource of three or fewer string fields, is read from the term; the evidence and the path
// alone are converted to Go. Anything else is converted whole and left to decode, so that its error
// reads the same.
func (ev *evaluation) decodeTerm(result finding.Result, raw *ast.Term) (finding.Finding, []any, error) {
	switch v := raw.Value.(type) {
	case ast.String:
		return ev.decode(result, string(v))
	case ast.Object:
		if f, path, ok := ev.readObject(result, v); ok {
			return f, path, nil
		}
	}
	return ev.decode(result, goValue(raw.Value))
}

// readObject reads a well-formed object result, or returns false for decode to explain what is
// wrong with it.
func (ev *evaluation) readObject(result finding.Result, obj ast.Object) (finding.Finding, []any, bool) {
	f := finding.Finding{Result: result}
	var msg, severity, path, resource, evidence *ast.Term
	ok := obj.Until(func(k, v *ast.Term) bool {
		key, isStr := k.Value.(ast.String)
		if !isStr {
			return true
		}
		switch key {
		case "msg":
			msg = v
		case "severity":
			severity = v
		case "path":
			path = v
		case "resource":
			resource = v
		case "evidence":
			evidence = v
		}
		return false
	})
	if ok || msg == nil {
		return f, nil, false
	}
	text, isStr := msg.Value.(ast.String)
	if !isStr || text == "" {
		return f, nil, false
	}
	f.Message = string(text)
	if severity != nil {
		name, _ := severity.Value.(ast.String)
		sev, err := finding.ParseSeverity(string(name))
		if err != nil {
			return f, nil, false
		}
		f.Severity = sev
	}
	var at []any
	if path != nil {
		var err error
		if at, err = ev.resultPath(goValue(path.Value)); err != nil {
			return f, nil, false
		}
		f.Location = ev.locate(at)
	}
	if resource != nil {
		res, ok := readResource(resource.Value)
		if !ok {
			return f, nil, false
		}
		f.Resource = res
	}
	if evidence != nil {
		f.Evidence = goValue(evidence.Value)
	}
	return f, at, true
}

// readResource reads a well-formed resource object: only the keys type, id and name, each a string
// or null, with an id or a name.
func readResource(v ast.Value) (*finding.Resource, bool) {
	obj, isObj := v.(ast.Object)
	if !isObj {
		return nil, false
	}
	var res finding.Resource
	bad := obj.Until(func(k, v *ast.Term) bool {
		var field *string
		switch k.Value {
		case ast.String("type"):
			field = &res.Type
		case ast.String("id"):
			field = &res.ID
		case ast.String("name"):
			field = &res.Name
		default:
			return true
		}
		switch x := v.Value.(type) {
		case ast.String:
			*field = string(x)
		case ast.Null:
		default:
			return true
		}
		return false
	})
	if bad || res.ID == "" && res.Name == "" {
		return nil, false
	}
	return &res, true
}

// decode reads one result: a non-empty string, or an object with a non-empty string msg and
// optional path (a non-empty array of keys and indexes into input), resource ({type, id, name},
// strings), evidence (any value) and severity (a severity name). Anything else is an error that
// says what is wrong, so that a result of the wrong shape never passes for a finding. The result's
// path, rooted at input, is returned beside the finding.
func (ev *evaluation) decode(result finding.Result, raw any) (finding.Finding, []any, error) {
	f := finding.Finding{Result: result}
	if msg, isStr := raw.(string); isStr {
		if msg == "" {
			return f, nil, fmt.Errorf("is an empty string; give a message")
		}
		f.Message = msg
		return f, nil, nil
	}
	obj, isObj := raw.(map[string]any)
	if !isObj {
		return f, nil, fmt.Errorf("must be a string or an object with a msg, not %s", regoText(raw))
	}
	v, present := obj["msg"]
	msg, isStr := v.(string)
	switch {
	case !present:
		return f, nil, fmt.Errorf("has no msg; give a non-empty string")
	case !isStr || msg == "":
		return f, nil, fmt.Errorf("must have a non-empty string msg, not %s", regoText(v))
	}
	f.Message = msg
	if v, present := obj["severity"]; present {
		text, _ := v.(string)
		sev, err := finding.ParseSeverity(text)
		if err != nil {
			return f, nil, fmt.Errorf("has severity %s; want critical, high, medium, low or info (%q)", regoText(v), msg)
		}
		f.Severity = sev
	}
	var path []any
	if v, present := obj["path"]; present {
		var err error
		path, err = ev.resultPath(v)
		if err != nil {
			return f, nil, fmt.Errorf("has a bad path %s: %v (%q)", regoText(v), err, msg)
		}
		f.Location = ev.locate(path)
	}
	if v, present := obj["resource"]; present {
		res, err := resultResource(v)
		if err != nil {
			return f, nil, fmt.Errorf("has a bad resource %s: %v (%q)", regoText(v), err, msg)
		}
		f.Resource = res
	}
	f.Evidence = obj["evidence"]
	return f, path, nil
}

// resultPath checks a result's path: a non-empty array whose first element names a document of
// input and whose other elements are object keys (strings) or array indexes (whole numbers >= 0).
func (ev *evaluation) resultPath(v any) ([]any, error) {
	path, isArr := v.([]any)
	if !isArr || len(path) == 0 {
		return nil, fmt.Errorf("want a non-empty array such as [\"policy\", \"acls\", 0]")
	}
	root, isStr := path[0].(string)
	if _, present := ev.doc[root]; !isStr || !present {
		return nil, fmt.Errorf("it must start with a document of input (%s)", strings.Join(slices.Sorted(maps.Keys(ev.doc)), ", "))
	}
	for _, seg := range path[1:] {
		switch x := seg.(type) {
		case string:
		case json.Number:
			if n, err := strconv.ParseInt(string(x), 10, 64); err != nil || n < 0 {
				return nil, fmt.Errorf("%s is not an array index", x)
			}
		default:
			return nil, fmt.Errorf("%s is not a key or an array index", regoText(seg))
		}
	}
	return path, nil
}

// resultResource checks a result's resource: an object whose type, id and name, where given, are
// strings, with at least an id or a name.
func resultResource(v any) (*finding.Resource, error) {
	obj, isObj := v.(map[string]any)
	if !isObj {
		return nil, fmt.Errorf("want an object {type, id, name}")
	}
	var fields [3]string
	for i, key := range []string{"type", "id", "name"} {
		switch x := obj[key].(type) {
		case nil:
		case string:
			fields[i] = x
		default:
			return nil, fmt.Errorf("%s must be a string, not %s", key, regoText(x))
		}
	}
	for key := range obj {
		if key != "type" && key != "id" && key != "name" {
			return nil, fmt.Errorf("unknown key %q (known: type, id, name)", key)
		}
	}
	if fields[1] == "" && fields[2] == "" {
		return nil, fmt.Errorf("give an id or a name")
	}
	return &finding.Resource{Type: fields[0], ID: fields[1], Name: fields[2]}, nil
}

// regoText shows a result value as JSON, shortened, for error messages.
func regoText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%T", v)
	}
	if len(b) > 120 {
		return string(b[:117]) + "..."
	}
	return string(b)
}

// locate turns a result path (rooted at input) into a location in the file it came from.
func (ev *evaluation) locate(path []any) *finding.Location {
	root, _ := path[0].(string)
	ptr := source.Pointer(path[1:])
	switch root {
	case "policy":
		if ev.in.Policy == nil {
			return &finding.Location{Path: ptr}
		}
		loc := &finding.Location{File: ev.in.Policy.Name, Path: ptr}
		if pos, ok := ev.in.Policy.Position(ptr); ok {
			loc.Line, loc.Column = pos.Line, pos.Column
		}
		return loc
	case "tailnet":
		return &finding.Location{File: ev.in.Tailnet.Name, Path: ptr}
	case "change":
		// input.change.after is the policy file, input.change.before its base: a path into either
		// is located in that file.
		side, _ := child1(path)
		file := map[string]*policyfile.File{"after": ev.in.Policy, "before": ev.in.Base}[side]
		if file == nil || len(path) < 2 {
			break
		}
		ptr := source.Pointer(path[2:])
		loc := &finding.Location{File: file.Name, Path: ptr}
		if pos, ok := file.Position(ptr); ok {
			loc.Line, loc.Column = pos.Line, pos.Column
		}
		return loc
	}
	return &finding.Location{Path: source.Pointer(path)}
}

// add completes a finding with the rule's metadata, fingerprint and waiver state, and keeps it.
func (ev *evaluation) add(r *rule, f finding.Finding) { ev.addAt(r, f, nil) }

// addAt is add for a result that points at path, rooted at input (nil when it names no path).
func (ev *evaluation) addAt(r *rule, f finding.Finding, path []any) {
	f.Rule = r.meta.Ref()
	if f.Severity == "" {
		f.Severity = r.meta.Severity
	}
	f.Controls = r.meta.Controls
	if f.Result == finding.Fail && r.meta.EffectiveOn != "" && ev.in.Now.Format(time.DateOnly) < r.meta.EffectiveOn {
		f.Result = finding.Warn
		f.Message += fmt.Sprintf(" (reported as a warning until the rule takes effect on %s)", r.meta.EffectiveOn)
	}
	if f.Result == finding.Fail || f.Result == finding.Warn {
		f.Fingerprint = ev.fingerprint(r, f, path)
		ev.applyWaivers(&f)
	}
	ev.findings = append(ev.findings, f)
}

// addPasses records what a rule examined and found nothing wrong with: for rules over a snapshot
// collection, the resources without a result; otherwise the whole input, when the rule gave no result.
func (ev *evaluation) addPasses(r *rule, results int, failed map[string]bool) {
	if r.resources == "" || r.document != "tailnet" {
		if results == 0 {
			ev.add(r, finding.Finding{Result: finding.Pass, Message: "no problems found"})
		}
		return
	}
	ids := ev.resourceIDs(r.resources)
	// An item holding a value the snapshot records as not matching the schema is not assessed,
	// unless the rule found a problem with it anyway.
	bad := ev.in.Tailnet.Unassessed(r.resources)
	for _, i := range slices.Sorted(maps.Keys(bad)) {
		if id := ids[i]; id == "" || !failed[id] {
			ev.add(r, finding.Finding{
				Result:   finding.NotAssessed,
				Message:  "not assessed: the snapshot records a value of this item that does not match the schema: " + bad[i],
				Resource: &finding.Resource{Type: singular(r.resources), ID: id},
			})
		}
	}
	passed := make([]string, 0, len(ids))
	for i, id := range ids {
		if id != "" && failed[id] {
			continue
		}
		if _, unassessed := bad[i]; unassessed {
			continue
		}
		passed = append(passed, id)
	}
	if len(passed) == 0 && len(ids) > 0 {
		return
	}
	ev.add(r, finding.Finding{
		Result:   finding.Pass,
		Message:  fmt.Sprintf("%d of %d %s passed", len(passed), len(ids), r.resources),
		Resource: &finding.Resource{Type: singular(r.resources)},
		Evidence: map[string]any{"examined": len(ids), "passedIds": passed},
	})
}

// resourceIDs returns the ids of a snapshot collection's items, read once per evaluation however
// many rules examine the collection.
func (ev *evaluation) resourceIDs(collection string) []string {
	if ids, ok := ev.ids[collection]; ok {
		return ids
	}
	items, _ := ev.in.Tailnet.Raw[collection].([]any)
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = resourceID(collection, it)
	}
	if ev.ids == nil {
		ev.ids = map[string][]string{}
	}
	ev.ids[collection] = ids
	return ids
}

// resourceID names an item of a snapshot collection the way the built-in rules do in their results
// (policies/lib/tailnet.rego): a device by its nodeId and a webhook by its endpointId, each falling
// back to its id; anything else by its id. A string id is taken as it is; a number or a boolean is
// printed as Rego's sprintf("%v") prints it; anything else gives "". TestResourceIDsAgreeWithRego
// holds this and the Rego helpers together.
func resourceID(collection string, item any) string {
	m, _ := item.(map[string]any)
	var own string
	switch collection {
	case "devices":
		own = "nodeId"
	case "webhooks":
		own = "endpointId"
	}
	if id, ok := m[own].(string); ok && id != "" {
		return id
	}
	switch id := m["id"].(type) {
	case string:
		return id
	case json.Number:
		return numberText(id)
	case float64, int, int64, bool:
		return fmt.Sprint(id)
	}
	return ""
}

// numberText prints a JSON number as Rego's sprintf("%v") does: written with a fraction or an
// exponent, as the float it is; otherwise as an integer.
func numberText(n json.Number) string {
	if strings.ContainsAny(string(n), ".eE") {
		if f, err := n.Float64(); err == nil {
			return fmt.Sprint(f)
		}
		return string(n)
	}
	if i, err := n.Int64(); err == nil {
		return strconv.FormatInt(i, 10)
	}
	if b, ok := new(big.Int).SetString(string(n), 10); ok {
		return b.String()
	}
	return string(n)
}

func singular(collection string) string {
	switch collection {
	case "devices":
		return "device"
	case "users":
		return "user"
	case "keys":
		return "key"
	case "webhooks":
		return "webhook"
	}
	return strings.TrimSuffix(collection, "s")
}

// fingerprint identifies a finding by what it is about, not where it sits: the rule, the resource,
// the content of the policy entry it points at or, for a finding that points at nothing, its
// message without array indexes. Editing elsewhere in the file does not change it: inserting or
// reordering entries, reindenting, comments.
func (ev *evaluation) fingerprint(r *rule, f finding.Finding, path []any) string {
	var anchor string
	switch {
	case f.Resource != nil && f.Resource.ID != "":
		anchor = "resource:" + f.Resource.Type + "/" + f.Resource.ID
	case len(path) > 1:
		root, _ := path[0].(string)
		anchor = "value:" + ev.contentAnchor(root, source.Pointer(path[1:]))
	default:
		anchor = "message:" + stableMessage(f.Message)
	}
	base := r.meta.ID + "\x00" + anchor
	n := ev.seen[base]
	ev.seen[base] = n + 1
	if n > 0 {
		base += "\x00" + strconv.Itoa(n)
	}
	sum := sha256.Sum256([]byte(base))
	return "sha256:" + hex.EncodeToString(sum[:16])
}

// contentAnchor describes the value at ptr by the shape of its path (indexes dropped, keys kept) and,
// when the path goes through an array, by the content of the entry that holds it (the value at the
// first array index along the path) and of the value itself. So moving an entry keeps the anchor,
// and changing it does not. A value reached by keys alone (a tagOwners entry, a group) is named by
// its keys: editing the owners of a tag does not make a finding about the tag a new one.
func (ev *evaluation) contentAnchor(document, ptr string) string {
	segs := source.Tokens(ptr)
	shape := make([]string, len(segs))
	var cur any = ev.doc[document]
	var entry any
	indexed := false
	for i, s := range segs {
		if _, err := strconv.Atoi(s); err == nil {
			shape[i] = "#"
		} else {
			shape[i] = source.EscapeToken(s)
		}
		cur = child(cur, s)
		if !indexed && shape[i] == "#" {
			entry, indexed = cur, true
		}
	}
	anchor := strings.Join(shape, "/")
	if !indexed {
		return anchor
	}
	b1, _ := json.Marshal(entry)
	b2, _ := json.Marshal(cur)
	return anchor + "\x00" + string(b1) + "\x00" + string(b2)
}

// indexPattern matches an array index as messages write it: acls[3].
var indexPattern = regexp.MustCompile(`\[[0-9]+\]`)

// stableMessage is a finding's message with its array indexes taken out ("ssh[#] accepts root"),
// so that inserting or reordering entries keeps it.
func stableMessage(msg string) string { return indexPattern.ReplaceAllString(msg, "[#]") }

// child1 returns the second element of a result path as a string.
func child1(path []any) (string, bool) {
	if len(path) < 2 {
		return "", false
	}
	s, ok := path[1].(string)
	return s, ok
}

// child returns the value at one unescaped pointer token of v, or nil.
func child(v any, seg string) any {
	switch x := v.(type) {
	case map[string]any:
		return x[seg]
	case []any:
		if i, err := strconv.Atoi(seg); err == nil && i >= 0 && i < len(x) {
			return x[i]
		}
	}
	return nil
}

// report assembles the findings into a sorted, summarised report.
func (ev *evaluation) report() *finding.Report {
	ev.reportUnusedWaivers()
	if ev.in.Policy != nil {
		for _, w := range ev.in.Policy.Warnings {
			ev.diags = append(ev.diags, finding.Diagnostic{Level: "warning", Message: w.Msg, Location: w.Location()})
		}
	}
	finding.Sort(ev.findings)
	slices.SortStableFunc(ev.diags, func(a, b finding.Diagnostic) int {
		return strings.Compare(a.Location.String(), b.Location.String())
	})
	rep := &finding.Report{
		SchemaVersion: finding.SchemaVersion,
		GeneratedAt:   ev.in.Now.UTC(),
		FailOn:        ev.in.FailOn,
		Inputs:        ev.in.Inputs,
		Rules:         ev.engine.Rules(),
		Findings:      ev.findings,
		Diagnostics:   ev.diags,
	}
	rep.Summarize()
	return rep
}

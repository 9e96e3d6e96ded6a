package engine

import (
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/metrics"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/topdown"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/engine/policyfile"
	"github.com/tailaudit/tailaudit/engine/tailnet"
	"github.com/tailaudit/tailaudit/internal/builtins"
)

// Event is one normalised audit or flow log entry, as alert rules see it in input.event.
type Event struct {
	Time time.Time
	Doc  map[string]any
	// Where it was read, for the alert's location.
	File    string
	Line    int
	Pointer string
	// Prepared, when not nil, is what a Preparer of the stream the event is added to made of it
	// ahead of Add; Add then does not do that part again.
	Prepared *Prepared
}

// maxAlertEvents bounds the events an alert carries: the latest of those that raised it.
const maxAlertEvents = 100

// AlertInput is what an alert run judges besides the events.
type AlertInput struct {
	Tailnet *tailnet.Snapshot // the latest snapshot, as input.tailnet; nil leaves it out
	Policy  *policyfile.File  // the current policy file, as input.policy; nil leaves it out
	Params  map[string]any
	Now     time.Time // input.now

	// What earlier runs remember (tailaudit alerts --state); both empty for a run on its own.
	//
	// Suppressed is the suppression memory: while an entry holds, its rule raises no alert for its
	// dedup key, so that custom.suppress holds across runs.
	Suppressed []Suppression
	// Seen reports whether an actor (its login name, else its id) appeared in the events of an
	// earlier run. When it is set, every event gets input.first: {"actor": true} when its actor was
	// never seen before, in an earlier run or earlier in this one; without it input.first is absent.
	Seen func(actor string) bool
	// Baseline, with Seen, builds the first-seen memory without judging it: the actors are
	// recorded (NewActors) as usual, but input.first.actor is false for every event. It is for a
	// run over an empty memory, where every actor would otherwise be new.
	Baseline bool
}

// Suppression is one entry of the suppression memory: no alert of Rule for Dedup before Until.
type Suppression struct {
	Rule, Dedup string
	Until       time.Time
}

// AlertRules returns the metadata of every loaded alert rule, sorted by id.
func (e *Engine) AlertRules() []finding.Rule {
	out := make([]finding.Rule, len(e.alerts))
	for i, r := range e.alerts {
		out[i] = r.meta
	}
	slices.SortFunc(out, func(a, b finding.Rule) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// AlertStream judges events one at a time with every alert rule, keeping for each window the
// earlier events it needs, bounded, and the suppression memory. It is not safe for concurrent use.
//
// An event reaches only the rules whose custom.match admits it: the rules are indexed by the
// target.type and action their filters name, so most events are checked against a few filters
// and many against none. The rules an event reaches are evaluated in one prepared query per window
// they read (one, for nearly every event), the event converted to Rego once, straight from its
// document, and only when a rule or a window needs it.
type AlertStream struct {
	e       *Engine
	base    [][2]*ast.Term // tailnet, params, now: the same for every event
	cache   *builtins.Cache
	rules   []*rule   // the event rules (not drift), in e.alerts order
	windows []*window // of rules[i], nil for a rule without a window
	groups  []int     // rules[i]'s group_by key in its window's events; -1 for none
	kept    []*window // every window once
	index   map[matchKey][]int
	byCode  map[matchKey][]int // the candidates of an event's target.type and action, remembered
	queries map[string]*alertQuery
	until   map[suppressKey]time.Time // rule id + dedup key → end of its custom.suppress
	emitted map[string]time.Time      // alert ids already raised → when their window has passed
	known   func(string) bool         // AlertInput.Seen
	learn   bool                      // AlertInput.Baseline: record actors, call none first
	actors  map[string]bool           // actors first seen in this run
	latest  time.Time                 // the newest event added or remembered
	now     time.Time
	seen    int

	conv converter

	// Buffers reused from one event to the next.
	admitted []int
	key      []byte
	pairs    [][2]*ast.Term
}

// matchKey is a pair of an event's target.type and action, or of the values a filter admits for
// them; any marks a filter that does not name the field (or names it with "*" or non-strings).
type matchKey struct {
	targetType, action       string
	anyTargetType, anyAction bool
}

// maxRemembered bounds byCode: events with ever new codes are indexed without remembering.
const maxRemembered = 4096

type suppressKey struct{ rule, dedup string }

type window struct {
	span    time.Duration
	filter  []matchFilter // the events it holds; nil holds every event
	groupBy [][][]string  // the group_by fields of the threshold rules reading it
	events  []windowEvent // oldest first, from head on
	terms   *ast.Array    // the events in Rego, in the same places: input.window is a slice of it
	head    int
}

type windowEvent struct {
	ev     *Event
	groups []string // the event's value of each of the window's groupBy, as groupKey gives it
}

type alertQuery struct {
	query rego.PreparedEvalQuery
	rules []*rule
	vars  []string // the binding of each rule's alert set
}

// Alerts starts an alert run. Parameters are checked as Evaluate checks them.
func (e *Engine) Alerts(in AlertInput) (*AlertStream, error) {
	if in.Now.IsZero() {
		return nil, fmt.Errorf("alerts: AlertInput.Now is required")
	}
	if errs := e.CheckParams(in.Params); len(errs) > 0 {
		return nil, fmt.Errorf("alerts: %w", errs[0])
	}
	params := in.Params
	if params == nil {
		params = map[string]any{}
	}
	pv, err := ast.InterfaceToValue(params)
	if err != nil {
		return nil, fmt.Errorf("convert params: %w", err)
	}
	s := &AlertStream{
		e:       e,
		index:   map[matchKey][]int{},
		byCode:  map[matchKey][]int{},
		queries: map[string]*alertQuery{},
		until:   map[suppressKey]time.Time{},
		emitted: map[string]time.Time{},
		known:   in.Seen,
		learn:   in.Baseline,
		actors:  map[string]bool{},
		now:     in.Now.UTC(),
		base: [][2]*ast.Term{
			{ast.StringTerm("params"), ast.NewTerm(pv)},
			{ast.StringTerm("now"), ast.StringTerm(in.Now.UTC().Format(time.RFC3339))},
		},
	}
	var snapshot map[string]any
	if in.Tailnet != nil {
		snapshot = in.Tailnet.Raw
		tv, err := ast.InterfaceToValue(snapshot)
		if err != nil {
			return nil, fmt.Errorf("convert snapshot: %w", err)
		}
		s.base = append(s.base, [2]*ast.Term{ast.StringTerm("tailnet"), ast.NewTerm(tv)})
	}
	var policy map[string]any
	if in.Policy != nil {
		policy = in.Policy.Doc
		pv, err := ast.InterfaceToValue(policy)
		if err != nil {
			return nil, fmt.Errorf("convert policy: %w", err)
		}
		s.base = append(s.base, [2]*ast.Term{ast.StringTerm("policy"), ast.NewTerm(pv)})
	}
	s.cache = builtins.NewCache(ast.NewObject(s.base...), policy, snapshot)
	byKey := map[string]*window{}
	var c *ast.Compiler
	if in.Seen == nil {
		if c, err = e.alertCompiler(); err != nil {
			return nil, err
		}
	}
	for _, r := range e.alerts {
		if r.drift {
			continue
		}
		if c != nil && needsFirst(c.GetRulesExact(alertRef(r))) {
			continue // without Seen there is no input.first: the rule can raise nothing
		}
		i := len(s.rules)
		s.rules = append(s.rules, r)
		var w *window
		group := -1
		if r.alert.key != "" {
			if w = byKey[r.alert.key]; w == nil {
				w = &window{span: r.alert.window, filter: r.alert.kept()}
				byKey[r.alert.key] = w
				s.kept = append(s.kept, w)
			}
			if r.alert.threshold > 0 {
				group = w.group(r.alert.groupBy)
			}
		}
		s.windows = append(s.windows, w)
		s.groups = append(s.groups, group)
		s.indexRule(i)
	}
	for _, sup := range in.Suppressed {
		k := suppressKey{sup.Rule, sup.Dedup}
		if sup.Until.After(s.until[k]) {
			s.until[k] = sup.Until.UTC()
		}
	}
	return s, nil
}

// Remember adds an event judged by an earlier run to the windows that would have kept it, without
// judging it again, so that a window or threshold spanning two runs sees it. Events should come in
// time order, before the events of this run.
func (s *AlertStream) Remember(ev *Event) error {
	var value ast.Value
	for _, w := range s.kept {
		if w.filter != nil && !anyAdmits(w.filter, ev.Doc) {
			continue
		}
		if value == nil {
			v, err := s.conv.value(ev.Doc)
			if err != nil {
				return fmt.Errorf("%s: convert event: %w", eventPlace(ev), err)
			}
			value = v
		}
		w.within(ev.Time)
		w.add(ev, value)
	}
	if ev.Time.After(s.latest) {
		s.latest = ev.Time
	}
	return nil
}

// Held returns the events the windows hold that a later event could still see: those within a
// window's span of the newest event. A later run gives them to Remember. Oldest first.
func (s *AlertStream) Held() []*Event {
	seen := map[*Event]bool{}
	var out []*Event
	for _, w := range s.kept {
		from := s.latest.Add(-w.span)
		for _, we := range w.events[w.head:] {
			if !we.ev.Time.Before(from) && !seen[we.ev] {
				seen[we.ev] = true
				out = append(out, we.ev)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b *Event) int { return a.Time.Compare(b.Time) })
	return out
}

// Suppressions returns the suppression memory as it stands: the entries given in AlertInput and
// those this run's alerts added, sorted by rule and dedup key.
func (s *AlertStream) Suppressions() []Suppression {
	out := make([]Suppression, 0, len(s.until))
	for k, t := range s.until {
		out = append(out, Suppression{Rule: k.rule, Dedup: k.dedup, Until: t})
	}
	slices.SortFunc(out, func(a, b Suppression) int {
		return cmp.Or(strings.Compare(a.Rule, b.Rule), strings.Compare(a.Dedup, b.Dedup))
	})
	return out
}

// NewActors returns the actors this run saw that AlertInput.Seen did not know, sorted; nil when
// Seen is not set.
func (s *AlertStream) NewActors() []string {
	return slices.Sorted(maps.Keys(s.actors))
}

// indexRule files rules[i] under every target.type and action pair its filters admit.
func (s *AlertStream) indexRule(i int) {
	filters := s.rules[i].alert.match
	if filters == nil {
		s.index[matchKey{anyTargetType: true, anyAction: true}] = append(s.index[matchKey{anyTargetType: true, anyAction: true}], i)
		return
	}
	for _, f := range filters {
		types, actions := f.strings("target.type"), f.strings("action")
		for _, t := range orAny(types) {
			for _, a := range orAny(actions) {
				k := matchKey{targetType: t, action: a, anyTargetType: types == nil, anyAction: actions == nil}
				if !slices.Contains(s.index[k], i) {
					s.index[k] = append(s.index[k], i)
				}
			}
		}
	}
}

// strings returns the string values the filter admits for a field, or nil when it admits any
// value of it (it does not name the field, or names it with "*", values that are not strings or
// values it excludes).
func (f matchFilter) strings(name string) []string {
	for _, fl := range f.fields {
		if fl.name == name {
			if fl.any || fl.not || len(fl.other) > 0 {
				return nil
			}
			return fl.strs
		}
	}
	return nil
}

func orAny(vals []string) []string {
	if vals == nil {
		return []string{""}
	}
	return vals
}

// candidates returns the rules (indexes into s.rules, in order) whose filters may admit an event
// of the target type and action given (ok false when the event has no such string).
func (s *AlertStream) candidates(targetType string, typeOK bool, action string, actionOK bool) []int {
	return candidates(s.index, s.byCode, targetType, typeOK, action, actionOK)
}

// candidates looks the rules up in index, remembering the answer by code in byCode.
func candidates(index, byCode map[matchKey][]int, targetType string, typeOK bool, action string, actionOK bool) []int {
	code := matchKey{targetType: targetType, action: action, anyTargetType: !typeOK, anyAction: !actionOK}
	if c, ok := byCode[code]; ok {
		return c
	}
	var c []int
	add := func(k matchKey) {
		for _, i := range index[k] {
			if !slices.Contains(c, i) {
				c = append(c, i)
			}
		}
	}
	if typeOK && actionOK {
		add(matchKey{targetType: targetType, action: action})
	}
	if typeOK {
		add(matchKey{targetType: targetType, anyAction: true})
	}
	if actionOK {
		add(matchKey{action: action, anyTargetType: true})
	}
	add(matchKey{anyTargetType: true, anyAction: true})
	slices.Sort(c)
	if len(byCode) < maxRemembered {
		byCode[code] = c
	}
	return c
}

// codes returns an event's target.type and action, each with whether it is a string.
func codes(doc map[string]any) (targetType string, typeOK bool, action string, actionOK bool) {
	if t, ok := doc["target"].(map[string]any); ok {
		targetType, typeOK = t["type"].(string)
	}
	action, actionOK = doc["action"].(string)
	return targetType, typeOK, action, actionOK
}

// Prepared is the part of judging an event that does not depend on the events before it: the
// rules whose custom.match admits it, the windows that keep it, and its Rego value when one of
// them needs it.
type Prepared struct {
	s        *AlertStream // whose rules and windows these are
	admitted []int        // indexes into s.rules, in order
	kept     []int        // indexes into s.kept, in order
	value    ast.Value    // nil when no rule admits the event and no window keeps it
	err      error        // from converting it
}

// Preparer prepares events for an AlertStream's Add on another goroutine than Add's, so that the
// matching and the conversion to Rego of some events run beside the evaluation of others. It reads only what the stream
// fixed when it was made, and converts with a converter of its own. It is not safe for concurrent
// use (one Preparer per goroutine).
type Preparer struct {
	s      *AlertStream
	byCode map[matchKey][]int
	conv   converter
}

// Preparer returns a new Preparer for the stream's events.
func (s *AlertStream) Preparer() *Preparer {
	return &Preparer{s: s, byCode: map[matchKey][]int{}}
}

// Prepare does ahead of Add what Add would do first for an event of doc: set the result as the
// event's Prepared.
func (p *Preparer) Prepare(doc map[string]any) *Prepared {
	s := p.s
	out := &Prepared{s: s}
	targetType, typeOK, action, actionOK := codes(doc)
	for _, i := range candidates(s.index, p.byCode, targetType, typeOK, action, actionOK) {
		if r := s.rules[i]; r.alert.match == nil || r.alert.admits(doc) {
			out.admitted = append(out.admitted, i)
		}
	}
	for i, w := range s.kept {
		if w.filter == nil || anyAdmits(w.filter, doc) {
			out.kept = append(out.kept, i)
		}
	}
	if len(out.admitted) > 0 || len(out.kept) > 0 {
		out.value, out.err = p.conv.value(doc)
	}
	return out
}

// convertedOr returns the value p converted, or with p nil, conv's conversion of doc.
func (p *Prepared) convertedOr(conv *converter, doc map[string]any) (ast.Value, error) {
	if p == nil {
		return conv.value(doc)
	}
	return p.value, p.err
}

// Add judges one event and returns the alerts it raises, by rule id. Events should come in time
// order: a window holds the earlier events within its span of the event being judged.
func (s *AlertStream) Add(ctx context.Context, ev *Event) ([]finding.Alert, error) {
	s.seen++
	if ev.Time.After(s.latest) {
		s.latest = ev.Time
	}
	var first *ast.Term
	if s.known != nil {
		actor := actorKey(actorOf(ev.Doc))
		isNew := actor != "" && !s.actors[actor] && !s.known(actor)
		if isNew {
			s.actors[actor] = true
		}
		first = ast.ObjectTerm(ast.Item(ast.StringTerm("actor"), ast.BooleanTerm(isNew && !s.learn)))
	}
	p := ev.Prepared
	if p != nil && p.s != s {
		p = nil // prepared for another stream: done again here
	}
	s.admitted = s.admitted[:0]
	if p != nil {
		for _, i := range p.admitted {
			if s.mayReach(i, ev) {
				s.admitted = append(s.admitted, i)
			}
		}
	} else {
		for _, i := range s.candidates(codes(ev.Doc)) {
			if r := s.rules[i]; (r.alert.match == nil || r.alert.admits(ev.Doc)) && s.mayReach(i, ev) {
				s.admitted = append(s.admitted, i)
			}
		}
	}
	var value ast.Value
	convert := func() (ast.Value, error) {
		if value == nil {
			v, err := p.convertedOr(&s.conv, ev.Doc)
			if err != nil {
				return nil, fmt.Errorf("%s: convert event: %w", eventPlace(ev), err)
			}
			value = v
		}
		return value, nil
	}
	var out []finding.Alert
	// The rules admitted, one query for those that read the same window (or none).
	for start := 0; start < len(s.admitted); {
		w := s.windows[s.admitted[start]]
		end := start + 1
		for end < len(s.admitted) && s.windows[s.admitted[end]] == w {
			end++
		}
		group := s.admitted[start:end]
		if end < len(s.admitted) { // rules of other windows follow: gather this window's from the rest
			group = nil
			rest := s.admitted[:0:0]
			for _, i := range s.admitted[start:] {
				if s.windows[i] == w {
					group = append(group, i)
				} else {
					rest = append(rest, i)
				}
			}
			s.admitted = append(append(s.admitted[:start], group...), rest...)
			end = start + len(group)
		}
		v, err := convert()
		if err != nil {
			return nil, err
		}
		earlier, terms := w.within(ev.Time)
		alerts, err := s.evaluate(ctx, ev, v, first, s.admitted[start:end], earlier, terms)
		if err != nil {
			return nil, err
		}
		out = append(out, alerts...)
		start = end
	}
	keep := func(w *window) error {
		v, err := convert()
		if err != nil {
			return err
		}
		w.add(ev, v)
		return nil
	}
	if p != nil {
		for _, i := range p.kept {
			if err := keep(s.kept[i]); err != nil {
				return nil, err
			}
		}
	} else {
		for _, w := range s.kept {
			if w.filter == nil || anyAdmits(w.filter, ev.Doc) {
				if err := keep(w); err != nil {
					return nil, err
				}
			}
		}
	}
	sortAlerts(out)
	return out, nil
}

// mayReach reports whether rules[i] can raise an alert on ev: false for a threshold rule when the
// window and ev hold fewer events of ev's group than the threshold, so that every result would be
// held back. Such an event is not evaluated; a rule whose results are malformed is then reported
// at the first event that reaches its threshold.
func (s *AlertStream) mayReach(i int, ev *Event) bool {
	spec := s.rules[i].alert
	if spec.threshold <= 1 {
		return true
	}
	earlier, _ := s.windows[i].within(ev.Time)
	if len(earlier)+1 < spec.threshold {
		return false
	}
	own, g, n := groupKey(spec.groupBy, ev.Doc), s.groups[i], 1
	for j := range earlier {
		if earlier[j].groups[g] == own {
			if n++; n >= spec.threshold {
				return true
			}
		}
	}
	return false
}

func sortAlerts(out []finding.Alert) {
	slices.SortStableFunc(out, func(a, b finding.Alert) int { return strings.Compare(a.Rule.ID, b.Rule.ID) })
}

// Drift judges the change between two snapshots with the drift rules (tailaudit.alerts.drift_*),
// which see input.change.before and input.change.after, input.change.policy when the stored policy
// files differ (see driftChange), input.tailnet (the after snapshot),
// input.params and input.now. Their alerts are timed at the after snapshot's collectedAt; the
// dedup key defaults to the rule id and the message.
func (s *AlertStream) Drift(ctx context.Context, before, after *tailnet.Snapshot) ([]finding.Alert, error) {
	var drift []*rule
	for _, r := range s.e.alerts {
		if r.drift {
			drift = append(drift, r)
		}
	}
	if len(drift) == 0 {
		return nil, nil
	}
	doc, err := driftChange(before, after)
	if err != nil {
		return nil, err
	}
	change, err := ast.InterfaceToValue(doc)
	if err != nil {
		return nil, fmt.Errorf("convert snapshots: %w", err)
	}
	tv, err := ast.InterfaceToValue(after.Raw)
	if err != nil {
		return nil, fmt.Errorf("convert snapshot: %w", err)
	}
	var pairs [][2]*ast.Term
	for _, p := range s.base {
		if p[0].Value.Compare(ast.String("tailnet")) != 0 {
			pairs = append(pairs, p)
		}
	}
	pairs = append(pairs, [2]*ast.Term{ast.StringTerm("change"), ast.NewTerm(change)}, [2]*ast.Term{ast.StringTerm("tailnet"), ast.NewTerm(tv)})
	q, err := s.prepare(ctx, drift)
	if err != nil {
		return nil, err
	}
	rctx, cancel := context.WithTimeout(ctx, s.e.ruleTimeout)
	defer cancel()
	rs, err := q.query.Eval(rctx, rego.EvalParsedInput(ast.NewObject(pairs...)), rego.EvalInterQueryBuiltinValueCache(builtins.NewCache(ast.NewObject(pairs...), nil, after.Raw)))
	if err != nil {
		return nil, fmt.Errorf("drift rules: %w", err)
	}
	if len(rs) != 1 {
		return nil, nil
	}
	// Drift alerts are timed at the newer snapshot's collection, so that a re-run over the same
	// two snapshots gives the same ids; input.now when the snapshot does not say.
	at := s.now
	if text, ok := after.Raw["collectedAt"].(string); ok {
		if t, err := time.Parse(time.RFC3339Nano, text); err == nil {
			at = t.UTC()
		}
	}
	ev := &Event{Time: at, Doc: map[string]any{}}
	var out []finding.Alert
	for i, r := range q.rules {
		set, _ := rs[0].Bindings[q.vars[i]].([]any)
		results := slices.Clone(set)
		slices.SortFunc(results, func(a, b any) int { return strings.Compare(regoText(a), regoText(b)) })
		for _, raw := range results {
			if m, ok := raw.(map[string]any); ok && m["dedup"] == nil {
				m["dedup"] = r.meta.ID + "|" + regoText(m["msg"])
			}
			a, ok, err := s.alert(r, -1, ev, raw, nil)
			if err != nil {
				return nil, fmt.Errorf("rule %s (%s): an alert result %v", r.meta.ID, r.meta.Source, err)
			}
			if ok {
				a.Events = nil
				out = append(out, a)
			}
		}
	}
	return out, nil
}

// within returns the window's events earlier than t and within its span, and the same in Rego,
// dropping older ones. A nil window has none.
func (w *window) within(t time.Time) ([]windowEvent, *ast.Array) {
	if w == nil {
		return nil, emptyArray
	}
	from := t.Add(-w.span)
	for w.head < len(w.events) && w.events[w.head].ev.Time.Before(from) {
		w.drop()
	}
	n := len(w.events)
	for n > w.head && w.events[n-1].ev.Time.After(t) {
		n--
	}
	if n == w.head {
		return nil, emptyArray
	}
	return w.events[w.head:n], w.terms.Slice(w.head, n)
}

var emptyArray = ast.NewArray()

// drop forgets the oldest event, moving the rest down once half the slice is forgotten ones.
func (w *window) drop() {
	w.events[w.head] = windowEvent{}
	w.head++
	if w.head == len(w.events) {
		w.events, w.terms, w.head = w.events[:0], nil, 0
	} else if w.head >= 1024 && 2*w.head >= len(w.events) {
		n := copy(w.events, w.events[w.head:])
		clear(w.events[n:])
		terms := make([]*ast.Term, n)
		for i := range terms {
			terms[i] = w.terms.Elem(w.head + i)
		}
		w.events, w.terms, w.head = w.events[:n], ast.NewArray(terms...), 0
	}
}

func (w *window) add(ev *Event, value ast.Value) {
	if len(w.events)-w.head >= maxWindowEvents {
		w.drop()
	}
	we := windowEvent{ev: ev}
	if len(w.groupBy) > 0 {
		we.groups = make([]string, len(w.groupBy))
		for i, g := range w.groupBy {
			we.groups[i] = groupKey(g, ev.Doc)
		}
	}
	w.events = append(w.events, we)
	if w.terms == nil {
		w.terms = ast.NewArrayWithCapacity(16)
	}
	w.terms = w.terms.Append(ast.NewTerm(value))
}

// group returns the index of a group_by among the window's, adding it the first time.
func (w *window) group(groupBy [][]string) int {
	for i, g := range w.groupBy {
		if slices.EqualFunc(g, groupBy, slices.Equal) {
			return i
		}
	}
	w.groupBy = append(w.groupBy, groupBy)
	return len(w.groupBy) - 1
}

// evaluate runs the rules (indexes into s.rules) over one event with one query.
// earlier are the window's events and terms the same in Rego; first is input.first, nil to leave
// it out.
func (s *AlertStream) evaluate(ctx context.Context, ev *Event, value ast.Value, first *ast.Term, idx []int, earlier []windowEvent, terms *ast.Array) ([]finding.Alert, error) {
	q, err := s.query(ctx, idx)
	if err != nil {
		return nil, err
	}
	s.pairs = append(append(s.pairs[:0], s.base...),
		[2]*ast.Term{eventKey, ast.NewTerm(value)},
		[2]*ast.Term{windowKey, ast.NewTerm(terms)},
	)
	if first != nil {
		s.pairs = append(s.pairs, [2]*ast.Term{firstKey, first})
	}
	input := ast.NewObject(s.pairs...)
	clear(s.pairs)
	// The rule budget and ctx cancel the query through a Cancel of our own: without one, OPA
	// starts a goroutine per evaluation to watch the context, a good part of a small query's cost.
	c := topdown.NewCancel()
	budget := time.AfterFunc(s.e.ruleTimeout, c.Cancel)
	stop := context.AfterFunc(ctx, c.Cancel)
	rs, err := q.query.Eval(ctx, rego.EvalParsedInput(input), rego.EvalInterQueryBuiltinValueCache(s.cache),
		rego.EvalExternalCancel(c), rego.EvalMetrics(noMetrics))
	budget.Stop()
	stop()
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%s: alert rules: %w", eventPlace(ev), err)
	}
	if len(rs) != 1 {
		return nil, nil
	}
	var out []finding.Alert
	for i, ri := range idx {
		alerts, err := s.results(ri, ev, rs[0].Bindings[q.vars[i]], earlier)
		if err != nil {
			return nil, err
		}
		out = append(out, alerts...)
	}
	return out, nil
}

// noMetrics is given to every evaluation, so that none allocates metrics nobody reads.
var noMetrics = metrics.NoOp()

var (
	eventKey  = ast.StringTerm("event")
	windowKey = ast.StringTerm("window")
	firstKey  = ast.StringTerm("first")
)

// results turns the alert set of rules[ri] for one event into alerts.
func (s *AlertStream) results(ri int, ev *Event, set any, earlier []windowEvent) ([]finding.Alert, error) {
	list, _ := set.([]any)
	if len(list) == 0 {
		return nil, nil
	}
	r := s.rules[ri]
	results := slices.Clone(list)
	slices.SortFunc(results, func(a, b any) int { return strings.Compare(regoText(a), regoText(b)) })
	var out []finding.Alert
	for _, raw := range results {
		a, ok, err := s.alert(r, s.groups[ri], ev, raw, earlier)
		if err != nil {
			return nil, fmt.Errorf("%s: rule %s (%s): an alert result %v", eventPlace(ev), r.meta.ID, r.meta.Source, err)
		}
		if ok {
			out = append(out, a)
		}
	}
	return out, nil
}

// query returns the prepared query of a set of rules (indexes into s.rules), preparing it the
// first time.
func (s *AlertStream) query(ctx context.Context, idx []int) (*alertQuery, error) {
	s.key = s.key[:0]
	for _, i := range idx {
		s.key = binary.AppendUvarint(s.key, uint64(i))
	}
	if q, ok := s.queries[string(s.key)]; ok {
		return q, nil
	}
	rules := make([]*rule, len(idx))
	for i, ri := range idx {
		rules[i] = s.rules[ri]
	}
	q, err := s.prepare(ctx, rules)
	if err != nil {
		return nil, err
	}
	s.queries[string(s.key)] = q
	return q, nil
}

// alertRef is the reference of a rule's alert set.
func alertRef(r *rule) ast.Ref {
	return ast.MustParseRef("data." + r.pkg).Append(ast.StringTerm("alert"))
}

// needsFirst reports whether each of the rules (an alert set's definitions, compiled) has, at the
// top of its body, an expression that is undefined when input.first is: a reference into
// input.first alone, or as an operand of a call (==, != and the like), neither negated nor under
// with. Such a set is empty whenever input.first is absent, as it is without AlertInput.Seen.
func needsFirst(rules []*ast.Rule) bool {
	if len(rules) == 0 {
		return false
	}
	for _, rl := range rules {
		if rl.Else != nil || !slices.ContainsFunc(rl.Body, undefinedWithoutFirst) {
			return false
		}
	}
	return true
}

var firstRef = ast.MustParseRef("input.first")

func undefinedWithoutFirst(expr *ast.Expr) bool {
	if expr.Negated || len(expr.With) > 0 {
		return false
	}
	intoFirst := func(t *ast.Term) bool {
		ref, ok := t.Value.(ast.Ref)
		return ok && ref.HasPrefix(firstRef)
	}
	switch ts := expr.Terms.(type) {
	case *ast.Term:
		return intoFirst(ts)
	case []*ast.Term:
		return slices.ContainsFunc(ts[1:], intoFirst)
	}
	return false
}

// prepare prepares one query binding the alert set of each rule.
func (s *AlertStream) prepare(ctx context.Context, rules []*rule) (*alertQuery, error) {
	q := &alertQuery{rules: rules}
	body := make(ast.Body, 0, len(rules))
	for i, r := range rules {
		name := "r" + strconv.Itoa(i)
		q.vars = append(q.vars, name)
		expr := ast.Equality.Expr(ast.VarTerm(name), ast.NewTerm(alertRef(r)))
		expr.Index = i
		body = append(body, expr)
	}
	c, err := s.e.alertCompiler()
	if err != nil {
		return nil, err
	}
	pq, err := rego.New(append(s.e.regoOptions(c), rego.ParsedQuery(body))...).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("prepare alert rules: %w", err)
	}
	q.query = pq
	return q, nil
}

// alert turns one alert result into an alert, applying the rule's threshold and suppression;
// ok is false when they hold it back.
//
// group is the index of the rule's group_by among its window's (-1 without a threshold).
func (s *AlertStream) alert(r *rule, group int, ev *Event, raw any, earlier []windowEvent) (finding.Alert, bool, error) {
	a := finding.Alert{Result: finding.AlertResult, Rule: r.meta.Ref(), Severity: r.meta.Severity, Time: ev.Time,
		Runbook: r.alert.runbook, Controls: r.meta.Controls, Actor: actorOf(ev.Doc), Target: targetOf(ev.Doc)}
	dedup := ""
	switch v := raw.(type) {
	case string:
		a.Message = v
	case map[string]any:
		a.Message, _ = v["msg"].(string)
		if sv, ok := v["severity"]; ok {
			text, _ := sv.(string)
			sev, err := finding.ParseSeverity(text)
			if err != nil {
				return a, false, fmt.Errorf("has severity %s; want critical, high, medium, low or info", regoText(sv))
			}
			a.Severity = sev
		}
		if dv, ok := v["dedup"]; ok {
			if text, isStr := dv.(string); isStr {
				dedup = text
			} else {
				dedup = regoText(dv)
			}
		}
		a.Evidence = v["evidence"]
	default:
		return a, false, fmt.Errorf("must be a string or an object with a msg, not %s", regoText(raw))
	}
	if a.Message == "" {
		return a, false, fmt.Errorf("has no msg; give a non-empty string")
	}
	if dedup == "" {
		dedup = r.meta.ID + "|" + actorKey(a.Actor) + "|" + targetKey(a.Target)
	}
	a.Dedup = dedup
	start := ev.Time
	counted := []*Event{ev}
	if spec := r.alert; spec.threshold > 0 {
		counted = counted[:0]
		own := groupKey(spec.groupBy, ev.Doc)
		for _, we := range earlier {
			if we.groups[group] == own {
				counted = append(counted, we.ev)
			}
		}
		counted = append(counted, ev)
		if len(counted) < spec.threshold {
			return a, false, nil
		}
		start = counted[0].Time
		a.Window = &finding.AlertWindow{Start: start, End: ev.Time, Count: len(counted)}
	}
	a.ID = finding.AlertID(r.meta.ID, dedup, start)
	if _, dup := s.emitted[a.ID]; dup {
		return a, false, nil
	}
	sk := suppressKey{r.meta.ID, dedup}
	if until, ok := s.until[sk]; ok && r.alert.suppress > 0 && ev.Time.Before(until) {
		return a, false, nil
	}
	if r.alert.suppress > 0 {
		s.until[sk] = ev.Time.Add(r.alert.suppress)
	}
	if r.alert.threshold > 0 {
		s.emitted[a.ID] = start.Add(r.alert.window)
	}
	s.forget(ev.Time)
	if len(counted) > maxAlertEvents {
		counted = counted[len(counted)-maxAlertEvents:]
	}
	for _, c := range counted {
		a.Events = append(a.Events, c.Doc)
	}
	if ev.File != "" {
		a.Location = &finding.Location{File: ev.File, Line: ev.Line, Path: ev.Pointer}
	}
	return a, true, nil
}

// forget drops, once there are many, the alert ids whose windows have passed by t (no later event
// can raise them again) and the suppressions that have ended.
func (s *AlertStream) forget(t time.Time) {
	if len(s.emitted) >= maxRemembered {
		for id, until := range s.emitted {
			if until.Before(t) {
				delete(s.emitted, id)
			}
		}
	}
	if len(s.until) >= maxRemembered {
		for key, until := range s.until {
			if !t.Before(until) {
				delete(s.until, key)
			}
		}
	}
}

// groupKey is the text of an event's group_by fields, equal for two events exactly when each
// field has the same value in both (strings quoted, other scalars as JSON, the rest empty).
func groupKey(groupBy [][]string, doc map[string]any) string {
	if len(groupBy) == 1 {
		return fieldText(lookup(doc, groupBy[0]))
	}
	var b strings.Builder
	for _, path := range groupBy {
		b.WriteString(fieldText(lookup(doc, path)))
		b.WriteByte(0)
	}
	return b.String()
}

func fieldText(v any) string {
	if s, ok := v.(string); ok {
		return `"` + s
	}
	text, _ := jsonText(v)
	return text
}

func eventPlace(ev *Event) string {
	switch {
	case ev.File == "":
		return "event at " + ev.Time.Format(time.RFC3339)
	case ev.Line > 0:
		return fmt.Sprintf("%s:%d", ev.File, ev.Line)
	}
	return ev.File + ": " + ev.Pointer
}

func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

func actorOf(doc map[string]any) *finding.Actor {
	m, ok := doc["actor"].(map[string]any)
	if !ok {
		return nil
	}
	return &finding.Actor{ID: str(m, "id"), Type: str(m, "type"), LoginName: str(m, "loginName"), DisplayName: str(m, "displayName")}
}

func targetOf(doc map[string]any) *finding.Target {
	if m, ok := doc["target"].(map[string]any); ok {
		return &finding.Target{ID: str(m, "id"), Name: str(m, "name"), Type: str(m, "type"), Property: str(m, "property")}
	}
	if node := str(doc, "nodeId"); node != "" {
		return &finding.Target{ID: node, Type: "NODE"}
	}
	return nil
}

func actorKey(a *finding.Actor) string {
	if a == nil {
		return ""
	}
	return cmp.Or(a.LoginName, a.ID, a.DisplayName)
}

func targetKey(t *finding.Target) string {
	if t == nil {
		return ""
	}
	return cmp.Or(t.ID, t.Name) + "/" + t.Property
}

// converter turns event documents into Rego values as ast.InterfaceToValue does, with fewer
// allocations: the terms of short strings (keys, types, actions, the names that recur from event to
// event) are made once and shared, which OPA allows (its own interned terms are shared), and the
// pairs of each object are gathered in a buffer reused from one object to the next.
type converter struct {
	strs  map[string]*ast.Term // bounded by maxConvStrings, or by limit when it is set
	pairs [][2]*ast.Term       // a stack: each object's pairs above those of the objects holding it
	limit int                  // how many strings to share, when not maxConvStrings
}

// Bounds of the converter's shared strings: at most maxConvStrings of them, each at most
// maxConvString bytes.
const (
	maxConvStrings = 8192
	maxConvString  = 48
)

func (c *converter) value(x any) (ast.Value, error) {
	switch x := x.(type) {
	case map[string]any:
		base := len(c.pairs)
		for k, v := range x {
			t, err := c.term(v)
			if err != nil {
				c.pairs = c.pairs[:base]
				return nil, err
			}
			c.pairs = append(c.pairs, [2]*ast.Term{c.str(k), t})
		}
		obj := ast.NewObject(c.pairs[base:]...)
		clear(c.pairs[base:])
		c.pairs = c.pairs[:base]
		return obj, nil
	case []any:
		terms := make([]*ast.Term, len(x))
		for i, v := range x {
			t, err := c.term(v)
			if err != nil {
				return nil, err
			}
			terms[i] = t
		}
		return ast.NewArray(terms...), nil
	}
	return ast.InterfaceToValue(x)
}

func (c *converter) term(x any) (*ast.Term, error) {
	switch x := x.(type) {
	case string:
		return c.str(x), nil
	case bool:
		return ast.InternedTerm(x), nil
	case nil:
		return ast.InternedNullTerm, nil
	}
	v, err := c.value(x)
	if err != nil {
		return nil, err
	}
	return ast.NewTerm(v), nil
}

// str returns the term of a string, shared when it is short.
func (c *converter) str(s string) *ast.Term {
	if len(s) > maxConvString {
		return ast.StringTerm(s)
	}
	if t, ok := c.strs[s]; ok {
		return t
	}
	t := ast.StringTerm(s)
	if c.strs == nil {
		c.strs = map[string]*ast.Term{}
	}
	if len(c.strs) < cmp.Or(c.limit, maxConvStrings) {
		c.strs[s] = t
	}
	return t
}

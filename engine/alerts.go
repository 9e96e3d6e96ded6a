package engine

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/tailaudit/tailaudit/engine/finding"
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
}

// maxAlertEvents bounds the events an alert carries: the latest of those that raised it.
const maxAlertEvents = 100

// AlertInput is what an alert run judges besides the events.
type AlertInput struct {
	Tailnet *tailnet.Snapshot // the latest snapshot, as input.tailnet; nil leaves it out
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
type AlertStream struct {
	e       *Engine
	base    [][2]*ast.Term // tailnet, params, now: the same for every event
	cache   *builtins.Cache
	windows map[string]*window        // by alertSpec.key
	queries map[string]*alertQuery    // by the indexes of the rules it evaluates
	until   map[suppressKey]time.Time // rule id + dedup key → end of its custom.suppress
	emitted map[string]time.Time      // alert ids already raised → their window start
	known   func(string) bool         // AlertInput.Seen
	actors  map[string]bool           // actors first seen in this run
	latest  time.Time                 // the newest event added or remembered
	now     time.Time
	seen    int
}

type suppressKey struct{ rule, dedup string }

type window struct {
	span   time.Duration
	spec   *alertSpec    // of the rules that read it: their match admits the events it keeps
	events []windowEvent // oldest first
}

type windowEvent struct {
	ev    *Event
	value ast.Value
}

type alertQuery struct {
	query rego.PreparedEvalQuery
	rules []*rule
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
		windows: map[string]*window{},
		queries: map[string]*alertQuery{},
		until:   map[suppressKey]time.Time{},
		emitted: map[string]time.Time{},
		known:   in.Seen,
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
	s.cache = builtins.NewCache(ast.NewObject(s.base...), nil, snapshot)
	for _, r := range e.alerts {
		if r.alert.key != "" && s.windows[r.alert.key] == nil {
			s.windows[r.alert.key] = &window{span: r.alert.window, spec: r.alert}
		}
	}
	for _, sup := range in.Suppressed {
		k := suppressKey{sup.Rule, sup.Dedup}
		if sup.Until.After(s.until[k]) {
			s.until[k] = sup.Until.UTC()
		}
	}
	return s, nil
}

// Remember adds an event judged by an earlier run to the windows whose rules would have admitted
// it, without judging it again, so that a window or threshold spanning two runs sees it. Events
// should come in time order, before the events of this run.
func (s *AlertStream) Remember(ev *Event) error {
	value, err := ast.InterfaceToValue(ev.Doc)
	if err != nil {
		return fmt.Errorf("%s: convert event: %w", eventPlace(ev), err)
	}
	for _, key := range slices.Sorted(maps.Keys(s.windows)) {
		w := s.windows[key]
		if w.spec.match == nil || w.spec.admits(ev.Doc) {
			w.within(ev.Time)
			w.add(windowEvent{ev: ev, value: value})
		}
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
	for _, w := range s.windows {
		from := s.latest.Add(-w.span)
		for _, we := range w.events {
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

// Add judges one event and returns the alerts it raises, by rule id. Events should come in time
// order: a window holds the earlier events within its span of the event being judged.
func (s *AlertStream) Add(ctx context.Context, ev *Event) ([]finding.Alert, error) {
	s.seen++
	value, err := ast.InterfaceToValue(ev.Doc)
	if err != nil {
		return nil, fmt.Errorf("%s: convert event: %w", eventPlace(ev), err)
	}
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
		first = ast.ObjectTerm(ast.Item(ast.StringTerm("actor"), ast.BooleanTerm(isNew)))
	}
	// The rules the event is admitted to, by the window they read.
	byWindow := map[string][]int{}
	var keys []string
	for i, r := range s.e.alerts {
		if r.drift {
			continue
		}
		if r.alert.match != nil && !r.alert.admits(ev.Doc) {
			continue
		}
		if _, ok := byWindow[r.alert.key]; !ok {
			keys = append(keys, r.alert.key)
		}
		byWindow[r.alert.key] = append(byWindow[r.alert.key], i)
	}
	slices.Sort(keys)
	var out []finding.Alert
	for _, key := range keys {
		var earlier []windowEvent
		if w := s.windows[key]; w != nil {
			earlier = w.within(ev.Time)
		}
		alerts, err := s.evaluate(ctx, ev, value, first, byWindow[key], earlier)
		if err != nil {
			return nil, err
		}
		out = append(out, alerts...)
	}
	for _, key := range keys {
		if w := s.windows[key]; w != nil {
			w.add(windowEvent{ev: ev, value: value})
		}
	}
	slices.SortStableFunc(out, func(a, b finding.Alert) int { return strings.Compare(a.Rule.ID, b.Rule.ID) })
	return out, nil
}

// Drift judges the change between two snapshots with the drift rules (tailaudit.alerts.drift_*),
// which see input.change.before and input.change.after, input.tailnet (the after snapshot),
// input.params and input.now. Their alerts are timed at the after snapshot's collectedAt; the
// dedup key defaults to the rule id and the message.
func (s *AlertStream) Drift(ctx context.Context, before, after *tailnet.Snapshot) ([]finding.Alert, error) {
	var idx []int
	for i, r := range s.e.alerts {
		if r.drift {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return nil, nil
	}
	change, err := ast.InterfaceToValue(map[string]any{"before": before.Raw, "after": after.Raw})
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
	q, err := s.query(ctx, idx)
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
		set, _ := rs[0].Bindings["r"+strconv.Itoa(i)].([]any)
		results := slices.Clone(set)
		slices.SortFunc(results, func(a, b any) int { return strings.Compare(regoText(a), regoText(b)) })
		for _, raw := range results {
			if m, ok := raw.(map[string]any); ok && m["dedup"] == nil {
				m["dedup"] = r.meta.ID + "|" + regoText(m["msg"])
			}
			a, ok, err := s.alert(r, ev, raw, nil)
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

// within returns the window's events earlier than t and within its span, dropping older ones.
func (w *window) within(t time.Time) []windowEvent {
	from := t.Add(-w.span)
	drop := 0
	for drop < len(w.events) && w.events[drop].ev.Time.Before(from) {
		drop++
	}
	if drop > 0 {
		w.events = append(w.events[:0], w.events[drop:]...)
	}
	n := len(w.events)
	for n > 0 && w.events[n-1].ev.Time.After(t) {
		n--
	}
	return w.events[:n]
}

func (w *window) add(we windowEvent) {
	if len(w.events) >= maxWindowEvents {
		w.events = append(w.events[:0], w.events[1:]...)
	}
	w.events = append(w.events, we)
}

// evaluate runs the rules (indexes into e.alerts) over one event with one query.
func (s *AlertStream) evaluate(ctx context.Context, ev *Event, value ast.Value, first *ast.Term, idx []int, earlier []windowEvent) ([]finding.Alert, error) {
	q, err := s.query(ctx, idx)
	if err != nil {
		return nil, err
	}
	arr := make([]*ast.Term, len(earlier))
	for i, we := range earlier {
		arr[i] = ast.NewTerm(we.value)
	}
	pairs := append(slices.Clone(s.base),
		[2]*ast.Term{ast.StringTerm("event"), ast.NewTerm(value)},
		[2]*ast.Term{ast.StringTerm("window"), ast.ArrayTerm(arr...)},
	)
	if first != nil {
		pairs = append(pairs, [2]*ast.Term{ast.StringTerm("first"), first})
	}
	input := ast.NewObject(pairs...)
	rctx, cancel := context.WithTimeout(ctx, s.e.ruleTimeout)
	defer cancel()
	rs, err := q.query.Eval(rctx, rego.EvalParsedInput(input), rego.EvalInterQueryBuiltinValueCache(s.cache))
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
	for i, r := range q.rules {
		set, _ := rs[0].Bindings["r"+strconv.Itoa(i)].([]any)
		results := slices.Clone(set)
		slices.SortFunc(results, func(a, b any) int { return strings.Compare(regoText(a), regoText(b)) })
		for _, raw := range results {
			a, ok, err := s.alert(r, ev, raw, earlier)
			if err != nil {
				return nil, fmt.Errorf("%s: rule %s (%s): an alert result %v", eventPlace(ev), r.meta.ID, r.meta.Source, err)
			}
			if ok {
				out = append(out, a)
			}
		}
	}
	return out, nil
}

// query returns the prepared query of a set of rules, preparing it the first time.
func (s *AlertStream) query(ctx context.Context, idx []int) (*alertQuery, error) {
	key := fmt.Sprint(idx)
	if q, ok := s.queries[key]; ok {
		return q, nil
	}
	q := &alertQuery{}
	body := make(ast.Body, 0, len(idx))
	for i, ri := range idx {
		r := s.e.alerts[ri]
		q.rules = append(q.rules, r)
		ref := ast.MustParseRef("data." + r.pkg).Append(ast.StringTerm("alert"))
		expr := ast.Equality.Expr(ast.VarTerm("r"+strconv.Itoa(i)), ast.NewTerm(ref))
		expr.Index = i
		body = append(body, expr)
	}
	pq, err := rego.New(append(s.e.regoOptions(), rego.ParsedQuery(body))...).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("prepare alert rules: %w", err)
	}
	q.query = pq
	s.queries[key] = q
	return q, nil
}

// alert turns one alert result into an alert, applying the rule's threshold and suppression;
// ok is false when they hold it back.
func (s *AlertStream) alert(r *rule, ev *Event, raw any, earlier []windowEvent) (finding.Alert, bool, error) {
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
		for _, we := range earlier {
			if sameGroup(spec.groupBy, we.ev.Doc, ev.Doc) {
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
		s.emitted[a.ID] = start
		s.forgetBefore(ev.Time.Add(-r.alert.window))
	}
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

// forgetBefore drops alert ids whose windows started before t: no later event can raise them again.
func (s *AlertStream) forgetBefore(t time.Time) {
	if len(s.emitted) < 4096 {
		return
	}
	for id, start := range s.emitted {
		if start.Before(t) {
			delete(s.emitted, id)
		}
	}
}

func sameGroup(groupBy [][]string, a, b map[string]any) bool {
	for _, path := range groupBy {
		x, _ := jsonText(lookup(a, path))
		y, _ := jsonText(lookup(b, path))
		if x != y {
			return false
		}
	}
	return true
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

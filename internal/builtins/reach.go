package builtins

import (
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/tailaudit/tailaudit/internal/access"
)

// builtinReachEvery is tailscale.reach_every(doc, srcs, dsts, ports): for each destination of dsts
// that some source of srcs may connect to on every port of ports (TCP or UDP numbers, at least
// one), an object mapping each such source to the paths of the rules that allow it on the last
// port (srcs and dsts are sets or arrays of strings). It equals
//
//	{dst: reached |
//		some dst in dsts
//		reached := {src: tailscale.reach(doc, src, dst, ports[count(ports) - 1]).because |
//			some src in srcs
//			every port in ports { tailscale.reachable(doc, src, dst, port) }}
//		count(reached) > 0}
//
// computed in one pass that asks, for each destination, only about the sources that a rule to it
// names, so that a rule asking about every source and tag of a large policy costs what the rules
// and the answers cost, not sources times tags.
func builtinReachEvery(bctx rego.BuiltinContext, terms []*ast.Term) (*ast.Term, error) {
	c, err := evaluable(bctx, terms[0])
	if err != nil {
		return nil, err
	}
	srcs, asked, err := c.selectors("srcs", terms[1].Value)
	if err != nil {
		return nil, err
	}
	dsts, askedDsts, err := c.selectors("dsts", terms[2].Value)
	if err != nil {
		return nil, err
	}
	list, ok := terms[3].Value.(*ast.Array)
	if !ok || list.Len() == 0 {
		return nil, fmt.Errorf("ports must be a non-empty array of port numbers")
	}
	ports := make([]int, 0, list.Len())
	for i := range list.Len() {
		n, _ := list.Elem(i).Value.(ast.Number)
		p, whole := n.Int()
		if !whole {
			return nil, fmt.Errorf("ports must be a non-empty array of port numbers")
		}
		ports = append(ports, p)
	}
	var reached map[string]map[string][]access.Because
	c.withReacher(func(q *access.Reacher) {
		reached, err = q.ReachEvery(asked, askedDsts, ports, "")
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string]any, len(reached))
	for j, dst := range dsts {
		bySrc, ok := reached[askedDsts[j]]
		if !ok {
			continue
		}
		m := make(map[string]any, len(bySrc))
		for i, src := range srcs {
			because, ok := bySrc[asked[i]]
			if !ok {
				continue
			}
			paths := make([]any, 0, len(because))
			for _, b := range because {
				paths = append(paths, inputPath(b.Path))
			}
			m[src] = paths
		}
		out[dst] = m
	}
	return toTerm(out)
}

// selectors reads a set or an array of strings: the strings as given, and as asked about (device
// names as their addresses).
func (c *compiledPolicy) selectors(what string, v ast.Value) (given, asked []string, err error) {
	collect := func(t *ast.Term) error {
		s, ok := t.Value.(ast.String)
		if !ok {
			return fmt.Errorf("%s must hold strings, not %s", what, ast.ValueName(t.Value))
		}
		given, asked = append(given, string(s)), append(asked, c.selector(string(s)))
		return nil
	}
	switch v := v.(type) {
	case ast.Set:
		err = v.Iter(collect)
	case *ast.Array:
		err = v.Iter(collect)
	default:
		err = fmt.Errorf("%s must be a set or an array of strings", what)
	}
	return given, asked, err
}

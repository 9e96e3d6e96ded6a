package builtins

import (
	"fmt"
	"slices"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/types"

	"github.com/tailaudit/tailaudit/internal/access"
)

// capabilityFunctions are the built-ins about node capabilities (nodeAttrs and what the control
// plane adds on its own) and about what a policy refers to. doc is the type of their first
// argument.
func capabilityFunctions(doc types.Type) []Function {
	fn := func(name, desc string, args []types.Type, result types.Type, impl rego.BuiltinDyn) Function {
		return Function{Decl: &rego.Function{Name: name, Description: desc, Decl: types.NewFunction(args, result)}, Impl: impl}
	}
	return []Function{
		fn("tailscale.node_capabilities", "each node's own capability map, keyed by node name (needs a snapshot for nodes)",
			types.Args(doc), types.A, builtinNodeCapabilities),
		fn("tailscale.nodes_with_capability", "the names of the nodes whose capability map holds a capability",
			types.Args(doc, types.S), types.NewArray(nil, types.S), builtinNodesWithCapability),
		fn("tailscale.attr_grants", "every nodeAttrs target that grants an attribute, with the nodes it names",
			types.Args(doc, types.S), types.NewArray(nil, types.A), builtinAttrGrants),
		fn("tailscale.references", "every place the policy names a selector, posture or SSH user, from one table, and per section the names referred to",
			types.Args(doc), types.A, builtinReferences),
	}
}

// capMaps computes the capability maps of the snapshot's nodes once per compiled policy.
func (c *compiledPolicy) capMaps() map[string]access.CapMap {
	c.capsOnce.Do(func() { c.caps = c.policy.CapMaps(c.topo, c.settings) })
	return c.caps
}

func stringArg(t *ast.Term, what string) (string, error) {
	s, ok := t.Value.(ast.String)
	if !ok {
		return "", fmt.Errorf("%s must be a string", what)
	}
	return string(s), nil
}

func builtinNodeCapabilities(bctx rego.BuiltinContext, terms []*ast.Term) (*ast.Term, error) {
	c, err := evaluable(bctx, terms[0], "nodeAttrs")
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	for name, cm := range c.capMaps() {
		m := map[string]any{}
		for k, v := range cm {
			if v == nil {
				v = []any{}
			}
			m[k] = v
		}
		out[name] = m
	}
	return toTerm(out)
}

func builtinNodesWithCapability(bctx rego.BuiltinContext, terms []*ast.Term) (*ast.Term, error) {
	c, err := evaluable(bctx, terms[0], "nodeAttrs")
	if err != nil {
		return nil, err
	}
	capName, err := stringArg(terms[1], "capability")
	if err != nil {
		return nil, err
	}
	out := []any{}
	var names []string
	for name, cm := range c.capMaps() {
		if cm.Has(capName) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		out = append(out, n)
	}
	return toTerm(out)
}

func builtinAttrGrants(bctx rego.BuiltinContext, terms []*ast.Term) (*ast.Term, error) {
	c, err := evaluable(bctx, terms[0], "nodeAttrs")
	if err != nil {
		return nil, err
	}
	attr, err := stringArg(terms[1], "attr")
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, g := range c.policy.AttrGrants(c.topo, attr) {
		nodes := make([]any, 0, len(g.Nodes))
		for _, n := range g.Nodes {
			nodes = append(nodes, n)
		}
		out = append(out, map[string]any{"path": inputPath(g.Path), "target": g.Target, "nodes": nodes, "everyMember": g.EveryMember})
	}
	return toTerm(out)
}

package builtins

import (
	"net/netip"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/types"

	"github.com/tailaudit/tailaudit/internal/access"
)

// routeFunctions are the built-ins about routes, exit nodes and peers. doc is the type of their
// first argument. Nodes come from the snapshot: with the policy document alone there are none.
func routeFunctions(doc types.Type) []Function {
	fn := func(name, desc string, args []types.Type, result types.Type, impl rego.BuiltinDyn) Function {
		return Function{Decl: &rego.Function{Name: name, Description: desc, Decl: types.NewFunction(args, result)}, Impl: impl}
	}
	list := types.NewArray(nil, types.A)
	return []Function{
		fn("tailscale.peers", "the peers a node is sent, with each one's AllowedIPs and primary routes (needs a snapshot)",
			types.Args(doc, types.S), list, builtinPeers),
		fn("tailscale.approved_routes", "every route a node serves, approved by an admin or by autoApprovers, and whether it is primary",
			types.Args(doc), list, builtinApprovedRoutes),
		fn("tailscale.exit_nodes", "the exit nodes and the nodes that may send internet traffic through each",
			types.Args(doc), list, builtinExitNodes),
		fn("tailscale.route_approvers", "every autoApprovers selector, with the nodes it names",
			types.Args(doc), list, builtinRouteApprovers),
		fn("tailscale.internet_rules", "the acls and grants that let their sources use exit nodes, with the nodes their sources name",
			types.Args(doc), list, builtinInternetRules),
	}
}

// netmapOf computes what the snapshot's nodes are sent once per compiled policy.
func (c *compiledPolicy) netmapOf() *access.Netmap {
	c.netmapOnce.Do(func() { c.netmap = c.policy.Netmap(c.topo) })
	return c.netmap
}

func prefixesOut(ps []netip.Prefix) []any {
	out := make([]any, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}

func stringsOut(ss []string) []any {
	out := make([]any, 0, len(ss))
	for _, s := range ss {
		out = append(out, s)
	}
	return out
}

func builtinPeers(bctx rego.BuiltinContext, terms []*ast.Term) (*ast.Term, error) {
	c, err := evaluable(bctx, terms[0])
	if err != nil {
		return nil, err
	}
	name, err := stringArg(terms[1], "node")
	if err != nil {
		return nil, err
	}
	peers, _ := c.netmapOf().Peers(name)
	out := make([]any, 0, len(peers))
	for _, p := range peers {
		out = append(out, map[string]any{"name": p.Name, "tags": stringsOut(p.Tags), "addresses": prefixesOut(p.Addresses),
			"allowedIPs": prefixesOut(p.AllowedIPs), "primaryRoutes": prefixesOut(p.PrimaryRoutes)})
	}
	return toTerm(out)
}

func builtinApprovedRoutes(bctx rego.BuiltinContext, terms []*ast.Term) (*ast.Term, error) {
	c, err := evaluable(bctx, terms[0])
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, nr := range c.netmapOf().Routes() {
		primary := map[netip.Prefix]bool{}
		for _, p := range nr.Primary {
			primary[p] = true
		}
		for _, ap := range nr.Approved {
			var path any
			if ap.Path != nil {
				path = inputPath(ap.Path)
			}
			out = append(out, map[string]any{"node": nr.Node, "route": ap.Route.String(), "exitNode": ap.Route.Bits() == 0,
				"primary": primary[ap.Route], "path": path})
		}
	}
	return toTerm(out)
}

func builtinExitNodes(bctx rego.BuiltinContext, terms []*ast.Term) (*ast.Term, error) {
	c, err := evaluable(bctx, terms[0])
	if err != nil {
		return nil, err
	}
	m := c.netmapOf()
	out := []any{}
	for _, nr := range m.Routes() {
		if nr.ExitNode {
			out = append(out, map[string]any{"node": nr.Node, "users": stringsOut(m.ExitUsers(nr.Node))})
		}
	}
	return toTerm(out)
}

func builtinRouteApprovers(bctx rego.BuiltinContext, terms []*ast.Term) (*ast.Term, error) {
	c, err := evaluable(bctx, terms[0], "autoApprovers")
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, ra := range c.policy.RouteApprovers(c.topo) {
		kind := "routes"
		if ra.Route == "" {
			kind = "exitNode"
		}
		out = append(out, map[string]any{"path": inputPath(ra.Path), "kind": kind, "route": ra.Route, "approver": ra.Approver,
			"nodes": stringsOut(ra.Nodes), "everyMember": ra.EveryMember})
	}
	return toTerm(out)
}

func builtinInternetRules(bctx rego.BuiltinContext, terms []*ast.Term) (*ast.Term, error) {
	c, err := evaluable(bctx, terms[0])
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, ir := range c.policy.InternetRules(c.topo) {
		var path, dstPath any
		if ir.Path != nil {
			path, dstPath = inputPath(ir.Path), inputPath(ir.DstPath)
		}
		out = append(out, map[string]any{"path": path, "dstPath": dstPath, "src": stringsOut(ir.Src),
			"nodes": stringsOut(ir.Nodes), "everyMember": ir.EveryMember})
	}
	return toTerm(out)
}

package builtins

import (
	"slices"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/tailaudit/tailaudit/internal/access"
)

// builtinReferences answers tailscale.references: every reference of the policy, from the one
// table access.References walks, and per section the distinct names referred to.
func builtinReferences(bctx rego.BuiltinContext, terms []*ast.Term) (*ast.Term, error) {
	c, err := compiled(bctx, terms[0])
	if err != nil {
		return nil, err
	}
	return c.references()
}

// references builds the answer once per compiled policy; every query of an evaluation reads the
// same term.
func (c *compiledPolicy) references() (*ast.Term, error) {
	c.refsOnce.Do(func() {
		all := access.References(c.doc)
		refs := make([]any, 0, len(all))
		named := map[string][]string{}
		for _, r := range all {
			refs = append(refs, map[string]any{"path": inputPath(r.Path), "alias": r.Alias, "section": r.Section, "field": r.Field, "kind": r.Kind})
			named[r.Section] = append(named[r.Section], r.Alias)
		}
		namedOut := map[string]any{}
		for s, names := range named {
			slices.Sort(names)
			namedOut[s] = slices.Compact(names)
		}
		c.refs, c.refsErr = toTerm(map[string]any{"refs": refs, "named": namedOut})
	})
	return c.refs, c.refsErr
}

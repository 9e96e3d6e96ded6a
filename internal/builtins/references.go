package builtins

import (
	"slices"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/tailaudit/tailaudit/internal/access"
)

// builtinReferences answers tailscale.references: every reference of the policy, from the one
// table access.References walks, per section the distinct names referred to, and per name the
// references to it.
func builtinReferences(bctx rego.BuiltinContext, terms []*ast.Term) (*ast.Term, error) {
	c, err := compiled(bctx, terms[0])
	if err != nil {
		return nil, err
	}
	return c.references()
}

// references builds the answer once per compiled policy; every query of an evaluation reads the
// same term. A reference's object is one term, in refs and in at alike.
func (c *compiledPolicy) references() (*ast.Term, error) {
	c.refsOnce.Do(func() {
		all := access.References(c.doc)
		refs := make([]*ast.Term, 0, len(all))
		named := map[string][]string{}
		at := map[string][]*ast.Term{}
		var order []string // the names in the order of their first reference
		for _, r := range all {
			t, err := toTerm(map[string]any{"path": inputPath(r.Path), "alias": r.Alias, "section": r.Section, "field": r.Field, "kind": r.Kind})
			if err != nil {
				c.refsErr = err
				return
			}
			refs = append(refs, t)
			named[r.Section] = append(named[r.Section], r.Alias)
			if _, ok := at[r.Alias]; !ok {
				order = append(order, r.Alias)
			}
			at[r.Alias] = append(at[r.Alias], t)
		}
		namedOut := make([][2]*ast.Term, 0, len(named))
		for s, names := range named {
			slices.Sort(names)
			list, err := toTerm(slices.Compact(names))
			if err != nil {
				c.refsErr = err
				return
			}
			namedOut = append(namedOut, [2]*ast.Term{ast.StringTerm(s), list})
		}
		atOut := make([][2]*ast.Term, 0, len(at))
		for _, name := range order {
			key, err := toTerm(name) // as the aliases in refs and named are written
			if err != nil {
				c.refsErr = err
				return
			}
			atOut = append(atOut, [2]*ast.Term{key, ast.ArrayTerm(at[name]...)})
		}
		c.refs = ast.ObjectTerm(
			[2]*ast.Term{ast.StringTerm("refs"), ast.ArrayTerm(refs...)},
			[2]*ast.Term{ast.StringTerm("named"), ast.ObjectTerm(namedOut...)},
			[2]*ast.Term{ast.StringTerm("at"), ast.ObjectTerm(atOut...)},
		)
	})
	return c.refs, c.refsErr
}

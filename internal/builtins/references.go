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
		b := refTerms{strings: map[string]*ast.Term{}}
		for _, r := range all {
			t, err := b.ref(r)
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

// refTerms builds the object of each reference, {path, alias, section, field, kind}, as toTerm
// would, sharing one term per distinct string of the few the references repeat (sections,
// fields, kinds, path keys).
type refTerms struct {
	strings map[string]*ast.Term
}

var (
	refPathKey    = ast.StringTerm("path")
	refAliasKey   = ast.StringTerm("alias")
	refSectionKey = ast.StringTerm("section")
	refFieldKey   = ast.StringTerm("field")
	refKindKey    = ast.StringTerm("kind")
)

func (b *refTerms) ref(r access.Ref) (*ast.Term, error) {
	path := make([]*ast.Term, 0, len(r.Path)+1)
	for _, p := range inputPath(r.Path) {
		t, err := b.shared(p)
		if err != nil {
			return nil, err
		}
		path = append(path, t)
	}
	alias, err := toTerm(r.Alias)
	if err != nil {
		return nil, err
	}
	var kvs [3]*ast.Term
	for i, s := range []string{r.Section, r.Field, r.Kind} {
		if kvs[i], err = b.shared(s); err != nil {
			return nil, err
		}
	}
	return ast.ObjectTerm(
		[2]*ast.Term{refPathKey, ast.ArrayTerm(path...)},
		[2]*ast.Term{refAliasKey, alias},
		[2]*ast.Term{refSectionKey, kvs[0]},
		[2]*ast.Term{refFieldKey, kvs[1]},
		[2]*ast.Term{refKindKey, kvs[2]},
	), nil
}

// shared is toTerm(v), one term per distinct string.
func (b *refTerms) shared(v any) (*ast.Term, error) {
	s, ok := v.(string)
	if !ok {
		return toTerm(v)
	}
	if t, ok := b.strings[s]; ok {
		return t, nil
	}
	t, err := toTerm(s)
	if err != nil {
		return nil, err
	}
	b.strings[s] = t
	return t, nil
}

package engine

import (
	"context"
	"fmt"
	"math/big"
	"net"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// Limits on evaluation. A rule that goes past one gets an error result instead of exhausting the
// machine it runs on.
const (
	// DefaultRuleTimeout is how long one rule may evaluate over one input (WithRuleTimeout).
	DefaultRuleTimeout = 30 * time.Second
	// MaxRangeLength is the most numbers one call of numbers.range or numbers.range_step may make.
	MaxRangeLength = 100_000
	// MaxCIDRAddresses is the most addresses one call of net.cidr_expand may list: an IPv4 /16 or
	// an IPv6 /112.
	MaxCIDRAddresses = 1 << 16
)

// WithRuleTimeout sets each rule's evaluation budget over one input; a rule that takes longer is
// an error result. Zero or less leaves the default, DefaultRuleTimeout. In RunTests it is the time
// limit of each test.
func WithRuleTimeout(d time.Duration) Option {
	return func(s *settings) {
		if d > 0 {
			s.ruleTimeout = d
		}
	}
}

// guardedPrefix names the bounded stand-ins of OPA's expanding built-ins. OPA always runs its own
// implementation of a built-in name, so the compiler rewrites calls to numbers.range and the
// others into calls to these, which check the size before building anything.
const guardedPrefix = "tailaudit.bounded."

// expanders are the built-ins whose result can be far larger than their arguments, each with the
// check of its arguments that runs before OPA's own implementation.
var expanders = map[string]func(operands []*ast.Term) error{
	"numbers.range":      func(ops []*ast.Term) error { return checkRange(ops[0], ops[1], nil) },
	"numbers.range_step": func(ops []*ast.Term) error { return checkRange(ops[0], ops[1], ops[2]) },
	"net.cidr_expand":    checkCIDRExpand,
}

// guardedFunctions are the bounded stand-ins as custom built-ins.
func guardedFunctions() []Function {
	var out []Function
	for name, check := range expanders {
		impl := topdown.GetBuiltin(name)
		decl := ast.BuiltinMap[name]
		out = append(out, Function{
			Decl: &rego.Function{Name: guardedPrefix + name, Decl: decl.Decl},
			Impl: func(bctx rego.BuiltinContext, operands []*ast.Term) (*ast.Term, error) {
				if err := check(operands); err != nil {
					return nil, rego.NewHaltError(err)
				}
				var out *ast.Term
				err := impl(bctx, operands, func(t *ast.Term) error { out = t; return nil })
				return out, err
			},
		})
	}
	return out
}

// checkRange refuses a range of more than MaxRangeLength numbers. Arguments of the wrong type are
// left to OPA's implementation, which reports them.
func checkRange(from, to, step *ast.Term) error {
	a, okA := bigNumber(from)
	b, okB := bigNumber(to)
	if !okA || !okB {
		return nil
	}
	n := new(big.Float).Sub(b, a)
	n.Abs(n)
	if s, ok := bigNumber(step); step != nil && ok && s.Sign() > 0 {
		n.Quo(n, s)
	}
	if n.Cmp(big.NewFloat(MaxRangeLength-1)) > 0 {
		return fmt.Errorf("a range from %v to %v has more than %d numbers, the most a rule may make", from, to, MaxRangeLength)
	}
	return nil
}

func bigNumber(t *ast.Term) (*big.Float, bool) {
	if t == nil {
		return nil, false
	}
	n, ok := t.Value.(ast.Number)
	if !ok {
		return nil, false
	}
	f, ok := new(big.Float).SetString(string(n))
	return f, ok
}

// checkCIDRExpand refuses to list more than MaxCIDRAddresses addresses.
func checkCIDRExpand(operands []*ast.Term) error {
	s, ok := operands[0].Value.(ast.String)
	if !ok {
		return nil
	}
	_, ipNet, err := net.ParseCIDR(string(s))
	if err != nil {
		return nil
	}
	ones, bits := ipNet.Mask.Size()
	if bits-ones > 16 {
		return fmt.Errorf("%s holds more than %d addresses, the most a rule may list", s, MaxCIDRAddresses)
	}
	return nil
}

// guardExpanders is a compiler stage, run once types are checked, that points every call of an
// expanding built-in at its bounded stand-in.
func guardExpanders(c *ast.Compiler) *ast.Error {
	refs := map[string]ast.Ref{}
	for name := range expanders {
		refs[name] = ast.MustParseRef(guardedPrefix + name)
	}
	for _, m := range c.Modules {
		ast.WalkExprs(m, func(x *ast.Expr) bool {
			for _, w := range x.With { // a test's "with numbers.range as f" must replace the stand-in
				if ref, ok := refs[w.Target.String()]; ok {
					w.Target = ast.NewTerm(ref).SetLocation(w.Target.Location)
				}
			}
			if !x.IsCall() {
				return false
			}
			terms := x.Terms.([]*ast.Term)
			name := terms[0].String()
			ref, ok := refs[name]
			if !ok || withinLimits(name, terms[1:]) {
				return false
			}
			terms[0] = ast.NewTerm(ref).SetLocation(terms[0].Location)
			return false
		})
	}
	return nil
}

// withinLimits reports whether a call's arguments are constants its check accepts, such as
// numbers.range(0, 2): such a call keeps OPA's implementation, and costs nothing more.
func withinLimits(name string, args []*ast.Term) bool {
	arity := len(ast.BuiltinMap[name].Decl.FuncArgs().Args)
	if len(args) < arity {
		return false
	}
	for _, a := range args[:arity] {
		if !a.IsGround() {
			return false
		}
	}
	return expanders[name](args[:arity]) == nil
}

// newCompiler is the compiler of every rule set: the sandbox's capabilities and the bounded
// expanders.
func (e *Engine) newCompiler() *ast.Compiler {
	return ast.NewCompiler().WithCapabilities(e.capabilities()).
		WithStageAfterID(ast.StageCheckTypes, ast.CompilerStageDefinition{Name: "GuardExpanders", MetricName: "compile_stage_guard_expanders", Stage: guardExpanders})
}

// budget returns a context that ends when the rule budget is spent, or when ctx ends.
func (e *Engine) budget(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, e.ruleTimeout)
}

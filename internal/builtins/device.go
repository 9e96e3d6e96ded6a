package builtins

import (
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/types"
)

// deviceFunction is tailscale.device(tailnet, key): the device of the snapshot tailnet (input.tailnet)
// whose nodeId, one of whose addresses, or whose name is key, looked up in an index of the
// snapshot's devices built once per evaluation instead of a scan of every device per call.
// A nodeId is preferred to an address and an address to a name; among devices that share a key the
// first in the snapshot wins. Undefined when no device has key or the snapshot lists no devices.
func deviceFunction() Function {
	return Function{
		Decl: &rego.Function{
			Name:        "tailscale.device",
			Description: "the snapshot device whose nodeId, address or name is key, from an index built once per evaluation",
			Decl:        types.NewFunction(types.Args(types.A, types.A), types.A),
		},
		Impl: builtinDevice,
	}
}

// deviceIndex maps each nodeId, address and name of a snapshot's devices to its device.
type deviceIndex map[string]*ast.Term

// indexDevices indexes the devices of the snapshot tailnet, nodeIds first, then addresses, then
// names, so that a key that is more than one of them finds the device it names most exactly.
func indexDevices(tailnet ast.Value) deviceIndex {
	idx := deviceIndex{}
	obj, ok := tailnet.(ast.Object)
	if !ok {
		return idx
	}
	t := obj.Get(ast.InternedTerm("devices"))
	if t == nil {
		return idx
	}
	devs, ok := t.Value.(*ast.Array)
	if !ok {
		return idx
	}
	add := func(k ast.Value, d *ast.Term) {
		if s, ok := k.(ast.String); ok && s != "" {
			if _, seen := idx[string(s)]; !seen {
				idx[string(s)] = d
			}
		}
	}
	field := func(d *ast.Term, name string) ast.Value {
		o, ok := d.Value.(ast.Object)
		if !ok {
			return nil
		}
		if t := o.Get(ast.InternedTerm(name)); t != nil {
			return t.Value
		}
		return nil
	}
	devs.Foreach(func(d *ast.Term) { add(field(d, "nodeId"), d) })
	devs.Foreach(func(d *ast.Term) {
		if addrs, ok := field(d, "addresses").(*ast.Array); ok {
			addrs.Foreach(func(a *ast.Term) { add(a.Value, d) })
		}
	})
	devs.Foreach(func(d *ast.Term) { add(field(d, "name"), d) })
	return idx
}

type deviceKey struct{ tailnet ast.Value }

// devices returns the index of the snapshot tailnet: the evaluation's, built once, when tailnet is
// the evaluated input's snapshot; otherwise built once per query.
func devices(bctx rego.BuiltinContext, tailnet ast.Value) deviceIndex {
	if shared, _ := bctx.InterQueryBuiltinValueCache.(*Cache); shared != nil && shared.tailnetValue != nil && tailnet == shared.tailnetValue {
		shared.devicesOnce.Do(func() { shared.devices = indexDevices(tailnet) })
		return shared.devices
	}
	key := deviceKey{tailnet}
	if bctx.Cache != nil {
		if idx, ok := bctx.Cache.Get(key); ok {
			return idx.(deviceIndex)
		}
	}
	idx := indexDevices(tailnet)
	if bctx.Cache != nil {
		bctx.Cache.Put(key, idx)
	}
	return idx
}

// builtinDevice is undefined, as a scan of the devices would be, for a key that is not a string or
// a tailnet that is not an object: no device has such a key.
func builtinDevice(bctx rego.BuiltinContext, terms []*ast.Term) (*ast.Term, error) {
	key, isStr := terms[1].Value.(ast.String)
	if _, isObj := terms[0].Value.(ast.Object); !isStr || !isObj {
		return nil, nil
	}
	return devices(bctx, terms[0].Value)[string(key)], nil
}

package builtins

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/types"
)

// snapshotFunctions are the built-ins over a tailnet snapshot's values that the tailnet rules
// would otherwise work out in Rego for each of tens of thousands of devices.
func snapshotFunctions() []Function {
	return []Function{
		{
			Decl: &rego.Function{
				Name:        "tailscale.days_since",
				Description: "the whole days from the RFC 3339 timestamp ts to now_ns (rounded down); undefined when ts is not set",
				Decl:        types.NewFunction(types.Args(types.A, types.N), types.N),
			},
			Impl: builtinDaysSince,
		},
		{
			Decl: &rego.Function{
				Name:        "tailscale.device_names",
				Description: "the distinct names (name, else hostname) of the snapshot's devices, sorted, empty names left out",
				Decl:        types.NewFunction(types.Args(types.A), types.NewArray(nil, types.S)),
			},
			Impl: builtinDeviceNames,
		},
	}
}

// The instants whose nanoseconds since 1970 fit in an int64, as time.parse_rfc3339_ns allows.
var (
	minNanoTime = time.Unix(0, math.MinInt64)
	maxNanoTime = time.Unix(0, math.MaxInt64)
)

const nsPerDay = 24 * int64(time.Hour)

// builtinDaysSince is tailscale.days_since(ts, now_ns): floor((now_ns - ns(ts)) / ns_per_day), the
// whole days from the instant ts records to now_ns. It is undefined when ts is not set as
// lib.timestamp_set says: not a string, "", or Go's zero time (0001-01-01...), which the API sends
// for "never". A ts that is not RFC 3339, or lies outside the instants time.parse_rfc3339_ns
// accepts, is an error, as it is for time.parse_rfc3339_ns. For a whole number of days limit,
// days >= limit holds exactly when it holds for the fractional days (now_ns - ns(ts)) / ns_per_day,
// so rules compare the whole days with their limits as they compared the fraction.
func builtinDaysSince(_ rego.BuiltinContext, terms []*ast.Term) (*ast.Term, error) {
	ts, isStr := terms[0].Value.(ast.String)
	if !isStr || ts == "" || strings.HasPrefix(string(ts), "0001-01-01") {
		return nil, nil
	}
	nowNum, isNum := terms[1].Value.(ast.Number)
	if !isNum {
		return nil, fmt.Errorf("now_ns must be a number, not %s", ast.ValueName(terms[1].Value))
	}
	now, err := json.Number(nowNum).Int64()
	if err != nil {
		return nil, fmt.Errorf("now_ns must be a whole number of nanoseconds, not %s", nowNum)
	}
	t, err := time.Parse(time.RFC3339, string(ts))
	if err != nil {
		return nil, err
	}
	if t.Before(minNanoTime) || t.After(maxNanoTime) {
		return nil, errors.New("time outside of valid range")
	}
	return ast.InternedTerm(floorDays(now, t.UnixNano())), nil
}

// floorDays is floor((now - then) / nsPerDay), without overflow: the difference of two int64
// nanosecond counts can exceed an int64, so the whole days of each are taken first.
func floorDays(now, then int64) int {
	dn, rn := floorDivMod(now, nsPerDay)
	dt, rt := floorDivMod(then, nsPerDay)
	days := dn - dt
	if rn < rt {
		days-- // the remainders are in [0, nsPerDay), so their difference borrows at most one day
	}
	return int(days)
}

// floorDivMod divides rounding toward negative infinity, with a remainder in [0, d).
func floorDivMod(n, d int64) (int64, int64) {
	q, r := n/d, n%d
	if r < 0 {
		q, r = q-1, r+d
	}
	return q, r
}

// builtinDeviceNames is tailscale.device_names(tailnet): the names lib.device_name gives the
// snapshot tailnet's devices (the name when it is a non-empty string, else the hostname when it is
// a string), distinct, sorted as Rego sorts strings, "" left out. [] when tailnet is not an object
// or lists no devices. Computed once per evaluation for the evaluated input's snapshot.
func builtinDeviceNames(bctx rego.BuiltinContext, terms []*ast.Term) (*ast.Term, error) {
	tailnet := terms[0].Value
	if shared, _ := bctx.InterQueryBuiltinValueCache.(*Cache); shared != nil && shared.tailnetValue != nil && tailnet == shared.tailnetValue {
		shared.namesOnce.Do(func() { shared.names = deviceNames(tailnet) })
		return shared.names, nil
	}
	return deviceNames(tailnet), nil
}

func deviceNames(tailnet ast.Value) *ast.Term {
	var names []string
	seen := map[string]bool{}
	for _, d := range snapshotItems(tailnet, "devices") {
		n := deviceName(d)
		if n != "" && !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	slices.Sort(names)
	out := make([]*ast.Term, len(names))
	for i, n := range names {
		out[i] = ast.StringTerm(n)
	}
	return ast.ArrayTerm(out...)
}

// deviceName is lib.device_name: name when a non-empty string, else hostname when a string, else "".
func deviceName(d *ast.Term) string {
	obj, ok := d.Value.(ast.Object)
	if !ok {
		return ""
	}
	if t := obj.Get(ast.InternedTerm("name")); t != nil {
		if s, ok := t.Value.(ast.String); ok && s != "" {
			return string(s)
		}
	}
	if t := obj.Get(ast.InternedTerm("hostname")); t != nil {
		if s, ok := t.Value.(ast.String); ok {
			return string(s)
		}
	}
	return ""
}

// snapshotItems returns the items of the array tailnet[key], or nil when tailnet is not an object
// or tailnet[key] is not an array.
func snapshotItems(tailnet ast.Value, key string) []*ast.Term {
	obj, ok := tailnet.(ast.Object)
	if !ok {
		return nil
	}
	t := obj.Get(ast.InternedTerm(key))
	if t == nil {
		return nil
	}
	arr, ok := t.Value.(*ast.Array)
	if !ok {
		return nil
	}
	items := make([]*ast.Term, 0, arr.Len())
	arr.Foreach(func(x *ast.Term) { items = append(items, x) })
	return items
}

package access

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCapMapDefaults pins what every node gets from the control plane with an empty policy: the
// feature switches, the tailnet's name, and owner or admin by the user's role (tagged nodes belong
// to the tailnet and are owner). testTopology's odin (owner) has no node; thor has no role.
func TestCapMapDefaults(t *testing.T) {
	pol, errs := Compile(mustDoc(t, `{`+base+`}`))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	topo := testTopology()
	topo.Nodes = append(topo.Nodes, Node{Name: "desk", User: "odin@example.com"})
	on := true
	got := pol.CapMaps(topo, TailnetSettings{AutoUpdate: &on})
	feature := CapMap{
		CapFileSharing: nil, CapSSH: nil, CapTailnetLock: nil, "probe-udp-lifetime": nil,
		"ssh-behavior-v1": nil, "ssh-env-vars": nil, "store-appc-routes": nil,
		CapDisplayName: {"odin@example.com"}, CapDefaultAutoUpdate: {true},
	}
	with := func(extra ...string) CapMap {
		cm := CapMap{}
		for k, v := range feature {
			cm[k] = v
		}
		for _, e := range extra {
			cm[e] = nil
		}
		return cm
	}
	want := map[string]CapMap{
		"laptop": with(),
		"server": with(CapIsOwner),
		"router": with(CapIsOwner),
		"desk":   with(CapIsOwner, CapIsAdmin),
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("CapMaps (-want +got):\n%s", d)
	}
	// Without a stated auto-update default nothing is said; a display name given is used.
	got = pol.CapMaps(topo, TailnetSettings{DisplayName: "example.com"})
	if got["laptop"].Has(CapDefaultAutoUpdate) || !cmp.Equal(got["laptop"][CapDisplayName], []any{"example.com"}) {
		t.Errorf("laptop = %v, want no default-auto-update and tailnet-display-name example.com", got["laptop"])
	}
}

// TestCapMapNodeAttrs checks which nodes each kind of nodeAttrs target names and what the
// entries add: only the capabilities beyond the defaults are compared.
func TestCapMapNodeAttrs(t *testing.T) {
	for _, tt := range []struct {
		name     string
		policy   string
		settings TailnetSettings
		want     map[string][]string // node → capabilities beyond the defaults, sorted
	}{
		{"wildcard", `"nodeAttrs": [{"target": ["*"], "attr": ["randomize-client-port"]}]`, TailnetSettings{},
			map[string][]string{"laptop": {"randomize-client-port"}, "server": {"randomize-client-port"}, "router": {"randomize-client-port"}}},
		{"user names only the user's untagged nodes", `"nodeAttrs": [{"target": ["thor@example.org"], "attr": ["drive:access"]}]`, TailnetSettings{},
			map[string][]string{"laptop": {"drive:access"}}},
		{"group", `"nodeAttrs": [{"target": ["group:dev"], "attr": ["drive:access"]}]`, TailnetSettings{},
			map[string][]string{"laptop": {"drive:access"}}},
		{"tag", `"nodeAttrs": [{"target": ["tag:prod"], "attr": ["drive:share", "drive:access"]}]`, TailnetSettings{},
			map[string][]string{"server": {"drive:access", "drive:share"}}},
		{"autogroup:member", `"nodeAttrs": [{"target": ["autogroup:member"], "attr": ["x:y"]}]`, TailnetSettings{},
			map[string][]string{"laptop": {"x:y"}}},
		{"autogroup:tagged", `"nodeAttrs": [{"target": ["autogroup:tagged"], "attr": ["x:y"]}]`, TailnetSettings{},
			map[string][]string{"server": {"x:y"}, "router": {"x:y"}}},
		{"host names the node at its address", `"nodeAttrs": [{"target": ["web"], "attr": ["x:y"]}]`, TailnetSettings{},
			map[string][]string{"server": {"x:y"}}},
		{"prefix names the nodes inside it", `"nodeAttrs": [{"target": ["100.64.0.0/31"], "attr": ["x:y"]}]`, TailnetSettings{},
			map[string][]string{"laptop": {"x:y"}}},
		{"funnel without HTTPS warns", `"nodeAttrs": [{"target": ["tag:prod"], "attr": ["funnel"]}]`, TailnetSettings{},
			map[string][]string{"server": {CapFunnel, CapFunnelPorts, CapWarnFunnelNoHTTPS}}},
		{"funnel with HTTPS", `"nodeAttrs": [{"target": ["tag:prod"], "attr": ["funnel"]}]`, TailnetSettings{HTTPS: true},
			map[string][]string{"server": {CapFunnel, CapFunnelPorts}}},
		{"entries add up, a repeated attr once", `"nodeAttrs": [{"target": ["tag:prod"], "attr": ["a:b"]}, {"target": ["*"], "attr": ["a:b", "c:d"]}]`, TailnetSettings{},
			map[string][]string{"laptop": {"a:b", "c:d"}, "server": {"a:b", "c:d"}, "router": {"a:b", "c:d"}}},
		{"ipPool only and empty entries add nothing", `"nodeAttrs": [{"target": ["*"], "ipPool": ["100.81.0.0/16"]}, {"target": ["*"]}]`, TailnetSettings{},
			map[string][]string{}},
		{"randomizeClientPort stamps every node", `"randomizeClientPort": true`, TailnetSettings{},
			map[string][]string{"laptop": {"randomize-client-port"}, "server": {"randomize-client-port"}, "router": {"randomize-client-port"}}},
		{"randomizeClientPort false", `"randomizeClientPort": false`, TailnetSettings{}, map[string][]string{}},
		{"app capability with values", `"nodeAttrs": [{"target": ["tag:prod"], "app": {"example.com/cap/x": [{"a": 1}]}}]`, TailnetSettings{},
			map[string][]string{"server": {"example.com/cap/x"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pol, errs := Compile(mustDoc(t, `{`+base+tt.policy+`}`))
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			plain, _ := Compile(mustDoc(t, `{`+base+`}`))
			topo := testTopology()
			baseline := plain.CapMaps(topo, tt.settings)
			got := map[string][]string{}
			for name, cm := range pol.CapMaps(topo, tt.settings) {
				for k := range cm {
					if !baseline[name].Has(k) {
						got[name] = append(got[name], k)
					}
				}
				slices.Sort(got[name])
			}
			for _, w := range tt.want {
				slices.Sort(w)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("capabilities beyond the defaults (-want +got):\n%s", d)
			}
		})
	}
}

// TestCapMapAppValues checks that app capability values of every entry naming a node are kept, in
// entry order.
func TestCapMapAppValues(t *testing.T) {
	pol, errs := Compile(mustDoc(t, `{`+base+`"nodeAttrs": [
		{"target": ["tag:prod"], "app": {"example.com/cap/x": [{"a": 1}]}},
		{"target": ["*"], "app": {"example.com/cap/x": ["b"]}},
	]}`))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	got := pol.CapMaps(testTopology(), TailnetSettings{})
	if d := cmp.Diff([]any{map[string]any{"a": float64(1)}, "b"}, got["server"]["example.com/cap/x"]); d != "" {
		t.Errorf("server (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]any{"b"}, got["laptop"]["example.com/cap/x"]); d != "" {
		t.Errorf("laptop (-want +got):\n%s", d)
	}
}

func TestSnapshotSettings(t *testing.T) {
	s := SnapshotSettings(map[string]any{"tailnet": "example.com", "settings": map[string]any{"devicesAutoUpdatesOn": false, "httpsEnabled": true}})
	if s.DisplayName != "example.com" || s.AutoUpdate == nil || *s.AutoUpdate || !s.HTTPS {
		t.Errorf("SnapshotSettings = %+v", s)
	}
	if s := SnapshotSettings(map[string]any{}); s.AutoUpdate != nil || s.HTTPS {
		t.Errorf("SnapshotSettings(empty) = %+v, want no auto-update default and no HTTPS", s)
	}
}

// TestAttrGrants checks that every target granting an attribute is listed with its path and the
// nodes it names, and that EveryMember holds only for a target naming every untagged node.
func TestAttrGrants(t *testing.T) {
	pol, errs := Compile(mustDoc(t, `{`+base+`"nodeAttrs": [
		{"target": ["tag:prod", " 100.64.0.0/30 "], "attr": ["funnel"]},
		{"target": ["*"], "attr": ["drive:access"]},
	]}`))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	got := pol.AttrGrants(testTopology(), "funnel")
	want := []AttrGrant{
		{Path: []any{"nodeAttrs", 0, "target", 0}, Target: "tag:prod", Nodes: []string{"server"}},
		{Path: []any{"nodeAttrs", 0, "target", 1}, Target: "100.64.0.0/30", Nodes: []string{"laptop", "router"}, EveryMember: true},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("AttrGrants (-want +got):\n%s", d)
	}
	if got := pol.AttrGrants(nil, "funnel"); len(got) != 2 || got[0].Nodes != nil || got[1].EveryMember {
		t.Errorf("AttrGrants without a topology = %+v, want both targets, naming no node", got)
	}
}

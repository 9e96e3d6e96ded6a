package access

import (
	"slices"
)

// CapMap is a node's capability map as the control plane sends it to the node itself
// (tailcfg.NodeCapMap's JSON shape): each capability with its values, nil when it carries none.
type CapMap map[string][]any

// TailnetSettings are the tailnet-wide settings that decide some of the capabilities the control
// plane gives every node on its own.
type TailnetSettings struct {
	// DisplayName is the tailnet's name as clients show it (tailnet-display-name). Empty: the
	// owner's login, as for a tailnet named after its owner.
	DisplayName string
	// AutoUpdate is the tailnet's "auto-update devices" default (default-auto-update); nil when it
	// was never set, and then no node is told a default.
	AutoUpdate *bool
	// HTTPS says whether HTTPS certificates are enabled; without them a node with Funnel is also
	// told that Funnel cannot serve (warn-funnel-no-https).
	HTTPS bool
}

// Capability names the control plane sets on its own or that stand for a documented feature.
const (
	CapFileSharing = "https://tailscale.com/cap/file-sharing"
	CapSSH         = "https://tailscale.com/cap/ssh"
	CapTailnetLock = "https://tailscale.com/cap/tailnet-lock"
	CapIsOwner     = "https://tailscale.com/cap/is-owner"
	CapIsAdmin     = "https://tailscale.com/cap/is-admin"
	CapFunnel      = "funnel"
	// CapFunnelPorts lists, in its query, the ports Funnel may listen on: 443, 8443 and 10000, the
	// only ones Funnel serves.
	CapFunnelPorts        = "https://tailscale.com/cap/funnel-ports?ports=443,8443,10000"
	CapWarnFunnelNoHTTPS  = "https://tailscale.com/cap/warn-funnel-no-https"
	CapDefaultAutoUpdate  = "default-auto-update"
	CapDisplayName        = "tailnet-display-name"
	CapRandomizeClientPrt = "randomize-client-port"
)

// controlDefaults are the capabilities the control plane gives every node whatever the policy
// says. Each is a feature switch of Tailscale's client protocol (tailcfg's NodeCapability
// constants), not something the policy grants: Taildrop file sharing (on unless the tailnet turns
// "Send Files" off), Tailscale SSH being available, permission to initialise Tailnet Lock, probing
// UDP path lifetime, SSH's v1 behaviour (no su, SFTP in process), SSH's acceptEnv support and
// storing app connector routes. Which node is owner or admin, the tailnet's name and the
// auto-update default are per node or per tailnet and computed in CapMaps.
var controlDefaults = []string{
	CapFileSharing,
	CapSSH,
	CapTailnetLock,
	"probe-udp-lifetime",
	"ssh-behavior-v1",
	"ssh-env-vars",
	"store-appc-routes",
}

// CapMaps computes, for every node of topo, the capability map the control plane sends it, keyed
// by node name: the control plane's own capabilities (see controlDefaults), the owner and admin
// capabilities of the node's user's role, the tailnet-wide settings, randomizeClientPort, and every
// nodeAttrs entry whose target names the node, with its attr names and its app capabilities'
// values. Targets resolve as everywhere else: users, groups, tags, autogroups, "*", hosts and
// addresses (a node is named when one of its addresses is in the host's or prefix's range).
func (p *Policy) CapMaps(topo *Topology, settings TailnetSettings) map[string]CapMap {
	r := newResolver(p, topo)
	display := settings.DisplayName
	if display == "" {
		display = r.tailnetOwnerLogin()
	}
	out := make(map[string]CapMap, len(r.topo.Nodes))
	for i := range r.topo.Nodes {
		cm := CapMap{}
		for _, c := range controlDefaults {
			cm[c] = nil
		}
		if display != "" {
			cm[CapDisplayName] = []any{display}
		}
		if settings.AutoUpdate != nil {
			cm[CapDefaultAutoUpdate] = []any{*settings.AutoUpdate}
		}
		// A tagged node belongs to the tailnet itself, not to whoever tagged it: every tagged node
		// of the recordings is owner and none admin. An untagged node is owner or admin with its
		// user's role; an owner has every admin permission.
		if n := &r.topo.Nodes[i]; n.IsTagged() {
			cm[CapIsOwner] = nil
		} else if u := r.owner[i]; u != nil {
			if slices.Contains(u.Roles, "owner") {
				cm[CapIsOwner] = nil
				cm[CapIsAdmin] = nil
			} else if slices.Contains(u.Roles, "admin") {
				cm[CapIsAdmin] = nil
			}
		}
		if p.randomizeClientPort {
			cm[CapRandomizeClientPrt] = nil
		}
		out[r.topo.Nodes[i].Name] = cm
	}
	for _, na := range p.attrs {
		nodes := map[int]bool{}
		for _, t := range na.targets {
			a, err := parseAlias(t)
			if err != nil {
				continue // refused by Compile
			}
			for _, i := range r.nodes(a) {
				nodes[i] = true
			}
		}
		for _, i := range sortedInts(nodes) {
			cm := out[r.topo.Nodes[i].Name]
			for _, attr := range na.attrs {
				addAttr(cm, attr, settings)
			}
			for _, name := range sortedKeys(na.app) {
				vals, _ := na.app[name].([]any)
				cm[name] = append(cm[name], vals...)
			}
		}
	}
	return out
}

// addAttr gives a node the attribute attr and what it brings with it: Funnel comes with the ports
// it may use and, without HTTPS certificates, the warning that it cannot serve.
func addAttr(cm CapMap, attr string, settings TailnetSettings) {
	if attr == "" {
		return
	}
	if _, ok := cm[attr]; !ok {
		cm[attr] = nil
	}
	if attr == CapFunnel {
		cm[CapFunnelPorts] = nil
		if !settings.HTTPS {
			cm[CapWarnFunnelNoHTTPS] = nil
		}
	}
}

// tailnetOwnerLogin returns the login of the tailnet's owner (the first user with the owner role),
// or "".
func (r *resolver) tailnetOwnerLogin() string {
	for _, u := range r.topo.Users {
		if slices.Contains(u.Roles, "owner") {
			return u.Email
		}
	}
	return ""
}

// Has reports whether the capability map holds capability name.
func (cm CapMap) Has(name string) bool {
	_, ok := cm[name]
	return ok
}

// SnapshotSettings reads the tailnet settings that decide capabilities from a snapshot document:
// its name, its settings' devicesAutoUpdatesOn and httpsEnabled.
func SnapshotSettings(snap map[string]any) TailnetSettings {
	s := TailnetSettings{DisplayName: str(snap["tailnet"])}
	settings, _ := snap["settings"].(map[string]any)
	if v, ok := settings["devicesAutoUpdatesOn"].(bool); ok {
		s.AutoUpdate = &v
	}
	s.HTTPS, _ = settings["httpsEnabled"].(bool)
	return s
}

// AttrGrant is one target of a nodeAttrs entry that grants an attribute.
type AttrGrant struct {
	Path   []any    // the target's JSON path in the policy, keys as spelt
	Target string   // the target, trimmed as Tailscale reads it
	Nodes  []string // the nodes of the topology it names, in topology order
	// EveryMember is true when the topology has untagged nodes and the target names every one of
	// them: however it is written, the attribute reaches every user's devices.
	EveryMember bool
}

// AttrGrants returns every nodeAttrs target that grants attribute attr (an attr string, or an app
// capability name), in document order, read as Tailscale reads the policy: keys in any letter case,
// a lone string for a list, targets trimmed. With a topology each names the nodes it reaches.
func (p *Policy) AttrGrants(topo *Topology, attr string) []AttrGrant {
	r := newResolver(p, topo)
	var members []int
	for i := range r.topo.Nodes {
		if !r.topo.Nodes[i].IsTagged() && r.owner[i] != nil {
			members = append(members, i)
		}
	}
	var out []AttrGrant
	for _, na := range p.attrs {
		_, inApp := na.app[attr]
		if !slices.Contains(na.attrs, attr) && !inApp {
			continue
		}
		for j, t := range na.targets {
			g := AttrGrant{Path: at(na.path, na.tkey, j), Target: t}
			if a, err := parseAlias(t); err == nil {
				named := map[int]bool{}
				for _, i := range r.nodes(a) {
					named[i] = true
					g.Nodes = append(g.Nodes, r.topo.Nodes[i].Name)
				}
				g.EveryMember = len(members) > 0
				for _, i := range members {
					if !named[i] {
						g.EveryMember = false
						break
					}
				}
			}
			out = append(out, g)
		}
	}
	return out
}

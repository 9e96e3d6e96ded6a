# METADATA
# title: Flow the current policy would not allow
# description: >-
#   The network flow logs show a connection between two addresses that the
#   current policy allows in neither direction, on its protocol and port
#   (tailscale.reachable with the snapshot's devices). The logs and the policy
#   disagree: the policy changed since the traffic, a device's tags changed, or
#   something reached a node the policy does not let it reach. Each end logs a
#   connection from its own side, so both directions are asked. A tailnet
#   address the snapshot does not know is left to TA-FLOW-002. It judges only
#   with a policy file (tailaudit alerts --policy, or the one stored in
#   --snapshot) and a snapshot.
# custom:
#   id: TA-FLOW-006
#   severity: high
#   remediation: >-
#     Find what changed: a recent policy edit, a tag change, or a node that
#     bypasses the policy. Take a fresh snapshot and re-run before acting.
#   runbook: "Check the policy's recent changes and the devices' tags; ask tailaudit explain which rule should allow it; isolate the node if nothing explains the traffic."
#   match: [{"virtualTraffic": "*"}, {"subnetTraffic": "*"}]
#   suppress: 1h
#   controls: {soc2: [CC6.1, CC6.6, CC7.2], iso27001: ["8.20", "8.22", "8.16"], pci-dss: ["1.3.1", "10.4.1"], hipaa: ["164.312(a)(1)", "164.312(b)"]}
package tailaudit.alerts.flow_policy_disallowed

import data.tailaudit.lib.flows

alert contains result if {
	is_object(input.policy)
	is_array(input.tailnet.devices)
	some kind in ["virtualTraffic", "subnetTraffic"]
	some c in object.get(input.event, kind, [])
	proto := object.get(c, "proto", 0)
	proto > 0
	src := flows.host(c.src)
	dst := flows.host(c.dst)
	not _unknown_node(src)
	not _unknown_node(dst)
	_verdict(src, dst, proto, flows.port(c.dst)) == false
	_verdict(dst, src, proto, flows.port(c.src)) == false
	ends := sort([src, dst])
	result := {
		"msg": sprintf("%s and %s exchanged %s traffic (ports %d and %d) that the policy allows in neither direction", [flows.name(src), flows.name(dst), flows.proto_name(proto), flows.port(c.src), flows.port(c.dst)]),
		"dedup": concat("|", [ends[0], ends[1], format_int(proto, 10)]),
		"evidence": {
			"src": c.src, "dst": c.dst, "srcDevice": flows.name(src), "dstDevice": flows.name(dst),
			"proto": flows.proto_name(proto), "traffic": kind, "bytes": flows.bytes(c), "loggedBy": input.event.nodeId,
			"start": object.get(input.event, "start", ""), "end": object.get(input.event, "end", ""),
		},
	}
}

# _verdict is whether the policy lets a open a connection to b on port; undefined when the
# built-in cannot answer (an address it does not read), so that no alert is raised on a guess.
_verdict(a, b, proto, port) := tailscale.reachable(input, a, b, sprintf("%d:%d", [proto, port]))

# _unknown_node: a tailnet address (100.64.0.0/10, fd7a:115c:a1e0::/48) that no device holds.
_unknown_node(addr) if {
	some range in ["100.64.0.0/10", "fd7a:115c:a1e0::/48"]
	net.cidr_contains(range, addr)
	not flows.device(addr)
}

# METADATA
# title: New approved routes or exit node since the last snapshot
# description: >-
#   A device has subnet routes approved in the newer snapshot (enabledRoutes)
#   that it did not have in the older one, or became an approved exit node
#   (0.0.0.0/0 or ::/0): traffic for those networks, or all internet traffic,
#   can now go through it.
# custom:
#   id: TA-DRIFT-007
#   severity: high
#   remediation: Confirm the routes were requested and that autoApprovers or the approving admin was entitled to approve them.
#   runbook: "Find the NODE UPDATE SUBNET_ROUTES or EXIT_NODE event; ask the device's owner; unapprove routes nobody asked for."
#   controls: {soc2: [CC6.6, CC7.2], iso27001: ["8.20", "8.16"], pci-dss: ["1.2.2", "10.4.1"], hipaa: ["164.312(e)(1)", "164.312(b)"]}
package tailaudit.alerts.drift_new_routes

_exit := {"0.0.0.0/0", "::/0"}

_before_routes(id) := {r |
	some b in input.change.before.devices
	b.nodeId == id
	some r in object.get(b, "enabledRoutes", [])
}

_new(d) := {r |
	some r in object.get(d, "enabledRoutes", [])
	not r in _before_routes(d.nodeId)
}

alert contains result if {
	some d in input.change.after.devices
	subnets := _new(d) - _exit
	count(subnets) > 0
	result := {
		"msg": sprintf("%s has newly approved routes %s", [d.name, concat(", ", sort(subnets))]),
		"dedup": concat("|", array.concat([d.nodeId], sort(subnets))),
		"evidence": {"nodeId": d.nodeId, "device": d.name, "added": sort(subnets), "enabledRoutes": object.get(d, "enabledRoutes", [])},
	}
}

alert contains result if {
	some d in input.change.after.devices
	count(_new(d) & _exit) > 0
	count(_before_routes(d.nodeId) & _exit) == 0
	result := {
		"msg": sprintf("%s is now an approved exit node", [d.name]),
		"dedup": concat("|", [d.nodeId, "exit"]),
		"evidence": {"nodeId": d.nodeId, "device": d.name, "added": sort(_new(d) & _exit), "enabledRoutes": object.get(d, "enabledRoutes", [])},
	}
}

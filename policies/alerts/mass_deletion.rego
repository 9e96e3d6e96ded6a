# METADATA
# title: Mass deletion of devices or users
# description: >-
#   One actor deleted five or more devices, or five or more users, within an hour. Ephemeral devices removed by Tailscale's own cleanup do not count: the match leaves them out, so the engine does not keep them in the window at all.
# custom:
#   id: TA-ALERT-018
#   severity: high
#   remediation: >-
#     Confirm the clean-up was planned; restore access for anyone removed by mistake.
#   runbook: "List the deleted targets from the alert's events; confirm with the actor; check for a compromised admin session."
#   match: {"target.type": ["NODE", "USER"], "action": ["DELETE"], "actor.type": {"not": ["AUTOMATED_WORKER"]}}
#   window: 1h
#   threshold: 5
#   group_by: [actor.id, actor.type, target.type]
#   controls: {soc2: [CC6.2, CC6.3, CC7.2], iso27001: ["5.18", "8.2", "8.16"], pci-dss: ["7.2.1", "7.2.2", "10.2.1.2"], hipaa: ["164.308(a)(4)(ii)(C)", "164.312(b)"]}
package tailaudit.alerts.mass_deletion

import data.tailaudit.lib.alerts as lib

alert contains result if {
	input.event.target.type in {"NODE", "USER"}
	input.event.action == "DELETE"
	input.event.actor.type != "AUTOMATED_WORKER"
	result := {"msg": sprintf("%s deleted %d %s targets within an hour", [lib.actor, count(_group) + 1, lower(input.event.target.type)]), "evidence": lib.evidence}
}

# _group is the earlier deletions in the window by this event's actor of its kind of target, the
# events the threshold counts (group_by); the control plane's own cleanup of ephemeral nodes
# (actor type AUTOMATED_WORKER) is never among them.
_group := [e |
	some e in input.window
	e.actor.id == input.event.actor.id
	e.actor.type == input.event.actor.type
	e.actor.type != "AUTOMATED_WORKER"
	e.target.type == input.event.target.type
]

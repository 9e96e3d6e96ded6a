# METADATA
# title: Exit node configuration changed
# description: >-
#   A device was made an exit node, or stopped being one: internet traffic of other devices may now leave through it.
# custom:
#   id: TA-ALERT-024
#   severity: high
#   remediation: >-
#     Confirm the exit node is approved and its users are limited by the policy.
#   runbook: "Check who may use the exit node (autogroup:internet in the policy); revert if unplanned."
#   match: {"target.type": ["NODE"], "action": ["UPDATE"], "target.property": ["EXIT_NODE"]}
#   controls: {soc2: [CC6.6, CC7.2], iso27001: ["8.20", "8.16"], pci-dss: ["1.2.2", "10.4.1"], hipaa: ["164.312(e)(1)", "164.312(b)"]}
package tailaudit.alerts.exit_node_changed

import data.tailaudit.lib.alerts as lib

alert contains result if {
	input.event.target.type == "NODE"
	input.event.action == "UPDATE"
	input.event.target.property == "EXIT_NODE"
	result := {"msg": sprintf("%s changed the exit node setting of %s", [lib.actor, lib.target]), "evidence": lib.evidence}
}

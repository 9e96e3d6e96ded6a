# METADATA
# title: User approval turned off
# description: >-
#   Someone turned off user approval, so anyone the identity provider lets in joins the tailnet without an admin approving them.
# custom:
#   id: TA-ALERT-002
#   severity: high
#   remediation: >-
#     Turn user approval back on unless the change was planned, and review users who joined since.
#   runbook: "Ask the actor why; re-enable user approval; review users created since the event."
#   match: {"target.type": ["TAILNET"], "action": ["DISABLE"], "target.property": ["USER_APPROVAL_REQUIRED"]}
#   controls: {soc2: [CC6.2, CC6.3, CC7.2], iso27001: ["5.18", "8.2", "8.16"], pci-dss: ["7.2.1", "7.2.2", "10.2.1.2"], hipaa: ["164.308(a)(4)(ii)(C)", "164.312(b)"]}
package tailaudit.alerts.user_approval_disabled

import data.tailaudit.lib.alerts as lib

alert contains result if {
	input.event.target.type == "TAILNET"
	input.event.action == "DISABLE"
	input.event.target.property == "USER_APPROVAL_REQUIRED"
	result := {"msg": sprintf("%s turned off user approval for %s", [lib.actor, lib.target]), "evidence": lib.evidence}
}

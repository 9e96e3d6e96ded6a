# METADATA
# title: User invited
# description: >-
#   Someone invited a new user to the tailnet.
# custom:
#   id: TA-ALERT-022
#   severity: medium
#   remediation: >-
#     Confirm the invite is expected; delete it otherwise.
#   runbook: "Check the invite with the actor; revoke unexpected invites in Users > Invites."
#   match: [{"target.type": ["USER"], "action": ["INVITE"]}, {"target.type": ["INVITE"], "action": ["CREATE"], "target.property": ["TAILNET_INVITE"]}]
#   controls: {soc2: [CC6.2, CC6.3, CC7.2], iso27001: ["5.18", "8.2", "8.16"], pci-dss: ["7.2.1", "7.2.2", "10.2.1.2"], hipaa: ["164.308(a)(4)(ii)(C)", "164.312(b)"]}
package tailaudit.alerts.user_invited

import data.tailaudit.lib.alerts as lib

alert contains result if {
	_admitted
	result := {"msg": sprintf("%s invited %s to the tailnet", [lib.actor, lib.target]), "evidence": lib.evidence}
}

_admitted if {
	input.event.target.type == "USER"
	input.event.action == "INVITE"
}

_admitted if {
	input.event.target.type == "INVITE"
	input.event.action == "CREATE"
	input.event.target.property == "TAILNET_INVITE"
}

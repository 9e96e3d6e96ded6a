# METADATA
# title: Device shared outside the tailnet
# description: >-
#   A device was shared with another tailnet, or a share invite was created: people outside the organisation can reach it.
# custom:
#   id: TA-ALERT-020
#   severity: medium
#   remediation: >-
#     Confirm the share is needed and time-limited; revoke it otherwise.
#   runbook: "Check who accepted the share; revoke it on the machine page if it is not needed."
#   match: [{"target.type": ["INVITE"], "action": ["CREATE"], "target.property": ["NODE_SHARE"]}, {"target.type": ["SHARE"], "action": ["CREATE"]}]
#   controls: {soc2: [CC6.2, CC6.3, CC7.2], iso27001: ["5.18", "8.2", "8.16"], pci-dss: ["7.2.1", "7.2.2", "10.2.1.2"], hipaa: ["164.308(a)(4)(ii)(C)", "164.312(b)"]}
package tailaudit.alerts.node_shared_externally

import data.tailaudit.lib.alerts as lib

alert contains result if {
	_admitted
	result := {"msg": sprintf("%s shared %s outside the tailnet", [lib.actor, lib.target]), "evidence": lib.evidence}
}

_admitted if {
	input.event.target.type == "INVITE"
	input.event.action == "CREATE"
	input.event.target.property == "NODE_SHARE"
}

_admitted if {
	input.event.target.type == "SHARE"
	input.event.action == "CREATE"
}

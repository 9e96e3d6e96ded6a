# METADATA
# title: Suspended user restored
# description: >-
#   A suspended user was restored and regains access to the tailnet.
# custom:
#   id: TA-ALERT-027
#   severity: medium
#   remediation: >-
#     Confirm the user should have access again.
#   runbook: "Check with HR or the user's manager that the suspension is over."
#   match: {"target.type": ["USER"], "action": ["RESTORE"]}
#   controls: {soc2: [CC6.2, CC6.3, CC7.2], iso27001: ["5.18", "8.2", "8.16"], pci-dss: ["7.2.1", "7.2.2", "10.2.1.2"], hipaa: ["164.308(a)(4)(ii)(C)", "164.312(b)"]}
package tailaudit.alerts.user_suspended_restored

import data.tailaudit.lib.alerts as lib

alert contains result if {
	input.event.target.type == "USER"
	input.event.action == "RESTORE"
	result := {"msg": sprintf("%s restored the suspended user %s", [lib.actor, lib.target]), "evidence": lib.evidence}
}

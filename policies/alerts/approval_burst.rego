# METADATA
# title: Burst of device approvals
# description: >-
#   One actor approved ten or more devices within ten minutes: approving without looking, or a script doing it.
# custom:
#   id: TA-ALERT-019
#   severity: medium
#   remediation: >-
#     Review the approved devices; keep approval a decision per device.
#   runbook: "Check the approved devices against expected enrolments; remove any nobody recognises."
#   match: {"target.type": ["NODE"], "action": ["APPROVE"]}
#   window: 10m
#   threshold: 10
#   group_by: [actor.id]
#   controls: {soc2: [CC6.1, CC6.8, CC7.2], iso27001: ["8.1", "8.16"], pci-dss: ["10.4.1"], hipaa: ["164.310(c)", "164.312(b)"]}
package tailaudit.alerts.approval_burst

import data.tailaudit.lib.alerts as lib

alert contains result if {
	input.event.target.type == "NODE"
	input.event.action == "APPROVE"
	result := {"msg": sprintf("%s approved %d devices within 10 minutes", [lib.actor, count(input.window) + 1]), "evidence": lib.evidence}
}

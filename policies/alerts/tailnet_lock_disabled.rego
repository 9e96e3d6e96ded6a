# METADATA
# title: Tailnet Lock turned off or deleted
# description: >-
#   Tailnet Lock was disabled or deleted, so the coordination server alone can add nodes again. The audit log calls Tailnet Lock TKA.
# custom:
#   id: TA-ALERT-005
#   severity: critical
#   remediation: >-
#     Re-initialise Tailnet Lock with trusted signing keys unless the change was planned.
#   runbook: "Treat as a possible compromise: confirm with the actor through another channel; re-enable Tailnet Lock; review nodes added since."
#   match: {"target.type": ["TAILNET"], "action": ["DISABLE", "DELETE"], "target.property": ["TKA"]}
#   controls: {soc2: [CC6.1, CC6.8, CC7.2], iso27001: ["8.1", "8.16"], pci-dss: ["10.4.1"], hipaa: ["164.310(c)", "164.312(b)"]}
package tailaudit.alerts.tailnet_lock_disabled

import data.tailaudit.lib.alerts as lib

alert contains result if {
	input.event.target.type == "TAILNET"
	input.event.action in {"DISABLE", "DELETE"}
	input.event.target.property == "TKA"
	result := {"msg": sprintf("%s turned off Tailnet Lock for %s", [lib.actor, lib.target]), "evidence": lib.evidence}
}

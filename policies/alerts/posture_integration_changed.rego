# METADATA
# title: Device posture integration changed or deleted
# description: >-
#   A device posture integration (an MDM or EDR feed that policies may require) was changed or deleted; posture checks that depend on it may stop holding.
# custom:
#   id: TA-ALERT-006
#   severity: medium
#   remediation: >-
#     Confirm the change; restore the integration if posture rules depend on it.
#   runbook: "Check with the actor; review postures in the policy that use the integration's attributes."
#   match: {"target.type": ["TAILNET"], "action": ["UPDATE", "DELETE"], "target.property": ["POSTURE_INTEGRATION"]}
#   controls: {soc2: [CC6.1, CC6.8, CC7.2], iso27001: ["8.1", "8.16"], pci-dss: ["10.4.1"], hipaa: ["164.310(c)", "164.312(b)"]}
package tailaudit.alerts.posture_integration_changed

import data.tailaudit.lib.alerts as lib

_severity := "high" if input.event.action == "DELETE"

_severity := "medium" if input.event.action != "DELETE"

alert contains result if {
	input.event.target.type == "TAILNET"
	input.event.action in {"UPDATE", "DELETE"}
	input.event.target.property == "POSTURE_INTEGRATION"
	result := {"msg": sprintf("%s changed a posture integration of %s", [lib.actor, lib.target]), "evidence": lib.evidence, "severity": _severity}
}

# METADATA
# title: Subnet routes enabled or disabled
# description: >-
#   The routes a device may carry for the tailnet changed: a subnet router now exposes, or stops exposing, a network.
# custom:
#   id: TA-ALERT-023
#   severity: high
#   remediation: >-
#     Confirm each route is needed and covered by the policy.
#   runbook: "Compare old and new routes in the evidence; disable routes nobody requested."
#   match: {"target.type": ["NODE"], "action": ["UPDATE"], "target.property": ["ALLOWED_IPS", "AUTO_APPROVED_ROUTES"]}
#   controls: {soc2: [CC6.6, CC7.2], iso27001: ["8.20", "8.16"], pci-dss: ["1.2.2", "10.4.1"], hipaa: ["164.312(e)(1)", "164.312(b)"]}
package tailaudit.alerts.subnet_routes_changed

import data.tailaudit.lib.alerts as lib

alert contains result if {
	input.event.target.type == "NODE"
	input.event.action == "UPDATE"
	input.event.target.property in {"ALLOWED_IPS", "AUTO_APPROVED_ROUTES"}
	result := {"msg": sprintf("%s changed the routes of %s", [lib.actor, lib.target]), "evidence": lib.evidence}
}

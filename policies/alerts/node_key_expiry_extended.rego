# METADATA
# title: Device key expiry moved later
# description: >-
#   A device's key expiry time was moved later by an admin, so it keeps access longer than the tailnet's key duration says.
# custom:
#   id: TA-ALERT-026
#   severity: low
#   remediation: >-
#     Confirm the extension; keep it short.
#   runbook: "Check the new expiry in the evidence against the tailnet's key duration."
#   match: {"target.type": ["NODE"], "action": ["UPDATE"], "target.property": ["KEY_EXPIRY_TIME"]}
#   controls: {soc2: [CC6.1, CC7.2], iso27001: ["5.17", "8.16"], pci-dss: ["8.6.1", "10.2.1.2"], hipaa: ["164.312(d)", "164.312(b)"]}
package tailaudit.alerts.node_key_expiry_extended

import data.tailaudit.lib.alerts as lib

alert contains result if {
	input.event.target.type == "NODE"
	input.event.action == "UPDATE"
	input.event.target.property == "KEY_EXPIRY_TIME"
	time.parse_rfc3339_ns(input.event.new) > time.parse_rfc3339_ns(input.event.old)
	result := {"msg": sprintf("%s moved the key expiry of %s later", [lib.actor, lib.target]), "evidence": lib.evidence}
}

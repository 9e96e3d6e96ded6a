# METADATA
# title: Key expiry disabled on a device
# description: >-
#   Key expiry was disabled for a device, so it keeps its access indefinitely without its user logging in again.
# custom:
#   id: TA-ALERT-016
#   severity: medium
#   remediation: >-
#     Re-enable key expiry unless the device is a server with a documented exception.
#   runbook: "Check that the device is a tagged server; otherwise re-enable key expiry on its machine page."
#   match: {"target.type": ["NODE"], "action": ["DISABLE"], "target.property": ["KEY_EXPIRY"]}
#   controls: {soc2: [CC6.1, CC6.8, CC7.2], iso27001: ["8.1", "8.16"], pci-dss: ["10.4.1"], hipaa: ["164.310(c)", "164.312(b)"]}
package tailaudit.alerts.key_expiry_disabled

import data.tailaudit.lib.alerts as lib

alert contains result if {
	input.event.target.type == "NODE"
	input.event.action == "DISABLE"
	input.event.target.property == "KEY_EXPIRY"
	result := {"msg": sprintf("%s disabled key expiry on %s", [lib.actor, lib.target]), "evidence": lib.evidence}
}

# METADATA
# title: Maximum key duration raised
# description: >-
#   The tailnet's device key expiry was made longer, so devices keep access longer before their users must log in again.
# custom:
#   id: TA-ALERT-014
#   severity: medium
#   remediation: >-
#     Keep the key duration as short as users can bear; revert unplanned increases.
#   runbook: "Confirm with the actor; restore the previous duration in Settings > Device management."
#   match: {"target.type": ["TAILNET"], "action": ["UPDATE"], "target.property": ["MAX_KEY_DURATION"]}
#   controls: {soc2: [CC6.1, CC7.2], iso27001: ["5.17", "8.16"], pci-dss: ["8.6.1", "10.2.1.2"], hipaa: ["164.312(d)", "164.312(b)"]}
package tailaudit.alerts.max_key_duration_raised

import data.tailaudit.lib.alerts as lib

alert contains result if {
	input.event.target.type == "TAILNET"
	input.event.action == "UPDATE"
	input.event.target.property == "MAX_KEY_DURATION"
	to_number(input.event.new) > to_number(input.event.old)
	result := {"msg": sprintf("%s raised the key duration of %s from %v to %v", [lib.actor, lib.target, input.event.old, input.event.new]), "evidence": lib.evidence}
}

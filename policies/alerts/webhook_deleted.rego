# METADATA
# title: Webhook endpoint deleted or its secret rotated
# description: >-
#   A webhook endpoint was deleted, or its signing secret rotated; notifications stop, or a receiver that was not updated starts rejecting them.
# custom:
#   id: TA-ALERT-015
#   severity: high
#   remediation: >-
#     Restore the webhook or update its receivers with the new secret.
#   runbook: "Ask the actor; check receivers still verify signatures; recreate the endpoint if it was deleted by mistake."
#   match: {"target.type": ["WEBHOOK_ENDPOINT"], "action": ["DELETE", "UPDATE"]}
#   controls: {soc2: [CC2.1, CC7.2], iso27001: ["8.15", "8.16"], pci-dss: ["10.2.1", "10.7.2"], hipaa: ["164.312(b)"]}
package tailaudit.alerts.webhook_deleted

import data.tailaudit.lib.alerts as lib

_deleted_or_rotated if input.event.action == "DELETE"

_deleted_or_rotated if input.event.target.property == "SECRET"

alert contains result if {
	input.event.target.type == "WEBHOOK_ENDPOINT"
	input.event.action in {"DELETE", "UPDATE"}
	_deleted_or_rotated
	result := {"msg": sprintf("%s deleted or re-keyed the webhook %s", [lib.actor, lib.target]), "evidence": lib.evidence}
}

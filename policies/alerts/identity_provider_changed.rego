# METADATA
# title: SCIM or identity provider changed
# description: >-
#   User provisioning (SCIM) was turned on or off, or the tailnet moved to another identity provider: who can log in, and how users leave, changes.
# custom:
#   id: TA-ALERT-021
#   severity: high
#   remediation: >-
#     Confirm the change with the identity team.
#   runbook: "Check the identity provider's own audit log; confirm offboarding still removes users."
#   match: [{"target.type": ["TAILNET"], "action": ["ENABLE", "DISABLE"], "target.property": ["SCIM"]}, {"action": ["MIGRATE_AUTH_PROVIDER"]}]
#   controls: {soc2: [CC6.2, CC6.3, CC7.2], iso27001: ["5.18", "8.2", "8.16"], pci-dss: ["7.2.1", "7.2.2", "10.2.1.2"], hipaa: ["164.308(a)(4)(ii)(C)", "164.312(b)"]}
package tailaudit.alerts.identity_provider_changed

import data.tailaudit.lib.alerts as lib

alert contains result if {
	_admitted
	result := {"msg": sprintf("%s changed user provisioning or the identity provider of %s", [lib.actor, lib.target]), "evidence": lib.evidence}
}

_admitted if {
	input.event.target.type == "TAILNET"
	input.event.action in {"ENABLE", "DISABLE"}
	input.event.target.property == "SCIM"
}

_admitted if {
	input.event.action == "MIGRATE_AUTH_PROVIDER"
}

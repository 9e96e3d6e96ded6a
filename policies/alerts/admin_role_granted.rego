# METADATA
# title: Admin role granted
# description: >-
#   A user was given a role with control over the tailnet (owner, admin, IT admin or network admin).
# custom:
#   id: TA-ALERT-008
#   severity: critical
#   remediation: >-
#     Confirm the grant with the actor and the user's manager; revert it if it was not approved.
#   runbook: "Verify through a second channel; if unapproved, demote the user, review what they changed since, rotate keys they created."
#   match: {"target.type": ["USER"], "action": ["UPDATE"], "target.property": ["USER_ROLE"]}
#   controls: {soc2: [CC6.2, CC6.3, CC7.2], iso27001: ["5.18", "8.2", "8.16"], pci-dss: ["7.2.1", "7.2.2", "10.2.1.2"], hipaa: ["164.308(a)(4)(ii)(C)", "164.312(b)"]}
package tailaudit.alerts.admin_role_granted

import data.tailaudit.lib.alerts as lib

alert contains result if {
	input.event.target.type == "USER"
	input.event.action == "UPDATE"
	input.event.target.property == "USER_ROLE"
	lower(object.get(input.event, "new", "")) in {"owner", "admin", "it-admin", "network-admin"}
	lower(object.get(input.event, "old", "")) != lower(input.event.new)
	result := {"msg": sprintf("%s gave %s the role %s", [lib.actor, lib.target, input.event.new]), "evidence": lib.evidence}
}

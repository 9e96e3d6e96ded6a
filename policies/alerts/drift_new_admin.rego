# METADATA
# title: New admin or owner since the last snapshot
# description: A user holds an owner or admin role in the newer snapshot that they did not hold in the older one.
# custom:
#   id: TA-DRIFT-003
#   severity: high
#   remediation: Confirm the role change was approved.
#   runbook: "Find the USER.UPDATE.USER_ROLE event; confirm with the user's manager; demote if unapproved."
#   controls: {soc2: [CC6.2, CC6.3, CC7.2], iso27001: ["5.18", "8.2", "8.16"], pci-dss: ["7.2.1", "7.2.2", "10.2.1.2"], hipaa: ["164.308(a)(4)(ii)(C)", "164.312(b)"]}
package tailaudit.alerts.drift_new_admin

_privileged := {"owner", "admin", "it-admin", "network-admin"}

alert contains result if {
	some u in input.change.after.users
	u.role in _privileged
	not _was_privileged(u.id)
	result := {
		"msg": sprintf("%s is now %s", [u.loginName, u.role]),
		"dedup": concat("/", [u.id, u.role]),
		"evidence": {"user": u.loginName, "role": u.role},
	}
}

_was_privileged(id) if {
	some b in input.change.before.users
	b.id == id
	b.role in _privileged
}

# METADATA
# title: No access rules, so all traffic is allowed
# description: >-
#   The policy file has neither an "acls" nor a "grants" section. Tailscale reads
#   such a file as "allow everything": every device may reach every other device
#   on every port. An empty "acls": [] list is different (it allows nothing) and
#   is not reported here.
# custom:
#   id: TA-ACL-001
#   severity: critical
#   remediation: >-
#     Add "grants" (or "acls") that give each group only the access it needs. Until
#     then, "grants": [] makes the default deny-all explicit.
package tailaudit.policy.allow_all_default

deny contains result if {
	is_object(input.policy)
	not present("acls")
	not present("grants")
	result := {
		"msg": "the policy has no acls or grants section, so Tailscale allows all traffic between all devices",
		"path": ["policy"],
		"evidence": {"sections": sort(object.keys(input.policy))},
	}
}

present(section) if input.policy[section] != null

# METADATA
# title: ACL allows everyone to reach everything
# description: >-
#   An ACL accepts traffic from "*" to "*:*", which lets every device and user
#   reach every device on every port and makes the rest of the policy moot.
# custom:
#   id: TA-ACL-002
#   severity: critical
#   remediation: >-
#     Replace the rule with rules that name the groups, tags and ports that are
#     actually needed, and add tests that deny the rest.
package tailaudit.policy.acl_allow_all

deny contains result if {
	some i, rule in input.policy.acls
	rule.action == "accept"
	"*" in rule.src
	"*:*" in rule.dst
	result := {
		"msg": sprintf(`acls[%d] lets "*" reach "*:*", every device on every port`, [i]),
		"path": ["policy", "acls", i],
		"evidence": {"src": rule.src, "dst": rule.dst},
	}
}

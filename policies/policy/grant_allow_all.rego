# METADATA
# title: Grant allows everyone to reach everything
# description: >-
#   A grant has "*" as source, "*" as destination and "*" in "ip", so every
#   device and user can reach every device over every protocol and port.
# custom:
#   id: TA-GRANT-001
#   severity: critical
#   remediation: >-
#     Split the grant into grants that name the groups, tags and ports each team
#     needs, and add tests that deny what should stay closed.
package tailaudit.policy.grant_allow_all

deny contains result if {
	some i, grant in input.policy.grants
	"*" in grant.src
	"*" in grant.dst
	"*" in grant.ip
	result := {
		"msg": sprintf(`grants[%d] lets "*" reach "*" over every protocol and port`, [i]),
		"path": ["policy", "grants", i],
		"evidence": {"src": grant.src, "dst": grant.dst, "ip": grant.ip},
	}
}

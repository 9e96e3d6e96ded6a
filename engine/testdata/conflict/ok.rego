# METADATA
# title: SSH as root without check mode
# description: An SSH rule lets sources log in as root without re-authentication.
# custom:
#   id: T-SSH-001
#   severity: high
#   remediation: Use check mode for root.
#   controls:
#     soc2: [CC6.1]
package tailaudit.policy.ssh_root

deny contains result if {
	some i, rule in input.policy.ssh
	rule.action == "accept"
	"root" in rule.users
	result := {
		"msg": sprintf("ssh[%d] accepts root without check", [i]),
		"path": ["policy", "ssh", i, "users"],
		"evidence": {"src": rule.src},
	}
}

# METADATA
# title: SSH as root without check mode
# description: >-
#   An SSH rule with "action": "accept" lets its sources log in as root with no
#   fresh re-authentication, so a stolen or unattended laptop is enough to get a
#   root shell.
# custom:
#   id: TA-SSH-001
#   severity: high
#   remediation: >-
#     Use "action": "check" for rules that include root, or list the non-root
#     accounts people need and escalate with sudo.
package tailaudit.policy.ssh_root_accept

import data.tailaudit.lib.refs

deny contains result if {
	some i, rule in input.policy.ssh
	rule.action == "accept"
	some k, user in rule.users
	user == "root"
	result := {
		"msg": sprintf("ssh[%d] accepts root from %s on %s without check", [i, refs.names(rule.src), refs.names(rule.dst)]),
		"path": ["policy", "ssh", i, "users", k],
		"evidence": {"action": rule.action, "src": rule.src, "dst": rule.dst, "users": rule.users},
	}
}

# METADATA
# title: New SSH access as root
# description: >-
#   The change lets a source log in as root on a destination where the policy
#   before it did not, in check or accept mode. Root on a machine is every
#   account on it, so a new root login deserves a reviewer's eye even when it
#   is re-authenticated.
# custom:
#   id: TA-CHG-002
#   severity: high
#   remediation: >-
#     Name the non-root account the work needs and escalate with sudo, or
#     confirm in the review who needs root there and why.
package tailaudit.change.ssh_root_added

import data.tailaudit.lib.change

old := change.ssh_grants(change.before)

deny contains result if {
	some i, rule in change.section(change.after, "ssh")
	some j, user in change.list(rule.users)
	user == "root"
	some src in change.list(rule.src)
	some dst in change.list(rule.dst)
	not old_root(src, dst)
	result := {
		"msg": sprintf("ssh[%d] newly lets %s log in as root on %s (%s)", [i, src, dst, rule.action]),
		"path": ["change", "after", "ssh", i, "users", j],
		"evidence": {"src": src, "dst": dst, "user": user, "action": rule.action},
	}
}

old_root(src, dst) if {
	some grant in old
	grant[0] == src
	grant[1] == dst
	grant[2] == "root"
}

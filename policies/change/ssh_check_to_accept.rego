# METADATA
# title: SSH login no longer re-authenticated
# description: >-
#   The change turns an SSH login that was allowed in check mode into one that
#   is accepted without re-authentication: the same source, destination and
#   login user, now in an accept rule, where before only a check rule allowed
#   it.
# custom:
#   id: TA-CHG-003
#   severity: high
#   remediation: >-
#     Keep "action": "check" for the login, or confirm in the review why it no
#     longer needs a fresh sign-in.
package tailaudit.change.ssh_check_to_accept

import data.tailaudit.lib.change

old := change.ssh_grants(change.before)

deny contains result if {
	some i, rule in change.section(change.after, "ssh")
	rule.action == "accept"
	some src in change.list(rule.src)
	some dst in change.list(rule.dst)
	some user in change.list(rule.users)
	[src, dst, user, "check"] in old
	not [src, dst, user, "accept"] in old
	result := {
		"msg": sprintf("ssh[%d] accepts %s as %s on %s without the check it needed before", [i, src, user, dst]),
		"path": ["change", "after", "ssh", i, "action"],
		"evidence": {"src": src, "dst": dst, "user": user},
	}
}

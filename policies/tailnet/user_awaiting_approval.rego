# METADATA
# title: User awaiting approval
# description: >-
#   Someone has signed in to the tailnet and is waiting for an administrator to approve them.
#   Pending requests should be decided promptly, and approvals from people nobody recognises
#   should be refused.
# custom:
#   id: TA-USER-003
#   severity: low
#   remediation: >-
#     Review pending users on the Users page. Approve those expected to join and remove the
#     rest.
#   resources: users
#   aggregate: []
#   requires: [users]
package tailaudit.tailnet.user_awaiting_approval

import data.tailaudit.lib.tailnet as lib

warn contains result if {
	some i, u in lib.users
	u.status == "needs-approval"
	result := {
		"msg": sprintf("user %s is waiting for approval", [lib.user_name(u)]),
		"resource": lib.user_resource(u),
		"path": ["tailnet", "users", i],
		"evidence": {
			"status": u.status,
			"created": object.get(u, "created", ""),
		},
	}
}

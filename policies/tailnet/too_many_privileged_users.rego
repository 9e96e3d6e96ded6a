# METADATA
# title: Too many administrators
# description: >-
#   More people hold the Owner, Admin, IT admin or Network admin role than the organisation
#   allows. Each of these roles can change who reaches what, so every extra holder widens the
#   set of accounts whose compromise exposes the whole tailnet.
# custom:
#   id: TA-USER-001
#   severity: medium
#   remediation: >-
#     Give people the narrowest role that fits their job (Member, Auditor, Billing admin) and
#     keep the administrative roles to a small, named group.
#   requires: [users]
#   params:
#     maxPrivilegedUsers: {type: integer, minimum: 1}
package tailaudit.tailnet.too_many_privileged_users

import data.tailaudit.lib.params
import data.tailaudit.lib.tailnet as lib

# parameters are this rule's thresholds: input.params over the defaults.
parameters := params.merged({"maxPrivilegedUsers": 3})

deny contains result if {
	holders := sort([sprintf("%s (%s)", [lib.user_name(u), u.role]) |
		some u in lib.users
		lib.is_privileged(u)
		not u.status == "suspended"
	])
	count(holders) > parameters.maxPrivilegedUsers
	result := {
		"msg": sprintf("%d users hold administrative roles; at most %d are allowed", [count(holders), parameters.maxPrivilegedUsers]),
		"resource": lib.tailnet_resource,
		"path": ["tailnet", "users"],
		"evidence": {
			"privilegedUsers": holders,
			"count": count(holders),
			"maxPrivilegedUsers": parameters.maxPrivilegedUsers,
		},
	}
}

# METADATA
# title: Inactive user
# description: >-
#   A user has not been seen for a long time but still has an active account. Unused accounts
#   are a common way in: nobody notices when they are used. Inactive administrators are
#   reported at a higher severity.
# custom:
#   id: TA-USER-002
#   severity: medium
#   remediation: >-
#     Confirm whether the person still needs access. Suspend or remove the user (and deprovision
#     them at the identity provider), or lower their role if they only need it rarely.
#   resources: users
#   aggregate: [role, inactiveUserDays]
#   requires: [users]
#   params:
#     inactiveUserDays: {type: integer, minimum: 1, maximum: 3650}
package tailaudit.tailnet.user_inactive

import data.tailaudit.lib.params
import data.tailaudit.lib.tailnet as lib

# parameters are this rule's thresholds: input.params over the defaults.
parameters := params.merged({"inactiveUserDays": params.shared.inactiveUserDays})

deny contains result if {
	some i, u in lib.users
	not u.status in {"suspended", "needs-approval"}
	days := lib.user_inactive_days(u)
	days >= parameters.inactiveUserDays
	result := {
		"msg": sprintf("user %s (%s) has not been seen for %d days", [lib.user_name(u), object.get(u, "role", ""), floor(days)]),
		"resource": lib.user_resource(u),
		"path": ["tailnet", "users", i],
		"evidence": {
			"role": object.get(u, "role", ""),
			"lastSeen": object.get(u, "lastSeen", ""),
			"daysInactive": floor(days),
			"inactiveUserDays": parameters.inactiveUserDays,
		},
		"severity": _severity(u),
	}
}

_severity(u) := "high" if {
	lib.is_privileged(u)
} else := "medium"

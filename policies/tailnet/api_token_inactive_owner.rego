# METADATA
# title: API access token owned by an inactive user
# description: >-
#   A valid API access token belongs to a user who is suspended, no longer in the tailnet, or
#   has not been seen for a long time. The token acts with that user's role, so it outlives the
#   person's own use of the tailnet.
# custom:
#   id: TA-KEY-005
#   severity: high
#   remediation: >-
#     Revoke the token. If automation depends on it, replace it with an OAuth client whose scopes
#     fit the job and which is not tied to a person.
#   resources: keys
#   aggregate: []
#   requires: [keys, users]
#   params:
#     inactiveUserDays: {type: integer, minimum: 1, maximum: 3650}
package tailaudit.tailnet.api_token_inactive_owner

import data.tailaudit.lib.params
import data.tailaudit.lib.tailnet as lib

# parameters are this rule's thresholds: input.params over the defaults.
parameters := params.merged({"inactiveUserDays": params.shared.inactiveUserDays})

deny contains result if {
	some i, k in lib.keys
	lib.key_type(k) == "api"
	lib.key_active(k)
	owner_id := sprintf("%v", [k.userId])
	owner_id != ""
	reason := _problem(owner_id)
	result := {
		"msg": sprintf("API token %s belongs to a user who %s", [lib.key_name(k), reason]),
		"resource": lib.key_resource(k),
		"path": ["tailnet", "keys", i],
		"evidence": {
			"userId": owner_id,
			"owner": _owner_name(owner_id),
			"reason": reason,
			"expires": object.get(k, "expires", ""),
		},
	}
}

_problem(id) := "is no longer in the tailnet" if {
	not lib.users_by_id[id]
} else := "is suspended" if {
	lib.users_by_id[id].status == "suspended"
} else := sprintf("has not been seen for %d days", [floor(days)]) if {
	days := lib.user_inactive_days(lib.users_by_id[id])
	days >= parameters.inactiveUserDays
}

_owner_name(id) := lib.user_name(lib.users_by_id[id]) if {
	lib.users_by_id[id]
} else := ""

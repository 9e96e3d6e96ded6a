# METADATA
# title: Long-lived key
# description: >-
#   An auth key or API access token is valid for longer than the organisation allows, or has no
#   expiry at all. The longer a secret lives, the more places it is copied to and the longer a
#   leak stays useful.
# custom:
#   id: TA-KEY-002
#   severity: medium
#   remediation: >-
#     Issue keys with the shortest expiry that works, rotate them on a schedule, and move
#     automation to OAuth clients that mint short-lived tokens.
#   resources: keys
#   aggregate: [maxKeyDays]
#   requires: [keys]
#   params:
#     maxKeyDays: {type: integer, minimum: 1, maximum: 3650}
package tailaudit.tailnet.key_long_lived

import data.tailaudit.lib.params
import data.tailaudit.lib.tailnet as lib

# parameters are this rule's thresholds: input.params over the defaults.
parameters := params.merged({"maxKeyDays": 90})

# OAuth clients and federated identities do not expire by design; they are checked by TA-KEY-004.
_expiring_types := {"auth", "api"}

deny contains result if {
	some i, k in lib.keys
	lib.key_type(k) in _expiring_types
	lib.key_active(k)
	days := lib.span_days(k.created, k.expires)
	days > parameters.maxKeyDays
	result := {
		"msg": sprintf("%s key %s is valid for %d days (limit %d)", [lib.key_type(k), lib.key_name(k), floor(days), parameters.maxKeyDays]),
		"resource": lib.key_resource(k),
		"path": ["tailnet", "keys", i],
		"evidence": {
			"created": k.created,
			"expires": k.expires,
			"lifetimeDays": floor(days),
			"maxKeyDays": parameters.maxKeyDays,
		},
	}
}

deny contains result if {
	some i, k in lib.keys
	lib.key_type(k) in _expiring_types
	lib.key_active(k)
	not lib.timestamp_set(object.get(k, "expires", null))
	result := {
		"msg": sprintf("%s key %s never expires", [lib.key_type(k), lib.key_name(k)]),
		"resource": lib.key_resource(k),
		"path": ["tailnet", "keys", i],
		"evidence": {
			"created": object.get(k, "created", ""),
			"expires": object.get(k, "expires", ""),
			"maxKeyDays": parameters.maxKeyDays,
		},
	}
}

# METADATA
# title: Auth key that can add untagged, persistent devices at will
# description: >-
#   One auth key is reusable, pre-authorized, not ephemeral and not tagged, and stays valid for
#   longer than the organisation allows. Whoever holds it can add any number of devices that skip
#   device approval, stay in the tailnet after they go offline, and carry the identity (and so
#   the access) of the user who created the key. Each property alone is reported by TA-KEY-001,
#   TA-KEY-002 and TA-KEY-003; together they make the key one of the riskiest objects a tailnet
#   can hold.
# custom:
#   id: TA-KEY-006
#   severity: high
#   remediation: >-
#     Revoke the key. Mint keys on demand from an OAuth client instead; where a long-lived key
#     is unavoidable make it tagged and ephemeral, and drop reusable or pre-authorized.
#   resources: keys
#   aggregate: []
#   requires: [keys]
#   params:
#     maxKeyDays: {type: integer, minimum: 1, maximum: 3650}
package tailaudit.tailnet.auth_key_risky_combination

import data.tailaudit.lib.params
import data.tailaudit.lib.tailnet as lib

parameters := params.merged({"maxKeyDays": 90})

deny contains result if {
	some i, k in lib.keys
	lib.key_type(k) == "auth"
	lib.key_active(k)
	caps := lib.key_create_caps(k)
	caps.reusable == true
	caps.preauthorized == true
	object.get(caps, "ephemeral", false) != true
	count(lib.array_at(caps, "tags")) == 0
	_long_lived(k)
	result := {
		"msg": sprintf("auth key %s is reusable, pre-authorized, persistent, untagged and valid until %s: anyone holding it can add devices with its creator's access", [lib.key_name(k), object.get(k, "expires", "never")]),
		"resource": lib.key_resource(k),
		"path": ["tailnet", "keys", i],
		"evidence": {
			"reusable": true,
			"preauthorized": true,
			"ephemeral": false,
			"tags": [],
			"created": object.get(k, "created", ""),
			"expires": object.get(k, "expires", ""),
			"maxKeyDays": parameters.maxKeyDays,
		},
	}
}

_long_lived(k) if lib.span_days(k.created, k.expires) > parameters.maxKeyDays

_long_lived(k) if not lib.timestamp_set(object.get(k, "expires", ""))

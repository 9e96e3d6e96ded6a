# METADATA
# title: Pre-authorized auth key
# description: >-
#   Devices registered with this auth key skip device approval. Whoever holds the key can add
#   machines without an administrator looking at them. Keys that only create ephemeral, tagged
#   nodes (the usual pattern for CI and autoscaling) are not reported.
# custom:
#   id: TA-KEY-003
#   severity: medium
#   remediation: >-
#     Use pre-authorized keys only for tagged, ephemeral workloads created by automation, give
#     them short expiries, and let people's devices go through approval.
#   resources: keys
#   aggregate: []
#   requires: [keys]
package tailaudit.tailnet.auth_key_preauthorized

import data.tailaudit.lib.tailnet as lib

deny contains result if {
	some i, k in lib.keys
	lib.key_type(k) == "auth"
	lib.key_active(k)
	caps := lib.key_create_caps(k)
	caps.preauthorized == true
	not _automation_only(caps)
	result := {
		"msg": sprintf("auth key %s registers devices without approval", [lib.key_name(k)]),
		"resource": lib.key_resource(k),
		"path": ["tailnet", "keys", i],
		"evidence": {
			"preauthorized": true,
			"reusable": object.get(caps, "reusable", false),
			"tags": lib.array_at(caps, "tags"),
			"expires": object.get(k, "expires", ""),
		},
	}
}

# Ephemeral, tagged nodes disappear when they go offline and get only their tags' access.
_automation_only(caps) if {
	caps.ephemeral == true
	count(lib.array_at(caps, "tags")) > 0
}

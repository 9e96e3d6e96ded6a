# METADATA
# title: Reusable auth key
# description: >-
#   A valid auth key can register any number of devices. If it leaks (in a CI log, an image, a
#   config repository) anyone holding it can add machines until it expires or is revoked.
# custom:
#   id: TA-KEY-001
#   severity: medium
#   remediation: >-
#     Prefer one-off keys, or short-lived keys minted on demand by an OAuth client. Where a
#     reusable key is needed, make it ephemeral and tagged, give it a short expiry, and revoke
#     it when the rollout is done.
#   resources: keys
#   aggregate: []
#   requires: [keys]
package tailaudit.tailnet.auth_key_reusable

import data.tailaudit.lib.tailnet as lib

deny contains result if {
	some i, k in lib.keys
	lib.key_type(k) == "auth"
	lib.key_active(k)
	caps := lib.key_create_caps(k)
	caps.reusable == true
	result := {
		"msg": sprintf("auth key %s can register any number of devices until %s", [lib.key_name(k), object.get(k, "expires", "")]),
		"resource": lib.key_resource(k),
		"path": ["tailnet", "keys", i],
		"evidence": {
			"reusable": true,
			"ephemeral": object.get(caps, "ephemeral", false),
			"preauthorized": object.get(caps, "preauthorized", false),
			"tags": lib.array_at(caps, "tags"),
			"expires": object.get(k, "expires", ""),
		},
	}
}

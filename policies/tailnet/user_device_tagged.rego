# METADATA
# title: Tagged device still tied to a person
# description: >-
#   A device carries tags but the API still reports a person as its user. A tagged device
#   should be owned by its tags; a personal identity on it mixes user-based and tag-based
#   access and outlives the person's departure.
# custom:
#   id: TA-DEV-007
#   severity: medium
#   remediation: >-
#     Re-authenticate the device with a tagged auth key or re-apply its tags from the admin
#     console so that it is owned by the tags, or remove the tags if it is a personal device.
#   resources: devices
#   requires: [devices]
package tailaudit.tailnet.user_device_tagged

import data.tailaudit.lib.tailnet as lib

deny contains result if {
	some i, d in lib.devices
	lib.is_tagged(d)
	user := lib.string_at(d, "user")
	user != ""
	user != lib.tagged_owner
	not d.isExternal == true
	result := {
		"msg": sprintf("device %s has tags %v but belongs to user %s", [lib.device_name(d), lib.device_tags(d), user]),
		"resource": lib.device_resource(d),
		"path": ["tailnet", "devices", i],
		"evidence": {
			"user": user,
			"tags": lib.device_tags(d),
		},
	}
}

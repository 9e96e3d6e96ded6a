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
#   aggregate: [tags]
#   requires: [devices]
package tailaudit.tailnet.user_device_tagged

import data.tailaudit.lib.tailnet as lib

deny contains result if {
	owner := lib.tagged_owner # bound once, not looked up per device
	some i, d in lib.devices
	user := d.user
	user != owner
	tags := d.tags
	tags != []
	is_array(tags)
	is_string(user)
	user != ""
	not d.isExternal == true
	res := lib.device_resource(d)
	result := {
		"msg": sprintf("device %s has tags %v but belongs to user %s", [res.name, tags, user]),
		"resource": res,
		"path": ["tailnet", "devices", i],
		"evidence": {
			"user": user,
			"tags": tags,
		},
	}
}

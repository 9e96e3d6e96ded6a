# METADATA
# title: Key expiry disabled on a tagged device
# description: >-
#   A tagged device has node key expiry turned off. This is the usual setup for servers and is
#   often intended, but it means the device's membership rests on its tags alone and on
#   someone removing it when it is retired. Reported for the record.
# custom:
#   id: TA-DEV-003
#   severity: low
#   remediation: >-
#     Keep a list of tagged devices that never expire and review it regularly; remove devices
#     that are retired. Where the workload allows, prefer ephemeral nodes or keys that expire.
#   resources: devices
#   aggregate: [tags]
#   requires: [devices]
package tailaudit.tailnet.tagged_device_key_expiry_disabled

import data.tailaudit.lib.tailnet as lib

warn contains result if {
	some i, d in lib.devices
	d.keyExpiryDisabled == true
	tags := d.tags
	tags != []
	is_array(tags)
	res := lib.device_resource(d)
	result := {
		"msg": sprintf("tagged device %s has key expiry disabled", [res.name]),
		"resource": res,
		"path": ["tailnet", "devices", i],
		"evidence": {
			"keyExpiryDisabled": true,
			"tags": tags,
		},
	}
}

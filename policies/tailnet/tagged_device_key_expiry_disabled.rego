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
#   requires: [devices]
package tailaudit.tailnet.tagged_device_key_expiry_disabled

import data.tailaudit.lib.tailnet as lib

warn contains result if {
	some i, d in lib.devices
	d.keyExpiryDisabled == true
	lib.is_tagged(d)
	result := {
		"msg": sprintf("tagged device %s has key expiry disabled", [lib.device_name(d)]),
		"resource": lib.device_resource(d),
		"path": ["tailnet", "devices", i],
		"evidence": {
			"keyExpiryDisabled": true,
			"tags": lib.device_tags(d),
		},
	}
}

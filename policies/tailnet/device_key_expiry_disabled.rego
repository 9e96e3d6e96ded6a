# METADATA
# title: Key expiry disabled on a user device
# description: >-
#   A device owned by a person has node key expiry turned off, so it never has to
#   re-authenticate with the identity provider. If the laptop or phone is lost, or its owner
#   leaves, it keeps its access until someone removes it by hand.
# custom:
#   id: TA-DEV-002
#   severity: high
#   remediation: >-
#     Turn key expiry back on for the device (Machines page, "Enable key expiry"). For servers
#     that must stay connected, tag them instead so that they are owned by the tag, not a person.
#   resources: devices
#   aggregate: []
#   requires: [devices]
package tailaudit.tailnet.device_key_expiry_disabled

import data.tailaudit.lib.tailnet as lib

deny contains result if {
	some i, d in lib.devices
	d.keyExpiryDisabled == true
	not lib.is_tagged(d)
	res := lib.device_resource(d)
	result := {
		"msg": sprintf("user device %s (%s) never has to re-authenticate: key expiry is disabled", [res.name, object.get(d, "user", "")]),
		"resource": res,
		"path": ["tailnet", "devices", i],
		"evidence": {
			"keyExpiryDisabled": true,
			"user": object.get(d, "user", ""),
			"tags": [],
		},
	}
}

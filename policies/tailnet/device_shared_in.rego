# METADATA
# title: Device shared in from another tailnet
# description: >-
#   A device that belongs to another organisation's tailnet has been shared into this one.
#   Its owner, patching and key expiry are outside this tailnet's control, so it should be on
#   the list of third-party access that is reviewed.
# custom:
#   id: TA-DEV-006
#   severity: low
#   remediation: >-
#     Confirm that the share is still needed and that access control rules limit what the
#     device can reach. Revoke shares that are no longer used.
#   resources: devices
#   aggregate: []
#   requires: [devices]
package tailaudit.tailnet.device_shared_in

import data.tailaudit.lib.tailnet as lib

warn contains result if {
	some i, d in lib.devices
	d.isExternal == true
	res := lib.device_resource(d)
	result := {
		"msg": sprintf("device %s is shared in from another tailnet (owner %s)", [res.name, object.get(d, "user", "")]),
		"resource": res,
		"path": ["tailnet", "devices", i],
		"evidence": {
			"isExternal": true,
			"user": object.get(d, "user", ""),
		},
	}
}

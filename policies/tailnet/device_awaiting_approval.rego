# METADATA
# title: Device awaiting approval
# description: >-
#   A device has registered with the tailnet but an administrator has not yet approved it.
#   Requests left pending are easy to approve by mistake later, and they may come from
#   hardware nobody recognises.
# custom:
#   id: TA-DEV-001
#   severity: low
#   remediation: >-
#     Review each pending device in the admin console's Machines page. Approve it only when
#     its owner and hardware are known; otherwise remove it.
#   resources: devices
#   aggregate: []
#   requires: [devices]
package tailaudit.tailnet.device_awaiting_approval

import data.tailaudit.lib.tailnet as lib

warn contains result if {
	some i, d in lib.devices
	d.authorized == false
	res := lib.device_resource(d)
	result := {
		"msg": sprintf("device %s is waiting for approval", [res.name]),
		"resource": res,
		"path": ["tailnet", "devices", i],
		"evidence": {
			"authorized": false,
			"user": object.get(d, "user", ""),
			"created": object.get(d, "created", ""),
		},
	}
}

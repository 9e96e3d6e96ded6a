# METADATA
# title: Tailnet Lock error on a device
# description: >-
#   A device reports a Tailnet Lock error, for example because its node key is not signed by
#   a trusted lock key. Such a device may be cut off, or may be a node the coordination server
#   added without a signer's consent.
# custom:
#   id: TA-DEV-011
#   severity: high
#   remediation: >-
#     Check the device with tailscale lock status. Sign it from a trusted signing node if it is
#     legitimate; otherwise remove it and investigate how it joined.
#   resources: devices
#   aggregate: [tailnetLockError]
#   requires: [devices]
package tailaudit.tailnet.device_tailnet_lock_error

import data.tailaudit.lib.tailnet as lib

deny contains result if {
	some i, d in lib.devices
	err := d.tailnetLockError
	err != ""
	is_string(err)
	res := lib.device_resource(d)
	result := {
		"msg": sprintf("device %s reports a Tailnet Lock error: %s", [res.name, err]),
		"resource": res,
		"path": ["tailnet", "devices", i],
		"evidence": {
			"tailnetLockError": err,
			"tailnetLockKey": lib.string_at(d, "tailnetLockKey"),
		},
	}
}

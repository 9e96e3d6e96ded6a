# METADATA
# title: Device approval is off
# description: >-
#   New devices join the tailnet as soon as a user signs in on them; no administrator reviews
#   them first. Anyone with a valid login can then bring any machine, managed or not, into the
#   network.
# custom:
#   id: TA-SET-001
#   severity: high
#   remediation: >-
#     Turn on device approval (Settings, Device management) and approve devices by hand or
#     through a device posture integration. Use tagged, pre-authorized keys for servers.
#   requires: [settings]
package tailaudit.tailnet.device_approval_off

import data.tailaudit.lib.tailnet as lib

deny contains result if {
	lib.settings.devicesApprovalOn == false
	result := {
		"msg": "device approval is off: new devices join without review",
		"resource": lib.tailnet_resource,
		"path": ["tailnet", "settings", "devicesApprovalOn"],
		"evidence": {"devicesApprovalOn": false},
	}
}

manual contains result if {
	not is_boolean(object.get(lib.settings, "devicesApprovalOn", null))
	result := {
		"msg": "the snapshot does not record whether device approval is on: attest it from the admin console",
		"resource": lib.tailnet_resource,
		"path": ["tailnet", "settings"],
		"evidence": {"devicesApprovalOn": null},
	}
}

# METADATA
# title: Tailnet Lock state needs attestation
# description: >-
#   No device in the snapshot reports a Tailnet Lock key, so the snapshot cannot show whether
#   Tailnet Lock is enabled. With Tailnet Lock off, the coordination server alone decides which
#   nodes the tailnet trusts.
# custom:
#   id: TA-DEV-014
#   severity: medium
#   remediation: >-
#     Run tailscale lock status on a trusted node and keep its output as evidence. If Tailnet
#     Lock is off, consider enabling it with signing keys held by several administrators.
#   requires: [devices]
package tailaudit.tailnet.tailnet_lock_unknown

import data.tailaudit.lib.tailnet as lib

manual contains result if {
	count(lib.devices) > 0
	not _some_lock_key
	result := {
		"msg": "no device reports a Tailnet Lock key: attest whether Tailnet Lock is enabled (tailscale lock status)",
		"resource": lib.tailnet_resource,
		"path": ["tailnet", "devices"],
		"evidence": {"deviceCount": count(lib.devices), "devicesWithLockKey": 0},
	}
}

_some_lock_key if {
	some d in lib.devices
	lib.string_at(d, "tailnetLockKey") != ""
}

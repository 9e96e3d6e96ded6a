# METADATA
# title: Tailnet Lock state needs attestation
# description: >-
#   Whether Tailnet Lock is enabled. The snapshot shows it only indirectly: every device has a
#   tailnetLockKey whether Tailnet Lock is on or off, so keys prove nothing; a device's
#   tailnetLockError is reported only while Tailnet Lock is enabled, so one such error shows it
#   on. The tailnetLock parameter records the state as attested (tailscale lock status, or
#   the audit log's TKA events). With Tailnet Lock off, the coordination server alone decides which
#   nodes the tailnet trusts: the rule fails when the parameter says so, and asks for attestation
#   when nothing shows the state.
# custom:
#   id: TA-DEV-014
#   severity: medium
#   remediation: >-
#     Run tailscale lock status on a trusted node and keep its output as evidence, then set
#     tailnetLock. If Tailnet Lock is off, consider enabling it with signing keys held by
#     several administrators.
#   requires: [devices]
#   params:
#     tailnetLock: {type: string, description: "unattested, enabled or disabled, as attested"}
package tailaudit.tailnet.tailnet_lock_unknown

import data.tailaudit.lib.params
import data.tailaudit.lib.tailnet as lib

# parameters hold tailnetLock, the state as attested: "enabled", "disabled", or "unattested" (the
# default: nothing may be assumed about Tailnet Lock before someone looks).
parameters := params.merged({"tailnetLock": "unattested"})

deny contains result if {
	parameters.tailnetLock == "disabled"
	not _shown_on
	result := {
		"msg": "Tailnet Lock is disabled (as attested by the tailnetLock parameter): the coordination server alone decides which nodes are trusted",
		"resource": lib.tailnet_resource,
		"path": ["params", "tailnetLock"],
		"evidence": {"tailnetLock": "disabled", "devicesWithLockError": 0},
	}
}

manual contains result if {
	count(lib.devices) > 0
	not _shown_on
	not parameters.tailnetLock in {"enabled", "disabled"}
	result := {
		"msg": "nothing in the snapshot shows whether Tailnet Lock is enabled (lock keys are reported either way): attest it with tailscale lock status and set the tailnetLock parameter",
		"resource": lib.tailnet_resource,
		"path": ["tailnet", "devices"],
		"evidence": {"deviceCount": count(lib.devices), "devicesWithLockError": 0},
	}
}

# _shown_on holds when a device reports a Tailnet Lock error, which only an enabled Tailnet Lock
# produces.
_shown_on if {
	some d in lib.devices
	err := d.tailnetLockError
	err != ""
	is_string(err)
}

# METADATA
# title: Device not seen recently
# description: >-
#   A device has not connected to the coordination server for a long time. Devices that are
#   lost, retired or replaced often stay in the tailnet with their access intact.
# custom:
#   id: TA-DEV-004
#   severity: medium
#   remediation: >-
#     Confirm with the owner whether the device is still in use. Remove devices that are gone,
#     and make sure key expiry is on so that forgotten devices lose access by themselves.
#   resources: devices
#   requires: [devices]
package tailaudit.tailnet.device_not_seen

import data.tailaudit.lib.tailnet as lib

deny contains result if {
	some i, d in lib.devices
	days := _idle_days(d)
	days >= lib.params.staleDays
	result := _result(i, d, days, lib.params.staleDays)
}

warn contains result if {
	some i, d in lib.devices
	days := _idle_days(d)
	days >= lib.params.staleWarnDays
	days < lib.params.staleDays
	result := object.union(_result(i, d, days, lib.params.staleWarnDays), {"severity": "low"})
}

_idle_days(d) := lib.age_days(d.lastSeen) if {
	not d.connectedToControl == true
}

_result(i, d, days, limit) := {
	"msg": sprintf("device %s was last seen %d days ago (limit %d)", [lib.device_name(d), floor(days), limit]),
	"resource": lib.device_resource(d),
	"path": ["tailnet", "devices", i],
	"evidence": {
		"lastSeen": d.lastSeen,
		"daysSinceSeen": floor(days),
		"limitDays": limit,
	},
}

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
#   aggregate: [limitDays]
#   requires: [devices]
#   params:
#     staleDays: {type: integer, minimum: 1, maximum: 3650}
#     staleWarnDays: {type: integer, minimum: 0, maximum: 3650}
package tailaudit.tailnet.device_not_seen

import data.tailaudit.lib.params
import data.tailaudit.lib.tailnet as lib

# parameters are this rule's thresholds: input.params over the defaults.
parameters := params.merged({"staleDays": 90, "staleWarnDays": 30})

deny contains result if {
	limit := parameters.staleDays
	some i, days in _idle_days
	days >= limit
	result := _result(i, lib.devices[i], days, limit)
}

warn contains result if {
	limit := parameters.staleWarnDays
	stale := parameters.staleDays
	some i, days in _idle_days
	days >= limit
	days < stale
	result := object.union(_result(i, lib.devices[i], days, limit), {"severity": "low"})
}

# _idle_days maps the index of each device that is not connected now, and has been idle for at
# least the lower of the two limits, to the whole days since it was last seen (tailscale.days_since:
# rounded down, undefined for a device never seen). The limits are whole days, so a device is past
# a limit exactly when its whole days are. Both result sets read it, so each device's age is
# worked out once. Like the rule bodies, it binds the limit and the clock before iterating, so that
# they are looked up once rather than once per device.
_idle_days := {i: days |
	limit := min({parameters.staleDays, parameters.staleWarnDays})
	now := lib.now_ns
	some i, d in lib.devices
	not d.connectedToControl == true
	days := tailscale.days_since(d.lastSeen, now)
	days >= limit
}

_result(i, d, days, limit) := {
	"msg": sprintf("device %s was last seen %d days ago (limit %d)", [res.name, days, limit]),
	"resource": res,
	"path": ["tailnet", "devices", i],
	"evidence": {
		"lastSeen": d.lastSeen,
		"daysSinceSeen": days,
		"limitDays": limit,
	},
} if {
	res := lib.device_resource(d)
}

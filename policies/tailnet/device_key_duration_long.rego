# METADATA
# title: Device key lifetime too long
# description: >-
#   Node keys stay valid for longer than the organisation allows before users must sign in
#   again. A long lifetime keeps a lost or handed-on device connected for that much longer.
# custom:
#   id: TA-SET-003
#   severity: medium
#   remediation: >-
#     Lower the key expiry (Settings, Device management, Key expiry) to the allowed number of
#     days or fewer.
#   requires: [settings]
#   params:
#     maxDeviceKeyDays: {type: integer, minimum: 1, maximum: 180}
package tailaudit.tailnet.device_key_duration_long

import data.tailaudit.lib.params
import data.tailaudit.lib.tailnet as lib

# parameters are this rule's thresholds: input.params over the defaults.
parameters := params.merged({"maxDeviceKeyDays": 180})

deny contains result if {
	days := lib.settings.devicesKeyDurationDays
	is_number(days)
	days > parameters.maxDeviceKeyDays
	result := {
		"msg": sprintf("device keys are valid for %d days (limit %d)", [days, parameters.maxDeviceKeyDays]),
		"resource": lib.tailnet_resource,
		"path": ["tailnet", "settings", "devicesKeyDurationDays"],
		"evidence": {
			"devicesKeyDurationDays": days,
			"maxDeviceKeyDays": parameters.maxDeviceKeyDays,
		},
	}
}
